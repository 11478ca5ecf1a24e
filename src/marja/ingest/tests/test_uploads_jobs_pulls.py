"""Resumable uploads, background jobs, scheduled pulls and two publishers at once."""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from marja.catalog.models import Dataset
from marja.ingest import pulls
from marja.ingest.models import DatasetSource, DatasetVersion, Publication, Upload
from marja.ingest.services import PublishRequest, request_publication, upload_from_path
from marja.ingest.tests.conftest import CENSUS, csv_bytes

pytestmark = pytest.mark.django_db

CONTENT = csv_bytes(*(f"tehran,{n},1395/07/01" for n in range(1, 2)), "rey,5,1395/07/01")


@pytest.fixture
def run_worker(monkeypatch: pytest.MonkeyPatch) -> Callable[[], object]:
    """Run the queued jobs once, as `marja worker` does, inside the test's transaction."""
    module = "django_tasks_db.management.commands.db_worker"
    monkeypatch.setattr(f"{module}.close_old_connections", lambda: None)
    return lambda: call_command("db_worker", batch=True, interval=0, verbosity=0)


def _tus_create(client: Client, length: int, name: str = "big.csv") -> str:
    response = client.post(
        "/api/v1/uploads/",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA="filename " + base64.b64encode(name.encode()).decode(),
    )
    assert response.status_code == 201, response.content
    return str(response["Location"])


def _patch(client: Client, url: str, offset: int, chunk: bytes) -> int:
    response = client.patch(
        url,
        chunk,
        content_type="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_OFFSET=str(offset),
    )
    return response.status_code


def test_a_resumable_upload_continues_where_it_stopped_and_publishes(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("mpo.editor")
    url = _tus_create(client, len(CONTENT))
    assert _patch(client, url, 0, CONTENT[:20]) == 204
    # The connection dropped; the client asks where the upload stands and goes on.
    head = client.head(url, HTTP_TUS_RESUMABLE="1.0.0")
    assert head["Upload-Offset"] == "20" and head["Upload-Length"] == str(len(CONTENT))
    assert _patch(client, url, 5, CONTENT[5:]) == 409  # not where the upload stands
    assert _patch(client, url, 20, CONTENT[20:]) == 204
    upload_id = url.rstrip("/").split("/")[-1]
    response = client.post(f"/datasets/{CENSUS}/publish/", {"upload_id": upload_id})
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.status == Publication.Status.PUBLISHED
    assert publication.original_name == "big.csv"


def test_uploads_refuse_strangers_oversize_and_extra_bytes(
    client_as: Callable[[str], Client], client: Client, settings: object
) -> None:
    assert client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10").status_code == 401
    viewer = client_as("governorate.viewer")
    refused = viewer.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10")
    assert refused.status_code == 403 and "fa" in refused.json()["error"]
    editor = client_as("mpo.editor")
    settings.MAX_UPLOAD_BYTES = 100  # type: ignore[attr-defined]
    too_big = editor.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="101")
    assert too_big.status_code == 413
    assert too_big.json()["error"]["en"].startswith("The file is larger than")
    url = _tus_create(editor, 10)
    assert _patch(editor, url, 0, b"x" * 11) == 413
    # Someone else's upload is not found, not even its offset.
    other = client_as("tums.admin").head(url, HTTP_TUS_RESUMABLE="1.0.0")
    assert other.status_code == 404
    options = editor.options("/api/v1/uploads/")
    assert options["Tus-Version"] == "1.0.0" and options["Tus-Max-Size"] == "100"


def test_large_files_are_published_by_the_worker_with_progress(
    client_as: Callable[[str], Client],
    settings: object,
    django_capture_on_commit_callbacks: Any,
    run_worker: Callable[[], object],
) -> None:
    settings.BACKGROUND_ABOVE_BYTES = 10  # type: ignore[attr-defined]
    client = client_as("mpo.editor")
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/datasets/{CENSUS}/publish/", {"file": SimpleUploadedFile("a.csv", CONTENT)}
        )
    publication = Publication.objects.get()
    assert publication.status == Publication.Status.QUEUED
    page = client.get(response["Location"])
    assert "خودبه‌خود به‌روز" in page.text
    state = client.get(f"/api/v1/datasets/{CENSUS}/publications/{publication.pk}").json()
    assert state["status"] == "queued" and state["version"] is None
    run_worker()
    state = client.get(f"/api/v1/datasets/{CENSUS}/publications/{publication.pk}").json()
    assert state["status"] == "published" and state["progress"] == 1.0
    assert state["version"]["number"] == 1


def test_a_publication_left_running_by_a_stopped_worker_is_queued_again(
    client_as: Callable[[str], Client],
    settings: object,
    django_capture_on_commit_callbacks: Any,
    run_worker: Callable[[], object],
) -> None:
    from marja.ingest.services import resume_interrupted

    settings.BACKGROUND_ABOVE_BYTES = 10  # type: ignore[attr-defined]
    dataset = Dataset.objects.get(slug=CENSUS)
    path = Path(settings.DATA_DIR) / "resume.csv"  # type: ignore[attr-defined]
    path.write_bytes(CONTENT)
    upload = upload_from_path(path, actor=None, original_name="resume.csv")
    with django_capture_on_commit_callbacks(execute=True):
        publication = request_publication(dataset, upload, actor=None)
    # The worker took it, then the machine stopped: its job stays "running" for ever.
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.update(status="RUNNING")
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.RUNNING)
    run_worker()  # finds nothing to do
    assert Publication.objects.get(pk=publication.pk).status == Publication.Status.RUNNING
    assert resume_interrupted() == [publication.pk]
    run_worker()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    handler = lambda *a: _Files(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", tmp_path
    server.shutdown()


def test_scheduled_pulls_publish_new_content_only_and_report_failures(
    client_as: Callable[[str], Client], file_server: tuple[str, Path]
) -> None:
    base, folder = file_server
    (folder / "census.csv").write_bytes(CONTENT)
    client = client_as("mpo.editor")
    saved = client.post(
        f"/datasets/{CENSUS}/source/",
        {"url": f"{base}/census.csv", "format": "", "schedule": "daily"},
    )
    assert saved.status_code == 302
    dataset = Dataset.objects.get(slug=CENSUS)
    assert pulls.due_sources() == [dataset.pk]
    assert pulls.pull_dataset(dataset.pk) == "published"
    assert pulls.pull_dataset(dataset.pk) == "unchanged"  # same bytes
    (folder / "census.csv").write_bytes(CONTENT.replace(b"\n", b"\r\n"))
    assert pulls.pull_dataset(dataset.pk) == "unchanged"  # other bytes, same data
    (folder / "census.csv").write_bytes(CONTENT + b"varamin,9,1395/07/01\n")
    assert pulls.pull_dataset(dataset.pk) == "published"
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 2
    (folder / "census.csv").unlink()
    assert pulls.pull_dataset(dataset.pk) == "failed"
    source = DatasetSource.objects.get(dataset=dataset)
    assert source.failures == 1 and source.last_error.startswith("HTTP 404")
    assert pulls.due_sources() == []  # next pull tomorrow
    page = client_as("governorate.viewer").get(f"/datasets/{CENSUS}/").text
    assert 'data-field="source-failure"' in page
    assert DatasetVersion.objects.filter(dataset=dataset).count() == 2
    (folder / "census.csv").write_bytes(b"\x00\x01binary")
    assert pulls.pull_dataset(dataset.pk) == "rejected"
    assert not Upload.objects.exclude(publication__status="rejected").exists()


def test_a_pull_address_must_be_http(client_as: Callable[[str], Client]) -> None:
    response = client_as("mpo.editor").post(
        f"/datasets/{CENSUS}/source/",
        {"url": "file:///etc/passwd", "format": "", "schedule": "daily"},
    )
    assert response.status_code == 200
    assert not DatasetSource.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_publishers_at_the_same_moment_get_two_versions(settings: object) -> None:
    from marja.catalog.demo import load_demo

    load_demo()
    dataset = Dataset.objects.get(slug=CENSUS)
    folder = Path(settings.DATA_DIR)  # type: ignore[attr-defined]
    uploads = []
    for n in (1, 2):
        path = folder / f"same-moment-{n}.csv"
        path.write_bytes(csv_bytes(f"tehran,{n},1395/07/01"))
        uploads.append(upload_from_path(path, actor=None, original_name=path.name))
    results: list[str] = []
    barrier = threading.Barrier(2)

    def publish(upload: Upload) -> None:
        from django.db import connection

        barrier.wait()
        try:
            publication = request_publication(
                dataset, upload, actor=None, request=PublishRequest(), background=False
            )
            results.append(publication.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(u,)) for u in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["published", "published"]
    numbers = sorted(
        DatasetVersion.objects.filter(dataset=dataset).values_list("number", flat=True)
    )
    assert numbers == [1, 2]
    second = DatasetVersion.objects.get(dataset=dataset, number=2)
    assert second.diff is not None and second.diff["removed"] == 1 and second.diff["added"] == 1


def test_bytes_received_before_a_dropped_connection_are_kept(db: None) -> None:
    from marja.ingest.services import append_to_upload, start_upload

    class Dropping:
        """A request body whose connection drops after the first 8 bytes."""

        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls == 1:
                return b"12345678"
            raise OSError("connection reset by peer")

    upload = start_upload(actor=None, original_name="x.csv", length=20)
    with pytest.raises(OSError, match="reset"):
        append_to_upload(upload, 0, Dropping())  # type: ignore[arg-type]
    upload.refresh_from_db()
    assert upload.received == 8 and upload.path.read_bytes() == b"12345678"
    import io

    assert append_to_upload(upload, 8, io.BytesIO(b"9" * 12)) == 20
    assert upload.complete


def test_stale_uploads_are_pruned_but_running_ones_kept(db: None) -> None:
    import datetime as dt

    from django.utils import timezone

    from marja.ingest.services import prune_stale_uploads, start_upload

    old = start_upload(actor=None, original_name="old.csv", length=10)
    fresh = start_upload(actor=None, original_name="fresh.csv", length=10)
    Upload.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=8))
    assert prune_stale_uploads() == 1
    assert not old.path.exists() and fresh.path.exists()
    assert list(Upload.objects.values_list("original_name", flat=True)) == ["fresh.csv"]
