"""Reads of versions, publications and schemas, through the reader's permissions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from marja.accounts.models import Membership
from marja.accounts.selectors import AnyUser, as_user
from marja.catalog.models import County, Dataset
from marja.core.convert import reference_aliases
from marja.core.schema import Schema
from marja.ingest.models import DatasetSchema, DatasetVersion, Publication

PUBLISHING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def can_publish(user: AnyUser, dataset: Dataset) -> bool:
    """Editors and admins of the dataset's publishing organisation, and nobody else."""
    member = as_user(user)
    if member is None:
        return False
    return member.memberships.filter(
        organisation_id=dataset.publisher_id, role__in=PUBLISHING_ROLES
    ).exists()


def current_version(dataset: Dataset) -> DatasetVersion | None:
    return dataset.versions.order_by("-number").first()


def versions_of(dataset: Dataset) -> QuerySet[DatasetVersion]:
    """Versions of a dataset the caller has already been allowed to read."""
    return dataset.versions.select_related("published_by", "ledger_entry").order_by("-number")


def version_of(dataset: Dataset, number: int) -> DatasetVersion:
    try:
        return dataset.versions.select_related("published_by", "ledger_entry").get(number=number)
    except DatasetVersion.DoesNotExist:
        raise Http404 from None


def declared_schema(dataset: Dataset) -> Schema | None:
    try:
        return Schema.from_dict(dataset.schema.definition)
    except DatasetSchema.DoesNotExist:
        return None


def publication_for(user: AnyUser, dataset: Dataset, publication_id: str) -> Publication:
    """A publication of ``dataset``: visible to those who may publish it, or who started it."""
    member = as_user(user)
    try:
        publication = dataset.publications.select_related("version", "created_by").get(
            pk=publication_id
        )
    except (Publication.DoesNotExist, ValueError):
        raise Http404 from None
    if member is None or not (
        can_publish(member, dataset) or publication.created_by_id == member.pk
    ):
        raise Http404
    return publication


def publications_of(dataset: Dataset) -> QuerySet[Publication]:
    return dataset.publications.select_related("version", "created_by").order_by("-created_at")


def reference_lists() -> dict[str, dict[str, str]]:
    """Alias→code maps of the reference lists a field may point at."""
    from marja.accounts.models import Organisation

    counties = {
        c.code: (c.name_fa, c.name_en) for c in County.objects.only("code", "name_fa", "name_en")
    }
    organisations = {
        o.slug: (o.name_fa, o.name_en)
        for o in Organisation.objects.only("slug", "name_fa", "name_en")
    }
    return {
        "counties": reference_aliases(counties),
        "organisations": reference_aliases(organisations),
    }
