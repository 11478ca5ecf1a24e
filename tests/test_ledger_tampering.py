"""Tampering with the stored ledger or data, the way someone with database or disk access
would: each way is detected and named by ``marja verify``'s check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client

from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store
from marja.ledger.models import LedgerCheckpoint, LedgerEntry
from marja.ledger.verification import run_verification, verify_instance
from tests.ledger_support import BEDS, CENSUS

Versions = dict[str, DatasetVersion]


def problems() -> list[tuple[str, Any]]:
    return [(p["code"], p["sequence"]) for p in verify_instance()["problems"]]


def sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def middle() -> int:
    return LedgerEntry.objects.count() // 2


def test_the_untouched_instance_passes(versions: Versions) -> None:
    report = verify_instance()
    assert report["problems"] == []
    assert report["objects"] == 2 and report["versions"] == 2
    assert report["bytes"] == sum(v.size for v in versions.values())


def test_a_row_edited_in_the_database_is_named(versions: Versions) -> None:
    number = middle()
    sql("UPDATE ledger_ledgerentry SET payload_json = %s WHERE sequence = %s", '{"x": 1}', number)
    assert problems() == [("entry_altered", number)]


def test_an_action_edited_in_the_database_is_named(versions: Versions) -> None:
    number = middle()
    sql("UPDATE ledger_ledgerentry SET action = 'grant.given' WHERE sequence = %s", number)
    report = verify_instance()
    assert [(p["code"], p["sequence"], p["params"]) for p in report["problems"]] == [
        ("entry_altered", number, {"part": "fields"})
    ]


def test_a_deleted_entry_is_named(versions: Versions) -> None:
    number = middle()
    sql("DELETE FROM ledger_ledgerentry WHERE sequence = %s", number)
    assert ("entries_removed", number) in problems()


def test_two_swapped_entries_are_named(versions: Versions) -> None:
    number = middle()
    sql("UPDATE ledger_ledgerentry SET sequence = -1 WHERE sequence = %s", number)
    sql("UPDATE ledger_ledgerentry SET sequence = %s WHERE sequence = %s", number, number + 1)
    sql("UPDATE ledger_ledgerentry SET sequence = %s WHERE sequence = -1", number + 1)
    assert problems() == [("entries_swapped", number)]


def test_an_inserted_entry_is_named(versions: Versions) -> None:
    last = LedgerEntry.objects.order_by("sequence").last()
    assert last is not None
    sql(
        "INSERT INTO ledger_ledgerentry (sequence, recorded_at, action, object_type, object_id,"
        " payload_json, payload_hash, prev_hash, entry_hash, seal)"
        " VALUES (%s, %s, 'version.published', 'dataset_version', 'x/9', '{}', %s, %s, %s, %s)",
        last.sequence + 1,
        last.recorded_at,
        "0" * 64,
        last.entry_hash,
        "e" * 64,
        "f" * 64,
    )
    assert ("entry_inserted", last.sequence + 1) in problems() or (
        "entry_altered",
        last.sequence + 1,
    ) in problems()


def test_the_cut_off_end_of_the_ledger_is_named(versions: Versions) -> None:
    last = LedgerEntry.objects.order_by("sequence").last()
    assert last is not None
    sql("UPDATE ingest_datasetversion SET ledger_entry_id = NULL")
    sql("DELETE FROM ledger_ledgerentry WHERE sequence >= %s", last.sequence - 1)
    found = problems()
    assert ("entries_removed", last.sequence - 1) in found
    assert ("checkpoint_beyond_end", last.sequence) in found


def test_a_forged_checkpoint_is_named(versions: Versions) -> None:
    checkpoint = LedgerCheckpoint.objects.order_by("sequence").first()
    assert checkpoint is not None
    sql("UPDATE ledger_ledgercheckpoint SET head_hash = %s WHERE id = %s", "a" * 64, checkpoint.pk)
    assert problems() == [("checkpoint_forged", checkpoint.sequence)]


def test_a_flipped_byte_in_an_object_is_named(versions: Versions) -> None:
    version = versions[CENSUS]
    path = object_store().path_for(version.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify_instance()
    assert [
        (p["code"], p["params"]["dataset"], p["params"]["version"]) for p in report["problems"]
    ] == [("object_changed", CENSUS, 1)]
    assert report["problems"][0]["params"]["expected"] == version.sha256


def test_a_missing_object_is_named(versions: Versions) -> None:
    version = versions[BEDS]
    object_store().path_for(version.sha256).unlink()
    found = verify_instance()["problems"]
    assert [(p["code"], p["params"]["dataset"]) for p in found] == [("object_missing", BEDS)]


def test_a_version_pointed_at_other_data_is_named(versions: Versions) -> None:
    """Someone edits a version's hash in the database to serve another object."""
    census, beds = versions[CENSUS], versions[BEDS]
    sql(
        "UPDATE ingest_datasetversion SET sha256 = %s, size = %s WHERE id = %s",
        beds.sha256,
        beds.size,
        census.pk,
    )
    found = {(p["code"], p["params"].get("field")) for p in verify_instance()["problems"]}
    assert found == {("version_mismatch", "sha256"), ("version_mismatch", "size")}


def test_each_run_is_kept_with_its_report(versions: Versions) -> None:
    sql("DELETE FROM ledger_ledgerentry WHERE sequence = %s", middle())
    run = run_verification(through="cli")
    assert run.status == "failed"
    assert run.report["problems"][0]["code"] == "entries_removed"


def test_the_administrators_page_shows_what_was_found(
    versions: Versions, client_as: Any, tmp_path: Path
) -> None:
    from marja.ledger.models import LedgerVerification
    from marja.ledger.tasks import verify_in_background

    number = middle()
    sql("UPDATE ledger_ledgerentry SET payload_json = '{}' WHERE sequence = %s", number)
    admin: Client = client_as("admin")
    response = admin.post("/ledger/verify/")
    assert response.status_code == 302
    queued = LedgerVerification.objects.get()
    assert queued.status == "queued"
    verify_in_background.call(queued.pk)
    page = admin.get("/ledger/verify/").content.decode()
    assert 'data-status="failed"' in page
    persian = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in str(number))
    assert f"رویداد {persian} پس از ثبت دستکاری شده است" in page
    assert client_as("mpo.editor").get("/ledger/verify/").status_code == 403
    assert Client().get("/ledger/verify/").status_code == 302
