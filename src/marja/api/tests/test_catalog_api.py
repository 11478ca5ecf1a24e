"""The catalog through the JSON API: datasets, versions, schemas, organisations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from marja.ingest.models import DatasetVersion
from marja.ingest.tests.conftest import csv_bytes

pytestmark = pytest.mark.django_db

CENSUS = "county-population-1395"
INTERNAL = "capital-credits-by-county"
RESTRICTED = "unfinished-projects"
HOSPITALS = "hospital-beds"
DRAFT = "vaccination-coverage"  # internal draft of tums

#: How many of the 20 demo datasets each kind of caller sees: 14 published public ones
#: for everyone; the 4 published internal ones for government users; the restricted one
#: for its publisher (mpo) and its grantee (governorate); a draft for its publisher (tums).
VISIBLE = {
    None: 14,
    "governorate.viewer": 19,
    "mpo.editor": 19,
    "tums.admin": 19,
    "admin": 20,
}
JALALI_DAY = re.compile(r"^1[34]\d\d/\d\d/\d\d$")
JALALI_MOMENT = re.compile(r"^1[34]\d\d/\d\d/\d\d \d\d:\d\d$")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message_fa"] and error["message_en"]
    return error


@pytest.fixture
def as_caller(client_as: Callable[[str], Client]) -> Callable[[str | None], Client]:
    return lambda username: Client() if username is None else client_as(username)


def slugs_of(client: Client, query: str = "") -> tuple[int, set[str]]:
    body = client.get(f"/api/v1/datasets?limit=100{query}").json()
    return body["count"], {d["slug"] for d in body["results"]}


@pytest.mark.parametrize("username", list(VISIBLE))
def test_the_list_counts_only_what_the_caller_may_see(
    as_caller: Callable[[str | None], Client], username: str | None
) -> None:
    count, slugs = slugs_of(as_caller(username))
    assert count == len(slugs) == VISIBLE[username]
    assert (INTERNAL in slugs) is (username is not None)
    assert (RESTRICTED in slugs) is (username in {"governorate.viewer", "mpo.editor", "admin"})
    assert (DRAFT in slugs) is (username in {"tums.admin", "admin"})


def test_anonymous_never_sees_internal_or_restricted_not_even_in_counts(
    as_caller: Callable[[str | None], Client],
) -> None:
    client = as_caller(None)
    for access in ("internal", "restricted"):
        body = client.get(f"/api/v1/datasets?access={access}").json()
        assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert slugs_of(client, "&organisation=mpo") == (2, {CENSUS, "county-population-1390"})
    assert slugs_of(client, "&status=deprecated") == (1, {"county-population-1390"})


def test_search_and_filters(as_caller: Callable[[str | None], Client]) -> None:
    client = as_caller("governorate.viewer")
    # Arabic yeh in the query still finds «بیمارستان».
    assert slugs_of(client, "&q=بيمارستانی") == (1, {HOSPITALS})
    assert slugs_of(client, "&organisation=tums&county=shemiranat") == (
        2,
        {HOSPITALS, "health-centres"},
    )
    assert slugs_of(client, "&county=pishva&theme=agriculture") == (1, {"crop-production"})
    assert slugs_of(client, "&tag=بودجه&access=restricted") == (1, {RESTRICTED})
    assert slugs_of(client, "&theme=no-such-theme") == (0, set())


def test_pages_link_to_their_neighbours(as_caller: Callable[[str | None], Client]) -> None:
    client = as_caller(None)
    first = client.get("/api/v1/datasets?limit=5&q=").json()
    assert first["count"] == 14 and len(first["results"]) == 5
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/datasets?limit=5&q=&offset=5"
    last = client.get("/api/v1/datasets?limit=5&offset=10").json()
    assert len(last["results"]) == 4 and last["next"] is None
    assert last["previous"] == "http://testserver/api/v1/datasets?limit=5&offset=5"
    seen = [d["slug"] for o in (0, 5, 10) for d in client.get(
        f"/api/v1/datasets?limit=5&offset={o}").json()["results"]]  # fmt: skip
    assert len(set(seen)) == 14


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=101", "invalid_request"),
        ("limit=0", "invalid_request"),
        ("offset=-1", "invalid_request"),
        ("access=secret", "invalid_filter"),
        ("status=gone", "invalid_filter"),
    ],
)
def test_bad_list_parameters_are_explained(
    as_caller: Callable[[str | None], Client], query: str, code: str
) -> None:
    assert_error(as_caller(None).get(f"/api/v1/datasets?{query}"), 400, code)


def test_a_dataset_shows_its_metadata_with_jalali_dates_and_links(
    as_caller: Callable[[str | None], Client],
) -> None:
    body = as_caller(None).get(f"/api/v1/datasets/{CENSUS}").json()
    assert body["slug"] == CENSUS and body["title_fa"] and body["title_en"]
    assert body["publisher"]["slug"] == "mpo" and body["publisher"]["name_fa"]
    assert body["theme"]["slug"] and body["licence"]["slug"]
    assert "سرشماری" in body["tags"]
    assert (body["access"], body["status"], body["frequency"]) == ("public", "published", "once")
    assert (body["temporal_start"], body["temporal_start_jalali"]) == ("2016-03-20", "1395/01/01")
    assert (body["temporal_end"], body["temporal_end_jalali"]) == ("2017-03-19", "1395/12/29")
    assert len(body["counties"]) > 10
    assert {"code": "tehran", "name_fa": "تهران", "name_en": "Tehran"} in body["counties"]
    assert set(body["contact"]) == {"name", "email"}
    assert JALALI_MOMENT.match(body["created_at_jalali"])
    assert JALALI_MOMENT.match(body["updated_at_jalali"])
    assert body["current_version"] is None and body["schema"] is None
    links = body["links"]
    assert links["page"] == f"http://testserver/datasets/{CENSUS}/"
    assert links["rows"] == f"http://testserver/api/v1/datasets/{CENSUS}/rows"
    assert links["schema"] == f"http://testserver/api/v1/datasets/{CENSUS}/schema"
    assert links["exports"]["csv"] == (
        f"http://testserver/api/v1/datasets/{CENSUS}/export?format=csv"
    )
    assert set(links["exports"]) == {"csv", "xlsx", "json", "ndjson", "parquet", "datapackage"}


def test_a_published_dataset_shows_its_current_version_and_schema(
    as_caller: Callable[[str | None], Client],
    published: Callable[..., dict[str, DatasetVersion]],
) -> None:
    version = published(CENSUS)[CENSUS]
    body = as_caller(None).get(f"/api/v1/datasets/{CENSUS}").json()
    current = body["current_version"]
    assert current["number"] == 1 and current["sha256"] == version.sha256
    assert current["row_count"] == version.row_count and current["size"] == version.size
    assert JALALI_MOMENT.match(current["published_at_jalali"])
    assert current["url"] == f"http://testserver/api/v1/datasets/{CENSUS}/versions/1"
    assert [f["name"] for f in body["schema"]["fields"]][:1] == ["county"]


@pytest.mark.parametrize(
    ("username", "slug", "status"),
    [
        (None, INTERNAL, 404),
        (None, RESTRICTED, 404),
        ("tums.admin", INTERNAL, 200),
        ("tums.admin", RESTRICTED, 404),
        ("governorate.viewer", RESTRICTED, 200),
        ("mpo.editor", DRAFT, 404),
        ("tums.admin", DRAFT, 200),
        (None, "no-such-dataset", 404),
    ],
)
def test_a_dataset_is_shown_only_to_those_who_may_see_it(
    as_caller: Callable[[str | None], Client], username: str | None, slug: str, status: int
) -> None:
    for path in ("", "/versions", "/versions/1", "/schema"):
        response = as_caller(username).get(f"/api/v1/datasets/{slug}{path}")
        if status == 404:
            error = assert_error(response, 404, "dataset_not_found")
            assert error["params"] == {"dataset": slug}
        else:
            assert response.status_code != 404 or response.json()["error"]["code"] != (
                "dataset_not_found"
            )


def test_versions_by_number_and_by_hash(
    as_caller: Callable[[str | None], Client],
    published: Callable[..., dict[str, DatasetVersion]],
) -> None:
    version = published(CENSUS)[CENSUS]
    client = as_caller(None)
    listed = client.get(f"/api/v1/datasets/{CENSUS}/versions").json()
    assert listed["count"] == 1 and listed["next"] is None
    shown = [
        client.get(f"/api/v1/datasets/{CENSUS}/versions/{ref}").json()
        for ref in ("1", version.sha256, version.sha256[:8], version.sha256.upper())
    ]
    assert all(v == listed["results"][0] for v in shown)
    body = shown[0]
    assert (body["dataset"], body["number"], body["sha256"]) == (CENSUS, 1, version.sha256)
    assert body["row_count"] == version.row_count > 0
    assert body["size"] == version.size and body["excluded_rows"] == 0
    assert body["schema"]["fields"][0]["name"] == "county"
    assert {s["field"] for s in body["stats"]} >= {"county"}
    assert body["diff"] is None  # the first version has nothing to compare with
    assert body["source"]["sha256"] == version.source_sha256
    assert body["source"]["name"] and body["source"]["size"] > 0
    assert body["published_by"] is None and body["channel"] == "demo"
    assert JALALI_MOMENT.match(body["published_at_jalali"])
    assert body["published_at"].startswith(version.published_at.date().isoformat()[:4])
    assert body["rows_url"] == f"http://testserver/api/v1/datasets/{CENSUS}/rows?version=1"
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["ETag"] == f'"{version.sha256}"'


def two_versions(editor: Client) -> None:
    """Publish two versions of the census through the API (the second changes a row)."""
    for population in (8737510, 8737511):
        content = csv_bytes(f"tehran,{population},1395/07/01", "rey,349700,1395/07/01")
        response = editor.post(
            f"/api/v1/datasets/{CENSUS}/publications",
            {"file": SimpleUploadedFile("census.csv", content)},
        )
        assert response.json()["status"] == "published", response.content[:300]


def test_a_later_version_summarises_its_diff(as_caller: Callable[[str | None], Client]) -> None:
    two_versions(as_caller("mpo.editor"))
    client = as_caller(None)
    listed = client.get(f"/api/v1/datasets/{CENSUS}/versions?limit=1").json()
    assert listed["count"] == 2 and listed["previous"] is None
    newest = listed["results"][0]
    assert newest["number"] == 2 and newest["published_by"] == "mpo.editor"
    assert newest["channel"] == "api" and newest["source"]["name"] == "census.csv"
    diff = newest["diff"]
    # No primary key was declared: rows are compared whole, a changed row is one out, one in.
    assert (diff["by"], diff["key"]) == ("row", [])
    assert (diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == (1, 1, 0, 1)
    assert diff["columns_added"] == diff["columns_removed"] == []
    assert "samples" not in diff
    assert client.get(listed["next"]).json()["results"][0]["number"] == 1
    assert client.get(f"/api/v1/datasets/{CENSUS}").json()["current_version"]["number"] == 2


@pytest.mark.parametrize("ref", ["2", "deadbeef", "abc", "0"])
def test_an_unknown_version_is_a_404_with_its_code(
    as_caller: Callable[[str | None], Client],
    published: Callable[..., dict[str, DatasetVersion]],
    ref: str,
) -> None:
    published(CENSUS)
    response = as_caller(None).get(f"/api/v1/datasets/{CENSUS}/versions/{ref}")
    error = assert_error(response, 404, "version_not_found")
    assert error["params"] == {"dataset": CENSUS, "version": ref}


def test_schema_is_404_until_the_first_upload(
    as_caller: Callable[[str | None], Client],
    published: Callable[..., dict[str, DatasetVersion]],
) -> None:
    client = as_caller(None)
    assert_error(client.get(f"/api/v1/datasets/{CENSUS}/schema"), 404, "no_schema")
    published(CENSUS)
    schema = client.get(f"/api/v1/datasets/{CENSUS}/schema").json()
    assert schema["fields"][0]["name"] == "county"
    assert schema == client.get(f"/datasets/{CENSUS}/schema.json").json()


@pytest.mark.parametrize(
    ("username", "mpo", "tums"),
    [(None, 2, 2), ("governorate.viewer", 4, 2), ("tums.admin", 3, 3), ("admin", 4, 3)],
)
def test_organisations_count_the_datasets_the_caller_may_see(
    as_caller: Callable[[str | None], Client], username: str | None, mpo: int, tums: int
) -> None:
    client = as_caller(username)
    listed = {o["slug"]: o for o in client.get("/api/v1/organisations").json()}
    assert (listed["mpo"]["dataset_count"], listed["tums"]["dataset_count"]) == (mpo, tums)
    assert listed["planning-council"]["parent"] == "governorate"
    shown = client.get("/api/v1/organisations/tums").json()
    assert shown == listed["tums"]
    assert shown["name_fa"] and shown["name_en"] and shown["kind"]
    assert shown["page_url"] == "http://testserver/organisations/tums/"
    assert client.get(shown["datasets_url"]).json()["count"] == tums


def test_an_unknown_organisation_is_a_404_with_its_code(
    as_caller: Callable[[str | None], Client],
) -> None:
    response = as_caller(None).get("/api/v1/organisations/nobody")
    assert_error(response, 404, "organisation_not_found")


def test_every_catalog_operation_is_in_the_openapi_document(
    as_caller: Callable[[str | None], Client],
) -> None:
    document = as_caller(None).get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/datasets",
        "/api/v1/datasets/{slug}",
        "/api/v1/datasets/{slug}/versions",
        "/api/v1/datasets/{slug}/versions/{ref}",
        "/api/v1/datasets/{slug}/schema",
        "/api/v1/organisations",
        "/api/v1/organisations/{slug}",
    ):
        assert paths[path]["get"]["summary"], path
    schemas = document["components"]["schemas"]
    assert {"DatasetOut", "DatasetSummaryOut", "VersionOut", "OrganisationOut"} <= set(schemas)
    assert "schema" in schemas["DatasetOut"]["properties"]
    assert "schema" in schemas["VersionOut"]["properties"]
    not_found = paths["/api/v1/datasets/{slug}"]["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_the_catalog_is_read_without_writing(as_caller: Callable[[str | None], Client]) -> None:
    response = as_caller("admin").post(
        f"/api/v1/datasets/{CENSUS}", data={}, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 405


def restrict_through_grants(grantee: str, count: int) -> None:
    """Make ``count`` more published datasets of other publishers restricted, each
    shared with ``grantee``, half of them limited to one column."""
    from datetime import timedelta

    from django.utils import timezone

    from marja.accounts.models import Organisation
    from marja.catalog.models import Dataset, DatasetGrant

    organisation = Organisation.objects.get(slug=grantee)
    others = Dataset.objects.filter(status=Dataset.Status.PUBLISHED).exclude(publisher=organisation)
    for i, dataset in enumerate(others.exclude(access=Dataset.Access.RESTRICTED)[:count]):
        dataset.access = Dataset.Access.RESTRICTED
        dataset.save(update_fields=["access"])
        DatasetGrant.objects.create(
            dataset=dataset,
            organisation=organisation,
            purpose="query-count test",
            expires_at=timezone.now() + timedelta(days=30),
            columns=["county"] if i % 2 else [],
        )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets?access=public&limit={n}",
        "/api/v1/datasets?access=restricted&limit={n}",
        f"/api/v1/datasets/{CENSUS}/versions?limit={{n}}",
        "/api/v1/organisations?{n}",
    ],
)
def test_lists_cost_the_same_queries_whatever_their_length(
    as_caller: Callable[[str | None], Client], path: str
) -> None:
    """A list costs a fixed number of queries, whatever its length and however its
    restricted datasets are reached (own, through a grant, through a limited grant)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    two_versions(as_caller("mpo.editor"))
    restrict_through_grants("governorate", 6)
    client = as_caller("governorate.viewer")
    costs = []
    for n in (1, 20):
        client.get(path.format(n=n))  # session and caches warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path.format(n=n))
        assert response.status_code == 200
        results = response.json()
        if n == 20 and "datasets?" in path:
            assert len(results["results"]) >= 7
        costs.append(len(queries))
    assert costs[0] == costs[1] <= 12, costs


def test_a_huge_offset_is_a_400_not_a_500(client) -> None:
    response = client.get("/api/v1/datasets", {"offset": str(10**20)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
