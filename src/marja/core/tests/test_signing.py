"""The instance key: made once, private, and readable back; public keys in two spellings."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from marja.core.signing import PublicKey, SigningKey, SigningKeyError, load, load_or_create


def test_the_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "ledger" / "ed25519.pem"
    first = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path).key_id == first.key_id
    assert [p.name for p in path.parent.iterdir()] == ["ed25519.pem"]


def test_signatures_check_out_only_for_their_message_and_key() -> None:
    key = SigningKey.generate()
    signature = key.sign(b"head 12")
    assert key.public.verifies(b"head 12", signature)
    assert not key.public.verifies(b"head 13", signature)
    assert not SigningKey.generate().public.verifies(b"head 12", signature)
    assert not key.public.verifies(b"head 12", "not base64!")


@pytest.mark.parametrize("spelling", ["pem", "raw_base64"])
def test_a_public_key_reads_back_from_either_spelling(spelling: str) -> None:
    key = SigningKey.generate().public
    assert PublicKey.from_text(getattr(key, spelling)()).key_id == key.key_id


@pytest.mark.parametrize(
    "text", ["", "hello", "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----"]
)
def test_what_is_not_a_public_key_is_refused(text: str) -> None:
    with pytest.raises(SigningKeyError):
        PublicKey.from_text(text)


def test_an_unreadable_or_foreign_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="cannot read"):
        load(tmp_path / "missing.pem")
    (tmp_path / "junk.pem").write_text("junk")
    with pytest.raises(SigningKeyError, match="not a private key"):
        load(tmp_path / "junk.pem")


def test_the_seal_key_is_stable_and_differs_between_instances() -> None:
    key = SigningKey.generate()
    assert key.seal_key() == SigningKey.from_pem(key.pem()).seal_key()
    assert key.seal_key() != SigningKey.generate().seal_key()
