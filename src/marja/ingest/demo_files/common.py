"""Shared pieces of the demo data: counties, Jalali periods, Persian digits, file writers.

Everything here is plain Python over :mod:`marja.core`: no database, no Django, so the
script that makes the shipped workbooks can use it too. Synthetic figures come from a
:class:`random.Random` seeded by the dataset's slug, so every run makes the same files,
and they are scaled by each county's real 1395 census population so that they look
plausible next to one another.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from marja.core.jalali import month_length
from marja.core.schema import Field, FieldType, Schema
from marja.core.sources import ReadOptions
from marja.core.text import to_persian_digits

DEMO_DIR: Final = Path(__file__).resolve().parent
COUNTIES_FILE: Final = DEMO_DIR.parents[1] / "catalog" / "reference" / "tehran_counties.csv"

#: The version note of every dataset whose figures are made up.
SYNTHETIC_NOTE: Final = (
    "ارقام این مجموعه ساختگی و فقط برای نمایش است؛ با داده‌های نمایشی marja ساخته شده. "
    "Synthetic figures, for demonstration only."
)

Row = Sequence[Any]
Writer = Callable[[Path], None]


@dataclass(frozen=True)
class DemoData:
    """One demo file: what dataset it feeds, its declared schema and how to write it."""

    slug: str
    file_name: str
    schema: Schema
    write: Writer
    note: str = SYNTHETIC_NOTE
    options: ReadOptions = field(default_factory=ReadOptions)


@dataclass(frozen=True)
class County:
    code: str
    name_fa: str
    name_en: str
    capital_fa: str
    population: int
    households: int | None
    source: str


@lru_cache(maxsize=1)
def counties() -> tuple[County, ...]:
    """The 16 counties with their real 1395 census figures, in the reference file's order."""
    with COUNTIES_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            County(
                code=row["code"],
                name_fa=row["name_fa"],
                name_en=row["name_en"],
                capital_fa=row["capital_fa"],
                population=int(row["population_1395"]),
                households=int(row["households_1395"]) if row["households_1395"] else None,
                source=row["source"],
            )
            for row in csv.DictReader(handle)
        )


def county(code: str) -> County:
    return next(c for c in counties() if c.code == code)


def some_counties(codes: Iterable[str]) -> list[County]:
    return [county(code) for code in codes]


def share(item: County) -> float:
    """The county's share of the province's 1395 population."""
    return item.population / sum(c.population for c in counties())


def seeded(slug: str) -> random.Random:
    """The random source of one dataset: the same figures on every run and machine."""
    return random.Random(f"marja-demo/{slug}")  # noqa: S311 (made-up figures, not secrets)


def vary(rng: random.Random, value: float, spread: float = 0.1) -> float:
    """``value`` moved up or down by at most ``spread`` (a fraction of it)."""
    return value * (1 + rng.uniform(-spread, spread))


# Jalali periods.


def months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Jalali (year, month) pairs from ``first`` to ``last`` inclusive."""
    found = []
    year, month = first
    while (year, month) <= last:
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def days(first: tuple[int, int, int], last: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    """Jalali (year, month, day) triples from ``first`` to ``last`` inclusive."""
    found = []
    year, month, day = first
    while (year, month, day) <= last:
        found.append((year, month, day))
        if day < month_length(year, month):
            day += 1
        else:
            day = 1
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def jalali(
    year: int, month: int = 1, day: int = 1, *, sep: str = "/", persian: bool = False
) -> str:
    """``1402/08/17``, or with ``sep='-'`` and ``persian`` «۱۴۰۲-۰۸-۱۷»."""
    text = f"{year:04d}{sep}{month:02d}{sep}{day:02d}"
    return to_persian_digits(text) if persian else text


def season_of(month: int) -> int:
    """1 (spring) to 4 (winter): the Jalali year starts with spring."""
    return (month - 1) // 3 + 1


# Persian numbers as agencies type them.


def fa(value: int | float | str, decimals: int | None = None) -> str:
    """Persian digits, with «٫» as the decimal separator: 12.5 -> «۱۲٫۵»."""
    if isinstance(value, float) and decimals is not None:
        value = f"{value:.{decimals}f}"
    return to_persian_digits(str(value).replace(".", "٫"))


def fa_grouped(value: int | float, decimals: int = 0) -> str:
    """Persian digits grouped by «٬»: 12345 -> «۱۲٬۳۴۵»."""
    text = f"{value:,.{decimals}f}".replace(",", "٬").replace(".", "٫")
    return to_persian_digits(text)


# Schemas.


def f(
    name: str,
    kind: FieldType,
    label_fa: str,
    label_en: str,
    unit: str = "",
    **rules: Any,
) -> Field:
    """A field, shortened: ``f("year", INTEGER, "سال", "Year", required=True)``."""
    if "allowed" in rules:
        rules["allowed"] = tuple(rules["allowed"])
    return Field(name=name, type=kind, label_fa=label_fa, label_en=label_en, unit=unit, **rules)


def schema(*fields: Field, key: Sequence[str]) -> Schema:
    declared = Schema(fields=tuple(fields), primary_key=tuple(key))
    declared.check()
    return declared


def headers(declared: Schema, style: str = "fa") -> list[str]:
    """The file's column headers: the Persian labels, the English labels or the names."""
    if style == "fa":
        return [item.label_fa for item in declared.fields]
    if style == "en":
        return [item.label_en for item in declared.fields]
    return list(declared.names)


# Writers: each takes the schema (for the headers) and rows in the schema's field order.


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(names: Sequence[str], rows: Iterable[Row], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def windows_1256(text: str) -> bytes:
    """Encode as Excel in Iran saves "CSV": Persian ی is not in the code page, ي stands in."""
    return text.replace("ی", "ي").encode("cp1256")


def write_text(
    path: Path,
    names: Sequence[str],
    rows: Iterable[Row],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> None:
    text = csv_text(names, rows, delimiter)
    if encoding == "windows-1256":
        path.write_bytes(windows_1256(text))
    else:
        path.write_bytes(text.encode(encoding))


def write_json(path: Path, names: Sequence[str], rows: Iterable[Row], *, lines: bool) -> None:
    records = [dict(zip(names, row, strict=True)) for row in rows]
    if lines:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    else:
        text = json.dumps(records, ensure_ascii=False, indent=1)
    path.write_text(text, encoding="utf-8")


def write_parquet(
    path: Path, names: Sequence[str], rows: Iterable[Row], types: Sequence[pa.DataType]
) -> None:
    columns = list(zip(*rows, strict=True))
    table = pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types, strict=True)})
    pq.write_table(table, path, compression="zstd")
