"""Searching the catalog, always through the permissions of the person asking.

Everything starts from :func:`marja.catalog.selectors.datasets_visible_to`: the text match,
the filters, the count and every facet count are computed inside that one query, so a
dataset someone may not see is in no result and no count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Literal

from django.db import models
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.accounts.selectors import AnyUser
from marja.catalog.models import County, Dataset, Theme
from marja.catalog.selectors import datasets_visible_to
from marja.common.language import in_request_language
from marja.core.fulltext import ParsedQuery, document_key, parse_query
from marja.core.text import normalize
from marja.search import ranking
from marja.search.engine import matching_ids
from marja.search.indexing import FORMAT_LABELS
from marja.search.models import SearchDocument


class Sort(models.TextChoices):
    RELEVANCE = "relevance", _("relevance")
    TITLE = "title", _("title")
    UPDATED = "updated", _("last update")


@dataclass(frozen=True)
class SearchFilters:
    """Facet values a search is narrowed to; every field is optional."""

    organisation: str = ""
    theme: str = ""
    tag: str = ""
    access: str = ""
    county: str = ""
    format: str = ""
    frequency: str = ""
    status: str = ""

    def apply(self, datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
        """``datasets`` narrowed to these values (many-to-many ones by subquery, so no
        dataset appears twice and no DISTINCT is needed)."""
        if self.organisation:
            datasets = datasets.filter(publisher__slug=self.organisation)
        if self.theme:
            datasets = datasets.filter(theme__slug=self.theme)
        if self.tag:
            tagged = Dataset.tags.through.objects.filter(
                tag__name=normalize(self.tag, digits="keep")
            )
            datasets = datasets.filter(pk__in=tagged.values("dataset_id"))
        if self.county:
            covering = Dataset.counties.through.objects.filter(county__code=self.county)
            datasets = datasets.filter(pk__in=covering.values("dataset_id"))
        if self.format:
            datasets = datasets.filter(search_document__format=self.format)
        for name in ("access", "frequency", "status"):
            if value := getattr(self, name):
                datasets = datasets.filter(**{name: value})
        return datasets

    def selected(self) -> dict[str, str]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name))}


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    #: None: by relevance when there are words, by last update when there are none.
    sort: Sort | None = None


@dataclass
class SearchResults:
    query: ParsedQuery
    #: "all": every word matched; "some": no dataset had every word, these have some;
    #: "none": the query had no words (a listing).
    matched: Literal["all", "some", "none"]
    sort: Sort
    count: int
    #: Ordered and annotated with ``score``; slice it for a page.
    datasets: QuerySet[Dataset]
    #: The same datasets, unordered, for facet counts.
    found: QuerySet[Dataset]


def _text_matches(
    datasets: QuerySet[Dataset], query: ParsedQuery, *, any_clause: bool
) -> QuerySet[Dataset]:
    if query.clauses:
        datasets = datasets.filter(pk__in=matching_ids(query, any_clause=any_clause))
    if query.excluded and (any_clause or not query.clauses):
        datasets = datasets.exclude(pk__in=matching_ids(ParsedQuery(excluded=query.excluded)))
    return datasets


def _ordered(
    found: QuerySet[Dataset],
    query: ParsedQuery,
    sort: Sort,
    *,
    any_clause: bool,
    now: dt.datetime,
) -> QuerySet[Dataset]:
    ranked = found.annotate(score=ranking.score(query, any_clause=any_clause, now=now))
    if sort is Sort.TITLE:
        language = "en" if translation.get_language() == "en" else "fa"
        return ranked.order_by(f"search_document__title_{language}_sort", "pk")
    if sort is Sort.UPDATED:
        return ranked.order_by("-updated_at", "pk")
    return ranked.order_by("-score", "-updated_at", "pk")


def search(
    user: AnyUser, request: SearchRequest, *, now: dt.datetime | None = None
) -> SearchResults:
    """Datasets ``user`` may see that match ``request``.

    When no dataset has every word of a query of several words, the datasets with some
    of them are returned instead (``matched == "some"``), best first. Raises
    :class:`marja.core.fulltext.SearchQueryError` for a query that cannot be searched.
    """
    query = parse_query(request.text)
    now = now or timezone.now()
    base = request.filters.apply(datasets_visible_to(user))
    matched: Literal["all", "some", "none"] = "all" if query.clauses else "none"
    any_clause = False
    found = _text_matches(base, query, any_clause=False)
    count = found.count()
    if count == 0 and len(query.clauses) > 1:
        some = _text_matches(base, query, any_clause=True)
        if some_count := some.count():
            found, count, matched, any_clause = some, some_count, "some", True
    sort = request.sort or (Sort.RELEVANCE if query.clauses else Sort.UPDATED)
    ordered = _ordered(found, query, sort, any_clause=any_clause, now=now)
    return SearchResults(
        query=query,
        matched=matched,
        sort=sort,
        count=count,
        datasets=ordered.select_related("publisher", "theme", "search_document"),
        found=found,
    )


def matching(
    datasets: QuerySet[Dataset], text: str, *, now: dt.datetime | None = None
) -> QuerySet[Dataset]:
    """``datasets`` (already within someone's permissions) that have every word of
    ``text``, annotated with their ``score``; all of them, scored by upkeep, when
    ``text`` has no words. For other faces of the catalog (CKAN's package_search)."""
    query = parse_query(text)
    found = _text_matches(datasets, query, any_clause=False)
    return found.annotate(score=ranking.score(query, any_clause=False, now=now or timezone.now()))


def suggestions(user: AnyUser, text: str, *, limit: int = 8) -> list[Dataset]:
    """The best few datasets for what has been typed so far (every word a prefix)."""
    query = parse_query(text)
    if not query.clauses:
        return []
    found = _text_matches(datasets_visible_to(user), query, any_clause=False)
    ordered = _ordered(found, query, Sort.RELEVANCE, any_clause=False, now=timezone.now())
    return list(ordered.select_related("publisher")[:limit])


@lru_cache(maxsize=4096)
def _name_key(*names: str) -> str:
    return document_key([n for n in names if n], join_neighbours=True)


def organisations_matching(query: ParsedQuery, *, limit: int = 5) -> list[Organisation]:
    """Organisations whose name (Persian, English or abbreviation) has every word."""
    if not query.clauses:
        return []
    found = []
    for organisation in Organisation.objects.order_by("name_fa").only(
        "slug", "name_fa", "name_en", "abbreviation"
    ):
        key = _name_key(organisation.name_fa, organisation.name_en, organisation.abbreviation)
        if all(any(f" {a}" in key for a in c.alternatives) for c in query.clauses):
            found.append(organisation)
            if len(found) == limit:
                break
    return found


@dataclass(frozen=True)
class FacetValue:
    key: str
    label_fa: str
    label_en: str
    count: int
    selected: bool

    @property
    def label(self) -> str:
        return in_request_language(self.label_fa, self.label_en)


FACETS = ("organisation", "theme", "access", "county", "format", "frequency", "tag")


def facets_for(
    found: QuerySet[Dataset], filters: SearchFilters, *, limit: int = 20
) -> dict[str, list[FacetValue]]:
    """How many of ``found`` each value of each facet has, most first (``limit`` each).

    Counts combine with the text query and the selected filters; ``found`` already holds
    the caller's permissions.
    """
    ids = found.order_by().values("pk")
    among = Dataset.objects.filter(pk__in=ids).order_by()

    def counted(rows: Any) -> dict[Any, int]:
        return {key: n for key, n in rows.annotate(n=Count("pk")) if key not in (None, "")}

    organisations = counted(among.values_list("publisher"))
    themes = counted(among.values_list("theme"))
    counties = _link_counts(Dataset.counties.through, "county_id", ids)
    tags = _link_counts(Dataset.tags.through, "tag__name", ids)
    by_column = {name: counted(among.values_list(name)) for name in ("access", "frequency")}
    formats = counted(
        SearchDocument.objects.filter(dataset__in=ids).order_by().values_list("format")
    )
    selected = filters.selected()

    def values(
        name: str, counts: dict[str, int], labels: dict[str, tuple[str, str]]
    ) -> list[FacetValue]:
        items = [
            FacetValue(key, *labels.get(key, (key, key)), n, selected.get(name) == key)
            for key, n in counts.items()
            if key in labels or name == "tag"
        ]
        items.sort(key=lambda v: (-v.count, v.label_fa))
        return items[:limit]

    def choices(options: list[tuple[str, Any]]) -> dict[str, tuple[str, str]]:
        labels = {}
        for key, label in options:
            with translation.override("fa"):
                persian = str(label)
            with translation.override("en"):
                labels[key] = (persian, str(label))
        return labels

    org_rows = Organisation.objects.filter(pk__in=organisations).only("slug", "name_fa", "name_en")
    theme_rows = Theme.objects.filter(pk__in=themes)
    county_rows = County.objects.filter(pk__in=counties)
    return {
        "organisation": values(
            "organisation",
            {o.slug: organisations[o.pk] for o in org_rows},
            {o.slug: (o.name_fa, o.name_en) for o in org_rows},
        ),
        "theme": values(
            "theme",
            {t.slug: themes[t.pk] for t in theme_rows},
            {t.slug: (t.name_fa, t.name_en) for t in theme_rows},
        ),
        "access": values("access", by_column["access"], choices(Dataset.Access.choices)),
        "county": values(
            "county",
            {c.code: counties[c.pk] for c in county_rows},
            {c.code: (c.name_fa, c.name_en) for c in county_rows},
        ),
        "format": values("format", formats, {k: (v, v) for k, v in FORMAT_LABELS.items()}),
        "frequency": values(
            "frequency", by_column["frequency"], choices(Dataset.Frequency.choices)
        ),
        "tag": values("tag", tags, {}),
    }


def _link_counts(through: Any, key: str, ids: QuerySet[Any]) -> dict[Any, int]:
    rows = (
        through.objects.filter(dataset_id__in=ids)
        .order_by()
        .values_list(key)
        .annotate(n=Count("dataset_id"))
    )
    return dict(rows)
