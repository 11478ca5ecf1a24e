"""Quality and freshness, measured and shown: dataset page, organisation page, search, API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from marja.catalog.demo import DemoResult
from marja.ingest.models import DatasetVersion
from marja.search.indexing import index_datasets

BEDS = "hospital-beds"  # quarterly, TUMS


@pytest.fixture
def beds(
    settings: Any, tmp_path: Path, demo: DemoResult, published: Callable[..., Any]
) -> DatasetVersion:
    settings.DATA_DIR = tmp_path
    version: DatasetVersion = published(BEDS)[BEDS]
    return version


def age(version: DatasetVersion, days: int) -> None:
    """Pretend the version was published ``days`` ago (and let search see it)."""
    DatasetVersion.objects.filter(pk=version.pk).update(
        published_at=timezone.now() - dt.timedelta(days=days)
    )
    index_datasets([version.dataset_id])


def test_a_fresh_dataset_is_measured_on_its_data(beds: DatasetVersion) -> None:
    quality = Client().get(f"/api/v1/datasets/{BEDS}").json()["quality"]
    assert quality["timeliness"] == "on_time"
    assert quality["completeness"] == 1.0 and quality["validity"] == 1.0
    assert 0 < quality["documentation"] <= 1
    assert quality["grade"] in "ABCD" and 0 <= quality["score"] <= 100
    page = Client().get(f"/datasets/{BEDS}/").content.decode()
    assert 'data-field="quality"' in page and f'data-grade="{quality["grade"]}"' in page


def test_a_dataset_past_its_frequency_is_late_then_stale(beds: DatasetVersion) -> None:
    client = Client()
    on_time = client.get(f"/api/v1/datasets/{BEDS}").json()["quality"]["score"]
    age(beds, 200)  # quarterly: late after about 137 days
    late = client.get(f"/api/v1/datasets/{BEDS}").json()["quality"]
    assert late["timeliness"] == "late" and late["score"] < on_time
    organisation = client.get("/organisations/tums/").content.decode()
    assert 'data-field="late-datasets"' in organisation and f'data-slug="{BEDS}"' in organisation
    found = client.get("/api/v1/search?timeliness=late").json()
    assert [hit["slug"] for hit in found["results"]] == [BEDS]
    age(beds, 400)
    assert client.get(f"/api/v1/datasets/{BEDS}").json()["quality"]["timeliness"] == "stale"
    page = client.get("/datasets/?timeliness=stale").content.decode()
    assert f'data-slug="{BEDS}"' in page and 'data-facet="timeliness"' in page


def test_the_quality_facet_counts_and_filters_by_grade(beds: DatasetVersion) -> None:
    answer = Client().get("/api/v1/search?limit=100").json()
    grades = {v["key"]: v["count"] for v in answer["facets"]["quality"]}
    assert sum(grades.values()) == answer["count"]
    grade = next(hit for hit in answer["results"] if hit["slug"] == BEDS)["quality_grade"]
    narrowed = Client().get(f"/api/v1/search?limit=100&quality={grade}").json()
    assert BEDS in [hit["slug"] for hit in narrowed["results"]]
    assert narrowed["count"] == grades[grade]
    bad = Client().get("/api/v1/search?quality=Z")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_filter"


def test_undocumented_fields_and_left_out_rows_lower_the_measures(beds: DatasetVersion) -> None:
    from marja.ingest.quality import quality_of

    full = quality_of(beds.dataset, beds)
    DatasetVersion.objects.filter(pk=beds.pk).update(excluded_rows=beds.row_count)
    beds.refresh_from_db()
    halved = quality_of(beds.dataset, beds)
    assert halved.validity == pytest.approx(0.5) and halved.score < full.score


def test_the_worker_reindexes_datasets_that_became_late(beds: DatasetVersion) -> None:
    """Nothing changed, time passed: the stored grade catches up with timeliness."""
    from marja.search.indexing import refresh_upkeep
    from marja.search.models import SearchDocument, SearchFacts

    long_ago = timezone.now() - dt.timedelta(days=200)
    DatasetVersion.objects.filter(pk=beds.pk).update(published_at=long_ago)
    SearchDocument.objects.filter(dataset=beds.dataset).update(indexed_at=long_ago)
    SearchFacts.objects.filter(dataset=beds.dataset).update(
        due_at=long_ago + dt.timedelta(days=137)
    )
    fresh_score = SearchFacts.objects.get(dataset=beds.dataset).score
    assert refresh_upkeep() == 1
    facts = SearchFacts.objects.get(dataset=beds.dataset)
    assert facts.score < fresh_score and facts.stale_at is not None
    assert refresh_upkeep() == 0  # indexed since: nothing more to do
