"""The index follows every change, inside the change's transaction; `reindex` rebuilds it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction

from marja.accounts.models import Organisation
from marja.catalog.models import County, Dataset, Tag
from marja.catalog.services import DatasetIn, update_dataset
from marja.core.schema import Schema
from marja.ingest.services import update_schema
from marja.search import engine
from marja.search.indexing import index_status, rebuild
from marja.search.models import SearchDocument, SearchFacts
from marja.search.selectors import SearchFilters, SearchRequest, facets_for, search
from marja.search.tests.corpus import published_dataset

pytestmark = pytest.mark.django_db


def found(text: str, **filters: str) -> list[str]:
    results = search(AnonymousUser(), SearchRequest(text, SearchFilters(**filters)))
    return [d.slug for d in results.page(0, 1000)]


def new_dataset(slug: str = "c-ferries", title: str = "کشتی‌های مسافربری", **extra: Any) -> Dataset:
    return published_dataset(slug, title, theme="transport", **extra)


def as_input(dataset: Dataset, **changes: Any) -> DatasetIn:
    fields = {
        name: getattr(dataset, name)
        for name in ("slug", "title_fa", "title_en", "description_fa", "description_en",
                     "publisher", "theme", "licence", "frequency", "access", "status")
    }  # fmt: skip
    fields["tags"] = list(dataset.tags.values_list("name", flat=True))
    fields["counties"] = list(dataset.counties.all())
    return DatasetIn(**{**fields, **changes})


def test_a_new_dataset_is_found_at_once(demo: Any) -> None:
    new_dataset()
    assert found("کشتي") == ["c-ferries"]


def test_a_rolled_back_change_leaves_no_trace_in_the_index(demo: Any) -> None:
    seen_inside = []

    @transaction.atomic
    def failing_change() -> None:
        new_dataset()
        seen_inside.extend(found("کشتی"))  # visible inside its own transaction
        raise RuntimeError("the change fails after the dataset was written")

    with pytest.raises(RuntimeError):
        failing_change()
    assert seen_inside == ["c-ferries"]
    assert found("کشتی") == []
    assert not SearchDocument.objects.filter(dataset__slug="c-ferries").exists()


def test_metadata_changes_are_indexed(demo: Any) -> None:
    from marja.accounts.models import User

    dataset = new_dataset(tags=["دریا"])
    assert found("دریا") == ["c-ferries"]
    editor = User.objects.get(username="mpo.editor")
    update_dataset(
        dataset,
        as_input(dataset, title_fa="قایق‌های تفریحی", tags=["تفریح"],
                 counties=[County.objects.get(code="damavand")]),
        actor=editor,
    )  # fmt: skip
    assert found("کشتی") == [] and found("دریا") == []
    assert found("قایق تفریحی") == ["c-ferries"]
    assert found("تفريح") == ["c-ferries"]
    assert "c-ferries" in found("قایق دماوند")


def test_names_of_organisations_tags_and_counties_are_followed(demo: Any) -> None:
    dataset = new_dataset(tags=["دریا"], counties=[County.objects.get(code="pardis")])
    mpo = Organisation.objects.get(slug="mpo")
    mpo.abbreviation = "سمبا"
    mpo.save()
    assert "c-ferries" in found("سمبا")
    tag = Tag.objects.get(name="دریا")
    tag.name = "دریانوردی"
    tag.save()
    assert found("دریانوردی") == ["c-ferries"]
    county = County.objects.get(code="pardis")
    county.name_en = "Pardis New Town"
    county.save()
    assert "c-ferries" in found("pardis town")
    tag.datasets.clear()  # from the tag's side
    assert found("دریانوردی") == []
    dataset.counties.remove(county)
    assert "c-ferries" not in found("pardis town")


def test_declared_fields_are_searchable(demo: Any) -> None:
    dataset = new_dataset()
    schema = Schema.from_dict(
        {
            "fields": [
                {"name": "passenger_count", "label_fa": "تعداد مسافر", "label_en": "Passengers"}
            ]
        }
    )
    update_schema(dataset, schema, actor=None)
    assert found("مسافر") == ["c-ferries"]
    assert found("passenger") == ["c-ferries"]
    document = SearchDocument.objects.get(dataset=dataset)
    assert document.fields == [["passenger_count", "تعداد مسافر", "Passengers"]]


def test_a_published_version_gives_format_fields_and_freshness(
    demo: Any, published: Callable[..., Any]
) -> None:
    before = SearchFacts.objects.get(dataset__slug="hospital-beds")
    assert before.format == "" and before.data_updated_at is None
    assert not SearchDocument.objects.get(dataset__slug="hospital-beds").fields
    version = published("hospital-beds")["hospital-beds"]
    after = SearchFacts.objects.get(dataset__slug="hospital-beds")
    assert after.format == "csv"
    assert after.data_updated_at == version.published_at
    assert after.due_at is not None and after.due_at > version.published_at
    assert after.quality > before.quality
    assert SearchDocument.objects.get(dataset__slug="hospital-beds").fields
    results = search(AnonymousUser(), SearchRequest("", SearchFilters(format="csv")))
    assert [d.slug for d in results.page(0, 100)] == ["hospital-beds"]
    assert [(v.key, v.count) for v in facets_for(results.ids, SearchFilters())["format"]] == [
        ("csv", 1)
    ]


def test_a_deleted_dataset_leaves_the_index(demo: Any) -> None:
    dataset = new_dataset()
    dataset.delete()
    assert found("کشتی") == []
    assert not SearchDocument.objects.filter(pk=dataset.pk).exists()
    assert not SearchFacts.objects.filter(pk=dataset.pk).exists()


def test_rebuild_restores_a_lost_index(demo: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_document")
    assert found("بیمارستان") == []
    assert not index_status().complete
    assert rebuild() == Dataset.objects.count()
    assert found("بیمارستان") == ["hospital-beds"]
    assert index_status().complete


def test_rebuild_restores_a_dropped_full_text_index(demo: Any) -> None:
    """E.g. a migration that rebuilds ``search_document`` on SQLite drops its triggers."""
    engine.drop_structures(connection)
    assert not index_status().structures
    rebuild()
    assert index_status().structures
    new_dataset()
    assert found("کشتی") == ["c-ferries"]


def test_marja_reindex_and_check(tmp_path: Path) -> None:
    env = {**os.environ, "MARJA_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}

    def marja(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "marja", *args],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    assert marja("load-demo", "--without-data").returncode == 0
    assert "search index: all 20 datasets indexed" in marja("check").stdout
    import sqlite3

    database = sqlite3.connect(tmp_path / "data" / "marja.sqlite3")
    database.execute("DELETE FROM search_document")
    database.commit()
    database.close()
    checked = marja("check")
    assert checked.returncode == 1
    assert "search index: 0 of 20 datasets indexed" in checked.stderr
    assert "marja reindex" in checked.stderr
    reindexed = marja("reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "indexed 20 datasets" in reindexed.stdout
    assert marja("check").returncode == 0
