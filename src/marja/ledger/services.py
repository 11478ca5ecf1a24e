"""Writing to the ledger: the one function every change calls."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from marja.accounts.models import Organisation, User
from marja.ledger.events import EVENTS
from marja.ledger.models import LedgerEntry


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
    return LedgerEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload=payload or {},
    )
