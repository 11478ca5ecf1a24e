"""Reading an uploaded file: format, encoding, delimiter, header, as text columns.

Whatever the format, :func:`open_source` returns a SQL relation whose columns are named
``c1`` … ``cN`` and hold text, plus the file's own column headers. Excel workbooks are
streamed to a UTF-8 CSV first; Windows-1256 text is transcoded to UTF-8 in chunks.
Nothing here holds a whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb

from marja.core.convert import quote_identifier, quote_literal
from marja.core.problems import FileProblem

FORMATS: Final = ("csv", "tsv", "xlsx", "xls", "json", "ndjson", "parquet")
ENCODINGS: Final = ("utf-8", "utf-8-sig", "windows-1256")
DELIMITERS: Final = (",", ";", "\t", "|")
_CHUNK: Final = 1 << 20
_EXTENSIONS: Final = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
}


@dataclass(frozen=True)
class ReadOptions:
    """What the publisher may say about a file instead of letting marja detect it."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Limits:
    max_columns: int = 1000
    max_line_bytes: int = 32 << 20
    max_excel_uncompressed: int = 2 << 30
    max_excel_ratio: int = 200


@dataclass(frozen=True)
class SourceFile:
    """What a scan of the raw bytes found."""

    sha256: str
    size: int
    format: str
    encoding: str | None


@dataclass(frozen=True)
class Source:
    """A readable relation over the file, its headers and how it was read."""

    file: SourceFile
    headers: tuple[str, ...]
    relation: str
    delimiter: str | None = None
    sheet: str | None = None
    #: CSV relations can be re-read leniently to list malformed lines.
    csv_path: Path | None = None

    @property
    def columns(self) -> list[str]:
        return [f"c{i}" for i in range(1, len(self.headers) + 1)]


def detect_format(path: Path, original_name: str, requested: str | None) -> str:
    if requested:
        if requested not in FORMATS:
            raise FileProblem("unknown_format", format=requested)
        return requested
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    suffix = Path(original_name).suffix.lower()
    return _EXTENSIONS.get(suffix, "csv")


class _LineMeter:
    """The longest physical line of a file read in chunks, and where it is."""

    def __init__(self) -> None:
        self.lines = 0  # newlines seen before the current chunk
        self.carry = 0  # bytes of the unfinished line at the end of the last chunk
        self.longest = 0
        self.longest_line = 0

    def feed(self, chunk: bytes) -> None:
        parts = chunk.split(b"\n")
        parts_lengths = [len(p) for p in parts]
        parts_lengths[0] += self.carry
        top = max(parts_lengths)
        if top > self.longest:
            self.longest = top
            self.longest_line = self.lines + parts_lengths.index(top) + 1
        self.lines += len(parts) - 1
        self.carry = parts_lengths[-1]


def scan(
    path: Path, fmt: str, requested_encoding: str | None, limits: Limits | None = None
) -> SourceFile:
    """Hash the file and, for text formats, find its encoding in one streaming pass."""
    digest = hashlib.sha256()
    size = 0
    text = fmt in {"csv", "tsv", "json", "ndjson"}
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    bad_byte = 0
    first = True
    bom = False
    meter = _LineMeter() if fmt in {"csv", "tsv"} else None
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if not text:
                continue
            if first:
                first = False
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise FileProblem("utf16")
                bom = chunk.startswith(codecs.BOM_UTF8)
                if b"\x00" in chunk[:65536]:
                    raise FileProblem("binary")
            if meter is not None:
                meter.feed(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    utf8, bad_byte = False, size - len(chunk) + exc.start
    if size == 0:
        raise FileProblem("empty_file")
    if not text:
        return SourceFile(digest.hexdigest(), size, fmt, None)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if requested_encoding:
        if requested_encoding not in ENCODINGS:
            raise FileProblem("unknown_encoding", encoding=requested_encoding)
        encoding = requested_encoding
        if encoding.startswith("utf-8") and not utf8:
            raise FileProblem("bad_encoding", encoding=encoding, position=bad_byte)
    else:
        encoding = ("utf-8-sig" if bom else "utf-8") if utf8 else "windows-1256"
    if meter is not None and limits is not None:
        # DuckDB may drop a line longer than its buffer without a word: refuse it here.
        # A Windows-1256 byte can become two in UTF-8.
        factor = 2 if encoding == "windows-1256" else 1
        if meter.longest * factor > limits.max_line_bytes:
            raise FileProblem("line_too_long", row=meter.longest_line, limit=limits.max_line_bytes)
    return SourceFile(digest.hexdigest(), size, fmt, encoding)


def to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """Transcode a text file to UTF-8 (no BOM) in chunks; UTF-8 input is used as is."""
    if encoding == "utf-8":
        return path
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    # Windows-1256 has no Persian yeh: Persian software saves ی as the Arabic ي, which
    # is read back as what the writer meant.
    letters = str.maketrans("ي", "ی") if encoding == "windows-1256" else None
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        try:
            while chunk := src.read(_CHUNK):
                text = decoder.decode(chunk)
                out.write(text.translate(letters) if letters else text)
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise FileProblem("bad_encoding", encoding=encoding, position=exc.start) from None
    return target


def _first_lines(path: Path, limit: int = 1 << 16) -> str:
    with path.open("rb") as handle:
        data = handle.read(limit)
    text = data.decode("utf-8", errors="ignore")
    if len(data) == limit and "\n" in text:
        text = text[: text.rindex("\n")]
    return text


def detect_delimiter(sample: str) -> str:
    """The candidate that splits the first lines into the most consistent columns."""
    best, best_score = ",", (0.0, 0)
    lines = sample.splitlines()[:50]
    for delimiter in DELIMITERS:
        try:
            counts = [
                len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
            ]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_header(path: Path, delimiter: str) -> tuple[str, ...]:
    sample = _first_lines(path, 1 << 22)
    if not sample.strip():
        raise FileProblem("empty_file")
    try:
        row = next(csv.reader(io.StringIO(sample.lstrip("\ufeff")), delimiter=delimiter))
    except (StopIteration, csv.Error):
        raise FileProblem("no_header") from None
    return tuple(row)


def check_headers(headers: tuple[str, ...], limits: Limits) -> None:
    if len(headers) > limits.max_columns:
        raise FileProblem("too_many_columns", found=len(headers), limit=limits.max_columns)
    seen: dict[str, int] = {}
    for position, header in enumerate(headers, start=1):
        name = header.strip()
        if not name:
            raise FileProblem("empty_header", column=position)
        key = name.casefold()
        if key in seen:
            raise FileProblem(
                "duplicate_header", column=position, first=seen[key], value=name[:200]
            )
        seen[key] = position


def csv_relation(path: Path, delimiter: str, width: int, limits: Limits, *, lenient: bool) -> str:
    columns = ", ".join(f"{quote_literal(f'c{i}')}: 'VARCHAR'" for i in range(1, width + 1))
    options = [
        f"delim={quote_literal(delimiter)}",
        "header=true",
        "quote='\"'",
        "escape='\"'",
        "auto_detect=false",
        f"columns={{{columns}}}",
        f"max_line_size={limits.max_line_bytes}",
        # DuckDB's default buffer is 16 lines of the maximum size: 512 MB here, more than
        # the memory a publication may use. Four lines' worth is enough, since scan()
        # refuses any line longer than the maximum.
        f"buffer_size={4 * limits.max_line_bytes}",
        "null_padding=false",
    ]
    if lenient:
        options += ["ignore_errors=true", "store_rejects=true"]
    return f"read_csv({quote_literal(str(path))}, {', '.join(options)})"


def _excel_to_csv(path: Path, fmt: str, sheet: str | None, target: Path, limits: Limits) -> str:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    if fmt == "xlsx":
        _check_zip(path, limits)
    elif _is_encrypted_ole(path):
        raise FileProblem("password_protected")
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        chosen = sheet or (names[0] if names else None)
        if chosen is None:
            raise FileProblem("no_sheets")
        if chosen not in names:
            raise FileProblem("unknown_sheet", sheet=chosen, sheets="، ".join(names))
        rows = book.get_sheet_by_name(chosen).iter_rows()
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            for row in rows:
                writer.writerow([_cell_text(cell) for cell in row])
    except PasswordError:
        raise FileProblem("password_protected") from None
    except (CalamineError, ValueError, OSError) as exc:
        if isinstance(exc, FileProblem):
            raise
        raise FileProblem("corrupt_workbook", detail=str(exc)[:200]) from None
    return chosen


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    if hasattr(cell, "isoformat"):
        return str(cell.isoformat(sep=" ") if hasattr(cell, "hour") else cell.isoformat())
    return str(cell)


def _check_zip(path: Path, limits: Limits) -> None:
    """Refuse a workbook that is not a zip, or that would unpack to far more than it is."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise FileProblem("corrupt_workbook", detail="not a zip archive") from None
    unpacked = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unpacked > limits.max_excel_uncompressed or unpacked / packed > limits.max_excel_ratio:
        raise FileProblem("zip_bomb", unpacked=unpacked, packed=packed)


def _is_encrypted_ole(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    return "EncryptedPackage".encode("utf-16-le") in head


def _json_relation(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str
) -> tuple[tuple[str, ...], str]:
    with path.open("rb") as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if fmt == "json" and not start.startswith(b"["):
        if start.startswith(b"{"):
            fmt = "ndjson"
        else:
            raise FileProblem("json_not_array")
    if fmt == "json" and not start[1:].lstrip().startswith((b"{", b"]")):
        raise FileProblem("json_not_objects")
    kind = "array" if fmt == "json" else "newline_delimited"
    reader = (
        f"read_json({quote_literal(str(path))}, format='{kind}', "
        "maximum_object_size=67108864, sample_size=-1)"
    )
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as exc:
        raise FileProblem("bad_json", detail=_first_line(exc)) from None
    return _typed_relation(reader, [(str(r[0]), str(r[1])) for r in described])


def _typed_relation(reader: str, described: list[tuple[str, str]]) -> tuple[tuple[str, ...], str]:
    """Project a typed reader to text columns c1…cN, nested values as JSON."""
    projections = []
    for i, (name, kind) in enumerate(described, start=1):
        column = quote_identifier(name)
        if kind == "JSON":
            text = f"({column} ->> '$')"
        elif kind.startswith(("STRUCT", "MAP", "UNION")) or kind.endswith("]"):
            text = f"CAST(to_json({column}) AS VARCHAR)"
        else:
            text = f"CAST({column} AS VARCHAR)"
        projections.append(f"{text} AS c{i}")
    headers = tuple(name for name, _ in described)
    return headers, f"(SELECT {', '.join(projections)} FROM {reader})"


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def open_source(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    original_name: str,
    options: ReadOptions,
    workdir: Path,
    limits: Limits,
    progress: Callable[[str], None] = lambda stage: None,
) -> Source:
    """Detect, scan and open ``path``; raise :class:`FileProblem` on what cannot be read."""
    fmt = detect_format(path, original_name, options.format)
    progress("scan")
    file = scan(path, fmt, options.encoding, limits)
    sheet = None
    if fmt in {"xlsx", "xls"}:
        progress("excel")
        sheet = _excel_to_csv(path, fmt, options.sheet, workdir / "sheet.csv", limits)
        text_path, delimiter = workdir / "sheet.csv", ","
    elif fmt in {"csv", "tsv"}:
        text_path = to_utf8(path, file.encoding or "utf-8", workdir / "source.utf8.csv")
        delimiter = options.delimiter or (
            "\t" if fmt == "tsv" else detect_delimiter(_first_lines(text_path))
        )
    elif fmt in {"json", "ndjson"}:
        text_path = to_utf8(path, file.encoding or "utf-8", workdir / "source.utf8.json")
        headers, relation = _json_relation(con, text_path, fmt)
        check_headers(headers, limits)
        return Source(file, headers, relation)
    else:
        headers, relation = _parquet_relation(con, path)
        check_headers(headers, limits)
        return Source(file, headers, relation)
    headers = read_header(text_path, delimiter)
    check_headers(headers, limits)
    relation = csv_relation(text_path, delimiter, len(headers), limits, lenient=False)
    return Source(file, headers, relation, delimiter, sheet, csv_path=text_path)


def _parquet_relation(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[tuple[str, ...], str]:
    reader = f"read_parquet({quote_literal(str(path))})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as exc:
        raise FileProblem("bad_parquet", detail=_first_line(exc)) from None
    return _typed_relation(reader, [(str(r[0]), str(r[1])) for r in described])
