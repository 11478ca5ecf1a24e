"""``/api/v1/search``: the catalog's full-text search with facets, and suggestions.

The same search as the page: Persian-aware matching (ي/ی, ك/ک, ZWNJ, diacritics, digit
systems), every word a prefix, ranking by where the words are found and how well each
dataset is kept, facets counted within the caller's permissions.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from marja.api.auth import caller
from marja.api.catalog import check_choice, dataset_summary, query_error, run_search
from marja.api.schemas import DatasetSummaryOut, PageParams, errors, page_links
from marja.catalog.models import Dataset
from marja.core.fulltext import SearchQueryError
from marja.core.quality import Timeliness
from marja.search.highlight import matched_fields
from marja.search.indexing import FORMAT_LABELS
from marja.search.selectors import (
    FACETS,
    GRADE_CHOICES,
    SearchFilters,
    SearchRequest,
    Sort,
    facets_for,
    organisations_matching,
    suggestions,
)

router = Router(tags=["search"])


class SearchParams(PageParams):
    q: str = Field("", description="Words to find; each is also a prefix. `-word` excludes.")
    organisation: str = Field("", description="An organisation's slug.")
    theme: str = Field("", description="A theme's slug.")
    tag: str = ""
    access: str = Field("", description="public, internal or restricted.")
    county: str = Field("", description="A county's code.")
    format: str = Field("", description="The source format: " + ", ".join(FORMAT_LABELS))
    frequency: str = Field("", description="daily, weekly, monthly, quarterly, yearly…")
    status: str = Field("", description="draft, published or deprecated.")
    quality: str = Field("", description="A quality grade: A, B, C or D.")
    timeliness: str = Field(
        "", description="on_time, late, stale, unscheduled or no_data (as of the request)."
    )
    sort: str = Field(
        "", description="relevance (default with words), title, or updated (newest first)."
    )
    facets: bool = Field(True, description="Count results by facet.")
    facet_limit: int = Field(20, ge=1, le=200, description="Values kept per facet.")


class QueryOut(Schema):
    text: str
    words: list[str]
    excluded: list[str]


class SearchHitOut(DatasetSummaryOut):
    score: int
    format: str
    matched_fields: list[str]
    quality_score: int
    quality_grade: str


class FacetValueOut(Schema):
    key: str
    label_fa: str
    label_en: str
    count: int
    selected: bool


class OrganisationHitOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    page_url: str


class SearchPage(Schema):
    count: int
    matched: Literal["all", "some", "none"] = Field(
        description="all: every word matched; some: no dataset had every word, these have "
        "some; none: no words were given."
    )
    sort: str
    query: QueryOut
    next: str | None
    previous: str | None
    results: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]]
    organisations: list[OrganisationHitOut]


class SuggestionOut(Schema):
    slug: str
    title_fa: str
    title_en: str
    publisher_fa: str
    publisher_en: str
    page_url: str


@router.get(
    "/search",
    response={200: SearchPage, **errors(400)},
    summary="Search datasets, with facets",
    description="Full-text search over titles, descriptions, tags, field names and labels, "
    "organisations and counties, in Persian and English. Facets count the results by "
    "organisation, theme, access level, county, format, update frequency, quality grade, "
    "timeliness and tag; a "
    "dataset the caller may not see is in no result and no count.",
    url_name="search",
)
def search_datasets(request: HttpRequest, params: Query[SearchParams]) -> SearchPage:
    check_choice("access", params.access, list(Dataset.Access.values))
    check_choice("status", params.status, list(Dataset.Status.values))
    check_choice("frequency", params.frequency, list(Dataset.Frequency.values))
    check_choice("format", params.format, list(FORMAT_LABELS))
    check_choice("sort", params.sort, list(Sort.values))
    check_choice("quality", params.quality, [g for g, _label in GRADE_CHOICES])
    check_choice("timeliness", params.timeliness, [t.value for t in Timeliness])
    filters = SearchFilters(
        **{name: getattr(params, name) for name in SearchFilters.__dataclass_fields__}
    )
    results = run_search(
        request, SearchRequest(params.q, filters, Sort(params.sort) if params.sort else None)
    )
    page = results.page(params.offset, params.limit, prefetch=("tags",))
    terms = results.query.terms
    hits = [
        SearchHitOut(
            **dataset_summary(request, d).model_dump(),
            score=d.score,  # type: ignore[attr-defined]
            format=d.search_facts.format,
            matched_fields=matched_fields(d.search_document.fields, terms) if terms else [],
            quality_score=d.search_facts.score,
            quality_grade=d.search_facts.grade,
        )
        for d in page
    ]
    facets = facets_for(results.ids, filters, limit=params.facet_limit) if params.facets else {}
    return SearchPage(
        count=results.count,
        matched=results.matched,
        sort=results.sort.value,
        query=QueryOut(
            text=params.q,
            words=[c.word for c in results.query.clauses],
            excluded=list(results.query.excluded),
        ),
        results=hits,
        facets={
            name: [FacetValueOut(**vars(v)) for v in facets[name]]
            for name in FACETS
            if name in facets
        },
        organisations=[
            OrganisationHitOut(
                slug=o.slug,
                name_fa=o.name_fa,
                name_en=o.name_en,
                page_url=request.build_absolute_uri(o.get_absolute_url()),
            )
            for o in organisations_matching(results.query)
        ],
        **page_links(request, results.count, params),
    )


class SuggestParams(Schema):
    q: str = Field("", description="What has been typed so far.")
    limit: int = Field(8, ge=1, le=20)


@router.get(
    "/search/suggest",
    response={200: list[SuggestionOut], **errors(400)},
    summary="Suggestions while typing",
    description="The best few datasets for a partial query: every word is a prefix.",
    url_name="search_suggest",
)
def suggest(request: HttpRequest, params: Query[SuggestParams]) -> list[SuggestionOut]:
    try:
        found = suggestions(caller(request), params.q, limit=params.limit)
    except SearchQueryError as exc:
        raise query_error(exc) from None
    return [
        SuggestionOut(
            slug=d.slug,
            title_fa=d.title_fa,
            title_en=d.title_en,
            publisher_fa=d.publisher.name_fa,
            publisher_en=d.publisher.name_en,
            page_url=request.build_absolute_uri(d.get_absolute_url()),
        )
        for d in found
    ]
