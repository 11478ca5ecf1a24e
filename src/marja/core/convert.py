"""SQL expressions that turn a text column into a typed one, the Persian-aware way.

Every value arrives as text. Each type has one *lenient* expression that yields NULL when
a value does not convert; inference, validation and the published file all use it, so
they can never disagree about what a value means. The fast path (plain Latin digits, ISO
dates) is a cheap regular expression and a cast; only other values take the slow path
that folds Persian and Arabic-Indic digits, thousands separators (``٬`` and ``,``), the
Persian decimal separator (``٫``) and Jalali dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Final

import duckdb

from marja.core.jalali import is_leap
from marja.core.schema import Field, FieldType

_EASTERN_DIGITS: Final = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬−"
_LATIN_EQUIVALENTS: Final = "01234567890123456789.,-"
#: Jalali years the date lookup covers.
JALALI_FIRST_YEAR: Final = 1200
JALALI_LAST_YEAR: Final = 1499

TRUE_WORDS: Final = ("true", "yes", "y", "t", "بله", "آری", "درست", "بلی", "دارد")
FALSE_WORDS: Final = ("false", "no", "n", "f", "خیر", "نه", "نادرست", "ندارد")


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _folded(v: str) -> str:
    """Trimmed text with Latin digits, '.' for ٫ and ',' for ٬."""
    return (
        f"trim(translate({v}, {quote_literal(_EASTERN_DIGITS)}, "
        f"{quote_literal(_LATIN_EQUIVALENTS)}))"
    )


_ARABIC_LETTERS: Final = "يىكةۀأإٱ"
_PERSIAN_LETTERS: Final = "ییکههااا"


def folded_text(v: str) -> str:
    """Text as :func:`marja.core.text.normalize` has it, for comparisons: Persian
    letters for Arabic ones, Latin digits, no diacritics or tatweel, no outer spaces."""
    letters = (
        f"translate({v}, {quote_literal(_ARABIC_LETTERS + _EASTERN_DIGITS[:20])}, "
        f"{quote_literal(_PERSIAN_LETTERS + _LATIN_EQUIVALENTS[:20])})"
    )
    return f"trim(regexp_replace({letters}, '[\u064b-\u065f\u0670\u0640]', '', 'g'))"


def _integer(v: str) -> str:
    w = _folded(v)
    return (
        f"(CASE WHEN regexp_full_match({v}, '[+-]?[0-9]{{1,18}}') THEN CAST({v} AS BIGINT) "
        f"WHEN regexp_full_match({w}, '[+-]?[0-9]+') THEN TRY_CAST({w} AS BIGINT) "
        f"WHEN regexp_full_match({w}, '[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+') "
        f"THEN TRY_CAST(replace({w}, ',', '') AS BIGINT) END)"
    )


def _number(v: str) -> str:
    w = _folded(v)
    return (
        f"(CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+(\\.[0-9]+)?') "
        f"THEN CAST({v} AS DOUBLE) "
        f"WHEN regexp_full_match({w}, "
        f"'[+-]?([0-9]+|[0-9]{{1,3}}(,[0-9]{{3}})+)(\\.[0-9]+)?([eE][+-]?[0-9]+)?') "
        f"THEN TRY_CAST(replace({w}, ',', '') AS DOUBLE) "
        f"WHEN regexp_full_match({w}, '[+-]?\\.[0-9]+') THEN TRY_CAST({w} AS DOUBLE) END)"
    )


def _boolean(v: str) -> str:
    w = f"lower(trim({v}))"
    true = ", ".join(quote_literal(t) for t in (*TRUE_WORDS, "1"))
    false = ", ".join(quote_literal(f) for f in (*FALSE_WORDS, "0"))
    return f"(CASE WHEN {w} IN ({true}) THEN true WHEN {w} IN ({false}) THEN false END)"


_DATE_PARTS: Final = "'^([0-9]{4})[/-]([0-9]{1,2})[/-]([0-9]{1,2})$'"


def _date_part(w: str, group: int) -> str:
    return f"CAST(regexp_extract({w}, {_DATE_PARTS}, {group}) AS INTEGER)"


def _gregorian_date(v: str) -> str:
    w = _folded(v)
    return (
        f"(CASE WHEN regexp_full_match({v}, '(1[6-9]|2[0-9])[0-9]{{2}}-[0-9]{{2}}-[0-9]{{2}}') "
        f"THEN TRY_CAST({v} AS DATE) "
        f"WHEN regexp_full_match({w}, '(1[6-9]|2[0-9])[0-9]{{2}}[/-][0-9]{{1,2}}[/-]"
        f"[0-9]{{1,2}}') THEN TRY_CAST(make_date({_date_part(w, 1)}, "
        f"{_date_part(w, 2)}, {_date_part(w, 3)}) AS DATE) END)"
    )


def _jalali_date(v: str) -> str:
    """1402/08/17, 1402-8-7, ۱۴۰۲/۰۸/۱۷ to a date; impossible days (1402/12/30) to NULL.

    The parts are split once and bound to a lambda parameter: written out, the same
    logic repeats its sub-expressions in every branch and runs several times slower.
    """
    shape = "'1[2-4][0-9]{2}[/-][0-9]{1,2}[/-][0-9]{1,2}'"
    w = _folded(v)
    return (
        f"(CASE WHEN regexp_full_match({v}, {shape}) THEN {_jalali_parts(v)} "
        f"WHEN regexp_full_match({w}, {shape}) THEN {_jalali_parts(w)} END)"
    )


def _jalali_parts(w: str) -> str:
    starts, leaps = _jalali_years()
    parts = (
        f"list_transform(string_split(replace({w}, '-', '/'), '/'), lambda s: CAST(s AS INTEGER))"
    )
    year = f"p[1] - {JALALI_FIRST_YEAR - 1}"
    length = (
        "CASE WHEN p[2] <= 6 THEN 31 WHEN p[2] < 12 THEN 30 "
        f"WHEN list_extract({leaps}, {year}) THEN 30 ELSE 29 END"
    )
    offset = "CASE WHEN p[2] <= 6 THEN (p[2] - 1) * 31 ELSE 186 + (p[2] - 7) * 30 END"
    day = (
        f"CASE WHEN p[2] BETWEEN 1 AND 12 AND p[3] BETWEEN 1 AND ({length}) "
        f"THEN CAST(DATE '1970-01-01' + (list_extract({starts}, {year}) + ({offset}) "
        "+ p[3] - 1) AS DATE) END"
    )
    return f"list_transform([{parts}], lambda p: {day})[1]"


@lru_cache(maxsize=1)
def _jalali_years() -> tuple[str, str]:
    """SQL list literals: the day number of 1 Farvardin, and leapness, per Jalali year."""
    day = dt.date(1821, 3, 21)  # 1 Farvardin 1200
    starts, leaps = [], []
    for year in range(JALALI_FIRST_YEAR, JALALI_LAST_YEAR + 1):
        leap = is_leap(year)
        starts.append(str((day - dt.date(1970, 1, 1)).days))
        leaps.append("true" if leap else "false")
        day += dt.timedelta(days=366 if leap else 365)
    return f"[{', '.join(starts)}]", f"[{', '.join(leaps)}]"


def _datetime(v: str) -> str:
    w = _folded(v)
    return (
        f"(CASE WHEN regexp_full_match({w}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[ T][0-9]{{2}}:"
        f"[0-9]{{2}}(:[0-9]{{2}}(\\.[0-9]+)?)?(Z|[+-][0-9]{{2}}:?[0-9]{{2}})?') "
        f"THEN TRY_CAST({w} AS TIMESTAMP) END)"
    )


def looks_like(kind: FieldType, v: str) -> str | None:
    """A predicate for values *written* as ``kind`` even if impossible (1402/12/30).

    Inference uses it for dates, so that a column of Jalali dates with one impossible day
    is inferred as Jalali dates and that day is reported, not silently read as text.
    """
    w = _folded(v)
    if kind is FieldType.JALALI_DATE:
        return f"regexp_full_match({w}, '1[2-4][0-9]{{2}}[/-][0-9]{{1,2}}[/-][0-9]{{1,2}}')"
    if kind is FieldType.DATE:
        return (
            f"regexp_full_match({w}, '(1[6-9]|2[0-9])[0-9]{{2}}[/-][0-9]{{1,2}}[/-][0-9]{{1,2}}')"
        )
    return None


_LIST_NAME: Final = re.compile(r"^[a-z][a-z_]{0,40}$")


def reference_function(name: str) -> str:
    """The SQL macro mapping an alias (folded) to its code in reference list ``name``."""
    return f"__code_{name}"


def reference_lookup(name: str, v: str) -> str:
    """The code ``v`` stands for in list ``name``: as written, else folded; or NULL."""
    function = reference_function(name)
    folded = f"lower(trim(translate({v}, 'يكىة', 'یکیه')))"
    return f"COALESCE({function}({v}), {function}({folded}))"


def converted(field: Field, v: str) -> str:
    """The lenient expression for ``field`` over the text expression ``v``."""
    kind = field.type
    if kind is FieldType.INTEGER:
        return _integer(v)
    if kind is FieldType.NUMBER:
        return _number(v)
    if kind is FieldType.BOOLEAN:
        return _boolean(v)
    if kind is FieldType.DATE:
        return _gregorian_date(v)
    if kind is FieldType.JALALI_DATE:
        return _jalali_date(v)
    if kind is FieldType.DATETIME:
        return _datetime(v)
    if kind is FieldType.COUNTY:
        return reference_lookup("counties", v)
    return v


def missing_as_null(column: str, missing: tuple[str, ...]) -> str:
    """``column`` with the schema's missing-value markers read as NULL."""
    v = quote_identifier(column)
    markers = sorted({m.strip() for m in missing})
    if not markers:
        return v
    listed = ", ".join(quote_literal(m) for m in markers)
    return f"(CASE WHEN trim({v}) IN ({listed}) THEN NULL ELSE {v} END)"


def install_lookups(
    con: duckdb.DuckDBPyConnection, references: Mapping[str, Mapping[str, str]]
) -> None:
    """Create one alias→code lookup per reference list.

    Each lookup is a macro over a constant map, which DuckDB folds once per query; the
    counties' lookup always exists (empty when no list is given, so every value fails).
    """
    for name, aliases in {"counties": {}, **references}.items():
        if not _LIST_NAME.match(name):
            raise ValueError(f"not a reference list name: {name!r}")
        if aliases:
            pairs = ", ".join(f"{quote_literal(k)}: {quote_literal(v)}" for k, v in aliases.items())
            body = f"map_extract_value(MAP {{{pairs}}}, x)"
        else:
            body = "CAST(NULL AS VARCHAR)"
        con.execute(f"CREATE OR REPLACE TEMP MACRO {reference_function(name)}(x) AS {body}")


def reference_aliases(codes: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Alias→code for a reference list: each code and its names, folded as SQL folds them.

    ``codes`` maps a code to its other names (Persian and English), so «تهران», «Tehran»
    and ``tehran`` all read as ``tehran``.
    """
    from marja.core.text import normalize

    aliases: dict[str, str] = {}
    for code, names in codes.items():
        for alias in (code, *names):
            if alias:
                aliases[normalize(alias).lower()] = code
    return aliases
