"""Scheduled pulls: a dataset fed from an address on a schedule.

A pull downloads the address to a staged upload (streamed, size-limited) and publishes it
like any upload. Content identical to the last pull, or to the current version, makes
no new version. A failing address is recorded on the source and shown on the dataset
page; the dataset and its current version are not touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.request
from typing import Final

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marja.accounts.models import User
from marja.catalog.models import Dataset
from marja.core.sources import ReadOptions
from marja.core.store import sha256_of
from marja.ingest.models import DatasetSource, Publication, Upload
from marja.ingest.selectors import can_publish
from marja.ingest.services import (
    PublishRequest,
    discard_upload,
    request_publication,
    start_upload,
)
from marja.ledger.services import record

log = logging.getLogger(__name__)

PERIODS: Final = {
    DatasetSource.Schedule.DAILY: dt.timedelta(days=1),
    DatasetSource.Schedule.WEEKLY: dt.timedelta(days=7),
    DatasetSource.Schedule.MONTHLY: dt.timedelta(days=30),
}
TIMEOUT_SECONDS: Final = 60
_CHUNK: Final = 1 << 20


@transaction.atomic
def set_source(
    dataset: Dataset, *, url: str, format: str, schedule: str, actor: User
) -> DatasetSource:
    if not can_publish(actor, dataset):
        raise PermissionDenied
    source, _created = DatasetSource.objects.update_or_create(
        dataset=dataset,
        defaults={
            "url": url,
            "format": format,
            "schedule": schedule,
            "next_pull_at": timezone.now(),
            "owner": actor,
        },
    )
    record(
        "source.changed", actor=actor, organisation=dataset.publisher, object_type="dataset",
        object_id=dataset.slug, payload={"url": url, "format": format, "schedule": schedule},
    )  # fmt: skip
    return source


@transaction.atomic
def remove_source(source: DatasetSource, *, actor: User) -> None:
    if not can_publish(actor, source.dataset):
        raise PermissionDenied
    record(
        "source.changed", actor=actor, organisation=source.dataset.publisher,
        object_type="dataset", object_id=source.dataset.slug, payload={"removed": source.url},
    )  # fmt: skip
    source.delete()


class PullError(Exception):
    """The address could not be fetched."""


def _fetch(source: DatasetSource) -> Upload:
    if not source.url.startswith(("http://", "https://")):
        raise PullError(_("only http:// and https:// addresses can be pulled"))
    name = source.url.rstrip("/").rsplit("/", 1)[-1] or "pull"
    upload = start_upload(actor=source.owner, original_name=name, length=None)
    received = 0
    request = urllib.request.Request(source.url, headers={"User-Agent": "marja"})  # noqa: S310
    try:
        with (
            urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response,  # noqa: S310
            upload.path.open("wb") as out,
        ):
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if received > settings.MAX_UPLOAD_BYTES:
                    raise PullError(_("the file is larger than the upload limit"))
                out.write(chunk)
    except (PullError, urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        discard_upload(upload)
        if isinstance(exc, PullError):
            raise
        if isinstance(exc, urllib.error.HTTPError):
            raise PullError(f"HTTP {exc.code} {exc.reason}"[:300]) from None
        raise PullError(str(getattr(exc, "reason", exc))[:300]) from None
    Upload.objects.filter(pk=upload.pk).update(length=received, received=received)
    upload.length = upload.received = received
    return upload


def pull_dataset(dataset_id: int) -> str:
    """Pull one dataset's source now; returns the outcome (published, unchanged, …)."""
    source = DatasetSource.objects.select_related("dataset", "owner").get(dataset_id=dataset_id)
    now = timezone.now()
    outcome, error, digest = "failed", "", source.last_sha256
    try:
        upload = _fetch(source)
        digest = sha256_of(upload.path)
        if digest == source.last_sha256:
            discard_upload(upload)
            outcome = "unchanged"
        else:
            publish = PublishRequest(
                options=ReadOptions(format=source.format or None),
                channel="pull",
                note=_("Scheduled pull from %(url)s") % {"url": source.url},
            )
            publication = request_publication(
                source.dataset, upload, actor=None, request=publish, background=False
            )
            outcome = publication.status
            if publication.status == Publication.Status.REJECTED:
                error = _("the file did not pass validation")
            elif publication.status == Publication.Status.FAILED:
                error = _("an internal error stopped the publication")
    except PullError as exc:
        error = str(exc)
    failed = outcome in ("failed", "rejected")
    with transaction.atomic():
        DatasetSource.objects.filter(pk=source.pk).update(
            last_pulled_at=now,
            last_status=outcome,
            last_error=error[:500],
            last_sha256=digest if not failed else source.last_sha256,
            failures=(source.failures + 1) if failed else 0,
            next_pull_at=now + PERIODS[DatasetSource.Schedule(source.schedule)],
        )
        record(
            "source.pulled", actor=None, organisation=source.dataset.publisher,
            object_type="dataset", object_id=source.dataset.slug,
            payload={"url": source.url, "outcome": outcome, "error": error, "sha256": digest},
        )  # fmt: skip
    return outcome


def due_sources(now: dt.datetime | None = None) -> list[int]:
    moment = now or timezone.now()
    return list(
        DatasetSource.objects.filter(next_pull_at__lte=moment).values_list("dataset_id", flat=True)
    )


def enqueue_due_pulls() -> int:
    """Queue a pull job for every source whose time has come; returns how many."""
    from marja.ingest.tasks import pull_in_background

    due = due_sources()
    for dataset_id in due:
        # Move the next pull forward now so that the next check does not queue it twice.
        DatasetSource.objects.filter(dataset_id=dataset_id).update(
            next_pull_at=timezone.now() + dt.timedelta(hours=1)
        )
        pull_in_background.enqueue(dataset_id)
    return len(due)


def outcome_message(outcome: str) -> str:
    texts = {
        "published": _("The pull brought new content: a new version was published."),
        "unchanged": _("The pull brought the same content as before: no new version."),
        "rejected": _("The pulled file did not pass validation; the current version stays."),
        "failed": _("The address could not be pulled; the current version stays."),
    }
    return texts.get(outcome, outcome)
