"""Validation against a declared schema: every problem with rule, row, column and value."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from marja.core.problems import KEEP_PER_RULE
from marja.core.schema import Schema
from marja.core.tests.publish_support import (
    header_rows,
    problems,
    publish,
    rows,
    xlsx_bytes,
)

PEOPLE = Schema.from_dict(
    {
        "fields": [
            {"name": "id", "type": "integer", "label_fa": "شناسه"},
            {"name": "year", "type": "integer", "label_fa": "سال"},
            {"name": "age", "type": "integer", "label_fa": "سن", "minimum": 0, "maximum": 120},
            {"name": "sex", "label_fa": "جنس", "allowed": ["زن", "مرد"]},
            {"name": "county", "type": "county", "label_fa": "شهرستان"},
            {"name": "code", "label_en": "Code", "unique": True},
            {"name": "born", "type": "jalali_date", "label_fa": "تاریخ تولد", "required": True},
        ],
        "primary_key": ["id", "year"],
    }
)

HEADER = "شناسه,سال,سن,جنس,شهرستان,Code,تاریخ تولد\n"
PEOPLE_CSV = HEADER + (
    "1,1400,30,مرد,تهران,a,1370/01/01\n"  # row 2: fine
    "1,1401,130,زنانه,ری,b,1370/01/02\n"  # row 3: maximum, allowed
    ",1400,-1,زن,قم,c,1370/01/03\n"  # row 4: required (key), minimum, reference
    "1,1400,abc,مرد,Tehran,a,\n"  # row 5: type, unique, primary key, required
    "2,۱۴۰۰,۵,زن,rey,d,۱۳۸۰/۰۲/۰۳\n"  # row 6: fine (Persian digits)
    "3,1400,40,زن,تهران,e,1402/12/30\n"  # row 7: impossible date
)


def test_every_problem_has_rule_row_column_and_value(tmp_path: Path) -> None:
    result = publish(tmp_path, PEOPLE_CSV, declared=PEOPLE)
    assert result.parquet is None
    assert result.row_count == 0
    assert problems(result) == {
        ("maximum", 3, "سن", "130"),
        ("allowed", 3, "جنس", "زنانه"),
        ("required", 4, "شناسه", None),
        ("minimum", 4, "سن", "-1"),
        ("reference", 4, "شهرستان", "قم"),
        ("type", 5, "سن", "abc"),
        ("unique", 5, "Code", "a"),
        ("primary_key", 5, "شناسه, سال", "1 | 1400"),
        ("required", 5, "تاریخ تولد", None),
        ("type", 7, "تاریخ تولد", "1402/12/30"),
    }
    params = {(p.rule, p.row): p.params for p in result.report.problems}
    assert params[("maximum", 3)] == {"maximum": "120"}
    assert params[("minimum", 4)] == {"minimum": "0"}
    assert params[("allowed", 3)] == {"allowed": "زن، مرد"}
    assert params[("reference", 4)] == {"list": "counties"}
    assert params[("type", 5)] == {"type": "integer"}
    assert params[("type", 7)] == {"type": "jalali_date"}
    assert params[("unique", 5)] == {"first_row": 2}
    assert params[("primary_key", 5)] == {"first_row": 2}
    report = result.report
    assert report.rows_total == 6
    assert report.bad_rows == 4
    assert report.total == 10
    assert report.counts[("required", "شناسه")] == 1


def test_rejected_by_default_and_valid_rows_published_on_request(tmp_path: Path) -> None:
    rejected = publish(tmp_path, PEOPLE_CSV, declared=PEOPLE)
    assert not rejected.ok
    assert rejected.parquet is None
    assert rejected.excluded_rows == 0

    partial = publish(tmp_path, PEOPLE_CSV, declared=PEOPLE, valid_rows_only=True)
    assert partial.ok
    assert partial.row_count == 2
    assert partial.excluded_rows == 4
    assert partial.report.rows_total == 6
    assert not partial.report.ok  # the problems of the excluded rows are still reported
    assert problems(partial) == problems(rejected)
    assert rows(partial) == [
        {
            "id": 1,
            "year": 1400,
            "age": 30,
            "sex": "مرد",
            "county": "tehran",
            "code": "a",
            "born": dt.date(1991, 3, 21),
        },
        {
            "id": 2,
            "year": 1400,
            "age": 5,
            "sex": "زن",
            "county": "rey",
            "code": "d",
            "born": dt.date(2001, 4, 23),
        },
    ]
    assert [s["field"] for s in partial.stats] == PEOPLE.names
    assert partial.stats[2] == {"field": "age", "nulls": 0, "min": 5, "max": 30, "distinct": 2}


def test_bad_rows_csv_lists_bad_rows_with_their_numbers(tmp_path: Path) -> None:
    result = publish(tmp_path, PEOPLE_CSV, declared=PEOPLE)
    assert result.bad_rows_csv is not None
    data = result.bad_rows_csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert not data[3:].startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert table[0] == ["row", "problems", *HEADER.strip().split(",")]
    assert [r[0] for r in table[1:]] == ["3", "4", "5", "7"]
    listed = {r[0]: set(r[1].split("; ")) for r in table[1:]}
    assert listed == {
        "3": {"maximum:سن", "allowed:جنس"},
        "4": {"required:شناسه", "minimum:سن", "reference:شهرستان"},
        "5": {"type:سن", "unique:Code", "primary_key:شناسه, سال", "required:تاریخ تولد"},
        "7": {"type:تاریخ تولد"},
    }
    # The rows are as they were in the file.
    assert table[2][2:] == ["", "1400", "-1", "زن", "قم", "c", "1370/01/03"]


def test_no_bad_rows_csv_when_the_file_is_valid(tmp_path: Path) -> None:
    valid = HEADER + "1,1400,30,مرد,تهران,a,1370/01/01\n"
    result = publish(tmp_path, valid, declared=PEOPLE)
    assert result.ok
    assert result.bad_rows_csv is None
    assert result.report.ok
    assert result.report.rows_total == 1


def test_counts_are_exact_beyond_the_kept_problems(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {"fields": [{"name": "id", "type": "integer"}, {"name": "n", "type": "integer"}]}
    )
    bad = "".join(f"{i},x{i}\n" for i in range(1500))
    good = "".join(f"{i},{i}\n" for i in range(1500, 1600))
    result = publish(tmp_path, "id,n\n" + bad + good + "oops,1\n", declared=schema)
    report = result.report
    assert report.counts == {("type", "n"): 1500, ("type", "id"): 1}
    assert report.total == 1501
    assert report.bad_rows == 1501
    assert report.rows_total == 1601
    kept = [p for p in report.problems if p.column == "n"]
    assert len(kept) == KEEP_PER_RULE == 1000
    assert [p.row for p in kept] == list(range(2, 1002))  # the first 1000, in order
    assert kept[0].value == "x0"
    assert kept[-1].value == "x999"
    assert [(p.row, p.value) for p in report.problems if p.column == "id"] == [(1602, "oops")]
    assert report.to_dict()["counts"][0] == {"rule": "type", "column": "n", "count": 1500}

    partial = publish(
        tmp_path, "id,n\n" + bad + good + "oops,1\n", declared=schema, valid_rows_only=True
    )
    assert partial.row_count == 100
    assert partial.excluded_rows == 1501
    assert [r["n"] for r in rows(partial)] == list(range(1500, 1600))


def test_composite_key_duplicates_point_at_the_first_occurrence(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {
            "fields": [
                {"name": "county", "type": "county"},
                {"name": "year", "type": "integer"},
                {"name": "value", "type": "number"},
            ],
            "primary_key": ["county", "year"],
        }
    )
    text = (
        "county,year,value\n"
        "تهران,1400,1\n"  # 2
        "ری,1400,2\n"  # 3
        "Tehran,1401,3\n"  # 4
        "tehran,۱۴۰۰,4\n"  # 5: same key as row 2 once converted
        "ری,1401,5\n"  # 6
        "Rey,1400,6\n"  # 7: same as row 3
        "تهران,1400,7\n"  # 8: same as row 2 again
    )
    result = publish(tmp_path, text, declared=schema)
    assert result.parquet is None
    found = [(p.rule, p.row, p.column, p.value, p.params) for p in result.report.problems]
    assert sorted(found, key=lambda p: p[1] or 0) == [
        ("primary_key", 5, "county, year", "tehran | 1400", {"first_row": 2}),
        ("primary_key", 7, "county, year", "rey | 1400", {"first_row": 3}),
        ("primary_key", 8, "county, year", "tehran | 1400", {"first_row": 2}),
    ]
    assert result.report.counts == {("primary_key", "county, year"): 3}

    partial = publish(tmp_path, text, declared=schema, valid_rows_only=True)
    assert [r["value"] for r in rows(partial)] == [1.0, 2.0, 3.0, 5.0]
    assert partial.excluded_rows == 3


def test_single_field_key_is_checked_once_as_unique(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {"fields": [{"name": "id", "type": "integer", "unique": True}], "primary_key": ["id"]}
    )
    result = publish(tmp_path, "id\n1\n2\n1\n", declared=schema)
    assert [(p.rule, p.row, p.params) for p in result.report.problems] == [
        ("unique", 4, {"first_row": 2})
    ]


def test_required_honours_missing_value_markers(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {
            "fields": [
                {"name": "a", "type": "integer", "required": True},
                {"name": "b", "type": "integer"},
            ],
            "missing_values": ["", "-", "NA"],
        }
    )
    result = publish(tmp_path, "a,b\n1,-\n-,2\nNA,NA\n4, NA \n", declared=schema)
    assert problems(result) == {("required", 3, "a", None), ("required", 4, "a", None)}
    partial = publish(tmp_path, "a,b\n1,-\n-,2\nNA,NA\n4,\n", declared=schema, valid_rows_only=True)
    assert rows(partial) == [{"a": 1, "b": None}, {"a": 4, "b": None}]


def test_whitespace_only_cell_is_missing(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]}
    )
    result = publish(tmp_path, "a,b\n1, \n2,3\n", declared=schema)
    assert result.report.ok, result.report.to_dict()
    assert rows(result) == [{"a": 1, "b": None}, {"a": 2, "b": 3}]


def test_reference_list_on_a_text_field(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "where", "reference": "counties"}]})
    result = publish(tmp_path, "where\nتهران\nTehran\nاصفهان\nrey\n", declared=schema)
    assert problems(result) == {("reference", 4, "where", "اصفهان")}
    assert result.report.problems[0].params == {"list": "counties"}


def test_range_on_numbers_with_persian_digits(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {"fields": [{"name": "p", "type": "number", "minimum": 0, "maximum": 100}]}
    )
    result = publish(tmp_path, "p\n۹۹٫۵\n۱۰۰٫۵\n-0.1\n100\n0\n", declared=schema)
    assert problems(result) == {("maximum", 3, "p", "۱۰۰٫۵"), ("minimum", 4, "p", "-0.1")}
    assert {p.params.get("maximum") or p.params.get("minimum") for p in result.report.problems} == {
        "100",
        "0",
    }


def test_allowed_values_on_integer_field(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "g", "type": "integer", "allowed": ["1", "2"]}]})
    result = publish(tmp_path, "g\n1\n۲\n3\n", declared=schema)
    assert problems(result) == {("allowed", 4, "g", "3")}


def test_allowed_values_on_number_field(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {"fields": [{"name": "w", "type": "number", "allowed": ["0", "0.5", "1"]}]}
    )
    result = publish(tmp_path, "w\n1\n0.5\n0\n۱\n", declared=schema)
    assert result.report.ok, result.report.to_dict()
    assert [r["w"] for r in rows(result)] == [1.0, 0.5, 0.0, 1.0]


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {
            "fields": [
                {"name": "id", "type": "integer"},
                {"name": "county", "type": "county", "label_fa": "شهرستان"},
                {"name": "population", "type": "integer", "label_fa": "جمعیت"},
            ]
        }
    )
    result = publish(tmp_path, "id,جمعیت,رنگ,extra\n1,2,3,4\n", declared=schema)
    assert result.parquet is None
    assert result.bad_rows_csv is None
    found = {(p.rule, p.column, tuple(sorted(p.params.items()))) for p in result.report.problems}
    assert found == {
        ("missing_column", "county", ()),
        ("unknown_column", "رنگ", (("position", 3),)),
        ("unknown_column", "extra", (("position", 4),)),
    }
    assert all(p.row is None for p in result.report.problems)


def test_columns_matched_by_label_in_any_order(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {
            "fields": [
                {"name": "students", "type": "integer", "label_fa": "تعداد دانش‌آموز"},
                {"name": "county", "type": "county", "label_fa": "شهرستان"},
            ]
        }
    )
    # Columns swapped; the header has a space where the label has a ZWNJ, and Arabic kaf.
    result = publish(tmp_path, "شهرستان,تعداد دانش آموز\nري,۱۲\nتهران,3\n", declared=schema)
    assert rows(result) == [{"students": 12, "county": "rey"}, {"students": 3, "county": "tehran"}]


def test_impossible_jalali_dates_are_rejected_on_first_upload(tmp_path: Path) -> None:
    impossible = ["1402/12/30", "۱۴۰۲/۱۲/۳۰", "1402/13/01", "1402/07/31"]
    text = "تاریخ,n\n1402/08/17,1\n" + "".join(f"{d},2\n" for d in impossible)
    text += "1403/12/30,3\n"
    result = publish(tmp_path, text)
    assert result.parquet is None
    assert result.schema is not None
    assert result.schema.fields[0].type.value == "jalali_date"
    found = [(p.rule, p.row, p.column, p.value, p.params) for p in result.report.problems]
    assert found == [
        ("type", row, "تاریخ", value, {"type": "jalali_date"})
        for row, value in enumerate(impossible, start=3)
    ]
    partial = publish(tmp_path, text, valid_rows_only=True)
    assert [r["تاریخ"] for r in header_rows(partial)] == [
        dt.date(2023, 11, 8),
        dt.date(2025, 3, 20),
    ]


def test_impossible_jalali_dates_against_declared_schema(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "d", "type": "jalali_date"}]})
    text = "d\n1403/12/30\n1402/12/30\n1402/13/01\n1402/07/31\n1402/06/31\n1402/00/10\n"
    result = publish(tmp_path, text, declared=schema, valid_rows_only=True)
    assert problems(result) == {
        ("type", 3, "d", "1402/12/30"),
        ("type", 4, "d", "1402/13/01"),
        ("type", 5, "d", "1402/07/31"),
        ("type", 7, "d", "1402/00/10"),
    }
    assert [r["d"] for r in rows(result)] == [dt.date(2025, 3, 20), dt.date(2023, 9, 22)]


def test_inferred_schema_edited_then_used(tmp_path: Path) -> None:
    first = publish(tmp_path, "code,amount\n1,10\n2,20\n")
    assert first.schema is not None
    amount = dataclasses.replace(first.schema.field("amount"), maximum=15.0, required=True)
    schema = dataclasses.replace(first.schema.replace_field(amount), primary_key=("code",))
    result = publish(tmp_path, "code,amount\n1,10\n2,20\n2,\n", declared=schema)
    assert problems(result) == {
        ("maximum", 3, "amount", "20"),
        ("required", 4, "amount", None),
        ("primary_key", 4, "code", "2"),
    }


def test_json_rows_count_from_the_first_record(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "a", "type": "integer", "minimum": 0}]})
    data = json.dumps([{"a": 1}, {"a": "x"}, {"a": -5}, {"a": None}])
    result = publish(tmp_path, data, "data.json", declared=schema)
    assert problems(result) == {("type", 2, "a", "x"), ("minimum", 3, "a", "-5")}
    assert result.bad_rows_csv is not None
    table = list(csv.reader(io.StringIO(result.bad_rows_csv.read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in table[1:]] == ["2", "3"]


def test_parquet_rows_count_from_the_first_record(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "a", "type": "integer", "minimum": 0}]})
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": pa.array([1, -5, None, -7], pa.int64())}), buffer)
    result = publish(tmp_path, buffer.getvalue(), "data.parquet", declared=schema)
    assert problems(result) == {("minimum", 2, "a", "-5"), ("minimum", 4, "a", "-7")}


def test_excel_rows_count_as_the_spreadsheet_shows_them(tmp_path: Path) -> None:
    schema = Schema.from_dict({"fields": [{"name": "t"}, {"name": "n", "type": "integer"}]})
    data = xlsx_bytes({"s": [["t", "n"], ["a", 1], ["b", "bad"], ["c", 2.5], ["d", 4]]})
    result = publish(tmp_path, data, "book.xlsx", declared=schema)
    assert problems(result) == {("type", 3, "n", "bad"), ("type", 4, "n", "2.5")}


def test_ragged_and_value_problems_before_the_ragged_row(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]}
    )
    result = publish(tmp_path, "a,b\nx,1\n2,2\n3\n4,4\n", declared=schema)
    assert problems(result) == {("type", 2, "a", "x"), ("ragged_row", 4, None, "3")}


def test_value_problem_after_a_ragged_row_has_its_own_row_number(tmp_path: Path) -> None:
    schema = Schema.from_dict(
        {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]}
    )
    result = publish(tmp_path, "a,b\n1,1\n2,2\n3\nx,5\n", declared=schema)
    assert problems(result) == {("ragged_row", 4, None, "3"), ("type", 5, "a", "x")}
