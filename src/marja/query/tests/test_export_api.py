"""GET /api/v1/datasets/{slug}/export: whole or filtered, in every format, safely."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

CENSUS = "county-population-1395"
ROWS = [
    ("tehran", '=HYPERLINK("http://evil";"click")', 13267637, "+98 21"),
    ("rey", "-2+3", 368000, "@SUM(A1)"),
    ("shemiranat", "تجریش", 44000, "مرکز آمار"),
]


@pytest.fixture
def census(client_as: Callable[[str], Client]) -> None:
    """The census dataset published with cells a spreadsheet would run as formulas."""
    lines = ["county,capital,population,source"] + [
        ",".join(
            f'"{v}"' if isinstance(v, str) else str(v) for v in (c, cap.replace('"', '""'), p, s)
        )
        for c, cap, p, s in ROWS
    ]
    content = ("\n".join(lines) + "\n").encode()
    response = client_as("mpo.editor").post(
        f"/api/v1/datasets/{CENSUS}/publications",
        {"file": SimpleUploadedFile("census.csv", content)},
    )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "published", response.json()


def download(client: Client, query: str) -> tuple[int, bytes, Any]:
    response = client.get(f"/api/v1/datasets/{CENSUS}/export?{query}")
    if response.status_code != 200:
        return response.status_code, response.content, response
    return 200, b"".join(response.streaming_content), response  # type: ignore[attr-defined]


def test_csv_opens_in_excel_and_never_runs_a_formula(census: None, client: Client) -> None:
    status, body, response = download(client, "format=csv&sort=-population")
    assert status == 200
    assert body.startswith(b"\xef\xbb\xbf")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="county-population-1395-v'
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["county", "capital", "population", "source"]
    by_county = {r[0]: r for r in rows[1:]}
    assert by_county["tehran"][1].startswith("'=HYPERLINK")
    assert by_county["rey"][1] == "'-2+3"
    assert by_county["rey"][3] == "'@SUM(A1)"
    assert by_county["tehran"][3] == "'+98 21"
    assert by_county["shemiranat"][1] == "تجریش"
    assert by_county["tehran"][2] == "13267637"  # numbers are never prefixed
    assert [r[0] for r in rows[1:]] == ["tehran", "rey", "shemiranat"]


def test_filters_and_columns_apply_to_the_export(census: None, client: Client) -> None:
    status, body, _ = download(
        client, "format=json&population__lt=1000000&columns=county,population"
    )
    assert status == 200
    assert json.loads(body) == [
        {"county": "rey", "population": 368000},
        {"county": "shemiranat", "population": 44000},
    ]
    status, body, _ = download(client, "format=ndjson&county=تهران")
    assert status == 200
    lines = body.decode().strip().split("\n")
    assert len(lines) == 1 and json.loads(lines[0])["county"] == "tehran"


def test_xlsx_parquet_and_data_package(census: None, client: Client, tmp_path: Path) -> None:
    status, body, _ = download(client, "format=xlsx")
    assert status == 200
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.sheet_view.rightToLeft
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["county", "capital", "population", "source"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert "HYPERLINK" in str(values[1:])
    assert any(row[2] == 13267637 for row in values[1:])

    status, body, _ = download(client, "format=parquet")
    assert status == 200
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == 3 and table.column_names[:3] == ["county", "capital", "population"]

    status, body, _ = download(client, "format=datapackage")
    assert status == 200
    archive = zipfile.ZipFile(io.BytesIO(body))
    descriptor = json.loads(archive.read("datapackage.json"))
    fields = {f["name"]: f["type"] for f in descriptor["resources"][0]["schema"]["fields"]}
    assert fields["population"] == "integer"
    archive.extractall(tmp_path)
    from frictionless import validate

    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("format=exe", 400, "unknown_format"),
        ("format=csv&nope=1", 400, "unknown_column"),
        ("format=csv&population=many", 400, "bad_value"),
        ("format=csv&version=99", 404, "version_not_found"),
    ],
)
def test_bad_exports_get_a_clear_error(
    census: None, client: Client, query: str, status: int, code: str
) -> None:
    got, body, _ = download(client, query)
    assert got == status
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message_fa"] and error["message_en"]


def test_a_dataset_you_may_not_read_cannot_be_exported(published: Any, client: Client) -> None:
    published("unfinished-projects")
    response = client.get("/api/v1/datasets/unfinished-projects/export?format=csv")
    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"not_found", "dataset_not_found"}


def test_answers_that_depend_on_the_caller_are_not_shared_by_caches(
    census: None, client: Client
) -> None:
    status, _body, response = download(client, "format=csv")
    assert status == 200
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"authorization", "x-ckan-api-key", "cookie"} <= vary


def test_an_export_never_read_still_releases_its_connection(census: None) -> None:
    from django.contrib.auth.models import AnonymousUser

    from marja.core.export import PackageInfo
    from marja.query.params import rows_query_from
    from marja.query.selectors import version_to_read
    from marja.query.services import export_rows

    read = version_to_read(AnonymousUser(), CENSUS)
    export = export_rows(read, rows_query_from({}), "csv", package=PackageInfo(CENSUS, "t"))
    export.chunks.close()  # type: ignore[attr-defined]  # what Django does on disconnect
    import duckdb

    with pytest.raises(duckdb.ConnectionException):
        export.chunks._con.execute("SELECT 1")  # type: ignore[attr-defined]
