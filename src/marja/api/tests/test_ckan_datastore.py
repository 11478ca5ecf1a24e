"""``datastore_search`` of the CKAN face: CKAN 2.11's result shape over published versions.

The expected numbers are computed with DuckDB straight from each version's Parquet object,
so they check the face against the data, not against itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.test import Client

from marja.api.tests.ckan_support import (
    CENSUS,
    HOSPITALS,
    RESTRICTED,
    call,
    error,
    fast_demo,
    generous_rate_limits,
    published_versions,
    result,
    token_for,
)
from marja.catalog.demo import DemoResult
from marja.core.query import MAX_LIMIT
from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store


@pytest.fixture(autouse=True)
def _rate_limits(settings: Any) -> Iterator[None]:
    yield from generous_rate_limits(settings)


@pytest.fixture
def demo(db: None, settings: Any) -> DemoResult:
    return fast_demo(settings)


@pytest.fixture
def published(demo: DemoResult, settings: Any, tmp_path: Path) -> dict[str, DatasetVersion]:
    return published_versions(settings, tmp_path)


def scalar(version: DatasetVersion, sql: str) -> Any:
    """One value of ``sql`` over the version's Parquet object, named ``{t}`` in it."""
    path = str(object_store().open(version.sha256)).replace("'", "''")
    con = duckdb.connect()
    row = con.execute(sql.replace("{t}", f"read_parquet('{path}')")).fetchone()
    assert row is not None
    return row[0]


def search(client: Client | None = None, **data: Any) -> dict[str, Any]:
    found: dict[str, Any] = result(call(client or Client(), "datastore_search", post=True, **data))
    return found


def test_the_result_has_ckans_shape(published: dict[str, DatasetVersion]) -> None:
    census = search(resource_id=CENSUS)
    assert census["resource_id"] == CENSUS
    assert census["include_total"] is True and census["total_was_estimated"] is False
    assert census["records_format"] == "objects" and census["limit"] == 100
    assert census["total_estimation_threshold"] is None
    assert census["total"] == len(census["records"]) == 16
    assert census["fields"][0] == {"id": "_id", "type": "int"}
    assert [(f["id"], f["type"]) for f in census["fields"][1:]] == [
        ("county", "text"),
        ("capital", "text"),
        ("population", "int"),
        ("households", "int"),
        ("source", "text"),
    ]
    assert census["fields"][3]["info"]["label"] == "جمعیت"
    assert [r["_id"] for r in census["records"]] == list(range(1, 17))
    assert sum(r["population"] for r in census["records"]) == 13_267_637
    assert census["_links"] == {
        "start": f"/api/3/action/datastore_search?resource_id={CENSUS}",
        "next": f"/api/3/action/datastore_search?resource_id={CENSUS}&offset=100",
    }
    legacy = result(call(Client(), "datastore_search", prefix="/api/action/", resource_id=CENSUS))
    assert legacy["_links"]["start"].startswith("/api/action/datastore_search?")
    assert legacy["records"] == census["records"]


def test_types_of_every_kind_of_field(published: dict[str, DatasetVersion], client_as: Any) -> None:
    rows = search(client_as("governorate.viewer"), resource_id=RESTRICTED, limit=1)
    types = {f["id"]: f["type"] for f in rows["fields"]}
    assert types == {
        "_id": "int",
        "project_code": "text",
        "title": "text",
        "county": "text",
        "agency": "text",
        "start_year": "int",
        "physical_progress": "numeric",
        "credit_needed": "int",
        "priority": "bool",
        "last_visit": "date",
        "updated_at": "timestamp",
    }
    record = rows["records"][0]
    assert isinstance(record["priority"], bool)
    assert len(record["last_visit"]) == 10 and record["last_visit"][4] == "-"
    assert "T" in record["updated_at"]


def test_filters_text_search_sort_and_fields(published: dict[str, DatasetVersion]) -> None:
    beds = published[HOSPITALS]
    one = search(resource_id=CENSUS, filters={"county": "tehran"})
    assert [r["county"] for r in one["records"]] == ["tehran"] and one["total"] == 1
    assert one["filters"] == {"county": "tehran"}
    by_name = search(resource_id=CENSUS, filters={"county": ["تهران", "Shemiranat"]})
    assert {r["county"] for r in by_name["records"]} == {"tehran", "shemiranat"}
    quarter = search(resource_id=HOSPITALS, filters={"year": 1401, "quarter": "۱"}, limit=0)
    assert quarter["records"] == []
    assert quarter["total"] == scalar(
        beds, "SELECT count(*) FROM {t} WHERE year=1401 AND quarter=1"
    )
    surgery = search(resource_id=HOSPITALS, q="جراحی", limit=1)
    assert surgery["q"] == "جراحی"
    assert surgery["total"] == scalar(beds, "SELECT count(*) FROM {t} WHERE ward='جراحی'")
    partial = search(resource_id=HOSPITALS, q={"ward": "جراح"}, limit=1)
    assert partial["total"] == surgery["total"]
    biggest = search(resource_id=CENSUS, sort="population desc", fields="county,population")
    populations = [r["population"] for r in biggest["records"]]
    assert populations == sorted(populations, reverse=True)
    assert set(biggest["records"][0]) == {"county", "population"}  # no _id unless asked
    assert [f["id"] for f in biggest["fields"]] == ["county", "population"]
    with_id = search(resource_id=CENSUS, fields=["_id", "county"], sort=["_id asc"], limit=2)
    assert [list(r) for r in with_id["records"]] == [["_id", "county"]] * 2
    assert [r["_id"] for r in with_id["records"]] == [1, 2]
    census_rows = search(resource_id=CENSUS)["records"]
    lists = search(resource_id=CENSUS, records_format="lists", fields="county", limit=2)
    assert lists["records"] == [[r["county"]] for r in census_rows[:2]]
    no_total = search(resource_id=CENSUS, include_total=False, limit=1)
    assert "total" not in no_total and no_total["include_total"] is False


def test_pages_limit_offset_and_the_cap(published: dict[str, DatasetVersion]) -> None:
    total = published[HOSPITALS].row_count
    assert total > MAX_LIMIT
    page = search(resource_id=HOSPITALS, limit=5, offset=5)
    assert [r["_id"] for r in page["records"]] == [6, 7, 8, 9, 10]
    assert page["offset"] == 5
    assert page["_links"]["next"].endswith("&offset=10")
    # As CKAN caps at ckan.datastore.search.rows_max, marja caps at its own maximum.
    capped = search(resource_id=HOSPITALS, limit=32000)
    assert capped["limit"] == MAX_LIMIT and len(capped["records"]) == MAX_LIMIT
    rest = search(resource_id=HOSPITALS, limit=32000, offset=MAX_LIMIT)
    assert len(rest["records"]) == total - MAX_LIMIT == rest["total"] - MAX_LIMIT
    ids = [r["_id"] for r in capped["records"] + rest["records"]]
    assert ids == list(range(1, total + 1))


def test_resource_ids_name_the_current_or_an_exact_version(
    published: dict[str, DatasetVersion],
) -> None:
    version = published[CENSUS]
    current = search(resource_id=CENSUS)["records"]
    for resource_id in (f"{CENSUS}@v1", f"{CENSUS}@{version.sha256[:8]}", f"{CENSUS}@1"):
        assert search(resource_id=resource_id)["records"] == current
    assert search(id=CENSUS)["records"] == current  # CKAN's alias of resource_id
    for unknown in (f"{CENSUS}@v2", "no-such-dataset", "../../etc/passwd", f"{CENSUS}@zz"):
        found = error(
            call(Client(), "datastore_search", resource_id=unknown), 404, "Not Found Error"
        )
        assert unknown in found["message"]


@pytest.mark.parametrize(
    ("username", "readable"),
    [(None, False), ("tums.admin", False), ("governorate.viewer", True), ("mpo.editor", True)],
)
def test_restricted_rows_only_for_their_publisher_and_grantees(
    published: dict[str, DatasetVersion], username: str | None, readable: bool
) -> None:
    headers = {"Authorization": token_for(username)} if username else {}
    response = call(
        Client(), "datastore_search", post=True, headers=headers, resource_id=f"{RESTRICTED}@v1"
    )
    if readable:
        assert result(response)["total"] == published[RESTRICTED].row_count
    else:
        error(response, 404, "Not Found Error")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"filters": {"nope": 1}}, "filters"),
        ({"filters": {"population": "many"}}, "filters"),
        ({"filters": {"county": "atlantis"}}, "filters"),
        ({"filters": {"county": []}}, "filters"),
        ({"filters": "[1, 2]"}, "filters"),
        ({"filters": {"county": {"op": "x"}}}, "filters"),
        ({"sort": "nope desc"}, "sort"),
        ({"sort": "population sideways"}, "sort"),
        ({"sort": "_id desc"}, "sort"),
        ({"fields": "county,nope"}, "fields"),
        ({"q": {"population": "1"}}, "q"),
        ({"limit": "-5"}, "limit"),
        ({"offset": "x"}, "offset"),
        ({"records_format": "csv"}, "records_format"),
        ({"distinct": True}, "distinct"),
        ({}, "resource_id"),
    ],
)
def test_problems_are_validation_errors_naming_the_parameter(
    published: dict[str, DatasetVersion], data: dict[str, Any], field: str
) -> None:
    data = {"resource_id": CENSUS, **data} if field != "resource_id" else data
    for post in (True, False):
        response = call(Client(), "datastore_search", post=post, **data)
        found = error(response, 409, "Validation Error")
        assert list(found) == ["__type", field], found
        assert found[field][0]
    as_text: dict[str, Any] = {
        k: json.dumps(v) if isinstance(v, dict) else v for k, v in data.items()
    }
    assert call(Client(), "datastore_search", **as_text).status_code == 409
