"""The ledger check names what was done to a stored ledger: each way of tampering."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marja.core.ledger import GENESIS, Checkpoint, EntryRecord, Head, head_text, moment, new_entry
from marja.core.ledger_check import ChainReport, StoredCheckpoint, verify_chain
from marja.core.signing import SigningKey, seal

KEY = SigningKey.generate()
SEAL = KEY.seal_key()
T0 = dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)


def make_ledger(n: int) -> list[EntryRecord]:
    entries: list[EntryRecord] = []
    previous = GENESIS
    for number in range(1, n + 1):
        entry = new_entry(
            sequence=number,
            recorded_at=T0 + dt.timedelta(seconds=number, microseconds=number),
            actor=number % 3 or None,
            organisation=7,
            action="dataset.changed",
            object_type="dataset",
            object_id=f"beds-{number}",
            payload={"fields": ["title_fa"], "n": number, "title": "تخت‌های بیمارستانی"},
            prev_hash=previous,
            seal_key=SEAL,
        )
        entries.append(entry)
        previous = entry.entry_hash
    return entries


def head_of(entries: list[EntryRecord]) -> Head:
    last = entries[-1]
    return Head(
        last.sequence, last.entry_hash, seal(SEAL, head_text(last.sequence, last.entry_hash))
    )


def checkpoint_at(entries: list[EntryRecord], number: int, key: SigningKey = KEY) -> Checkpoint:
    draft = Checkpoint("marja test", key.key_id, number, entries[number - 1].entry_hash, moment(T0))
    return dataclasses.replace(draft, signature=key.sign(draft.statement()))


def check(
    entries: list[EntryRecord],
    head: Head | None,
    checkpoints: list[Checkpoint] = (),  # type: ignore[assignment]
) -> ChainReport:
    ordered = sorted(entries, key=lambda e: e.sequence)
    return verify_chain(
        lambda: iter(ordered),
        seal_key=SEAL,
        head=head,
        checkpoints=[StoredCheckpoint(i + 1, c) for i, c in enumerate(checkpoints)],
        public_key=KEY.public,
    )


def found(report: ChainReport) -> list[tuple[str, int | None]]:
    return [(p.code, p.sequence) for p in report.problems]


def renumbered(entry: EntryRecord, number: int) -> EntryRecord:
    return dataclasses.replace(entry, sequence=number)


def test_an_untouched_ledger_passes() -> None:
    entries = make_ledger(30)
    report = check(entries, head_of(entries), [checkpoint_at(entries, 20)])
    assert report.ok, report.problems
    assert (report.entries, report.last_sequence, report.unsigned_entries) == (30, 30, 10)


def test_an_empty_ledger_passes() -> None:
    assert check([], None).ok


def test_a_payload_edited_in_the_database_is_named() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    entries[4] = dataclasses.replace(entries[4], payload={**entries[4].payload, "n": 99})
    report = check(entries, head)
    assert found(report) == [("entry_altered", 5)]
    assert report.problems[0].params == {"part": "payload"}


@pytest.mark.parametrize(
    "change",
    [
        {"action": "dataset.created"},
        {"actor": 42},
        {"organisation": None},
        {"object_id": "other"},
        {"recorded_at": moment(T0 - dt.timedelta(days=1))},
    ],
)
def test_any_other_field_edited_is_named(change: dict[str, object]) -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    entries[6] = dataclasses.replace(entries[6], **change)  # type: ignore[arg-type]
    report = check(entries, head)
    assert found(report) == [("entry_altered", 7)]
    assert report.problems[0].params == {"part": "fields"}


def test_an_entry_rewritten_with_fresh_hashes_lacks_the_seal() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    forged = new_entry(
        **{
            **{k: getattr(entries[3], k) for k in ("sequence", "actor", "organisation")},
            "recorded_at": T0,
            "action": "dataset.changed",
            "object_type": "dataset",
            "object_id": "beds-4",
            "payload": {"n": 4, "forged": True},
            "prev_hash": entries[3].prev_hash,
            "seal_key": b"not the instance's key" * 2,
        }
    )
    entries[3] = forged
    report = check(entries, head)
    assert found(report) == [("entry_rewritten", 4)]


def test_a_deleted_entry_is_named() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    del entries[5]
    report = check(entries, head)
    assert found(report) == [("entries_removed", 6)]
    assert report.problems[0].params == {"first": 6, "last": 6, "at_end": False}


def test_several_deleted_entries_are_named_as_one_range() -> None:
    entries = make_ledger(12)
    head = head_of(entries)
    del entries[3:7]
    report = check(entries, head)
    assert found(report) == [("entries_removed", 4)]
    assert report.problems[0].params["last"] == 7


def test_the_last_entries_deleted_are_named_by_the_head() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    del entries[-2:]
    report = check(entries, head)
    assert found(report) == [("entries_removed", 9)]
    assert report.problems[0].params == {"first": 9, "last": 10, "at_end": True}


def test_the_last_entries_deleted_are_named_by_a_checkpoint_even_without_the_head() -> None:
    entries = make_ledger(10)
    checkpoint = checkpoint_at(entries, 10)
    del entries[-3:]
    report = check(entries, head_of(entries), [checkpoint])
    assert found(report) == [("checkpoint_beyond_end", 10)]
    assert report.problems[0].params["last"] == 7


def test_a_deleted_entry_hidden_by_renumbering_is_still_named() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    kept = entries[:4] + [renumbered(e, e.sequence - 1) for e in entries[5:]]
    report = check(kept, head)
    assert found(report) == [("entries_removed", 5), ("entries_renumbered", 5)]
    assert report.problems[1].params == {"first": 5, "last": 9, "shift": -1}


def test_two_swapped_entries_are_named() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    entries[3], entries[4] = renumbered(entries[4], 4), renumbered(entries[3], 5)
    report = check(entries, head)
    assert found(report) == [("entries_swapped", 4)]
    assert report.problems[0].params == {"other": 5}


def test_two_distant_swapped_entries_are_named() -> None:
    entries = make_ledger(40)
    head = head_of(entries)
    entries[2], entries[30] = renumbered(entries[30], 3), renumbered(entries[2], 31)
    report = check(entries, head)
    assert found(report) == [("entries_swapped", 3)]
    assert report.problems[0].params == {"other": 31}


def test_swapped_contents_are_named_like_swapped_numbers() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    a, b = entries[6], entries[7]
    entries[6] = renumbered(b, 7)
    entries[7] = renumbered(a, 8)
    assert found(check(entries, head)) == [("entries_swapped", 7)]


def test_an_entry_inserted_in_the_middle_is_named() -> None:
    entries = make_ledger(10)
    head = head_of(entries)
    inserted = new_entry(
        sequence=5,
        recorded_at=T0,
        actor=1,
        organisation=7,
        action="dataset.created",
        object_type="dataset",
        object_id="invented",
        payload={},
        prev_hash=entries[3].entry_hash,
        seal_key=b"guessed" * 5,
    )
    tampered = entries[:4] + [inserted] + [renumbered(e, e.sequence + 1) for e in entries[4:]]
    report = check(tampered, head)
    assert found(report) == [("entry_inserted", 5), ("entries_renumbered", 6)]
    assert report.problems[1].params == {"first": 6, "last": 11, "shift": 1}


def test_an_entry_appended_after_the_head_is_named() -> None:
    entries = make_ledger(6)
    head = head_of(entries)
    extra = new_entry(
        sequence=7,
        recorded_at=T0,
        actor=None,
        organisation=None,
        action="dataset.created",
        object_type="dataset",
        object_id="invented",
        payload={},
        prev_hash=entries[-1].entry_hash,
        seal_key=b"guessed" * 5,
    )
    assert found(check([*entries, extra], head)) == [("entry_rewritten", 7)]
    # With the real key (an insider with the data folder), the head still tells.
    sealed_extra = dataclasses.replace(extra, seal=seal(SEAL, extra.entry_hash))
    assert found(check([*entries, sealed_extra], head)) == [("entry_inserted", 7)]


def test_a_forged_head_is_named() -> None:
    entries = make_ledger(5)
    head = dataclasses.replace(head_of(entries), sequence=4)
    assert found(check(entries, head)) == [("head_forged", 4)]


def test_a_missing_head_is_named() -> None:
    assert found(check(make_ledger(3), None)) == [("head_missing", None)]


def test_a_forged_checkpoint_is_named() -> None:
    entries = make_ledger(10)
    checkpoint = dataclasses.replace(checkpoint_at(entries, 8), head_hash=entries[6].entry_hash)
    report = check(entries, head_of(entries), [checkpoint])
    assert found(report) == [("checkpoint_forged", 8)]
    assert report.unsigned_entries == 10


def test_a_checkpoint_of_another_key_is_named() -> None:
    entries = make_ledger(10)
    other = SigningKey.generate()
    report = check(entries, head_of(entries), [checkpoint_at(entries, 5, other)])
    assert found(report) == [("checkpoint_other_key", 5)]
    assert report.problems[0].params["key_id"] == other.key_id


def test_a_rewritten_history_no_longer_matches_its_checkpoint() -> None:
    """Someone with the seal key rewrites the whole chain: the signature still tells."""
    entries = make_ledger(8)
    checkpoint = checkpoint_at(entries, 8)
    rewritten: list[EntryRecord] = []
    previous = GENESIS
    for entry in entries:
        payload = {**entry.payload, "n": -1} if entry.sequence == 3 else entry.payload
        again = new_entry(
            sequence=entry.sequence,
            recorded_at=T0 + dt.timedelta(seconds=entry.sequence, microseconds=entry.sequence),
            actor=entry.actor,
            organisation=entry.organisation,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            payload=payload,
            prev_hash=previous,
            seal_key=SEAL,
        )
        rewritten.append(again)
        previous = again.entry_hash
    assert found(check(rewritten, head_of(rewritten), [checkpoint])) == [("checkpoint_mismatch", 8)]


TAMPERINGS = st.sampled_from(["edit", "delete", "swap", "move_far", "rehash"])


@settings(max_examples=60, deadline=None)
@given(size=st.integers(3, 40), where=st.integers(0, 39), how=TAMPERINGS)
def test_no_tampering_goes_unnoticed(size: int, where: int, how: str) -> None:
    """Whatever is done and wherever, the check finds a problem at or near the place."""
    entries = make_ledger(size)
    head = head_of(entries)
    index = where % size
    if how == "edit":
        entries[index] = dataclasses.replace(entries[index], object_id="x")
    elif how == "delete":
        del entries[index]
    elif how == "swap":
        other = (index + 1) % size
        a, b = entries[index], entries[other]
        entries[index], entries[other] = renumbered(b, a.sequence), renumbered(a, b.sequence)
    elif how == "move_far":
        other = (index + size // 2) % size
        if other == index:
            return
        a, b = entries[index], entries[other]
        entries[index], entries[other] = renumbered(b, a.sequence), renumbered(a, b.sequence)
    else:
        entries[index] = dataclasses.replace(entries[index], entry_hash="f" * 64)
    report = check(entries, head)
    assert not report.ok
    assert any(
        p.sequence is not None and abs(p.sequence - (index + 1)) <= size for p in report.problems
    )
