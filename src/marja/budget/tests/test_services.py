"""Scenarios computed from published data; consultation; the council's vote; the final
allocation; and every bad input the issue lists, answered without changing anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from marja.accounts.models import User
from marja.budget import decision, services
from marja.budget.models import (
    AllocationScenario,
    BudgetCycle,
    CouncilSession,
    FinalAllocation,
    FinalAllocationChangeError,
    Vote,
)
from marja.budget.tests.conftest import MILLION, criteria
from marja.catalog.models import County, Dataset
from marja.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def editor() -> User:
    return User.objects.get(username="mpo.editor")


def test_scenario_computes_from_published_data(scenario: AllocationScenario) -> None:
    result = scenario.result
    rows = result["counties"]
    assert len(rows) == County.objects.count() == 16
    assert sum(r["amount"] for r in rows) == scenario.cycle.total
    assert all(r["amount"] >= 100_000 * MILLION for r in rows)
    assert max(r["amount"] for r in rows) <= scenario.cycle.total // 2
    assert {s["dataset"] for s in result["sources"]} == {
        "hospital-beds",
        "county-population-1395",
        "capital-credits-by-county",
    }
    tehran = next(r for r in rows if r["county"] == "tehran")
    assert tehran["last_year"] > 0 and tehran["change"] is not None
    assert {d["criterion"] for d in tehran["drivers"]} <= {"beds", "population"}
    assert 0 <= result["fairness"]["gini"] <= 1
    assert 0 <= tehran["sensitivity"]["same_rank"] <= 1
    actions = list(LedgerEntry.objects.values_list("action", flat=True))
    assert "budget.scenario_saved" in actions and "budget.scenario_computed" in actions


def refused(cycle: BudgetCycle, terms: services.ScenarioIn) -> ValidationError:
    """The refusal of ``terms``; nothing is stored."""
    before = AllocationScenario.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_scenario(cycle, terms, actor=editor())
    assert AllocationScenario.objects.count() == before
    return caught.value


def test_an_infeasible_floor_is_explained_and_nothing_stored(cycle: BudgetCycle) -> None:
    terms = services.ScenarioIn(name_fa="کف بیش از کل", criteria=criteria(), floor=10**12)
    error = refused(cycle, terms)
    text = " ".join(str(m) for m in error.message_dict["floor"])
    assert "۱۶٬۰۰۰" in text  # 16 counties × 1,000 billion rials, in Persian digits
    assert "کف" in text and "(floor)" not in text


def test_weights_that_do_not_sum_to_one_are_explained(cycle: BudgetCycle) -> None:
    error = refused(
        cycle,
        services.ScenarioIn(name_fa="وزن نادرست", criteria=criteria(beds=0.5, population=0.2)),
    )
    assert "۰٫۷" in " ".join(str(m) for m in error.message_dict["criteria"])


def test_a_criterion_with_missing_counties_names_them(cycle: BudgetCycle) -> None:
    census = Dataset.objects.get(slug="county-population-1395")
    only_large = services.CriterionIn(
        "households",
        "خانوار شهرستان‌های بزرگ",
        "higher",
        weight=0.5,
        figures=services.FiguresIn(
            dataset=census,
            measure="sum:households",
            county_column="county",
            filters=[["population__gte", "400000"]],
        ),
    )
    terms = services.ScenarioIn(name_fa="داده ناقص", criteria=[criteria(beds=0.5)[0], only_large])
    error = refused(cycle, terms).message_dict
    assert list(error) == ["criteria.1"]  # the second criterion
    text = " ".join(str(m) for m in error["criteria.1"])
    assert "خانوار شهرستان‌های بزرگ" in text  # the criterion by its name, not its code
    assert "فیروزکوه" in text and "تهران" not in text.split(":")[-1]
    filled = services.save_scenario(
        cycle,
        services.ScenarioIn(name_fa="با میانه", criteria=terms.criteria, missing="median"),
        actor=editor(),
    )
    assert filled.problem == {}
    firuzkuh = next(r for r in filled.result["counties"] if r["county"] == "firuzkuh")
    assert firuzkuh["filled"] == ["households"]


def test_a_bad_edit_leaves_the_draft_as_it_was(scenario: AllocationScenario) -> None:
    before = (scenario.floor, scenario.result)
    with pytest.raises(ValidationError):
        services.save_scenario(
            scenario.cycle,
            services.ScenarioIn(name_fa="x", criteria=criteria(), floor=10**12),
            actor=editor(),
            scenario=scenario,
        )
    scenario.refresh_from_db()
    assert (scenario.floor, scenario.result) == before and scenario.criteria.count() == 2


def test_new_data_that_breaks_a_draft_is_stored_with_the_reason(
    scenario: AllocationScenario,
) -> None:
    AllocationScenario.objects.filter(pk=scenario.pk).update(floor=10**12)
    scenario.refresh_from_db()
    recomputed = services.compute_scenario(scenario, actor=editor())
    assert recomputed.result == {} and recomputed.problem["code"] == "lower_bounds_above_total"


def test_a_constant_criterion_is_refused(cycle: BudgetCycle) -> None:
    census = Dataset.objects.get(slug="county-population-1395")
    one_row_each = services.CriterionIn(
        "rows",
        "ردیف",
        "higher",
        weight=0.5,
        figures=services.FiguresIn(dataset=census, measure="count", county_column="county"),
    )
    terms = services.ScenarioIn(name_fa="ثابت", criteria=[criteria()[0], one_row_each])
    text = " ".join(str(m) for m in refused(cycle, terms).message_dict["criteria.1"])
    assert "«ردیف»" in text or "“ردیف”" in text


def test_a_total_of_zero_is_refused(demo: object) -> None:
    from marja.accounts.models import Organisation

    with pytest.raises(ValidationError) as caught:
        services.create_cycle(
            services.CycleIn(
                slug="zero",
                year=1403,
                programme_fa="صفر",
                total=0,
                owner=Organisation.objects.get(slug="mpo"),
            ),
            actor=editor(),
        )
    assert "total" in caught.value.message_dict
    assert not BudgetCycle.objects.filter(slug="zero").exists()


def test_only_the_owners_editors_make_scenarios(cycle: BudgetCycle) -> None:
    viewer = User.objects.get(username="governorate.viewer")
    with pytest.raises(PermissionDenied):
        services.save_scenario(
            cycle, services.ScenarioIn(name_fa="x", criteria=criteria()), actor=viewer
        )
    assert not cycle.scenarios.exists()


def _adopt(scenario: AllocationScenario, council: dict[str, User]) -> CouncilSession:
    session = decision.open_session(scenario, actor=council["admin"])
    for name in ("admin", "mpo.editor", "council.a"):
        decision.cast_vote(session, "for", actor=council[name])
    return decision.close_session(session, actor=council["admin"])


def test_consultation_comments_are_recorded_with_author_and_group(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    closes = timezone.localdate() + dt.timedelta(days=7)
    decision.open_consultation(scenario, ["mps"], closes, actor=editor())
    comment = decision.add_comment(
        scenario,
        "سهم ورامین کم است",
        actor=council["stakeholder"],
        county=County.objects.get(code="varamin"),
    )
    assert comment.group == "mps" and comment.author == council["stakeholder"]
    with pytest.raises(PermissionDenied):  # not in an invited group
        decision.add_comment(scenario, "نظر", actor=council["outsider"])
    with pytest.raises(ValidationError):  # fixed once under consultation
        services.save_scenario(
            scenario.cycle,
            services.ScenarioIn(name_fa="x", criteria=criteria()),
            actor=editor(),
            scenario=scenario,
        )


def test_a_decided_cycle_takes_no_new_scenario_consultation_or_comment(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    closes = timezone.localdate() + dt.timedelta(days=7)
    decision.open_consultation(scenario, ["mps"], closes, actor=editor())
    second = services.save_scenario(
        scenario.cycle, services.ScenarioIn(name_fa="دوم", criteria=criteria()), actor=editor()
    )
    session = decision.open_session(scenario, actor=council["admin"])
    for name in ("admin", "mpo.editor", "council.a"):
        decision.cast_vote(session, "for", actor=council[name])
    decision.close_session(session, actor=council["admin"])
    with pytest.raises(ValidationError):
        services.save_scenario(
            scenario.cycle, services.ScenarioIn(name_fa="سوم", criteria=criteria()), actor=editor()
        )
    with pytest.raises(ValidationError):
        decision.open_consultation(second, ["mps"], closes, actor=editor())
    assert not decision.can_comment(council["stakeholder"], scenario)


def test_a_failed_publication_leaves_the_allocation_final_and_can_be_retried(
    scenario: AllocationScenario, council: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    from marja.budget import publishing

    def broken(final: FinalAllocation) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(publishing, "publish_final", broken)
    session = decision.open_session(scenario, actor=council["admin"])
    for name in ("admin", "mpo.editor", "council.a"):
        decision.cast_vote(session, "for", actor=council[name])
    assert decision.close_session(session, actor=council["admin"]).outcome == "adopted"
    final = FinalAllocation.objects.get()
    assert final.dataset is None
    monkeypatch.undo()
    assert decision.publish_final_again(scenario.cycle, actor=editor())
    assert FinalAllocation.objects.get().dataset is not None
    with pytest.raises(ValidationError):
        decision.publish_final_again(scenario.cycle, actor=editor())


def test_the_council_adopts_and_the_allocation_becomes_final(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    session = _adopt(scenario, council)
    assert session.outcome == "adopted"
    assert session.tally == {"for": 3, "against": 0, "abstain": 0}
    final = FinalAllocation.objects.get(cycle=scenario.cycle)
    assert sum(a["amount"] for a in final.amounts) == scenario.cycle.total
    assert final.dataset is not None and final.dataset.versions.count() == 1
    assert final.dataset.title_fa.startswith("تخصیص نهایی")
    assert final.dataset.title_en.startswith("Final allocation")
    assert final.digest in final.dataset.description_fa
    actions = set(LedgerEntry.objects.values_list("action", flat=True))
    assert {"budget.allocation_adopted", "budget.allocation_published"} <= actions


def test_a_vote_by_a_non_member_or_an_observer_is_refused(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    session = decision.open_session(scenario, actor=council["admin"])
    for name in ("outsider", "mp.observer"):
        with pytest.raises(PermissionDenied):
            decision.cast_vote(session, "for", actor=council[name])
    assert not Vote.objects.exists()


def test_a_second_vote_by_the_same_member_is_refused(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    session = decision.open_session(scenario, actor=council["admin"])
    decision.cast_vote(session, "against", actor=council["council.a"])
    with pytest.raises(ValidationError) as caught:
        decision.cast_vote(session, "for", actor=council["council.a"])
    assert "choice" in caught.value.message_dict
    assert list(Vote.objects.values_list("choice", flat=True)) == ["against"]


def test_without_quorum_nothing_is_decided(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    session = decision.open_session(scenario, actor=council["admin"])
    decision.cast_vote(session, "for", actor=council["admin"])
    closed = decision.close_session(session, actor=council["admin"])
    assert closed.outcome == "no_quorum"
    assert not FinalAllocation.objects.exists()
    scenario.refresh_from_db()
    assert scenario.status == "draft"


def test_a_final_allocation_cannot_be_edited(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    _adopt(scenario, council)
    final = FinalAllocation.objects.get(cycle=scenario.cycle)
    before = (final.amounts, final.digest)
    final.amounts = [{"county": "tehran", "amount": 1}]
    with pytest.raises(FinalAllocationChangeError):
        final.save()
    with pytest.raises(FinalAllocationChangeError):
        final.delete()
    scenario.refresh_from_db()
    with pytest.raises(ValidationError):
        services.compute_scenario(scenario, actor=editor())
    with pytest.raises(ValidationError):
        decision.open_session(scenario, actor=council["admin"])
    stored = FinalAllocation.objects.get(pk=final.pk)
    assert (stored.amounts, stored.digest) == before


def test_the_final_allocation_is_never_published_into_another_agencys_dataset(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    from marja.accounts.models import Organisation
    from marja.catalog.models import Licence, Theme
    from marja.catalog.services import DatasetIn, create_dataset
    from marja.ledger.verification import verify_instance

    squatter = create_dataset(
        DatasetIn(
            slug="budget-capital-1403",
            title_fa="دادهٔ دیگری",
            publisher=Organisation.objects.get(slug="tums"),
            theme=Theme.objects.get(slug="planning-budget"),
            licence=Licence.objects.get(slug="cc-by-4.0"),
            frequency="yearly",
        ),
        actor=User.objects.get(username="tums.admin"),
    )
    session = decision.open_session(scenario, actor=council["admin"])
    for name in ("admin", "mpo.editor", "council.a"):
        decision.cast_vote(session, "for", actor=council[name])
    decision.close_session(session, actor=council["admin"])
    assert FinalAllocation.objects.get().dataset is None
    assert not squatter.versions.exists()
    codes = [p["code"] for p in verify_instance()["problems"]]
    assert "final_allocation_unpublished" in codes


def test_values_of_internal_sources_are_hidden_outside_the_agencies(
    scenario: AllocationScenario, council: dict[str, User]
) -> None:
    from marja.accounts.models import Organisation
    from marja.budget.selectors import for_display
    from marja.indicators.models import Actual, Goal, Indicator, Plan

    plan = Plan.objects.create(slug="p", name_fa="برنامه", start_year=1403, end_year=1407)
    public_over_internal = Indicator.objects.create(
        plan=plan,
        goal=Goal.objects.create(plan=plan, code="1", title_fa="هدف"),
        code="9.1",
        name_fa="شاخص عمومی از دادهٔ داخلی",
        direction="higher",
        baseline_year=1402,
        baseline_value=1.0,
        origin="manual",
        access="public",
        owner=Organisation.objects.get(slug="mpo"),
        dataset=Dataset.objects.get(slug="capital-credits-by-county"),
    )
    for i, county in enumerate(County.objects.order_by("code")):
        Actual.objects.create(
            indicator=public_over_internal, year=1402, county=county, value=10.0 + i
        )
    terms = services.ScenarioIn(
        name_fa="با شاخص",
        criteria=[
            *criteria(beds=0.5),
            services.CriterionIn(
                "spent",
                "اعتبار",
                "lower",
                weight=0.1,
                figures=services.FiguresIn(indicator=public_over_internal, year=1402),
            ),
        ],
    )
    made = services.save_scenario(scenario.cycle, terms, actor=editor())
    inside = for_display(editor(), AllocationScenario.objects.get(pk=made.pk))
    assert "spent" in inside.result["counties"][0]["values"]
    outside = for_display(council["stakeholder"], AllocationScenario.objects.get(pk=made.pk))
    row = outside.result["counties"][0]
    assert "spent" not in row["values"] and "population" in row["values"]
    assert row["last_year"] is None  # last year's credits are internal
    assert row["amount"] == inside.result["counties"][0]["amount"]
