"""The ledger: one row per recorded event, chained by hash, sealed, and signed in batches.

This is the single place where changes (and reads of restricted data) are recorded.
Entries are written in the same transaction as the change they record, through
:func:`marja.ledger.services.record`, which also keeps the :class:`LedgerHead` and signs
:class:`LedgerCheckpoint` rows. Nothing updates or deletes an entry: the model refuses,
and :mod:`marja.core.ledger_check` names whatever was done around it.

The payload is kept as the exact canonical JSON text that was hashed, not as a JSON
column: a database's own JSON type may rewrite numbers (PostgreSQL's ``jsonb`` turns
``1e+16`` into ``10000000000000000``), which would break the hash without anyone having
changed anything.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marja.core.ledger import GENESIS, Checkpoint, EntryRecord, Head, moment


class LedgerImmutableError(RuntimeError):
    """A ledger entry is never changed or removed."""


class LedgerEntry(models.Model):
    """An event: who did what to which object, when, with its details; chained and sealed."""

    sequence = models.BigIntegerField(_("sequence"), primary_key=True)
    recorded_at = models.DateTimeField(_("recorded"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object"), max_length=100)
    payload_json = models.TextField(_("details"), default="{}")
    payload_hash = models.CharField(_("details hash"), max_length=64)
    prev_hash = models.CharField(_("previous entry's hash"), max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64, unique=True)
    seal = models.CharField(_("seal"), max_length=64)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action", "sequence"]),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutableError(f"ledger entry {self.sequence} cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LedgerImmutableError(f"ledger entry {self.sequence} cannot be deleted")

    @property
    def payload(self) -> Any:
        return json.loads(self.payload_json)

    def as_record(self) -> EntryRecord:
        return record_of(
            self.sequence,
            self.recorded_at,
            self.actor_id,
            self.organisation_id,
            self.action,
            self.object_type,
            self.object_id,
            self.payload_json,
            self.payload_hash,
            self.prev_hash,
            self.entry_hash,
            self.seal,
        )


#: The columns :func:`record_of` takes, in order (for ``values_list`` streaming).
RECORD_COLUMNS = (
    "sequence", "recorded_at", "actor_id", "organisation_id", "action", "object_type",
    "object_id", "payload_json", "payload_hash", "prev_hash", "entry_hash", "seal",
)  # fmt: skip


def record_of(*values: Any) -> EntryRecord:
    """An entry as :mod:`marja.core.ledger` checks it, from the stored columns."""
    (sequence, recorded_at, actor, organisation, action, object_type, object_id,
     payload_json, payload_hash, prev_hash, entry_hash, seal) = values  # fmt: skip
    try:
        payload = json.loads(payload_json)
    except ValueError:
        payload = payload_json  # not JSON any more: its hash will say it was altered
    return EntryRecord(
        sequence=sequence,
        recorded_at=moment(recorded_at),
        actor=actor,
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=object_id,
        payload=payload,
        payload_hash=payload_hash,
        prev_hash=prev_hash,
        entry_hash=entry_hash,
        seal=seal,
    )


class LedgerHead(models.Model):
    """The one row that says where the ledger ends; writers lock it to append in order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS)
    seal = models.CharField(max_length=64, blank=True)
    #: The newest checkpoint: when it was signed, and how far it reaches.
    checkpoint_sequence = models.BigIntegerField(default=0)
    checkpoint_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ledger head")

    def __str__(self) -> str:
        return f"ledger head at {self.sequence}"

    def as_head(self) -> Head:
        return Head(self.sequence, self.entry_hash, self.seal)


class LedgerCheckpoint(models.Model):
    """The instance's signature over the ledger's first ``sequence`` entries."""

    class Reason(models.TextChoices):
        COUNT = "count", _("every N entries")
        HOURLY = "hourly", _("hourly")
        PUBLICATION = "publication", _("a version was published")
        REQUESTED = "requested", _("requested")
        UPGRADE = "upgrade", _("chain started over existing entries")

    sequence = models.BigIntegerField(_("signs entries up to"), db_index=True)
    head_hash = models.CharField(_("hash of that entry"), max_length=64)
    instance = models.CharField(_("instance"), max_length=200)
    key_id = models.CharField(_("key id"), max_length=64)
    #: Exactly the text that was signed (UTC, microseconds).
    signed_at = models.CharField(_("signed at"), max_length=32)
    signature = models.CharField(_("signature"), max_length=120)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.pk} at {self.sequence}"

    def as_checkpoint(self) -> Checkpoint:
        return Checkpoint(
            instance=self.instance,
            key_id=self.key_id,
            sequence=self.sequence,
            head_hash=self.head_hash,
            signed_at=self.signed_at,
            signature=self.signature,
        )


class LedgerVerification(models.Model):
    """One run of the verification (``marja verify`` or the administrator's page)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        PASSED = "passed", _("passed")
        FAILED = "failed", _("problems found")
        ERROR = "error", _("could not finish")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Through(models.TextChoices):
        CLI = "cli", _("command line")
        WEB = "web", _("administrators' page")

    through = models.CharField(
        _("through"), max_length=10, choices=Through.choices, default=Through.CLI
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    #: Counts (entries, checkpoints, objects, bytes) and every problem found, as data.
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger verification")
        verbose_name_plural = _("ledger verifications")

    def __str__(self) -> str:
        return f"verification {self.pk} {self.status}"
