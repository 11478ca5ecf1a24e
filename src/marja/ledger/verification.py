"""Verifying the whole instance: the ledger's chain and checkpoints, and what other apps
register (the publishing app checks every stored object against its hash).

``marja verify`` and the administrator's page both run :func:`verify_instance`; each run
is kept as a :class:`LedgerVerification` with its full report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from marja.accounts.models import User
from marja.core.ledger import EntryRecord
from marja.core.ledger_check import LedgerProblem, StoredCheckpoint, verify_chain
from marja.ledger.keys import instance_key, seal_key
from marja.ledger.models import (
    RECORD_COLUMNS,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    LedgerVerification,
    record_of,
)

log = logging.getLogger(__name__)

_CHUNK = 5000


@dataclass
class CheckResult:
    """What one registered check looked at, and what it found."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[LedgerProblem] = field(default_factory=list)


Check = Callable[[], CheckResult]
_CHECKS: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    """Add a check to every verification (apps call it from ``AppConfig.ready``)."""
    _CHECKS[name] = check


def stored_entries() -> Iterator[EntryRecord]:
    """Every entry in stored order, read in chunks (a server-side cursor on PostgreSQL)."""
    rows = LedgerEntry.objects.order_by("sequence").values_list(*RECORD_COLUMNS)
    for values in rows.iterator(chunk_size=_CHUNK):
        yield record_of(*values)


def verify_instance() -> dict[str, Any]:
    """Check the chain, the checkpoints and every registered check; the report as data."""
    started = time.perf_counter()
    head = LedgerHead.objects.filter(pk=1).first()
    checkpoints = [
        StoredCheckpoint(c.pk, c.as_checkpoint()) for c in LedgerCheckpoint.objects.all()
    ]
    chain = verify_chain(
        stored_entries,
        seal_key=seal_key(),
        head=head.as_head() if head is not None and head.sequence else None,
        checkpoints=checkpoints,
        public_key=instance_key().public,
    )
    problems = [*chain.problems]
    counts: dict[str, int] = {
        "entries": chain.entries,
        "last_sequence": chain.last_sequence,
        "checkpoints": chain.checkpoints,
        "unsigned_entries": chain.unsigned_entries,
        "unexplained": chain.unexplained,
    }
    for name, check in _CHECKS.items():
        result = check()
        counts.update(result.counts)
        problems += result.problems
        log.debug("verification check %s: %s", name, result.counts)
    return {
        **counts,
        "seconds": round(time.perf_counter() - started, 3),
        "problems": [
            {"code": p.code, "sequence": p.sequence, "params": p.params} for p in problems
        ],
    }


def run_verification(
    verification: LedgerVerification | None = None,
    *,
    actor: User | None = None,
    through: str = "cli",
) -> LedgerVerification:
    """Run (or finish a queued) verification and keep its report."""
    if verification is None:
        verification = LedgerVerification.objects.create(requested_by=actor, through=through)
    verification.status = LedgerVerification.Status.RUNNING
    verification.started_at = timezone.now()
    verification.save(update_fields=["status", "started_at"])
    try:
        report = verify_instance()
    except Exception as exc:
        log.exception("verification %s could not finish", verification.pk)
        verification.status = LedgerVerification.Status.ERROR
        verification.report = {"error": type(exc).__name__, "detail": str(exc)[:300]}
    else:
        verification.report = report
        verification.status = (
            LedgerVerification.Status.FAILED
            if report["problems"]
            else LedgerVerification.Status.PASSED
        )
    verification.finished_at = timezone.now()
    verification.save(update_fields=["status", "report", "finished_at"])
    return verification
