"""Running queries over published versions, within the instance's time and memory limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from django.conf import settings

from marja.core.query import (
    AggregateQuery,
    Page,
    QueryError,
    RowsQuery,
    Table,
    aggregate_plan,
    connect,
    fetch_page,
    fetch_table,
    rows_plan,
)
from marja.ingest.models import DatasetVersion
from marja.query.selectors import county_aliases, version_path, version_schema


class QueryStoppedError(Exception):
    """A query ran out of time or memory; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def limited_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection that is interrupted after the configured time limit."""
    con = connect(memory_mb=settings.QUERY_MEMORY_MB, threads=2)
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


def rows_page(version: DatasetVersion, query: RowsQuery, *, count: bool) -> Page:
    plan = rows_plan(
        version_path(version),
        version_schema(version),
        query,
        version=version.sha256,
        counties=county_aliases(),
    )
    with limited_connection() as con:
        return fetch_page(con, plan, count=count)


def aggregate(version: DatasetVersion, query: AggregateQuery) -> Table:
    plan = aggregate_plan(
        version_path(version), version_schema(version), query, counties=county_aliases()
    )
    with limited_connection() as con:
        return fetch_table(con, plan)


__all__ = ["QueryError", "QueryStoppedError", "aggregate", "limited_connection", "rows_page"]
