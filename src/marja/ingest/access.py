"""What a reader may see of a dataset's data, and the record of every restricted read.

:func:`data_access` decides, for a dataset the reader may already see in the catalog,
whether they read it whole (public and internal data; restricted data for its publisher's
members and system administrators) or through their organisation's grant, with its
column and row limits. Every way data leaves marja (pages, API rows, aggregates,
exports, SQL, the CKAN face, downloads) asks :meth:`DataAccess.restriction_for` for
the version it reads and calls :func:`record_read` once the data is on its way, so
every read of restricted data is in the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.accounts.selectors import AnyUser, as_user, organisations_of
from marja.catalog.models import Dataset, DatasetGrant
from marja.catalog.selectors import grants_in_force
from marja.common.access import ExplainedDenial
from marja.core.restriction import Restriction, RestrictionError, RowLimit
from marja.core.schema import Schema
from marja.ingest.models import DatasetVersion
from marja.ledger.services import record

#: Longest text of a query kept in a read's ledger entry.
_QUERY_CHARS = 2000


@dataclass(frozen=True)
class DataAccess:
    """How ``user`` reads ``dataset``: whole, or through ``grant``."""

    dataset: Dataset
    user: AnyUser
    grant: DatasetGrant | None = None

    @property
    def audited(self) -> bool:
        """Reads of restricted data are recorded, whoever reads them."""
        return self.dataset.access == Dataset.Access.RESTRICTED

    @property
    def limited(self) -> bool:
        return self.grant is not None and self.grant.is_limited

    @property
    def limits_rows(self) -> bool:
        return self.grant is not None and bool(self.grant.row_column)

    @property
    def restriction(self) -> Restriction | None:
        grant = self.grant
        if grant is None or not grant.is_limited:
            return None
        return Restriction(
            columns=tuple(grant.columns) if grant.columns else None,
            rows=RowLimit(grant.row_column, tuple(grant.row_values)) if grant.row_column else None,
        )

    def restriction_for(self, version: DatasetVersion) -> Restriction | None:
        """The restriction to read ``version`` through; raises :class:`ExplainedDenial`
        when the grant no longer fits the version (fail closed)."""
        restriction = self.restriction
        if restriction is None:
            return None
        try:
            restriction.schema(Schema.from_dict(version.schema))
        except RestrictionError as error:
            raise grant_misfit(self.dataset, version, error) from None
        return restriction

    def schema_of(self, schema: Schema) -> Schema:
        """``schema`` as this reader sees it (only granted columns)."""
        restriction = self.restriction
        if restriction is None:
            return schema
        try:
            return restriction.schema(schema)
        except RestrictionError:
            return Schema(fields=(), primary_key=())

    def stats_of(self, version: DatasetVersion) -> list[dict[str, Any]] | None:
        """The version's column statistics this reader may see (None: none)."""
        restriction = self.restriction
        return version.stats if restriction is None else restriction.stats(version.stats)


def grant_misfit(
    dataset: Dataset, version: DatasetVersion, error: RestrictionError
) -> ExplainedDenial:
    if error.code == "row_column_missing":
        return ExplainedDenial(
            "grant_rows_column_missing",
            _("The grant no longer fits the data"),
            _(
                "Your organisation's grant shares the rows of «%(dataset)s» by the column "
                "«%(column)s», which version %(version)s no longer has; so nothing can be "
                "shown. Ask «%(owner)s» to update the grant."
            ),
            dataset=dataset.slug,
            column=error.params["column"],
            version=version.number,
            owner=dataset.publisher.name,
        )
    return ExplainedDenial(
        "grant_columns_missing",
        _("The grant no longer fits the data"),
        _(
            "Your organisation's grant shares the columns %(columns)s of «%(dataset)s», none "
            "of which version %(version)s has any more. Ask «%(owner)s» to update the grant."
        ),
        dataset=dataset.slug,
        columns=", ".join(error.params["columns"]),
        version=version.number,
        owner=dataset.publisher.name,
    )


def data_access(user: AnyUser, dataset: Dataset) -> DataAccess:
    """How ``user`` reads ``dataset`` (which the catalog already lets them see).

    A reader whose organisations hold several grants reads through the widest: one
    without limits first, then the one with the most columns, then the oldest. Raises
    :class:`ExplainedDenial` when the data is closed to ``user``.
    """
    if dataset.access != Dataset.Access.RESTRICTED:
        return DataAccess(dataset, user)
    found = data_accesses(user, [dataset]).get(dataset.pk)
    if found is not None:
        return found
    if as_user(user) is None:
        raise ExplainedDenial("forbidden", _("Access denied"), _("Log in to read this data."))
    raise ExplainedDenial(
        "forbidden",
        _("Access denied"),
        _("Your organisation holds no grant to read this dataset's data."),
    )


def data_accesses(user: AnyUser, datasets: Iterable[Dataset]) -> dict[int, DataAccess]:
    """:func:`data_access` for many datasets in two queries (for lists); a dataset whose
    data ``user`` may not read is left out."""
    wanted = list(datasets)
    found = {d.pk: DataAccess(d, user) for d in wanted if d.access != Dataset.Access.RESTRICTED}
    restricted = [d for d in wanted if d.access == Dataset.Access.RESTRICTED]
    member = as_user(user)
    if not restricted or member is None:
        return found
    own = set(organisations_of(member).values_list("pk", flat=True))
    grants: dict[int, list[DatasetGrant]] = {}
    for grant in grants_in_force([d.pk for d in restricted if d.publisher_id not in own], own):
        grants.setdefault(grant.dataset_id, []).append(grant)
    for dataset in restricted:
        if member.is_superuser or dataset.publisher_id in own:
            found[dataset.pk] = DataAccess(dataset, user)
        elif dataset.pk in grants:
            found[dataset.pk] = DataAccess(dataset, user, _widest(grants[dataset.pk]))
    return found


def _widest(grants: list[DatasetGrant]) -> DatasetGrant:
    return min(
        grants,
        key=lambda g: (
            g.is_limited,
            bool(g.columns),
            -len(g.columns),
            bool(g.row_column),
            g.created_at,
        ),
    )


def reader_organisation(access: DataAccess) -> Organisation | None:
    """The organisation a read is made for: the grantee, else the publisher when the
    reader belongs to it."""
    if access.grant is not None:
        return access.grant.organisation
    member = as_user(access.user)
    if member is not None and organisations_of(member).filter(pk=access.dataset.publisher_id):
        return access.dataset.publisher
    return None


def record_read(
    access: DataAccess,
    version: DatasetVersion | None,
    *,
    through: str,
    query: dict[str, Any] | None = None,
    rows: int | None = None,
) -> None:
    """Record a read of restricted data in the ledger (nothing for other data).

    ``through``: page, preview, download, api, export, sql, ckan. ``query``: what was
    asked (filters, columns, SQL text), cut to a bounded size; ``rows``: how many rows
    went out, when known.
    """
    if not access.audited:
        return
    asked = {k: (v[:_QUERY_CHARS] if isinstance(v, str) else v) for k, v in (query or {}).items()}
    with transaction.atomic():
        record(
            "data.read",
            actor=as_user(access.user),
            organisation=reader_organisation(access),
            object_type="dataset",
            object_id=access.dataset.slug,
            payload={
                "version": version.number if version is not None else None,
                "sha256": version.sha256 if version is not None else None,
                "through": through,
                "grant": access.grant.pk if access.grant is not None else None,
                "query": asked,
                "rows": rows,
            },
        )
