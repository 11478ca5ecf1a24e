"""Actuals computed from the demo's published datasets, and what a failure leaves."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from marja.accounts.models import Organisation
from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset
from marja.indicators.computation import recompute, recompute_using
from marja.indicators.models import Actual, Goal, Indicator, Plan
from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store

BEDS, CENSUS = "hospital-beds", "county-population-1395"


@pytest.fixture
def sources(
    settings: Any,
    tmp_path: Path,
    demo: DemoResult,
    published: Callable[..., dict[str, DatasetVersion]],
) -> dict[str, DatasetVersion]:
    settings.DATA_DIR = tmp_path
    return published(BEDS, CENSUS)


def indicator(code: str, **fields: Any) -> Indicator:
    plan, _ = Plan.objects.get_or_create(
        slug="seventh", defaults={"name_fa": "برنامهٔ هفتم", "start_year": 1403, "end_year": 1407}
    )
    goal, _ = Goal.objects.get_or_create(plan=plan, code="3", defaults={"title_fa": "سلامت"})
    defaults: dict[str, Any] = {
        "name_fa": "تخت فعال به ازای هزار نفر",
        "owner": Organisation.objects.get(slug="tums"),
        "direction": Indicator.Direction.HIGHER,
        "baseline_year": 1401,
        "origin": Indicator.Origin.DATASET,
        "dataset": Dataset.objects.get(slug=BEDS),
        "measure": "sum:active_beds",
        "filters": [["quarter", "1"]],
        "period_column": "year",
        "county_column": "county",
        "denominator_dataset": Dataset.objects.get(slug=CENSUS),
        "denominator_measure": "sum:population",
        "denominator_county_column": "county",
        "scale": 1000,
    }
    return Indicator.objects.create(plan=plan, goal=goal, code=code, **{**defaults, **fields})


def expected(versions: dict[str, DatasetVersion], year: int, county: str | None) -> float:
    """The same figure straight from the Parquet files with DuckDB."""
    beds = object_store().path_for(versions[BEDS].sha256)
    census = object_store().path_for(versions[CENSUS].sha256)
    where = "AND county = $county" if county else ""
    con = duckdb.connect()
    params: dict[str, Any] = {"year": year} | ({"county": county} if county else {})
    (top,) = con.execute(
        f"SELECT sum(active_beds) FROM '{beds}' WHERE year = $year AND quarter = 1 {where}",  # noqa: S608
        params,
    ).fetchone() or (None,)
    (bottom,) = con.execute(
        f"SELECT sum(population) FROM '{census}' WHERE true {where}",  # noqa: S608
        {"county": county} if county else {},
    ).fetchone() or (None,)
    return float(top) * 1000 / float(bottom)


def test_beds_per_thousand_people_by_year_and_county(sources: dict[str, DatasetVersion]) -> None:
    beds = indicator("3.1")
    outcome = recompute(beds)
    assert outcome.ok, outcome.error
    province = {a.year: a for a in Actual.objects.filter(indicator=beds, county=None)}
    assert set(province) == {1401, 1402, 1403}
    assert province[1402].value == pytest.approx(expected(sources, 1402, None))
    tehran = Actual.objects.get(indicator=beds, year=1402, county__code="tehran")
    assert tehran.value == pytest.approx(expected(sources, 1402, "tehran"))
    assert tehran.sources == [
        {"dataset": BEDS, "version": 1, "sha256": sources[BEDS].sha256},
        {"dataset": CENSUS, "version": 1, "sha256": sources[CENSUS].sha256},
    ]
    assert beds.computation_error == {} and beds.computed_at is not None


def test_a_removed_column_is_named_and_the_previous_actuals_kept(
    sources: dict[str, DatasetVersion],
) -> None:
    beds = indicator("3.1")
    other = indicator("3.2", measure="count", denominator_dataset=None, scale=1)
    assert recompute(beds).ok
    kept = Actual.objects.filter(indicator=beds).count()
    Indicator.objects.filter(pk=beds.pk).update(measure="sum:beds_removed")
    beds.refresh_from_db()
    outcomes = recompute_using(Dataset.objects.get(slug=BEDS))
    by_code = {o.indicator.code: o for o in outcomes}
    assert by_code["3.1"].error["code"] == "unknown_column"
    assert by_code["3.1"].error["params"]["column"] == "beds_removed"
    assert by_code["3.2"].ok and Actual.objects.filter(indicator=other).exists()
    assert Actual.objects.filter(indicator=beds).count() == kept
    beds.refresh_from_db()
    assert beds.computation_error["code"] == "unknown_column"


def test_a_zero_denominator_leaves_the_value_empty_with_the_reason(
    sources: dict[str, DatasetVersion],
) -> None:
    # Households are not known for every county: a county without them divides by nothing.
    per_household = indicator("3.3", denominator_measure="sum:households")
    assert recompute(per_household).ok
    notes = set(
        Actual.objects.filter(indicator=per_household, value=None).values_list("note", flat=True)
    )
    assert notes <= {"zero_denominator", "no_denominator"} and notes


def test_a_new_version_recomputes_the_indicators_built_on_it(
    sources: dict[str, DatasetVersion],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    from django.core.management import call_command

    from marja.ingest.demo import _publish, demo_data

    beds = indicator("3.1")
    assert not Actual.objects.filter(indicator=beds).exists()
    census = next(d for d in demo_data() if d.slug == CENSUS)

    def with_more_people(path: Path) -> None:  # Tehran's population revised
        census.write(path)
        text = path.read_text(encoding="utf-8").splitlines()
        text.append(text.pop(1).replace("8737510", "8737600"))
        path.write_text("\n".join(text) + "\n", encoding="utf-8")

    revised = dataclasses.replace(census, write=with_more_people)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publication = _publish(Dataset.objects.get(slug=CENSUS), revised, Path(settings.DATA_DIR))
    assert publication.version is not None and publication.version.number == 2
    assert callbacks, "no recomputation was queued"
    module = "django_tasks_db.management.commands.db_worker"
    monkeypatch.setattr(f"{module}.close_old_connections", lambda: None)
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    actual = Actual.objects.filter(indicator=beds, county=None).first()
    assert actual is not None
    assert actual.sources[1] == {
        "dataset": CENSUS,
        "version": 2,
        "sha256": publication.version.sha256,
    }
