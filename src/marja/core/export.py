"""Exports of a table view: CSV, XLSX, JSON, NDJSON, Parquet and a Frictionless Data Package.

:func:`export_chunks` reads a ``pyarrow.RecordBatchReader`` (DuckDB's ``to_arrow_reader``)
and returns a generator of ``bytes`` to stream. Memory stays bounded whatever the row
count: batches are rendered a slice at a time, never collected. Parquet and the zip are
written into a small buffer drained as it fills; XLSX is written by xlsxwriter in
constant-memory mode to a temporary file in ``spool_dir``, then streamed and deleted.
The generator closes the reader and removes its temporary file when it is exhausted,
fails, or is closed early.

Values are written alike in every format where the format allows it:

- integers as integers, exact at any size (JSON keeps 2**63 - 1 as written);
- numbers with the shortest digits that read back to the same value, positional
  (``0.00001``, not ``1e-05``) for magnitudes from 10**-15 to 10**21; NaN and infinities
  are ``NaN``/``INF``/``-INF`` in CSV (what Table Schema reads) and ``null`` in JSON;
- booleans ``true``/``false``; dates ISO 8601; NULL is an empty cell or ``null``.

CSV and XLSX are read by people in Excel, so a ``jalali_date`` field is written there as
its Jalali date with Latin digits (``1402/08/17``); JSON, NDJSON, Parquet and the data
package, read by programs, keep every date ISO (Parquet keeps Arrow's types as they are).

Spreadsheet formula injection: the CSV export prefixes ``'`` (OWASP's recommendation) to
every text cell, header included, that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return, or the full-width ``＝＋－＠`` some Excel locales also read as formula
signs. Only text is touched: a number column's ``-5`` stays ``-5``, while the text
``-5`` in a string column becomes ``'-5``, as OWASP asks, since Excel would evaluate
``-5+A1`` just the same. XLSX needs no prefix: text is always written as a text cell and
xlsxwriter is told never to turn strings into formulas, numbers or links. The data
package's CSV is machine data validated against its Table Schema, so it is written
without BOM or prefix (a prefix would alter the values the schema describes).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from json.encoder import encode_basestring
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import xlsxwriter  # type: ignore[import-untyped]

from marja.core.jalali import format_date
from marja.core.schema import Field, FieldType, Schema


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    NDJSON = "ndjson"
    PARQUET = "parquet"
    DATAPACKAGE = "datapackage"


@dataclass(frozen=True)
class FormatInfo:
    media_type: str
    extension: str


FORMATS: Final[Mapping[ExportFormat, FormatInfo]] = MappingProxyType(
    {
        ExportFormat.CSV: FormatInfo("text/csv; charset=utf-8", "csv"),
        ExportFormat.XLSX: FormatInfo(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
        ),
        ExportFormat.JSON: FormatInfo("application/json", "json"),
        ExportFormat.NDJSON: FormatInfo("application/x-ndjson", "ndjson"),
        ExportFormat.PARQUET: FormatInfo("application/vnd.apache.parquet", "parquet"),
        ExportFormat.DATAPACKAGE: FormatInfo("application/zip", "zip"),
    }
)

#: Data rows an Excel sheet holds below its header row.
XLSX_MAX_ROWS: Final = 1_048_575
XLSX_MAX_COLUMNS: Final = 16_384
#: Cells rendered at a time: a slice of a batch has this many cells at most.
_SLICE_CELLS: Final = 65_536
#: Bytes buffered before a chunk is yielded, and the size of chunks read from a file.
_CHUNK: Final = 1 << 20
#: Excel keeps 15 significant digits; larger integers are written as text to keep them.
_EXCEL_EXACT: Final = 10**15
_FORMULA_START: Final = "^[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]"
_FORMULA_CHARS: Final = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PACKAGE_NAME: Final = re.compile(r"[^a-z0-9._-]+")
_LICENCE_ID: Final = re.compile(r"^[-a-zA-Z0-9._]+$")


class ExportError(ValueError):
    """An export that cannot be made; ``code`` names the problem, ``params`` its details."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class PackageInfo:
    """What a data package says about its dataset.

    ``name`` is the dataset's slug (made to fit the Data Package name pattern);
    ``licence_name`` an Open Definition identifier such as ``CC-BY-4.0``; ``homepage`` and
    ``licence_url`` absolute URLs; ``sha256`` the hash of the stored version read from.
    """

    name: str
    title: str
    description: str = ""
    licence_name: str = ""
    licence_title: str = ""
    licence_url: str = ""
    publisher: str = ""
    version: str = ""
    sha256: str = ""
    homepage: str = ""


def export_chunks(
    batches: pa.RecordBatchReader,
    fmt: ExportFormat | str,
    *,
    schema: Schema | None,
    package: PackageInfo | None = None,
    spool_dir: Path | None = None,
    row_count: int | None = None,
) -> Generator[bytes, None, None]:
    """The bytes of ``batches`` exported as ``fmt``, as a generator to stream.

    ``schema`` describes the columns that are fields of a dataset (labels, Jalali dates,
    constraints); other columns, or all when it is None, are described by their Arrow
    types. ``package`` is required for the data package and fills XLSX properties.
    ``row_count``, when known, lets XLSX refuse too many rows before anything is read.

    Raises :class:`ExportError` at once for an unknown format, a missing ``package`` or
    a known row count Excel cannot hold. XLSX is spooled before its first byte, so a
    sheet that overflows without a ``row_count`` raises at the first ``next()``.
    The generator closes ``batches`` when it ends.
    """
    try:
        kind = ExportFormat(fmt)
    except ValueError:
        raise ExportError("unknown_format", format=str(fmt)) from None
    columns = _columns(batches.schema, schema)
    if kind is ExportFormat.XLSX:
        if row_count is not None and row_count > XLSX_MAX_ROWS:
            raise ExportError("too_many_rows_for_xlsx", rows=row_count, limit=XLSX_MAX_ROWS)
        if len(columns) > XLSX_MAX_COLUMNS:
            raise ExportError(
                "too_many_columns_for_xlsx", columns=len(columns), limit=XLSX_MAX_COLUMNS
            )
    if kind is ExportFormat.CSV:
        chunks = _csv(batches, columns, human=True)
    elif kind is ExportFormat.JSON:
        chunks = _json(batches, columns, lines=False)
    elif kind is ExportFormat.NDJSON:
        chunks = _json(batches, columns, lines=True)
    elif kind is ExportFormat.XLSX:
        chunks = _xlsx(batches, columns, package, spool_dir)
    elif kind is ExportFormat.PARQUET:
        chunks = _parquet(batches, schema)
    elif package is None:
        raise ExportError("package_required")
    else:
        chunks = _datapackage(batches, columns, package, schema)
    return _closing(batches, chunks)


def _closing(
    batches: pa.RecordBatchReader, chunks: Generator[bytes, None, None]
) -> Generator[bytes, None, None]:
    try:
        yield from chunks
    finally:
        chunks.close()
        batches.close()


# -- columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str
    field: Field | None

    @property
    def jalali(self) -> bool:
        return self.kind == "date" and getattr(self.field, "type", None) is FieldType.JALALI_DATE


def _columns(arrow: pa.Schema, schema: Schema | None) -> list[_Column]:
    """One column per Arrow field, with a unique name and its marja field if any."""
    fields = {f.name: f for f in schema.fields} if schema is not None else {}
    columns: list[_Column] = []
    taken: set[str] = set()
    for item in arrow:
        name, number = item.name, 2
        while name in taken:
            name, number = f"{item.name}_{number}", number + 1
        taken.add(name)
        columns.append(_Column(name, _kind(item.type), fields.get(item.name)))
    return columns


_KINDS: Final = (
    "null", "boolean", "integer", "floating", "decimal", "date", "timestamp", "time",
    "string", "large_string", "string_view", "nested",
)  # fmt: skip
_KIND_NAMES: Final = {"floating": "float", "large_string": "string", "string_view": "string"}


def _kind(kind: pa.DataType) -> str:
    """How a column's values are rendered, from its Arrow type (``pa.types.is_<kind>``)."""
    if pa.types.is_dictionary(kind):
        return _kind(kind.value_type)
    found = next((k for k in _KINDS if getattr(pa.types, f"is_{k}")(kind)), "other")
    return _KIND_NAMES.get(found, found)


def _slices(batches: pa.RecordBatchReader, width: int) -> Iterator[pa.RecordBatch]:
    """The batches cut into slices of at most ``_SLICE_CELLS`` cells (no copy)."""
    rows = max(256, _SLICE_CELLS // max(width, 1))
    for batch in batches:
        for start in range(0, batch.num_rows, rows):
            yield batch.slice(start, rows)


def _pylist(values: pa.Array) -> list[Any]:
    items: list[Any] = values.to_pylist()
    return items


def _values(batch: pa.RecordBatch, index: int) -> pa.Array:
    """A column as an array compute functions and ``to_pylist`` handle alike."""
    values = batch.column(index)
    kind = values.type
    if pa.types.is_dictionary(kind):
        values = values.dictionary_decode()
        kind = values.type
    if kind == pa.string_view():
        return values.cast(pa.large_string())
    if pa.types.is_timestamp(kind) and kind.unit == "ns":
        return values.cast(pa.timestamp("us", kind.tz), safe=False)
    return values


# -- rendering ---------------------------------------------------------------------------


def _number_text(text: str | None) -> str | None:
    """Arrow's shortest text of a float, positional for ordinary magnitudes."""
    if text is None:
        return None
    if text in ("nan", "-nan"):
        return "NaN"
    if text.endswith("inf"):
        return text[:-3] + "INF"
    if "e" in text:
        exact = Decimal(text)
        if -15 <= exact.adjusted() <= 20:
            return _decimal_text(exact)
    return text


def _float_texts(values: pa.Array) -> list[str | None]:
    texts = values.cast(pa.string())
    out: list[str | None] = texts.to_pylist()
    if pc.any(pc.match_substring_regex(texts, "[en]")).as_py():
        out = [_number_text(text) for text in out]
    return out


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _jalali_texts(values: pa.Array) -> list[str | None]:
    """Jalali dates with Latin digits, each distinct date converted once."""
    encoded = values.dictionary_encode()
    names = [_jalali(day) for day in encoded.dictionary.to_pylist()]
    texts: list[str | None] = pa.array(names, pa.string()).take(encoded.indices).to_pylist()
    return texts


def _jalali(day: dt.date) -> str:
    try:
        return format_date(day, digits="latin")
    except (ValueError, OverflowError):  # before the Jalali era
        return day.isoformat()


def _neutralised(values: pa.Array) -> pa.Array:
    flagged = pc.match_substring_regex(values, _FORMULA_START)
    prefixed = pc.binary_join_element_wise(pa.scalar("'", values.type), values, "")
    return pc.if_else(flagged, prefixed, values)


def _neutral(text: str | None) -> str | None:
    return "'" + text if text and text[0] in _FORMULA_CHARS else text


def _plain_text(value: Any) -> str:
    """Text for a value of a type with no column rendering of its own."""
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (list, tuple, dict)):
        return _json_value(value)
    return str(value)


def _csv_column(values: pa.Array, column: _Column, *, human: bool) -> pa.Array:
    """A column as Arrow's CSV writer should write it: numbers, booleans and ISO dates
    as they are (unquoted), everything else as text (quoted); NULL is an empty cell."""
    kind = column.kind
    if kind in ("integer", "boolean"):
        return values
    if kind == "float":
        texts = values.cast(pa.string())
        if not pc.any(pc.match_substring_regex(texts, "[en]")).as_py():
            return values  # Arrow writes the same shortest digits
        return _texts([_number_text(text) for text in _pylist(texts)])
    if kind == "date":
        if human and column.jalali:
            return _texts(_jalali_texts(values))
        return values.cast(pa.date32())
    if kind == "string":
        return _neutralised(values) if human else values
    if kind == "decimal":
        return _texts([None if v is None else _decimal_text(v) for v in _pylist(values)])
    if kind == "timestamp":
        sep = " " if human else "T"  # Excel reads "2023-11-08 14:05:00" as a date-time
        return _texts([None if v is None else v.isoformat(sep) for v in _pylist(values)])
    texts = [None if v is None else _plain_text(v) for v in _pylist(values)]
    return _texts([_neutral(text) for text in texts] if human else texts)


def _texts(items: list[str | None]) -> pa.Array:
    return pa.array(items, pa.string())


def _json_value(value: Any) -> str:
    """JSON text of a Python value from ``to_pylist``; numbers stay exact."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = _number_text(repr(value))
        return "null" if text is None or text[-1] in "NF" else text
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict):
        items = (f"{encode_basestring(str(k))}:{_json_value(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    if isinstance(value, (dt.date, dt.time)):
        return encode_basestring(value.isoformat())
    return encode_basestring(_plain_text(value))


def _json_cells(values: pa.Array, column: _Column) -> list[str]:
    """The JSON text of each value of a column."""
    kind = column.kind
    if kind == "integer":
        return _pylist(values.cast(pa.string()).fill_null("null"))
    if kind == "boolean":
        return _pylist(pc.if_else(values, "true", "false").fill_null("null"))
    if kind == "float":
        return [
            "null" if text is None or text[-1] in "NF" else text for text in _float_texts(values)
        ]
    if kind == "date":
        return ["null" if d is None else f'"{d}"' for d in values.cast(pa.string()).to_pylist()]
    if kind == "string":
        return ["null" if s is None else encode_basestring(s) for s in values.to_pylist()]
    return [_json_value(v) for v in values.to_pylist()]


# -- CSV, JSON, NDJSON -------------------------------------------------------------------


def _csv_rows(
    batches: pa.RecordBatchReader, columns: list[_Column], *, human: bool
) -> Iterator[bytes]:
    """CSV lines (CRLF), the header first, a slice at a time.

    Text cells are always quoted and numbers never, so the two are told apart (an empty
    text ``""`` is not a NULL); Arrow's writer does it without a Python object per cell.
    """
    header = io.StringIO()
    names = [c.name for c in columns]
    csv.writer(header, lineterminator="\r\n").writerow(
        [_neutral(name) for name in names] if human else names
    )
    yield header.getvalue().encode()
    options = pa_csv.WriteOptions(include_header=False, eol="\r\n")
    for batch in _slices(batches, len(columns)):
        arrays = [
            _csv_column(_values(batch, i), column, human=human) for i, column in enumerate(columns)
        ]
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(
            pa.table(arrays, names=[str(i) for i in range(len(arrays))]), sink, options
        )
        yield sink.getvalue().to_pybytes()


def _csv(
    batches: pa.RecordBatchReader, columns: list[_Column], *, human: bool
) -> Generator[bytes, None, None]:
    yield "\ufeff".encode()  # the BOM tells Excel the file is UTF-8
    yield from _csv_rows(batches, columns, human=human)


def _json(
    batches: pa.RecordBatchReader, columns: list[_Column], *, lines: bool
) -> Generator[bytes, None, None]:
    """One JSON array of objects, or one object per line (NDJSON); UTF-8, no BOM."""
    keys = [encode_basestring(c.name) + ":" for c in columns]
    separator = "\n" if lines else ",\n"
    if not lines:
        yield b"[\n"
    first = True
    for batch in _slices(batches, len(columns)):
        cells = [
            [key + cell for cell in _json_cells(_values(batch, i), column)]
            for i, (key, column) in enumerate(zip(keys, columns, strict=True))
        ]
        text = separator.join("{" + ",".join(row) + "}" for row in zip(*cells, strict=True))
        if not text:
            continue
        lead = "" if first or lines else separator
        first = False
        yield (lead + text + ("\n" if lines else "")).encode()
    if not lines:
        yield b"\n]\n"


# -- XLSX --------------------------------------------------------------------------------

_XLSX_FORMATS: Final = {
    "integer": "0", "date": "yyyy-mm-dd", "timestamp": "yyyy-mm-dd hh:mm:ss", "time": "hh:mm:ss"
}  # fmt: skip


def _xlsx_cells(values: pa.Array, column: _Column) -> list[Any]:
    """Values xlsxwriter writes as the right cell type; text where Excel would lose data."""
    kind = column.kind
    if kind == "integer":
        return [v if v is None or abs(v) < _EXCEL_EXACT else str(v) for v in values.to_pylist()]
    if kind in ("boolean", "float", "string", "time", "null"):
        return _pylist(values)
    if kind == "decimal":
        return [None if v is None else _xlsx_decimal(v) for v in values.to_pylist()]
    if kind == "date" and column.jalali:
        return _jalali_texts(values)
    if kind in ("date", "timestamp"):
        # Excel has no dates before 1900: those stay ISO text.
        return [v if v is None or v.year >= 1900 else v.isoformat() for v in values.to_pylist()]
    return [None if v is None else _plain_text(v) for v in values.to_pylist()]


def _xlsx_decimal(value: Decimal) -> float | int | str:
    text = _decimal_text(value)
    if "." not in text:
        return int(text) if abs(value) < _EXCEL_EXACT else text
    significant = text.replace("-", "").replace(".", "").strip("0")
    return float(text) if len(significant) <= 15 else text


def _write_cell(sheet: Any, row: int, col: int, value: Any, number_format: Any) -> None:
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, number_format)
    else:
        sheet.write_datetime(row, col, value, number_format)


def _xlsx(
    batches: pa.RecordBatchReader,
    columns: list[_Column],
    package: PackageInfo | None,
    spool_dir: Path | None,
) -> Generator[bytes, None, None]:
    """A right-to-left sheet, bold frozen header, written to a temporary file first."""
    handle, name = tempfile.mkstemp(prefix="marja-export-", suffix=".xlsx", dir=spool_dir)
    os.close(handle)
    path = Path(name)
    try:
        _write_xlsx(path, batches, columns, package, spool_dir)
        with path.open("rb") as spooled:
            while chunk := spooled.read(_CHUNK):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


def _write_xlsx(
    path: Path,
    batches: pa.RecordBatchReader,
    columns: list[_Column],
    package: PackageInfo | None,
    spool_dir: Path | None,
) -> None:
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "nan_inf_to_errors": True,
        "remove_timezone": True,
        "tmpdir": str(spool_dir) if spool_dir is not None else None,
    }
    with xlsxwriter.Workbook(str(path), options) as book:
        if package is not None:
            book.set_properties(
                {
                    "title": package.title,
                    "author": package.publisher,
                    "comments": package.description,
                }
            )
        sheet = book.add_worksheet("data")
        sheet.right_to_left()
        sheet.freeze_panes(1, 0)
        bold = book.add_format({"bold": True})
        formats = [
            book.add_format({"num_format": _XLSX_FORMATS[c.kind]})
            if c.kind in _XLSX_FORMATS
            else None
            for c in columns
        ]
        for col, column in enumerate(columns):
            sheet.set_column(col, col, min(60, max(10, len(column.name) + 2)))
            sheet.write_string(0, col, column.name, bold)
        row = 0
        for batch in _slices(batches, len(columns)):
            if row + batch.num_rows > XLSX_MAX_ROWS:
                raise ExportError(
                    "too_many_rows_for_xlsx", rows=row + batch.num_rows, limit=XLSX_MAX_ROWS
                )
            cells = [_xlsx_cells(_values(batch, i), c) for i, c in enumerate(columns)]
            for values in zip(*cells, strict=True):
                row += 1
                for col, value in enumerate(values):
                    if value is not None:
                        _write_cell(sheet, row, col, value, formats[col])
        if columns:
            sheet.autofilter(0, 0, row, len(columns) - 1)


# -- Parquet and the data package --------------------------------------------------------


class _Sink:
    """A write-only file that keeps what is written until :meth:`take` hands it over."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _parquet(batches: pa.RecordBatchReader, schema: Schema | None) -> Generator[bytes, None, None]:
    """Parquet (zstd) with the reader's Arrow types; one row group per batch."""
    arrow = batches.schema
    if schema is not None:
        names = set(arrow.names)
        described = [f.to_dict() for f in schema.fields if f.name in names]
        arrow = arrow.with_metadata(
            {**(arrow.metadata or {}), b"marja:fields": json.dumps(described).encode()}
        )
    sink = _Sink()
    with pq.ParquetWriter(pa.PythonFile(sink, mode="w"), arrow, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
            if sink.size >= _CHUNK:
                yield sink.take()
    yield sink.take()


def _datapackage(
    batches: pa.RecordBatchReader,
    columns: list[_Column],
    package: PackageInfo,
    schema: Schema | None,
) -> Generator[bytes, None, None]:
    """A zip of ``data/<name>.csv`` and ``datapackage.json``, written last with its hash."""
    name = _package_name(package.name)
    path = f"data/{name}.csv"
    sink = _Sink()
    digest, size = hashlib.sha256(), 0
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The CSV's size is unknown until written: ZIP64 lets it pass 4 GiB.
        with archive.open(_zip_entry(path), "w", force_zip64=True) as member:
            for chunk in _csv_rows(batches, columns, human=False):
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
                if sink.size >= _CHUNK:
                    yield sink.take()
        resource = {
            "name": name,
            "path": path,
            "profile": "tabular-data-resource",
            "title": package.title,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": size,
            "hash": f"sha256:{digest.hexdigest()}",
            "schema": table_schema(batches.schema, schema),
        }
        descriptor = json.dumps(_descriptor(package, name, resource), ensure_ascii=False, indent=2)
        archive.writestr(_zip_entry("datapackage.json"), descriptor)
    yield sink.take()


def _zip_entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, dt.datetime.now(dt.UTC).timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    return entry


def _package_name(slug: str) -> str:
    """``slug`` fitted to the Data Package name pattern (lower case, digits, ``-._``)."""
    return _PACKAGE_NAME.sub("-", slug.lower()).strip("-") or "export"


def _descriptor(package: PackageInfo, name: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The Data Package v1 descriptor; empty properties are left out."""
    licence: dict[str, str] = {}
    if _LICENCE_ID.match(package.licence_name):
        licence["name"] = package.licence_name
    if package.licence_url:
        licence["path"] = package.licence_url
    if licence and (package.licence_title or package.licence_name):
        licence["title"] = package.licence_title or package.licence_name
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": name,
        "title": package.title,
        "description": package.description,
        "version": package.version,
        "homepage": package.homepage,
        # The hash of the stored version this export was read from; the resource's
        # ``hash`` is that of the CSV in this package.
        "contentSha256": package.sha256,
        # A licence needs an identifier or a URL to be valid Data Package metadata.
        "licenses": [licence] if "name" in licence or "path" in licence else [],
        "contributors": (
            [{"title": package.publisher, "role": "publisher"}] if package.publisher else []
        ),
        "resources": [resource],
    }
    return {key: value for key, value in descriptor.items() if value}


#: marja types whose Table Schema type has another name; the others share theirs.
_TABLE_TYPES: Final = {FieldType.JALALI_DATE: "date", FieldType.COUNTY: "string"}
#: The Table Schema type of each rendering kind; the other kinds are written as text.
_ARROW_TYPES: Final = {
    "null": "any", "boolean": "boolean", "integer": "integer", "float": "number",
    "date": "date", "timestamp": "datetime", "time": "time", "string": "string",
}  # fmt: skip


def table_schema(arrow: pa.Schema, schema: Schema | None) -> dict[str, Any]:
    """The Table Schema of the CSV :func:`export_chunks` writes for these columns.

    A column's type is its marja field's when the Arrow type agrees, else the Arrow
    type's (ad-hoc SQL may have changed it; the field's constraints are then dropped).
    Text ``allowed`` lists are not written as ``enum``: marja compares text in normal
    form (Arabic ي matches Persian ی) while Table Schema compares it as written.
    """
    columns = _columns(arrow, schema)
    fields = [
        _table_field(c.name, item.type, c.field) for c, item in zip(columns, arrow, strict=True)
    ]
    descriptor: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    keys = [c.name for c in columns if c.field is not None and schema is not None]
    if schema is not None and schema.primary_key and set(schema.primary_key) <= set(keys):
        descriptor["primaryKey"] = list(schema.primary_key)
    return descriptor


def _table_field(name: str, kind: pa.DataType, field: Field | None) -> dict[str, Any]:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    rendered = _kind(kind)
    if rendered == "decimal":
        arrow_type = "integer" if int(kind.scale) == 0 else "number"
    elif rendered == "nested":  # written as JSON text: structs are objects, the rest arrays
        arrow_type = "object" if pa.types.is_struct(kind) else "array"
    else:
        arrow_type = _ARROW_TYPES.get(rendered, "string")
    out: dict[str, Any] = {"name": name, "type": arrow_type}
    if arrow_type == "boolean":
        out["trueValues"], out["falseValues"] = ["true"], ["false"]
    if field is None:
        return out
    if field.label_fa or field.label_en:
        out["title"] = field.label_fa or field.label_en
    if field.description:
        out["description"] = field.description
    if field.unit:
        out["unit"] = field.unit
    declared = _TABLE_TYPES.get(field.type, field.type.value)
    if declared == arrow_type or {declared, arrow_type} <= {"integer", "number"}:
        constraints = _constraints(field, arrow_type)
        if constraints:
            out["constraints"] = constraints
    return out


def _constraints(field: Field, table_type: str) -> dict[str, Any]:
    constraints: dict[str, Any] = {}
    if field.required:
        constraints["required"] = True
    if field.unique:
        constraints["unique"] = True
    if table_type not in ("integer", "number"):
        return constraints
    integer = table_type == "integer"
    if field.minimum is not None:
        constraints["minimum"] = math.ceil(field.minimum) if integer else field.minimum
    if field.maximum is not None:
        constraints["maximum"] = math.floor(field.maximum) if integer else field.maximum
    allowed: dict[float, None] = {}
    for text in field.allowed:
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            continue  # a word in a number field's list allows nothing, as in marja
        if number.is_finite() and not integer:
            allowed[float(number)] = None
        elif number.is_finite() and number == number.to_integral_value():
            allowed[int(number)] = None
    if allowed:
        constraints["enum"] = list(allowed)
    return constraints
