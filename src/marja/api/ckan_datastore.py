"""``datastore_search`` of the CKAN face: rows of a dataset version in CKAN 2.11's shape.

A resource id is ``<slug>`` (the current version), ``<slug>@v<N>`` or ``<slug>@<sha256
prefix>`` (see :mod:`marja.api.ckan_dicts`); the dataset is read through
:func:`marja.query.selectors.readable_version`, so a caller who may not read it gets Not
Found. Filters, text search and sort are compiled by :mod:`marja.core.query` (every value a
bound parameter) and run within the instance's time and memory limits. ``_id`` is the
row's position in the version's file, counted from 1, so it is stable across queries.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from marja.api.ckan_base import (
    Context,
    NotFoundError,
    ValidationError,
    bool_param,
    int_param,
    json_param,
    list_param,
    missing,
    text_param,
)
from marja.api.ckan_dicts import resource_ref
from marja.api.query import stopped_error
from marja.core.query import MAX_LIMIT, Filter, Op, QueryError, RowsQuery, Sort
from marja.core.schema import Field, FieldType
from marja.ingest.access import record_read
from marja.query.messages import query_message
from marja.query.selectors import VersionRead, version_to_read
from marja.query.services import QueryStoppedError, asked, limited_connection, plan_rows

DEFAULT_LIMIT = 100
#: CKAN datastore column types of marja's field types.
FIELD_TYPES = {
    FieldType.INTEGER: "int",
    FieldType.NUMBER: "numeric",
    FieldType.STRING: "text",
    FieldType.BOOLEAN: "bool",
    FieldType.DATE: "date",
    FieldType.JALALI_DATE: "date",
    FieldType.DATETIME: "timestamp",
    FieldType.COUNTY: "text",
}
RECORDS_FORMATS = ("objects", "lists")


def _version(ctx: Context, resource_id: str) -> VersionRead:
    ref = resource_ref(resource_id)
    if ref is not None:
        try:
            return version_to_read(ctx.user, *ref)
        except Http404:
            pass
    raise NotFoundError(_("Resource «%(id)s» was not found."), id=resource_id)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _filters(raw: Any) -> tuple[Filter, ...]:
    """CKAN's ``{"field": value}`` (a list means any of them; null means empty)."""
    if raw in (None, ""):
        return ()
    if not isinstance(raw, dict):
        raise ValidationError("filters", _("Filters must be an object of field names and values."))
    filters = []
    for name, value in raw.items():
        if isinstance(value, list):
            filters.append(Filter(str(name), Op.IN, ",".join(_text(v) for v in value)))
        elif value is None:
            filters.append(Filter(str(name), Op.ISNULL, "true"))
        elif isinstance(value, dict):
            raise ValidationError(
                "filters", _("The filter of «%(field)s» must be a value or a list."), field=name
            )
        else:
            filters.append(Filter(str(name), Op.EQ, _text(value)))
    return tuple(filters)


def _text_search(raw: Any) -> tuple[str, tuple[Filter, ...]]:
    """``q``: words searched in every text column, or ``{"field": "words"}``."""
    if raw in (None, ""):
        return "", ()
    if isinstance(raw, dict):
        return "", tuple(Filter(str(k), Op.CONTAINS, _text(v)) for k, v in raw.items())
    return _text(raw), ()


def _sorts(data: dict[str, Any]) -> tuple[Sort, ...]:
    """``"population desc, name"`` (or a list of such items); ``_id`` is the file order."""
    raw = json_param(data, "sort") if _looks_like_json(data, "sort", "[") else data.get("sort")
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    sorts = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        name, _space, direction = item.rpartition(" ") if " " in item else (item, "", "asc")
        name, direction = name.strip().strip('"'), direction.strip().lower()
        if direction not in {"asc", "desc"} or (name == "_id" and direction == "desc"):
            raise ValidationError(
                "sort",
                _("Cannot sort by «%(sort)s»: write a column name, then asc or desc."),
                sort=item,
            )
        if name != "_id":  # rows always come in file order after the requested sort
            sorts.append(Sort(name, direction == "desc"))
    return tuple(sorts)


def _parameter_of(error: QueryError, query: RowsQuery, q_fields: set[str]) -> str:
    """Which CKAN parameter a query problem comes from, for the Validation Error."""
    if error.code == "no_text_columns":
        return "q"
    column = error.params.get("column")
    if column in query.columns:
        return "fields"
    if column in {s.column for s in query.sort}:
        return "sort"
    if column in q_fields:
        return "q"
    return "filters"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _field_out(item: Field) -> dict[str, Any]:
    return {
        "id": item.name,
        "type": FIELD_TYPES.get(item.type, "text"),
        "info": {
            "label": item.label_fa or item.label_en,
            "label_en": item.label_en,
            "notes": item.description,
            "unit": item.unit,
            "type_override": "",
            "marja_type": item.type.value,
        },
    }


def _links(ctx: Context, data: dict[str, Any], offset: int, limit: int) -> dict[str, str]:
    kept = {}
    for key in ("resource_id", "q", "filters", "sort", "fields", "records_format", "limit"):
        value = data.get(key)
        if value not in (None, ""):
            kept[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    base = f"{ctx.action_path}datastore_search"
    return {
        "start": f"{base}?{urlencode(kept)}",
        "next": f"{base}?{urlencode({**kept, 'offset': offset + limit})}",
    }


def _rows_query(data: dict[str, Any]) -> tuple[RowsQuery, list[str], set[str]]:
    """The query a call asks for, the ``fields`` it named, and the columns ``q`` searches."""
    fields = list_param(data, "fields")
    text, q_filters = _text_search(
        json_param(data, "q") if _looks_like_json(data, "q") else data.get("q")
    )
    query = RowsQuery(
        columns=tuple(f for f in fields if f != "_id"),
        filters=_filters(json_param(data, "filters")) + q_filters,
        text=text,
        sort=_sorts(data),
        limit=int_param(data, "limit", DEFAULT_LIMIT, maximum=MAX_LIMIT),
        offset=int_param(data, "offset", 0),
    )
    return query, fields, {f.column for f in q_filters}


def _fetch(
    read: VersionRead, query: RowsQuery, q_fields: set[str], *, include_total: bool
) -> tuple[list[Field], list[tuple[Any, ...]], int | None]:
    """The columns, the page's rows (each ending with its file row number), the total."""
    try:
        plan = plan_rows(read, query)
        with limited_connection() as con:
            rows = con.execute(plan.sql, plan.params).fetchall()[: query.limit]
            counted = (
                con.execute(plan.count_sql, plan.count_params).fetchone() if include_total else None
            )
    except QueryError as error:
        message, params = query_message(error)
        raise ValidationError(_parameter_of(error, query, q_fields), message, **params) from None
    except QueryStoppedError as error:
        stopped = stopped_error(error)
        raise ValidationError("query", stopped.message, **stopped.params) from None
    record_read(read.access, read.version, through="ckan", query=asked(query), rows=len(rows))
    columns = [column.field for column in plan.columns if column.field is not None]
    return columns, rows, int(counted[0]) if counted is not None else None


def _records(
    columns: list[Field], rows: list[tuple[Any, ...]], *, with_id: bool, as_lists: bool
) -> tuple[list[dict[str, Any]], list[Any]]:
    """CKAN's ``fields`` and ``records``; ``_id`` is the file row number counted from 1."""
    fields = ([{"id": "_id", "type": "int"}] if with_id else []) + [_field_out(c) for c in columns]
    names = [f["id"] for f in fields]
    width = len(columns)
    values = [
        ([int(row[-1]) + 1] if with_id else []) + [_plain(v) for v in row[:width]] for row in rows
    ]
    if as_lists:
        return fields, values
    return fields, [dict(zip(names, v, strict=True)) for v in values]


def datastore_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Rows of a resource: resource_id (or id), filters, q, fields, sort, limit, offset,
    records_format (objects or lists), include_total."""
    resource_id = text_param(data, "resource_id") or text_param(data, "id")
    if not resource_id:
        raise missing("resource_id")
    read = _version(ctx, resource_id)
    records_format = text_param(data, "records_format") or "objects"
    if records_format not in RECORDS_FORMATS:
        raise ValidationError(
            "records_format",
            _("Records can be given as %(known)s, not «%(format)s»."),
            known=", ".join(RECORDS_FORMATS),
            format=records_format,
        )
    if bool_param(data, "distinct", False):
        raise ValidationError(
            "distinct", _("Distinct rows are not supported; use the aggregate API.")
        )
    include_total = bool_param(data, "include_total", True)
    query, fields, q_fields = _rows_query(data)
    columns, rows, total = _fetch(read, query, q_fields, include_total=include_total)
    out_fields, records = _records(
        columns, rows, with_id=not fields or "_id" in fields, as_lists=records_format == "lists"
    )
    result: dict[str, Any] = {
        "include_total": include_total,
        "limit": query.limit,
        "records_format": records_format,
        "resource_id": resource_id,
        "total_estimation_threshold": data.get("total_estimation_threshold"),
        "fields": out_fields,
        "records": records,
        "_links": _links(ctx, data, query.offset, query.limit),
    }
    for key in ("filters", "q", "sort"):
        if data.get(key) not in (None, ""):
            result[key] = json_param(data, key) if key == "filters" else data[key]
    if query.offset:
        result["offset"] = query.offset
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    return result


def _looks_like_json(data: dict[str, Any], name: str, opening: str = "{") -> bool:
    """Whether a text parameter holds JSON (a query string can only carry text)."""
    value = data.get(name)
    return isinstance(value, str) and value.strip().startswith(opening)
