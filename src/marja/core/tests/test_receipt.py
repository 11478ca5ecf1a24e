"""Receipts hold when untouched and are refused, with the reason, when anything is off."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marja.core.ledger import GENESIS, Checkpoint, EntryRecord, moment, new_entry
from marja.core.receipt import Expected, Subject, build_receipt, verify_receipt
from marja.core.signing import PublicKey, SigningKey
from marja.core.tests.test_ledger_check import KEY, SEAL, T0, checkpoint_at, make_ledger

SHA = "ab" * 32


def published_ledger() -> tuple[list[EntryRecord], int]:
    """Ten entries, the fourth publishing version 2 of «beds»."""
    entries = make_ledger(10)
    published = new_entry(
        sequence=4,
        recorded_at=T0,
        actor=3,
        organisation=7,
        action="version.published",
        object_type="dataset_version",
        object_id="beds/2",
        payload={"number": 2, "sha256": SHA, "size": 4096, "rows": 16, "through": "web"},
        prev_hash=entries[2].entry_hash,
        seal_key=SEAL,
    )
    chained = [*entries[:3], published]
    previous = published.entry_hash
    for entry in entries[4:]:
        again = new_entry(
            **{k: getattr(entry, k) for k in ("sequence", "actor", "organisation", "action")},
            recorded_at=T0,
            object_type=entry.object_type,
            object_id=entry.object_id,
            payload=entry.payload,
            prev_hash=previous,
            seal_key=SEAL,
        )
        chained.append(again)
        previous = again.entry_hash
    return chained, 4


def receipt_of(entries: list[EntryRecord], number: int, upto: int) -> dict[str, Any]:
    checkpoint = checkpoint_at(entries, upto)
    return build_receipt(
        instance="marja test",
        public_key=KEY.public,
        subject=Subject("beds", 2, SHA, 4096, 16),
        entry=entries[number - 1],
        path=[e.body_hash() for e in entries[number:upto]],
        checkpoint=checkpoint,
        issued_at=moment(T0),
    )


def codes(receipt: Any, key: PublicKey = KEY.public, expected: Expected | None = None) -> list[str]:
    return [code for code, _ in verify_receipt(receipt, key, expected).problems]


@pytest.mark.parametrize("upto", [4, 5, 10])
def test_a_receipt_holds_whatever_the_distance_to_its_checkpoint(upto: int) -> None:
    entries, number = published_ledger()
    receipt = json.loads(json.dumps(receipt_of(entries, number, upto)))
    check = verify_receipt(receipt, KEY.public, Expected("beds", 2, SHA))
    assert check.ok, check.problems
    assert check.subject == Subject("beds", 2, SHA, 4096, 16)


def test_a_receipt_checked_with_another_instance_key_is_refused() -> None:
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 6)
    other = SigningKey.generate().public
    check = verify_receipt(receipt, other)
    assert [c for c, _ in check.problems] == ["receipt_other_instance"]
    assert check.problems[0][1] == {"key_id": KEY.key_id, "expected": other.key_id}


def test_a_receipt_signed_by_a_forger_is_refused() -> None:
    """The forger signs with their own key but claims the instance's key id."""
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 6)
    forger = SigningKey.generate()
    statement = Checkpoint.from_dict(receipt["checkpoint"]).statement()
    receipt["checkpoint"]["signature"] = forger.sign(statement)
    assert codes(receipt) == ["receipt_signature_invalid"]


def test_a_receipt_whose_subject_was_changed_is_refused() -> None:
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 6)
    receipt["subject"]["sha256"] = "cd" * 32
    assert codes(receipt) == ["receipt_subject_mismatch"]


def test_a_receipt_whose_entry_was_changed_is_refused() -> None:
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 6)
    receipt["entry"]["payload"]["sha256"] = receipt["subject"]["sha256"] = "cd" * 32
    assert codes(receipt) == ["receipt_entry_altered"]


def test_a_receipt_with_a_shortened_path_is_refused() -> None:
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 8)
    receipt["path"] = receipt["path"][:-1]
    assert codes(receipt) == ["receipt_path_invalid"]


def test_a_genuine_receipt_replayed_for_another_version_is_refused() -> None:
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 6)
    check = verify_receipt(receipt, KEY.public, Expected(dataset="beds", version=3))
    assert check.problems == [
        ("receipt_not_expected", {"field": "version", "expected": 3, "actual": 2})
    ]
    assert codes(receipt, expected=Expected(sha256="ef" * 32)) == ["receipt_not_expected"]
    assert codes(receipt, expected=Expected(dataset="schools")) == ["receipt_not_expected"]


def test_a_receipt_of_another_entry_is_refused() -> None:
    """A real receipt of another entry cannot be passed off as a version's receipt."""
    entries, _number = published_ledger()
    receipt = receipt_of(entries, 6, 8)
    assert "receipt_subject_mismatch" in codes(receipt)


@pytest.mark.parametrize(
    "broken",
    [None, [], "text", {"type": "other"}, {"type": "marja.receipt", "v": 2}],
)
def test_what_is_not_a_receipt_is_named(broken: Any) -> None:
    assert codes(broken) == ["receipt_malformed"]


def test_a_receipt_missing_a_field_is_named() -> None:
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 6)
    del receipt["entry"]["prev_hash"]
    check = verify_receipt(receipt, KEY.public)
    assert check.problems == [
        (
            "receipt_malformed",
            {"problem": "entry field 'prev_hash' is missing or of the wrong type"},
        )
    ]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


#: Parts of a receipt that only help a reader and prove nothing, so may change freely.
UNSIGNED = {("issued_at",), ("instance", "public_key"), ("instance", "algorithm")}


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_changing_any_signed_part_of_a_receipt_is_caught(data: st.DataObject) -> None:
    entries, number = published_ledger()
    receipt = receipt_of(entries, number, 7)
    leaves = [p for p in _leaves(receipt) if p not in UNSIGNED and p[:1] != ("links",)]
    where = data.draw(st.sampled_from(leaves))
    tampered = copy.deepcopy(receipt)
    parent = tampered
    for key in where[:-1]:
        parent = parent[key]
    value = parent[where[-1]]
    if isinstance(value, bool) or value is None:
        parent[where[-1]] = 1
    elif isinstance(value, int):
        parent[where[-1]] = value + data.draw(st.sampled_from([-1, 1, 1000]))
    else:
        text = str(value)
        index = data.draw(st.integers(0, max(0, len(text) - 1)))
        replacement = "0" if text[index : index + 1] != "0" else "1"
        parent[where[-1]] = text[:index] + replacement + text[index + 1 :]
    assert not verify_receipt(tampered, KEY.public).ok, where


def test_checkpoints_round_trip_through_json() -> None:
    entries, _ = published_ledger()
    checkpoint = checkpoint_at(entries, 5)
    again = Checkpoint.from_dict(json.loads(json.dumps(checkpoint.to_dict())))
    assert again == checkpoint
    assert KEY.public.verifies(again.statement(), again.signature)
    assert not KEY.public.verifies(
        dataclasses.replace(again, sequence=6).statement(), again.signature
    )
    assert GENESIS == "0" * 64
