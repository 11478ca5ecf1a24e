"""Working days: the weekly rest days and the official holidays of the Jalali years a
calendar covers, and deadlines counted in working days (issue 9's permits and the
access-to-information regulation's 10 working days).

The calendar is data an administrator keeps (Friday is the weekly holiday; whether
Thursday is too has changed over the years and between provinces; holidays follow
both the solar and the lunar calendar), so nothing here knows a holiday by itself. A
date in a Jalali year the calendar does not cover is refused (:class:`CalendarMissing`)
rather than counted as if it had no holidays.

Counting: a deadline of *n* working days from a start date is the *n*-th working day
after it (the start day itself does not count, as a letter received today is answered
from tomorrow); the working days used by a date are those after the start up to and
including it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from marja.core.jalali import to_jalali

#: Python weekday numbers (Monday 0 … Sunday 6): Thursday and Friday.
THURSDAY, FRIDAY = 3, 4
#: A deadline farther than this many calendar days is a mistake in the data.
LONGEST_SEARCH = 3660


class CalendarMissing(ValueError):  # noqa: N818 (a finding about the data)
    """A date in a Jalali year whose holidays are not recorded."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.code = "calendar_missing"
        self.year = year


@dataclass(frozen=True)
class Calendar:
    """Rest days of the week, official holidays, and the Jalali years recorded."""

    weekend: frozenset[int]
    holidays: frozenset[dt.date]
    years: frozenset[int]

    @classmethod
    def of(
        cls,
        years: Iterable[int],
        holidays: Iterable[dt.date] = (),
        weekend: Iterable[int] = (FRIDAY,),
    ) -> Calendar:
        return cls(frozenset(weekend), frozenset(holidays), frozenset(years))

    def covers(self, day: dt.date) -> bool:
        return to_jalali(day).year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        if not self.covers(day):
            raise CalendarMissing(to_jalali(day).year)
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself for 0)."""
        if days < 0:
            raise ValueError("days must be zero or more")
        day, counted = start, 0
        for _ in range(LONGEST_SEARCH):
            if counted == days:
                return day
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        raise ValueError("no such working day within ten years")

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is
        not after ``start``)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


@dataclass(frozen=True)
class Clock:
    """Where a request stands against its deadline on a given day."""

    deadline: dt.date
    used: int
    left: int

    @property
    def overdue(self) -> bool:
        return self.left < 0


def clock(calendar: Calendar, start: dt.date, days: int, today: dt.date) -> Clock:
    """The deadline of ``days`` working days from ``start``, the working days used by
    ``today``, and those left (negative: overdue by that many)."""
    deadline = calendar.add_working_days(start, days)
    used = calendar.working_days_between(start, today)
    return Clock(deadline, used, days - used)
