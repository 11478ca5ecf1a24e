"""Receipts of versions: what a reader downloads to prove, offline, what was published."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from marja.core.ledger import moment
from marja.core.receipt import Subject, build_receipt
from marja.ingest.models import DatasetVersion
from marja.ledger.keys import instance_key
from marja.ledger.models import LedgerCheckpoint
from marja.ledger.proofs import EntryProof, ProofUnavailableError, checkpoint_covering, proof_for


def subject_of(version: DatasetVersion) -> Subject:
    return Subject(
        dataset=version.dataset.slug,
        version=version.number,
        sha256=version.sha256,
        size=version.size,
        rows=version.row_count,
    )


def version_proof(version: DatasetVersion) -> EntryProof:
    """The ledger entry of ``version`` and the checkpoint that signs it (raises
    :class:`ProofUnavailableError` when the version has no entry, ``unrecorded``)."""
    if version.ledger_entry is None:
        raise ProofUnavailableError("unrecorded")
    return proof_for(version.ledger_entry)


def receipt_for(version: DatasetVersion, *, links: dict[str, str]) -> dict[str, Any]:
    proof = version_proof(version)
    return build_receipt(
        instance=proof.checkpoint.instance,
        public_key=instance_key().public,
        subject=subject_of(version),
        entry=proof.entry.as_record(),
        path=proof.path,
        checkpoint=proof.checkpoint.as_checkpoint(),
        issued_at=moment(timezone.now()),
        links=links,
    )


def covering_checkpoint(version: DatasetVersion) -> LedgerCheckpoint | None:
    """The checkpoint that signs ``version``'s entry (None: none yet, or no entry)."""
    if version.ledger_entry_id is None:
        return None
    return checkpoint_covering(version.ledger_entry_id)


def covering_checkpoints(versions: list[DatasetVersion]) -> dict[int, LedgerCheckpoint]:
    """The checkpoint of each of ``versions`` (by version id), in two queries."""
    first = (
        LedgerCheckpoint.objects.filter(sequence__gte=OuterRef("ledger_entry_id"))
        .order_by("sequence", "id")
        .values("pk")[:1]
    )
    ids = dict(
        DatasetVersion.objects.filter(pk__in=[v.pk for v in versions], ledger_entry__isnull=False)
        .annotate(checkpoint=Subquery(first))
        .values_list("pk", "checkpoint")
    )
    found = LedgerCheckpoint.objects.in_bulk([c for c in ids.values() if c is not None])
    return {pk: found[c] for pk, c in ids.items() if c in found}
