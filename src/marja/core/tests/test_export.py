import csv
import datetime as dt
import io
import json
import math
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marja.core import export
from marja.core.export import (
    FORMATS,
    ExportError,
    ExportFormat,
    PackageInfo,
    export_chunks,
    table_schema,
)
from marja.core.schema import Field, FieldType, Schema

ZWNJ = "\u200c"
BIG = 2**63 - 1  # beyond 2**53: a float would change it
DAY = dt.date(2023, 11, 8)  # 1402/08/17

SCHEMA = Schema(
    fields=(
        Field("code", FieldType.INTEGER, label_fa="کد", required=True, unique=True),
        Field("name", FieldType.STRING, label_fa="نام", description="نام شهرستان"),
        Field("amount", FieldType.NUMBER, unit="ریال", minimum=-100, maximum=1e21),
        Field("population", FieldType.INTEGER, allowed=("1", "-5", str(BIG), "0")),
        Field("reported", FieldType.JALALI_DATE, label_fa="تاریخ گزارش"),
        Field("opened", FieldType.DATE),
        Field("active", FieldType.BOOLEAN),
    ),
    primary_key=("code",),
)

ROWS: list[dict[str, Any]] = [
    {
        "code": 1,
        "name": "تهران",
        "amount": 1.5,
        "population": 1,
        "reported": DAY,
        "opened": dt.date(2020, 1, 2),
        "active": True,
    },
    {
        "code": 2,
        "name": f"می{ZWNJ}خواهم",
        "amount": -5.0,
        "population": -5,
        "reported": dt.date(2025, 3, 20),  # 1403/12/30, a leap day
        "opened": None,
        "active": False,
    },
    {
        "code": 3,
        "name": '=HYPERLINK("http://x")',
        "amount": 0.00001,
        "population": BIG,
        "reported": None,
        "opened": dt.date(1999, 12, 31),
        "active": None,
    },
    {
        "code": 4,
        "name": "-5",
        "amount": 1e20,
        "population": None,
        "reported": DAY,
        "opened": DAY,
        "active": True,
    },
    {
        "code": 5,
        "name": "+98 21",
        "amount": None,
        "population": 0,
        "reported": DAY,
        "opened": DAY,
        "active": False,
    },
    {
        "code": 6,
        "name": "@sum",
        "amount": -2.25,
        "population": 1,
        "reported": DAY,
        "opened": DAY,
        "active": True,
    },
    {
        "code": 7,
        "name": "\tcmd",
        "amount": 0.0,
        "population": 1,
        "reported": DAY,
        "opened": DAY,
        "active": True,
    },
    {
        "code": 8,
        "name": None,
        "amount": 123456.789,
        "population": 1,
        "reported": DAY,
        "opened": DAY,
        "active": True,
    },
]

ARROW = pa.schema(
    [
        ("code", pa.int64()),
        ("name", pa.string()),
        ("amount", pa.float64()),
        ("population", pa.int64()),
        ("reported", pa.date32()),
        ("opened", pa.date32()),
        ("active", pa.bool_()),
    ]
)

PACKAGE = PackageInfo(
    name="Counties_2023 Report",
    title="شهرستان‌ها",
    description="جدول نمونه",
    licence_name="CC-BY-4.0",
    licence_title="Creative Commons Attribution 4.0",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    publisher="استانداری تهران",
    version="3",
    sha256="ab" * 32,
    homepage="https://marja.example/datasets/counties",
)


def naive(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A datetime without zone, as Excel cells and DuckDB's TIMESTAMP hold them."""
    return dt.datetime(year, month, day, hour, minute)  # noqa: DTZ001


def sql_reader(query: str, rows: int) -> pa.RecordBatchReader:
    relation = duckdb.sql(query)
    assert relation is not None
    return relation.to_arrow_reader(rows)


def table() -> pa.Table:
    return pa.Table.from_pylist(ROWS, schema=ARROW)


def exported(fmt: str, source: pa.Table | None = None, **options: object) -> bytes:
    reader = (source if source is not None else table()).to_reader(max_chunksize=3)
    options.setdefault("schema", SCHEMA)
    return b"".join(export_chunks(reader, fmt, **options))  # type: ignore[arg-type]


def expected_json() -> list[dict[str, object]]:
    out = []
    for row in ROWS:
        item = dict(row)
        for key in ("reported", "opened"):
            value = item[key]
            item[key] = value.isoformat() if isinstance(value, dt.date) else None
        out.append(item)
    return out


# -- CSV ---------------------------------------------------------------------------------


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_is_utf8_with_bom_and_field_names() -> None:
    rows = csv_rows(exported("csv"))
    assert rows[0] == list(SCHEMA.names)
    assert len(rows) == 1 + len(ROWS)
    assert rows[1][1] == "تهران"
    assert rows[2][1] == f"می{ZWNJ}خواهم"


def test_csv_neutralises_formulas_in_text_only() -> None:
    rows = {int(r[0]): r for r in csv_rows(exported("csv"))[1:]}
    assert rows[3][1] == '\'=HYPERLINK("http://x")'
    assert rows[4][1] == "'-5"
    assert rows[5][1] == "'+98 21"
    assert rows[6][1] == "'@sum"
    assert rows[7][1] == "'\tcmd"
    assert rows[1][1] == "تهران"
    # Numbers are numbers: their minus sign is not a formula.
    assert rows[2][2] == "-5"
    assert rows[2][3] == "-5"
    assert rows[6][2] == "-2.25"


def test_csv_values() -> None:
    rows = {int(r[0]): r for r in csv_rows(exported("csv"))[1:]}
    assert rows[1][2:] == ["1.5", "1", "1402/08/17", "2020-01-02", "true"]
    assert rows[2][2:] == ["-5", "-5", "1403/12/30", "", "false"]
    assert rows[3][2:] == ["0.00001", str(BIG), "", "1999-12-31", ""]
    assert rows[4][2] == "100000000000000000000"
    assert rows[4][3] == ""
    assert rows[7][2] == "0"
    assert rows[8][1:3] == ["", "123456.789"]


def test_csv_tells_null_from_empty_text_and_quotes_what_needs_it() -> None:
    source = pa.table({"t": ["", None, 'a "b", c\nd'], "n": [1, 2, None]})
    data = exported("csv", source, schema=None).decode("utf-8-sig")
    assert data.split("\r\n")[:3] == ["t,n", '"",1', ",2"]
    assert csv_rows(exported("csv", source, schema=None))[3] == ['a "b", c\nd', ""]


def test_csv_neutralises_a_formula_in_a_column_name() -> None:
    source = pa.table({"=cmd()": [1]})
    assert csv_rows(exported("csv", source, schema=None))[0] == ["'=cmd()"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5.0, "5"),
        (0.1, "0.1"),
        (1e-5, "0.00001"),
        (-1.5e-7, "-0.00000015"),
        (1e20, "100000000000000000000"),
        (1.2345678901234568e17, "123456789012345680"),
        (1e300, "1e+300"),
        (math.nan, "NaN"),
        (math.inf, "INF"),
        (-math.inf, "-INF"),
    ],
)
def test_numbers_are_positional_and_exact(value: float, text: str) -> None:
    source = pa.table({"x": pa.array([value, 1.0])})
    assert csv_rows(exported("csv", source, schema=None))[1] == [text]
    loaded = json.loads(exported("json", source, schema=None))[0]["x"]
    if math.isfinite(value):
        assert loaded == value
    else:
        assert loaded is None  # JSON has no NaN or infinity


# -- JSON and NDJSON ---------------------------------------------------------------------


def test_json_is_one_array_of_objects() -> None:
    data = exported("json")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "تهران".encode() in data  # not \u escapes
    assert json.loads(data) == expected_json()
    assert json.loads(data)[2]["population"] == BIG


def test_ndjson_is_one_object_per_line() -> None:
    lines = exported("ndjson").decode().splitlines()
    assert [json.loads(line) for line in lines] == expected_json()


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_empty_exports_are_well_formed(fmt: str) -> None:
    data = exported(fmt, pa.Table.from_pylist([], schema=ARROW))
    if fmt == "json":
        assert json.loads(data) == []
    elif fmt == "ndjson":
        assert data == b""
    else:
        assert csv_rows(data) == [list(SCHEMA.names)]


def test_results_of_ad_hoc_sql_keep_their_values() -> None:
    query = (
        "SELECT sum(x) AS total, avg(x) AS mean, 'a'::ENUM('a', 'b') AS kind, "
        "[1, 2] AS items, {'k': 1.5} AS pair, 1.50::DECIMAL(10, 2) AS price, "
        "TIMESTAMP '2023-11-08 14:05:00' AS at, 'x'::BLOB AS raw "
        "FROM range(4) t(x)"
    )
    data = b"".join(export_chunks(sql_reader(query, 100), "json", schema=None))
    assert json.loads(data) == [
        {
            "total": 6,
            "mean": 1.5,
            "kind": "a",
            "items": [1, 2],
            "pair": {"k": 1.5},
            "price": 1.5,
            "at": "2023-11-08T14:05:00",
            "raw": "eA==",
        }
    ]
    rows = csv_rows(b"".join(export_chunks(sql_reader(query, 100), "csv", schema=None)))
    assert rows[1] == ["6", "1.5", "a", "[1,2]", '{"k":1.5}', "1.5", "2023-11-08 14:05:00", "eA=="]


# -- XLSX --------------------------------------------------------------------------------


def test_xlsx_cells_have_the_right_types_and_no_formulas(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(io.BytesIO(exported("xlsx", spool_dir=tmp_path)))
    sheet = book.active
    assert sheet is not None
    assert sheet.sheet_view.rightToLeft
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(SCHEMA.names)
    assert all(c.font.b for c in sheet[1])
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[1] == (1, "تهران", 1.5, 1, "1402/08/17", naive(2020, 1, 2), True)
    assert rows[2] == (2, f"می{ZWNJ}خواهم", -5, -5, "1403/12/30", None, False)
    # Excel keeps 15 digits: a larger integer is text, so no digit is lost.
    assert rows[3] == (
        3,
        '=HYPERLINK("http://x")',
        0.00001,
        str(BIG),
        None,
        naive(1999, 12, 31),
        None,
    )
    assert rows[4][1:4] == ("-5", 1e20, None)
    assert rows[7][1] == "\tcmd"
    assert sheet.cell(row=2, column=6).number_format == "yyyy-mm-dd"
    assert isinstance(sheet.cell(row=2, column=1).value, int)


def test_xlsx_refuses_a_known_row_count_beyond_excel_at_once() -> None:
    with pytest.raises(ExportError) as caught:
        export_chunks(table().to_reader(), "xlsx", schema=SCHEMA, row_count=1_048_576)
    assert caught.value.code == "too_many_rows_for_xlsx"
    export_chunks(table().to_reader(), "xlsx", schema=SCHEMA, row_count=1_048_575).close()


def test_xlsx_stops_at_the_row_limit_before_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 5)
    chunks = export_chunks(table().to_reader(), "xlsx", schema=SCHEMA, spool_dir=tmp_path)
    with pytest.raises(ExportError) as caught:
        next(chunks)
    assert caught.value.code == "too_many_rows_for_xlsx"
    assert list(tmp_path.iterdir()) == []


# -- Parquet -----------------------------------------------------------------------------


def test_parquet_reads_back_equal() -> None:
    source = table()
    read = pq.read_table(io.BytesIO(exported("parquet", source)))
    assert read.equals(source)
    described = json.loads(read.schema.metadata[b"marja:fields"])
    assert [f["name"] for f in described] == SCHEMA.names
    metadata = pq.read_metadata(io.BytesIO(exported("parquet", source)))
    assert metadata.row_group(0).column(0).compression == "ZSTD"


# -- Data package ------------------------------------------------------------------------


def package_file(tmp_path: Path, source: pa.Table | None = None, **options: object) -> Path:
    options.setdefault("package", PACKAGE)
    path = tmp_path / "package.zip"
    path.write_bytes(exported("datapackage", source, **options))
    return path


def test_datapackage_validates_with_frictionless(tmp_path: Path) -> None:
    path = package_file(tmp_path)
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == len(ROWS)


def test_datapackage_validates_with_the_frictionless_cli(tmp_path: Path) -> None:
    path = package_file(tmp_path)
    command = Path(sys.executable).parent / "frictionless"
    result = subprocess.run(
        [str(command), "validate", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["valid"] is True


def test_datapackage_descriptor(tmp_path: Path) -> None:
    archive = zipfile.ZipFile(package_file(tmp_path))
    assert sorted(archive.namelist()) == ["data/counties_2023-report.csv", "datapackage.json"]
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["name"] == "counties_2023-report"
    assert descriptor["title"] == PACKAGE.title
    assert descriptor["version"] == "3"
    assert descriptor["homepage"] == PACKAGE.homepage
    assert descriptor["contentSha256"] == PACKAGE.sha256
    assert descriptor["licenses"] == [
        {"name": "CC-BY-4.0", "path": PACKAGE.licence_url, "title": PACKAGE.licence_title}
    ]
    assert descriptor["contributors"] == [{"title": PACKAGE.publisher, "role": "publisher"}]
    (resource,) = descriptor["resources"]
    data = archive.read(resource["path"])
    assert not data.startswith(b"\xef\xbb\xbf")
    assert resource["bytes"] == len(data)
    assert resource["hash"].startswith("sha256:")
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    # Machine data: ISO dates, no formula prefix.
    assert rows[1][4] == "2023-11-08"
    assert rows[3][1] == '=HYPERLINK("http://x")'
    schema = resource["schema"]
    assert schema["primaryKey"] == ["code"]
    fields = {f["name"]: f for f in schema["fields"]}
    assert {n: f["type"] for n, f in fields.items()} == {
        "code": "integer",
        "name": "string",
        "amount": "number",
        "population": "integer",
        "reported": "date",
        "opened": "date",
        "active": "boolean",
    }
    assert fields["code"]["title"] == "کد"
    assert fields["code"]["constraints"] == {"required": True, "unique": True}
    assert fields["name"]["description"] == "نام شهرستان"
    assert fields["amount"]["constraints"] == {"minimum": -100, "maximum": 1e21}
    assert fields["population"]["constraints"] == {"enum": [1, -5, BIG, 0]}
    assert fields["active"]["trueValues"] == ["true"]


def test_datapackage_breaking_its_constraints_fails_validation(tmp_path: Path) -> None:
    strict = SCHEMA.replace_field(Field("amount", FieldType.NUMBER, minimum=0))
    path = package_file(tmp_path, schema=strict)
    report = frictionless.validate(str(path))
    assert not report.valid
    assert {kind for (kind,) in report.flatten(["type"])} == {"constraint-error"}


def test_datapackage_of_ad_hoc_sql_validates(tmp_path: Path) -> None:
    query = (
        "SELECT x AS n, sum(x) OVER () AS total, x / 3 AS third, [x] AS items, "
        "{'k': x} AS pair, TIMESTAMPTZ '2023-11-08 14:05:00+00' AS at, "
        "TIME '14:05:00' AS clock, NULL AS nothing, x AS n "
        "FROM range(5) t(x)"
    )
    path = tmp_path / "adhoc.zip"
    chunks = export_chunks(
        sql_reader(query, 2), "datapackage", schema=None, package=PackageInfo("q", "q")
    )
    path.write_bytes(b"".join(chunks))
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    fields = json.loads(zipfile.ZipFile(path).read("datapackage.json"))["resources"][0]
    types = {f["name"]: f["type"] for f in fields["schema"]["fields"]}
    assert types == {
        "n": "integer",
        "total": "integer",
        "third": "number",
        "items": "array",
        "pair": "object",
        "at": "datetime",
        "clock": "time",
        "nothing": "any",
        "n_2": "integer",
    }


def test_table_schema_drops_constraints_when_sql_changed_the_type() -> None:
    arrow = pa.schema([("code", pa.string()), ("amount", pa.int64())])
    fields = table_schema(arrow, SCHEMA)["fields"]
    assert fields[0] == {"name": "code", "type": "string", "title": "کد"}
    assert fields[1]["type"] == "integer"
    assert fields[1]["constraints"] == {"minimum": -100, "maximum": 10**21}
    assert "primaryKey" in table_schema(arrow, SCHEMA)
    assert "primaryKey" not in table_schema(pa.schema([("name", pa.string())]), SCHEMA)


# -- the interface -----------------------------------------------------------------------


def test_every_format_has_a_media_type_and_extension() -> None:
    assert set(FORMATS) == set(ExportFormat)
    assert FORMATS[ExportFormat.DATAPACKAGE].extension == "zip"
    assert FORMATS[ExportFormat.CSV].media_type.startswith("text/csv")


def test_bad_requests_raise_at_once() -> None:
    with pytest.raises(ExportError) as caught:
        export_chunks(table().to_reader(), "xml", schema=None)
    assert (caught.value.code, caught.value.params) == ("unknown_format", {"format": "xml"})
    with pytest.raises(ExportError) as caught:
        export_chunks(table().to_reader(), "datapackage", schema=None)
    assert caught.value.code == "package_required"


def test_the_reader_is_closed_when_the_export_is_closed() -> None:
    reader = sql_reader("SELECT * FROM range(100000)", 1000)
    chunks = export_chunks(reader, "csv", schema=None)
    next(chunks)
    chunks.close()
    with pytest.raises(pa.ArrowInvalid, match="closed"):
        reader.read_next_batch()


# -- streaming and temporary files -------------------------------------------------------


def many_rows(total: int, per_batch: int = 100_000) -> pa.RecordBatchReader:
    ids = pa.array(range(per_batch), pa.int64())
    batch = pa.record_batch(
        [ids, pa.array([f"نام{ZWNJ}ها"] * per_batch), pa.array([-1.25] * per_batch)],
        names=["id", "name", "x"],
    )

    def batches() -> Iterator[pa.RecordBatch]:
        for _ in range(total // per_batch):
            yield batch

    return pa.RecordBatchReader.from_batches(batch.schema, batches())


def test_large_csv_streams_in_bounded_memory() -> None:
    total = 2_000_000
    started = time.perf_counter()
    tracemalloc.start()
    try:
        size = lines = arrow_peak = 0
        for chunk in export_chunks(many_rows(total), "csv", schema=None):
            size += len(chunk)
            lines += chunk.count(b"\n")
            arrow_peak = max(arrow_peak, pa.total_allocated_bytes())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == total + 1
    assert size > 50_000_000  # more than the whole output could be held in the limit
    assert peak < 50_000_000  # Python objects
    assert arrow_peak < 50_000_000  # Arrow buffers, which tracemalloc does not see
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "datapackage", "json"])
def test_spooled_and_zipped_formats_leave_no_temporary_files(tmp_path: Path, fmt: str) -> None:
    chunks = export_chunks(
        many_rows(20_000, 5_000), fmt, schema=None, package=PACKAGE, spool_dir=tmp_path
    )
    total = sum(len(chunk) for chunk in chunks)
    assert total > 0
    assert list(tmp_path.iterdir()) == []


def test_closing_early_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "_CHUNK", 4096)
    chunks = export_chunks(many_rows(10_000, 5_000), "xlsx", schema=None, spool_dir=tmp_path)
    first = next(chunks)
    assert first.startswith(b"PK")
    assert len(first) == 4096  # more is to come
    assert len(list(tmp_path.iterdir())) == 1
    chunks.close()
    assert list(tmp_path.iterdir()) == []


def test_an_early_close_of_a_zip_is_harmless(tmp_path: Path) -> None:
    chunks = export_chunks(many_rows(300_000), "datapackage", schema=None, package=PACKAGE)
    assert next(chunks).startswith(b"PK")
    chunks.close()
    assert next(chunks, None) is None


def test_xlsx_values_of_other_types(tmp_path: Path) -> None:
    source = pa.table(
        {
            "at": pa.array([naive(2023, 11, 8, 14, 5)], pa.timestamp("ns")),
            "old": pa.array([dt.date(1850, 1, 1)], pa.date32()),
            "price": pa.array([Decimal("1.25")], pa.decimal128(10, 2)),
            "huge": pa.array([Decimal("12345678901234567.5")], pa.decimal128(38, 1)),
            "items": [[1, 2]],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(exported("xlsx", source, schema=None)))
    sheet = book.active
    assert sheet is not None
    assert next(sheet.iter_rows(min_row=2, values_only=True)) == (
        naive(2023, 11, 8, 14, 5),
        "1850-01-01",
        1.25,
        "12345678901234567.5",
        "[1,2]",
    )
