import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marja.core import jalali


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1402/08/17", dt.date(2023, 11, 8)),
        ("۱۴۰۲/۰۸/۱۷", dt.date(2023, 11, 8)),
        ("١٤٠٢-٨-١٧", dt.date(2023, 11, 8)),
        (" 1402.8.17 ", dt.date(2023, 11, 8)),
        ("1403/12/30", dt.date(2025, 3, 20)),
        ("1399/12/30", dt.date(2021, 3, 20)),
        ("1404/01/01", dt.date(2025, 3, 21)),
        ("2023-11-08", dt.date(2023, 11, 8)),
    ],
)
def test_parse_date(text: str, expected: dt.date) -> None:
    assert jalali.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1402/12/30", "leap"),
        ("1404/12/30", "leap"),
        ("1402/07/31", "day"),
        ("1402/01/32", "day"),
        ("1402/00/10", "month"),
        ("1402/13/01", "month"),
        ("1402/08", "format"),
        ("tomorrow", "format"),
        ("02/01/01", "year"),
        ("0/1/1", "year"),
        ("", "format"),
        ("2023-02-30", "format"),
    ],
)
def test_parse_date_names_what_is_wrong(text: str, code: str) -> None:
    with pytest.raises(jalali.JalaliDateError) as caught:
        jalali.parse_date(text)
    assert caught.value.code == code
    assert text in str(caught.value) or code == "format"


def test_leap_years_follow_the_official_calendar() -> None:
    # 1403 is leap (the 2820-year cycle says 1404); see shared/data/README.md.
    assert [y for y in range(1395, 1410) if jalali.is_leap(y)] == [1395, 1399, 1403, 1408]
    assert jalali.month_length(1403, 12) == 30
    assert jalali.month_length(1402, 12) == 29
    assert jalali.month_length(1402, 6) == 31
    assert jalali.month_length(1402, 7) == 30


def test_format_date() -> None:
    day = dt.date(2023, 11, 8)
    assert jalali.format_date(day) == "۱۴۰۲/۰۸/۱۷"
    assert jalali.format_date(day, digits="latin") == "1402/08/17"
    assert jalali.format_date(day, style="long") == "۱۷ آبان ۱۴۰۲"
    assert jalali.format_date(day, style="long", digits="latin", language="en") == "17 Aban 1402"
    moment = dt.datetime(2023, 11, 8, 14, 5)  # noqa: DTZ001
    assert jalali.format_datetime(moment) == "۱۴۰۲/۰۸/۱۷ ۱۴:۰۵"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2300, 12, 31)))
def test_format_then_parse_round_trips(day: dt.date) -> None:
    assert jalali.parse_date(jalali.format_date(day)) == day
    assert jalali.parse_date(jalali.format_date(day, digits="latin")) == day


@given(st.integers(1300, 1500), st.integers(1, 12), st.integers(1, 31))
def test_parse_accepts_exactly_the_days_that_exist(year: int, month: int, day: int) -> None:
    text = f"{year}/{month:02d}/{day:02d}"
    if day <= jalali.month_length(year, month):
        assert jalali.format_date(jalali.parse_date(text), digits="latin") == text
    else:
        with pytest.raises(jalali.JalaliDateError):
            jalali.parse_date(text)
