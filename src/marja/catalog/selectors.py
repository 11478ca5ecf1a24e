"""Reads of the catalog, always through the permissions of the person asking."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from marja.accounts.models import Organisation
from marja.accounts.selectors import AnyUser, as_user, can_edit_for, organisations_of
from marja.catalog.models import County, Dataset, Theme

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


def datasets_of(user: AnyUser, organisation: Organisation) -> QuerySet[Dataset]:
    """The datasets of ``organisation`` that ``user`` may see, newest change first."""
    return (
        datasets_visible_to(user)
        .filter(publisher=organisation)
        .select_related("publisher", "theme")
        .order_by("-updated_at", "pk")
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
    return (
        datasets_visible_to(user)
        .select_related("publisher", "theme")
        .order_by("-updated_at", "pk")[:limit]
    )


def themes_with_counts(user: AnyUser) -> QuerySet[Theme]:
    visible = datasets_visible_to(user).values("pk")
    return Theme.objects.annotate(
        n=Count("datasets", filter=Q(datasets__in=visible), distinct=True)
    ).order_by("position", "name_fa")
