"""The ledger's hashes, and the check that finds what was done to a stored ledger.

Every entry is chained to the one before it, and sealed:

- ``payload_hash`` = SHA-256 of the canonical JSON of the entry's payload;
- ``body_hash`` = SHA-256 of the canonical JSON of the entry's fields: format version,
  sequence, time (UTC, microseconds), actor and organisation ids, action, object type
  and id, and ``payload_hash``;
- ``entry_hash`` = SHA-256 of ``prev_hash + ":" + body_hash`` (ASCII hex), where
  ``prev_hash`` is the previous entry's ``entry_hash`` (64 zeros before the first);
- ``seal`` = HMAC-SHA256 of ``entry_hash`` under a key only the instance holds
  (:func:`marja.core.signing.SigningKey.seal_key`).

The chain makes any change to a stored entry visible in the entries after it; the seal
makes an entry that was rewritten, hashes and all, visible by itself (whoever can write
to the database cannot make a seal without the data folder's key); checkpoints, signed
with the instance's Ed25519 key, let anyone holding the public key check a prefix of the
ledger, a receipt among them (:mod:`marja.core.receipt`).

Canonical JSON: keys sorted, no whitespace, UTF-8 without escapes, as Python's ``json``
writes numbers; NaN and infinities are refused.

:mod:`marja.core.ledger_check` finds and names what was done to a stored ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from marja.core.signing import seal

FORMAT: Final = 1
GENESIS: Final = "0" * 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload_hash(payload: Any) -> str:
    return sha256_hex(canonical_json(payload))


def moment(value: dt.datetime) -> str:
    """An entry's time as it is hashed: UTC, ISO 8601, microseconds, ``Z``."""
    if value.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(prev_hash: str, body_hash: str) -> str:
    return sha256_hex(f"{prev_hash}:{body_hash}".encode("ascii"))


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """An entry as stored: its fields, payload and the hashes written with it."""

    sequence: int
    recorded_at: str
    actor: int | None
    organisation: int | None
    action: str
    object_type: str
    object_id: str
    payload: Any
    payload_hash: str
    prev_hash: str
    entry_hash: str
    seal: str = ""

    def body_hash(self, sequence: int | None = None) -> str:
        """The hash of the fields, with another ``sequence`` when given."""
        return sha256_hex(
            canonical_json(
                {
                    "v": FORMAT,
                    "sequence": self.sequence if sequence is None else sequence,
                    "recorded_at": self.recorded_at,
                    "actor": self.actor,
                    "organisation": self.organisation,
                    "action": self.action,
                    "object_type": self.object_type,
                    "object_id": self.object_id,
                    "payload_hash": self.payload_hash,
                }
            )
        )

    def payload_intact(self) -> bool:
        return payload_hash(self.payload) == self.payload_hash

    def intact_as(self, sequence: int) -> bool:
        """Whether the stored hashes are those of this content numbered ``sequence``."""
        return self.payload_intact() and (
            chain_hash(self.prev_hash, self.body_hash(sequence)) == self.entry_hash
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "organisation": self.organisation,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "payload": self.payload,
            "payload_hash": self.payload_hash,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }


def new_entry(
    *,
    sequence: int,
    recorded_at: dt.datetime,
    actor: int | None,
    organisation: int | None,
    action: str,
    object_type: str,
    object_id: str,
    payload: Any,
    prev_hash: str,
    seal_key: bytes | None,
) -> EntryRecord:
    """The entry that follows ``prev_hash``, hashed and sealed."""
    draft = EntryRecord(
        sequence=sequence,
        recorded_at=moment(recorded_at),
        actor=actor,
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=object_id,
        payload=payload,
        payload_hash=payload_hash(payload),
        prev_hash=prev_hash,
        entry_hash="",
    )
    digest = chain_hash(prev_hash, draft.body_hash())
    sealed = seal(seal_key, digest) if seal_key else ""
    return EntryRecord(**{**_fields(draft), "entry_hash": digest, "seal": sealed})


def _fields(entry: EntryRecord) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in EntryRecord.__slots__}


def head_text(sequence: int, entry_hash: str) -> str:
    """What the ledger's head seals: the number and hash of the last entry."""
    return f"head:{sequence}:{entry_hash}"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the ledger held ``sequence`` entries ending in ``head_hash``."""

    instance: str
    key_id: str
    sequence: int
    head_hash: str
    signed_at: str
    signature: str = ""

    def statement(self) -> bytes:
        """The bytes that are signed."""
        return canonical_json(
            {
                "type": "marja.ledger.checkpoint",
                "v": FORMAT,
                "instance": self.instance,
                "key_id": self.key_id,
                "sequence": self.sequence,
                "head_hash": self.head_hash,
                "signed_at": self.signed_at,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "key_id": self.key_id,
            "sequence": self.sequence,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Checkpoint:
        if not isinstance(data, dict):
            raise ValueError("a checkpoint is an object")
        values: dict[str, Any] = {}
        for name, kind in (
            ("instance", str), ("key_id", str), ("sequence", int), ("head_hash", str),
            ("signed_at", str), ("signature", str),
        ):  # fmt: skip
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"checkpoint field {name!r} is missing or not a {kind.__name__}")
            values[name] = value
        return cls(**values)


@dataclass(frozen=True)
class Head:
    """The ledger's own note of its last entry (sealed like an entry)."""

    sequence: int
    entry_hash: str
    seal: str
