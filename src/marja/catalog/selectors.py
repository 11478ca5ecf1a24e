"""Reads of the catalog, always through the permissions of the person asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from marja.accounts.models import Organisation
from marja.accounts.selectors import AnyUser, as_user, can_edit_for, organisations_of
from marja.catalog.models import County, Dataset, Tag, Theme
from marja.core.text import search_key

M = TypeVar("M", bound=Model)

VISIBLE_STATUSES = (Dataset.Status.PUBLISHED, Dataset.Status.DEPRECATED)


def datasets_visible_to(user: AnyUser) -> QuerySet[Dataset]:
    """Every dataset ``user`` may see in the catalog.

    Anonymous visitors: published public datasets. Government users (any membership):
    also ``internal`` ones, and ``restricted`` ones of their own organisations or of
    organisations that granted them access. Drafts: their publisher's members only.
    """
    datasets = Dataset.objects.all()
    member = as_user(user)
    if member is not None and member.is_superuser:
        return datasets
    published = Q(status__in=VISIBLE_STATUSES)
    if member is None:
        return datasets.filter(published, access=Dataset.Access.PUBLIC)
    own = organisations_of(member)
    today = timezone.localdate()
    granted = Q(grants__organisation__in=own) & (
        Q(grants__expires_on__isnull=True) | Q(grants__expires_on__gte=today)
    )
    readable = Q(access=Dataset.Access.PUBLIC) | Q(publisher__in=own)
    if own.exists():
        readable |= Q(access=Dataset.Access.INTERNAL)
        restricted_ids = datasets.filter(granted).values("pk")
        readable |= Q(access=Dataset.Access.RESTRICTED, pk__in=restricted_ids)
    visible = (published & readable) | Q(publisher__in=own)
    return datasets.filter(visible)


def dataset_for(user: AnyUser, slug: str, *, action: str = "read") -> Dataset:
    """The dataset ``slug`` if ``user`` may do ``action`` ("read" or "edit") on it.

    A dataset the user may not see is answered as not found, so its existence is not
    disclosed; one they see but may not edit is a permission error.
    """
    try:
        dataset = (
            datasets_visible_to(user).select_related("publisher", "theme", "licence").get(slug=slug)
        )
    except Dataset.DoesNotExist:
        raise Http404(slug) from None
    if action == "edit" and not can_edit_for(user, dataset.publisher):
        raise PermissionDenied
    return dataset


@dataclass(frozen=True)
class DatasetFilters:
    """What a catalog search asks for; every field is optional."""

    text: str = ""
    organisation: str = ""
    theme: str = ""
    tag: str = ""
    access: str = ""
    county: str = ""
    status: str = ""

    def apply(self, datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
        for term in search_key(self.text).split():
            datasets = datasets.filter(search_text__contains=term)
        if self.organisation:
            datasets = datasets.filter(publisher__slug=self.organisation)
        if self.theme:
            datasets = datasets.filter(theme__slug=self.theme)
        if self.tag:
            datasets = datasets.filter(tags__name=self.tag)
        if self.access:
            datasets = datasets.filter(access=self.access)
        if self.county:
            datasets = datasets.filter(counties__code=self.county)
        if self.status:
            datasets = datasets.filter(status=self.status)
        return datasets.distinct()


@dataclass
class FacetValue:
    key: str
    label: str
    count: int
    selected: bool


@dataclass
class Facets:
    organisation: list[FacetValue] = field(default_factory=list)
    theme: list[FacetValue] = field(default_factory=list)
    tag: list[FacetValue] = field(default_factory=list)
    access: list[FacetValue] = field(default_factory=list)
    county: list[FacetValue] = field(default_factory=list)


def search_datasets(user: AnyUser, filters: DatasetFilters) -> QuerySet[Dataset]:
    """The datasets ``user`` may see that match ``filters``, newest change first."""
    return (
        filters.apply(datasets_visible_to(user))
        .select_related("publisher", "theme")
        .order_by("-updated_at", "pk")
    )


def facets_for(
    matches: QuerySet[Dataset], filters: DatasetFilters, *, tag_limit: int = 20
) -> Facets:
    """Counts of ``matches`` by organisation, theme, tag, access level and county."""
    ids = matches.values("pk")

    def counted(model: type[M], *, order: str, limit: int | None = None) -> list[Any]:
        """Rows of ``model`` annotated with ``n``, how many matches point at them."""
        rows = (
            model._default_manager.annotate(
                n=Count("datasets", filter=Q(datasets__in=ids), distinct=True)
            )
            .filter(n__gt=0)
            .order_by("-n", order)
        )
        return list(rows[:limit] if limit else rows)

    organisations = counted(Organisation, order="name_fa")
    themes = counted(Theme, order="position")
    tags = counted(Tag, order="name", limit=tag_limit)
    counties = counted(County, order="name_fa")
    access_counts = dict(
        matches.order_by().values_list("access").annotate(n=Count("pk", distinct=True))
    )
    return Facets(
        organisation=[
            FacetValue(o.slug, o.name, o.n, o.slug == filters.organisation) for o in organisations
        ],
        theme=[FacetValue(t.slug, t.name, t.n, t.slug == filters.theme) for t in themes],
        tag=[FacetValue(t.name, t.name, t.n, t.name == filters.tag) for t in tags],
        access=[
            FacetValue(value, str(label), access_counts[value], value == filters.access)
            for value, label in Dataset.Access.choices
            if access_counts.get(value)
        ],
        county=[FacetValue(c.code, c.name, c.n, c.code == filters.county) for c in counties],
    )


@dataclass(frozen=True)
class CatalogCounts:
    datasets: int
    organisations: int
    themes: int
    counties: int


def catalog_counts(user: AnyUser) -> CatalogCounts:
    """What the home page counts, as far as ``user`` can see."""
    visible = datasets_visible_to(user)
    return CatalogCounts(
        datasets=visible.count(),
        organisations=Organisation.objects.filter(datasets__in=visible).distinct().count(),
        themes=Theme.objects.count(),
        counties=County.objects.count(),
    )


def latest_updates(user: AnyUser, limit: int = 6) -> QuerySet[Dataset]:
    return search_datasets(user, DatasetFilters())[:limit]


def themes_with_counts(user: AnyUser) -> QuerySet[Theme]:
    visible = datasets_visible_to(user).values("pk")
    return Theme.objects.annotate(
        n=Count("datasets", filter=Q(datasets__in=visible), distinct=True)
    ).order_by("position", "name_fa")
