"""Every change to the catalog: atomic, permission-checked, one function per act.

Pages, the admin and the CLI all write through these functions; each records its event
in the ledger inside the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from marja.accounts.models import Organisation, User
from marja.accounts.selectors import can_edit_for
from marja.catalog.models import (
    County,
    Dataset,
    Licence,
    ReferenceListVersion,
    Tag,
    Theme,
)
from marja.core.text import normalize
from marja.ledger.services import record


@dataclass
class DatasetIn:
    """The metadata of a dataset as a publisher states it."""

    slug: str
    title_fa: str
    publisher: Organisation
    theme: Theme
    licence: Licence
    frequency: str
    title_en: str = ""
    description_fa: str = ""
    description_en: str = ""
    access: str = Dataset.Access.PUBLIC
    status: str = Dataset.Status.DRAFT
    temporal_start: date | None = None
    temporal_end: date | None = None
    contact_name: str = ""
    contact_email: str = ""
    tags: list[str] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)


_SCALAR_FIELDS = (
    "slug", "title_fa", "title_en", "description_fa", "description_en", "publisher",
    "theme", "licence", "frequency", "access", "status", "temporal_start", "temporal_end",
    "contact_name", "contact_email",
)  # fmt: skip


def _check_can_edit(actor: User | None, organisation: Organisation) -> None:
    """``actor`` None is the operator at the console (CLI, demo loader): trusted."""
    if actor is not None and not can_edit_for(actor, organisation):
        raise PermissionDenied


def _tags_named(names: Iterable[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = normalize(raw, digits="keep")
        if name:
            tags.append(Tag.objects.get_or_create(name=name)[0])
    return tags


def _apply(dataset: Dataset, data: DatasetIn) -> None:
    for name in _SCALAR_FIELDS:
        value = getattr(data, name)
        if isinstance(value, str) and name not in ("slug", "contact_email"):
            value = normalize(value, digits="keep")
        setattr(dataset, name, value)
    if dataset.status == Dataset.Status.PUBLISHED and dataset.published_at is None:
        dataset.published_at = timezone.now()


def _save(dataset: Dataset, data: DatasetIn) -> Dataset:
    tags = _tags_named(data.tags)
    dataset.full_clean(exclude=["tags", "counties"])
    dataset.save()
    dataset.tags.set(tags)
    dataset.counties.set(data.counties)
    return dataset


@transaction.atomic
def create_dataset(data: DatasetIn, *, actor: User | None) -> Dataset:
    """Add a dataset to the catalog under ``data.publisher``."""
    _check_can_edit(actor, data.publisher)
    dataset = Dataset()
    _apply(dataset, data)
    _save(dataset, data)
    record(
        "dataset.created", actor=actor, organisation=dataset.publisher,
        object_type="dataset", object_id=dataset.slug,
        payload={"title_fa": dataset.title_fa, "access": dataset.access},
    )  # fmt: skip
    return dataset


def _changes(dataset: Dataset, data: DatasetIn) -> list[str]:
    """The names of what applying ``data`` would change for ``dataset``."""
    probe = Dataset(pk=dataset.pk, published_at=dataset.published_at)
    _apply(probe, data)
    fields = [*_SCALAR_FIELDS, "published_at"]
    changed = [name for name in fields if getattr(probe, name) != getattr(dataset, name)]
    tags = {normalize(name, digits="keep") for name in data.tags} - {""}
    if set(dataset.tags.values_list("name", flat=True)) != tags:
        changed.append("tags")
    if set(dataset.counties.values_list("pk", flat=True)) != {c.pk for c in data.counties}:
        changed.append("counties")
    return changed


@transaction.atomic
def update_dataset(dataset: Dataset, data: DatasetIn, *, actor: User) -> Dataset:
    """Change a dataset's metadata; moving it to another publisher needs rights in both.

    Saving what is already stored changes nothing (``updated_at`` stays).
    """
    _check_can_edit(actor, dataset.publisher)
    _check_can_edit(actor, data.publisher)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    changed = _changes(dataset, data)
    if not changed:
        return dataset
    _apply(dataset, data)
    _save(dataset, data)
    record(
        "dataset.changed", actor=actor, organisation=dataset.publisher,
        object_type="dataset", object_id=dataset.slug, payload={"fields": changed},
    )  # fmt: skip
    return dataset


def reference_snapshot(list_name: str) -> list[dict[str, Any]]:
    """The current content of a reference list, in a stable order."""
    rows: Any
    if list_name == "counties":
        rows = County.objects.order_by("code").values(
            "code", "name_fa", "name_en", "capital_fa", "population_1395", "households_1395",
            "source", "province__code",
        )  # fmt: skip
    elif list_name == "organisations":
        rows = Organisation.objects.order_by("slug").values(
            "slug", "name_fa", "name_en", "abbreviation", "kind", "parent__slug"
        )
    else:
        raise ValueError(f"unknown reference list {list_name!r}")
    return list(rows)


REFERENCE_LISTS = ("counties", "organisations")


@transaction.atomic
def record_reference_version(
    list_name: str, *, actor: User | None, note: str = ""
) -> ReferenceListVersion | None:
    """Record the list's current content as a new version, if it changed.

    Returns the new version, or ``None`` when the content equals the latest version.
    """
    content = reference_snapshot(list_name)
    digest = hashlib.sha256(
        json.dumps(content, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
    latest = (
        ReferenceListVersion.objects.select_for_update()
        .filter(list_name=list_name)
        .order_by("-number")
        .first()
    )
    if latest is not None and latest.sha256 == digest:
        return None
    return ReferenceListVersion.objects.create(
        list_name=list_name,
        number=(latest.number + 1) if latest else 1,
        sha256=digest,
        content=content,
        note=note,
        created_by=actor,
    )
