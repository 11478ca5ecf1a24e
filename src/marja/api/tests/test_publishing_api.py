"""Publishing through the JSON API: send a file, follow the job, read the report."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from marja.accounts.models import User
from marja.accounts.services import create_token
from marja.api.tests.test_catalog_api import assert_error
from marja.ingest.models import DatasetVersion, Publication, Upload
from marja.ingest.services import start_upload, upload_from_file
from marja.ingest.tests.conftest import CENSUS, csv_bytes
from marja.ingest.views import publication_state

pytestmark = pytest.mark.django_db

GOOD = csv_bytes("tehran,8737510,1395/07/01", "rey,349700,1395/07/01")
BAD = csv_bytes("tehran,abc,1395/07/01", "karaj,5,1395/07/01")
URL = f"/api/v1/datasets/{CENSUS}/publications"


def post_file(
    client: Client,
    content: bytes,
    name: str = "data.csv",
    *,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    """POST ``content`` as the multipart ``file`` of a publication of the census."""
    data = {"file": SimpleUploadedFile(name, content), **fields}
    return client.post(URL, data, headers=headers or {})


def bearer(username: str, scope: str) -> dict[str, str]:
    user = User.objects.get(username=username)
    _token, plaintext = create_token(
        user, name="script", scope=scope, expires_on=timezone.localdate()
    )
    return {"Authorization": f"Bearer {plaintext}"}


def test_an_editor_publishes_a_small_csv_and_gets_the_version_at_once(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("mpo.editor")
    response = post_file(client, GOOD, note="از API", format="csv", delimiter=",")
    assert response.status_code == 202, response.content[:500]
    state = response.json()
    assert state["status"] == "published" and state["progress"] == 1.0
    assert state["report"]["ok"] is True and state["report"]["problems"] == []
    version = DatasetVersion.objects.get(dataset__slug=CENSUS)
    assert state["version"] == {
        "number": 1,
        "sha256": version.sha256,
        "rows": 2,
        "excluded_rows": 0,
    }
    assert (version.note, version.channel, version.published_by.username) == (  # type: ignore[union-attr]
        "از API",
        "api",
        "mpo.editor",
    )
    assert response["Location"] == state["url"]
    assert state["url"] == f"http://testserver{URL}/{state['id']}"
    assert state["created_at_jalali"] and state["finished_at_jalali"]
    # The status address answers the same, and the version is in the catalog.
    assert client.get(response["Location"]).json() == state
    assert client.get(f"/api/v1/datasets/{CENSUS}/versions/1").json()["channel"] == "api"


def test_a_refused_file_is_a_rejected_publication_with_row_and_column(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("mpo.editor")
    assert post_file(client, GOOD).json()["status"] == "published"
    response = post_file(client, BAD, name="bad.csv")
    assert response.status_code == 202
    state = response.json()
    assert state["status"] == "rejected" and state["version"] is None
    assert state["file"] == "bad.csv"
    problems = {(p["row"], p["column"], p["value"], p["rule"]) for p in state["report"]["problems"]}
    assert problems == {(2, "جمعیت", "abc", "type"), (3, "کد شهرستان", "karaj", "reference")}
    first = state["report"]["problems"][0]["message"]
    assert first["en"] == "Row 2, column «جمعیت»: «abc» is not a valid whole number."
    assert first["fa"].startswith("سطر ۲، ستون «جمعیت»")
    assert state["report"]["ok"] is False and state["report"]["bad_rows"] == 2
    assert DatasetVersion.objects.filter(dataset__slug=CENSUS).count() == 1


def test_the_status_address_answers_as_the_progress_polling_expects(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("mpo.editor")
    state = post_file(client, BAD).json()
    publication = Publication.objects.get(pk=state["id"])
    expected = publication_state(publication)
    shown = client.get(state["url"]).json()
    assert {k: shown[k] for k in expected if k not in {"created_at", "finished_at"}} == {
        k: v for k, v in expected.items() if k not in {"created_at", "finished_at"}
    }


def test_publishing_by_a_finished_resumable_upload(client_as: Callable[[str], Client]) -> None:
    editor = User.objects.get(username="mpo.editor")
    upload = upload_from_file(io.BytesIO(GOOD), actor=editor, original_name="big.csv")
    client = client_as("mpo.editor")
    response = client.post(
        URL, {"upload_id": str(upload.pk), "valid_rows_only": True}, content_type="application/json"
    )
    assert response.status_code == 202, response.content[:500]
    assert response.json()["status"] == "published"
    assert response.json()["valid_rows_only"] is True
    # The same works as form fields.
    other = upload_from_file(io.BytesIO(BAD), actor=editor, original_name="bad.csv")
    response = client.post(URL, {"upload_id": str(other.pk)})
    assert response.status_code == 202 and response.json()["status"] == "rejected"


def test_uploads_of_others_or_unfinished_are_refused(client_as: Callable[[str], Client]) -> None:
    tums = User.objects.get(username="tums.admin")
    editor = User.objects.get(username="mpo.editor")
    someone_elses = start_upload(actor=tums, original_name="x.csv", length=10)
    unfinished = start_upload(actor=editor, original_name="x.csv", length=10)
    client = client_as("mpo.editor")
    for upload, status, code in (
        (someone_elses, 404, "upload_not_found"),
        (unfinished, 409, "upload_incomplete"),
    ):
        response = client.post(URL, {"upload_id": str(upload.pk)}, content_type="application/json")
        assert_error(response, status, code)
    assert not Publication.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "code", "english"),
    [
        ({}, "application/json", "invalid_request", "Choose a file to publish."),
        ({"upload_id": "x"}, "application/json", "invalid_request", "upload_id:"),
        ({"file": "x", "format": "pdf"}, None, "invalid_request", "format:"),
        ("[1, 2]", "application/json", "invalid_json", "JSON object"),
        ("{not json", "application/json", "invalid_json", "JSON object"),
    ],
)
def test_bad_requests_are_explained_in_both_languages(
    client_as: Callable[[str], Client],
    body: Any,
    content_type: str | None,
    code: str,
    english: str,
) -> None:
    client = client_as("mpo.editor")
    if content_type:
        response = client.post(URL, body, content_type=content_type)
    else:
        body["file"] = SimpleUploadedFile("a.csv", GOOD)
        response = client.post(URL, body)
    error = assert_error(response, 400, code)
    assert english in error["message_en"]
    assert not Publication.objects.exists()


def test_oversized_uploads_are_413(client_as: Callable[[str], Client], settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 20
    response = post_file(client_as("mpo.editor"), GOOD)
    error = assert_error(response, 413, "upload_too_large")
    assert error["params"] == {"limit": 0}
    assert not Publication.objects.exists()


def test_large_files_are_queued_and_followed_at_their_address(
    client_as: Callable[[str], Client], settings: Any
) -> None:
    settings.BACKGROUND_ABOVE_BYTES = 10
    client = client_as("mpo.editor")
    response = post_file(client, GOOD)
    assert response.status_code == 202
    assert response.json()["status"] == "queued" and response.json()["report"] is None
    assert client.get(response["Location"]).json()["status"] == "queued"


@pytest.mark.parametrize(
    ("username", "status", "code"),
    [
        (None, 401, "not_authenticated"),
        ("governorate.viewer", 403, "cannot_publish"),
        ("tums.admin", 403, "cannot_publish"),
        ("admin", 403, "cannot_publish"),
    ],
)
def test_only_the_publishers_editors_may_publish(
    client_as: Callable[[str], Client], username: str | None, status: int, code: str
) -> None:
    client = Client() if username is None else client_as(username)
    assert_error(post_file(client, GOOD), status, code)
    assert not Publication.objects.exists()


def test_a_dataset_the_caller_may_not_see_is_not_found(client_as: Callable[[str], Client]) -> None:
    client = client_as("tums.admin")
    response = client.post(
        "/api/v1/datasets/unfinished-projects/publications",
        {"file": SimpleUploadedFile("a.csv", GOOD)},
    )
    assert_error(response, 404, "dataset_not_found")


def test_a_session_post_needs_its_csrf_token(demo: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="mpo.editor"))
    assert_error(post_file(client, GOOD), 403, "csrf_failed")
    assert not Publication.objects.exists()
    client.get(f"/datasets/{CENSUS}/publish/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post_file(client, GOOD, headers={"X-CSRFToken": token})
    assert response.status_code == 202 and response.json()["status"] == "published"
    # Without a session there is nothing to forge: an anonymous POST is a plain 401.
    assert_error(post_file(Client(enforce_csrf_checks=True), GOOD), 401, "not_authenticated")


def test_tokens_need_the_publish_scope_and_no_csrf(demo: object) -> None:
    client = Client(enforce_csrf_checks=True)
    read_only = bearer("mpo.editor", "read")
    assert_error(post_file(client, GOOD, headers=read_only), 403, "token_scope")
    assert not Publication.objects.exists()
    publishing = bearer("mpo.editor", "publish")
    response = post_file(client, GOOD, headers=publishing)
    assert response.status_code == 202 and response.json()["status"] == "published"
    # The token follows the publication and lists the dataset's publications.
    assert client.get(response["Location"], headers=publishing).json()["status"] == "published"
    assert client.get(URL, headers=read_only).json()["count"] == 1
    # A publishing token of someone who may not publish the dataset is refused all the same.
    viewer = bearer("governorate.viewer", "publish")
    assert_error(post_file(client, GOOD, headers=viewer), 403, "cannot_publish")


def test_publications_are_listed_for_the_publishers_only(
    client_as: Callable[[str], Client],
) -> None:
    editor = client_as("mpo.editor")
    post_file(editor, GOOD)
    post_file(editor, BAD)
    listed = editor.get(URL).json()
    assert listed["count"] == 2 and listed["next"] is None
    newest, oldest = listed["results"]
    assert (newest["status"], oldest["status"]) == ("rejected", "published")
    assert newest["report"] == {
        "ok": False,
        "rows_total": 2,
        "bad_rows": 2,
        "counts": newest["report"]["counts"],
    }
    assert {(c["rule"], c["column"], c["count"]) for c in newest["report"]["counts"]} == {
        ("type", "جمعیت", 1),
        ("reference", "کد شهرستان", 1),
    }
    assert oldest["version"]["number"] == 1
    assert editor.get(newest["url"]).json()["report"]["problems"]
    assert editor.get(f"{URL}?limit=1").json()["next"] == f"http://testserver{URL}?limit=1&offset=1"
    assert_error(client_as("governorate.viewer").get(URL), 403, "cannot_publish")
    assert_error(client_as("tums.admin").get(URL), 403, "cannot_publish")
    assert_error(Client().get(URL), 401, "not_authenticated")
    restricted = "/api/v1/datasets/unfinished-projects/publications"
    assert_error(client_as("tums.admin").get(restricted), 404, "dataset_not_found")
    assert editor.get(restricted).json()["count"] == 0


def test_a_publication_is_shown_to_its_publishers_only(client_as: Callable[[str], Client]) -> None:
    state = post_file(client_as("mpo.editor"), BAD).json()
    for client in (client_as("governorate.viewer"), Client()):
        error = assert_error(client.get(state["url"]), 404, "publication_not_found")
        assert error["params"] == {"dataset": CENSUS, "publication": state["id"]}
    for missing in (str(uuid.uuid4()), "not-a-uuid"):
        response = client_as("mpo.editor").get(f"{URL}/{missing}")
        assert_error(response, 404, "publication_not_found")
    other = client_as("mpo.editor").get(
        f"/api/v1/datasets/hospital-beds/publications/{state['id']}"
    )
    assert_error(other, 404, "publication_not_found")


def test_publishing_is_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    post = paths["/api/v1/datasets/{slug}/publications"]["post"]
    assert post["summary"] and "202" in post["responses"]
    body = post["requestBody"]["content"]
    assert "file" in body["multipart/form-data"]["schema"]["properties"]
    assert body["application/json"]["schema"]["required"] == ["upload_id"]
    assert paths["/api/v1/datasets/{slug}/publications"]["get"]["summary"]
    assert paths["/api/v1/datasets/{slug}/publications/{publication_id}"]["get"]["summary"]
    assert not Upload.objects.exists()
