"""Writing to the ledger: the one function every change calls, and the checkpoints.

:func:`record` appends one entry inside the caller's transaction. It locks the ledger's
head row, so entries are numbered without gaps and each one is chained to the entry
before it, whatever the number of processes writing; the head is updated in the same
transaction, and the head is signed (a checkpoint) when one is due.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marja.accounts.models import Organisation, User
from marja.core.ledger import Checkpoint, canonical_json, head_text, moment, new_entry
from marja.core.signing import seal
from marja.ledger.events import EVENTS
from marja.ledger.keys import instance_key, instance_name, seal_key
from marja.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead

#: Events whose entries are signed at once, so a receipt is ready the moment they happen.
SIGNED_AT_ONCE = frozenset({"version.published"})
#: The longest the head goes unsigned while entries keep arriving.
CHECKPOINT_INTERVAL = dt.timedelta(hours=1)


def record(
    action: str,
    *,
    actor: User | None,
    organisation: Organisation | None,
    object_type: str,
    object_id: object,
    payload: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Record ``action`` inside the caller's transaction (raises outside one)."""
    if action not in EVENTS:
        raise ValueError(f"undeclared ledger event {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger entries are written inside the change's transaction")
    details = canonical_json(payload or {}).decode("utf-8")
    head = _locked_head()
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.pk else None
    record_ = new_entry(
        sequence=head.sequence + 1,
        recorded_at=now,
        actor=actor_id,
        organisation=organisation.pk if organisation is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:100],
        payload=json.loads(details),
        prev_hash=head.entry_hash,
        seal_key=seal_key(),
    )
    entry = LedgerEntry.objects.create(
        sequence=record_.sequence,
        recorded_at=now,
        actor_id=actor_id,
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=record_.object_id,
        payload_json=details,
        payload_hash=record_.payload_hash,
        prev_hash=record_.prev_hash,
        entry_hash=record_.entry_hash,
        seal=record_.seal,
    )
    head.sequence, head.entry_hash = entry.sequence, entry.entry_hash
    head.seal = seal(seal_key(), head_text(head.sequence, head.entry_hash))
    reason = _checkpoint_due(head, action, now)
    if reason is not None:
        _sign(head, reason, now)
    head.save()
    return entry


def _locked_head() -> LedgerHead:
    """The head row, locked until the transaction ends (writers queue here).

    The row is made by the ledger's migration; ``get_or_create`` only covers a database
    emptied by hand (e.g. between tests).
    """
    try:
        return LedgerHead.objects.select_for_update().get(pk=1)
    except LedgerHead.DoesNotExist:
        LedgerHead.objects.get_or_create(pk=1)
        return LedgerHead.objects.select_for_update().get(pk=1)


def _checkpoint_due(head: LedgerHead, action: str, now: dt.datetime) -> str | None:
    if action in SIGNED_AT_ONCE:
        return LedgerCheckpoint.Reason.PUBLICATION
    if head.sequence - head.checkpoint_sequence >= settings.LEDGER_CHECKPOINT_EVERY:
        return LedgerCheckpoint.Reason.COUNT
    if head.checkpoint_at is None or now - head.checkpoint_at >= CHECKPOINT_INTERVAL:
        return LedgerCheckpoint.Reason.HOURLY
    return None


def _sign(head: LedgerHead, reason: str, now: dt.datetime) -> LedgerCheckpoint:
    key = instance_key()
    draft = Checkpoint(
        instance=instance_name(),
        key_id=key.key_id,
        sequence=head.sequence,
        head_hash=head.entry_hash,
        signed_at=moment(now),
    )
    checkpoint = LedgerCheckpoint.objects.create(
        sequence=draft.sequence,
        head_hash=draft.head_hash,
        instance=draft.instance,
        key_id=draft.key_id,
        signed_at=draft.signed_at,
        signature=key.sign(draft.statement()),
        reason=reason,
    )
    head.checkpoint_sequence, head.checkpoint_at = head.sequence, now
    return checkpoint


@transaction.atomic
def sign_head(reason: str = LedgerCheckpoint.Reason.REQUESTED) -> LedgerCheckpoint | None:
    """Sign the head now if entries were added since the last checkpoint (the worker
    calls it hourly); ``None`` when there is nothing new to sign."""
    head = _locked_head()
    if head.sequence == 0 or head.sequence == head.checkpoint_sequence:
        return None
    checkpoint = _sign(head, reason, timezone.now())
    head.save()
    return checkpoint


def sign_if_stale() -> LedgerCheckpoint | None:
    """The worker's hourly signature: only when the last one is an hour old."""
    head = LedgerHead.objects.filter(pk=1).first()
    if head is None or head.sequence == head.checkpoint_sequence:
        return None
    if head.checkpoint_at is not None and timezone.now() - head.checkpoint_at < CHECKPOINT_INTERVAL:
        return None
    return sign_head(LedgerCheckpoint.Reason.HOURLY)
