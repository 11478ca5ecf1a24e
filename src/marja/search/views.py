"""The search page (the catalog's list of datasets) and the search box's suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from marja.accounts.selectors import EDITING_ROLES, organisations_of
from marja.catalog.models import Dataset
from marja.core.fulltext import ParsedQuery, SearchQueryError, parse_query
from marja.search.forms import request_from
from marja.search.messages import query_error_message
from marja.search.selectors import (
    FACETS,
    SearchResults,
    Sort,
    facets_for,
    organisations_matching,
    search,
    suggestions,
)

PAGE_SIZE = 20


class _Pages(Sequence[Dataset]):
    """Search results as the paginator reads them: a known length, pages by slice."""

    def __init__(self, results: SearchResults) -> None:
        self.results = results

    def __len__(self) -> int:
        return self.results.count

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            raise TypeError("search results are read a page at a time")
        start, stop = index.start or 0, index.stop or self.results.count
        return self.results.page(start, stop - start)


def dataset_search(request: HttpRequest) -> HttpResponse:
    wanted = request_from(request.GET)
    params = request.GET.copy()
    params.pop("page", None)
    context: dict[str, Any] = {
        "text": wanted.text,
        "filters": wanted.filters,
        "query_string": params.urlencode(),
        "can_create": organisations_of(request.user, EDITING_ROLES).exists()
        or getattr(request.user, "is_superuser", False),
        "sorts": Sort.choices,
        "facet_names": FACETS,
    }
    try:
        results = search(request.user, wanted)
    except SearchQueryError as exc:
        context.update(error=query_error_message(exc), query=ParsedQuery(), count=0)
        return render(request, "search/results.html", context, status=400)
    page = Paginator(_Pages(results), PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        query=results.query,
        terms=results.query.terms,
        matched=results.matched,
        sort=results.sort.value,
        count=results.count,
        page=page,
        facets=facets_for(results.ids, wanted.filters),
        organisations=organisations_matching(results.query),
    )
    return render(request, "search/results.html", context)


def suggest(request: HttpRequest) -> JsonResponse:
    """What the search box offers while someone types: a few datasets and organisations.

    Always answers 200: a query that cannot be searched yet has no suggestions.
    """
    text = request.GET.get("q", "")
    try:
        datasets = suggestions(request.user, text)
        organisations = organisations_matching(parse_query(text), limit=3)
    except SearchQueryError:
        datasets, organisations = [], []
    return JsonResponse(
        {
            "datasets": [
                {"title": d.title, "url": d.get_absolute_url(), "publisher": d.publisher.name}
                for d in datasets
            ],
            "organisations": [
                {"title": o.name, "url": o.get_absolute_url(), "kind": _("Organisation")}
                for o in organisations
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
