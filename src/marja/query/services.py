"""Running queries over published versions, within the instance's time and memory limits."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from marja.core.restriction import TableSource
from marja.core.sandbox import SqlLimits, SqlResult, referenced_tables, run_readonly_sql
from marja.ingest.access import record_read
from marja.query.selectors import (
    VersionRead,
    county_aliases,
    sql_reads,
    version_path,
    version_schema,
)


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


def plan_rows(read: VersionRead, query: RowsQuery) -> Plan:
    """The SQL of a page of the version's rows, as the reader may read them (raises
    :class:`QueryError`)."""
    return rows_plan(
        version_path(read.version),
        version_schema(read.version),
        query,
        version=read.version.sha256,
        counties=county_aliases(),
        restriction=read.restriction,
    )


def asked(query: RowsQuery | AggregateQuery) -> dict[str, Any]:
    """What a query asked for, as a read's ledger entry keeps it."""
    details: dict[str, Any] = {
        "filters": [f"{f.column}__{f.op.value}={f.value}" for f in query.filters],
        "text": query.text,
        "sort": [f"-{s.column}" if s.descending else s.column for s in query.sort],
    }
    if isinstance(query, RowsQuery):
        details.update(columns=list(query.columns), limit=query.limit, offset=query.offset)
    else:
        details.update(
            group_by=[g.alias for g in query.groups], measures=[m.alias for m in query.measures]
        )
    return details


def rows_page(read: VersionRead, query: RowsQuery, *, count: bool, through: str) -> Page:
    plan = plan_rows(read, query)
    with limited_connection() as con:
        page = fetch_page(con, plan, count=count)
    record_read(read.access, read.version, through=through, query=asked(query), rows=len(page.rows))
    return page


def aggregate(read: VersionRead, query: AggregateQuery, *, through: str) -> Table:
    plan = aggregate_plan(
        version_path(read.version),
        version_schema(read.version),
        query,
        counties=county_aliases(),
        restriction=read.restriction,
    )
    with limited_connection() as con:
        table = fetch_table(con, plan, macros_installed=True)
    record_read(
        read.access, read.version, through=through, query=asked(query), rows=len(table.rows)
    )
    return table


@dataclass(frozen=True)
class Export:
    chunks: Iterator[bytes]
    media_type: str
    file_name: str


def export_rows(read: VersionRead, query: RowsQuery, fmt: str, *, package: PackageInfo) -> Export:
    """The rows ``query`` keeps (all of them, in its sort order) as a file to stream.

    Problems known before the first byte (unknown format, too many rows for Excel, a
    bad filter) raise here; the DuckDB connection lives as long as the stream. A read of
    restricted data is recorded when the stream starts.
    """
    version = read.version
    schema = read.schema
    plan = export_plan(
        version_path(version),
        version_schema(version),
        query,
        counties=county_aliases(),
        restriction=read.restriction,
    )
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
    record_read(
        read.access, version, through="export", query={**asked(query), "format": kind.value}
    )
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


def sql_sources(user: AnyUser, sql: str) -> dict[str, VersionRead]:
    """The tables a SQL query of ``user`` may see, limited to the ones it names: each
    readable dataset's current version under its slug (the sandbox adds the name with
    underscores), as the user may read it. Text that does not parse gets none; the
    sandbox reports why."""
    names = referenced_tables(sql)
    if not names:
        return {}
    return sql_reads(user, names)


def run_sql(user: AnyUser, sql: str) -> SqlResult:
    """Run ``sql`` read-only over the datasets ``user`` may read (each restricted one
    through the user's grant); each restricted table it reads is recorded."""
    limits = SqlLimits(
        timeout_seconds=float(settings.QUERY_TIMEOUT_SECONDS),
        memory_mb=settings.QUERY_MEMORY_MB,
        max_rows=settings.SQL_MAX_ROWS,
    )
    reads = sql_sources(user, sql)
    views = {
        slug: TableSource(version_path(r.version), version_schema(r.version), r.restriction)
        for slug, r in reads.items()
    }
    result = run_readonly_sql(sql, views, limits)
    for read in reads.values():
        record_read(
            read.access, read.version, through="sql", query={"sql": sql}, rows=len(result.rows)
        )
    return result
