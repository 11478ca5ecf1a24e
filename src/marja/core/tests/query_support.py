"""Tables and helpers shared by the query compiler tests."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from marja.core.convert import reference_aliases
from marja.core.query import (
    MAX_LIMIT,
    Filter,
    Page,
    QueryError,
    RowsQuery,
    Sort,
    connect,
    fetch_page,
    rows_plan,
)
from marja.core.schema import Field, FieldType, Schema

T = FieldType
ZWNJ = "\u200c"
INJECTION = "'); SELECT 1; --"
BAD_NAME = 'x"; DROP TABLE canary; --'

# id, grp, name, score, day, active, county
ROWS: list[tuple[Any, ...]] = [
    (1, 10, "کتاب", 1.5, dt.date(2023, 3, 20), True, "tehran"),  # 1401/12/29
    (2, 10, "كتاب", 2.5, dt.date(2023, 3, 21), False, "robatkarim"),  # 1402/01/01, Arabic kaf
    (3, 20, f"کتاب{ZWNJ}ها", None, dt.date(2023, 9, 22), None, "tehran"),  # 1402/06/31
    (4, 20, "کتاب ها", 2.5, dt.date(2023, 9, 23), True, "malard"),  # 1402/07/01
    (5, None, "علي", 3.0, None, False, "tehran"),  # Arabic yeh
    (6, 30, None, -1.0, dt.date(2024, 3, 19), True, None),  # 1402/12/29
    (7, 10, INJECTION, 0.0, dt.date(2024, 3, 20), True, "malard"),  # 1403/01/01
    (8, 30, "Book", 1000.25, dt.date(2025, 3, 20), False, "robatkarim"),  # 1403/12/30
]
COLUMNS = (
    "id BIGINT, grp BIGINT, name VARCHAR, score DOUBLE, day DATE, active BOOLEAN, county VARCHAR"
)
SCHEMA = Schema(
    (
        Field("id", T.INTEGER),
        Field("grp", T.INTEGER),
        Field("name", T.STRING),
        Field("score", T.NUMBER),
        Field("day", T.JALALI_DATE),
        Field("active", T.BOOLEAN),
        Field("county", T.COUNTY),
    )
)
COUNTIES = reference_aliases(
    {
        "tehran": ("تهران", "Tehran"),
        "robatkarim": (f"رباط{ZWNJ}کریم", "Robat Karim"),
        "malard": ("ملارد", "Malard"),
    }
)
ALL_IDS = [row[0] for row in ROWS]


@functools.cache
def shared() -> duckdb.DuckDBPyConnection:
    """One connection for the whole module: opening one costs more than most queries."""
    return connect()


def write_parquet(path: Path, columns: str, rows: Sequence[Sequence[Any]]) -> Path:
    """``rows`` as a Parquet file with the DuckDB column types of ``columns``."""
    con = shared()
    con.execute(f"CREATE OR REPLACE TEMP TABLE t ({columns})")
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"INSERT INTO t VALUES ({marks})", [list(r) for r in rows])  # noqa: S608
    literal = str(path).replace("'", "''")
    con.execute(f"COPY t TO '{literal}' (FORMAT parquet)")
    con.execute("DROP TABLE t")
    return path


def outcome(run: Callable[[], Any]) -> Any:
    """What ``run`` returns, or the code of the QueryError it raises."""
    try:
        return run()
    except QueryError as error:
        return error.code


def page_of(
    path: Path,
    query: RowsQuery,
    *,
    schema: Schema = SCHEMA,
    version: str = "v1",
    con: duckdb.DuckDBPyConnection | None = None,
) -> Page:
    plan = rows_plan(path, schema, query, version=version, counties=COUNTIES)
    return fetch_page(con or shared(), plan, count=True)


def ids(path: Path, *filters: tuple[str, str], **options: Any) -> list[int]:
    """The ids of the rows that ``filters`` keep, in id order unless a sort is given."""
    con = options.pop("con", None)
    query = RowsQuery(
        columns=("id",),
        filters=tuple(Filter.parse(key, value) for key, value in filters),
        sort=options.pop("sort", (Sort("id"),)),
        limit=MAX_LIMIT,
        **options,
    )
    return [row[0] for row in page_of(path, query, con=con).rows]


def refused(path: Path, *filters: tuple[str, str], **options: Any) -> QueryError:
    with pytest.raises(QueryError) as caught:
        ids(path, *filters, **options)
    return caught.value
