"""Indicator figures from dataset versions: beds per 1,000 people, by year and county."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from marja.core.indicator_series import (
    Definition,
    Series,
    SeriesError,
    Source,
    compute_series,
)
from marja.core.query import Filter, Measure, QueryError, connect
from marja.core.schema import Field, FieldType, Schema
from marja.core.tests.query_support import write_parquet

T = FieldType
KNOWN = {"tehran", "malard", "varamin"}
ALIASES = {"tehran": "tehran", "تهران": "tehran", "malard": "malard", "varamin": "varamin"}
HOSPITALS = Schema(
    (Field("year", T.INTEGER), Field("county", T.COUNTY), Field("beds", T.INTEGER),
     Field("kind", T.STRING))
)  # fmt: skip
CENSUS = Schema((Field("county", T.COUNTY), Field("population", T.INTEGER)))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    hospitals = write_parquet(
        tmp_path / "h.parquet",
        "year BIGINT, county VARCHAR, beds BIGINT, kind VARCHAR",
        [
            (1401, "tehran", 100, "public"), (1401, "malard", 10, "public"),
            (1402, "tehran", 120, "public"), (1402, "malard", 0, "public"),
            (1402, None, 5, "public"), (1402, "atlantis", 7, "public"),
            (1402, "varamin", 3, "private"),
        ],
    )  # fmt: skip
    census = write_parquet(
        tmp_path / "c.parquet",
        "county VARCHAR, population BIGINT",
        [("tehran", 10000), ("malard", 2000), ("varamin", 0)],
    )
    return hospitals, census


def beds_per_thousand(files: tuple[Path, Path], **numerator: Any) -> Definition:
    hospitals, census = files
    top = Source(hospitals, HOSPITALS, Measure.parse("sum:beds"), period_column="year",
                 county_column="county", dataset="hospital-beds", sha256="a" * 64)  # fmt: skip
    if numerator:
        top = dataclasses.replace(top, **numerator)
    bottom = Source(census, CENSUS, Measure.parse("sum:population"), county_column="county")
    return Definition(top, bottom, scale=1000)


def compute(definition: Definition) -> Series:
    return compute_series(connect(), definition, counties=ALIASES, known_counties=KNOWN)


def test_a_ratio_by_year_and_county(files: tuple[Path, Path]) -> None:
    series = compute(beds_per_thousand(files))
    province = series.province()
    # 1401: 110 beds / 12,000 people; 1402: 135 (rows without or with an unknown county
    # count for the province) / 12,000.
    assert province[1401].value == pytest.approx(110 / 12000 * 1000)
    assert province[1402].value == pytest.approx(135 / 12000 * 1000)
    assert (province[1402].numerator, province[1402].denominator) == (135, 12000)
    counties_1402 = series.counties(1402)
    assert counties_1402["tehran"].value == pytest.approx(12.0)
    assert counties_1402["malard"].value == 0.0
    assert counties_1402["varamin"].value is None
    assert counties_1402["varamin"].note == "zero_denominator"
    assert "atlantis" not in counties_1402 and series.unknown_counties == ["atlantis"]
    # Varamin has no row in 1401: none of its beds, over its (zero) people.
    assert set(series.counties(1401)) == {"tehran", "malard", "varamin"}
    assert series.counties(1401)["varamin"].note == "zero_denominator"


def test_a_county_without_rows_counts_zero_in_a_ratio_of_sums(tmp_path: Path) -> None:
    hospitals = write_parquet(
        tmp_path / "h.parquet",
        "year BIGINT, county VARCHAR, beds BIGINT, kind VARCHAR",
        [(1401, "tehran", 100, "public")],
    )
    census = write_parquet(
        tmp_path / "c.parquet",
        "county VARCHAR, population BIGINT",
        [("tehran", 10000), ("malard", 2000), ("varamin", 3000)],
    )
    series = compute(beds_per_thousand((hospitals, census)))
    counties = series.counties(1401)
    assert (counties["malard"].value, counties["malard"].denominator) == (0.0, 2000)
    # The counties' numerators and denominators add up to the province's.
    assert sum(f.numerator or 0 for f in counties.values()) == series.province()[1401].numerator
    assert sum(f.denominator or 0 for f in counties.values()) == 15000
    averaged = Source(hospitals, HOSPITALS, Measure.parse("avg:beds"), period_column="year",
                      county_column="county")  # fmt: skip
    bottom = beds_per_thousand((hospitals, census)).denominator
    assert "malard" not in compute(Definition(averaged, bottom)).counties(1401)


def test_a_filtered_plain_aggregate(files: tuple[Path, Path]) -> None:
    hospitals, _census = files
    top = Source(hospitals, HOSPITALS, Measure.parse("sum:beds"), (Filter.parse("kind", "public"),),
                 period_column="year", county_column="county")  # fmt: skip
    series = compute(Definition(top))
    assert series.province()[1402].value == 132  # the private 3 left out
    assert series.counties(1402)["tehran"].value == 120
    assert "varamin" not in series.counties(1402)


def test_a_jalali_date_column_gives_the_jalali_year(tmp_path: Path) -> None:
    path = write_parquet(
        tmp_path / "d.parquet",
        "day DATE, amount DOUBLE",
        [(dt.date(2023, 3, 20), 1.0), (dt.date(2023, 3, 21), 2.0), (dt.date(2024, 3, 19), 4.0)],
    )  # 1401/12/29, 1402/01/01, 1402/12/29
    schema = Schema((Field("day", T.JALALI_DATE), Field("amount", T.NUMBER)))
    series = compute(
        Definition(Source(path, schema, Measure.parse("sum:amount"), period_column="day"))
    )
    assert {p: f.value for p, f in series.province().items()} == {1401: 1.0, 1402: 6.0}


def test_a_column_removed_from_the_version_is_named(files: tuple[Path, Path]) -> None:
    with pytest.raises(QueryError) as refused:
        compute(beds_per_thousand(files, measure=Measure.parse("sum:capacity")))
    assert refused.value.code == "unknown_column" and refused.value.params["column"] == "capacity"
    with pytest.raises(QueryError) as refused:
        compute(beds_per_thousand(files, county_column="district"))
    assert refused.value.params["column"] == "district"


def test_a_definition_without_a_period_or_with_a_bad_one_is_refused(
    files: tuple[Path, Path],
) -> None:
    with pytest.raises(SeriesError) as refused:
        compute(beds_per_thousand(files, period_column=None))
    assert refused.value.code == "period_column_missing"
    numbers = Schema((Field("year", T.INTEGER), Field("county", T.COUNTY), Field("beds", T.NUMBER)))
    with pytest.raises(SeriesError) as refused:
        compute(beds_per_thousand(files, period_column="beds", schema=numbers))
    assert refused.value.code == "period_column_type"


def test_periods_that_are_not_years_are_named_and_left_out(tmp_path: Path) -> None:
    path = write_parquet(
        tmp_path / "p.parquet", "period VARCHAR, n BIGINT",
        [("1401", 1), ("۱۴۰۲", 2), ("1402/03", 5), ("next year", 7)],
    )  # fmt: skip
    schema = Schema((Field("period", T.STRING), Field("n", T.INTEGER)))
    series = compute(
        Definition(Source(path, schema, Measure.parse("sum:n"), period_column="period"))
    )
    assert {p: f.value for p, f in series.province().items()} == {1401: 1.0, 1402: 2.0}
    assert sorted(series.bad_periods) == ["1402/03", "next year"]
