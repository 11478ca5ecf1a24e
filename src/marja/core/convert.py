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
from collections.abc import Mapping
from functools import lru_cache
from typing import Final

import duckdb
import duckdb.func
import pyarrow as pa
import pyarrow.compute as pc

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
        f"(CASE WHEN regexp_full_match({w}, '(1[6-9]|2[0-9])[0-9]{{2}}[/-][0-9]{{1,2}}[/-]"
        f"[0-9]{{1,2}}') THEN TRY_CAST(make_date({_date_part(w, 1)}, "
        f"{_date_part(w, 2)}, {_date_part(w, 3)}) AS DATE) END)"
    )


def _jalali_date(v: str) -> str:
    return f"{JALALI_FUNCTION}({v})"


JALALI_FUNCTION: Final = "marja_jalali_date"
_JALALI_PATTERN: Final = r"^(?P<y>1[2-4][0-9]{2})[/-](?P<m>[0-9]{1,2})[/-](?P<d>[0-9]{1,2})$"


@lru_cache(maxsize=1)
def _jalali_days() -> pa.Array:
    """Every Jalali day from 1200 to 1499 as days since 1970-01-01, in one array.

    Indexed by ``(year - 1200) * 372 + (month - 1) * 31 + day - 1``; impossible days
    (Esfand 30 of a common year, Mehr 31) are null, so they fail conversion instead of
    rolling over into the next month.
    """
    day = (dt.date(1821, 3, 21) - dt.date(1970, 1, 1)).days  # 1 Farvardin 1200
    days: list[int | None] = []
    for year in range(JALALI_FIRST_YEAR, JALALI_LAST_YEAR + 1):
        for month in range(1, 13):
            length = 31 if month <= 6 else 30 if month < 12 else 30 if is_leap(year) else 29
            for number in range(1, 32):
                if number <= length:
                    days.append(day)
                    day += 1
                else:
                    days.append(None)
    return pa.array(days, pa.int32())


def jalali_to_dates(values: pa.Array) -> pa.Array:
    """Text Jalali dates (1402/08/17, ۱۴۰۲-۰۸-۱۷) to dates; anything else to null.

    A vectorised function DuckDB calls per batch: one parse per value, where the same
    logic in SQL repeats its sub-expressions and runs ten times slower.
    """
    text = pc.utf8_trim_whitespace(values)
    if pc.any(pc.match_substring_regex(text, "[^\\x00-\\x7f]")).as_py():
        for eastern, latin in zip(_EASTERN_DIGITS[:20], _LATIN_EQUIVALENTS[:20], strict=True):
            text = pc.replace_substring(text, eastern, latin)
    parts = pc.extract_regex(text, _JALALI_PATTERN)
    year, month, day = (
        pc.cast(pc.struct_field(parts, name), pa.int32()) for name in ("y", "m", "d")
    )
    plausible = pc.and_(
        pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12)),
        pc.and_(pc.greater_equal(day, 1), pc.less_equal(day, 31)),
    )
    index = pc.add(
        pc.add(
            pc.multiply(pc.subtract(year, JALALI_FIRST_YEAR), 372),
            pc.multiply(pc.subtract(month, 1), 31),
        ),
        pc.subtract(day, 1),
    )
    index = pc.if_else(plausible, index, pa.scalar(None, pa.int32()))
    return pc.cast(pc.take(_jalali_days(), index), pa.date32())


def _datetime(v: str) -> str:
    w = _folded(v)
    return (
        f"(CASE WHEN regexp_full_match({w}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[ T][0-9]{{2}}:"
        f"[0-9]{{2}}(:[0-9]{{2}}(\\.[0-9]+)?)?(Z|[+-][0-9]{{2}}:?[0-9]{{2}})?') "
        f"THEN TRY_CAST({w} AS TIMESTAMP) END)"
    )


def _county(v: str, lookup: str) -> str:
    key = f"lower(trim(translate({v}, 'يكىة', 'یکیه')))"
    return f"(SELECT codes FROM {lookup})[{key}]"


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


def reference_table(name: str) -> str:
    return quote_identifier(f"__ref_{name}")


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
        return _county(v, reference_table("counties"))
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
    """Register marja's SQL functions and one alias→code map per reference list."""
    con.create_function(
        JALALI_FUNCTION,
        jalali_to_dates,
        ["VARCHAR"],
        "DATE",
        type=duckdb.func.PythonUDFType.ARROW,
        null_handling=duckdb.func.FunctionNullHandling.SPECIAL,
    )
    for name, aliases in references.items():
        table = pa.table(
            {"codes": pa.array([list(aliases.items())], pa.map_(pa.string(), pa.string()))}
        )
        con.register("__ref_source", table)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {reference_table(name)} AS "
            "SELECT codes FROM __ref_source"
        )
        con.unregister("__ref_source")


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
