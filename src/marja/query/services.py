"""Running queries over published versions, within the instance's time and memory limits."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from django.conf import settings

from marja.accounts.selectors import AnyUser
from marja.core.export import FORMATS, ExportError, ExportFormat, PackageInfo, export_chunks
from marja.core.query import (
    AggregateQuery,
    Page,
    Plan,
    RowsQuery,
    Table,
    aggregate_plan,
    connect,
    export_plan,
    fetch_page,
    fetch_table,
    install_jalali_macros,
    rows_plan,
)
from marja.core.sandbox import SqlLimits, SqlResult, referenced_tables, run_readonly_sql
from marja.ingest.models import DatasetVersion
from marja.query.selectors import county_aliases, sql_tables, version_path, version_schema


class QueryStoppedError(Exception):
    """A query ran out of time or memory; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_database_lock = threading.Lock()
_database: tuple[int, duckdb.DuckDBPyConnection] | None = None


def _process_database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB database per process, made on first use (after any fork).

    Opening a database costs 10-40 ms, more than many queries; each request takes its
    own cursor of this one instead. ``MARJA_QUERY_MEMORY_MB`` bounds them all together.
    """
    global _database
    with _database_lock:
        if _database is None or _database[0] != os.getpid():
            database = connect(memory_mb=settings.QUERY_MEMORY_MB, threads=2)
            install_jalali_macros(database, temporary=False)
            _database = (os.getpid(), database)
        return _database[1]


@contextmanager
def limited_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A private cursor of the process's database, interrupted after the time limit."""
    con = _process_database().cursor()
    timer = threading.Timer(settings.QUERY_TIMEOUT_SECONDS, con.interrupt)
    timer.start()
    try:
        yield con
    except duckdb.InterruptException:
        raise QueryStoppedError("timeout") from None
    except duckdb.OutOfMemoryException:
        raise QueryStoppedError("memory") from None
    finally:
        timer.cancel()
        con.close()


def plan_rows(version: DatasetVersion, query: RowsQuery) -> Plan:
    """The SQL of a page of ``version``'s rows (raises :class:`QueryError`)."""
    return rows_plan(
        version_path(version),
        version_schema(version),
        query,
        version=version.sha256,
        counties=county_aliases(),
    )


def rows_page(version: DatasetVersion, query: RowsQuery, *, count: bool) -> Page:
    plan = plan_rows(version, query)
    with limited_connection() as con:
        return fetch_page(con, plan, count=count)


def aggregate(version: DatasetVersion, query: AggregateQuery) -> Table:
    plan = aggregate_plan(
        version_path(version), version_schema(version), query, counties=county_aliases()
    )
    with limited_connection() as con:
        return fetch_table(con, plan, macros_installed=True)


@dataclass(frozen=True)
class Export:
    chunks: Iterator[bytes]
    media_type: str
    file_name: str


def export_rows(
    version: DatasetVersion, query: RowsQuery, fmt: str, *, package: PackageInfo
) -> Export:
    """The rows ``query`` keeps (all of them, in its sort order) as a file to stream.

    Problems known before the first byte (unknown format, too many rows for Excel, a
    bad filter) raise here; the DuckDB connection lives as long as the stream.
    """
    schema = version_schema(version)
    plan = export_plan(version_path(version), schema, query, counties=county_aliases())
    try:
        kind = ExportFormat(fmt)
    except ValueError:
        raise ExportError("unknown_format", format=fmt) from None
    con = _process_database().cursor()
    try:
        row_count = None
        if kind is ExportFormat.XLSX:
            counted = con.execute(plan.count_sql, plan.count_params).fetchall()[0]
            row_count = int(counted[0]) if counted else 0
        reader = con.sql(plan.sql, params=plan.params).to_arrow_reader(_EXPORT_BATCH_ROWS)
        chunks = export_chunks(
            reader,
            kind,
            schema=schema,
            package=package,
            spool_dir=Path(settings.DATA_DIR) / "staging",
            row_count=row_count,
        )
    except BaseException:
        con.close()
        raise
    info = FORMATS[kind]
    name = f"{version.dataset.slug}-v{version.number}.{info.extension}"
    return Export(_Stream(con, chunks), info.media_type, name)


_EXPORT_BATCH_ROWS = 50_000


class _Stream:
    """``chunks`` that close the cursor when they end, fail, or are abandoned, even when
    never started (Django closes a streamed response's content when it is done)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, chunks: Iterator[bytes]) -> None:
        self._con = con
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._con.close()


def sql_views(user: AnyUser, sql: str) -> dict[str, Path]:
    """The tables a SQL query of ``user`` may see, limited to the ones it names: each
    readable dataset's current version under its slug (the sandbox adds the name with
    underscores). Text that does not parse gets none; the sandbox reports why."""
    names = referenced_tables(sql)
    if not names:
        return {}
    return {
        slug: version_path(version) for slug, (_dataset, version) in sql_tables(user, names).items()
    }


def run_sql(user: AnyUser, sql: str) -> SqlResult:
    """Run ``sql`` read-only over the datasets ``user`` may read."""
    limits = SqlLimits(
        timeout_seconds=float(settings.QUERY_TIMEOUT_SECONDS),
        memory_mb=settings.QUERY_MEMORY_MB,
        max_rows=settings.SQL_MAX_ROWS,
    )
    return run_readonly_sql(sql, sql_views(user, sql), limits)
