"""`marja verify` names a final allocation changed in the database behind marja's back."""

from __future__ import annotations

import pytest

from marja.accounts.models import User
from marja.budget import decision
from marja.budget.models import AllocationScenario, FinalAllocation
from marja.ledger.messages import problem_text
from marja.ledger.verification import verify_instance

pytestmark = pytest.mark.django_db


def _adopted(scenario: AllocationScenario, council: dict[str, User]) -> FinalAllocation:
    session = decision.open_session(scenario, actor=council["admin"])
    for name in ("admin", "mpo.editor", "council.a"):
        decision.cast_vote(session, "for", actor=council[name])
    decision.close_session(session, actor=council["admin"])
    return FinalAllocation.objects.get()


def _budget_problems() -> list[dict[str, object]]:
    report = verify_instance()
    assert report["final_allocations"] == 1
    return [p for p in report["problems"] if str(p["code"]).startswith("final_allocation")]


def test_an_intact_final_allocation_verifies(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    _adopted(scenario, council)
    assert _budget_problems() == []


def test_changed_amounts_are_named(scenario: AllocationScenario, council: dict[str, User]) -> None:
    final = _adopted(scenario, council)
    amounts = [dict(a) for a in final.amounts]
    amounts[0]["amount"] += 1_000_000
    amounts[1]["amount"] -= 1_000_000  # the sum still holds: only the digest can tell
    FinalAllocation.objects.filter(pk=final.pk).update(amounts=amounts)
    (problem,) = _budget_problems()
    assert problem["code"] == "final_allocation_changed"
    assert "capital-1403" in problem_text(problem)


def test_a_changed_scenario_result_or_digest_is_named(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    final = _adopted(scenario, council)
    result = dict(scenario.result)
    result["multiplier"] = 2.0
    AllocationScenario.objects.filter(pk=scenario.pk).update(result=result)
    assert [p["code"] for p in _budget_problems()] == ["final_allocation_changed"]
    AllocationScenario.objects.filter(pk=scenario.pk).update(result=final.scenario.result)
    FinalAllocation.objects.filter(pk=final.pk).update(digest="0" * 64)
    codes = sorted(str(p["code"]) for p in _budget_problems())
    assert codes == ["final_allocation_changed", "final_allocation_mismatch"]
