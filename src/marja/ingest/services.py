"""Every write of publishing: uploads, publications, versions, schemas.

A publication does its heavy work (reading, checking, converting) outside any database
transaction, in a staging folder. Only the last step, :func:`_commit`, takes the
dataset's lock: it numbers the version, moves the object into the store and records the
event, all in one transaction. A failure at any earlier point leaves the current version
current and nothing visible behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from marja.accounts.models import User
from marja.catalog.models import Dataset
from marja.core.diff import diff_versions
from marja.core.publish import BuildResult, Engine, Previous, build_version, connect
from marja.core.schema import Schema
from marja.core.sources import Limits, ReadOptions
from marja.core.store import sha256_of
from marja.ingest.models import DatasetSchema, DatasetVersion, Publication, Upload
from marja.ingest.selectors import can_publish, current_version, declared_schema, reference_lists
from marja.ingest.storage import object_store
from marja.ledger.services import record

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


class UploadTooLargeError(ValueError):
    """An upload larger than MARJA_MAX_UPLOAD_MB."""


class UploadOffsetError(ValueError):
    """A chunk that does not continue where the upload stands."""


def display_name(name: str) -> str:
    """A file name safe to show: no folders, no control characters, at most 200 chars.

    The name is only ever shown; staged files are named by their upload's UUID.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:200] or "upload"


def start_upload(*, actor: User | None, original_name: str, length: int | None) -> Upload:
    if length is not None and length > settings.MAX_UPLOAD_BYTES:
        raise UploadTooLargeError(length)
    upload = Upload.objects.create(
        created_by=actor, original_name=display_name(original_name), length=length
    )
    upload.path.parent.mkdir(parents=True, exist_ok=True)
    upload.path.touch()
    return upload


def append_to_upload(upload: Upload, offset: int, stream: IO[bytes]) -> int:
    """Append a chunk at ``offset`` (which must be where the upload stands).

    What arrives is kept even when the connection drops mid-chunk: the client asks for
    the offset and continues from there.
    """
    if offset != upload.received:
        raise UploadOffsetError(upload.received)
    limit = upload.length if upload.length is not None else settings.MAX_UPLOAD_BYTES
    written = upload.received
    try:
        with upload.path.open("r+b") as out:
            out.seek(offset)
            out.truncate()
            try:
                while chunk := stream.read(_CHUNK):
                    if written + len(chunk) > limit:
                        raise UploadTooLargeError(written + len(chunk))
                    out.write(chunk)
                    written += len(chunk)
            finally:
                out.flush()
                os.fsync(out.fileno())
    finally:
        Upload.objects.filter(pk=upload.pk).update(received=written, updated_at=timezone.now())
        upload.received = written
    return written


def upload_from_file(source: IO[bytes], *, actor: User | None, original_name: str) -> Upload:
    """Stage a whole file (a form upload, a pull, the CLI) as a complete upload."""
    upload = start_upload(actor=actor, original_name=original_name, length=None)
    size = append_to_upload(upload, 0, source)
    Upload.objects.filter(pk=upload.pk).update(length=size)
    upload.length = size
    return upload


def upload_from_path(path: Path, *, actor: User | None, original_name: str) -> Upload:
    size = path.stat().st_size
    if size > settings.MAX_UPLOAD_BYTES:
        raise UploadTooLargeError(size)
    upload = start_upload(actor=actor, original_name=original_name, length=size)
    upload.path.unlink()
    try:
        os.link(path, upload.path)
    except OSError:
        shutil.copyfile(path, upload.path)
    Upload.objects.filter(pk=upload.pk).update(received=size)
    upload.received = size
    return upload


@dataclass(frozen=True)
class PublishRequest:
    """What a publisher asks for besides the file."""

    options: ReadOptions = field(default_factory=ReadOptions)
    note: str = ""
    valid_rows_only: bool = False
    channel: str = "web"


def request_publication(
    dataset: Dataset,
    upload: Upload,
    *,
    actor: User | None,
    request: PublishRequest | None = None,
    background: bool | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Publication:
    """Publish ``upload`` as the next version of ``dataset``: now, or as a background job.

    ``actor`` None is the operator at the console (CLI, demo loader, scheduled pull).
    """
    if actor is not None and not can_publish(actor, dataset):
        raise PermissionDenied
    if not upload.complete:
        raise UploadOffsetError(upload.received)
    request = request or PublishRequest()
    options = request.options
    publication = Publication.objects.create(
        dataset=dataset,
        upload=upload,
        original_name=upload.original_name,
        options={
            "format": options.format,
            "encoding": options.encoding,
            "delimiter": options.delimiter,
            "sheet": options.sheet,
        },
        valid_rows_only=request.valid_rows_only,
        note=request.note[:2000],
        created_by=actor,
        channel=request.channel,
    )
    if background is None:
        background = (upload.length or 0) > settings.BACKGROUND_ABOVE_BYTES
    if background:
        from marja.ingest.tasks import publish_in_background

        transaction.on_commit(lambda: publish_in_background.enqueue(str(publication.pk)))
        return publication
    return run_publication(publication.pk, progress=progress)


def _progress_updater(
    publication_id: UUID, also: Callable[[str, float], None] | None
) -> Callable[[str, float], None]:
    last = [0.0]

    def update(stage: str, fraction: float) -> None:
        if also is not None:
            also(stage, fraction)
        now = time.monotonic()
        if now - last[0] < 0.5 and fraction < 1:
            return
        last[0] = now
        Publication.objects.filter(pk=publication_id).update(stage=stage, progress=fraction)

    return update


def _limits() -> Limits:
    return Limits(max_columns=settings.MAX_COLUMNS)


def _engine() -> Engine:
    return Engine(memory_limit=f"{settings.PUBLISH_MEMORY_MB}MB")


def run_publication(
    publication_id: UUID, progress: Callable[[str, float], None] | None = None
) -> Publication:
    """Read, check and, if all is well, commit one publication. Safe to run again."""
    publication = Publication.objects.select_related("dataset", "upload").get(pk=publication_id)
    if publication.finished:
        return publication
    dataset = publication.dataset
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.RUNNING, started_at=timezone.now(), stage="read"
    )
    workdir = publication.workdir
    shutil.rmtree(workdir, ignore_errors=True)  # a rerun after a crash starts clean
    try:
        if publication.upload is None or not publication.upload.path.exists():
            raise FileNotFoundError("the staged upload is gone")
        base = current_version(dataset)
        result = build_version(
            publication.upload.path,
            publication.original_name,
            workdir,
            options=ReadOptions(**publication.options),
            declared=declared_schema(dataset),
            references=reference_lists(),
            previous=_previous(base),
            valid_rows_only=publication.valid_rows_only,
            limits=_limits(),
            engine=_engine(),
            progress=_progress_updater(publication.pk, progress),
        )
        if result.ok:
            _commit(publication, result, base)
        else:
            _reject(publication, result)
    except Exception as exc:
        log.exception("publication %s failed", publication.pk)
        _fail(publication, exc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    publication.refresh_from_db()
    if publication.status in (Publication.Status.PUBLISHED, Publication.Status.UNCHANGED):
        _discard_upload(publication)
    return publication


def _previous(version: DatasetVersion | None) -> Previous | None:
    if version is None:
        return None
    return Previous(object_store().open(version.sha256), Schema.from_dict(version.schema))


def _commit(publication: Publication, result: BuildResult, base: DatasetVersion | None) -> None:
    if result.parquet is None or result.schema is None or result.source is None:
        raise ValueError("only a successful build can be committed")
    digest = sha256_of(result.parquet)
    store = object_store()
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=publication.dataset_id)
        current = current_version(dataset)
        finished = {"finished_at": timezone.now(), "progress": 1.0, "stage": "done"}
        if current is not None and current.sha256 == digest:
            Publication.objects.filter(pk=publication.pk).update(
                status=Publication.Status.UNCHANGED, version=None, read=result.read,
                report=result.report.to_dict(), **finished,
            )  # fmt: skip
            return
        diff = result.diff
        if current is not None and (base is None or current.pk != base.pk):
            # Another publication landed while this one was checked: compare with it.
            diff = _diff_against(result, current, publication.workdir)
        stored = store.put(result.parquet, digest)
        number = (current.number + 1) if current else 1
        entry = record(
            "version.published",
            actor=publication.created_by,
            organisation=dataset.publisher,
            object_type="dataset_version",
            object_id=f"{dataset.slug}/{number}",
            payload={
                "number": number,
                "sha256": stored.sha256,
                "size": stored.size,
                "rows": result.row_count,
                "excluded_rows": result.excluded_rows,
                "source_sha256": result.source.sha256,
                "through": publication.channel,
                "diff": _diff_counts(diff),
            },
        )
        version = DatasetVersion.objects.create(
            dataset=dataset,
            number=number,
            sha256=stored.sha256,
            size=stored.size,
            row_count=result.row_count,
            excluded_rows=result.excluded_rows,
            schema=result.schema.to_dict(),
            stats=result.stats,
            diff=diff,
            note=publication.note,
            source_name=publication.original_name,
            source_sha256=result.source.sha256,
            source_size=result.source.size,
            read=result.read,
            published_by=publication.created_by,
            channel=publication.channel,
            ledger_entry=entry,
        )
        if not DatasetSchema.objects.filter(dataset=dataset).exists():
            DatasetSchema.objects.create(
                dataset=dataset, definition=result.schema.to_dict(),
                updated_by=publication.created_by,
            )  # fmt: skip
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.PUBLISHED, version=version, read=result.read,
            report=result.report.to_dict(), **finished,
        )  # fmt: skip
        Dataset.objects.filter(pk=dataset.pk).update(updated_at=timezone.now())


def _diff_against(result: BuildResult, current: DatasetVersion, workdir: Path) -> Any:
    if result.parquet is None or result.schema is None:
        raise ValueError("only a successful build can be compared")
    con = connect(workdir, _engine())
    try:
        return diff_versions(
            con, result.parquet, object_store().open(current.sha256), result.schema
        )
    finally:
        con.close()


def _diff_counts(diff: dict[str, Any] | None) -> dict[str, Any] | None:
    if diff is None:
        return None
    return {k: diff[k] for k in ("added", "removed", "changed", "unchanged", "by")}


@transaction.atomic
def _reject(publication: Publication, result: BuildResult) -> None:
    report = result.report.to_dict()
    if result.bad_rows_csv is not None and result.bad_rows_csv.exists():
        target = publication.bad_rows_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(result.bad_rows_csv, target)
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.REJECTED,
        report=report,
        read=result.read,
        finished_at=timezone.now(),
        stage="done",
        progress=1.0,
    )
    record(
        "publication.rejected",
        actor=publication.created_by,
        organisation=publication.dataset.publisher,
        object_type="dataset",
        object_id=publication.dataset.slug,
        payload={"publication": str(publication.pk), "counts": report["counts"]},
    )


@transaction.atomic
def _fail(publication: Publication, exc: BaseException) -> None:
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.FAILED,
        error=type(exc).__name__[:300],
        finished_at=timezone.now(),
    )
    record(
        "publication.failed",
        actor=publication.created_by,
        organisation=publication.dataset.publisher,
        object_type="dataset",
        object_id=publication.dataset.slug,
        payload={"publication": str(publication.pk), "error": type(exc).__name__},
    )


def discard_upload(upload: Upload) -> None:
    """Remove a staged upload: its file and its row."""
    upload.path.unlink(missing_ok=True)
    Upload.objects.filter(pk=upload.pk).delete()


def _discard_upload(publication: Publication) -> None:
    if publication.upload is not None:
        discard_upload(publication.upload)


def retry_publication(publication: Publication, *, actor: User) -> Publication:
    """Run a failed publication again with the same staged file."""
    if not can_publish(actor, publication.dataset):
        raise PermissionDenied
    if publication.status != Publication.Status.FAILED:
        return publication
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.QUEUED, error="", finished_at=None
    )
    return run_publication(publication.pk)


def resume_interrupted() -> list[UUID]:
    """Queue again the publications a stopped worker left running (at worker start)."""
    from marja.ingest.tasks import publish_in_background

    stuck = list(
        Publication.objects.filter(status=Publication.Status.RUNNING).values_list("pk", flat=True)
    )
    for pk in stuck:
        Publication.objects.filter(pk=pk).update(status=Publication.Status.QUEUED)
        publish_in_background.enqueue(str(pk))
    return stuck


@transaction.atomic
def update_schema(dataset: Dataset, schema: Schema, *, actor: User | None) -> DatasetSchema:
    """Declare the schema the next uploads of ``dataset`` are checked against.

    ``actor`` None is the operator at the console (CLI, demo loader).
    """
    if actor is not None and not can_publish(actor, dataset):
        raise PermissionDenied
    schema.check()
    definition = schema.to_dict()
    current, created = DatasetSchema.objects.select_for_update().get_or_create(
        dataset=dataset, defaults={"definition": definition, "updated_by": actor}
    )
    if not created:
        if current.definition == definition:
            return current
        current.definition = definition
        current.revision += 1
        current.updated_by = actor
        current.save()
    record(
        "schema.changed",
        actor=actor,
        organisation=dataset.publisher,
        object_type="dataset",
        object_id=dataset.slug,
        payload={"revision": current.revision, "schema": definition},
    )
    return current


def prune_stale_uploads(older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete staged files nobody will publish: unfinished uploads and those of refused or
    failed publications, once they are a week old. Returns how many were removed."""
    cutoff = timezone.now() - older_than
    stale = Upload.objects.filter(updated_at__lt=cutoff).exclude(
        publication__status__in=[Publication.Status.QUEUED, Publication.Status.RUNNING]
    )
    count = 0
    for upload in stale:
        discard_upload(upload)
        count += 1
    return count
