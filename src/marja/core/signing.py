"""The instance's Ed25519 key: made once, kept private, used to sign and to seal.

One private key per instance, in a PEM file of the data folder (mode 0600). Its public
half is published, so anyone can check what the instance signed (ledger checkpoints,
receipts) without trusting the server that shows it. A second, symmetric key is derived
from it (HKDF-SHA256) to *seal* each ledger entry with an HMAC: cheap enough for every
entry, and impossible to recompute for someone who can write to the database but cannot
read the data folder.

Keys are named by their *key id*: the SHA-256 of the raw 32-byte public key, in hex.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALGORITHM: Final = "Ed25519"
_SEAL_INFO: Final = b"marja ledger entry seal v1"


class SigningKeyError(ValueError):
    """A key file or key text that cannot be used."""


def key_id_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class PublicKey:
    """A public key that signatures are checked against."""

    key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return key_id_of(self.key)

    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def raw_base64(self) -> str:
        raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    def verifies(self, message: bytes, signature_b64: str) -> bool:
        """Whether ``signature_b64`` (base64) is this key's signature of ``message``."""
        try:
            signature = base64.b64decode(signature_b64, validate=True)
            self.key.verify(signature, message)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """A public key from PEM text, or from the base64 of its 32 raw bytes."""
        stripped = text.strip()
        try:
            if stripped.startswith("-----BEGIN"):
                loaded = serialization.load_pem_public_key(stripped.encode("ascii"))
            else:
                loaded = Ed25519PublicKey.from_public_bytes(
                    base64.b64decode(stripped, validate=True)
                )
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise SigningKeyError(f"not an Ed25519 public key: {exc}") from None
        if not isinstance(loaded, Ed25519PublicKey):
            raise SigningKeyError("the key is not an Ed25519 key")
        return cls(loaded)


@dataclass(frozen=True)
class SigningKey:
    """The instance's private key."""

    key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, data: bytes) -> SigningKey:
        try:
            loaded = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"not a private key in PEM: {exc}") from None
        if not isinstance(loaded, Ed25519PrivateKey):
            raise SigningKeyError("the key is not an Ed25519 key")
        return cls(loaded)

    def pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.key.public_key())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, message: bytes) -> str:
        """The base64 Ed25519 signature of ``message``."""
        return base64.b64encode(self.key.sign(message)).decode("ascii")

    def seal_key(self) -> bytes:
        """The symmetric key that seals ledger entries, derived from this key."""
        raw = self.key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(raw)


def seal(seal_key: bytes, text: str) -> str:
    """HMAC-SHA256 of ``text`` under ``seal_key``, in hex."""
    return hmac.new(seal_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def seal_matches(seal_key: bytes, text: str, expected: str) -> bool:
    return hmac.compare_digest(seal(seal_key, text), expected)


def load_or_create(path: Path) -> SigningKey:
    """The key in ``path``, generated there (mode 0600) on first use.

    When two processes start at once, one key wins and both read it: the new key is
    written whole to a private temporary file, then linked into place.
    """
    if path.exists():
        return load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = SigningKey.generate()
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(created.pem())
    try:
        os.link(temporary, path)
    except FileExistsError:
        return load(path)
    finally:
        temporary.unlink()
    return created


def load(path: Path) -> SigningKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the key file {path}: {exc.strerror}") from None
    return SigningKey.from_pem(data)
