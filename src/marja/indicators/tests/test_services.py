"""Targets, hand-entered values and factors: checked whole, stored with a ledger entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from marja.accounts.models import Organisation, User
from marja.catalog.demo import DemoResult
from marja.indicators.models import Actual, Factor, Goal, Indicator, Plan, Target
from marja.indicators.services import (
    ActualIn,
    FactorIn,
    TargetIn,
    add_factor,
    enter_actual,
    set_target,
)
from marja.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def literacy(demo: DemoResult) -> Indicator:
    plan = Plan.objects.create(
        slug="seventh", name_fa="برنامهٔ هفتم", start_year=1403, end_year=1407
    )
    goal = Goal.objects.create(plan=plan, code="4", title_fa="آموزش")
    return Indicator.objects.create(
        plan=plan, goal=goal, code="4.1", name_fa="نرخ باسوادی", unit="درصد",
        owner=Organisation.objects.get(slug="tums"), direction=Indicator.Direction.HIGHER,
        baseline_year=1402, baseline_value=88.0, origin=Indicator.Origin.MANUAL,
    )  # fmt: skip


def editor() -> User:
    return User.objects.get(username="tums.admin")


def entries(action: str) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(action=action).order_by("sequence"))


def refused(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def test_a_target_is_set_changed_and_recorded(literacy: Indicator) -> None:
    set_target(literacy, TargetIn(1407, value=95.0), actor=editor())
    set_target(literacy, TargetIn(1407, value=96.0), actor=editor())
    set_target(literacy, TargetIn(1405, "varamin", value=90.0), actor=editor())
    assert Target.objects.get(indicator=literacy, year=1407, county=None).value == 96.0
    assert Target.objects.filter(indicator=literacy).count() == 2
    recorded = entries("target.set")
    assert [e.payload["value"] for e in recorded] == [95.0, 96.0, 90.0]
    assert recorded[1].payload["before"] == {"value": 95.0, "low": None, "high": None}
    assert recorded[2].payload["county"] == "varamin"
    assert recorded[0].object_id == "seventh/4.1" and recorded[0].actor == editor()


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (TargetIn(1410, value=95.0), "year"),  # after the plan
        (TargetIn(1402, value=95.0), "year"),  # the baseline's year
        (TargetIn(1405, "atlantis", value=95.0), "county"),
        (TargetIn(1405), "value"),
        (TargetIn(1405, value=float("nan")), "value"),
    ],
)
def test_bad_targets_are_refused_naming_the_field(
    literacy: Indicator, terms: TargetIn, field: str
) -> None:
    problems = refused(lambda: set_target(literacy, terms, actor=editor()))
    assert field in problems and problems[field][0]
    assert not Target.objects.exists() and not entries("target.set")


def test_a_band_needs_both_ends_in_order(literacy: Indicator) -> None:
    Indicator.objects.filter(pk=literacy.pk).update(direction=Indicator.Direction.BAND)
    literacy.refresh_from_db()
    assert "low" in refused(lambda: set_target(literacy, TargetIn(1405, low=1.0), actor=None))
    assert "high" in refused(
        lambda: set_target(literacy, TargetIn(1405, low=5.0, high=1.0), actor=None)
    )
    assert set_target(literacy, TargetIn(1405, low=1.0, high=5.0), actor=None).high == 5.0


def test_only_the_owners_editors_change_an_indicator(literacy: Indicator) -> None:
    with pytest.raises(PermissionDenied):
        set_target(
            literacy, TargetIn(1405, value=1.0), actor=User.objects.get(username="mpo.editor")
        )
    with pytest.raises(PermissionDenied):
        add_factor(
            literacy,
            FactorIn(1403, "driver", "funding", "x"),
            actor=User.objects.get(username="governorate.viewer"),
        )


def test_a_value_entered_by_hand_keeps_its_evidence_and_date(literacy: Indicator) -> None:
    entered = enter_actual(
        literacy,
        ActualIn(1403, 89.5, "https://example.ir/report-1403.pdf", "۱۴۰۳/۰۲/۱۵"),
        actor=editor(),
    )
    assert entered.value == 89.5 and entered.measured_on is not None
    assert entered.measured_on.isoformat() == "2024-05-04"  # 1403/02/15
    (entry,) = entries("actual.entered")
    assert entry.payload["measured_on"] == "2024-05-04"


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        (ActualIn(1403, 89.5, "https://example.ir/r.pdf", "1403-15-02"), "measured_on", "month"),
        (ActualIn(1403, 89.5, "https://example.ir/r.pdf", "15 Ordibehesht"), "measured_on", "date"),
        (ActualIn(1403, 89.5, "https://example.ir/r.pdf", "1402/12/30"), "measured_on", "leap"),
        (ActualIn(1403, 89.5, "not an address", "1403/02/15"), "evidence_url", "address"),
        (ActualIn(1401, 89.5, "https://example.ir/r.pdf", "1403/02/15"), "year", "outside"),
        (
            ActualIn(1403, 89.5, "https://example.ir/r.pdf", "1403/02/15", "atlantis"),
            "county",
            "county",
        ),
    ],
)
def test_a_bad_hand_entered_value_is_refused_and_nothing_stored(
    literacy: Indicator, typed: ActualIn, field: str, words: str
) -> None:
    from django.utils import translation

    with translation.override("en"):
        problems = refused(lambda: enter_actual(literacy, typed, actor=editor()))
    assert field in problems and words in problems[field][0].lower(), problems
    assert not Actual.objects.exists() and not entries("actual.entered")


def test_the_persian_message_names_the_bad_date(literacy: Indicator) -> None:
    from django.utils import translation

    typed = ActualIn(1403, 89.5, "https://example.ir/r.pdf", "1403-15-02")
    with translation.override("fa"):
        problems = refused(lambda: enter_actual(literacy, typed, actor=editor()))
    assert "1403-15-02" in problems["measured_on"][0] and "ماه" in problems["measured_on"][0]
    late = ActualIn(1410, 1.0, "https://example.ir/r.pdf", "1403/02/15")
    with translation.override("fa"):
        problems = refused(lambda: enter_actual(literacy, late, actor=editor()))
    assert "۱۴۱۰" in problems["year"][0] and "۱۴۰۷" in problems["year"][0]


def test_a_computed_indicator_takes_no_typed_values(literacy: Indicator) -> None:
    Indicator.objects.filter(pk=literacy.pk).update(origin=Indicator.Origin.DATASET)
    literacy.refresh_from_db()
    typed = ActualIn(1403, 1.0, "https://example.ir/r.pdf", "1403/02/15")
    assert "value" in refused(lambda: enter_actual(literacy, typed, actor=None))


def test_factors_are_recorded_and_checked(literacy: Indicator) -> None:
    factor = add_factor(
        literacy,
        FactorIn(
            1403, "obstacle", "funding", "کمبود اعتبار برای نهضت سوادآموزی",
            responsible=Organisation.objects.get(slug="mpo"),
        ),
        actor=editor(),
    )  # fmt: skip
    assert Factor.objects.get().pk == factor.pk
    (entry,) = entries("factor.added")
    assert entry.payload["kind"] == "obstacle" and entry.payload["responsible"] == "mpo"
    problems = refused(
        lambda: add_factor(literacy, FactorIn(1403, "maybe", "weather", "  "), actor=editor())
    )
    assert {"kind", "category", "description"} <= set(problems)
    assert Factor.objects.count() == 1
