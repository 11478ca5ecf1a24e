"""Which version of which dataset a caller may query, and which tables SQL may see."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404

from marja.accounts.selectors import AnyUser
from marja.catalog.models import County, Dataset
from marja.catalog.selectors import dataset_for, datasets_visible_to
from marja.core.convert import reference_aliases
from marja.core.restriction import Restriction
from marja.core.schema import Schema
from marja.ingest.access import DataAccess, data_access
from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store

_HASH = re.compile(r"^[0-9a-f]{8,64}$")
#: A version number: ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails).
_NUMBER = re.compile(r"^[0-9]{1,7}$")


class VersionNotFoundError(Http404):
    """The dataset exists for the caller but has no such version (or none yet)."""


def readable_version(
    user: AnyUser, slug: str, reference: str | None = None
) -> tuple[Dataset, DatasetVersion]:
    """The dataset ``slug`` and one of its versions, if ``user`` may read it.

    ``reference`` is a version number, the content hash (SHA-256) or at least its first
    eight characters; empty means the current version.
    """
    dataset = dataset_for(user, slug)
    versions = dataset.versions.all()
    ref = (reference or "").strip().lower()
    if not ref:
        version = versions.order_by("-number").first()
    elif _NUMBER.match(ref):
        version = versions.filter(number=int(ref)).first()
    elif _HASH.match(ref):
        matches = list(versions.filter(sha256__startswith=ref)[:2])
        version = matches[0] if len(matches) == 1 else None
    else:
        version = None
    if version is None:
        raise VersionNotFoundError(ref)
    return dataset, version


@dataclass(frozen=True)
class VersionRead:
    """One version of one dataset, as one reader may read it."""

    dataset: Dataset
    version: DatasetVersion
    access: DataAccess
    #: The grant's limits for this version (None: the whole version).
    restriction: Restriction | None

    @property
    def schema(self) -> Schema:
        """The version's schema as this reader sees it (granted columns only)."""
        stored = version_schema(self.version)
        return self.restriction.schema(stored) if self.restriction else stored


def version_to_read(user: AnyUser, slug: str, reference: str | None = None) -> VersionRead:
    """Like :func:`readable_version`, with how ``user`` may read the version's data.

    Raises ``Http404`` (:class:`VersionNotFoundError` for a missing version) and
    :class:`marja.common.access.ExplainedDenial` when the data is closed to ``user``.
    """
    dataset, version = readable_version(user, slug, reference)
    access = data_access(user, dataset)
    return VersionRead(dataset, version, access, access.restriction_for(version))


def version_schema(version: DatasetVersion) -> Schema:
    return Schema.from_dict(version.schema)


def version_path(version: DatasetVersion) -> Path:
    return object_store().open(version.sha256)


def county_aliases() -> dict[str, str]:
    """Every way a county may be written (code, Persian and English name) → its code."""
    counties = {
        c.code: (c.name_fa, c.name_en) for c in County.objects.only("code", "name_fa", "name_en")
    }
    return reference_aliases(counties)


def county_names() -> dict[str, str]:
    """County code → its name in the request's language, for display."""
    return {c.code: c.name for c in County.objects.only("code", "name_fa", "name_en")}


def sql_tables(
    user: AnyUser, names: Iterable[str] | None = None
) -> dict[str, tuple[Dataset, DatasetVersion]]:
    """The tables a SQL query of ``user`` sees: the current version of each dataset whose
    data they may read, named by its slug; only those called ``names`` (slug, or with
    underscores for hyphens) when given. (:func:`sql_reads` adds how each is read.)"""
    latest = (
        DatasetVersion.objects.filter(dataset=OuterRef("pk")).order_by("-number").values("pk")[:1]
    )
    datasets = (
        datasets_visible_to(user).annotate(latest=Subquery(latest)).filter(latest__isnull=False)
    )
    if names is not None:
        wanted = {n.lower() for n in names}
        datasets = datasets.filter(slug__in=wanted | {n.replace("_", "-") for n in wanted})
    versions = DatasetVersion.objects.in_bulk([d.latest for d in datasets])
    return {d.slug: (d, versions[d.latest]) for d in datasets}


def sql_reads(user: AnyUser, names: Iterable[str] | None = None) -> dict[str, VersionRead]:
    """:func:`sql_tables` with how ``user`` reads each table; a dataset whose grant no
    longer fits its current version is left out (its name is then unknown to SQL)."""
    reads = {}
    for slug, (dataset, version) in sql_tables(user, names).items():
        try:
            access = data_access(user, dataset)
            reads[slug] = VersionRead(dataset, version, access, access.restriction_for(version))
        except PermissionDenied:
            continue
    return reads
