"""Jalali (Solar Hijri) dates: parse what people type, format what pages show.

The calendar arithmetic is jdatetime's, which follows the official calendar (1403 is a
leap year; the 2820-year cycle gets it wrong). This module adds the parsing rules of
marja: any digit system, ``/`` ``-`` or ``.`` between parts, and Gregorian dates
recognised by their year.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, Literal

import jdatetime

from marja.core.text import to_latin_digits, to_persian_digits

MONTHS_FA: Final[tuple[str, ...]] = tuple(jdatetime.date.j_months_fa)
MONTHS_EN: Final[tuple[str, ...]] = tuple(jdatetime.date.j_months_en)

_DATE: Final = re.compile(r"^\s*(\d{1,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")
# Years from this one on are read as Gregorian: no Jalali date in records is that late.
_FIRST_GREGORIAN_YEAR: Final = 1700
# A year written with fewer than four digits is a typing slip (02/01/01), not year 2.
_FIRST_FOUR_DIGIT_YEAR: Final = 1000

ErrorCode = Literal["format", "year", "month", "day", "leap"]


class JalaliDateError(ValueError):
    """A date that cannot be read; ``code`` says why, for a translated message."""

    def __init__(
        self, code: ErrorCode, text: str, year: int = 0, month: int = 0, day: int = 0
    ) -> None:
        super().__init__(code, text)
        self.code: ErrorCode = code
        self.text = text
        self.year, self.month, self.day = year, month, day

    def __str__(self) -> str:
        return {
            "format": f"{self.text!r} is not a date; write it as 1402/08/17",
            "year": f"{self.text!r}: write the year with four digits, e.g. 1402",
            "month": f"{self.text!r}: month {self.month} does not exist (1 to 12)",
            "day": f"{self.text!r}: month {self.month} has no day {self.day}",
            "leap": f"{self.text!r}: {self.year} is not a leap year, Esfand has 29 days",
        }[self.code]


def is_leap(year: int) -> bool:
    """Whether Jalali ``year`` has 366 days (Esfand 30 exists)."""
    return bool(jdatetime.date(year, 1, 1).isleap())


def month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


def parse_date(text: str) -> dt.date:
    """Read a date typed by a person and return it as a Gregorian ``datetime.date``.

    ``1402/08/17``, ``۱۴۰۲/۰۸/۱۷``, ``1402-8-17`` are Jalali; ``2023-11-08`` is
    Gregorian. Raises :class:`JalaliDateError` naming what is wrong.
    """
    match = _DATE.match(to_latin_digits(text))
    if not match:
        raise JalaliDateError("format", text)
    year, month, day = (int(part) for part in match.groups())
    if year < _FIRST_FOUR_DIGIT_YEAR:
        raise JalaliDateError("year", text, year, month, day)
    if year >= _FIRST_GREGORIAN_YEAR:
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise JalaliDateError("format", text, year, month, day) from None
    if not 1 <= month <= 12:
        raise JalaliDateError("month", text, year, month, day)
    if day < 1 or day > month_length(year, month):
        code: ErrorCode = "leap" if (month, day) == (12, 30) else "day"
        raise JalaliDateError(code, text, year, month, day)
    gregorian: dt.date = jdatetime.date(year, month, day).togregorian()
    return gregorian


def to_jalali(value: dt.date) -> jdatetime.date:
    """The Jalali date of a Gregorian date (a datetime is taken at its own date)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return jdatetime.date.fromgregorian(date=value)


def format_date(
    value: dt.date,
    *,
    style: Literal["numeric", "long"] = "numeric",
    digits: Literal["persian", "latin"] = "persian",
    language: Literal["fa", "en"] = "fa",
) -> str:
    """Format a Gregorian date as Jalali: ``۱۴۰۲/۰۸/۱۷`` or ``۱۷ آبان ۱۴۰۲``."""
    jd = to_jalali(value)
    if style == "numeric":
        text = f"{jd.year:04d}/{jd.month:02d}/{jd.day:02d}"
    else:
        months = MONTHS_FA if language == "fa" else MONTHS_EN
        text = f"{jd.day} {months[jd.month - 1]} {jd.year}"
    return to_persian_digits(text) if digits == "persian" else text


def format_datetime(value: dt.datetime, *, digits: Literal["persian", "latin"] = "persian") -> str:
    """``۱۴۰۲/۰۸/۱۷ ۱۴:۰۵`` in the datetime's own time zone."""
    text = f"{format_date(value.date(), digits='latin')} {value:%H:%M}"
    return to_persian_digits(text) if digits == "persian" else text
