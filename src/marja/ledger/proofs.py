"""Proofs for readers: which checkpoint signs an entry, and the path from one to the other.

A receipt (built by the publishing app for a version) carries an entry, the body hashes
of the entries after it up to a checkpoint, and that checkpoint. Before a path is handed
out it is checked here against the stored hashes, so the instance never issues a proof
that would not hold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from marja.core.ledger import chain_hash
from marja.core.receipt import Expected, ReceiptCheck, verify_receipt
from marja.ledger.keys import instance_key
from marja.ledger.models import RECORD_COLUMNS, LedgerCheckpoint, LedgerEntry, record_of
from marja.ledger.services import sign_head

log = logging.getLogger(__name__)

#: The most entries a proof walks; checkpoints come every MARJA_LEDGER_CHECKPOINT_EVERY.
MAX_PATH = 100_000


class ProofUnavailableError(Exception):
    """No proof can be given: ``code`` is ``unsigned`` or ``inconsistent`` (the stored
    ledger does not hold together; ``marja verify`` says where)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        if code == "inconsistent":
            log.error("the ledger does not hold together: run marja verify")


@dataclass(frozen=True)
class EntryProof:
    entry: LedgerEntry
    checkpoint: LedgerCheckpoint
    path: list[str]


def checkpoint_covering(sequence: int) -> LedgerCheckpoint | None:
    """The first checkpoint that signs entry ``sequence``."""
    return (
        LedgerCheckpoint.objects.filter(sequence__gte=sequence).order_by("sequence", "id").first()
    )


def proof_for(entry: LedgerEntry, *, sign_if_needed: bool = True) -> EntryProof:
    """The checkpoint that covers ``entry`` (signing the head now when none does yet)
    and the checked path of body hashes from the entry to it."""
    checkpoint = checkpoint_covering(entry.sequence)
    if checkpoint is None and sign_if_needed:
        checkpoint = sign_head() or checkpoint_covering(entry.sequence)
    if checkpoint is None:
        raise ProofUnavailableError("unsigned")
    if checkpoint.sequence - entry.sequence > MAX_PATH:
        raise ProofUnavailableError("inconsistent")
    if not instance_key().public.verifies(
        checkpoint.as_checkpoint().statement(), checkpoint.signature
    ):
        raise ProofUnavailableError("inconsistent")
    head = entry.entry_hash
    if not entry.as_record().intact_as(entry.sequence):
        raise ProofUnavailableError("inconsistent")
    path = []
    following = (
        LedgerEntry.objects.filter(sequence__gt=entry.sequence, sequence__lte=checkpoint.sequence)
        .order_by("sequence")
        .values_list(*RECORD_COLUMNS)
    )
    expected = entry.sequence
    for values in following.iterator(chunk_size=2000):
        row = record_of(*values)
        expected += 1
        body = row.body_hash()
        if (
            row.sequence != expected
            or row.prev_hash != head
            or chain_hash(head, body) != row.entry_hash
        ):
            raise ProofUnavailableError("inconsistent")
        path.append(body)
        head = row.entry_hash
    if head != checkpoint.head_hash or expected != checkpoint.sequence:
        raise ProofUnavailableError("inconsistent")
    return EntryProof(entry, checkpoint, path)


@dataclass(frozen=True)
class ReceiptHere:
    """A receipt checked with the instance's key, and against the instance's own ledger."""

    check: ReceiptCheck
    #: The entry the receipt names is in this ledger with the same hash.
    entry_in_ledger: bool
    #: The checkpoint the receipt carries is one this instance keeps.
    checkpoint_kept: bool


def check_receipt_here(receipt: Any, expected: Expected | None = None) -> ReceiptHere:
    check = verify_receipt(receipt, instance_key().public, expected)
    entry_in_ledger = checkpoint_kept = False
    if check.entry is not None and check.checkpoint is not None and check.ok:
        entry_in_ledger = LedgerEntry.objects.filter(
            sequence=check.entry.sequence, entry_hash=check.entry.entry_hash
        ).exists()
        checkpoint_kept = LedgerCheckpoint.objects.filter(
            sequence=check.checkpoint.sequence, signature=check.checkpoint.signature
        ).exists()
    return ReceiptHere(check, entry_in_ledger, checkpoint_kept)
