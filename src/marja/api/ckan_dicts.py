"""marja's catalog entries in the shapes CKAN 2.11 gives them (package, resource, organization).

Identifiers: a package's ``id`` and ``name`` are both the dataset's identifier (slug); an
organization's are the organisation's identifier; themes are CKAN groups. Every dataset
with a published version has two resources, both readable with ``datastore_search``:

* ``<slug>``: the current version, whatever its number, as CSV (CKAN resources keep their
  id while their data is replaced, and so does this one);
* ``<slug>@v<N>``: version N itself, the immutable Parquet object, with its SHA-256.

Dates are CKAN's (ISO 8601, UTC, no zone); their Jalali forms are added as extras.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from marja.accounts.models import Organisation
from marja.api.ckan_base import Context, ckan_time, jalali_day, jalali_time
from marja.catalog.models import Dataset, Tag, Theme
from marja.ingest.models import DatasetVersion

#: ``<slug>`` (current version) or ``<slug>@v<number>`` / ``<slug>@<sha256 prefix>``.
_RESOURCE_ID = re.compile(r"^(?P<slug>[\w-]+)(?:@(?P<ref>v?\d+|[0-9a-f]{8,64}))?$")


def resource_ref(resource_id: str) -> tuple[str, str] | None:
    """The dataset slug and version reference a resource id names ("" = current)."""
    match = _RESOURCE_ID.match(resource_id.strip())
    if match is None:
        return None
    ref = (match["ref"] or "").removeprefix("v")
    return match["slug"], ref


def version_resource_id(dataset: Dataset, version: DatasetVersion) -> str:
    return f"{dataset.slug}@v{version.number}"


def organization_dict(
    organisation: Organisation, *, package_count: int | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": organisation.slug,
        "name": organisation.slug,
        "title": organisation.name,
        "display_name": organisation.name,
        "type": "organization",
        "description": organisation.description,
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(organisation.created_at),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "num_followers": 0,
        "extras": [
            {"key": "title_fa", "value": organisation.name_fa},
            {"key": "title_en", "value": organisation.name_en},
            {"key": "kind", "value": organisation.kind},
            {"key": "website", "value": organisation.website},
        ],
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def _package_organization(organisation: Organisation) -> dict[str, Any]:
    full = organization_dict(organisation)
    keys = ("id", "name", "title", "type", "description", "image_url", "created")
    return {k: full[k] for k in keys} | {
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }


def group_dict(theme: Theme) -> dict[str, Any]:
    return {
        "id": theme.slug,
        "name": theme.slug,
        "title": theme.name,
        "display_name": theme.name,
        "description": "",
        "image_display_url": "",
    }


def tag_dict(tag: Tag) -> dict[str, Any]:
    return {
        "id": tag.name,
        "name": tag.name,
        "display_name": tag.name,
        "state": "active",
        "vocabulary_id": None,
    }


def csv_url(ctx: Context, dataset: Dataset) -> str:
    root = reverse("api:api-root")
    return ctx.absolute(f"{root}datasets/{dataset.slug}/export?format=csv")


def parquet_url(ctx: Context, dataset: Dataset, version: DatasetVersion) -> str:
    return ctx.absolute(reverse("ingest:version_download", args=[dataset.slug, version.number]))


def _resource_common(dataset: Dataset, version: DatasetVersion, position: int) -> dict[str, Any]:
    return {
        "package_id": dataset.slug,
        "state": "active",
        "position": position,
        "datastore_active": True,
        "url_type": None,
        "resource_type": None,
        "cache_url": None,
        "created": ckan_time(version.published_at),
        "last_modified": ckan_time(version.published_at),
        "metadata_modified": ckan_time(version.published_at),
        "created_jalali": jalali_time(version.published_at),
        "last_modified_jalali": jalali_time(version.published_at),
        "version": version.number,
        "row_count": version.row_count,
    }


def resource_dicts(
    ctx: Context, dataset: Dataset, version: DatasetVersion | None
) -> list[dict[str, Any]]:
    """The current version as CSV (``<slug>``) and as its Parquet object (``<slug>@vN``)."""
    if version is None:
        return []
    current = _resource_common(dataset, version, 0) | {
        "id": dataset.slug,
        "name": f"{dataset.title} (CSV)",
        "description": dataset.description,
        "format": "CSV",
        "mimetype": "text/csv",
        "url": csv_url(ctx, dataset),
        "hash": "",
        "size": None,
    }
    immutable = _resource_common(dataset, version, 1) | {
        "id": version_resource_id(dataset, version),
        "name": f"{dataset.title} (v{version.number}, Parquet)",
        "description": version.note,
        "format": "Parquet",
        "mimetype": "application/vnd.apache.parquet",
        "url": parquet_url(ctx, dataset, version),
        "hash": f"sha256:{version.sha256}",
        "size": version.size,
    }
    return [current, immutable]


def metadata_modified(dataset: Dataset, version: DatasetVersion | None) -> Any:
    """The later of the last metadata change and the last publication."""
    if version is not None and version.published_at > dataset.updated_at:
        return version.published_at
    return dataset.updated_at


def _state(dataset: Dataset) -> str:
    return "draft" if dataset.status == Dataset.Status.DRAFT else "active"


def _extras(dataset: Dataset, version: DatasetVersion | None) -> list[dict[str, str]]:
    modified = metadata_modified(dataset, version)
    values = {
        "access_level": dataset.access,
        "status": dataset.status,
        "frequency": dataset.frequency,
        "title_fa": dataset.title_fa,
        "title_en": dataset.title_en,
        "notes_fa": dataset.description_fa,
        "notes_en": dataset.description_en,
        "theme": dataset.theme.slug,
        "counties": ",".join(c.code for c in dataset.counties.all()),
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "temporal_start_jalali": jalali_day(dataset.temporal_start),
        "temporal_end_jalali": jalali_day(dataset.temporal_end),
        "metadata_created_jalali": jalali_time(dataset.created_at),
        "metadata_modified_jalali": jalali_time(modified),
        "published_jalali": jalali_time(dataset.published_at),
    }
    if version is not None:
        values |= {
            "version_sha256": version.sha256,
            "row_count": str(version.row_count),
            "version_published": ckan_time(version.published_at) or "",
            "version_published_jalali": jalali_time(version.published_at),
        }
    return [{"key": key, "value": value} for key, value in values.items()]


def package_dict(ctx: Context, dataset: Dataset, version: DatasetVersion | None) -> dict[str, Any]:
    """``dataset`` as CKAN's ``package_show`` gives it; ``version`` is its current one.

    ``dataset`` should come with its publisher, theme and licence joined and its tags and
    counties prefetched (see :func:`marja.api.ckan_search.with_relations`).
    """
    tags = list(dataset.tags.all())
    resources = resource_dicts(ctx, dataset, version)
    licence = dataset.licence
    contact = dataset.contact_name or dataset.publisher.name
    return {
        "id": dataset.slug,
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "url": ctx.absolute(dataset.get_absolute_url()),
        "type": "dataset",
        "state": _state(dataset),
        "private": dataset.access != Dataset.Access.PUBLIC,
        "version": str(version.number) if version else None,
        "metadata_created": ckan_time(dataset.created_at),
        "metadata_modified": ckan_time(metadata_modified(dataset, version)),
        "author": dataset.publisher.name,
        "author_email": dataset.publisher.email or None,
        "maintainer": contact,
        "maintainer_email": dataset.contact_email or dataset.publisher.email or None,
        "license_id": licence.slug,
        "license_title": licence.name,
        "license_url": licence.url or None,
        "isopen": licence.is_open,
        "creator_user_id": None,
        "owner_org": dataset.publisher.slug,
        "organization": _package_organization(dataset.publisher),
        "groups": [group_dict(dataset.theme)],
        "tags": [tag_dict(tag) for tag in tags],
        "num_tags": len(tags),
        "extras": _extras(dataset, version),
        "resources": resources,
        "num_resources": len(resources),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
