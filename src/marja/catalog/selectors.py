"""Reads of the catalog, always through the permissions of the person asking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.accounts.selectors import (
    AnyUser,
    as_user,
    can_edit_for,
    membership_ended,
    organisations_of,
)
from marja.catalog.models import County, Dataset, DatasetGrant, Theme
from marja.common.access import ExplainedDenial

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
    granted = Q(
        grants__organisation__in=own,
        grants__revoked_at__isnull=True,
        grants__expires_at__gt=timezone.now(),
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
        explain_absence(user, slug)
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


def active_grants(
    dataset: Dataset, organisations: QuerySet[Organisation]
) -> QuerySet[DatasetGrant]:
    """The grants of ``dataset`` to ``organisations`` that are in force now."""
    return grants_in_force([dataset.pk], organisations)


def grants_in_force(
    datasets: Iterable[int], organisations: QuerySet[Organisation] | Iterable[int]
) -> QuerySet[DatasetGrant]:
    """The grants of any of ``datasets`` (their ids) to ``organisations`` in force now."""
    return DatasetGrant.objects.filter(
        dataset__in=list(datasets),
        organisation__in=organisations,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("organisation")


def explain_absence(user: AnyUser, slug: str) -> None:
    """Say why a dataset a person could read before is closed to them now.

    Raises :class:`ExplainedDenial` when ``user``'s organisation held a grant that has
    expired or was revoked, or when ``user`` was removed from the organisation whose
    membership gave the access; returns (the caller answers "not found") otherwise, so a
    dataset is disclosed only to those who could already see it.
    """
    member = as_user(user)
    if member is None:
        return
    dataset = Dataset.objects.select_related("publisher").filter(slug=slug).first()
    if dataset is None:
        return
    own = organisations_of(member)
    grant = dataset.grants.filter(organisation__in=own).select_related("organisation").first()
    if grant is not None and not grant.is_active():
        owner = dataset.publisher.name
        if grant.revoked_at is not None:
            raise ExplainedDenial(
                "grant_revoked",
                _("Access withdrawn"),
                _(
                    "«%(owner)s» revoked the access of «%(organisation)s» to this dataset "
                    "on %(when)s. Ask its administrators if you still need it."
                ),
                owner=owner,
                organisation=grant.organisation.name,
                when=grant.revoked_at,
            )
        raise ExplainedDenial(
            "grant_expired",
            _("Access expired"),
            _(
                "The access of «%(organisation)s» to this dataset, given by «%(owner)s», "
                "expired on %(when)s. Ask its administrators to renew it."
            ),
            owner=owner,
            organisation=grant.organisation.name,
            when=grant.expires_at,
        )
    left = membership_ended(
        member, [dataset.publisher_id, *dataset.grants.values_list("organisation_id", flat=True)]
    )
    if left is not None:
        organisation, when = left
        raise ExplainedDenial(
            "membership_ended",
            _("No longer a member"),
            _(
                "You were removed from «%(organisation)s» on %(when)s, so your account and "
                "its API tokens no longer reach that organisation's restricted data."
            ),
            organisation=organisation.name,
            when=when,
        )
