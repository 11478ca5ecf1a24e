"""Schema inference on a first upload: Persian numbers and dates, booleans, counties, names."""

# Published datetimes are naive TIMESTAMPs, as the files wrote them.
# ruff: noqa: DTZ001

from __future__ import annotations

import datetime as dt
from pathlib import Path

from marja.core.schema import FIELD_NAME, Field, Schema, field_name_for
from marja.core.tests.publish_support import column, header_of, header_rows, publish, types


def test_persian_and_arabic_indic_digits_and_separators(tmp_path: Path) -> None:
    text = (
        "persian,arabic,grouped_fa,grouped_latin,decimal_fa,negative\n"
        '۱۲۳,١٢٣,۱۲٬۳۴۵,"12,345",۱۲٫۵,−۷\n'
        '۰,٠,۱٬۰۰۰٬۰۰۰,"1,000,000",۰٫۲۵,-8\n'
        "۹۸۷۶۵,٩٨٧٦٥,۹۹۹,999,۳,۰\n"
    )
    result = publish(tmp_path, text)
    assert types(result) == {
        "persian": "integer",
        "arabic": "integer",
        "grouped_fa": "integer",
        "grouped_latin": "integer",
        "decimal_fa": "number",
        "negative": "integer",
    }
    assert header_rows(result) == [
        {
            "persian": 123,
            "arabic": 123,
            "grouped_fa": 12345,
            "grouped_latin": 12345,
            "decimal_fa": 12.5,
            "negative": -7,
        },
        {
            "persian": 0,
            "arabic": 0,
            "grouped_fa": 1_000_000,
            "grouped_latin": 1_000_000,
            "decimal_fa": 0.25,
            "negative": -8,
        },
        {
            "persian": 98765,
            "arabic": 98765,
            "grouped_fa": 999,
            "grouped_latin": 999,
            "decimal_fa": 3.0,
            "negative": 0,
        },
    ]


def test_mixed_digit_systems_in_one_column(tmp_path: Path) -> None:
    text = "n\n123\n۱۲۳\n١٢٣\n۱2٣\n ۴۵ \n-۶\n"
    result = publish(tmp_path, text)
    assert types(result) == {"n": "integer"}
    assert column(result, "n") == [123, 123, 123, 123, 45, -6]


def test_badly_grouped_number_is_text(tmp_path: Path) -> None:
    result = publish(tmp_path, 'n\n"1,23"\n5\n')
    assert types(result) == {"n": "string"}
    assert column(result, "n") == ["1,23", "5"]


def test_jalali_dates_are_stored_as_real_dates(tmp_path: Path) -> None:
    text = (
        "تاریخ,تاریخ فارسی\n"
        "1402/08/17,۱۴۰۲-۰۸-۱۷\n"
        "1403/12/30,۱۴۰۳/۱۲/۳۰\n"
        "1402/1/1,١٤٠٢/٠١/٠١\n"
        "1399/12/30,۱۳۹۹-۱۲-۳۰\n"
    )
    result = publish(tmp_path, text)
    assert types(result) == {"تاریخ": "jalali_date", "تاریخ فارسی": "jalali_date"}
    expected = [dt.date(2023, 11, 8), dt.date(2025, 3, 20), dt.date(2023, 3, 21)]
    expected.append(dt.date(2021, 3, 20))
    assert column(result, "تاریخ") == expected
    assert column(result, "تاریخ فارسی") == expected
    assert result.stats[0]["min"] == "2021-03-20"
    assert result.stats[0]["max"] == "2025-03-20"


def test_gregorian_dates_and_datetimes(tmp_path: Path) -> None:
    text = (
        "day,moment\n"
        "2023-11-08,2023-11-08 10:30:00\n"
        "2024/2/29,2024-02-29T23:59\n"
        "۲۰۲۵-۰۱-۰۱,2025-01-01 00:00:01\n"
    )
    result = publish(tmp_path, text)
    assert types(result) == {"day": "date", "moment": "datetime"}
    assert column(result, "day") == [
        dt.date(2023, 11, 8),
        dt.date(2024, 2, 29),
        dt.date(2025, 1, 1),
    ]
    assert column(result, "moment") == [
        dt.datetime(2023, 11, 8, 10, 30),
        dt.datetime(2024, 2, 29, 23, 59),
        dt.datetime(2025, 1, 1, 0, 0, 1),
    ]


def test_jalali_and_gregorian_in_one_column_is_text(tmp_path: Path) -> None:
    result = publish(tmp_path, "d\n1402/08/17\n2023-11-08\n")
    assert types(result) == {"d": "string"}
    assert column(result, "d") == ["1402/08/17", "2023-11-08"]


def test_booleans(tmp_path: Path) -> None:
    text = "دارد,flag,yes_no\nبله,true,Yes\nخیر,FALSE,no\nبله,True,N\n,false,\n"
    result = publish(tmp_path, text)
    assert types(result) == {"دارد": "boolean", "flag": "boolean", "yes_no": "boolean"}
    assert header_rows(result) == [
        {"دارد": True, "flag": True, "yes_no": True},
        {"دارد": False, "flag": False, "yes_no": False},
        {"دارد": True, "flag": True, "yes_no": False},
        {"دارد": None, "flag": False, "yes_no": None},
    ]


def test_zero_one_column_is_integer_not_boolean(tmp_path: Path) -> None:
    result = publish(tmp_path, "b\n0\n1\n1\n")
    assert types(result) == {"b": "integer"}
    assert column(result, "b") == [0, 1, 1]


def test_county_names_map_to_codes(tmp_path: Path) -> None:
    # Persian names, English names in any case, codes, and Arabic yeh (ري) all map.
    text = "شهرستان,n\nتهران,1\nری,2\nTehran,3\nREY,4\nrey,5\nري,6\n  تهران ,7\n"
    result = publish(tmp_path, text)
    assert types(result)["شهرستان"] == "county"
    assert column(result, "شهرستان") == ["tehran", "rey", "tehran", "rey", "rey", "rey", "tehran"]


def test_unknown_county_name_keeps_column_as_text(tmp_path: Path) -> None:
    result = publish(tmp_path, "شهرستان\nتهران\nقم\n")
    assert types(result) == {"شهرستان": "string"}
    assert column(result, "شهرستان") == ["تهران", "قم"]


def test_numeric_county_codes_are_numbers(tmp_path: Path) -> None:
    references = {"counties": {"1": "c1", "2": "c2"}}
    result = publish(tmp_path, "county\n1\n2\n", references=references)
    assert types(result) == {"county": "integer"}


def test_counties_not_inferred_without_reference_list(tmp_path: Path) -> None:
    result = publish(tmp_path, "شهرستان\nتهران\nری\n", references={})
    assert types(result) == {"شهرستان": "string"}
    assert column(result, "شهرستان") == ["تهران", "ری"]


def _long_column(tail: str, *, rows: int = 20_500) -> str:
    return "n\n" + "".join(f"{i}\n" for i in range(rows)) + tail + "\n"


def test_text_after_the_sample_makes_the_column_text(tmp_path: Path) -> None:
    result = publish(tmp_path, _long_column("abc"))
    assert types(result) == {"n": "string"}
    assert result.row_count == 20_501
    values = column(result, "n")
    assert values[:3] == ["0", "1", "2"]
    assert values[20_000] == "20000"
    assert values[-1] == "abc"
    assert result.report.ok


def test_whitespace_only_cell_does_not_decide_the_type(tmp_path: Path) -> None:
    result = publish(tmp_path, "a,b\n1,x\n ,y\n3,z\n")
    assert types(result) == {"a": "integer", "b": "string"}
    assert column(result, "a") == [1, None, 3]


def test_empty_values_do_not_decide_the_type(tmp_path: Path) -> None:
    result = publish(tmp_path, "a,b,c\n1,,\n,,x\n3,,\n")
    assert types(result) == {"a": "integer", "b": "string", "c": "string"}
    assert header_rows(result) == [
        {"a": 1, "b": None, "c": None},
        {"a": None, "b": None, "c": "x"},
        {"a": 3, "b": None, "c": None},
    ]


def test_field_names_from_persian_headers_are_valid_and_unique(tmp_path: Path) -> None:
    headers = [
        "نام",
        "نأم",  # hamza alef folds to the same letters as «نام»
        "كد",  # Arabic kaf
        "کد",  # Persian keheh: a different header, the same field name
        "تعداد دانش‌آموز",
        "تعداد دانش آموز",
        "۱۴۰۲",
        "1402",
        "درصد (%)",
        "—",
        "ـــ",  # tatweel only
        "گچ‌ساران/ری",
        "name",
        "Name 2",
        "name_2",
        "x" * 80,
        "x" * 80 + "y",
        "數據",
    ]
    text = ",".join(f'"{h}"' for h in headers) + "\n" + ",".join("1" for _ in headers) + "\n"
    result = publish(tmp_path, text)
    assert result.report.ok, result.report.to_dict()
    assert result.schema is not None
    result.schema.check()
    names = result.schema.names
    assert len(names) == len(headers)
    assert len(set(names)) == len(names)
    assert all(FIELD_NAME.match(n) for n in names), names
    # Every field remembers its header: as label_fa (Persian), as label_en (Latin, when
    # it differs from the name), or as the name itself.
    assert [header_of(f) for f in result.schema.fields] == headers
    assert result.schema.fields[0].label_fa == "نام"
    assert result.schema.fields[13].label_en == "Name 2"


def test_field_names_stay_valid_with_many_long_similar_headers() -> None:
    # Named as infer_schema names them (the pipeline takes seconds on 105 columns).
    prefix = "تعداد دانش آموزان دختر دوره اول متوسطه مدارس دولتی شهرستان در سال "
    names: list[str] = []
    for position in range(1, 106):
        names.append(field_name_for(f"{prefix}{1299 + position}", position, names))
    assert len(set(names)) == 105
    assert all(FIELD_NAME.match(n) for n in names), [n for n in names if not FIELD_NAME.match(n)]
    Schema(fields=tuple(Field(name=n) for n in names)).check()
