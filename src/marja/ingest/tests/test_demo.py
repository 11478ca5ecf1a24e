"""The demo data: published through the real pipeline, in many formats, labelled honestly."""

import ast
from pathlib import Path
from typing import Any

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset
from marja.core.schema import Field, FieldType, Schema
from marja.ingest import demo as demo_module
from marja.ingest.demo import DemoDataError, publish_demo_data
from marja.ingest.demo_files.common import DEMO_DIR, DemoData, write_text
from marja.ingest.demo_files.planning import CREDIT_SHEET, CREDITS_WORKBOOK, capital_credit_rows
from marja.ingest.demo_files.services import SCHOOLS_WORKBOOK, school_rows
from marja.ingest.models import DatasetVersion, Publication
from marja.ingest.storage import object_store

pytestmark = pytest.mark.django_db

SYNTHETIC_FA = "ارقام این مجموعه ساختگی و فقط برای نمایش است."
SYNTHETIC_EN = "Synthetic figures, for demonstration only."


def one(sql: str, parquet: Path) -> tuple[Any, ...]:
    row = duckdb.connect().execute(sql, [str(parquet)]).fetchone()
    assert row is not None
    return row


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_demo_data_is_published_through_the_pipeline(demo: DemoResult, data_dir: Path) -> None:
    seen: list[str] = []
    published = publish_demo_data(progress=seen.append)

    assert published == len(seen) >= 18
    firsts = DatasetVersion.objects.filter(number=1).select_related("dataset")
    assert firsts.count() == published
    assert set(Publication.objects.values_list("status", flat=True)) == {"published"}
    assert Publication.objects.filter(channel="demo").count() == published
    assert not Dataset.objects.get(slug="county-population-1390").versions.exists()

    census = firsts.get(dataset__slug="county-population-1395")
    parquet = object_store().open(census.sha256)
    total, counties = one(
        "SELECT sum(population), count(DISTINCT county) FROM read_parquet(?)", parquet
    )
    assert (total, counties) == (13_267_637, 16)
    assert "Statistical Centre of Iran" in census.note and "مرکز آمار ایران" in census.note

    formats = {v.read["format"] for v in firsts}
    assert {"csv", "tsv", "xlsx", "json", "ndjson", "parquet"} <= formats
    encodings = {v.read["encoding"] for v in firsts}
    assert {"utf-8", "utf-8-sig", "windows-1256"} <= encodings
    assert {v.read["delimiter"] for v in firsts if v.read["format"] == "csv"} >= {",", ";", "|"}
    credits = firsts.get(dataset__slug="capital-credits-by-county")
    assert credits.read["sheet"] == CREDIT_SHEET  # the second sheet, named by the demo

    # «۱۴۰۲-۰۱-۰۱» is 21 March 2023; AQI and PM2.5 were typed in Persian digits.
    air = object_store().open(firsts.get(dataset__slug="air-quality-index").sha256)
    date, aqi, pm25 = one("SELECT min(date), max(aqi), max(pm25) FROM read_parquet(?)", air)
    assert str(date) == "2023-03-21" and 0 < aqi <= 500 and pm25 > 0
    # «۱۲٬۳۴۵» is read as a number; counties typed by Persian name are stored by code.
    crops = object_store().open(firsts.get(dataset__slug="crop-production").sha256)
    production, county = one("SELECT sum(production), min(county) FROM read_parquet(?)", crops)
    assert production > 100_000 and county == "damavand"

    for version in firsts.exclude(pk=census.pk):
        dataset = version.dataset
        assert SYNTHETIC_EN in version.note, dataset.slug
        assert SYNTHETIC_FA in dataset.description_fa, dataset.slug
        assert SYNTHETIC_EN in dataset.description_en, dataset.slug

    assert publish_demo_data() == 0
    assert DatasetVersion.objects.count() == published
    assert Publication.objects.count() == published


def test_a_refused_demo_file_names_its_first_problems(
    demo: DemoResult, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = Schema(
        fields=(
            Field("county", FieldType.COUNTY, "شهرستان", "County", required=True),
            Field("population", FieldType.INTEGER, "جمعیت", "Population", minimum=0),
        ),
        primary_key=("county",),
    )
    broken = DemoData(
        "county-population-1390",
        "broken.csv",
        declared,
        lambda path: write_text(path, ["شهرستان", "جمعیت"], [("ورامین", "-5")]),
    )
    monkeypatch.setattr(demo_module, "demo_data", lambda: [broken])
    with pytest.raises(DemoDataError) as error:
        publish_demo_data()
    message = str(error.value)
    assert "county-population-1390" in message and "rejected" in message
    assert "minimum" in message and "'-5'" in message


def test_shipped_workbooks_hold_what_their_builders_make() -> None:
    def numbers(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
        return [
            tuple(int(v) if isinstance(v, float) and v.is_integer() else v for v in r) for r in rows
        ]

    book = CalamineWorkbook.from_path(str(DEMO_DIR / CREDITS_WORKBOOK))
    assert book.sheet_names == ["راهنما", CREDIT_SHEET]
    table = book.get_sheet_by_name(CREDIT_SHEET).to_python()
    assert numbers(table[1:]) == numbers([list(r) for r in capital_credit_rows()])
    book = CalamineWorkbook.from_path(str(DEMO_DIR / SCHOOLS_WORKBOOK))
    table = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert numbers(table[1:]) == numbers([list(r) for r in school_rows()])


def test_runtime_demo_code_does_not_import_openpyxl() -> None:
    runtime = [Path(demo_module.__file__)] + [
        p for p in DEMO_DIR.glob("*.py") if p.name != "make_workbooks.py"
    ]
    for path in runtime:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {m for m in imported if m.split(".")[0] == "openpyxl"}, path.name
