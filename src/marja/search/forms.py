"""Reading a search from a query string, for the page and the API alike."""

from __future__ import annotations

from collections.abc import Mapping

from marja.search.selectors import SearchFilters, SearchRequest, Sort

#: Longest value accepted for a filter; longer ones cannot name anything.
FILTER_MAX = 100


def filters_from(params: Mapping[str, str]) -> SearchFilters:
    return SearchFilters(
        **{
            name: str(params.get(name, "")).strip()[:FILTER_MAX]
            for name in SearchFilters.__dataclass_fields__
        }
    )


def sort_from(raw: str | None) -> Sort | None:
    """The sort asked for; ``None`` for the default, and for a value that is no sort."""
    try:
        return Sort(raw) if raw else None
    except ValueError:
        return None


def request_from(params: Mapping[str, str]) -> SearchRequest:
    """A search from page parameters: ``q``, the filters and ``sort``.

    The text is passed on whole: an overlong query is refused by the parser, whose
    message states its real length, rather than cut silently.
    """
    return SearchRequest(
        text=str(params.get("q", "")),
        filters=filters_from(params),
        sort=sort_from(params.get("sort")),
    )
