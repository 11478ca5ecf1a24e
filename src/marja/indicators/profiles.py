"""County profiles: every indicator and every dataset of one county on one page, and
two or more counties side by side (the "integrated" view across agencies)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from marja.accounts.selectors import AnyUser
from marja.catalog.models import County, Dataset
from marja.catalog.selectors import datasets_visible_to
from marja.indicators.models import Actual, Indicator, Plan
from marja.indicators.selectors import (
    Progress,
    indicators_visible_to,
    progress_of,
    with_figures,
)


@dataclass(frozen=True)
class Line:
    """One indicator in one county's profile."""

    indicator: Indicator
    progress: Progress
    year: int | None
    value: float | None
    province: float | None
    rank: int | None
    ranked: int
    spark: str

    @property
    def versus_province(self) -> float | None:
        """The county's value as a % of the province's (100: the same)."""
        if self.value is None or not self.province:
            return None
        return 100 * self.value / self.province


def spark_points(values: list[float], width: int = 120, height: int = 28) -> str:
    """SVG polyline points of ``values`` (oldest first, left to right)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = high - low or 1.0
    step = width / (len(values) - 1)
    pad = 2
    points = (
        f"{i * step:.1f},{pad + (height - 2 * pad) * (1 - (v - low) / span):.1f}"
        for i, v in enumerate(values)
    )
    return " ".join(points)


def _latest(actuals: list[Actual], county_id: int | None) -> Actual | None:
    found = [a for a in actuals if a.county_id == county_id and a.value is not None]
    return max(found, key=lambda a: a.year) if found else None


def _line(indicator: Indicator, county: County) -> Line:
    actuals = list(indicator.actuals.all())
    own = _latest(actuals, county.pk)
    year = own.year if own is not None else None
    same_year = [a for a in actuals if a.year == year and a.value is not None]
    province = next((a.value for a in same_year if a.county_id is None), None)
    others = {a.county_id: a.value for a in same_year if a.county_id is not None}
    lower = indicator.direction == Indicator.Direction.LOWER
    rank = None
    if own is not None and own.value is not None:
        better = [
            v
            for v in others.values()
            if v is not None and (v < own.value if lower else v > own.value)
        ]
        rank = len(better) + 1
    history = sorted(
        (a.year, a.value) for a in actuals if a.county_id == county.pk and a.value is not None
    )
    return Line(
        indicator,
        progress_of(indicator, county),
        year,
        own.value if own is not None else None,
        province,
        rank,
        len(others),
        spark_points([v for _y, v in history]),
    )


def profile_lines(user: AnyUser, county: County, plan: Plan) -> list[Line]:
    """Each indicator of ``plan`` ``user`` may see and measured by county, for
    ``county``, in the plan's order (a province-only figure says nothing of a county)."""
    indicators = with_figures(indicators_visible_to(user).filter(plan=plan))
    return [
        _line(indicator, county)
        for indicator in indicators
        if any(a.county_id is not None for a in indicator.actuals.all())
    ]


def datasets_with(user: AnyUser, county: County) -> QuerySet[Dataset]:
    """The datasets ``user`` may see that cover ``county``."""
    return (
        datasets_visible_to(user)
        .filter(counties=county)
        .select_related("publisher")
        .order_by("title_fa")
        .distinct()
    )


@dataclass(frozen=True)
class Comparison:
    counties: list[County]
    #: (indicator, province value, [value per county in ``counties`` order], year).
    rows: list[tuple[Indicator, float | None, list[float | None], int]]


def compare(user: AnyUser, counties: list[County], plan: Plan) -> Comparison:
    """The latest common year's values of every visible indicator for ``counties``."""
    indicators = with_figures(indicators_visible_to(user).filter(plan=plan))
    wanted = {c.pk for c in counties}
    rows = []
    for indicator in indicators:
        actuals = [a for a in indicator.actuals.all() if a.value is not None]
        years = [a.year for a in actuals if a.county_id in wanted]
        if not years:  # measured for the province only, or none of these counties
            continue
        year = max(years)
        at = {a.county_id: a.value for a in actuals if a.year == year}
        rows.append((indicator, at.get(None), [at.get(c.pk) for c in counties], year))
    return Comparison(counties, rows)
