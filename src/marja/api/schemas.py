"""Shapes of the catalog and publishing API: ``DatasetOut``, ``VersionOut``, ``PublicationOut``…

Every date is given in ISO 8601 and, in a ``…_jalali`` field next to it, as a Jalali date
with Latin digits: ``1402/08/17`` for a day, ``1402/08/17 14:05`` (local time) for a moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from marja.core.jalali import format_date, format_datetime


def jalali_date(value: dt.date | None) -> str | None:
    return None if value is None else format_date(value, digits="latin")


def jalali_moment(value: dt.datetime | None) -> str | None:
    return None if value is None else format_datetime(timezone.localtime(value), digits="latin")


def api_url(request: HttpRequest, path: str, query: str = "") -> str:
    """The absolute address of ``path`` under the API root (``/api/v1/``)."""
    root = reverse("api:api-root")
    return request.build_absolute_uri(f"{root}{path}" + (f"?{query}" if query else ""))


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine code, e.g. dataset_not_found.")
    message: str = Field(description="The message in the site's language (Persian).")
    message_fa: str
    message_en: str
    params: dict[str, Any] = Field(description="The values the message names.")


class ErrorOut(Schema):
    """Every error answer: ``{"error": {code, message, message_fa, message_en, params}}``."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``statuses`` documented as answering :class:`ErrorOut` (for ``response=``)."""
    return dict.fromkeys(statuses, ErrorOut)


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=100, description="Results per page, 1 to 100.")
    offset: int = Field(0, ge=0, le=10**9, description="Results to skip.")


def page_links(request: HttpRequest, count: int, page: PageParams) -> dict[str, str | None]:
    """``next`` and ``previous``: the same request for the neighbouring pages, or None."""

    def at(offset: int) -> str:
        kept = [(k, v) for k in request.GET if k != "offset" for v in request.GET.getlist(k)]
        return request.build_absolute_uri(
            f"{request.path}?{urlencode([*kept, ('offset', offset)])}"
        )

    following = page.offset + page.limit
    return {
        "next": at(following) if following < count else None,
        "previous": at(max(0, page.offset - page.limit)) if page.offset > 0 else None,
    }


class Named(Schema):
    """Something of the catalog named in both languages (theme, organisation…)."""

    slug: str
    name_fa: str
    name_en: str


class LicenceOut(Named):
    url: str
    is_open: bool


class CountyOut(Schema):
    code: str
    name_fa: str
    name_en: str


class ContactOut(Schema):
    name: str
    email: str


class VersionSummaryOut(Schema):
    number: int
    sha256: str
    row_count: int
    size: int
    published_at: dt.datetime
    published_at_jalali: str
    url: str


class DatasetLinks(Schema):
    page: str
    versions: str
    schema_url: str = Field(serialization_alias="schema")
    rows: str
    aggregate: str
    publications: str
    exports: dict[str, str]


class DatasetSummaryOut(Schema):
    """A dataset as listed in a search."""

    slug: str
    title_fa: str
    title_en: str
    publisher: Named
    theme: Named
    tags: list[str]
    access: str
    status: str
    frequency: str
    created_at: dt.datetime
    created_at_jalali: str
    updated_at: dt.datetime
    updated_at_jalali: str
    published_at: dt.datetime | None
    published_at_jalali: str | None
    url: str
    page_url: str


class QualityOut(Schema):
    """Measured quality and freshness (docs/quality.md): each measure 0-1, score 0-100."""

    score: int
    grade: str
    completeness: float | None
    validity: float | None
    timeliness: str = Field(description="on_time, late, stale, unscheduled or no_data.")
    documentation: float
    documentation_checks: dict[str, float | None]
    due_at: str | None = Field(description="When the next version becomes late.")
    stale_at: str | None


class DatasetOut(DatasetSummaryOut):
    """A dataset with all its metadata, its current version and its declared schema."""

    description_fa: str
    description_en: str
    licence: LicenceOut
    temporal_start: dt.date | None
    temporal_start_jalali: str | None
    temporal_end: dt.date | None
    temporal_end_jalali: str | None
    counties: list[CountyOut]
    contact: ContactOut
    current_version: VersionSummaryOut | None
    links: DatasetLinks
    table_schema: dict[str, Any] | None = Field(serialization_alias="schema")
    quality: QualityOut


class DatasetPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[DatasetSummaryOut]


class DiffSummaryOut(Schema):
    """Counts of what changed against the previous version (by primary key or whole rows)."""

    by: str
    key: list[str]
    added: int
    removed: int
    changed: int
    unchanged: int
    columns_added: list[str]
    columns_removed: list[str]


class SourceFileOut(Schema):
    name: str
    sha256: str
    size: int


class LedgerEntryRef(Schema):
    sequence: int
    entry_hash: str
    recorded_at: dt.datetime


class CheckpointRef(Schema):
    id: int
    sequence: int
    head_hash: str
    signed_at: str
    key_id: str


class ProofOut(Schema):
    """Where a version stands in the trust ledger, and how to prove it (docs/ledger.md)."""

    content_hash: str = Field(description="SHA-256 of the version's Parquet object.")
    ledger_entry: LedgerEntryRef | None = Field(description="The version.published entry.")
    checkpoint: CheckpointRef | None = Field(description="The first checkpoint signing it.")
    receipt_url: str
    public_key_url: str


class VersionOut(Schema):
    dataset: str
    number: int
    sha256: str
    size: int
    row_count: int
    excluded_rows: int
    table_schema: dict[str, Any] = Field(serialization_alias="schema")
    stats: list[dict[str, Any]]
    diff: DiffSummaryOut | None
    note: str
    source: SourceFileOut
    published_by: str | None
    channel: str
    published_at: dt.datetime
    published_at_jalali: str
    url: str
    download_url: str
    rows_url: str
    proof: ProofOut


class VersionPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[VersionOut]


class OrganisationOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    abbreviation: str
    kind: str
    parent: str | None
    description_fa: str
    description_en: str
    website: str
    email: str
    phone: str
    dataset_count: int
    url: str
    page_url: str
    datasets_url: str


class PublicationVersionOut(Schema):
    number: int
    sha256: str
    rows: int
    excluded_rows: int


class RuleCountOut(Schema):
    rule: str
    column: str | None
    count: int


class ReportSummaryOut(Schema):
    ok: bool
    rows_total: int
    bad_rows: int
    counts: list[RuleCountOut]


class ProblemOut(Schema):
    """One problem of a file: its row (counted as a spreadsheet does, the header being row
    1), column, value and the rule it breaks, with a sentence in Persian and English."""

    rule: str
    row: int | None
    column: str | None
    value: str | None
    params: dict[str, Any]
    message: dict[str, str]


class ReportOut(ReportSummaryOut):
    problems: list[ProblemOut]


class PublicationSummaryOut(Schema):
    """A publication (a job): its status and progress, the version it made, if any."""

    id: str
    dataset: str
    file: str
    status: str
    stage: str
    progress: float
    created_at: dt.datetime
    created_at_jalali: str
    finished_at: dt.datetime | None
    finished_at_jalali: str | None
    read: dict[str, Any]
    valid_rows_only: bool
    version: PublicationVersionOut | None
    report: ReportSummaryOut | None
    url: str


class PublicationOut(PublicationSummaryOut):
    """A publication with its whole validation report (problems with fa/en messages)."""

    report: ReportOut | None


class PublicationPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[PublicationSummaryOut]
