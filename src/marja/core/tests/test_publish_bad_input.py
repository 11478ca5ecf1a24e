"""Files that cannot be published: each one yields a precise problem, never an exception."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from marja.core.schema import Schema
from marja.core.sources import Limits, ReadOptions
from marja.core.tests.publish_support import (
    only_problem,
    publish,
    rows,
    types,
    xlsx_bytes,
)


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"", "data.csv"), (b"", "data.xlsx"), (b"  \n\r\n\n", "data.csv")],
)
def test_empty_file(tmp_path: Path, content: bytes, name: str) -> None:
    result = publish(tmp_path, content, name)
    problem = only_problem(result)
    assert problem.rule == "empty_file"
    assert result.schema is None


@pytest.mark.parametrize("text", ["id,name", "id;name;n\r\n"])
def test_header_only(tmp_path: Path, text: str) -> None:
    result = publish(tmp_path, text)
    problem = only_problem(result)
    assert problem.rule == "no_rows"
    assert result.row_count == 0
    assert result.schema is not None  # the header was read


def test_header_only_workbook(tmp_path: Path) -> None:
    result = publish(tmp_path, xlsx_bytes({"s": [["a", "b"]]}), "book.xlsx")
    assert only_problem(result).rule == "no_rows"


def test_ragged_rows(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n13,14,15\n"
    result = publish(tmp_path, text)
    assert result.parquet is None
    found = [(p.rule, p.row, p.value, p.params) for p in result.report.sorted_problems()]
    assert found == [
        ("ragged_row", 3, "4,5", {"expected": 3, "found": 2}),
        ("ragged_row", 5, "9,10,11,12", {"expected": 3, "found": 4}),
    ]
    assert result.report.counts == {("ragged_row", None): 2}
    assert result.report.bad_rows == 2

    partial = publish(tmp_path, text, valid_rows_only=True)
    assert partial.excluded_rows == 2
    assert rows(partial) == [
        {"a": 1, "b": 2, "c": 3},
        {"a": 6, "b": 7, "c": 8},
        {"a": 13, "b": 14, "c": 15},
    ]


def test_ragged_row_after_multiline_value_counts_records(tmp_path: Path) -> None:
    text = 'a,b\n1,"two\nlines"\n2,x,extra\n3,y\n'
    result = publish(tmp_path, text)
    assert [(p.rule, p.row, p.params) for p in result.report.problems] == [
        ("ragged_row", 3, {"expected": 2, "found": 3})
    ]


def test_ragged_row_value_in_crlf_file(tmp_path: Path) -> None:
    result = publish(tmp_path, "a,b\r\n1,2\r\n3\r\n4,5\r\n")
    assert [(p.rule, p.row, p.value) for p in result.report.problems] == [("ragged_row", 3, "3")]


@pytest.mark.parametrize(
    ("header", "column", "first", "value"),
    [
        ("id,name,id", 3, 1, "id"),
        ("id,Name,NAME", 3, 2, "NAME"),
        ("نام,کد, نام ", 3, 1, "نام"),
    ],
)
def test_duplicate_header(tmp_path: Path, header: str, column: int, first: int, value: str) -> None:
    result = publish(tmp_path, f"{header}\n1,2,3\n")
    problem = only_problem(result)
    assert problem.rule == "duplicate_header"
    assert problem.column == str(column)
    assert problem.value == value
    assert problem.params == {"column": column, "first": first}


@pytest.mark.parametrize(("header", "position"), [("a,,c", 2), (",b", 1), ("a,b,  ", 3)])
def test_empty_header(tmp_path: Path, header: str, position: int) -> None:
    result = publish(tmp_path, f"{header}\n1,2,3\n")
    problem = only_problem(result)
    assert problem.rule == "empty_header"
    assert problem.params == {"column": position}


def test_workbook_with_empty_header(tmp_path: Path) -> None:
    data = xlsx_bytes({"s": [["a", None, "c"], [1, 2, 3]]})
    problem = only_problem(publish(tmp_path, data, "book.xlsx"))
    assert (problem.rule, problem.params) == ("empty_header", {"column": 2})


def test_ten_megabyte_value_round_trips(tmp_path: Path) -> None:
    unit = "متن طولانی، "
    big = unit * (10 * 1024 * 1024 // len(unit.encode()) + 1)
    assert len(big.encode()) >= 10 * 1024 * 1024
    text = f'id,text,n\n1,"{big}",5\n2,short,6\n'
    result = publish(tmp_path, text)
    assert result.ok, result.report.to_dict()
    assert types(result) == {"id": "integer", "text": "string", "n": "integer"}
    assert result.parquet is not None
    table = pq.read_table(result.parquet)
    assert table.column("text")[0].as_py() == big
    assert table.column("text")[1].as_py() == "short"
    assert table.column("n").to_pylist() == [5, 6]
    assert result.stats[1]["min"] == "short"  # Latin sorts before Persian
    assert result.stats[1]["max"] == big[:100] + "…"  # statistics keep 100 characters


def test_value_longer_than_the_line_limit(tmp_path: Path) -> None:
    text = "id,text\n1," + "x" * 5000 + "\n2,y\n"
    result = publish(tmp_path, text, limits=Limits(max_line_bytes=1024))
    assert result.parquet is None
    assert [(p.rule, p.row, p.params) for p in result.report.problems] == [
        ("line_too_long", 2, {"limit": 1024})
    ]


@pytest.mark.parametrize("name", ["data.csv", "data.json"])
def test_binary_garbage(tmp_path: Path, name: str) -> None:
    garbage = bytes(range(256)) * 64 + os.urandom(4096)
    problem = only_problem(publish(tmp_path, garbage, name))
    assert problem.rule == "binary"


def test_image_named_csv(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    assert only_problem(publish(tmp_path, png + b"\x00" * 100, "photo.csv")).rule == "binary"


@pytest.mark.parametrize(("codec", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_utf16(tmp_path: Path, codec: str, bom: bytes) -> None:
    data = bom + "نام,کد\nالف,1\n".encode(codec)
    problem = only_problem(publish(tmp_path, data, "data.csv"))
    assert problem.rule == "utf16"


def _truncated_workbook() -> bytes:
    data = xlsx_bytes({"s": [["a"], [1]]})
    return data[: len(data) // 2]


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<<< not xml")
        archive.writestr("xl/workbook.xml", "garbage")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (_truncated_workbook, "book.xlsx"),
        (_zip_without_workbook, "book.xlsx"),
        (lambda: b"PK\x03\x04" + b"junk" * 100, "book.xlsx"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, "book.xls"),
    ],
    ids=["truncated", "no-workbook", "not-a-zip", "bad-ole"],
)
def test_corrupt_workbook(tmp_path: Path, make, name: str) -> None:
    problem = only_problem(publish(tmp_path, make(), name))
    assert problem.rule == "corrupt_workbook"
    assert problem.params["detail"]


def test_password_protected_xlsx(tmp_path: Path) -> None:
    import msoffcrypto.format.ooxml

    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(xlsx_bytes({"s": [["a"], [1]]}))
    encrypted = io.BytesIO()
    with plain.open("rb") as handle:
        msoffcrypto.format.ooxml.OOXMLFile(handle).encrypt("secret", encrypted)
    data = encrypted.getvalue()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # an OLE container, not a zip
    for name in ("locked.xlsx", "locked.xls"):
        assert only_problem(publish(tmp_path, data, name)).rule == "password_protected"


def test_xlsx_zip_bomb(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        # 48 MiB of one repeated row compresses to a few tens of kilobytes.
        archive.writestr("xl/worksheets/sheet1.xml", b"<row><c><v>0</v></c></row>" * 1_900_000)
    data = buffer.getvalue()
    assert len(data) < 1 << 20
    started = time.monotonic()
    result = publish(tmp_path, data, "bomb.xlsx")
    assert time.monotonic() - started < 5
    problem = only_problem(result)
    assert problem.rule == "zip_bomb"
    assert problem.params["unpacked"] == 8 + 26 * 1_900_000
    assert problem.params["packed"] < len(data)
    assert problem.params["unpacked"] / problem.params["packed"] > 200


def test_zip_bomb_by_absolute_size(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", os.urandom(4096))
    limits = Limits(max_excel_uncompressed=1000)
    problem = only_problem(publish(tmp_path, buffer.getvalue(), "b.xlsx", limits=limits))
    assert problem.rule == "zip_bomb"


def test_hundred_thousand_columns(tmp_path: Path) -> None:
    width = 100_000
    header = ",".join(f"c{i}" for i in range(width))
    text = header + "\n" + ",".join("1" for _ in range(width)) + "\n"
    started = time.monotonic()
    result = publish(tmp_path, text)
    assert time.monotonic() - started < 5
    problem = only_problem(result)
    assert problem.rule == "too_many_columns"
    assert problem.params == {"found": 100_000, "limit": 1000}


def test_column_limit_applies_to_json(tmp_path: Path) -> None:
    record = "{" + ",".join(f'"k{i}": {i}' for i in range(6)) + "}"
    result = publish(tmp_path, f"[{record}]", "data.json", limits=Limits(max_columns=5))
    assert only_problem(result).params == {"found": 6, "limit": 5}


@pytest.mark.parametrize(
    ("content", "name", "rule"),
    [
        ('"just a string"', "data.json", "json_not_array"),
        ("[1, 2, 3]", "data.json", "json_not_objects"),
        ('[{"a": 1}, {"a": ', "data.json", "bad_json"),
        ('{"a": 1}\n{"a": \n', "data.ndjson", "bad_json"),
        (b"PAR1" + b"\x00" * 64, "data.parquet", "bad_parquet"),
    ],
)
def test_malformed_json_and_parquet(
    tmp_path: Path, content: str | bytes, name: str, rule: str
) -> None:
    assert only_problem(publish(tmp_path, content, name)).rule == rule


def test_unknown_format_option(tmp_path: Path) -> None:
    problem = only_problem(publish(tmp_path, "a\n1\n", options=ReadOptions(format="ods")))
    assert (problem.rule, problem.params) == ("unknown_format", {"format": "ods"})


def test_all_rows_invalid_with_valid_rows_only(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "n", "type": "integer"}]})
    result = publish(tmp_path, "n\nx\ny\n", declared=schema, valid_rows_only=True)
    problem = only_problem(result)
    assert problem.rule == "no_valid_rows"


def test_unterminated_quote(tmp_path: Path) -> None:
    result = publish(tmp_path, 'a,b\n1,"unterminated\n2,x\n')
    assert result.parquet is None
    assert [(p.rule, p.row, p.params) for p in result.report.problems] == [
        ("malformed_line", 2, {"detail": "UNQUOTED VALUE"})
    ]


def test_stray_quote_inside_a_value_is_kept(tmp_path: Path) -> None:
    result = publish(tmp_path, 'a,b\n1,x"y\n2,x\n')
    assert rows(result) == [{"a": 1, "b": 'x"y'}, {"a": 2, "b": "x"}]
