"""Actuals computed from the current versions of an indicator's datasets.

Each indicator is computed on its own: one that fails (a column removed from the new
version, a dataset without a version) keeps its previous actuals and says why in
``computation_error``, and the others still recompute. A computation replaces the
indicator's computed actuals in one transaction, so a page never shows half of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from marja.catalog.models import County, Dataset
from marja.core.indicator_series import Definition, Series, Source, compute_series
from marja.core.query import Filter, Measure, QueryError, connect, install_jalali_macros
from marja.core.schema import Schema
from marja.indicators.models import Actual, Indicator
from marja.ingest.models import DatasetVersion
from marja.ingest.selectors import current_version
from marja.ingest.storage import object_store
from marja.query.selectors import county_aliases


class ComputationError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Outcome:
    indicator: Indicator
    error: dict[str, Any] = field(default_factory=dict)
    actuals: int = 0

    @property
    def ok(self) -> bool:
        return not self.error


def indicators_using(dataset: Dataset) -> list[Indicator]:
    return list(
        Indicator.objects.filter(
            Q(dataset=dataset) | Q(denominator_dataset=dataset), origin=Indicator.Origin.DATASET
        ).order_by("plan_id", "code")
    )


@dataclass(frozen=True)
class _Counties:
    """The reference list, read once for a batch of indicators."""

    by_code: dict[str, County]
    aliases: dict[str, str]

    @classmethod
    def load(cls) -> _Counties:
        return cls({c.code: c for c in County.objects.all()}, county_aliases())


def recompute_using(dataset: Dataset) -> list[Outcome]:
    """Recompute every indicator computed from ``dataset`` (after a new version)."""
    found = indicators_using(dataset)
    if not found:
        return []
    return recompute_all(found)


def recompute_all(indicators: list[Indicator]) -> list[Outcome]:
    """Recompute ``indicators`` over one DuckDB connection and one read of the counties."""
    counties = _Counties.load()
    con = _connection()
    try:
        return [recompute(indicator, con=con, counties=counties) for indicator in indicators]
    finally:
        con.close()


def _connection() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the Jalali macros, installed once for a whole batch."""
    con = connect()
    install_jalali_macros(con)
    return con


def recompute(
    indicator: Indicator,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    counties: _Counties | None = None,
) -> Outcome:
    """Compute ``indicator`` from its datasets' current versions and store the actuals;
    a failure is stored on the indicator and nothing else changes.

    ``con``: a connection of :func:`_connection` shared by a batch (its own otherwise).
    """
    own = con is None
    con = con or _connection()
    counties = counties or _Counties.load()
    try:
        definition, versions = _definition(indicator)
        series = compute_series(
            con,
            definition,
            counties=counties.aliases,
            known_counties=set(counties.by_code),
            macros_installed=True,
        )
    except (QueryError, ComputationError) as exc:
        return _failed(indicator, exc)
    finally:
        if own:
            con.close()
    return _store(indicator, series, versions, counties.by_code)


def definition_problem(indicator: Indicator) -> dict[str, Any] | None:
    """Why ``indicator`` (saved or not) cannot be computed from its datasets' current
    versions, as ``{"code", "params"}``; None when it can, or when a dataset has no
    version yet (nothing to check it against). Stores nothing."""
    con = _connection()
    try:
        definition, _versions = _definition(indicator)
        compute_series(
            con,
            definition,
            counties=county_aliases(),
            known_counties=set(County.objects.values_list("code", flat=True)),
            macros_installed=True,
        )
    except ComputationError as exc:
        if exc.code == "dataset_without_version":
            return None
        return {"code": exc.code, "params": exc.params}
    except QueryError as exc:
        return {"code": exc.code, "params": exc.params}
    finally:
        con.close()
    return None


def _definition(indicator: Indicator) -> tuple[Definition, list[DatasetVersion]]:
    if indicator.origin != Indicator.Origin.DATASET or indicator.dataset is None:
        raise ComputationError("not_computed")
    top, top_version = _source(
        indicator.dataset,
        indicator.measure,
        indicator.filters,
        indicator.period_column,
        indicator.county_column,
    )
    versions = [top_version]
    bottom = None
    if indicator.denominator_dataset is not None:
        bottom, bottom_version = _source(
            indicator.denominator_dataset,
            indicator.denominator_measure,
            indicator.denominator_filters,
            indicator.denominator_period_column,
            indicator.denominator_county_column,
        )
        versions.append(bottom_version)
    return Definition(top, bottom, indicator.scale), versions


def _source(
    dataset: Dataset, measure: str, filters: list[Any], period: str, county: str
) -> tuple[Source, DatasetVersion]:
    version = current_version(dataset)
    if version is None:
        raise ComputationError("dataset_without_version", dataset=dataset.slug)
    path = object_store().path_for(version.sha256)
    if not path.exists():
        raise ComputationError("object_missing", dataset=dataset.slug, version=version.number)
    try:
        parsed_filters = tuple(Filter.parse(str(k), str(v)) for k, v in filters)
    except (TypeError, ValueError):
        raise ComputationError("filters_malformed", dataset=dataset.slug) from None
    source = Source(
        path,
        Schema.from_dict(version.schema),
        Measure.parse(measure),
        parsed_filters,
        period_column=period or None,
        county_column=county or None,
        dataset=dataset.slug,
        sha256=version.sha256,
    )
    return source, version


def _failed(indicator: Indicator, exc: QueryError | ComputationError) -> Outcome:
    code = exc.code
    params = {k: v for k, v in exc.params.items() if isinstance(v, str | int | float | list)}
    error = {"code": code, "params": params, "kind": type(exc).__name__}
    now = timezone.now()
    Indicator.objects.filter(pk=indicator.pk).update(computation_error=error, computed_at=now)
    indicator.computation_error, indicator.computed_at = error, now
    return Outcome(indicator, error)


def _store(
    indicator: Indicator,
    series: Series,
    versions: list[DatasetVersion],
    counties: dict[str, County],
) -> Outcome:
    sources = [
        {"dataset": v.dataset.slug, "version": v.number, "sha256": v.sha256} for v in versions
    ]
    rows = [
        Actual(
            indicator=indicator,
            year=figure.period,
            county=counties[figure.county] if figure.county else None,
            value=figure.value,
            numerator=figure.numerator,
            denominator=figure.denominator,
            note=figure.note,
            sources=sources,
        )
        for figure in series.figures
    ]
    warnings: dict[str, Any] = {}
    if series.unknown_counties:
        warnings["unknown_counties"] = series.unknown_counties[:50]
    if series.bad_periods:
        warnings["bad_periods"] = series.bad_periods[:50]
    now = timezone.now()
    with transaction.atomic():
        Actual.objects.filter(indicator=indicator).delete()
        Actual.objects.bulk_create(rows)
        Indicator.objects.filter(pk=indicator.pk).update(
            computation_error={}, computation_warnings=warnings, computed_at=now
        )
    indicator.computation_error, indicator.computation_warnings = {}, warnings
    indicator.computed_at = now
    return Outcome(indicator, actuals=len(rows))
