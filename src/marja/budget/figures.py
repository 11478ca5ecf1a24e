"""One figure per county, read from published data: an indicator's actuals for a year,
or an aggregate of a dataset's current version by its county column.

Every read names the dataset versions (hashes) it came from, so a scenario's result
says exactly which published data it was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from marja.budget.models import CountyFigures
from marja.catalog.models import Dataset
from marja.core.allocation import AllocationError
from marja.core.query import (
    AggregateQuery,
    Filter,
    Function,
    Group,
    Measure,
    Op,
    QueryError,
    aggregate_plan,
    fetch_table,
)
from marja.core.schema import Schema
from marja.core.text import normalize
from marja.indicators.models import Actual
from marja.ingest.selectors import current_version
from marja.ingest.storage import object_store

#: More groups than any province has counties.
_MAX_GROUPS = 5000


@dataclass
class Figures:
    #: County code → value (counties without a value are absent).
    values: dict[str, float]
    #: [{"dataset", "version", "sha256"}] or [{"indicator", "plan", "year"}].
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: Values of the county column that are not in the reference list (left out).
    unknown: list[str] = field(default_factory=list)


def read_figures(
    spec: CountyFigures,
    *,
    con: duckdb.DuckDBPyConnection,
    aliases: dict[str, str],
    label: str,
) -> Figures:
    """The figures of ``spec``; raises :class:`AllocationError` naming ``label`` (the
    criterion or input) when the data cannot give them."""
    if spec.indicator is not None:
        return _from_indicator(spec, label)
    if spec.dataset is None:
        raise AllocationError("figures_without_source", input=label)
    return _from_dataset(spec, spec.dataset, con=con, aliases=aliases, label=label)


def _from_indicator(spec: CountyFigures, label: str) -> Figures:
    indicator = spec.indicator
    if indicator is None or spec.year is None:
        raise AllocationError("indicator_needs_year", input=label)
    rows = Actual.objects.filter(
        indicator=indicator, year=spec.year, county__isnull=False, value__isnull=False
    ).select_related("county")
    values = {
        a.county.code: float(a.value) * spec.scale for a in rows if a.county and a.value is not None
    }
    if not values:
        raise AllocationError(
            "indicator_without_values", input=label, indicator=indicator.code, year=spec.year
        )
    sources: list[dict[str, Any]] = []
    for actual in rows[:1]:
        sources = list(actual.sources)
    return Figures(values, [{"indicator": indicator.code, "year": spec.year}, *sources])


def _from_dataset(
    spec: CountyFigures,
    dataset: Dataset,
    *,
    con: duckdb.DuckDBPyConnection,
    aliases: dict[str, str],
    label: str,
) -> Figures:
    version = current_version(dataset)
    if version is None:
        raise AllocationError("dataset_without_version", input=label, dataset=dataset.slug)
    path = object_store().path_for(version.sha256)
    if not path.exists():
        raise AllocationError("object_missing", input=label, dataset=dataset.slug)
    schema = Schema.from_dict(version.schema)
    if spec.county_column not in schema.names:
        raise AllocationError(
            "unknown_column",
            input=label,
            dataset=dataset.slug,
            column=spec.county_column,
            known=schema.names,
        )
    try:
        filters = [Filter.parse(str(k), str(v)) for k, v in spec.filters]
        if spec.year_column and spec.year is not None:
            filters.append(Filter(spec.year_column, Op.EQ, str(spec.year)))
        query = AggregateQuery(
            groups=(Group(spec.county_column),),
            measures=(Measure.parse(spec.measure),),
            filters=tuple(filters),
            limit=_MAX_GROUPS,
        )
        plan = aggregate_plan(path, schema, query, counties=aliases, max_groups=_MAX_GROUPS)
        table = fetch_table(con, plan)
    except QueryError as exc:
        raise AllocationError(
            exc.code, input=label, dataset=dataset.slug, **_plain(exc.params)
        ) from None
    except (TypeError, ValueError):
        raise AllocationError("filters_malformed", input=label, dataset=dataset.slug) from None
    values: dict[str, float] = {}
    unknown: list[str] = []
    for raw, number in table.rows:
        if raw is None or number is None:
            continue
        code = aliases.get(str(raw)) or aliases.get(normalize(str(raw)))
        if code is None:
            unknown.append(str(raw))
            continue
        values[code] = values.get(code, 0.0) + float(number) * spec.scale
    if spec.absent_is_zero and query.measures[0].function in (Function.SUM, Function.COUNT):
        for code in set(aliases.values()):
            values.setdefault(code, 0.0)
    if spec.year_column and spec.year is not None and not values:
        raise AllocationError(
            "no_rows_for_year",
            input=label,
            dataset=dataset.slug,
            column=spec.year_column,
            year=spec.year,
        )
    source = {"dataset": dataset.slug, "version": version.number, "sha256": version.sha256}
    return Figures(values, [source], unknown[:50])


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if isinstance(v, str | int | float | list)}
