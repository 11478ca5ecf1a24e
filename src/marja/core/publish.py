"""From an uploaded file to the Parquet file of a new version, or a report of why not.

The steps of DESIGN's data flow, in one function usable from a notebook or the CLI:
read (format, encoding, delimiter, header) → infer or bind the schema → convert and check
in one pass to a zstd Parquet file → on any violation, list every problem with row,
column, value and rule → statistics → diff against the previous version. It touches
nothing outside ``workdir``; storing the result is the caller's business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb

from marja.core.convert import install_lookups, quote_literal
from marja.core.diff import diff_versions
from marja.core.infer import infer_schema
from marja.core.problems import FileProblem, Report, file_report
from marja.core.profile import column_stats
from marja.core.schema import Schema
from marja.core.sources import Limits, ReadOptions, Source, SourceFile, csv_relation, open_source
from marja.core.validate import (
    Binding,
    bind,
    find_problems,
    has_duplicates,
    strict_select,
    structural_problems,
)

PARQUET_OPTIONS: Final = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Previous:
    """The current version a new one is compared with."""

    parquet: Path
    schema: Schema


@dataclass(frozen=True)
class Engine:
    """Resources DuckDB may use while publishing."""

    memory_limit: str = "512MB"
    threads: int = 2


@dataclass
class BuildResult:
    report: Report
    schema: Schema | None = None
    parquet: Path | None = None
    source: SourceFile | None = None
    row_count: int = 0
    excluded_rows: int = 0
    stats: list[dict[str, Any]] = field(default_factory=list)
    diff: dict[str, Any] | None = None
    read: dict[str, Any] = field(default_factory=dict)
    bad_rows_csv: Path | None = None

    @property
    def ok(self) -> bool:
        return self.parquet is not None


DEFAULT_OPTIONS: Final = ReadOptions()
DEFAULT_LIMITS: Final = Limits()
DEFAULT_ENGINE: Final = Engine()


def connect(workdir: Path, engine: Engine) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        str(workdir / "work.duckdb"),
        config={
            "memory_limit": engine.memory_limit,
            "threads": engine.threads,
            "temp_directory": str(workdir / "spill"),
            "preserve_insertion_order": True,
        },
    )
    return con


def build_version(
    path: Path,
    original_name: str,
    workdir: Path,
    *,
    options: ReadOptions = DEFAULT_OPTIONS,
    declared: Schema | None = None,
    references: Mapping[str, Mapping[str, str]] | None = None,
    previous: Previous | None = None,
    valid_rows_only: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    engine: Engine = DEFAULT_ENGINE,
    progress: Progress = lambda stage, fraction: None,
) -> BuildResult:
    workdir.mkdir(parents=True, exist_ok=True)
    con = connect(workdir, engine)
    try:
        install_lookups(con, references or {})
        counties = bool(references and "counties" in references)
        return _build(
            con, path, original_name, workdir, options, declared, previous,
            valid_rows_only, limits, progress, counties=counties,
        )  # fmt: skip
    except FileProblem as problem:
        return BuildResult(file_report(problem))
    finally:
        con.close()


def _build(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    original_name: str,
    workdir: Path,
    options: ReadOptions,
    declared: Schema | None,
    previous: Previous | None,
    valid_rows_only: bool,
    limits: Limits,
    progress: Progress,
    *,
    counties: bool,
) -> BuildResult:
    progress("read", 0.05)
    source = open_source(con, path, original_name, options, workdir, limits, lambda s: None)
    read = {
        "format": source.file.format,
        "encoding": source.file.encoding,
        "delimiter": source.delimiter,
        "sheet": source.sheet,
    }
    if declared is None:
        progress("infer", 0.1)
        schema = infer_schema(
            con, _safe_relation(source, limits), source.headers, counties=counties
        )
        bindings = _inferred_bindings(schema, source.headers)
    else:
        schema = declared
        bindings, unmatched = bind(declared, source.headers)
        if unmatched:
            report = Report()
            for problem in unmatched:
                report.add(problem)
            return BuildResult(report, schema, source=source.file, read=read)
    parquet = workdir / "data.parquet"
    progress("convert", 0.2)
    written = _write_strict(con, source, schema, bindings, parquet)
    if not written and declared is None:
        # The sample misled inference: look at every row, then try once more.
        progress("infer", 0.4)
        schema = infer_schema(
            con, _safe_relation(source, limits), source.headers, sample_rows=None, counties=counties
        )
        bindings = _inferred_bindings(schema, source.headers)
        written = _write_strict(con, source, schema, bindings, parquet)
    excluded = 0
    bad_rows_csv = None
    if not written:
        progress("validate", 0.5)
        report, bad_rows_csv = _detailed(con, source, schema, bindings, workdir, limits)
        if not report.ok and not valid_rows_only:
            return BuildResult(
                report, schema, source=source.file, read=read, bad_rows_csv=bad_rows_csv
            )
        excluded = report.bad_rows
        _write_valid_rows(con, schema, bindings, parquet)
    else:
        report = Report()
    progress("stats", 0.8)
    rows, stats = column_stats(con, parquet, schema)
    if rows == 0:
        empty = FileProblem("no_valid_rows" if excluded else "no_rows")
        return BuildResult(file_report(empty), schema, source=source.file, read=read)
    report.rows_total = rows + excluded
    diff = None
    if previous is not None:
        progress("diff", 0.9)
        diff = diff_versions(con, parquet, previous.parquet, schema)
    return BuildResult(
        report, schema, parquet, source.file, rows, excluded, stats, diff, read, bad_rows_csv
    )


def _inferred_bindings(schema: Schema, headers: tuple[str, ...]) -> list[Binding]:
    return [
        Binding(f, f"c{i}", header)
        for i, (f, header) in enumerate(zip(schema.fields, headers, strict=True), start=1)
    ]


def _safe_relation(source: Source, limits: Limits) -> str:
    """The source read leniently, so a ragged line does not stop inference."""
    if source.csv_path is None:
        return source.relation
    return csv_relation(
        source.csv_path, source.delimiter or ",", len(source.headers), limits, lenient=True
    )


def _write_strict(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    schema: Schema,
    bindings: list[Binding],
    parquet: Path,
) -> bool:
    """Convert and check every row in one pass; False if any value broke a rule."""
    select = strict_select(schema, bindings, source.relation, strict=True)
    try:
        con.execute(f"COPY ({select}) TO {quote_literal(str(parquet))} ({PARQUET_OPTIONS})")
    except duckdb.Error:
        parquet.unlink(missing_ok=True)
        return False
    if has_duplicates(con, parquet, schema):
        parquet.unlink()
        return False
    return True


def _detailed(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    schema: Schema,
    bindings: list[Binding],
    workdir: Path,
    limits: Limits,
) -> tuple[Report, Path | None]:
    bad_rows = workdir / "bad_rows.csv"
    if source.csv_path is not None:
        relation = csv_relation(
            source.csv_path, source.delimiter or ",", len(source.headers), limits, lenient=True
        )
        row_offset = 1  # the header is row 1, as a spreadsheet shows it
    else:
        relation, row_offset = source.relation, 0
    try:
        report = find_problems(
            con, schema, bindings, relation,
            row_offset=row_offset, headers=source.headers, bad_rows_csv=bad_rows,
            after_rejects=source.csv_path is not None,
        )  # fmt: skip
    except duckdb.Error as exc:
        raise FileProblem("unreadable", detail=str(exc).splitlines()[0][:300]) from None
    if source.csv_path is not None:
        structural = Report()
        structural_problems(con, structural)
        if not structural.ok:
            # Malformed lines are set aside by line number; value problems of the
            # other rows follow them.
            structural.bad_rows = report.bad_rows + structural.total
            for (rule, column), count in report.counts.items():
                kept = [p for p in report.problems if p.rule == rule and p.column == column]
                structural.add_counted(rule, column, kept, count)
            structural.rows_total = report.rows_total
            return structural, bad_rows if bad_rows.exists() else None
    return report, bad_rows if bad_rows.exists() else None


def _write_valid_rows(
    con: duckdb.DuckDBPyConnection, schema: Schema, bindings: list[Binding], parquet: Path
) -> None:
    valid = "(SELECT * FROM __raw WHERE __row NOT IN (SELECT __row FROM __problems) ORDER BY __row)"
    select = strict_select(schema, bindings, valid, strict=False)
    con.execute(f"COPY ({select}) TO {quote_literal(str(parquet))} ({PARQUET_OPTIONS})")
