"""A limited grant narrows the table before anything else: hidden columns are unknown to
every kind of query, and rows outside the grant are never read."""

from __future__ import annotations

from pathlib import Path

import pytest

from marja.core.query import (
    AggregateQuery,
    Filter,
    Group,
    Measure,
    QueryError,
    RowsQuery,
    Sort,
    aggregate_plan,
    export_plan,
    fetch_page,
    fetch_table,
    rows_plan,
)
from marja.core.restriction import Restriction, RestrictionError, RowLimit, TableSource
from marja.core.sandbox import SqlError, run_readonly_sql
from marja.core.tests.query_support import COUNTIES, ROWS, SCHEMA, shared

TEHRAN_ONLY = Restriction(columns=("id", "county", "score"), rows=RowLimit("county", ("tehran",)))
TEHRAN_IDS = [r[0] for r in ROWS if r[6] == "tehran"]


def test_a_page_has_only_the_granted_columns_and_rows(table: Path) -> None:
    plan = rows_plan(
        table, SCHEMA, RowsQuery(sort=(Sort("id"),)), version="v", restriction=TEHRAN_ONLY
    )
    page = fetch_page(shared(), plan, count=True)
    assert [c.name for c in page.columns] == ["id", "score", "county"]
    assert [row[0] for row in page.rows] == TEHRAN_IDS
    assert page.total == len(TEHRAN_IDS)


@pytest.mark.parametrize(
    "query",
    [
        RowsQuery(columns=("name",)),
        RowsQuery(filters=(Filter("name", "eq", "کتاب"),)),  # type: ignore[arg-type]
        RowsQuery(sort=(Sort("day"),)),
    ],
)
def test_a_hidden_column_is_unknown_whatever_asks_for_it(table: Path, query: RowsQuery) -> None:
    with pytest.raises(QueryError) as caught:
        rows_plan(table, SCHEMA, query, version="v", restriction=TEHRAN_ONLY)
    assert caught.value.code == "unknown_column"
    assert "name" not in caught.value.params["known"]


def test_text_search_does_not_look_into_hidden_columns(table: Path) -> None:
    """«کتاب» is only in the hidden ``name`` column: searching for it finds nothing to search."""
    with pytest.raises(QueryError) as caught:
        rows_plan(table, SCHEMA, RowsQuery(text="کتاب"), version="v", restriction=TEHRAN_ONLY)
    assert caught.value.code == "no_text_columns"


def test_a_cursor_walks_the_granted_rows_only(table: Path) -> None:
    seen: list[int] = []
    cursor = ""
    while True:
        query = RowsQuery(columns=("id",), sort=(Sort("id"),), limit=1, cursor=cursor)
        page = fetch_page(
            shared(), rows_plan(table, SCHEMA, query, version="v", restriction=TEHRAN_ONLY)
        )
        seen += [row[0] for row in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == TEHRAN_IDS


def test_aggregates_and_exports_count_the_granted_rows_only(table: Path) -> None:
    plan = aggregate_plan(
        table,
        SCHEMA,
        AggregateQuery(groups=(Group("county"),), measures=(Measure.parse("count"),)),
        counties=COUNTIES,
        restriction=TEHRAN_ONLY,
    )
    assert fetch_table(shared(), plan).rows == [("tehran", len(TEHRAN_IDS))]
    with pytest.raises(QueryError):
        aggregate_plan(
            table,
            SCHEMA,
            AggregateQuery(measures=(Measure.parse("max:day"),)),
            restriction=TEHRAN_ONLY,
        )
    export = export_plan(table, SCHEMA, RowsQuery(), restriction=TEHRAN_ONLY)
    assert len(shared().execute(export.sql, export.params).fetchall()) == len(TEHRAN_IDS)


def test_a_restriction_that_no_longer_fits_fails_closed() -> None:
    gone = Restriction(rows=RowLimit("province", ("tehran",)))
    with pytest.raises(RestrictionError) as caught:
        gone.schema(SCHEMA)
    assert caught.value.params == {"column": "province"}
    with pytest.raises(RestrictionError) as none_left:
        Restriction(columns=("national_id",)).schema(SCHEMA)
    assert none_left.value.code == "no_columns_left"
    some = Restriction(columns=("id", "national_id"))
    assert some.schema(SCHEMA).names == ["id"]
    assert some.missing_columns(SCHEMA) == ["national_id"]


def test_statistics_are_of_granted_columns_and_hidden_when_rows_are_limited() -> None:
    stats: list[dict[str, object]] = [{"field": "id", "min": 1}, {"field": "name", "min": "a"}]
    assert Restriction(columns=("id",)).stats(stats) == [{"field": "id", "min": 1}]
    assert TEHRAN_ONLY.stats(stats) is None
    assert Restriction().stats(stats) == stats


def test_sql_sees_the_granted_table_only(table: Path) -> None:
    views = {"beds": TableSource(table, SCHEMA, TEHRAN_ONLY)}
    result = run_readonly_sql("SELECT * FROM beds ORDER BY id", views)
    assert result.columns == ["id", "score", "county"]
    assert [row[0] for row in result.rows] == TEHRAN_IDS
    counted = run_readonly_sql("SELECT count(*) FROM beds WHERE county <> 'tehran'", views)
    assert counted.rows == [(0,)]
    with pytest.raises(SqlError) as hidden:
        run_readonly_sql("SELECT name FROM beds", views)
    assert hidden.value.code in {"syntax", "failed"}
    with pytest.raises(SqlError) as around:
        run_readonly_sql("SELECT * FROM read_parquet('" + str(table) + "')", views)  # noqa: S608
    assert around.value.code == "forbidden"
