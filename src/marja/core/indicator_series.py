"""An indicator's figures computed from dataset versions: per Jalali year, for the
province and for each county.

An indicator is an aggregate of a column of one dataset (``sum:beds``, ``count``,
``avg:score``), optionally filtered, or ``scale`` times the ratio of two such aggregates
over two datasets, such as beds per 1,000 people (``sum:beds`` of the hospitals over
``sum:population`` of the census, ``scale`` 1000). The numerator's period column gives
the year (a Jalali date column by its Jalali year, an integer column as the year
itself); its county column, when given, the counties. The denominator joins on the
same year and county when it has those columns, and is the same for every year when it
has no period column (a census).

Province figures are computed over all rows, not summed from the counties, so averages
and medians are right; the counties' numerators and denominators are kept so the
province's gap and change can be split among them (:mod:`marja.core.drivers`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from marja.core.query import (
    AggregateQuery,
    Bucket,
    Filter,
    Function,
    Group,
    Measure,
    QueryError,
    aggregate_plan,
    fetch_table,
    install_jalali_macros,
)
from marja.core.schema import FieldType, Schema

_DATE_TYPES = (FieldType.JALALI_DATE, FieldType.DATE, FieldType.DATETIME)
#: Aggregates that are 0 over no rows (a county absent from the data has none).
_ADDITIVE = frozenset({Function.SUM, Function.COUNT})
#: More groups than a province's counties times a plan's years ever make.
_MAX_GROUPS = 100_000


class SeriesError(QueryError):
    """A definition that cannot be computed (its ``code`` and ``params`` name why)."""


@dataclass(frozen=True)
class Source:
    """One aggregate over one dataset version (the Parquet file at ``path``)."""

    path: Path
    schema: Schema
    measure: Measure
    filters: tuple[Filter, ...] = ()
    period_column: str | None = None
    county_column: str | None = None
    #: The dataset (slug) and version hash, recorded with every figure.
    dataset: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class Definition:
    numerator: Source
    denominator: Source | None = None
    scale: float = 1.0


@dataclass(frozen=True)
class Figure:
    period: int
    #: None for the province.
    county: str | None
    value: float | None
    numerator: float | None
    denominator: float | None = None
    #: Why ``value`` is None: ``zero_denominator``, ``no_denominator``, ``no_value``.
    note: str = ""


@dataclass
class Series:
    figures: list[Figure]
    #: County codes found in the data that are not in the reference list (left out).
    unknown_counties: list[str] = field(default_factory=list)
    #: Period values that are not a Jalali year (left out).
    bad_periods: list[str] = field(default_factory=list)

    def province(self) -> dict[int, Figure]:
        return {f.period: f for f in self.figures if f.county is None}

    def counties(self, period: int) -> dict[str, Figure]:
        return {f.county: f for f in self.figures if f.period == period and f.county}


def compute_series(
    con: duckdb.DuckDBPyConnection,
    definition: Definition,
    *,
    counties: Mapping[str, str],
    known_counties: Collection[str],
    macros_installed: bool = False,
) -> Series:
    """The figures of ``definition``; raises :class:`QueryError` (a column that is not
    in the version, a function that does not fit its type) or :class:`SeriesError`.

    ``counties``: names and aliases → code, for filters on county columns;
    ``known_counties``: the reference list's codes; ``macros_installed``: the Jalali
    macros are already in ``con`` (a connection shared by a batch installs them once).
    """
    if not macros_installed:
        install_jalali_macros(con)
    top = definition.numerator
    if top.period_column is None:
        raise SeriesError("period_column_missing")
    series = Series([])
    numerators = _aggregate(con, top, counties, series, by_county=False)
    by_county = _aggregate(con, top, counties, series, by_county=True) if top.county_column else {}
    bottom = definition.denominator
    denominators: dict[tuple[int | None, str | None], float | None] = {}
    if bottom is not None:
        denominators = _aggregate(con, bottom, counties, series, by_county=False)
        if bottom.county_column:
            denominators |= _aggregate(con, bottom, counties, series, by_county=True)
    known = set(known_counties)
    if bottom is not None and bottom.county_column and top.measure.function in _ADDITIVE:
        # A county with no rows has nothing to count: 0 beds over its people, so its
        # part of the province's ratio and gap is there and the parts add up.
        periods = {p for p, _c in numerators if p is not None}
        present = {c for _p, c in denominators if c is not None and c in known}
        for each_period in periods:
            for each_county in present:
                by_county.setdefault((each_period, each_county), 0.0)
    unknown = sorted({c for _p, c in by_county if c is not None and c not in known})
    series.unknown_counties = unknown
    for (period, county), numerator in sorted(
        (numerators | by_county).items(), key=lambda i: (i[0][0] or 0, i[0][1] or "")
    ):
        if period is None or (county is not None and county not in known):
            continue
        series.figures.append(_figure(definition, period, county, numerator, denominators))
    return series


def _figure(
    definition: Definition,
    period: int,
    county: str | None,
    numerator: float | None,
    denominators: Mapping[tuple[int | None, str | None], float | None],
) -> Figure:
    if numerator is None:
        return Figure(period, county, None, None, note="no_value")
    if definition.denominator is None:
        return Figure(period, county, definition.scale * numerator, numerator)
    bottom = definition.denominator
    key = (period if bottom.period_column else None, county if bottom.county_column else None)
    if county is not None and bottom.county_column is None:
        return Figure(period, county, None, numerator, note="no_denominator")
    denominator = denominators.get(key)
    if denominator is None:
        return Figure(period, county, None, numerator, note="no_denominator")
    if denominator == 0:
        return Figure(period, county, None, numerator, 0.0, note="zero_denominator")
    value = definition.scale * numerator / denominator
    return Figure(period, county, value, numerator, denominator)


def _aggregate(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    counties: Mapping[str, str],
    series: Series,
    *,
    by_county: bool,
) -> dict[tuple[int | None, str | None], float | None]:
    """``(year, county) → value`` of ``source`` (year None without a period column,
    county None for the province)."""
    groups: list[Group] = []
    if source.period_column:
        period = _field_type(source, source.period_column)
        bucket = Bucket.YEAR if period in _DATE_TYPES else None
        if bucket is None and period not in (FieldType.INTEGER, FieldType.STRING):
            raise SeriesError("period_column_type", column=source.period_column, type=period.value)
        groups.append(Group(source.period_column, bucket))
    if by_county and source.county_column:
        _field_type(source, source.county_column)
        groups.append(Group(source.county_column))
    query = AggregateQuery(
        groups=tuple(groups), measures=(source.measure,), filters=source.filters, limit=_MAX_GROUPS
    )
    plan = aggregate_plan(
        source.path, source.schema, query, counties=counties, max_groups=_MAX_GROUPS
    )
    table = fetch_table(con, plan, macros_installed=True)
    if table.truncated:
        raise SeriesError("too_many_groups", maximum=_MAX_GROUPS)
    found: dict[tuple[int | None, str | None], float | None] = {}
    for row in table.rows:
        values = list(row)
        year: int | None = None
        if source.period_column:
            year = _year(values.pop(0), series)
            if year is None:
                continue
        county: str | None = None
        if by_county:
            raw = values.pop(0)
            if raw is None:
                continue  # rows without a county count for the province only
            county = str(raw)
        found[(year, county)] = _number(values[0])
    return found


def _field_type(source: Source, name: str) -> FieldType:
    try:
        return source.schema.field(name).type
    except KeyError:
        raise QueryError("unknown_column", column=name, known=source.schema.names) from None


def _year(value: Any, series: Series) -> int | None:
    text = str(value).strip() if value is not None else ""
    if text.isdigit() and 1000 <= int(text) <= 1700:
        return int(text)
    if text and text not in series.bad_periods:
        series.bad_periods.append(text)
    return None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
