"""What the plan pages, county profiles and the API read about indicators.

Who sees an indicator: a *public* one everybody, an *internal* one government users (a
member of any organisation), and in both cases only if the reader may read every
dataset it is computed from; one over a *restricted* dataset only the dataset's own
organisation (a grant may cover part of a dataset, an indicator sums all of it).

Progress is judged by :mod:`marja.core.progress` with the plan's thresholds, for every
year from the baseline to the plan's end, for the province and for each county.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from marja.accounts.selectors import AnyUser, as_user, organisations_of
from marja.catalog.models import County, Dataset
from marja.catalog.selectors import datasets_visible_to
from marja.core import progress as method
from marja.core.drivers import (
    Part,
    Share,
    change_by_county,
    change_of_ratio,
    gap_by_county,
    gap_of_total,
)
from marja.indicators.display import STATUS_NAMES, note_text, rate_text
from marja.indicators.models import Actual, Factor, Goal, Indicator, Plan, Target

#: Measures whose county figures add up to the province's.
_ADDITIVE = ("sum:", "count")


def indicators_visible_to(user: AnyUser) -> QuerySet[Indicator]:
    member = as_user(user)
    indicators = Indicator.objects.all()
    if member is not None and member.is_superuser:
        return indicators
    own = organisations_of(member) if member is not None else None
    government = own is not None and own.exists()
    allowed = Q(access=Indicator.Access.PUBLIC)
    if government:
        allowed |= Q(access=Indicator.Access.INTERNAL)
    visible = datasets_visible_to(user)
    if own is not None:
        # Restricted sources: their own organisation only, not a grantee.
        visible = visible.exclude(Q(access=Dataset.Access.RESTRICTED) & ~Q(publisher__in=own))
    else:
        visible = visible.exclude(access=Dataset.Access.RESTRICTED)
    readable = visible.values("pk")
    sources = (Q(dataset__isnull=True) | Q(dataset__in=readable)) & (
        Q(denominator_dataset__isnull=True) | Q(denominator_dataset__in=readable)
    )
    return indicators.filter(allowed & sources)


def plan_for(slug: str) -> Plan:
    try:
        return Plan.objects.get(slug=slug)
    except Plan.DoesNotExist:
        raise Http404("plan") from None


def current_plan() -> Plan | None:
    """The plan pages open on: the latest by its first year that has indicators (a plan
    being set up in the admin does not empty every county's page)."""
    plans = Plan.objects.order_by("-start_year", "slug")
    return plans.filter(indicators__isnull=False).distinct().first() or plans.first()


def indicator_for(user: AnyUser, plan: str, code: str) -> Indicator:
    """The indicator ``code`` of ``plan`` if ``user`` may see it (else not found)."""
    found = (
        indicators_visible_to(user)
        .select_related("plan", "goal", "owner", "dataset", "denominator_dataset")
        .filter(plan__slug=plan, code=code)
        .first()
    )
    if found is None:
        raise Http404("indicator")
    return found


def with_figures(indicators: QuerySet[Indicator]) -> QuerySet[Indicator]:
    """``indicators`` with their targets and actuals (all counties) read in two queries."""
    return indicators.select_related("plan", "goal", "owner").prefetch_related(
        Prefetch("targets", queryset=Target.objects.select_related("county")),
        Prefetch("actuals", queryset=Actual.objects.select_related("county")),
    )


def thresholds_of(plan: Plan) -> method.Thresholds:
    return method.Thresholds(on_track=plan.on_track, needs_acceleration=plan.needs_acceleration)


def is_total(indicator: Indicator) -> bool:
    """A plain sum or count: the counties' figures add up to the province's."""
    return indicator.denominator_dataset_id is None and indicator.measure.startswith(_ADDITIVE)


def is_ratio_of_sums(indicator: Indicator) -> bool:
    return (
        indicator.denominator_dataset_id is not None
        and indicator.measure.startswith(_ADDITIVE)
        and indicator.denominator_measure.startswith(_ADDITIVE)
    )


@dataclass(frozen=True)
class Year:
    """One year of an indicator for one place: its value, target and judgement."""

    year: int
    actual: Actual | None
    #: The target set for this very year (None when none is due then).
    target: Target | None
    #: The value the way from the baseline to the target asks for this year.
    path: float | None
    assessment: method.Assessment
    #: The target the year is judged against: the first due in or after it.
    in_force: Target | None = None

    @property
    def value(self) -> float | None:
        return self.actual.value if self.actual is not None else None

    @property
    def status_name(self) -> str:
        return str(STATUS_NAMES[self.assessment.status.value])

    @property
    def note_text(self) -> str:
        return note_text((self.actual.note if self.actual else "") or self.assessment.note)

    def _rate(self, rate: float | None, kind: method.RateKind | None, unit: str) -> str:
        return rate_text(rate, kind.value if kind else None, unit)

    def rates(self, unit: str) -> dict[str, str]:
        judged = self.assessment
        return {
            "observed": self._rate(judged.observed_rate, judged.rate_kind, unit),
            "required": self._rate(judged.required_rate, judged.rate_kind, unit),
            "needed": self._rate(judged.needed_rate, judged.needed_rate_kind, unit),
        }


@dataclass(frozen=True)
class Progress:
    indicator: Indicator
    county: County | None
    baseline: method.Point | None
    years: list[Year]
    #: Why no year could be judged (no baseline, a target no value can meet).
    problem: str = ""

    @property
    def latest(self) -> Year | None:
        """The last year with a value (after the baseline)."""
        for year in reversed(self.years):
            if year.value is not None and year.assessment.note != "baseline_period":
                return year
        return None

    @property
    def status(self) -> method.Status:
        latest = self.latest
        return latest.assessment.status if latest is not None else method.Status.NO_DATA

    @property
    def status_name(self) -> str:
        return str(STATUS_NAMES[self.status.value])

    @property
    def latest_rates(self) -> dict[str, str]:
        latest = self.latest
        return latest.rates(self.indicator.unit) if latest is not None else {}

    @property
    def problem_text(self) -> str:
        return note_text(self.problem)

    @property
    def final_target(self) -> Target | None:
        due = [y.target for y in self.years if y.target is not None]
        return due[-1] if due else None

    @property
    def judged_target(self) -> Target | None:
        """The target the latest value is judged against (the last one without a value)."""
        latest = self.latest
        if latest is not None and latest.in_force is not None:
            return latest.in_force
        return self.final_target

    @property
    def values(self) -> list[tuple[int, float]]:
        return [(y.year, y.value) for y in self.years if y.value is not None]


def _direction(indicator: Indicator) -> method.Direction:
    return method.Direction(indicator.direction)


def _target_point(target: Target) -> method.Target:
    return method.Target(target.year, target.value, target.low, target.high)


def _by_place(rows: Iterable[Actual | Target], county: County | None) -> dict[int, object]:
    wanted = county.pk if county is not None else None
    return {row.year: row for row in rows if row.county_id == wanted}


def progress_of(indicator: Indicator, county: County | None = None) -> Progress:
    """The indicator's years for the province (or ``county``), each judged.

    A county without targets of its own is judged against the province's, except for a
    total (a county's share of a sum is not the province's target). A county's baseline
    is its value in the baseline year; the province's the indicator's baseline value, or
    its value that year when none was given. Reads the prefetched targets and actuals
    when :func:`with_figures` loaded them.
    """
    actuals: dict[int, Actual] = _by_place(indicator.actuals.all(), county)  # type: ignore[assignment]
    targets: dict[int, Target] = _by_place(indicator.targets.all(), county)  # type: ignore[assignment]
    if county is not None and not targets and not is_total(indicator):
        targets = _by_place(indicator.targets.all(), None)  # type: ignore[assignment]
    base_value = indicator.baseline_value if county is None else None
    if base_value is None:
        at_base = actuals.get(indicator.baseline_year)
        base_value = at_base.value if at_base is not None else None
    plan = indicator.plan
    last = max([plan.end_year, *actuals, *targets])
    if base_value is None or not math.isfinite(base_value):
        unjudged = [
            Year(
                y,
                actuals.get(y),
                targets.get(y),
                None,
                method.Assessment(method.Status.NO_DATA, None, note="no_baseline"),
            )
            for y in range(indicator.baseline_year, last + 1)
        ]
        return Progress(indicator, county, None, unjudged, problem="no_baseline")
    baseline = method.Point(indicator.baseline_year, base_value)
    goals = {year: _target_point(t) for year, t in targets.items()}
    thresholds = thresholds_of(plan)
    direction = _direction(indicator)
    years: list[Year] = []
    problem = ""
    for year in range(indicator.baseline_year, last + 1):
        actual = actuals.get(year)
        due = method.target_in_force(goals, year)  # type: ignore[arg-type]
        point = (
            method.Point(year, actual.value)
            if actual is not None and actual.value is not None
            else None
        )
        try:
            judged = method.assess(
                direction, baseline, point, due, end_period=plan.end_year, thresholds=thresholds
            )
            path = method.required_path(baseline, due, direction, year) if due is not None else None
        except method.ProgressError as exc:
            problem = exc.code
            judged, path = method.Assessment(method.Status.NO_DATA, point, note=exc.code), None
        in_force = targets.get(int(due.period)) if due is not None else None
        years.append(Year(year, actual, targets.get(year), path, judged, in_force))
    return Progress(indicator, county, baseline, years, problem=problem)


@dataclass(frozen=True)
class CountyRow:
    county: County
    progress: Progress
    value: float | None
    previous: float | None
    rank: int | None
    #: Its part of the province's gap and of its change since the previous year.
    gap_part: float | None = None
    change_part: float | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Breakdown:
    """The counties in one year: their values, ranks and parts of the province's gap
    and change (:mod:`marja.core.drivers`), and the change split by component."""

    year: int | None
    rows: list[CountyRow]
    #: How the parts were computed: "ratio" (weights), "total" (sums), or "" (none).
    method: str = ""
    components: list[Part] = field(default_factory=list)

    @property
    def gap_total(self) -> float | None:
        parts = [r.gap_part for r in self.rows if r.gap_part is not None]
        return sum(parts) if parts else None

    @property
    def improved(self) -> list[CountyRow]:
        return self._by_change(improving=True)

    @property
    def worsened(self) -> list[CountyRow]:
        return self._by_change(improving=False)

    def _by_change(self, *, improving: bool) -> list[CountyRow]:
        rows = [r for r in self.rows if r.change is not None and not _negligible(r.change)]
        lower = self.rows[0].progress.indicator.direction == "lower" if self.rows else False
        good = [r for r in rows if ((r.change or 0) > 0) != lower]
        bad = [r for r in rows if ((r.change or 0) > 0) == lower]
        chosen = good if improving else bad
        return sorted(chosen, key=lambda r: -abs(r.change or 0))[:5]


def _negligible(change: float) -> bool:
    """A change that is rounding noise (a float sum's last digits), not a movement."""
    return abs(change) < 1e-9


def _ranked(values: dict[str, float], lower_is_better: bool) -> dict[str, int]:
    """1 for the best; equal values share a rank (1, 2, 2, 4), as on the county profile."""
    ranks: dict[str, int] = {}
    for key, value in values.items():
        better = sum(1 for v in values.values() if (v < value if lower_is_better else v > value))
        ranks[key] = better + 1
    return ranks


def breakdown(indicator: Indicator, counties: list[County], year: int | None = None) -> Breakdown:
    """The counties of ``indicator`` in ``year`` (the province's latest by default)."""
    per_county: dict[int, dict[int, Actual]] = defaultdict(dict)
    province: dict[int, Actual] = {}
    for actual in indicator.actuals.all():
        if actual.county_id is None:
            province[actual.year] = actual
        else:
            per_county[actual.county_id][actual.year] = actual
    if year is None:
        with_value = [y for y, a in province.items() if a.value is not None]
        with_value += [
            y for rows in per_county.values() for y, a in rows.items() if a.value is not None
        ]
        year = max(with_value) if with_value else None
    if year is None:
        return Breakdown(None, [])
    values = {
        c.code: per_county[c.pk][year].value
        for c in counties
        if year in per_county[c.pk] and per_county[c.pk][year].value is not None
    }
    ranks = _ranked(values, indicator.direction == Indicator.Direction.LOWER)  # type: ignore[arg-type]
    gaps, changes, how, components = _parts(indicator, counties, per_county, province, year)
    rows = []
    for county in counties:
        now = per_county[county.pk].get(year)
        before = per_county[county.pk].get(year - 1)
        rows.append(
            CountyRow(
                county,
                progress_of(indicator, county),
                now.value if now is not None else None,
                before.value if before is not None else None,
                ranks.get(county.code),
                gaps.get(county.code),
                changes.get(county.code),
            )
        )
    return Breakdown(year, rows, how, components)


def _shares(
    rows: dict[int, Actual], counties: list[County], year: int, scale: float
) -> dict[str, Share]:
    shares = {}
    for county in counties:
        actual = rows.get(county.pk)
        if actual is None or actual.numerator is None:
            continue
        denominator = actual.denominator if actual.denominator is not None else 1.0
        shares[county.code] = Share(scale * actual.numerator, denominator)
    return shares


def _parts(
    indicator: Indicator,
    counties: list[County],
    per_county: dict[int, dict[int, Actual]],
    province: dict[int, Actual],
    year: int,
) -> tuple[dict[str, float], dict[str, float], str, list[Part]]:
    """Each county's part of the province's gap and change, and the components'."""
    ratio = is_ratio_of_sums(indicator)
    if not (ratio or is_total(indicator)):
        return {}, {}, "", []
    scale = indicator.scale
    now = _shares(
        {c: rows[year] for c, rows in per_county.items() if year in rows}, counties, year, scale
    )
    before = _shares(
        {c: rows[year - 1] for c, rows in per_county.items() if year - 1 in rows},
        counties,
        year,
        scale,
    )
    if not ratio:
        now = {k: Share(s.numerator, 1.0) for k, s in now.items()}
        before = {k: Share(s.numerator, 1.0) for k, s in before.items()}
    # Each county's first target due in or after ``year``.
    due = sorted(
        (t for t in indicator.targets.all() if t.county is not None and t.year >= year),
        key=lambda t: -t.year,
    )
    targets = {t.county.code: t.value for t in due if t.county is not None and t.value is not None}
    province_target = method.target_in_force(
        {t.year: _target_point(t) for t in indicator.targets.all() if t.county_id is None},
        year,
    )
    gaps: dict[str, float] = {}
    if ratio and province_target is not None and province_target.value is not None:
        gaps = {p.key: p.amount for p in gap_by_county(now, province_target.value)}
    elif not ratio and targets:
        actual_values = {k: s.numerator for k, s in now.items()}
        gaps = {p.key: p.amount for p in gap_of_total(actual_values, targets)}
    if indicator.direction == Indicator.Direction.LOWER:
        gaps = {k: -v for k, v in gaps.items()}
    changes: dict[str, float] = {}
    if ratio and before and now:
        changes = {p.key: p.amount for p in change_by_county(before, now)}
    elif before and now:  # a total: each county's part of the change is its own change
        changes = {k: now[k].numerator - before[k].numerator for k in now if k in before}
    components: list[Part] = []
    this, last = province.get(year), province.get(year - 1)
    if ratio and this is not None and last is not None:
        split = _component_split(indicator, last, this)
        components = list(split) if split else []
    return gaps, changes, "ratio" if ratio else "total", components


def _component_split(
    indicator: Indicator, before: Actual, after: Actual
) -> tuple[Part, Part] | None:
    if None in (before.numerator, before.denominator, after.numerator, after.denominator):
        return None
    scale = indicator.scale
    return change_of_ratio(
        Share(scale * (before.numerator or 0), before.denominator or 0),
        Share(scale * (after.numerator or 0), after.denominator or 0),
    )


@dataclass(frozen=True)
class GoalSummary:
    goal: Goal
    indicators: list[Progress]

    @property
    def counts(self) -> dict[str, int]:
        counted = {status.value: 0 for status in method.Status}
        for item in self.indicators:
            counted[item.status.value] += 1
        return counted

    @property
    def present(self) -> list[tuple[str, str, int]]:
        """(status, its name, how many) for each status some indicator has, best first."""
        return [(k, str(STATUS_NAMES[k]), n) for k, n in self.counts.items() if n]

    @property
    def bar(self) -> list[tuple[str, int, int]]:
        """(status, where its stretch starts, its length) for an SVG bar of the counts."""
        start, stretches = 0, []
        for code, _name, n in self.present:
            stretches.append((code, start, n))
            start += n
        return stretches


def plan_overview(user: AnyUser, plan: Plan) -> list[GoalSummary]:
    """The plan's goals, each with the progress of its indicators ``user`` may see."""
    indicators = with_figures(indicators_visible_to(user).filter(plan=plan))
    by_goal: dict[int, list[Progress]] = defaultdict(list)
    for indicator in indicators:
        by_goal[indicator.goal_id].append(progress_of(indicator))
    goals = plan.goals.order_by("order", "code")
    return [GoalSummary(goal, by_goal.get(goal.pk, [])) for goal in goals]


def factors_of(indicator: Indicator) -> QuerySet[Factor]:
    return indicator.factors.select_related("responsible", "created_by").order_by(
        "-year", "kind", "created_at"
    )
