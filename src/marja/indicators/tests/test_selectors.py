"""What the pages and the API read: each year judged, the counties' parts, who sees what."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from marja.accounts.models import Organisation, User
from marja.catalog.models import County, Dataset
from marja.core.progress import Status
from marja.indicators.models import Indicator
from marja.indicators.selectors import (
    breakdown,
    indicators_visible_to,
    plan_overview,
    progress_of,
    with_figures,
)
from marja.indicators.tests.conftest import BedsPlan

pytestmark = pytest.mark.django_db


def fresh(indicator: Indicator) -> Indicator:
    return with_figures(Indicator.objects.filter(pk=indicator.pk)).get()


def counties() -> list[County]:
    return list(County.objects.order_by("code"))


def test_each_year_is_judged_from_the_baseline_toward_the_target(beds_plan: BedsPlan) -> None:
    progress = progress_of(fresh(beds_plan.ratio))
    assert progress.baseline is not None and progress.baseline.period == 1401
    by_year = {y.year: y for y in progress.years}
    assert list(by_year) == [1401, 1402, 1403, 1404, 1405, 1406, 1407]
    assert by_year[1401].assessment.status is Status.NO_DATA  # the baseline year itself
    assert by_year[1405].assessment.status is Status.NO_DATA  # no value yet
    latest = progress.latest
    assert latest is not None and latest.year == 1403
    base, value = progress.baseline.value, latest.value
    assert value is not None
    judged = latest.assessment
    # Hand-worked from the two values: compound growth over 2 years against 6.
    observed = (value / base) ** (1 / 2) - 1
    required = (2.0 / base) ** (1 / 6) - 1
    assert judged.observed_rate == pytest.approx(observed)
    assert judged.required_rate == pytest.approx(required)
    assert judged.achievement == pytest.approx(100 * (value - base) / (2.0 - base))
    assert judged.gap == pytest.approx(2.0 - value)
    assert progress.final_target is not None and progress.final_target.value == 2.0


def test_a_county_is_judged_against_its_own_target_or_the_provinces(
    beds_plan: BedsPlan,
) -> None:
    ratio = fresh(beds_plan.ratio)
    varamin = County.objects.get(code="varamin")
    tehran = County.objects.get(code="tehran")
    assert progress_of(ratio, varamin).final_target.value == 1.0  # type: ignore[union-attr]
    assert progress_of(ratio, tehran).final_target.value == 2.0  # type: ignore[union-attr]
    # A county's share of a total is not the province's total: no target borrowed.
    total = fresh(beds_plan.total)
    assert progress_of(total, County.objects.get(code="qods")).final_target is None
    assert progress_of(total, tehran).final_target.value == 21000.0  # type: ignore[union-attr]


def test_the_counties_parts_add_up_to_the_provinces_gap_and_change(
    beds_plan: BedsPlan,
) -> None:
    ratio = fresh(beds_plan.ratio)
    parts = breakdown(ratio, counties())
    assert parts.year == 1403 and parts.method == "ratio"
    province = {y.year: y for y in progress_of(ratio).years}
    assert parts.gap_total == pytest.approx(province[1403].assessment.gap)
    change = sum(r.change_part or 0 for r in parts.rows)
    assert change == pytest.approx(province[1403].value - province[1402].value)  # type: ignore[operator]
    numerator, denominator = parts.components
    assert numerator.amount + denominator.amount == pytest.approx(change)
    # A county with no beds counts zero beds over its people, so it is a part of the gap.
    varamin = next(r for r in parts.rows if r.county.code == "varamin")
    assert varamin.value == 0.0 and varamin.gap_part is not None and varamin.gap_part > 0


def test_ranks_follow_the_direction(beds_plan: BedsPlan) -> None:
    ratio = fresh(beds_plan.ratio)
    rows = {r.county.code: r for r in breakdown(ratio, counties()).rows}
    ranked = sorted((r for r in rows.values() if r.rank), key=lambda r: r.rank or 0)
    values = [r.value or 0 for r in ranked]
    assert values == sorted(values, reverse=True)
    Indicator.objects.filter(pk=ratio.pk).update(direction=Indicator.Direction.LOWER)
    lower = {r.county.code: r.rank for r in breakdown(fresh(ratio), counties()).rows}
    best = ranked[0].county.code
    assert lower[best] == len(ranked)


def test_a_total_splits_its_gap_by_the_county_targets(beds_plan: BedsPlan) -> None:
    total = fresh(beds_plan.total)
    parts = breakdown(total, counties())
    gaps = {r.county.code: r.gap_part for r in parts.rows if r.gap_part is not None}
    assert set(gaps) == {"tehran", "shahriar", "varamin"}
    values = {r.county.code: r.value for r in parts.rows}
    assert gaps["tehran"] == pytest.approx(21000.0 - (values["tehran"] or 0))
    assert gaps["varamin"] == pytest.approx(200.0)  # no beds at all


def test_a_band_is_achieved_inside_it(beds_plan: BedsPlan) -> None:
    progress = progress_of(fresh(beds_plan.band))
    latest = progress.latest
    assert latest is not None and latest.value is not None
    inside = 70 <= latest.value <= 85
    assert (latest.assessment.status is Status.ACHIEVED) == inside
    if not inside:
        assert latest.assessment.note in {"band_low", "band_high"}


def test_who_sees_which_indicator(beds_plan: BedsPlan) -> None:
    anonymous = AnonymousUser()
    viewer = User.objects.get(username="varamin.viewer")

    def codes(user: User | AnonymousUser) -> set[str]:
        found = indicators_visible_to(user).filter(plan=beds_plan.plan)
        return set(found.values_list("code", flat=True))

    assert codes(anonymous) == {"1.1", "1.3", "1.4"}
    assert codes(viewer) == {"1.1", "1.2", "1.3", "1.4"}
    # Over a restricted dataset: its publisher's members, not a grantee, not the public.
    Indicator.objects.filter(pk=beds_plan.manual.pk).update(
        dataset=Dataset.objects.get(slug="unfinished-projects")
    )
    from marja.ingest.demo import give_limited_grants, publish_demo_dataset

    publish_demo_dataset("unfinished-projects")
    assert give_limited_grants() >= 1
    grantee = User.objects.get(username="varamin.viewer")
    from marja.catalog.selectors import datasets_visible_to

    assert datasets_visible_to(grantee).filter(slug="unfinished-projects").exists()
    assert "1.4" not in codes(grantee) and "1.4" not in codes(anonymous)
    mpo = User.objects.create(username="mpo.member")
    mpo.memberships.create(organisation=Organisation.objects.get(slug="mpo"), role="viewer")
    assert "1.4" in codes(mpo)
    assert "1.4" in codes(User.objects.get(username="admin"))


def test_the_overview_counts_only_what_its_reader_sees(beds_plan: BedsPlan) -> None:
    public = plan_overview(AnonymousUser(), beds_plan.plan)
    inside = plan_overview(User.objects.get(username="varamin.viewer"), beds_plan.plan)
    assert sum(public[0].counts.values()) == 3
    assert sum(inside[0].counts.values()) == 4
    assert [s for s, _start, _n in inside[0].bar] == [code for code, _name, _n in inside[0].present]


def test_a_totals_change_splits_into_the_counties_own_changes(beds_plan: BedsPlan) -> None:
    total = fresh(beds_plan.total)
    parts = breakdown(total, counties())
    province = {y.year: y.value for y in progress_of(total).years}
    own = {r.county.code: r.change for r in parts.rows if r.change is not None}
    assert {r.county.code: r.change_part for r in parts.rows if r.change is not None} == own
    assert sum(own.values()) == pytest.approx(province[1403] - province[1402])  # type: ignore[operator]


def test_equal_values_share_a_rank() -> None:
    from marja.indicators.selectors import _ranked

    assert _ranked({"a": 5.0, "b": 3.0, "c": 3.0, "d": 1.0}, False) == {
        "a": 1, "b": 2, "c": 2, "d": 4
    }  # fmt: skip
    assert _ranked({"a": 5.0, "b": 3.0, "c": 3.0}, True) == {"a": 3, "b": 1, "c": 1}


def test_a_plan_being_set_up_does_not_become_the_default(beds_plan: BedsPlan) -> None:
    from marja.indicators.models import Plan
    from marja.indicators.selectors import current_plan

    Plan.objects.create(slug="eighth", name_fa="برنامهٔ هشتم", start_year=1408, end_year=1412)
    assert current_plan() == beds_plan.plan
