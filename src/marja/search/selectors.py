"""Searching the catalog, always through the permissions of the person asking.

Everything starts from :func:`marja.catalog.selectors.datasets_visible_to`: the text match,
the filters, the count and every facet count are computed inside that one query, so a
dataset someone may not see is in no result and no count.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Literal

from django.db import models
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.accounts.selectors import AnyUser
from marja.catalog.models import County, Dataset, Tag, Theme
from marja.catalog.selectors import datasets_visible_to
from marja.common.language import in_request_language
from marja.core.fulltext import ParsedQuery, document_key, parse_query
from marja.core.quality import Timeliness
from marja.core.text import normalize
from marja.ingest.access import data_accesses
from marja.search import ranking
from marja.search.engine import among, ids_of, matching_ids
from marja.search.indexing import FORMAT_LABELS
from marja.search.models import SearchFacts


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
    quality: str = ""
    timeliness: str = ""

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
            datasets = datasets.filter(search_facts__format=self.format)
        for name in ("access", "frequency", "status"):
            if value := getattr(self, name):
                datasets = datasets.filter(**{name: value})
        if self.quality:
            datasets = datasets.filter(search_facts__grade=self.quality)
        if self.timeliness:
            datasets = datasets.filter(timeliness_is(self.timeliness, timezone.now()))
        return datasets

    def selected(self) -> dict[str, str]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name))}


def timeliness_is(state: str, now: dt.datetime, prefix: str = "search_facts__") -> Q:
    """Datasets whose timeliness (:mod:`marja.core.quality`) is ``state`` at ``now``."""
    updated, due, stale = (f"{prefix}{n}" for n in ("data_updated_at", "due_at", "stale_at"))
    conditions: dict[str, Q] = {
        Timeliness.NO_DATA: Q(**{f"{updated}__isnull": True}),
        Timeliness.UNSCHEDULED: Q(**{f"{updated}__isnull": False, f"{due}__isnull": True}),
        Timeliness.ON_TIME: Q(**{f"{due}__gte": now}),
        Timeliness.LATE: Q(**{f"{due}__lt": now, f"{stale}__gte": now}),
        Timeliness.STALE: Q(**{f"{stale}__lt": now}),
    }
    return conditions.get(state, Q(pk__in=[]))


def timeliness_case(now: dt.datetime) -> Case:
    """Each dataset's timeliness at ``now``, as SQL (over its search facts)."""
    return Case(
        *(
            When(timeliness_is(state, now, prefix=""), then=Value(state.value))
            for state in Timeliness
        ),
        default=Value(""),
        output_field=models.CharField(),
    )


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
    #: Every matching dataset's id, in no order.
    ids: list[int]
    #: The matching datasets as a query (text, permissions, filters), for facet counts.
    found: QuerySet[Dataset]
    #: The matches in order, annotated with ``score``: for a page of :meth:`page`.
    ordered: QuerySet[Dataset]
    now: dt.datetime
    #: Who searched: a restricted dataset read through a grant of some columns names
    #: only those among its matching fields.
    viewer: AnyUser | None = None

    @property
    def count(self) -> int:
        return len(self.ids)

    def page(self, offset: int, limit: int, *, prefetch: tuple[str, ...] = ()) -> list[Dataset]:
        """Datasets ``offset`` to ``offset + limit``, annotated with ``score``.

        In two steps: the order is computed over narrow rows (id, score, date), then only
        the page's rows are read whole. Sorting every match with all its columns made
        PostgreSQL spill its sort to disk.
        """
        ids = list(self.ordered.values_list("pk", flat=True)[offset : offset + limit])
        rows = (
            Dataset.objects.filter(pk__in=ids)
            .annotate(
                score=ranking.score(self.query, any_clause=self.matched == "some", now=self.now)
            )
            .select_related("publisher", "theme", "search_document", "search_facts")
            .prefetch_related(*prefetch)
        )
        by_id = {d.pk: d for d in rows}
        found: list[Dataset] = [by_id[i] for i in ids if i in by_id]
        if self.viewer is not None:
            _keep_granted_fields(self.viewer, found)
        return found


def _keep_granted_fields(viewer: AnyUser, datasets: list[Dataset]) -> None:
    """Leave in the loaded search documents of restricted ``datasets`` only the fields
    ``viewer`` may see (those of their grant)."""
    restricted = [d for d in datasets if d.access == Dataset.Access.RESTRICTED]
    if not restricted:
        return
    accesses = data_accesses(viewer, restricted)
    for dataset in restricted:
        access = accesses.get(dataset.pk)
        restriction = access.restriction if access is not None else None
        document = dataset.search_document
        if access is None:
            document.fields = []
        elif restriction is not None and restriction.columns is not None:
            granted = set(restriction.columns)
            document.fields = [f for f in document.fields if f and f[0] in granted]


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
    if sort is Sort.TITLE:
        language = "en" if translation.get_language() == "en" else "fa"
        return found.order_by(f"search_facts__title_{language}_sort", "pk")
    if sort is Sort.UPDATED:
        return found.order_by("-updated_at", "pk")
    ranked = found.annotate(score=ranking.score(query, any_clause=any_clause, now=now))
    return ranked.order_by("-score", "-updated_at", "pk")


def search(
    user: AnyUser, request: SearchRequest, *, now: dt.datetime | None = None
) -> SearchResults:
    """Datasets ``user`` may see that match ``request``.

    The text match, the permissions and the filters run as one query that yields the
    matching ids, for the count and the facets; a page is ordered from the same query
    (see :meth:`SearchResults.page`). When no
    dataset has every word of a query of several words, the datasets with some of them
    are returned instead (``matched == "some"``), best first. Raises
    :class:`marja.core.fulltext.SearchQueryError` for a query that cannot be searched.
    """
    query = parse_query(request.text)
    now = now or timezone.now()
    base = request.filters.apply(datasets_visible_to(user))
    matched: Literal["all", "some", "none"] = "all" if query.clauses else "none"
    any_clause = False
    found = _text_matches(base, query, any_clause=False)
    ids = ids_of(found)
    if not ids and len(query.clauses) > 1:
        some = _text_matches(base, query, any_clause=True)
        if some_ids := ids_of(some):
            found, ids, matched, any_clause = some, some_ids, "some", True
    sort = request.sort or (Sort.RELEVANCE if query.clauses else Sort.UPDATED)
    return SearchResults(
        query=query,
        matched=matched,
        sort=sort,
        ids=ids,
        found=found,
        ordered=_ordered(found, query, sort, any_clause=any_clause, now=now),
        now=now,
        viewer=user,
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


FACETS = (
    "organisation", "theme", "access", "county", "format", "frequency", "quality", "timeliness",
    "tag",
)  # fmt: skip


def facets_for(
    ids: list[int], filters: SearchFilters, *, limit: int = 20
) -> dict[str, list[FacetValue]]:
    """How many of the datasets ``ids`` each value of each facet has, most first
    (``limit`` each), in three counting queries over narrow rows.

    ``ids`` are a search's results (:attr:`SearchResults.ids`): the counts combine with
    its text and its filters, and hold its caller's permissions.
    """
    columns: dict[str, Counter[Any]] = {n: Counter() for n in _COLUMN_FACETS}
    rows = (
        SearchFacts.objects.filter(among((SearchFacts._meta.db_table, "dataset_id"), ids))
        .annotate(timeliness=timeliness_case(timezone.now()))
        .order_by()
        .values_list(*_COLUMN_FACETS.values())
        .annotate(n=Count("pk"))
    )
    for *keys, n in rows:
        for name, key in zip(_COLUMN_FACETS, keys, strict=True):
            if key not in (None, ""):
                columns[name][key] += n
    counties = _link_counts(Dataset.counties.through, "county_id", ids)
    tag_ids = _link_counts(Dataset.tags.through, "tag_id", ids)
    tags = Counter({t.name: tag_ids[t.pk] for t in Tag.objects.filter(pk__in=_most(tag_ids, 500))})
    selected = filters.selected()

    def values(
        name: str, counts: Mapping[Any, int], labels: dict[Any, tuple[str, str, str]]
    ) -> list[FacetValue]:
        """``labels``: the facet's key for each counted value, and its two names."""
        items = [
            FacetValue(key, fa, en, counts[value], selected.get(name) == key)
            for value, (key, fa, en) in labels.items()
            if counts.get(value)
        ]
        items.sort(key=lambda v: (-v.count, v.label_fa))
        return items[:limit]

    def choices(options: list[tuple[str, Any]]) -> dict[Any, tuple[str, str, str]]:
        labels = {}
        for key, label in options:
            with translation.override("fa"):
                persian = str(label)
            with translation.override("en"):
                labels[key] = (key, persian, str(label))
        return labels

    organisations = Organisation.objects.filter(pk__in=list(columns["organisation"]))
    themes = Theme.objects.filter(pk__in=list(columns["theme"]))
    county_rows = County.objects.filter(pk__in=list(counties))
    return {
        "organisation": values(
            "organisation",
            columns["organisation"],
            {
                o.pk: (o.slug, o.name_fa, o.name_en)
                for o in organisations.only("slug", "name_fa", "name_en")
            },
        ),
        "theme": values(
            "theme", columns["theme"], {t.pk: (t.slug, t.name_fa, t.name_en) for t in themes}
        ),
        "access": values("access", columns["access"], choices(Dataset.Access.choices)),
        "county": values(
            "county", counties, {c.pk: (c.code, c.name_fa, c.name_en) for c in county_rows}
        ),
        "format": values(
            "format", columns["format"], {k: (k, v, v) for k, v in FORMAT_LABELS.items()}
        ),
        "frequency": values("frequency", columns["frequency"], choices(Dataset.Frequency.choices)),
        "quality": values("quality", columns["quality"], choices(GRADE_CHOICES)),
        "timeliness": values("timeliness", columns["timeliness"], choices(TIMELINESS_CHOICES)),
        "tag": values("tag", tags, {name: (name, name, name) for name in tags}),
    }


#: Labels of the quality grades and of timeliness, as the facets show them.
GRADE_CHOICES = [
    ("A", _("A: very good")),
    ("B", _("B: good")),
    ("C", _("C: fair")),
    ("D", _("D: poor")),
]
TIMELINESS_CHOICES = [
    (Timeliness.ON_TIME.value, _("on time")),
    (Timeliness.LATE.value, _("late")),
    (Timeliness.STALE.value, _("stale")),
    (Timeliness.UNSCHEDULED.value, _("no update promised")),
    (Timeliness.NO_DATA.value, _("no data yet")),
]


#: Facets that are a column of the search facts, counted together in one GROUP BY.
_COLUMN_FACETS = {
    "organisation": "publisher_key",
    "theme": "theme_key",
    "access": "access",
    "frequency": "frequency",
    "format": "format",
    "quality": "grade",
    "timeliness": "timeliness",
}


def _link_counts(through: Any, key: str, ids: list[int]) -> Counter[Any]:
    rows = (
        through.objects.filter(among((through._meta.db_table, "dataset_id"), ids))
        .order_by()
        .values_list(key)
        .annotate(n=Count("dataset_id"))
    )
    return Counter(dict(rows))


def _most(counts: Counter[int], n: int) -> list[int]:
    """The ``n`` most counted keys, and any tied with the last of them."""
    ranked = counts.most_common()
    if len(ranked) <= n:
        return [key for key, _ in ranked]
    floor = ranked[n - 1][1]
    return [key for key, count in ranked if count >= floor]
