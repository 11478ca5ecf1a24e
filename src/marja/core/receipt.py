"""Receipts: a proof, checkable offline, that the instance published a version.

A receipt holds the ``version.published`` ledger entry of a dataset version (its fields,
payload and hashes), the body hashes of the entries between it and a signed checkpoint,
and that checkpoint. Anyone with the instance's public key checks it without asking the
instance anything:

1. the checkpoint's key id is that of the public key (else: another instance's receipt);
2. the checkpoint's signature is valid (else: forged or edited);
3. the entry's hashes are those of its content (else: the entry was edited);
4. chaining the entry's hash with each body hash gives the checkpoint's head, in exactly
   as many steps as the checkpoint is after the entry (else: the path was edited);
5. the subject (dataset, version, SHA-256, size, rows) is what the entry says (else: the
   subject was edited, or the receipt is replayed for another version);
6. optionally, the expected dataset, version or file is the receipt's subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from marja.core.ledger import Checkpoint, EntryRecord, chain_hash
from marja.core.signing import PublicKey

RECEIPT_TYPE: Final = "marja.receipt"
RECEIPT_FORMAT: Final = 1
_HEX64: Final = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Subject:
    """What a receipt is about: one version of one dataset."""

    dataset: str
    version: int
    sha256: str
    size: int
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "dataset_version",
            "dataset": self.dataset,
            "version": self.version,
            "sha256": self.sha256,
            "size": self.size,
            "rows": self.rows,
        }


def build_receipt(
    *,
    instance: str,
    public_key: PublicKey,
    subject: Subject,
    entry: EntryRecord,
    path: list[str],
    checkpoint: Checkpoint,
    issued_at: str,
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "type": RECEIPT_TYPE,
        "v": RECEIPT_FORMAT,
        "instance": {
            "name": instance,
            "key_id": public_key.key_id,
            "public_key": public_key.raw_base64(),
            "algorithm": "Ed25519",
        },
        "subject": subject.to_dict(),
        "entry": entry.to_dict(),
        "path": path,
        "checkpoint": checkpoint.to_dict(),
        "issued_at": issued_at,
        "links": links or {},
    }


@dataclass(frozen=True)
class Expected:
    """What the person checking a receipt expects it to be about (any may be None)."""

    dataset: str | None = None
    version: int | None = None
    sha256: str | None = None


@dataclass
class ReceiptCheck:
    """The outcome: ``problems`` are (code, params); none means the receipt holds."""

    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    subject: Subject | None = None
    entry: EntryRecord | None = None
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, code: str, **params: Any) -> None:
        self.problems.append((code, params))


def verify_receipt(
    receipt: Any, public_key: PublicKey, expected: Expected | None = None
) -> ReceiptCheck:
    """Check ``receipt`` (parsed JSON) against ``public_key``.

    Codes: ``receipt_malformed`` (``problem``), ``receipt_other_instance`` (``key_id``,
    ``expected``), ``receipt_signature_invalid``, ``receipt_entry_altered``,
    ``receipt_path_invalid``, ``receipt_subject_mismatch`` (``field``),
    ``receipt_not_expected`` (``field``, ``expected``, ``actual``).
    """
    check = ReceiptCheck()
    try:
        entry, checkpoint, subject, path = _parse(receipt)
    except ValueError as exc:
        check.add("receipt_malformed", problem=str(exc))
        return check
    check.entry, check.checkpoint, check.subject = entry, checkpoint, subject
    if checkpoint.key_id != public_key.key_id:
        check.add("receipt_other_instance", key_id=checkpoint.key_id, expected=public_key.key_id)
        return check
    if not public_key.verifies(checkpoint.statement(), checkpoint.signature):
        check.add("receipt_signature_invalid")
        return check
    if not entry.intact_as(entry.sequence):
        check.add("receipt_entry_altered")
        return check
    head = entry.entry_hash
    for body in path:
        head = chain_hash(head, body)
    if head != checkpoint.head_hash or entry.sequence + len(path) != checkpoint.sequence:
        check.add("receipt_path_invalid")
        return check
    for name, claimed, recorded in _subject_pairs(subject, entry):
        if claimed != recorded:
            check.add("receipt_subject_mismatch", field=name)
    if expected is not None:
        for name, wanted, actual in (
            ("dataset", expected.dataset, subject.dataset),
            ("version", expected.version, subject.version),
            ("sha256", expected.sha256, subject.sha256),
        ):
            if wanted is not None and wanted != actual:
                check.add("receipt_not_expected", field=name, expected=wanted, actual=actual)
    return check


def _subject_pairs(subject: Subject, entry: EntryRecord) -> list[tuple[str, Any, Any]]:
    payload = entry.payload if isinstance(entry.payload, dict) else {}
    return [
        ("action", "version.published", entry.action),
        ("object", f"{subject.dataset}/{subject.version}", entry.object_id),
        ("version", subject.version, payload.get("number")),
        ("sha256", subject.sha256, payload.get("sha256")),
        ("size", subject.size, payload.get("size")),
        ("rows", subject.rows, payload.get("rows")),
    ]


def _parse(receipt: Any) -> tuple[EntryRecord, Checkpoint, Subject, list[str]]:
    if not isinstance(receipt, dict):
        raise ValueError("a receipt is a JSON object")
    if receipt.get("type") != RECEIPT_TYPE:
        raise ValueError(f"its type is not {RECEIPT_TYPE!r}")
    if receipt.get("v") != RECEIPT_FORMAT:
        raise ValueError(f"its format is not {RECEIPT_FORMAT}")
    checkpoint = Checkpoint.from_dict(receipt.get("checkpoint"))
    entry = _entry(receipt.get("entry"))
    subject = _subject(receipt.get("subject"))
    instance = receipt.get("instance")
    if not isinstance(instance, dict) or (instance.get("key_id"), instance.get("name")) != (
        checkpoint.key_id,
        checkpoint.instance,
    ):
        raise ValueError("its instance does not match its checkpoint")
    path = receipt.get("path")
    if not isinstance(path, list) or not all(isinstance(h, str) and _HEX64.match(h) for h in path):
        raise ValueError("its path is not a list of SHA-256 hashes")
    return entry, checkpoint, subject, path


def _entry(data: Any) -> EntryRecord:
    if not isinstance(data, dict):
        raise ValueError("its entry is missing")
    kinds: dict[str, tuple[type, ...]] = {
        "sequence": (int,), "recorded_at": (str,), "actor": (int, type(None)),
        "organisation": (int, type(None)), "action": (str,), "object_type": (str,),
        "object_id": (str,), "payload_hash": (str,), "prev_hash": (str,), "entry_hash": (str,),
    }  # fmt: skip
    values: dict[str, Any] = {}
    for name, allowed in kinds.items():
        value = data.get(name)
        if not isinstance(value, allowed) or isinstance(value, bool):
            raise ValueError(f"entry field {name!r} is missing or of the wrong type")
        values[name] = value
    if "payload" not in data:
        raise ValueError("entry field 'payload' is missing")
    return EntryRecord(payload=data["payload"], **values)


def _subject(data: Any) -> Subject:
    if not isinstance(data, dict) or data.get("kind") != "dataset_version":
        raise ValueError("its subject is not a dataset version")
    try:
        dataset, version = data["dataset"], data["version"]
        sha256, size, rows = data["sha256"], data["size"], data["rows"]
    except KeyError as exc:
        raise ValueError(f"subject field {exc.args[0]!r} is missing") from None
    if not isinstance(dataset, str) or not isinstance(sha256, str):
        raise ValueError("subject dataset and sha256 must be text")
    for name, value in (("version", version), ("size", size), ("rows", rows)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"subject field {name!r} must be a whole number")
    return Subject(dataset, version, sha256, size, rows)
