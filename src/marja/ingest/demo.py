"""Demo data, published through the real pipeline.

``marja load-demo`` first loads the demo province's catalog entries
(:mod:`marja.catalog.demo`), then calls :func:`publish_demo_data`, which gives each demo
dataset its first version the way a publisher would: declare the schema, then upload a
file. The files are written on the spot (or copied, for the shipped workbooks) in a mix
of formats, encodings and Persian spellings, so that the demo exercises what real
agencies send. Only the 1395 census figures are real; every other dataset says, in its
description and in its version note, that its figures are synthetic.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from marja.accounts.models import Organisation
from marja.catalog.demo import DEMO_GRANT_DAYS
from marja.catalog.grants import GrantIn, give_grant
from marja.catalog.models import Dataset
from marja.catalog.selectors import active_grants
from marja.core.schema import Schema
from marja.ingest.demo_files import environment, planning, services
from marja.ingest.demo_files.common import DemoData
from marja.ingest.models import Publication
from marja.ingest.selectors import current_version
from marja.ingest.services import (
    PublishRequest,
    request_publication,
    update_schema,
    upload_from_path,
)

#: How many problems of a refused demo file the error names.
SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class LimitedGrant:
    """A demo grant of some columns and rows, given once the dataset has columns."""

    dataset: str
    organisation: str
    purpose: str
    columns: tuple[str, ...]
    row_column: str
    row_values: tuple[str, ...]


LIMITED_GRANTS = (
    LimitedGrant(
        "unfinished-projects",
        "farmandari-varamin",
        "پیگیری طرح‌های نیمه‌تمام شهرستان ورامین در شورای برنامه‌ریزی شهرستان",
        ("project_code", "title", "county", "start_year", "physical_progress", "last_visit"),
        "county",
        ("varamin",),
    ),
)


class DemoDataError(RuntimeError):
    """A demo file the pipeline did not publish: a bug in the demo data or the pipeline."""


def demo_data() -> list[DemoData]:
    """Every demo file, in publishing order. ``county-population-1390`` has none."""
    return [
        planning.census(),
        planning.capital_credits(),
        planning.unfinished_projects(),
        services.schools_and_students(),
        services.hospital_beds(),
        services.vaccination_coverage(),
        environment.road_accidents(),
        services.drinking_water(),
        planning.unemployment_insurance(),
        environment.heritage_sites(),
        environment.air_quality(),
        environment.crop_production(),
        planning.municipal_revenue(),
        services.electricity_subscribers(),
        services.water_subscribers(),
        planning.permits_issued(),
        environment.rainfall(),
        services.health_centres(),
        planning.industrial_units(),
    ]


def publish_demo_data(progress: Callable[[str], None] = lambda slug: None) -> int:
    """Publish version 1 of every demo dataset that has no version yet; return how many.

    A dataset that already has a version is left alone, so a second run publishes
    nothing. Raises :class:`DemoDataError` when the pipeline refuses a demo file.
    """
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    published = 0
    # In the data folder, so that staging the file is a hard link, not a copy.
    with tempfile.TemporaryDirectory(prefix="demo-", dir=data_dir) as folder:
        for item in demo_data():
            dataset = Dataset.objects.filter(slug=item.slug).first()
            if dataset is None or dataset.versions.exists():
                continue
            progress(item.slug)
            _publish(dataset, item, Path(folder))
            published += 1
    give_limited_grants()
    return published


def give_limited_grants() -> int:
    """Give the demo's limited grants that are not in force; return how many were given."""
    given = 0
    for item in LIMITED_GRANTS:
        dataset = Dataset.objects.filter(slug=item.dataset).first()
        grantee = Organisation.objects.filter(slug=item.organisation).first()
        version = current_version(dataset) if dataset is not None else None
        if dataset is None or grantee is None or version is None:
            continue
        if active_grants(dataset, Organisation.objects.filter(pk=grantee.pk)).exists():
            continue
        terms = GrantIn(
            organisation=grantee,
            purpose=item.purpose,
            expires_on=timezone.localdate() + dt.timedelta(days=DEMO_GRANT_DAYS),
            columns=list(item.columns),
            row_column=item.row_column,
            row_values=list(item.row_values),
        )
        give_grant(dataset, terms, schema=Schema.from_dict(version.schema), actor=None)
        given += 1
    return given


def publish_demo_dataset(slug: str) -> Publication:
    """Publish the demo file of one dataset (a new version each call); for tests."""
    item = next(d for d in demo_data() if d.slug == slug)
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-", dir=data_dir) as folder:
        return _publish(Dataset.objects.get(slug=slug), item, Path(folder))


def _publish(dataset: Dataset, item: DemoData, folder: Path) -> Publication:
    update_schema(dataset, item.schema, actor=None)
    path = folder / item.file_name
    item.write(path)
    upload = upload_from_path(path, actor=None, original_name=item.file_name)
    publication = request_publication(
        dataset,
        upload,
        actor=None,
        request=PublishRequest(options=item.options, note=item.note, channel="demo"),
        background=False,
    )
    path.unlink(missing_ok=True)
    if publication.status != Publication.Status.PUBLISHED:
        raise DemoDataError(_explain(item, publication))
    return publication


def _explain(item: DemoData, publication: Publication) -> str:
    text = f"demo file {item.file_name} for {item.slug} was {publication.status}"
    if publication.error:
        text += f" ({publication.error})"
    report = publication.report or {}
    problems = report.get("problems") or []
    if problems:
        shown = "; ".join(
            f"{p['rule']} row {p.get('row')} column {p.get('column')} value {p.get('value')!r}"
            f" {p.get('params') or ''}".rstrip()
            for p in problems[:SHOWN_PROBLEMS]
        )
        text += f": {report.get('bad_rows', 0)} bad rows; first problems: {shown}"
    return text
