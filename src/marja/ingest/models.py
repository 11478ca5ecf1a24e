"""Uploads, publications and the immutable versions they create."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marja.catalog.models import Dataset


class Upload(models.Model):
    """A file being received, whole or in resumable chunks, into the staging folder."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    length = models.PositiveBigIntegerField(_("size in bytes"), null=True)
    received = models.PositiveBigIntegerField(_("bytes received"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("upload")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.received}/{self.length})"

    @property
    def path(self) -> Path:
        return Path(settings.DATA_DIR) / "uploads" / f"{self.id}.part"

    @property
    def complete(self) -> bool:
        return self.length is not None and self.received == self.length


class Publication(models.Model):
    """One attempt to publish a file as a new version of a dataset."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        PUBLISHED = "published", _("published")
        UNCHANGED = "unchanged", _("unchanged")
        REJECTED = "rejected", _("rejected")
        FAILED = "failed", _("failed")

    FINISHED = (Status.PUBLISHED, Status.UNCHANGED, Status.REJECTED, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="publications")
    upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.SET_NULL)
    original_name = models.CharField(_("file name"), max_length=255)
    options = models.JSONField(_("reading options"), default=dict)
    valid_rows_only = models.BooleanField(_("publish valid rows only"), default=False)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    report = models.JSONField(_("validation report"), null=True, blank=True)
    read = models.JSONField(_("how the file was read"), default=dict)
    error = models.CharField(_("error"), max_length=300, blank=True)
    version = models.OneToOneField(
        "DatasetVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("through"), max_length=10, default="web")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("publication")

    def __str__(self) -> str:
        return f"{self.dataset.slug} {self.original_name} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def bad_rows_path(self) -> Path:
        return Path(settings.DATA_DIR) / "reports" / f"{self.id}.csv"

    @property
    def workdir(self) -> Path:
        return Path(settings.DATA_DIR) / "staging" / str(self.id)


class ImmutableError(RuntimeError):
    """A published version is never changed."""


class DatasetVersion(models.Model):
    """An immutable, content-addressed version of a dataset's data."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    sha256 = models.CharField(_("content hash (SHA-256)"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    row_count = models.PositiveBigIntegerField(_("rows"))
    excluded_rows = models.PositiveBigIntegerField(_("rows left out as invalid"), default=0)
    schema = models.JSONField(_("schema"))
    stats = models.JSONField(_("column statistics"))
    diff = models.JSONField(_("changes against the previous version"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    source_name = models.CharField(_("source file"), max_length=255)
    source_sha256 = models.CharField(_("source file hash"), max_length=64)
    source_size = models.PositiveBigIntegerField(_("source file size"))
    read = models.JSONField(_("how the file was read"), default=dict)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("through"), max_length=10, default="web")
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    #: The ``version.published`` entry that records it (None only for versions that a
    #: ledger without one left behind).
    ledger_entry = models.OneToOneField(
        "ledger.LedgerEntry",
        verbose_name=_("ledger entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["dataset", "-number"]
        verbose_name = _("dataset version")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset.slug} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError(f"{self} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError(f"{self} is published and cannot be deleted")


class DatasetSchema(models.Model):
    """The schema a dataset's next uploads are validated against."""

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="schema")
    definition = models.JSONField(_("schema"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dataset schema")

    def __str__(self) -> str:
        return f"{self.dataset.slug} schema r{self.revision}"


class DatasetSource(models.Model):
    """An address a dataset is pulled from on a schedule."""

    class Schedule(models.TextChoices):
        DAILY = "daily", _("daily")
        WEEKLY = "weekly", _("weekly")
        MONTHLY = "monthly", _("monthly")

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="source")
    url = models.URLField(_("address"), max_length=1000)
    format = models.CharField(_("format"), max_length=10, blank=True)
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices)
    next_pull_at = models.DateTimeField(_("next pull"))
    last_pulled_at = models.DateTimeField(_("last pull"), null=True, blank=True)
    last_status = models.CharField(_("last result"), max_length=12, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_sha256 = models.CharField(max_length=64, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published in the name of"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("scheduled pull")

    def __str__(self) -> str:
        return f"{self.dataset.slug} ← {self.url}"
