"""The search page (the catalog's list of datasets) and the search box's suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
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
    Sort,
    facets_for,
    organisations_matching,
    search,
    suggestions,
)

PAGE_SIZE = 20


class _Counted(Sequence[Dataset]):
    """Search results whose count is already known, for the paginator."""

    def __init__(self, datasets: QuerySet[Dataset], count: int) -> None:
        self.datasets, self.total = datasets, count

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: Any) -> Any:
        return self.datasets[index]


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
    page = Paginator(_Counted(results.datasets, results.count), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context.update(
        query=results.query,
        terms=results.query.terms,
        matched=results.matched,
        sort=results.sort.value,
        count=results.count,
        page=page,
        facets=facets_for(results.found, wanted.filters),
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
