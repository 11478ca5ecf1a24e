"""The data page of a dataset: a filterable, sortable table and a chart of an aggregate.

Everything the page shows is in its address (the same parameters as the rows API), so
the address is the link that reproduces the view. The small filter form posts nothing:
it sends ``f``/``op``/``v`` and is redirected to the canonical address.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse

from marja.core.export import ExportFormat
from marja.core.query import (
    AggregateQuery,
    Bucket,
    Column,
    Function,
    Op,
    QueryError,
    RowsQuery,
    Table,
)
from marja.core.schema import FieldType
from marja.query.chart import chart_data
from marja.query.messages import query_message
from marja.query.params import aggregate_query_from, rows_query_from
from marja.query.selectors import VersionNotFoundError, VersionRead, county_names, version_to_read
from marja.query.services import QueryStoppedError, aggregate, rows_page

PAGE_SIZES = (25, 50, 100, 200)
CHART_KINDS = ("bar", "line")
_FORM_KEYS = ("f", "op", "v")


def _canonical(params: QueryDict) -> QueryDict | None:
    """The address of a view asked for through the filter form, or None if it is one."""
    if not any(key in params for key in _FORM_KEYS):
        return None
    canonical = params.copy()
    column, op, value = (canonical.pop(k, [""])[-1].strip() for k in _FORM_KEYS)
    canonical.pop("offset", None)
    canonical.pop("cursor", None)
    if column:
        key = column if op in ("", Op.EQ) else f"{column}__{op}"
        canonical.appendlist(key, value)
    return canonical


def _params(request: HttpRequest) -> dict[str, list[str]]:
    return {k: request.GET.getlist(k) for k in request.GET}


def explore(request: HttpRequest, slug: str) -> HttpResponse:
    canonical = _canonical(request.GET)
    if canonical is not None:
        return HttpResponseRedirect(f"{request.path}?{canonical.urlencode()}")
    try:
        read = version_to_read(request.user, slug, request.GET.get("version"))
    except VersionNotFoundError:
        return render(request, "query/no_version.html", {"slug": slug}, status=404)
    dataset, version = read.dataset, read.version
    params = _params(request)
    for key in ("group_by", "measures", "chart"):
        params.pop(key, None)
    context: dict[str, Any] = {
        "dataset": dataset,
        "version": version,
        "versions": list(dataset.versions.order_by("-number").values_list("number", flat=True)),
        "page_sizes": PAGE_SIZES,
        "operator_names": _operator_names(),
        "chart_kinds": CHART_KINDS,
        "functions": [f.value for f in Function],
        "buckets": [b.value for b in Bucket],
    }
    schema_fields = read.schema.to_dict()["fields"]
    context["fields"] = schema_fields
    context["date_fields"] = [
        f["name"] for f in schema_fields if f["type"] in ("date", "jalali_date", "datetime")
    ]
    status = 200
    try:
        query = rows_query_from(params, default_limit=50)
        if query.limit == 0:  # the API may ask for no rows (just the total); a page may not
            query = replace(query, limit=50)
        page = rows_page(read, query, count=True, through="page")
        context.update(_table_context(request, query, page.columns, page.rows, page.total))
    except QueryError as error:
        message, values = query_message(error)
        context["error"] = str(message) % values
        status = 400
    except QueryStoppedError as error:
        context["error"] = _stopped(error)
        status = 400
    context.update(_chart_context(request, read))
    if "chart_error" in context:
        status = 400
    labels = {f["name"]: f.get("label_fa") or f.get("label_en") or f["name"] for f in schema_fields}
    context["active_filters"] = _active_filters(request, labels)
    context["api_url"] = _with_path(reverse("api:rows", args=[dataset.slug]), request.GET)
    # Shown as people read them (Persian, not percent-encoded); the links stay encoded.
    context["view_text"] = unquote(request.get_full_path())
    context["api_text"] = unquote(context["api_url"])
    context["export_links"] = _export_links(dataset.slug, request.GET)
    return render(request, "query/explore.html", context, status=status)


def _stopped(error: QueryStoppedError) -> str:
    from django.utils.translation import gettext as _

    if error.code == "timeout":
        return _("The query took too long and was stopped; narrow it with filters.")
    return _("The query needed more memory than allowed; narrow it with filters.")


def _with_path(path: str, params: QueryDict, **changes: Any) -> str:
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _table_context(
    request: HttpRequest,
    query: RowsQuery,
    columns: list[Column],
    rows: list[tuple[Any, ...]],
    total: int | None,
) -> dict[str, Any]:
    counties = county_names()
    county_columns = {i for i, c in enumerate(columns) if c.type == FieldType.COUNTY}
    shown = [
        [counties.get(v, v) if i in county_columns else v for i, v in enumerate(row)]
        for row in rows
    ]
    current = {s.column: s.descending for s in query.sort}
    headers = []
    for column in columns:
        descending = current.get(column.name)
        next_sort = column.name if descending in (None, True) else f"-{column.name}"
        field = column.field
        headers.append(
            {
                "name": column.name,
                "label": (field.label_fa or field.label_en) if field else "",
                "unit": field.unit if field else "",
                "sorted": None if descending is None else ("desc" if descending else "asc"),
                "sort_url": _with_path(request.path, request.GET, sort=next_sort, offset=""),
                "numeric": column.type in ("integer", "number"),
            }
        )
    limit = query.limit or 1
    offset = query.offset
    total_rows = total or 0
    return {
        "headers": headers,
        "rows": shown,
        "total": total,
        "limit": query.limit,
        "offset": offset,
        "first_row": offset + 1 if rows else 0,
        "last_row": offset + len(rows),
        "page_number": offset // limit + 1,
        "page_count": max(1, -(-total_rows // limit)),
        "previous_url": _with_path(request.path, request.GET, offset=max(0, offset - limit))
        if offset > 0
        else None,
        "next_url": _with_path(request.path, request.GET, offset=offset + limit)
        if offset + len(rows) < total_rows
        else None,
        "size_urls": [
            (size, _with_path(request.path, request.GET, limit=size, offset=""))
            for size in PAGE_SIZES
        ],
        "query_text": query.text,
    }


def _operator_names() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {
        "eq": _("equals"),
        "ne": _("does not equal"),
        "contains": _("contains"),
        "gt": _("greater than"),
        "gte": _("at least"),
        "lt": _("less than"),
        "lte": _("at most"),
        "in": _("one of (comma-separated)"),
        "isnull": _("is empty (yes/no)"),
    }


def _active_filters(request: HttpRequest, labels: dict[str, str]) -> list[dict[str, str]]:
    from marja.query.params import RESERVED

    operators = _operator_names()
    active = []
    for key in request.GET:
        if key in RESERVED or key.startswith("_"):
            continue
        column, _, op = key.partition("__")
        for value in request.GET.getlist(key):
            remaining = request.GET.copy()
            kept = [v for v in remaining.getlist(key) if v != value]
            remaining.setlist(key, kept)
            if not kept:
                remaining.pop(key)
            remaining.pop("offset", None)
            encoded = remaining.urlencode()
            active.append(
                {
                    "column": labels.get(column, column),
                    "op": operators.get(op or "eq", op),
                    "value": value,
                    "remove_url": f"{request.path}?{encoded}" if encoded else request.path,
                }
            )
    return active


def _export_links(slug: str, params: QueryDict) -> list[tuple[str, str]]:
    path = f"/api/v1/datasets/{slug}/export"
    kept = params.copy()
    for key in ("offset", "cursor", "limit", "group_by", "measures", "chart"):
        kept.pop(key, None)
    links = []
    for name in (f.value for f in ExportFormat):
        kept["format"] = name
        links.append((name, f"{path}?{kept.urlencode()}"))
    return links


def _chart_context(request: HttpRequest, read: VersionRead) -> dict[str, Any]:
    if not request.GET.get("group_by"):
        return {}
    params = _params(request)
    kind = request.GET.get("chart", "bar")
    for key in ("columns", "offset", "cursor", "limit", "sort"):
        params.pop(key, None)
    try:
        query: AggregateQuery = aggregate_query_from(params)
        table: Table = aggregate(read, query, through="page")
    except QueryError as error:
        message, values = query_message(error)
        return {"chart_error": str(message) % values}
    except QueryStoppedError as error:
        return {"chart_error": _stopped(error)}
    data = chart_data(table, kind=kind if kind in CHART_KINDS else "bar")
    return {
        "aggregate": table,
        "chart": data,
        "chart_kind": data["kind"],
        "aggregate_api_url": reverse("api:aggregates", args=[read.dataset.slug])
        + "?"
        + urlencode([(k, v) for k, vs in params.items() for v in vs]),
    }
