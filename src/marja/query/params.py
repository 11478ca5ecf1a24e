"""Query-string parameters → :mod:`marja.core.query` requests.

Filters are ``<column>__<operator>=<value>`` (a bare ``<column>=<value>`` means equals);
the names below are reserved for the query itself. Field names are lower-case
identifiers, so a field that happens to be called ``sort`` is filtered as ``sort__eq``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from marja.core.query import (
    DEFAULT_LIMIT,
    MAX_GROUPS,
    AggregateQuery,
    Filter,
    Group,
    Measure,
    QueryError,
    RowsQuery,
    Sort,
    split_list,
)

RESERVED: Final = frozenset(
    {
        "columns",
        "sort",
        "limit",
        "offset",
        "cursor",
        "version",
        "q",
        "count",
        "format",
        "dates",
        "group_by",
        "measures",
        "chart",
        "lang",
    }
)

Params = Mapping[str, Sequence[str]]


def _last(params: Params, name: str, default: str = "") -> str:
    values = params.get(name) or []
    return values[-1] if values else default


def whole_number(params: Params, name: str, default: int) -> int:
    text = _last(params, name).strip()
    if not text:
        return default
    from marja.core.text import to_latin_digits

    try:
        return int(to_latin_digits(text))
    except ValueError:
        raise QueryError("bad_number", parameter=name, value=text) from None


def filters_from(params: Params) -> tuple[Filter, ...]:
    filters = []
    for key, values in params.items():
        if key in RESERVED or key.startswith("_"):
            continue
        for value in values:
            filters.append(Filter.parse(key, value))
    return tuple(filters)


def rows_query_from(params: Params, *, default_limit: int = DEFAULT_LIMIT) -> RowsQuery:
    return RowsQuery(
        columns=tuple(split_list(params.get("columns") or [])),
        filters=filters_from(params),
        text=_last(params, "q"),
        sort=Sort.parse_list(",".join(params.get("sort") or [])),
        limit=whole_number(params, "limit", default_limit),
        offset=whole_number(params, "offset", 0),
        cursor=_last(params, "cursor").strip(),
    )


def aggregate_query_from(params: Params) -> AggregateQuery:
    measures = split_list(params.get("measures") or []) or ["count"]
    return AggregateQuery(
        groups=tuple(Group.parse(g) for g in split_list(params.get("group_by") or [])),
        measures=tuple(Measure.parse(m) for m in measures),
        filters=filters_from(params),
        text=_last(params, "q"),
        sort=Sort.parse_list(",".join(params.get("sort") or [])),
        limit=whole_number(params, "limit", MAX_GROUPS),
    )


def wants(params: Params, name: str, *, default: bool) -> bool:
    text = _last(params, name).strip().lower()
    if not text:
        return default
    return text in {"1", "true", "yes", "on"}
