"""The instance's signing key, in the data folder, loaded once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from marja.core.signing import SigningKey, load_or_create


def key_path() -> Path:
    """``MARJA_DATA_DIR/ledger/ed25519.pem`` (mode 0600; back it up with the database)."""
    return Path(settings.DATA_DIR) / "ledger" / "ed25519.pem"


@cache
def _key_at(path: Path) -> SigningKey:
    return load_or_create(path)


def instance_key() -> SigningKey:
    """The key, generated on first use (``marja serve`` and ``marja check`` do it first)."""
    return _key_at(key_path())


@cache
def _seal_key_of(path: Path) -> bytes:
    return _key_at(path).seal_key()


def seal_key() -> bytes:
    return _seal_key_of(key_path())


def instance_name() -> str:
    return str(settings.INSTANCE_NAME)


def public_key_facts() -> dict[str, str]:
    """What is published of the key: the instance, algorithm, key id, raw and PEM key."""
    public = instance_key().public
    return {
        "instance": instance_name(),
        "algorithm": "Ed25519",
        "key_id": public.key_id,
        "public_key": public.raw_base64(),
        "public_key_pem": public.pem(),
    }
