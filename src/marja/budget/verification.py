"""The budget's part of ``marja verify``: every final allocation against its own digest
and against the ledger entry that recorded its adoption, so a final allocation changed
in the database behind marja's back is named."""

from __future__ import annotations

from marja.budget.models import FinalAllocation
from marja.core.ledger_check import LedgerProblem
from marja.ledger.models import LedgerEntry
from marja.ledger.verification import CheckResult


def final_digest(final: FinalAllocation) -> str:
    """The digest the adoption computed, from what is stored now."""
    from marja.budget.services import digest_of

    cycle, scenario = final.cycle, final.scenario
    return digest_of(
        {
            "cycle": cycle.slug,
            "year": cycle.year,
            "total": final.total,
            "scenario": scenario.number,
            "amounts": final.amounts,
            "result": scenario.result,
        }
    )


def check_final_allocations() -> CheckResult:
    result = CheckResult()
    finals = list(FinalAllocation.objects.select_related("cycle", "scenario", "dataset"))
    adopted = {
        entry.object_id: entry
        for entry in LedgerEntry.objects.filter(action="budget.allocation_adopted")
    }
    for final in finals:
        where = {"cycle": final.cycle.slug}
        actual = final_digest(final)
        if actual != final.digest or sum(a["amount"] for a in final.amounts) != final.total:
            result.problems.append(
                LedgerProblem(
                    "final_allocation_changed",
                    params={**where, "expected": final.digest, "actual": actual},
                )
            )
        dataset = final.dataset
        if dataset is None or dataset.publisher_id != final.cycle.owner_id:
            result.problems.append(LedgerProblem("final_allocation_unpublished", params=where))
        entry = adopted.get(final.cycle.slug)
        if entry is None:
            result.problems.append(LedgerProblem("final_allocation_unrecorded", params=where))
            continue
        recorded = entry.payload.get("digest") if isinstance(entry.payload, dict) else None
        if recorded != final.digest:
            result.problems.append(
                LedgerProblem(
                    "final_allocation_mismatch",
                    entry.sequence,
                    {**where, "recorded": recorded, "stored": final.digest},
                )
            )
    result.counts = {"final_allocations": len(finals)}
    return result
