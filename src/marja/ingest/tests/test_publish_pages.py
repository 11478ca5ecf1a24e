"""Publishing through the pages: versions, reports, diffs, schema, permissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from django.conf import settings
from django.test import Client

from marja.core.schema import Schema
from marja.ingest.models import DatasetSchema, DatasetVersion, ImmutableError, Publication
from marja.ingest.services import update_schema
from marja.ingest.storage import object_store
from marja.ingest.tests.conftest import CENSUS, Publish, csv_bytes
from marja.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

FIRST = csv_bytes(
    "tehran,۸٬۷۳۷٬۵۱۰,1395/07/01", "rey,349700,۱۳۹۵-۰۷-۰۱", "pakdasht,٣٥٠٠٠٠,1395/7/1"
)


def _rows(version: DatasetVersion) -> list[tuple[object, ...]]:
    path = object_store().open(version.sha256)
    return sorted(duckdb.read_parquet(str(path)).fetchall(), key=str)


def test_first_upload_infers_the_schema_and_stores_a_content_addressed_object(
    publish: Publish, client_as: Callable[[str], Client]
) -> None:
    publication = publish(FIRST, note="سرشماری")
    assert publication.status == Publication.Status.PUBLISHED
    version = publication.version
    assert version is not None and version.number == 1 and version.row_count == 3
    path = Path(settings.DATA_DIR) / "objects" / "sha256" / version.sha256[:2]
    assert (path / f"{version.sha256[2:]}.parquet").exists()
    assert _rows(version) == [
        ("pakdasht", 350000, dt.date(2016, 9, 22)),
        ("rey", 349700, dt.date(2016, 9, 22)),
        ("tehran", 8737510, dt.date(2016, 9, 22)),
    ]
    schema = Schema.from_dict(DatasetSchema.objects.get(dataset__slug=CENSUS).definition)
    assert [(f.name, f.type.value) for f in schema.fields] == [
        ("code_county", "county"),
        ("population", "integer"),
        ("date_amargiri", "jalali_date"),
    ]
    assert {s["field"]: (s["min"], s["max"], s["nulls"]) for s in version.stats}["population"] == (
        349700,
        8737510,
        0,
    )
    page = client_as("governorate.viewer").get(f"/datasets/{CENSUS}/").text
    assert "۸٬۷۳۷٬۵۱۰" in page  # preview in Persian digits
    assert "۱۳۹۵/۰۷/۰۱" in page  # the stored date shown as Jalali
    assert version.sha256 in page
    entry = LedgerEntry.objects.get(action="version.published")
    assert entry.payload["sha256"] == version.sha256 and entry.object_id == f"{CENSUS}/1"


def test_a_refused_file_leaves_the_current_version_and_reports_row_column_value_rule(
    publish: Publish, client_as: Callable[[str], Client]
) -> None:
    first = publish(FIRST)
    bad = publish(csv_bytes("tehran,abc,1395/07/01", "karaj,5,1395/07/01", "rey,7,1402/12/30"))
    assert bad.status == Publication.Status.REJECTED and bad.version is None
    assert DatasetVersion.objects.filter(dataset__slug=CENSUS).count() == 1
    client = client_as("mpo.editor")
    report = client.get(f"/datasets/{CENSUS}/publications/{bad.pk}/report.json").json()
    problems = {
        (p["row"], p["column"], p["value"], p["rule"]) for p in report["report"]["problems"]
    }
    assert problems == {
        (2, "جمعیت", "abc", "type"),
        (3, "کد شهرستان", "karaj", "reference"),
        (4, "تاریخ آمارگیری", "1402/12/30", "type"),
    }
    first_message = report["report"]["problems"][0]["message"]
    assert first_message["en"] == "Row 2, column «جمعیت»: «abc» is not a valid whole number."
    assert first_message["fa"].startswith("سطر ۲، ستون «جمعیت»")
    page = client.get(f"/datasets/{CENSUS}/publications/{bad.pk}/").text
    assert "abc" in page and "عدد صحیح" in page and "is not a valid whole number" in page
    bad_rows = client.get(f"/datasets/{CENSUS}/publications/{bad.pk}/bad-rows.csv")
    body = b"".join(bad_rows.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("row,problems,کد شهرستان") and len(lines) == 4
    current = client.get(f"/datasets/{CENSUS}/").text
    assert first.version is not None and first.version.sha256 in current
    assert LedgerEntry.objects.filter(action="publication.rejected").count() == 1


def test_valid_rows_only_publishes_the_rest_and_says_so(
    publish: Publish, client_as: Callable[[str], Client]
) -> None:
    publish(FIRST)  # the schema comes from the first file: population is a whole number
    publication = publish(
        csv_bytes("tehran,1,1395/07/01", "rey,x,1395/07/01", "varamin,3,1395/07/01"),
        valid_rows_only="on",
    )
    version = publication.version
    assert version is not None and version.row_count == 2 and version.excluded_rows == 1
    assert _rows(version) == [
        ("tehran", 1, dt.date(2016, 9, 22)),
        ("varamin", 3, dt.date(2016, 9, 22)),
    ]
    page = client_as("mpo.editor").get(f"/datasets/{CENSUS}/versions/2/").text
    assert "۱ سطر دارای خطا به درخواست ناشر کنار گذاشته شد" in page


def test_the_same_content_twice_makes_no_new_version(publish: Publish) -> None:
    publish(FIRST)
    again = publish(FIRST, name="again.csv")
    assert again.status == Publication.Status.UNCHANGED
    assert DatasetVersion.objects.filter(dataset__slug=CENSUS).count() == 1


def test_versions_diff_by_primary_key_and_earlier_versions_stay_readable(
    publish: Publish, client_as: Callable[[str], Client]
) -> None:
    first = publish(FIRST)
    schema = Schema.from_dict(DatasetSchema.objects.get(dataset__slug=CENSUS).definition)
    from dataclasses import replace

    from marja.catalog.models import Dataset

    update_schema(
        Dataset.objects.get(slug=CENSUS), replace(schema, primary_key=("code_county",)), actor=None
    )
    second = publish(
        csv_bytes("tehran,8737511,1395/07/01", "rey,349700,1395/07/01", "varamin,1,1395/07/01")
    )
    version = second.version
    assert version is not None and version.number == 2
    assert version.diff is not None
    assert {k: version.diff[k] for k in ("added", "removed", "changed", "unchanged", "by")} == {
        "added": 1,
        "removed": 1,
        "changed": 1,
        "unchanged": 1,
        "by": "key",
    }
    assert version.diff["samples"]["changed"] == [
        {"key": {"code_county": "tehran"}, "fields": {"population": [8737510, 8737511]}}
    ]
    client = client_as("mpo.editor")
    page = client.get(f"/datasets/{CENSUS}/versions/2/").text
    assert "۸٬۷۳۷٬۵۱۱" in page and "varamin" in page
    assert first.version is not None
    old = client.get(f"/datasets/{CENSUS}/versions/1/")
    assert old.status_code == 200 and "pakdasht" in old.text
    download = client.get(f"/datasets/{CENSUS}/versions/1/data.parquet")
    assert download["ETag"] == f'"{first.version.sha256}"'
    listing = client.get(f"/datasets/{CENSUS}/versions/").text
    assert listing.count("<tr>") == 3  # header + two versions


def test_a_declared_schema_checks_rules_and_unknown_columns(
    publish: Publish, client_as: Callable[[str], Client]
) -> None:
    publish(FIRST)
    client = client_as("mpo.editor")
    form = client.get(f"/datasets/{CENSUS}/schema/")
    assert form.status_code == 200
    data = {
        "f-TOTAL_FORMS": "3",
        "f-INITIAL_FORMS": "3",
        "f-0-name": "county",
        "f-0-type": "county",
        "f-0-label_fa": "کد شهرستان",
        "f-0-required": "on",
        "f-0-in_key": "on",
        "f-1-name": "population",
        "f-1-type": "integer",
        "f-1-label_fa": "جمعیت",
        "f-1-minimum": "0",
        "f-1-maximum": "10000000",
        "f-2-name": "surveyed_on",
        "f-2-type": "jalali_date",
        "f-2-label_fa": "تاریخ آمارگیری",
        "missing_values": "-",
    }
    saved = client.post(f"/datasets/{CENSUS}/schema/", data)
    assert saved.status_code == 302
    assert LedgerEntry.objects.filter(action="schema.changed").count() == 1
    bad = publish(csv_bytes("tehran,20000000,-", ",5,1395/07/01", "rey,6,-"))
    report = bad.report
    assert report is not None
    assert {(p["rule"], p["row"]) for p in report["problems"]} == {("maximum", 2), ("required", 3)}
    extra = publish(b"county,population,surveyed_on,extra\ntehran,1,1395/07/01,x\n")
    assert extra.report is not None
    assert [(p["rule"], p["column"]) for p in extra.report["problems"]] == [
        ("unknown_column", "extra")
    ]
    renamed = publish(b"county,population,surveyed_on\ntehran,1,1395/07/01\n")
    assert renamed.status == Publication.Status.PUBLISHED  # names match as well as labels
    wrong = dict(data, **{"f-1-minimum": "5", "f-1-maximum": "1"})
    refused = client.post(f"/datasets/{CENSUS}/schema/", wrong)
    assert refused.status_code == 200 and "بیشینه از کمینه کمتر است" in refused.text


def test_only_editors_of_the_publisher_may_publish(
    publish: Publish, client_as: Callable[[str], Client], client: Client
) -> None:
    for user in ("governorate.viewer", "tums.admin", "admin"):
        assert client_as(user).get(f"/datasets/{CENSUS}/publish/").status_code == 403
    anonymous = client.get(f"/datasets/{CENSUS}/publish/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_as("tums.admin").get("/datasets/hospital-beds/publish/").status_code == 200
    publication = publish(FIRST)
    # Someone who may read the dataset but not publish it does not see the report.
    report = f"/datasets/{CENSUS}/publications/{publication.pk}/"
    assert client_as("governorate.viewer").get(report).status_code == 404
    assert client.get("/datasets/unfinished-projects/versions/").status_code == 404


def test_versions_are_immutable(publish: Publish) -> None:
    version = publish(FIRST).version
    assert version is not None
    version.row_count = 1
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()


def test_a_file_name_with_path_and_shell_characters_is_only_a_label(publish: Publish) -> None:
    publication = publish(FIRST, name="../../etc/passwd;rm -rf $(id).csv")
    assert publication.status == Publication.Status.PUBLISHED
    assert publication.original_name == "passwd;rm -rf $(id).csv"
    assert not (Path(settings.DATA_DIR).parent / "etc").exists()


def test_an_upload_over_the_limit_is_refused_with_413(
    client_as: Callable[[str], Client], settings: object
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_UPLOAD_BYTES = 1000  # type: ignore[attr-defined]
    response = client_as("mpo.editor").post(
        f"/datasets/{CENSUS}/publish/", {"file": SimpleUploadedFile("big.csv", b"a,b\n" * 1000)}
    )
    assert response.status_code == 413
    assert "بزرگ" in response.text
    assert not Publication.objects.exists()
