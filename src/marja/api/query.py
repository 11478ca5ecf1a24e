"""Rows, aggregates, read-only SQL and exports of datasets, as JSON."""

from __future__ import annotations

import base64
import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema

from marja.api.auth import caller
from marja.api.errors import ApiError
from marja.catalog.models import Dataset
from marja.core.export import ExportError, PackageInfo
from marja.core.jalali import format_date
from marja.core.query import Column, QueryError
from marja.core.sandbox import SqlError
from marja.ingest.models import DatasetVersion
from marja.query.chart import header
from marja.query.messages import query_message, sql_message
from marja.query.params import aggregate_query_from, rows_query_from, wants
from marja.query.selectors import VersionNotFoundError, VersionRead, version_to_read
from marja.query.services import QueryStoppedError, aggregate, export_rows, rows_page, run_sql

router = Router(tags=["query"])

FILTERS_HELP = (
    "Filters: `<column>=<value>` or `<column>__<op>=<value>` with op one of eq, ne, lt, "
    "lte, gt, gte, in (comma-separated values), contains (Persian-normalised text), "
    "isnull (true/false). Values in any digit system; dates Jalali (1402/08/17) or "
    "Gregorian (2023-11-08); counties by code or Persian/English name."
)


class ColumnOut(Schema):
    name: str
    type: str
    label_fa: str = ""
    label_en: str = ""
    unit: str = ""


class VersionRef(Schema):
    number: int
    sha256: str
    published_at: dt.datetime
    row_count: int


class RowsOut(Schema):
    dataset: str
    version: VersionRef
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    total: int | None
    limit: int
    offset: int
    next_cursor: str | None
    next: str | None


class AggregateOut(Schema):
    dataset: str
    version: VersionRef
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    truncated: bool


class RowsParams(Schema):
    columns: str = ""
    sort: str = ""
    limit: str = ""
    offset: str = ""
    cursor: str = ""
    version: str = ""
    q: str = ""
    count: str = ""
    dates: str = ""


class AggregateParams(Schema):
    group_by: str = ""
    measures: str = ""
    sort: str = ""
    limit: str = ""
    version: str = ""
    q: str = ""
    dates: str = ""


def query_error(error: QueryError) -> ApiError:
    message, params = query_message(error)
    return ApiError(400, error.code, message, **params)


def stopped_error(error: QueryStoppedError) -> ApiError:
    if error.code == "timeout":
        return ApiError(
            422,
            "query_timeout",
            _(
                "The query took longer than %(seconds)s seconds and was stopped; narrow it with "
                "filters or fewer groups."
            ),
            seconds=_timeout_seconds(),
        )
    return ApiError(
        422,
        "query_memory",
        _("The query needed more memory than allowed and was stopped; narrow it with filters."),
    )


def _timeout_seconds() -> int:
    from django.conf import settings

    return int(settings.QUERY_TIMEOUT_SECONDS)


def version_for(request: HttpRequest, slug: str, reference: str) -> VersionRead:
    """The version to read, as the caller may read it (404 ``version_not_found``; 403
    with the reason when the data is closed to the caller)."""
    try:
        return version_to_read(caller(request), slug, reference)
    except VersionNotFoundError:
        raise ApiError(
            404,
            "version_not_found",
            _("Dataset «%(dataset)s» has no version «%(version)s»."),
            dataset=slug,
            version=reference or "-",
        ) from None


def column_out(column: Column) -> ColumnOut:
    field = column.field
    if field is None or column.name != field.name:
        # An aggregate's output or a time bucket: labelled as the data page labels it.
        labels = {}
        for language in ("fa", "en"):
            with translation.override(language):
                labels[language] = header(column)
        return ColumnOut(
            name=column.name,
            type=column.type,
            label_fa=labels["fa"],
            label_en=labels["en"],
            unit=field.unit if field is not None and column.function in _SAME_UNIT else "",
        )
    return ColumnOut(
        name=column.name,
        type=column.type,
        label_fa=field.label_fa,
        label_en=field.label_en,
        unit=field.unit,
    )


#: Aggregates whose result is in the unit of the column they summarise.
_SAME_UNIT = frozenset({"sum", "avg", "min", "max", "median"})


def plain(value: Any, *, jalali: bool) -> Any:
    """A value as JSON can carry it: dates as text, NaN and infinities as null, bytes as
    base64, lists, maps and structs (from SQL) element by element."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return format_date(value, digits="latin") if jalali else value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): plain(v, jalali=jalali) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, jalali=jalali) for v in value]
    if isinstance(value, dt.time | dt.timedelta | uuid.UUID):
        return str(value)
    return value


def records(
    columns: list[Column], rows: list[tuple[Any, ...]], *, jalali: bool
) -> list[dict[str, Any]]:
    names = [c.name for c in columns]
    return [
        {name: plain(value, jalali=jalali) for name, value in zip(names, row, strict=True)}
        for row in rows
    ]


def version_ref(version: DatasetVersion) -> VersionRef:
    return VersionRef(
        number=version.number,
        sha256=version.sha256,
        published_at=version.published_at,
        row_count=version.row_count,
    )


@router.get(
    "/datasets/{slug}/rows",
    response=RowsOut,
    summary="Rows of a dataset version",
    description=FILTERS_HELP,
)
def rows(request: HttpRequest, slug: str, params: Query[RowsParams]) -> RowsOut:
    read = version_for(request, slug, params.version)
    dataset, version = read.dataset, read.version
    query_params = {k: request.GET.getlist(k) for k in request.GET}
    try:
        query = rows_query_from(query_params)
        count = wants(query_params, "count", default=True)
        page = rows_page(read, query, count=count, through="api")
    except QueryError as error:
        raise query_error(error) from None
    except QueryStoppedError as error:
        raise stopped_error(error) from None
    next_link = None
    if page.next_cursor:
        kept = [
            (k, v)
            for k in request.GET
            for v in request.GET.getlist(k)
            if k not in {"cursor", "offset"}
        ]
        next_link = request.build_absolute_uri(
            f"{request.path}?{urlencode([*kept, ('cursor', page.next_cursor)])}"
        )
    return RowsOut(
        dataset=dataset.slug,
        version=version_ref(version),
        columns=[column_out(c) for c in page.columns],
        rows=records(page.columns, page.rows, jalali=params.dates == "jalali"),
        total=page.total,
        limit=query.limit,
        offset=query.offset,
        next_cursor=page.next_cursor,
        next=next_link,
    )


@router.get(
    "/datasets/{slug}/aggregate",
    response=AggregateOut,
    summary="Group-by aggregates of a dataset version",
    description="group_by: columns, a date column may take a Jalali bucket "
    "(`admitted:month`, `:season`, `:year`); measures: count, sum:col, avg:col, "
    "min:col, max:col, median:col, count_distinct:col. " + FILTERS_HELP,
)
def aggregates(request: HttpRequest, slug: str, params: Query[AggregateParams]) -> AggregateOut:
    read = version_for(request, slug, params.version)
    dataset, version = read.dataset, read.version
    query_params = {k: request.GET.getlist(k) for k in request.GET}
    try:
        table = aggregate(read, aggregate_query_from(query_params), through="api")
    except QueryError as error:
        raise query_error(error) from None
    except QueryStoppedError as error:
        raise stopped_error(error) from None
    return AggregateOut(
        dataset=dataset.slug,
        version=version_ref(version),
        columns=[column_out(c) for c in table.columns],
        rows=records(table.columns, table.rows, jalali=params.dates == "jalali"),
        truncated=table.truncated,
    )


class ExportParams(Schema):
    format: str = "csv"
    columns: str = ""
    sort: str = ""
    version: str = ""
    q: str = ""


EXPORT_MESSAGES = {
    "unknown_format": _(
        "«%(format)s» is not an export format; use csv, xlsx, json, ndjson, parquet or datapackage."
    ),
    "too_many_rows_for_xlsx": _(
        "%(rows)s rows do not fit in an Excel sheet (at most %(limit)s); filter the rows or "
        "choose CSV."
    ),
    "too_many_columns_for_xlsx": _(
        "%(columns)s columns do not fit in an Excel sheet (at most %(limit)s); choose CSV."
    ),
}


def package_info(request: HttpRequest, dataset: Dataset, version: DatasetVersion) -> PackageInfo:
    licence = dataset.licence
    return PackageInfo(
        name=dataset.slug,
        title=dataset.title_fa,
        description=dataset.description_fa,
        licence_name=licence.slug,
        licence_title=licence.name_en or licence.name_fa,
        licence_url=licence.url,
        publisher=dataset.publisher.name_fa,
        version=str(version.number),
        sha256=version.sha256,
        homepage=request.build_absolute_uri(dataset.get_absolute_url()),
    )


@router.get(
    "/datasets/{slug}/export",
    summary="Export the rows of a dataset version (whole or filtered)",
    description="format: csv (UTF-8 with BOM, spreadsheet formulas neutralised), xlsx, "
    "json, ndjson, parquet, datapackage (Frictionless zip). Same filters, sort and "
    "columns as the rows endpoint; no limit: every matching row is streamed. " + FILTERS_HELP,
    response={200: None},
)
def export(request: HttpRequest, slug: str, params: Query[ExportParams]) -> StreamingHttpResponse:
    read = version_for(request, slug, params.version)
    dataset, version = read.dataset, read.version
    query_params = {k: v for k in request.GET if (v := request.GET.getlist(k))}
    query_params.pop("limit", None)
    query_params.pop("offset", None)
    query_params.pop("cursor", None)
    try:
        query = rows_query_from(query_params)
        result = export_rows(
            read, query, params.format, package=package_info(request, dataset, version)
        )
    except QueryError as error:
        raise query_error(error) from None
    except ExportError as error:
        message = EXPORT_MESSAGES.get(error.code, _("The export failed (%(code)s)."))
        raise ApiError(400, error.code, message, code=error.code, **error.params) from None
    response = StreamingHttpResponse(result.chunks, content_type=result.media_type)
    response["Content-Disposition"] = f'attachment; filename="{result.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Marja-Version-Sha256"] = version.sha256
    return response


class SqlIn(Schema):
    sql: str


class SqlColumnOut(Schema):
    name: str
    type: str


class SqlOut(Schema):
    columns: list[SqlColumnOut]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    max_rows: int
    elapsed_ms: float


SQL_STATUS = {"timeout": 422, "memory": 422, "too_large": 422, "forbidden": 403}


def sql_error(error: SqlError) -> ApiError:
    message, params = sql_message(error.code, dict(error.params))
    if error.code == "timeout":
        params["seconds"] = _timeout_seconds()
    return ApiError(SQL_STATUS.get(error.code, 400), f"sql_{error.code}", message, **params)


@router.post(
    "/sql",
    response=SqlOut,
    summary="Run a read-only SQL query across the datasets you may read",
    description="DuckDB SQL. Each dataset you may read is a table named by its identifier "
    '(quoted: "hospital-beds", or with underscores: hospital_beds), holding its current '
    "version. Only one reading statement; no files, network, extensions, ATTACH, COPY or "
    "settings. Time, memory and result rows are limited; `truncated` says when more rows "
    "existed.",
)
def sql(request: HttpRequest, body: SqlIn) -> SqlOut:
    from marja.core.sandbox import SqlError

    try:
        result = run_sql(caller(request), body.sql)
    except SqlError as error:
        raise sql_error(error) from None
    return SqlOut(
        columns=[
            SqlColumnOut(name=n, type=t) for n, t in zip(result.columns, result.types, strict=True)
        ],
        rows=[[plain(v, jalali=False) for v in row] for row in result.rows],
        row_count=len(result.rows),
        truncated=result.truncated,
        max_rows=_max_rows(),
        elapsed_ms=round(result.elapsed_ms, 1),
    )


def _max_rows() -> int:
    from django.conf import settings

    return int(settings.SQL_MAX_ROWS)
