"""Grants: given by the owner's administrators, enforced wherever data leaves marja,
every restricted read recorded; and the refusals, each with its reason."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from marja.accounts.models import Organisation, User
from marja.accounts.services import create_token, create_user, remove_membership
from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset, DatasetGrant
from marja.ingest.models import DatasetVersion
from marja.ledger.models import LedgerEntry

PROJECTS = "unfinished-projects"
SHARED = ["project_code", "county", "physical_progress"]
PASSWORD = "a long and unusual passphrase"


@pytest.fixture
def projects(
    settings: Any, tmp_path: Path, demo: DemoResult, published: Callable[..., Any]
) -> DatasetVersion:
    settings.DATA_DIR = tmp_path
    version: DatasetVersion = published(PROJECTS)[PROJECTS]
    return version


def member(username: str, organisation: str, role: str) -> User:
    return create_user(
        username, PASSWORD, memberships=[(Organisation.objects.get(slug=organisation), role)]
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(user: User) -> Client:
    _token, plaintext = create_token(
        user, name="t", scope="read", expires_on=timezone.localdate() + dt.timedelta(days=5)
    )
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


@pytest.fixture
def owner(projects: DatasetVersion) -> Client:
    return logged_in(member("mpo.admin", "mpo", "admin"))


@pytest.fixture
def grantee(owner: Client) -> User:
    """A Varamin governorate viewer; Varamin holds a grant of three columns, its rows only."""
    user = User.objects.get(username="varamin.viewer")  # a viewer of Varamin's governorate
    response = owner.post(
        f"/datasets/{PROJECTS}/access/",
        {
            "organisation": Organisation.objects.get(slug="farmandari-varamin").pk,
            "purpose": "پایش طرح‌های شهرستان",
            "expires_on": "1407/01/01",
            "columns": SHARED,
            "row_column": "county",
            "row_values": "ورامین",
        },
    )
    assert response.status_code == 302, [
        e for e in response.content.decode().split("<li>") if "</li>" in e
    ][:8]
    return user


def reads() -> list[dict[str, Any]]:
    return [e.payload for e in LedgerEntry.objects.filter(action="data.read").order_by("sequence")]


def test_the_grant_is_in_the_ledger_with_its_terms(grantee: User) -> None:
    entry = LedgerEntry.objects.get(
        action="grant.given", object_id=PROJECTS, payload_json__contains="farmandari"
    )
    assert entry.payload["columns"] == SHARED
    assert entry.payload["row_column"] == "county"
    assert entry.payload["row_values"] == ["varamin"]


def test_the_api_gives_the_granted_columns_and_rows_only(grantee: User) -> None:
    api = token_client(grantee)
    body = api.get(f"/api/v1/datasets/{PROJECTS}/rows?limit=1000").json()
    assert [c["name"] for c in body["columns"]] == SHARED
    assert body["total"] == len(body["rows"]) > 0
    assert {row["county"] for row in body["rows"]} == {"varamin"}
    hidden = api.get(f"/api/v1/datasets/{PROJECTS}/rows?credit_needed__gt=1")
    assert hidden.status_code == 400 and hidden.json()["error"]["code"] == "unknown_column"
    groups = api.get(f"/api/v1/datasets/{PROJECTS}/aggregate?group_by=county").json()
    assert [row["county"] for row in groups["rows"]] == ["varamin"]
    version = api.get(f"/api/v1/datasets/{PROJECTS}/versions/1").json()
    assert [f["name"] for f in version["schema"]["fields"]] == SHARED
    assert version["stats"] == [] and version["diff"] is None
    schema = api.get(f"/api/v1/datasets/{PROJECTS}/schema").json()
    assert [f["name"] for f in schema["fields"]] == SHARED


def test_exports_sql_and_the_ckan_face_hold_the_same_limits(grantee: User) -> None:
    api = token_client(grantee)
    exported = api.get(f"/api/v1/datasets/{PROJECTS}/export?format=csv")
    assert exported.status_code == 200
    text = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == SHARED and {row[1] for row in table[1:]} == {"varamin"}
    answer = api.post(
        "/api/v1/sql",
        {"sql": 'SELECT * FROM "unfinished-projects"'},
        content_type="application/json",
    ).json()
    assert [c["name"] for c in answer["columns"]] == SHARED
    assert {row[1] for row in answer["rows"]} == {"varamin"}
    refused = api.post(
        "/api/v1/sql",
        {"sql": "SELECT credit_needed FROM unfinished_projects"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    ckan = api.get(f"/api/3/action/datastore_search?resource_id={PROJECTS}&limit=500").json()
    assert [f["id"] for f in ckan["result"]["fields"]] == ["_id", *SHARED]
    assert {r["county"] for r in ckan["result"]["records"]} == {"varamin"}


def test_pages_show_the_granted_part_and_the_whole_file_is_not_downloaded(grantee: User) -> None:
    page = logged_in(grantee)
    dataset = page.get(f"/datasets/{PROJECTS}/").content.decode()
    assert 'data-field="grant"' in dataset and "پایش طرح‌های شهرستان" in dataset
    assert "credit_needed" not in dataset
    notice = dataset[dataset.index('data-field="grant"') :].split("</p>")[0]
    assert "ورامین" in notice and "varamin" not in notice  # the county by its name
    version = page.get(f"/datasets/{PROJECTS}/versions/1/").content.decode()
    assert 'data-field="grant-limits"' in version and "credit_needed" not in version
    explore = page.get(f"/datasets/{PROJECTS}/data/")
    assert explore.status_code == 200 and "credit_needed" not in explore.content.decode()
    download = page.get(f"/datasets/{PROJECTS}/versions/1/data.parquet")
    assert download.status_code == 403
    assert "grant" in download.content.decode().lower() or "مجوز" in download.content.decode()


def test_every_read_is_recorded_and_the_owner_sees_who_read(grantee: User, owner: Client) -> None:
    before = len(reads())
    api = token_client(grantee)
    api.get(f"/api/v1/datasets/{PROJECTS}/rows?limit=2&county=varamin")
    api.get(f"/api/v1/datasets/{PROJECTS}/export?format=json")
    recorded = reads()[before:]
    assert [r["through"] for r in recorded] == ["api", "export"]
    assert recorded[0]["rows"] == 2 and recorded[0]["query"]["filters"] == ["county__eq=varamin"]
    assert (
        recorded[0]["grant"] == DatasetGrant.objects.get(organisation__slug="farmandari-varamin").pk
    )
    entry = LedgerEntry.objects.filter(action="data.read").order_by("sequence").last()
    assert entry is not None and entry.actor == grantee
    assert entry.organisation is not None and entry.organisation.slug == "farmandari-varamin"
    shared = owner.get(f"/datasets/{PROJECTS}/access/").content.decode()
    rows_cells = [c.split("</td>")[0] for c in shared.split('data-field="rows-shared"')[1:]]
    assert any("ورامین" in c and "varamin" not in c for c in rows_cells), rows_cells
    log = owner.get(f"/datasets/{PROJECTS}/reads/").content.decode()
    assert "varamin.viewer" in log and "فرمانداری ورامین" in log
    assert logged_in(grantee).get(f"/datasets/{PROJECTS}/reads/").status_code == 403


def test_reads_of_public_data_are_not_recorded(projects: DatasetVersion) -> None:
    before = len(reads())
    Client().get("/api/v1/datasets/county-population-1395/rows")
    assert len(reads()) == before


def test_only_the_owner_administrators_manage_grants(projects: DatasetVersion) -> None:
    editor = logged_in(User.objects.get(username="mpo.editor"))
    assert editor.get(f"/datasets/{PROJECTS}/access/").status_code == 403
    assert (
        logged_in(User.objects.get(username="tums.admin"))
        .get(f"/datasets/{PROJECTS}/access/")
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"columns": ["national_id"]}, "columns", "national_id"),
        ({"row_column": "county", "row_values": "آتلانتیس"}, "row_values", "آتلانتیس"),
        ({"row_column": "start_year", "row_values": "1390"}, "row_column", "start_year"),
        ({"expires_on": "1390/01/01"}, "expires_on", ""),
        ({"purpose": "  "}, "purpose", ""),
    ],
)
def test_bad_terms_are_refused_naming_the_field(
    owner: Client, fields: dict[str, Any], field: str, words: str
) -> None:
    data = {
        "organisation": Organisation.objects.get(slug="education").pk,
        "purpose": "آزمون",
        "expires_on": "1407/01/01",
        **fields,
    }
    response = owner.post(f"/datasets/{PROJECTS}/access/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-field="{field}"' in page and words in page
    assert not DatasetGrant.objects.filter(organisation__slug="education").exists()


def test_a_grant_that_expired_a_second_ago_is_refused_with_its_date(grantee: User) -> None:
    api = token_client(grantee)
    DatasetGrant.objects.filter(organisation__slug="farmandari-varamin").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = api.get(f"/api/v1/datasets/{PROJECTS}/rows")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "grant_expired"
    assert ("expired" in error["message_en"] and "منقضی" in error["message_fa"]) or error[
        "message_fa"
    ]
    page = logged_in(grantee).get(f"/datasets/{PROJECTS}/")
    assert page.status_code == 403
    search = api.get("/api/v1/datasets?q=طرح").json()
    assert PROJECTS not in [d["slug"] for d in search["results"]]


def test_a_revoked_grant_is_refused_at_once(grantee: User, owner: Client) -> None:
    api = token_client(grantee)
    assert api.get(f"/api/v1/datasets/{PROJECTS}/rows").status_code == 200
    grant = DatasetGrant.objects.get(organisation__slug="farmandari-varamin")
    assert owner.post(f"/datasets/{PROJECTS}/access/{grant.pk}/revoke/").status_code == 302
    response = api.get(f"/api/v1/datasets/{PROJECTS}/rows")
    assert response.status_code == 403 and response.json()["error"]["code"] == "grant_revoked"
    assert LedgerEntry.objects.filter(action="grant.revoked", object_id=PROJECTS).count() == 1


def test_a_grant_whose_columns_are_gone_from_a_new_version_is_refused(
    grantee: User, projects: DatasetVersion
) -> None:
    """A new version without the column that chooses the grant's rows: nothing is shown."""
    grant = DatasetGrant.objects.get(organisation__slug="farmandari-varamin")
    grant.row_column = "district"
    grant.save()
    api = token_client(grantee)
    response = api.get(f"/api/v1/datasets/{PROJECTS}/rows")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "grant_rows_column_missing" and "district" in error["message_en"]
    grant.row_column, grant.columns = "", ["national_id", "mobile"]
    grant.save()
    gone = api.get(f"/api/v1/datasets/{PROJECTS}/rows").json()["error"]
    assert gone["code"] == "grant_columns_missing" and "national_id" in gone["message_en"]
    sql = api.post(
        "/api/v1/sql", {"sql": "SELECT * FROM unfinished_projects"}, content_type="application/json"
    )
    assert sql.status_code == 400 and sql.json()["error"]["code"] == "sql_unknown_table"


def test_a_token_of_a_user_removed_from_the_organisation_is_refused(grantee: User) -> None:
    api = token_client(grantee)
    assert api.get(f"/api/v1/datasets/{PROJECTS}/rows").status_code == 200
    remove_membership(grantee, Organisation.objects.get(slug="farmandari-varamin"), actor=None)
    response = api.get(f"/api/v1/datasets/{PROJECTS}/rows")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "membership_ended"
    assert "فرمانداری ورامین" in error["message_fa"]
    entry = LedgerEntry.objects.get(action="membership.removed")
    assert entry.payload == {
        "user": "varamin.viewer",
        "organisation": "farmandari-varamin",
        "role": "viewer",
    }


def test_the_owner_reads_everything_and_is_recorded_too(projects: DatasetVersion) -> None:
    editor = token_client(User.objects.get(username="mpo.editor"))
    body = editor.get(f"/api/v1/datasets/{PROJECTS}/rows?limit=1").json()
    assert len(body["columns"]) == 10
    assert reads()[-1]["grant"] is None and reads()[-1]["through"] == "api"


def test_grants_apply_to_restricted_datasets_only(owner: Client) -> None:
    Dataset.objects.filter(slug=PROJECTS).update(access=Dataset.Access.INTERNAL)
    response = owner.post(
        f"/datasets/{PROJECTS}/access/",
        {
            "organisation": Organisation.objects.get(slug="education").pk,
            "purpose": "آزمون",
            "expires_on": "1407/01/01",
        },
    )
    assert response.status_code == 400


def test_search_names_only_the_granted_fields_among_the_matches(grantee: User) -> None:
    def matched(client: Client) -> list[str]:
        answer = client.get("/api/v1/search?q=اعتبار مورد نیاز").json()
        hit = next(h for h in answer["results"] if h["slug"] == PROJECTS)
        fields: list[str] = hit["matched_fields"]
        return fields

    owner = token_client(User.objects.get(username="mpo.editor"))
    assert any("credit_needed" in f for f in matched(owner))
    assert not any("credit_needed" in f for f in matched(token_client(grantee)))
