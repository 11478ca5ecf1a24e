"""GET /api/v1/datasets/{slug}/aggregate through HTTP, over demo datasets published for real.

Expected groups come from DuckDB reading the published Parquet file and from jdatetime
for the Jalali buckets, never from the query compiler under test.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import jdatetime
import pytest
from django.test import Client

from marja.core.text import to_persian_digits
from marja.query.tests.test_rows_api import (
    Published,
    fast_passwords,
    ok,
    oracle,
    problem,
    publish_second_version,
)

pytestmark = pytest.mark.django_db
__all__ = ["fast_passwords"]  # the autouse fixture, shared with the rows tests


def get_aggregate(client: Client, slug: str, **params: Any) -> Any:
    return client.get(f"/api/v1/datasets/{slug}/aggregate", params)


def refused(client: Client, slug: str, params: dict[str, str], code: str, *named: str) -> None:
    error = problem(get_aggregate(client, slug, **params), 400, code)
    for word in named:
        assert word in error["message_en"], (word, error)
        # Numbers read in Persian digits in the Persian sentence.
        assert to_persian_digits(word) in to_persian_digits(error["message_fa"]), (word, error)
    assert ok(get_aggregate(client, slug))["rows"]  # still up


def test_sum_avg_median_by_county(published: Published, client: Client) -> None:
    version = published("hospital-beds")["hospital-beds"]
    body = ok(
        get_aggregate(
            client,
            "hospital-beds",
            group_by="county",
            measures="sum:active_beds,avg:occupancy,median:active_beds,count",
            year="۱۴۰۲",
            sort="-sum_active_beds",
        )
    )
    columns = [(c["name"], c["type"]) for c in body["columns"]]
    assert columns == [
        ("county", "county"),
        ("sum_active_beds", "integer"),
        ("avg_occupancy", "number"),
        ("median_active_beds", "number"),
        ("count", "integer"),
    ]
    assert body["columns"][0]["label_en"] == "County"
    expected = oracle(
        version,
        "SELECT county, sum(active_beds), avg(occupancy), median(active_beds), count(*) "
        "FROM data WHERE year = 1402 GROUP BY county ORDER BY 2 DESC",
    )
    got = [tuple(row.values()) for row in body["rows"]]
    assert [g[0] for g in got] == [e[0] for e in expected]
    for row, want in zip(got, expected, strict=True):
        assert row[1] == want[1]
        assert row[2] == pytest.approx(want[2])
        assert row[3] == pytest.approx(want[3])
        assert row[4] == want[4]
    assert body["truncated"] is False
    assert body["version"]["number"] == 1


def rainfall_by(version: Any, bucket: str) -> dict[str, tuple[int, float]]:
    """Count and total rainfall per Jalali bucket, worked out with jdatetime."""
    groups: dict[str, list[float]] = defaultdict(list)
    for month, rainfall in oracle(version, "SELECT month, rainfall FROM data"):
        day = jdatetime.date.fromgregorian(date=month)
        season = (day.month - 1) // 3 + 1
        key = {
            "year": f"{day.year}",
            "season": f"{day.year}-{season}",
            "month": f"{day.year}-{day.month:02d}",
        }[bucket]
        groups[key].append(rainfall)
    return {key: (len(values), sum(values)) for key, values in groups.items()}


def test_rainfall_by_jalali_year_and_season(published: Published, client: Client) -> None:
    version = published("rainfall-monthly")["rainfall-monthly"]
    body = ok(
        get_aggregate(
            client,
            "rainfall-monthly",
            group_by="month:year,month:season",
            measures="count,sum:rainfall",
        )
    )
    assert [(c["name"], c["type"]) for c in body["columns"]][:2] == [
        ("month_year", "jalali_year"),
        ("month_season", "jalali_season"),
    ]
    seasons = rainfall_by(version, "season")
    got = {r["month_season"]: (r["count"], r["sum_rainfall"]) for r in body["rows"]}
    assert got.keys() == seasons.keys()
    for key, (count, total) in seasons.items():
        assert got[key][0] == count
        assert got[key][1] == pytest.approx(total)
    assert all(r["month_season"].startswith(r["month_year"] + "-") for r in body["rows"])
    assert [r["month_season"] for r in body["rows"]][:3] == ["1398-3", "1398-4", "1399-1"]

    years = ok(get_aggregate(client, "rainfall-monthly", group_by="month:year", measures="count"))
    assert {r["month_year"]: r["count"] for r in years["rows"]} == {
        key: count for key, (count, _) in rainfall_by(version, "year").items()
    }


def test_rainfall_by_jalali_month_in_one_county(published: Published, client: Client) -> None:
    version = published("rainfall-monthly")["rainfall-monthly"]
    body = ok(
        get_aggregate(
            client,
            "rainfall-monthly",
            group_by="month:month",
            measures="count,avg:rainfall,max:rainy_days",
            county="Tehran",
        )
    )
    [(stations,)] = oracle(
        version, "SELECT count(DISTINCT station) FROM data WHERE county = 'tehran'"
    )
    months = [r["month_month"] for r in body["rows"]]
    assert len(months) == 60  # 1398/07 to 1403/06
    assert months[0] == "1398-07"
    assert months[-1] == "1403-06"
    assert all(re.fullmatch(r"1[34]\d\d-(0[1-9]|1[0-2])", m) for m in months)
    assert {r["count"] for r in body["rows"]} == {stations}


def test_min_max_dates_and_distinct_counts(published: Published, client: Client) -> None:
    version = published("rainfall-monthly")["rainfall-monthly"]
    body = ok(
        get_aggregate(
            client,
            "rainfall-monthly",
            measures="min:month,max:month,count_distinct:station,count_distinct:county",
            dates="jalali",
        )
    )
    [(counties,)] = oracle(version, "SELECT count(DISTINCT county) FROM data")
    assert body["rows"] == [
        {
            "min_month": "1398/07/01",
            "max_month": "1403/06/01",
            "count_distinct_station": 8,
            "count_distinct_county": counties,
        }
    ]
    assert [c["type"] for c in body["columns"]][:2] == ["jalali_date", "jalali_date"]
    iso = ok(get_aggregate(client, "rainfall-monthly", measures="min:month"))["rows"][0]
    assert iso["min_month"] == "2019-09-23"  # 1398/07/01


def test_truncation_and_sort_by_a_measure(published: Published, client: Client) -> None:
    version = published("rainfall-monthly")["rainfall-monthly"]
    body = ok(
        get_aggregate(
            client,
            "rainfall-monthly",
            group_by="month:month",
            measures="sum:rainfall",
            sort="-sum_rainfall",
            limit="5",
        )
    )
    assert body["truncated"] is True
    sums = [r["sum_rainfall"] for r in body["rows"]]
    assert len(sums) == 5
    assert sums == sorted(sums, reverse=True)
    expected = sorted((total for _, total in rainfall_by(version, "month").values()), reverse=True)
    assert sums == pytest.approx(expected[:5])


def test_version_by_hash_prefix(published: Published, client: Client) -> None:
    first = published("hospital-beds")["hospital-beds"]
    second = publish_second_version("hospital-beds")
    for version, reference in ((first, first.sha256[:8]), (second, second.sha256), (first, "1")):
        body = ok(get_aggregate(client, "hospital-beds", version=reference))
        assert body["version"]["number"] == version.number
        assert body["rows"] == [{"count": version.row_count}]
    problem(get_aggregate(client, "hospital-beds", version="ffffffff"), 404, "version_not_found")


def test_permissions(published: Published, client_as: Any) -> None:
    version = published("unfinished-projects")["unfinished-projects"]
    query = {"group_by": "county", "measures": "sum:credit_needed", "sort": "county"}
    viewer = ok(get_aggregate(client_as("governorate.viewer"), "unfinished-projects", **query))
    expected = oracle(
        version, "SELECT county, sum(credit_needed) FROM data GROUP BY county ORDER BY county"
    )
    assert [tuple(r.values()) for r in viewer["rows"]] == expected
    for client in (Client(), client_as("tums.admin")):
        hidden = get_aggregate(client, "unfinished-projects", **query)
        assert problem(hidden, 404, "not_found")["params"] == {}
    assert ok(get_aggregate(client_as("mpo.editor"), "unfinished-projects", **query))["rows"]


def test_unknown_function(published: Published, client: Client) -> None:
    published("rainfall-monthly")
    slug = "rainfall-monthly"
    refused(client, slug, {"measures": "total:rainfall"}, "unknown_function", "total", "median")
    refused(client, slug, {"measures": "sum"}, "measure_needs_column", "sum")
    refused(client, slug, {"measures": "sum:station"}, "function_not_for_type", "station")
    refused(client, slug, {"measures": "count,count"}, "duplicate_output", "count")


def test_bucket_on_a_non_date(published: Published, client: Client) -> None:
    published("rainfall-monthly")
    slug = "rainfall-monthly"
    refused(client, slug, {"group_by": "rainfall:month"}, "bucket_not_for_type", "rainfall")
    refused(client, slug, {"group_by": "month:week"}, "unknown_bucket", "week", "season")
    refused(client, slug, {"group_by": "nosuch"}, "unknown_column", "nosuch")
    refused(client, slug, {"measures": "avg:nosuch"}, "unknown_column", "nosuch")
    refused(client, slug, {"group_by": "station", "sort": "rainfall"}, "unknown_sort", "rainfall")
    refused(client, slug, {"rainfall__gt": "lots"}, "bad_value", "lots", "rainfall")
    refused(client, slug, {"limit": "1000000000"}, "limit_out_of_range", "1000000000")


def test_limit_message_states_a_range_that_works(published: Published, client: Client) -> None:
    # BUG: aggregates refuse limit=0 (aggregate_plan wants 1..10000) but the shared
    # message says «use 0 to 10000».
    published("rainfall-monthly")
    error = problem(get_aggregate(client, "rainfall-monthly", limit="0"), 400, "limit_out_of_range")
    match = re.search(r"use (\d+) to (\d+)", error["message_en"])
    assert match, error
    low, high = match.groups()
    for limit in (low, high):
        ok(get_aggregate(client, "rainfall-monthly", group_by="station", limit=limit))


def test_aggregate_columns_are_labelled_in_both_languages(published, client) -> None:
    published("rainfall-monthly")
    body = client.get(
        "/api/v1/datasets/rainfall-monthly/aggregate?group_by=month:season&measures=avg:rainfall"
    ).json()
    bucket, measure = body["columns"]
    assert (bucket["label_fa"], bucket["label_en"]) == ("ماه (فصل)", "Month (season)")
    assert measure["label_fa"] == "میانگین بارندگی"
    assert measure["label_en"].lower() == "average rainfall"
    assert measure["unit"] == "میلی‌متر"  # an average of millimetres is in millimetres
