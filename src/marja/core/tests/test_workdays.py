"""Working days across Nowruz, hand-counted (core/workdays.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from marja.core.jalali import parse_date
from marja.core.workdays import FRIDAY, THURSDAY, Calendar, CalendarMissing, clock

#: Official holidays around Nowruz 1403: 1402/12/29 (oil nationalisation day),
#: 1403/01/01–04 (Nowruz), 1403/01/12 (Islamic Republic day), 1403/01/13 (Nature day).
HOLIDAYS = [
    parse_date(d)
    for d in (
        "1402/12/29",
        "1403/01/01",
        "1403/01/02",
        "1403/01/03",
        "1403/01/04",
        "1403/01/12",
        "1403/01/13",
    )
]
START = parse_date("1402/12/28")  # Monday 18 March 2024


def test_jalali_dates_used_are_the_right_days() -> None:
    assert dt.date(2024, 3, 18) == START and START.weekday() == 0
    assert parse_date("1403/01/01") == dt.date(2024, 3, 20)


def test_ten_working_days_across_nowruz() -> None:
    """After Monday 1402/12/28: the 29th and Nowruz 1–4 are holidays (the 3rd also a
    Friday); working days: 5, 6, 7, 8, 9 (Thursday), 11 (Saturday), then 12 and 13
    are holidays, 14, 15, 16, and 18 (Saturday) is the tenth: 1403/01/18."""
    calendar = Calendar.of([1402, 1403], HOLIDAYS)
    assert calendar.add_working_days(START, 10) == parse_date("1403/01/18")
    assert calendar.add_working_days(START, 0) == START


def test_a_thursday_weekend_moves_the_deadline() -> None:
    """Without Thursdays (1403/01/09 and 16) the tenth working day is 1403/01/20."""
    calendar = Calendar.of([1402, 1403], HOLIDAYS, weekend=(THURSDAY, FRIDAY))
    assert calendar.add_working_days(START, 10) == parse_date("1403/01/20")


def test_the_clock_counts_used_and_left_and_overdue() -> None:
    calendar = Calendar.of([1402, 1403], HOLIDAYS)
    on_time = clock(calendar, START, 10, parse_date("1403/01/09"))
    assert (on_time.used, on_time.left, on_time.overdue) == (5, 5, False)
    late = clock(calendar, START, 10, parse_date("1403/01/20"))  # Monday after the 18th
    assert late.deadline == parse_date("1403/01/18")
    assert (late.used, late.left, late.overdue) == (12, -2, True)


def test_a_year_without_a_recorded_calendar_is_refused() -> None:
    only_1403 = Calendar.of([1403], HOLIDAYS)
    with pytest.raises(CalendarMissing) as caught:
        only_1403.add_working_days(START, 10)
    assert caught.value.year == 1402 and caught.value.code == "calendar_missing"
    with pytest.raises(CalendarMissing):
        only_1403.is_working_day(parse_date("1404/01/01"))
