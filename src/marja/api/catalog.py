"""The catalog as JSON: datasets, their versions and schemas, organisations.

Everything is read through the catalog's and ingest's selectors, so a caller sees exactly
what the pages show them: public datasets for everyone, internal ones for government
users, restricted ones for their publisher and the organisations it granted.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from marja.accounts.models import Organisation
from marja.api.auth import caller
from marja.api.errors import ApiError
from marja.api.schemas import (
    CheckpointRef,
    ContactOut,
    CountyOut,
    DatasetLinks,
    DatasetOut,
    DatasetPage,
    DatasetSummaryOut,
    DiffSummaryOut,
    LedgerEntryRef,
    LicenceOut,
    Named,
    OrganisationOut,
    PageParams,
    ProofOut,
    QualityOut,
    SourceFileOut,
    VersionOut,
    VersionPage,
    VersionSummaryOut,
    api_url,
    errors,
    jalali_date,
    jalali_moment,
    page_links,
)
from marja.catalog.models import Dataset
from marja.catalog.selectors import dataset_for, datasets_visible_to
from marja.core.export import ExportFormat
from marja.core.fulltext import SearchQueryError
from marja.core.schema import Schema as TableSchema
from marja.ingest.access import DataAccess, data_access
from marja.ingest.models import DatasetVersion
from marja.ingest.quality import quality_of
from marja.ingest.receipts import covering_checkpoint, covering_checkpoints
from marja.ingest.selectors import current_version, declared_schema, versions_of
from marja.ledger.models import LedgerCheckpoint
from marja.query.selectors import VersionNotFoundError, readable_version
from marja.search.messages import SEARCH_MESSAGES
from marja.search.selectors import SearchFilters, SearchRequest, SearchResults, search

router = Router(tags=["catalog"])

#: Formats of ``/api/v1/datasets/{slug}/export?format=…``, linked from every dataset.
EXPORT_FORMATS = tuple(f.value for f in ExportFormat)


class DatasetParams(PageParams):
    q: str = ""
    organisation: str = ""
    theme: str = ""
    tag: str = ""
    access: str = ""
    county: str = ""
    status: str = ""


def dataset_or_404(request: HttpRequest, slug: str) -> Dataset:
    """The dataset ``slug`` if the caller may see it; otherwise 404 ``dataset_not_found``
    (a dataset the caller may not see is not disclosed)."""
    try:
        return dataset_for(caller(request), slug)
    except Http404:
        raise dataset_not_found(slug) from None


def dataset_not_found(slug: str) -> ApiError:
    return ApiError(
        404,
        "dataset_not_found",
        _("There is no dataset «%(dataset)s», or you may not see it."),
        dataset=slug,
    )


def check_choice(name: str, value: str, choices: list[str]) -> None:
    if value and value not in choices:
        raise ApiError(
            400,
            "invalid_filter",
            _("«%(value)s» is not a valid %(name)s; use one of: %(choices)s."),
            value=value,
            name=name,
            choices=", ".join(choices),
        )


def query_error(exc: SearchQueryError) -> ApiError:
    """A query the search cannot run (too long, too many words), as a 400 answer."""
    params: dict[str, Any] = dict(exc.params)
    return ApiError(400, exc.code, SEARCH_MESSAGES[exc.code], **params)


def run_search(request: HttpRequest, wanted: SearchRequest) -> SearchResults:
    """``search`` for the API's caller, its refusals as 400 answers."""
    try:
        return search(caller(request), wanted)
    except SearchQueryError as exc:
        raise query_error(exc) from None


def _named(item: Any, key: str = "slug") -> Named:
    return Named(slug=getattr(item, key), name_fa=item.name_fa, name_en=item.name_en)


def dataset_summary(request: HttpRequest, dataset: Dataset) -> DatasetSummaryOut:
    return DatasetSummaryOut(
        slug=dataset.slug,
        title_fa=dataset.title_fa,
        title_en=dataset.title_en,
        publisher=_named(dataset.publisher),
        theme=_named(dataset.theme),
        tags=[tag.name for tag in dataset.tags.all()],
        access=dataset.access,
        status=dataset.status,
        frequency=dataset.frequency,
        created_at=dataset.created_at,
        created_at_jalali=jalali_moment(dataset.created_at) or "",
        updated_at=dataset.updated_at,
        updated_at_jalali=jalali_moment(dataset.updated_at) or "",
        published_at=dataset.published_at,
        published_at_jalali=jalali_moment(dataset.published_at),
        url=api_url(request, f"datasets/{dataset.slug}"),
        page_url=request.build_absolute_uri(dataset.get_absolute_url()),
    )


def dataset_links(request: HttpRequest, dataset: Dataset) -> DatasetLinks:
    base = f"datasets/{dataset.slug}"
    return DatasetLinks(
        page=request.build_absolute_uri(dataset.get_absolute_url()),
        versions=api_url(request, f"{base}/versions"),
        schema_url=api_url(request, f"{base}/schema"),
        rows=api_url(request, f"{base}/rows"),
        aggregate=api_url(request, f"{base}/aggregate"),
        publications=api_url(request, f"{base}/publications"),
        exports={f: api_url(request, f"{base}/export", f"format={f}") for f in EXPORT_FORMATS},
    )


def version_summary(
    request: HttpRequest, dataset: Dataset, version: DatasetVersion
) -> VersionSummaryOut:
    return VersionSummaryOut(
        number=version.number,
        sha256=version.sha256,
        row_count=version.row_count,
        size=version.size,
        published_at=version.published_at,
        published_at_jalali=jalali_moment(version.published_at) or "",
        url=api_url(request, f"datasets/{dataset.slug}/versions/{version.number}"),
    )


def _diff_summary(diff: dict[str, Any] | None) -> DiffSummaryOut | None:
    if not diff:
        return None
    return DiffSummaryOut(
        by=diff.get("by", "row"),
        key=list(diff.get("key", [])),
        added=diff.get("added", 0),
        removed=diff.get("removed", 0),
        changed=diff.get("changed", 0),
        unchanged=diff.get("unchanged", 0),
        columns_added=list(diff.get("columns_added", [])),
        columns_removed=list(diff.get("columns_removed", [])),
    )


def version_out(
    request: HttpRequest,
    dataset: Dataset,
    version: DatasetVersion,
    checkpoint: LedgerCheckpoint | Literal["look up"] | None = "look up",
    access: DataAccess | None = None,
) -> VersionOut:
    """A version as the caller may see it: with a limited grant, the schema and statistics
    of the granted columns only, and no statistics or diff when rows are limited."""
    access = access or data_access(caller(request), dataset)
    visible = access.schema_of(TableSchema.from_dict(version.schema))
    url = api_url(request, f"datasets/{dataset.slug}/versions/{version.number}")
    download = reverse("ingest:version_download", args=[dataset.slug, version.number])
    return VersionOut(
        dataset=dataset.slug,
        number=version.number,
        sha256=version.sha256,
        size=version.size,
        row_count=version.row_count,
        excluded_rows=version.excluded_rows,
        table_schema=visible.to_dict(),
        stats=access.stats_of(version) or [],
        diff=None if access.limits_rows else _diff_summary(version.diff),
        note=version.note,
        source=SourceFileOut(
            name=version.source_name, sha256=version.source_sha256, size=version.source_size
        ),
        published_by=version.published_by.username if version.published_by else None,
        channel=version.channel,
        published_at=version.published_at,
        published_at_jalali=jalali_moment(version.published_at) or "",
        url=url,
        download_url=request.build_absolute_uri(download),
        rows_url=api_url(request, f"datasets/{dataset.slug}/rows", f"version={version.number}"),
        proof=proof_out(
            request,
            dataset,
            version,
            covering_checkpoint(version) if checkpoint == "look up" else checkpoint,
        ),
    )


def proof_out(
    request: HttpRequest,
    dataset: Dataset,
    version: DatasetVersion,
    checkpoint: LedgerCheckpoint | None,
) -> ProofOut:
    entry = version.ledger_entry
    return ProofOut(
        content_hash=version.sha256,
        ledger_entry=LedgerEntryRef(
            sequence=entry.sequence, entry_hash=entry.entry_hash, recorded_at=entry.recorded_at
        )
        if entry is not None
        else None,
        checkpoint=CheckpointRef(
            id=checkpoint.pk,
            sequence=checkpoint.sequence,
            head_hash=checkpoint.head_hash,
            signed_at=checkpoint.signed_at,
            key_id=checkpoint.key_id,
        )
        if checkpoint is not None
        else None,
        receipt_url=api_url(request, f"datasets/{dataset.slug}/versions/{version.number}/receipt"),
        public_key_url=request.build_absolute_uri(reverse("ledger:public_key_pem")),
    )


@router.get(
    "/datasets",
    response={200: DatasetPage, **errors(400)},
    summary="Search and list datasets",
    description="The datasets the caller may see, newest change first; with `q`, the best "
    "matches first (the search of `/api/v1/search`, without facets). The other filters "
    "take a slug (`organisation`, `theme`), a tag, an access level (public, internal, "
    "restricted), a county code or a status (draft, published, deprecated). `count` "
    "counts only what the caller may see.",
    url_name="datasets",
)
def datasets(request: HttpRequest, params: Query[DatasetParams]) -> DatasetPage:
    check_choice("access", params.access, list(Dataset.Access.values))
    check_choice("status", params.status, list(Dataset.Status.values))
    filters = SearchFilters(
        organisation=params.organisation,
        theme=params.theme,
        tag=params.tag,
        access=params.access,
        county=params.county,
        status=params.status,
    )
    found = run_search(request, SearchRequest(params.q, filters))
    count = found.count
    page = found.page(params.offset, params.limit, prefetch=("tags",))
    return DatasetPage(
        count=count,
        results=[dataset_summary(request, d) for d in page],
        **page_links(request, count, params),
    )


@router.get(
    "/datasets/{slug}",
    response={200: DatasetOut, **errors(404)},
    by_alias=True,
    summary="One dataset: metadata, current version, links and declared schema",
    url_name="dataset",
)
def dataset(request: HttpRequest, slug: str) -> DatasetOut:
    found = dataset_or_404(request, slug)
    current = current_version(found)
    schema = declared_schema(found)
    licence = found.licence
    return DatasetOut(
        **dataset_summary(request, found).model_dump(),
        description_fa=found.description_fa,
        description_en=found.description_en,
        licence=LicenceOut(
            slug=licence.slug,
            name_fa=licence.name_fa,
            name_en=licence.name_en,
            url=licence.url,
            is_open=licence.is_open,
        ),
        temporal_start=found.temporal_start,
        temporal_start_jalali=jalali_date(found.temporal_start),
        temporal_end=found.temporal_end,
        temporal_end_jalali=jalali_date(found.temporal_end),
        counties=[
            CountyOut(code=c.code, name_fa=c.name_fa, name_en=c.name_en)
            for c in found.counties.order_by("code")
        ],
        contact=ContactOut(name=found.contact_name, email=found.contact_email),
        current_version=version_summary(request, found, current) if current else None,
        quality=QualityOut(**quality_of(found, current).to_dict()),
        links=dataset_links(request, found),
        table_schema=data_access(caller(request), found).schema_of(schema).to_dict()
        if schema
        else None,
    )


@router.get(
    "/datasets/{slug}/versions",
    response={200: VersionPage, **errors(400, 404)},
    by_alias=True,
    summary="Versions of a dataset, newest first",
    url_name="versions",
)
def versions(request: HttpRequest, slug: str, page: Query[PageParams]) -> VersionPage:
    found = dataset_or_404(request, slug)
    every = versions_of(found)
    count = every.count()
    shown = list(every[page.offset : page.offset + page.limit])
    checkpoints = covering_checkpoints(shown)
    access = data_access(caller(request), found)
    return VersionPage(
        count=count,
        results=[version_out(request, found, v, checkpoints.get(v.pk), access) for v in shown],
        **page_links(request, count, page),
    )


@router.get(
    "/datasets/{slug}/versions/{ref}",
    response={200: VersionOut, **errors(404)},
    by_alias=True,
    summary="One version of a dataset, by number or content hash (SHA-256, or 8+ characters)",
    url_name="version",
)
def version(request: HttpRequest, slug: str, ref: str) -> VersionOut:
    found, chosen = version_or_404(request, slug, ref)
    return version_out(request, found, chosen)


def version_or_404(request: HttpRequest, slug: str, ref: str) -> tuple[Dataset, DatasetVersion]:
    """The dataset and its version ``ref``, if the caller may see them; otherwise 404
    ``version_not_found`` or ``dataset_not_found``."""
    try:
        return readable_version(caller(request), slug, ref)
    except VersionNotFoundError:
        raise ApiError(
            404,
            "version_not_found",
            _("Dataset «%(dataset)s» has no version «%(version)s»."),
            dataset=slug,
            version=ref,
        ) from None
    except Http404:
        raise dataset_not_found(slug) from None


@router.get(
    "/datasets/{slug}/schema",
    response={200: dict[str, Any], **errors(404)},
    summary="The schema the dataset's next uploads are checked against",
    url_name="schema",
)
def schema(request: HttpRequest, slug: str) -> dict[str, Any]:
    found = dataset_or_404(request, slug)
    declared = declared_schema(found)
    if declared is None:
        raise ApiError(
            404,
            "no_schema",
            _("Dataset «%(dataset)s» has no schema yet; it is inferred from the first upload."),
            dataset=slug,
        )
    return data_access(caller(request), found).schema_of(declared).to_dict()


def _organisations(request: HttpRequest) -> QuerySet[Organisation]:
    """Every organisation, with ``n``: how many of its datasets the caller may see."""
    visible = datasets_visible_to(caller(request)).values("pk")
    return Organisation.objects.select_related("parent").annotate(
        n=Count("datasets", filter=Q(datasets__in=visible), distinct=True)
    )


def organisation_out(request: HttpRequest, organisation: Any) -> OrganisationOut:
    return OrganisationOut(
        slug=organisation.slug,
        name_fa=organisation.name_fa,
        name_en=organisation.name_en,
        abbreviation=organisation.abbreviation,
        kind=organisation.kind,
        parent=organisation.parent.slug if organisation.parent else None,
        description_fa=organisation.description_fa,
        description_en=organisation.description_en,
        website=organisation.website,
        email=organisation.email,
        phone=organisation.phone,
        dataset_count=organisation.n,
        url=api_url(request, f"organisations/{organisation.slug}"),
        page_url=request.build_absolute_uri(organisation.get_absolute_url()),
        datasets_url=api_url(request, "datasets", f"organisation={organisation.slug}"),
    )


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    summary="Organisations, with how many of their datasets the caller may see",
    url_name="organisations",
)
def organisations(request: HttpRequest) -> list[OrganisationOut]:
    return [organisation_out(request, o) for o in _organisations(request).order_by("name_fa")]


@router.get(
    "/organisations/{slug}",
    response={200: OrganisationOut, **errors(404)},
    summary="One organisation, with how many of its datasets the caller may see",
    url_name="organisation",
)
def organisation(request: HttpRequest, slug: str) -> OrganisationOut:
    try:
        found = _organisations(request).get(slug=slug)
    except Organisation.DoesNotExist:
        raise ApiError(
            404,
            "organisation_not_found",
            _("There is no organisation «%(organisation)s»."),
            organisation=slug,
        ) from None
    return organisation_out(request, found)
