"""The query compiler: aggregates and Jalali time buckets."""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jdatetime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marja.core.query import (
    AggregateQuery,
    Filter,
    Group,
    Measure,
    QueryError,
    Sort,
    aggregate_plan,
    fetch_table,
)
from marja.core.schema import Field, Schema
from marja.core.tests.query_support import (
    COUNTIES,
    ROWS,
    SCHEMA,
    T,
    outcome,
    shared,
    write_parquet,
)

# --- aggregates ----------------------------------------------------------------------------


def aggregate(path: Path, query: AggregateQuery, schema: Schema = SCHEMA):
    return fetch_table(shared(), aggregate_plan(path, schema, query, counties=COUNTIES))


def test_aggregate_with_each_function(table: Path) -> None:
    measures = tuple(
        Measure.parse(m)
        for m in (
            "count", "count:score", "sum:score", "avg:score", "min:score", "max:score",
            "median:score", "count_distinct:county", "sum:id", "min:day", "max:name",
        )
    )  # fmt: skip
    result = aggregate(table, AggregateQuery(groups=(Group("grp"),), measures=measures))
    names = [c.name for c in result.columns]
    assert names == ["grp", *(m.alias for m in measures)]
    types = dict(zip(names, (c.type for c in result.columns), strict=True))
    assert types["count"] == types["count_distinct_county"] == types["sum_id"] == "integer"
    assert types["avg_score"] == types["median_score"] == "number"
    assert types["min_day"] == "jalali_date"
    expected = []
    for grp in (10, 20, 30, None):
        rows = [r for r in ROWS if r[1] == grp]
        scores = [r[3] for r in rows if r[3] is not None]
        expected.append(
            (
                grp,
                len(rows),
                len(scores),
                sum(scores),
                statistics.fmean(scores),
                min(scores),
                max(scores),
                statistics.median(scores),
                len({r[6] for r in rows if r[6] is not None}),
                sum(r[0] for r in rows),
                min((r[4] for r in rows if r[4]), default=None),
                max((r[2] for r in rows if r[2]), default=None),
            )
        )
    assert len(result.rows) == len(expected)
    for got, want in zip(result.rows, expected, strict=True):
        assert [pytest.approx(v) if isinstance(v, float) else v for v in want] == list(got)
    assert not result.truncated


def test_aggregate_without_groups_and_with_filters(table: Path) -> None:
    result = aggregate(table, AggregateQuery(measures=(Measure.parse("count"),)))
    assert result.rows == [(len(ROWS),)]
    result = aggregate(
        table,
        AggregateQuery(
            groups=(Group("county"),),
            measures=(Measure.parse("sum:score"),),
            filters=(Filter.parse("county__in", "تهران,رباط‌کریم"),),
            sort=(Sort("sum_score", True),),
        ),
    )
    assert result.rows == [("robatkarim", 1002.75), ("tehran", 4.5)]


def test_aggregate_sort_and_truncation(table: Path) -> None:
    query = AggregateQuery(groups=(Group("grp"),), sort=(Sort("count", True), Sort("grp")), limit=2)
    result = aggregate(table, query)
    assert result.rows == [(10, 3), (20, 2)]
    assert result.truncated


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        (AggregateQuery(measures=(Measure.parse("sum:name"),)), "function_not_for_type", "name"),
        (AggregateQuery(measures=(Measure.parse("avg:day"),)), "function_not_for_type", "day"),
        (
            AggregateQuery(measures=(Measure.parse("min:active"),)),
            "function_not_for_type",
            "active",
        ),
        (AggregateQuery(measures=(Measure.parse("sum:nosuch"),)), "unknown_column", "nosuch"),
        (AggregateQuery(groups=(Group("nosuch"),)), "unknown_column", "nosuch"),
        (AggregateQuery(groups=(Group.parse("grp:month"),)), "bucket_not_for_type", "grp"),
        (AggregateQuery(groups=(Group.parse("name:year"),)), "bucket_not_for_type", "name"),
        (AggregateQuery(measures=()), "no_measures", None),
        (AggregateQuery(measures=(Measure.parse("count"),) * 2), "duplicate_output", None),
        (AggregateQuery(groups=(Group("grp"),), sort=(Sort("id"),)), "unknown_sort", "id"),
        (AggregateQuery(limit=0), "limit_out_of_range", None),
        (AggregateQuery(limit=10**9), "limit_out_of_range", None),
    ],
)
def test_bad_aggregates(table: Path, query: AggregateQuery, code: str, detail: str | None) -> None:
    with pytest.raises(QueryError) as caught:
        aggregate(table, query)
    assert caught.value.code == code
    if detail:
        assert caught.value.params["column"] == detail


@pytest.mark.parametrize(
    ("text", "code", "param"),
    [("total", "unknown_function", "function"), ("sum", "measure_needs_column", "function")],
)
def test_bad_measures(text: str, code: str, param: str) -> None:
    with pytest.raises(QueryError) as caught:
        Measure.parse(text)
    assert caught.value.code == code
    assert caught.value.params[param] == text


# --- Jalali buckets ------------------------------------------------------------------------


def jalali_labels(day: dt.date) -> dict[str, str]:
    j = jdatetime.date.fromgregorian(date=day)
    return {
        "year": str(j.year),
        "season": f"{j.year}-{(j.month - 1) // 3 + 1}",
        "month": f"{j.year}-{j.month:02d}",
    }


def bucket_counts(folder: Path, days: Sequence[dt.date]) -> dict[str, Counter[Any]]:
    path = write_parquet(folder / "days.parquet", "day DATE", [(d,) for d in days])
    schema = Schema((Field("day", T.JALALI_DATE),))
    counts = {}
    for bucket in ("year", "season", "month"):
        query = AggregateQuery(groups=(Group.parse(f"day:{bucket}"),))
        result = aggregate(path, query, schema)
        assert result.columns[0].name == f"day_{bucket}"
        assert result.columns[0].type == f"jalali_{bucket}"
        counts[bucket] = Counter(dict(result.rows))
    return counts


def expected_counts(days: Sequence[dt.date]) -> dict[str, Counter[Any]]:
    return {
        bucket: Counter(jalali_labels(d)[bucket] for d in days)
        for bucket in ("year", "season", "month")
    }


def edge_days() -> list[dt.date]:
    """Around each Nowruz, the Shahrivar/Mehr boundary and Esfand's end; each 1 January."""
    days = []
    for year in range(1300, 1481):
        nowruz = jdatetime.date(year, 1, 1).togregorian()
        days += [nowruz - dt.timedelta(days=1), nowruz, nowruz + dt.timedelta(days=1)]
        days += [jdatetime.date(year, m, 1).togregorian() for m in range(2, 13)]
        days.append(jdatetime.date(year, 6, 31).togregorian())
        gregorian = nowruz.year
        days += [dt.date(gregorian, 1, 1), dt.date(gregorian, 1, 2), dt.date(gregorian, 12, 31)]
    days.append(dt.date(2025, 3, 20))  # 1403/12/30: 1403 is a leap year
    return days


def test_buckets_around_nowruz_and_month_edges(tmp_path: Path) -> None:
    days = edge_days()
    assert jalali_labels(dt.date(2025, 3, 20))["month"] == "1403-12"
    assert bucket_counts(tmp_path, days) == expected_counts(days)


def test_buckets_every_few_days_for_three_centuries(tmp_path: Path) -> None:
    first, last = dt.date(1821, 3, 21), dt.date(2121, 12, 31)
    days = [first + dt.timedelta(days=n) for n in range(0, (last - first).days + 1, 17)]
    assert bucket_counts(tmp_path, days) == expected_counts(days)


@settings(max_examples=25, deadline=None)
@given(
    days=st.lists(st.dates(dt.date(1821, 3, 21), dt.date(2121, 12, 31)), min_size=1, max_size=30)
)
def test_buckets_equal_jdatetime(days: list[dt.date]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert bucket_counts(Path(folder), days) == expected_counts(days)


def test_buckets_outside_the_nowruz_table_are_never_wrong(tmp_path: Path) -> None:
    # The Nowruz list covers Jalali 1000-1700; a list index outside it once counted from
    # the end (negative) and gave impossible buckets (a month «-3»).
    days = [dt.date(1800, 6, 1), dt.date(2150, 6, 1)]
    counts = outcome(lambda: bucket_counts(tmp_path, days))
    assert counts == expected_counts(days) or isinstance(counts, str)


def test_buckets_with_rows(table: Path) -> None:
    result = aggregate(
        table,
        AggregateQuery(
            groups=(Group.parse("day:season"),),
            measures=(Measure.parse("count"), Measure.parse("sum:grp")),
        ),
    )
    assert result.rows == [
        ("1401-4", 1, 10),
        ("1402-1", 1, 10),
        ("1402-2", 1, 20),
        ("1402-3", 1, 20),
        ("1402-4", 1, 30),
        ("1403-1", 1, 10),
        ("1403-4", 1, 30),
        (None, 1, None),
    ]
