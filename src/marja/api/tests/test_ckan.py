"""The CKAN Action API face through HTTP: the envelope, each action, permissions, errors.

Demo datasets get their versions through the real publishing services (the demo files, as
``marja load-demo`` publishes them), so every row read here went through the pipeline.
test_ckan_datastore.py covers ``datastore_search``; test_ckan_clients.py drives the face
with the real ``ckanapi`` client and command line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from marja.accounts.services import revoke_token
from marja.api.ckan_actions import ACTIONS
from marja.api.tests.ckan_support import (
    CENSUS,
    CKAN_MOMENT,
    DEPRECATED,
    HOSPITALS,
    INTERNAL,
    JALALI_MOMENT,
    MPO_PRIVATE,
    PRIVATE_COUNT,
    PUBLIC_COUNT,
    RESTRICTED,
    RESTRICTED_TAG,
    call,
    error,
    extras,
    fast_demo,
    generous_rate_limits,
    new_token,
    published_versions,
    result,
    token_for,
)
from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset
from marja.ingest.models import DatasetVersion

DOCS = Path(__file__).resolve().parents[4] / "docs" / "ckan.md"


@pytest.fixture(autouse=True)
def _rate_limits(settings: Any) -> Iterator[None]:
    yield from generous_rate_limits(settings)


@pytest.fixture
def demo(db: None, settings: Any) -> DemoResult:
    return fast_demo(settings)


@pytest.fixture
def published(demo: DemoResult, settings: Any, tmp_path: Path) -> dict[str, DatasetVersion]:
    return published_versions(settings, tmp_path)


# --- the envelope -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/api/action/", "/api/3/action/"])
@pytest.mark.parametrize("post", [False, True], ids=["get", "post"])
def test_both_paths_answer_get_and_post_without_redirect(prefix: str, post: bool) -> None:
    response = call(Client(), "status_show", post=post, prefix=prefix)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["help"] == "http://testserver/api/3/action/help_show?name=status_show"
    status = body["result"]
    assert status["ckan_version"] == "2.11.0"
    assert status["locale_default"] == "fa"
    assert status["site_url"] == "http://testserver"
    assert "datastore" in status["extensions"]
    assert status["site_title"] and status["site_description"]


@pytest.mark.django_db
def test_an_unknown_action_is_a_bad_request_as_in_ckan() -> None:
    response = Client().post("/api/action/package_create", "{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == "Bad request - Action name not known: package_create"


@pytest.mark.django_db
def test_bodies_that_are_not_json_objects_are_bad_requests() -> None:
    client = Client()
    for body in ("{not json", "[1, 2]"):
        response = client.post("/api/3/action/status_show", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json().startswith("Bad request - JSON Error:")
    assert client.put("/api/3/action/status_show").status_code == 405


def test_form_posts_are_read_like_ckan(published: dict[str, DatasetVersion]) -> None:
    client = Client()
    form = client.post("/api/3/action/package_show", {"id": CENSUS})
    assert result(form)["name"] == CENSUS
    # CKAN's old clients post the JSON body as the only form key.
    quirk = client.post("/api/3/action/package_show", {json.dumps({"id": CENSUS}): "1"})
    assert result(quirk)["name"] == CENSUS
    bodiless = client.post(f"/api/action/package_show?id={CENSUS}", content_type="application/json")
    assert result(bodiless)["name"] == CENSUS


@pytest.mark.django_db
def test_help_show_gives_each_actions_documentation() -> None:
    client = Client()
    for name in ACTIONS:
        assert result(call(client, "help_show", name=name))
    error(call(client, "help_show", name="package_delete"), 404, "Not Found Error")
    problem = error(call(client, "help_show"), 409, "Validation Error")
    assert problem["name"] == ["Missing value", "مقدار داده نشده است"]


def test_every_action_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in ACTIONS if f"`{name}`" not in text]
    assert not missing, f"actions missing from docs/ckan.md: {missing}"


# --- package_show -------------------------------------------------------------------------


def test_package_show_has_ckans_shape(published: dict[str, DatasetVersion]) -> None:
    version = published[HOSPITALS]
    package = result(call(Client(), "package_show", id=HOSPITALS))
    assert package["id"] == package["name"] == HOSPITALS
    assert package["type"] == "dataset" and package["state"] == "active"
    assert package["private"] is False
    assert package["title"] == "تخت‌های بیمارستانی فعال"
    assert package["owner_org"] == package["organization"]["name"] == "tums"
    assert package["organization"]["is_organization"] is True
    assert package["license_id"] == "cc-by-4.0" and package["isopen"] is True
    assert package["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert [g["name"] for g in package["groups"]] == ["health"]
    assert {t["name"] for t in package["tags"]} == {"بیمارستان", "تخت", "سلامت"}
    assert package["num_tags"] == 3
    assert package["version"] == "1"
    for key in ("metadata_created", "metadata_modified"):
        assert CKAN_MOMENT.match(package[key]), package[key]
    more = extras(package)
    assert JALALI_MOMENT.match(more["metadata_modified_jalali"])
    assert more["temporal_start_jalali"] == "1401/01/01"
    assert more["temporal_start"] == "2022-03-21"
    assert more["access_level"] == "public" and more["title_en"] == "Active hospital beds"
    assert "shemiranat" in more["counties"].split(",")
    current, immutable = package["resources"]
    assert package["num_resources"] == 2
    assert current["id"] == HOSPITALS and current["format"] == "CSV"
    assert current["url"] == f"http://testserver/api/v1/datasets/{HOSPITALS}/export?format=csv"
    assert immutable["id"] == f"{HOSPITALS}@v1" and immutable["format"] == "Parquet"
    assert immutable["url"] == f"http://testserver/datasets/{HOSPITALS}/versions/1/data.parquet"
    assert immutable["hash"] == f"sha256:{version.sha256}"
    assert immutable["size"] == version.size
    for resource in (current, immutable):
        assert resource["datastore_active"] is True
        assert resource["package_id"] == HOSPITALS
        assert CKAN_MOMENT.match(resource["last_modified"])
        assert resource["row_count"] == version.row_count


def test_a_dataset_without_a_version_has_no_resources(published: dict[str, DatasetVersion]) -> None:
    package = result(call(Client(), "package_show", post=True, id=DEPRECATED))
    assert package["resources"] == [] and package["version"] is None
    assert package["state"] == "active" and extras(package)["status"] == "deprecated"


@pytest.mark.parametrize(
    ("username", "readable"),
    [
        (None, {CENSUS}),
        ("tums.admin", {CENSUS, INTERNAL}),
        ("governorate.viewer", {CENSUS, INTERNAL, RESTRICTED}),  # grantee
        ("mpo.editor", {CENSUS, INTERNAL, RESTRICTED}),  # publisher
    ],
)
def test_package_show_obeys_permissions_by_token_and_session(
    published: dict[str, DatasetVersion],
    client_as: Any,
    username: str | None,
    readable: set[str],
) -> None:
    headers = {"Authorization": token_for(username)} if username else {}
    session = client_as(username) if username else Client()
    for slug in (CENSUS, INTERNAL, RESTRICTED):
        by_token = call(Client(), "package_show", post=True, headers=headers, id=slug)
        by_session = call(session, "package_show", id=slug)
        for response in (by_token, by_session):
            if slug in readable:
                assert result(response)["private"] is (slug != CENSUS)
            else:  # not disclosed: the same answer as for a dataset that does not exist
                found = error(response, 404, "Not Found Error")
                assert found["message"] == f"Not found: Dataset «{slug}» was not found."


@pytest.mark.django_db
def test_missing_id_and_unknown_dataset() -> None:
    client = Client()
    assert error(call(client, "package_show"), 409, "Validation Error") == {
        "__type": "Validation Error",
        "id": ["Missing value", "مقدار داده نشده است"],
    }
    found = error(call(client, "package_show", id="no-such-dataset"), 404, "Not Found Error")
    assert found["message_fa"] and found["message_en"]


def test_unusable_tokens_are_authorization_errors(published: dict[str, DatasetVersion]) -> None:
    token, plaintext = new_token("mpo.editor")
    bad = call(Client(), "package_show", headers={"Authorization": "marja_pat_nonsense"}, id=CENSUS)
    assert error(bad, 401, "Authorization Error")["message"].startswith("Access denied: ")
    revoke_token(token, actor=token.user)
    revoked = call(Client(), "package_show", headers={"X-CKAN-API-Key": plaintext}, id=CENSUS)
    assert "revoked" in error(revoked, 401, "Authorization Error")["message"]


# --- package_list and package_search ------------------------------------------------------


def test_package_list_lists_public_datasets_only(
    published: dict[str, DatasetVersion], client_as: Any
) -> None:
    public = sorted(
        Dataset.objects.filter(access="public")
        .exclude(status="draft")
        .values_list("slug", flat=True)
    )
    assert len(public) == PUBLIC_COUNT
    assert result(call(Client(), "package_list")) == public
    assert result(call(client_as("mpo.editor"), "package_list")) == public
    assert result(call(Client(), "package_list", limit="3", offset="2")) == public[2:5]


def search(client: Client, headers: dict[str, str] | None = None, **data: Any) -> Any:
    return result(call(client, "package_search", post=True, headers=headers, **data))


def test_package_search_counts_and_facets_only_what_the_caller_may_see(
    published: dict[str, DatasetVersion],
) -> None:
    facets: dict[str, Any] = {
        "facet.field": ["organization", "groups", "tags", "license_id", "res_format"]
    }
    anonymous = search(Client(), rows=100, include_private=True, **facets)
    assert anonymous["count"] == len(anonymous["results"]) == PUBLIC_COUNT
    names = {p["name"] for p in anonymous["results"]}
    assert INTERNAL not in names and RESTRICTED not in names
    assert anonymous["facets"]["organization"]["mpo"] == 2  # the two censuses
    assert RESTRICTED_TAG not in anonymous["facets"]["tags"]
    assert anonymous["facets"]["res_format"] == {"CSV": 2, "Parquet": 2}
    items = anonymous["search_facets"]["organization"]["items"]
    assert {
        "name": "mpo",
        "display_name": "سازمان مدیریت و برنامه‌ریزی استان تهران",
        "count": 2,
    } in items
    assert anonymous["search_facets"]["groups"]["title"] == "groups"
    for username, count in PRIVATE_COUNT.items():
        headers = {"Authorization": token_for(username)}
        own = search(Client(), headers, include_private="true", **facets)
        assert own["count"] == count
        assert own["facets"]["organization"]["mpo"] == MPO_PRIVATE[username]
        assert (RESTRICTED_TAG in own["facets"]["tags"]) is (username != "tums.admin")
        # Without include_private, CKAN searches public datasets only.
        assert search(Client(), headers)["count"] == PUBLIC_COUNT


def test_package_search_filters_text_sort_and_pages(published: dict[str, DatasetVersion]) -> None:
    client = Client()

    def names(**data: Any) -> list[str]:
        return [p["name"] for p in search(client, rows=100, **data)["results"]]

    assert names(q="بيمارستان") == [HOSPITALS]  # Arabic yeh, as typed on an Arabic keyboard
    assert set(names(fq="organization:tums")) == {HOSPITALS, "health-centres"}
    assert set(names(fq='+organization:"tums" AND groups:health')) == {
        HOSPITALS,
        "health-centres",
    }
    assert set(names(fq="res_format:CSV")) == {CENSUS, HOSPITALS}
    assert set(names(fq="organization:(mpo OR tums)")) == {
        CENSUS,
        DEPRECATED,
        HOSPITALS,
        "health-centres",
    }
    assert CENSUS not in names(fq="-organization:mpo")
    assert set(names(fq_list=["organization:mpo", "license_id:cc-by-4.0"])) == {CENSUS, DEPRECATED}
    assert names(q="*:*", fq="tags:بیمارستان") == [HOSPITALS]
    by_name = names(sort="name asc")
    assert by_name == sorted(by_name) and len(by_name) == PUBLIC_COUNT
    assert names(sort="name desc") == by_name[::-1]
    first = search(client, sort="name asc", rows=5, start=0)
    second = search(client, sort="name asc", rows=5, start=5)
    assert first["count"] == second["count"] == PUBLIC_COUNT
    assert [p["name"] for p in first["results"] + second["results"]] == by_name[:10]
    assert search(client, rows=5000)["count"] == PUBLIC_COUNT  # rows is capped, not refused
    newest = search(client, rows=1)["results"][0]["name"]
    assert newest in {CENSUS, HOSPITALS}  # just published: modified most recently


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"fq": "author:someone"}, "fq"),
        ({"fq": "organization"}, "fq"),
        ({"sort": "popularity desc"}, "sort"),
        ({"sort": "name sideways"}, "sort"),
        ({"rows": "-1"}, "rows"),
        ({"start": "first"}, "start"),
        ({"include_private": "perhaps"}, "include_private"),
        ({"facet.field": "[not json"}, "facet.field"),
    ],
)
def test_package_search_refuses_what_it_cannot_do(data: dict[str, Any], field: str) -> None:
    found = error(call(Client(), "package_search", **data), 409, "Validation Error")
    assert list(found) == ["__type", field]
    assert found[field] and all(isinstance(m, str) for m in found[field])


# --- organizations ------------------------------------------------------------------------


def test_organization_list_and_show(published: dict[str, DatasetVersion], client_as: Any) -> None:
    client = Client()
    names = result(call(client, "organization_list"))
    assert names == sorted(names) and {"mpo", "tums", "governorate"} <= set(names)
    full = result(call(client, "organization_list", all_fields="true", organizations="mpo,tums"))
    assert {o["name"]: o["package_count"] for o in full} == {"mpo": 2, "tums": 2}
    grantee = client_as("governorate.viewer")
    counted = result(call(grantee, "organization_list", all_fields=True, organizations=["mpo"]))
    assert counted[0]["package_count"] == 4  # both censuses, credits (internal), restricted
    busiest = result(call(client, "organization_list", sort="package_count desc", limit=1))
    assert len(busiest) == 1

    shown = result(call(client, "organization_show", id="mpo", include_datasets=True))
    assert shown["name"] == "mpo" and shown["package_count"] == 2
    assert {p["name"] for p in shown["packages"]} == {CENSUS, DEPRECATED}
    as_grantee = result(call(grantee, "organization_show", id="mpo", include_datasets=True))
    assert {p["name"] for p in as_grantee["packages"]} == {CENSUS, DEPRECATED, INTERNAL, RESTRICTED}
    assert "packages" not in result(call(client, "organization_show", id="mpo"))
    error(call(client, "organization_show", id="no-such-agency"), 404, "Not Found Error")
    error(call(client, "organization_list", sort="size asc"), 409, "Validation Error")


def test_searching_costs_the_same_queries_however_many_results(
    published: dict[str, DatasetVersion], django_assert_max_num_queries: Any
) -> None:
    facets: dict[str, Any] = {"facet.field": ["organization", "groups", "tags", "res_format"]}
    with django_assert_max_num_queries(12):
        assert len(search(Client(), rows=100, **facets)["results"]) == PUBLIC_COUNT
    with django_assert_max_num_queries(8):
        result(call(Client(), "package_show", id=HOSPITALS))
    with django_assert_max_num_queries(8):
        result(call(Client(), "organization_show", id="mpo", include_datasets=True))


def test_ckan_refuses_huge_offsets_and_deep_json(client) -> None:
    response = client.get("/api/3/action/package_search", {"start": str(10**20)})
    assert response.status_code == 409
    assert response.json()["error"]["__type"] == "Validation Error"
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/3/action/package_list", deep, content_type="application/json")
    assert response.status_code == 400
    assert b"JSON Error" in response.content
