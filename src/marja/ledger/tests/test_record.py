"""Every change is appended to the chain in its own transaction, gap-free, sealed, signed."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from marja.accounts.models import Organisation
from marja.core.ledger import GENESIS
from marja.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerImmutableError
from marja.ledger.services import record, sign_head
from marja.ledger.verification import verify_instance


def test_entries_are_numbered_chained_and_sealed(own_data_dir: Path, demo: Any) -> None:
    entries = list(LedgerEntry.objects.order_by("sequence"))
    assert entries, "loading the demo records its changes"
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    head = LedgerHead.objects.get()
    assert (head.sequence, head.entry_hash) == (entries[-1].sequence, entries[-1].entry_hash)
    assert verify_instance()["problems"] == []


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(
    own_data_dir: Path, demo: Any
) -> None:
    entry = LedgerEntry.objects.first()
    assert entry is not None
    entry.action = "dataset.created"
    with pytest.raises(LedgerImmutableError):
        entry.save()
    with pytest.raises(LedgerImmutableError):
        entry.delete()


@pytest.mark.django_db(transaction=True)
def test_no_entry_is_written_outside_a_transaction(own_data_dir: Path) -> None:
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        record("dataset.created", actor=None, organisation=None, object_type="x", object_id=1)


def test_a_rolled_back_change_leaves_no_entry_and_no_gap(own_data_dir: Path, demo: Any) -> None:
    before = LedgerHead.objects.get().sequence

    def failing_change() -> None:
        with transaction.atomic():
            record("dataset.created", actor=None, organisation=None, object_type="x", object_id=1)
            raise ZeroDivisionError  # the change fails after its entry

    with pytest.raises(ZeroDivisionError):
        failing_change()
    assert LedgerHead.objects.get().sequence == before
    with transaction.atomic():
        entry = record(
            "dataset.created", actor=None, organisation=None, object_type="x", object_id=2
        )
    assert entry.sequence == before + 1


def test_a_publication_is_signed_at_once(own_data_dir: Path, demo: Any, published: Any) -> None:
    published("hospital-beds")
    entry = LedgerEntry.objects.filter(action="version.published").last()
    assert entry is not None
    checkpoint = LedgerCheckpoint.objects.order_by("-sequence").first()
    assert checkpoint is not None and checkpoint.sequence == entry.sequence
    assert checkpoint.reason == LedgerCheckpoint.Reason.PUBLICATION


def test_the_head_is_signed_every_n_entries(own_data_dir: Path, db: None, settings: object) -> None:
    settings.LEDGER_CHECKPOINT_EVERY = 3  # type: ignore[attr-defined]
    with transaction.atomic():
        for number in range(7):
            record(
                "dataset.changed", actor=None, organisation=None, object_type="x", object_id=number
            )
    signed = list(LedgerCheckpoint.objects.values_list("sequence", "reason"))
    # The first entry is signed because no checkpoint is an hour old yet; then every 3.
    assert signed == [(1, "hourly"), (4, "count"), (7, "count")]
    assert sign_head() is None  # nothing new to sign


def test_an_entry_keeps_numbers_that_json_columns_would_rewrite(
    own_data_dir: Path, db: None
) -> None:
    """1e16 as a float, large integers, Persian text: hashed and stored exactly."""
    organisation = Organisation.objects.create(slug="o", name_fa="سازمان", kind="other")
    payload = {"big": 12345678901234567890, "float": 1e16, "small": 1e-7, "fa": "كتاب‌خانه"}
    with transaction.atomic():
        entry = record(
            "dataset.changed",
            actor=None,
            organisation=organisation,
            object_type="dataset",
            object_id="o",
            payload=payload,
        )
    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert stored.payload == payload
    assert stored.as_record().intact_as(stored.sequence)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_unbroken_chain(own_data_dir: Path) -> None:
    """Writers in parallel threads (parallel connections) queue on the head row."""
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for number in range(15):
                with transaction.atomic():
                    record(
                        "dataset.changed",
                        actor=None,
                        organisation=None,
                        object_type="dataset",
                        object_id=f"{worker}-{number}",
                    )
        except BaseException as exc:  # pragma: no cover (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert LedgerEntry.objects.count() == 60
    assert LedgerHead.objects.get().sequence == 60
    assert verify_instance()["problems"] == []


def test_the_worker_signs_the_head_when_an_hour_passed(own_data_dir: Path, db: None) -> None:
    import datetime as dt

    from django.utils import timezone

    from marja.ledger.services import sign_if_stale

    with transaction.atomic():
        for number in range(3):
            record(
                "dataset.changed", actor=None, organisation=None, object_type="x", object_id=number
            )
    assert sign_if_stale() is None  # the first entry was signed moments ago
    LedgerHead.objects.update(checkpoint_at=timezone.now() - dt.timedelta(hours=2))
    signed = sign_if_stale()
    assert signed is not None and signed.reason == "hourly" and signed.sequence == 3
    assert sign_if_stale() is None  # nothing new since
