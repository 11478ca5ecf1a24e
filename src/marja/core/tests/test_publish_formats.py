"""Reading every accepted format: delimiters, quoting, encodings, workbooks, JSON, Parquet."""

# Published datetimes are naive TIMESTAMPs, as the files wrote them.
# ruff: noqa: DTZ001

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marja.core.sources import ReadOptions
from marja.core.tests.publish_support import (
    column,
    header_rows,
    only_problem,
    publish,
    rows,
    types,
    xlsx_bytes,
)

# --- CSV: delimiters ---------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_detected_and_quoting_honoured(tmp_path: Path, delimiter: str) -> None:
    d = delimiter
    text = (
        f"id{d}name{d}amount{d}note\n"
        f"1{d}علی{d}10.5{d}plain\n"
        f'2{d}رضا{d}20{d}"a{d} b{d} c"\n'
        f'3{d}مریم{d}-3{d}"first line\nsecond line"\n'
        f'4{d}"سارا"{d}0{d}"he said ""سلام"""\n'
        f'5{d}x{d}1{d}"all{d} of ""it""\nhere"\n'
    )
    result = publish(tmp_path, text, "data.csv")
    assert result.read == {"format": "csv", "encoding": "utf-8", "delimiter": d, "sheet": None}
    assert types(result) == {
        "id": "integer",
        "name": "string",
        "amount": "number",
        "note": "string",
    }
    assert rows(result) == [
        {"id": 1, "name": "علی", "amount": 10.5, "note": "plain"},
        {"id": 2, "name": "رضا", "amount": 20.0, "note": f"a{d} b{d} c"},
        {"id": 3, "name": "مریم", "amount": -3.0, "note": "first line\nsecond line"},
        {"id": 4, "name": "سارا", "amount": 0.0, "note": 'he said "سلام"'},
        {"id": 5, "name": "x", "amount": 1.0, "note": f'all{d} of "it"\nhere'},
    ]
    assert result.row_count == 5
    assert result.report.ok


def test_semicolon_file_with_commas_inside_quoted_values(tmp_path: Path) -> None:
    text = 'name;desc;n\nالف;"x, y, z";1\nب;"p, q";2\nج;r;3\n'
    result = publish(tmp_path, text, "data.csv")
    assert result.read["delimiter"] == ";"
    assert column(result, "desc") == ["x, y, z", "p, q", "r"]


def test_crlf_line_endings(tmp_path: Path) -> None:
    text = 'id,note\r\n1,a\r\n2,"b\r\nc"\r\n3,d\r\n'
    result = publish(tmp_path, text, "data.csv")
    assert rows(result) == [
        {"id": 1, "note": "a"},
        {"id": 2, "note": "b\r\nc"},
        {"id": 3, "note": "d"},
    ]


@pytest.mark.parametrize("name", ["data.tsv", "data.tab"])
def test_tsv_by_extension(tmp_path: Path, name: str) -> None:
    # Commas inside values would make a comma split look plausible; the extension decides.
    text = "x\ty\n1,2\t3\n4,5\t6\n"
    result = publish(tmp_path, text, name)
    assert result.read == {"format": "tsv", "encoding": "utf-8", "delimiter": "\t", "sheet": None}
    assert rows(result) == [{"x": "1,2", "y": 3}, {"x": "4,5", "y": 6}]


def test_delimiter_override(tmp_path: Path) -> None:
    text = "a,b;c\n1,2;3\n4,5;6\n"
    detected = publish(tmp_path, text, "data.csv")
    assert detected.read["delimiter"] == ","
    assert header_rows(detected) == [{"a": 1, "b;c": "2;3"}, {"a": 4, "b;c": "5;6"}]

    chosen = publish(tmp_path, text, "data.csv", options=ReadOptions(delimiter=";"))
    assert chosen.read["delimiter"] == ";"
    assert chosen.source is not None
    assert header_rows(chosen) == [{"a,b": "1,2", "c": 3}, {"a,b": "4,5", "c": 6}]


# --- Encodings ---------------------------------------------------------------------------

#: Persian text Windows-1256 can encode (Persian letters, ZWNJ, Arabic yeh as such files have).
PERSIAN_ROWS = [
    ("1", "پژوهشگاه چوب"),
    ("2", "گچ\u200cساران ژاله"),
    ("3", "علي كريمي"),  # Arabic yeh and kaf, as typed on an Arabic keyboard
]


def _persian_csv() -> str:
    return "کد,نام محل\n" + "".join(f"{code},{name}\n" for code, name in PERSIAN_ROWS)


@pytest.mark.parametrize(
    ("codec", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1256", "windows-1256")],
)
def test_encoding_is_detected_and_persian_round_trips(
    tmp_path: Path, codec: str, expected: str
) -> None:
    data = _persian_csv().encode(codec)
    if codec == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    result = publish(tmp_path, data, "data.csv")
    assert result.read["encoding"] == expected
    assert result.source is not None
    assert result.source.encoding == expected
    assert result.schema is not None
    assert [f.label_fa for f in result.schema.fields] == ["کد", "نام محل"]
    # Windows-1256 has no Persian yeh, so its ي is read as the ی the writer meant.
    expected_names = [
        name.replace("ي", "ی") if codec == "cp1256" else name for _, name in PERSIAN_ROWS
    ]
    assert header_rows(result) == [
        {"کد": int(code), "نام محل": name}
        for (code, _), name in zip(PERSIAN_ROWS, expected_names, strict=True)
    ]


def test_windows_1256_detected_even_when_non_ascii_comes_late(tmp_path: Path) -> None:
    filler = "x" * 600
    head = "id,name\n" + "".join(f"{i},{filler}\n" for i in range(2000))  # > 1 MiB ASCII
    data = head.encode("ascii") + "2000,پژوهشگاه\n".encode("cp1256")
    assert len(head) > 1 << 20  # past the first chunk the scan reads
    result = publish(tmp_path, data, "data.csv")
    assert result.read["encoding"] == "windows-1256"
    assert result.row_count == 2001
    assert column(result, "name")[-1] == "پژوهشگاه"


def test_encoding_override(tmp_path: Path) -> None:
    data = "id,name\n1,سلام\n".encode()
    result = publish(tmp_path, data, "data.csv", options=ReadOptions(encoding="windows-1256"))
    assert result.read["encoding"] == "windows-1256"
    assert column(result, "name") == ["سلام".encode().decode("cp1256")]


def test_unknown_encoding_override_is_a_problem(tmp_path: Path) -> None:
    result = publish(tmp_path, "id\n1\n", "data.csv", options=ReadOptions(encoding="latin-1"))
    problem = only_problem(result)
    assert problem.rule == "unknown_encoding"
    assert problem.params == {"encoding": "latin-1"}


def test_wrong_utf8_override_reports_bad_encoding(tmp_path: Path) -> None:
    data = "نام,کد\nپژوهشگاه,1\n".encode("cp1256")
    result = publish(tmp_path, data, "data.csv", options=ReadOptions(encoding="utf-8"))
    assert only_problem(result).rule == "bad_encoding"


# --- Excel -------------------------------------------------------------------------------


def _workbook() -> bytes:
    return xlsx_bytes(
        {
            "اول": [["کد", "نام", "مقدار"], [1, "الف", 2.5], [2, "ب", 3], [3, 'x, "y"\nz', None]],
            "دوم": [["سال", "تاریخ"], [1402, "1402/08/17"], [1403, "1403/12/30"]],
        }
    )


def test_xlsx_first_sheet_by_default(tmp_path: Path) -> None:
    result = publish(tmp_path, _workbook(), "book.xlsx")
    assert result.read == {"format": "xlsx", "encoding": None, "delimiter": ",", "sheet": "اول"}
    assert types(result) == {"کد": "integer", "نام": "string", "مقدار": "number"}
    assert header_rows(result) == [
        {"کد": 1, "نام": "الف", "مقدار": 2.5},
        {"کد": 2, "نام": "ب", "مقدار": 3.0},
        {"کد": 3, "نام": 'x, "y"\nz', "مقدار": None},
    ]


def test_xlsx_chosen_sheet(tmp_path: Path) -> None:
    result = publish(tmp_path, _workbook(), "book.xlsx", options=ReadOptions(sheet="دوم"))
    assert result.read["sheet"] == "دوم"
    assert types(result) == {"سال": "integer", "تاریخ": "jalali_date"}
    assert header_rows(result) == [
        {"سال": 1402, "تاریخ": dt.date(2023, 11, 8)},
        {"سال": 1403, "تاریخ": dt.date(2025, 3, 20)},
    ]


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    result = publish(tmp_path, _workbook(), "book.xlsx", options=ReadOptions(sheet="سوم"))
    problem = only_problem(result)
    assert problem.rule == "unknown_sheet"
    assert problem.params == {"sheet": "سوم", "sheets": "اول، دوم"}


def test_xlsx_typed_cells(tmp_path: Path) -> None:
    data = xlsx_bytes(
        {
            "s": [
                ["when", "flag", "code", "big"],
                [dt.date(2023, 11, 8), True, "0012", 12345678901],
                [dt.date(2024, 3, 20), False, "abc", 7],
            ]
        }
    )
    result = publish(tmp_path, data, "typed.xlsx")
    assert types(result) == {"when": "date", "flag": "boolean", "code": "string", "big": "integer"}
    assert rows(result) == [
        {"when": dt.date(2023, 11, 8), "flag": True, "code": "0012", "big": 12345678901},
        {"when": dt.date(2024, 3, 20), "flag": False, "code": "abc", "big": 7},
    ]


def test_legacy_xls(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("برگ۱")
    for c, header in enumerate(["کد", "نام", "وزن"]):
        sheet.write(0, c, header)
    for r, (code, name, weight) in enumerate([(1, "الف", 2.5), (2, "پژوهش", 4.0)], start=1):
        sheet.write(r, 0, code)
        sheet.write(r, 1, name)
        sheet.write(r, 2, weight)
    buffer = io.BytesIO()
    book.save(buffer)

    result = publish(tmp_path, buffer.getvalue(), "old.xls")
    assert result.read == {"format": "xls", "encoding": None, "delimiter": ",", "sheet": "برگ۱"}
    assert header_rows(result) == [
        {"کد": 1, "نام": "الف", "وزن": 2.5},
        {"کد": 2, "نام": "پژوهش", "وزن": 4.0},
    ]


def test_workbook_detected_by_content_not_name(tmp_path: Path) -> None:
    result = publish(tmp_path, _workbook(), "upload.csv")
    assert result.read["format"] == "xlsx"
    assert result.row_count == 3


# --- JSON, NDJSON, Parquet -------------------------------------------------------------


def test_json_array_of_objects_with_nested_values(tmp_path: Path) -> None:
    records = [
        {"id": 1, "name": "سلام", "score": 2.5, "ok": True, "tags": ["a", "ب"], "meta": {"x": 1}},
        {"id": 2, "name": "x", "score": 3, "ok": False, "tags": [], "meta": None},
        {"id": 3, "name": None, "score": -1.25, "ok": True, "tags": ["c"], "meta": {"x": None}},
    ]
    result = publish(tmp_path, json.dumps(records, ensure_ascii=False), "data.json")
    assert result.read == {"format": "json", "encoding": "utf-8", "delimiter": None, "sheet": None}
    assert types(result) == {
        "id": "integer",
        "name": "string",
        "score": "number",
        "ok": "boolean",
        "tags": "string",
        "meta": "string",
    }
    published = rows(result)
    assert [r["id"] for r in published] == [1, 2, 3]
    assert [r["name"] for r in published] == ["سلام", "x", None]
    assert [r["score"] for r in published] == [2.5, 3.0, -1.25]
    assert [r["ok"] for r in published] == [True, False, True]
    assert [json.loads(r["tags"]) for r in published] == [["a", "ب"], [], ["c"]]
    assert [None if r["meta"] is None else json.loads(r["meta"]) for r in published] == [
        {"x": 1},
        None,
        {"x": None},
    ]


@pytest.mark.parametrize("name", ["data.ndjson", "data.jsonl"])
def test_ndjson(tmp_path: Path, name: str) -> None:
    lines = [
        {"id": 1, "county": "تهران", "when": "1402/08/17", "nested": {"k": [1, 2]}},
        {"id": 2, "county": "Rey", "when": "۱۴۰۲-۰۸-۱۸", "nested": {"k": []}},
    ]
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    result = publish(tmp_path, text, name)
    assert result.read["format"] == "ndjson"
    assert types(result) == {
        "id": "integer",
        "county": "county",
        "when": "jalali_date",
        "nested": "string",
    }
    published = rows(result)
    assert [r["county"] for r in published] == ["tehran", "rey"]
    assert [r["when"] for r in published] == [dt.date(2023, 11, 8), dt.date(2023, 11, 9)]
    assert [json.loads(r["nested"]) for r in published] == [{"k": [1, 2]}, {"k": []}]


def test_json_object_per_line_named_json_reads_as_ndjson(tmp_path: Path) -> None:
    result = publish(tmp_path, '{"a": 1}\n{"a": 2}\n', "data.json")
    assert result.read["format"] == "json"
    assert column(result, "a") == [1, 2]


def test_parquet_input(tmp_path: Path) -> None:
    table = pa.table(
        {
            "i": pa.array([1, 2, None], pa.int64()),
            "f": [2.0, 2.5, None],
            "s": ["ی\u200cها", "x", None],
            "d": [dt.date(2023, 11, 8), None, dt.date(2024, 3, 20)],
            "t": [dt.datetime(2023, 11, 8, 10, 30), dt.datetime(2024, 1, 1), None],
            "b": [True, False, None],
            "l": [[1, 2], [], None],
            "st": [{"x": 1}, {"x": None}, None],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    result = publish(tmp_path, buffer.getvalue(), "data.parquet")
    assert result.read == {"format": "parquet", "encoding": None, "delimiter": None, "sheet": None}
    assert types(result) == {
        "i": "integer",
        "f": "number",
        "s": "string",
        "d": "date",
        "t": "datetime",
        "b": "boolean",
        "l": "string",
        "st": "string",
    }
    published = rows(result)
    assert [r["i"] for r in published] == [1, 2, None]
    assert [r["f"] for r in published] == [2.0, 2.5, None]
    assert [r["s"] for r in published] == ["ی\u200cها", "x", None]
    assert [r["d"] for r in published] == [dt.date(2023, 11, 8), None, dt.date(2024, 3, 20)]
    assert [r["t"] for r in published] == [
        dt.datetime(2023, 11, 8, 10, 30),
        dt.datetime(2024, 1, 1),
        None,
    ]
    assert [r["b"] for r in published] == [True, False, None]
    assert [None if r["l"] is None else json.loads(r["l"]) for r in published] == [[1, 2], [], None]
    assert [None if r["st"] is None else json.loads(r["st"]) for r in published] == [
        {"x": 1},
        {"x": None},
        None,
    ]
