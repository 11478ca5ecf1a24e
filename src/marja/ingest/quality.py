"""A dataset's measured quality and freshness (the measures are in :mod:`marja.core.quality`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, QuerySet
from django.utils import timezone

from marja.catalog.models import Dataset
from marja.core.quality import (
    Description,
    Quality,
    Timeliness,
    completeness,
    measure,
    timeliness,
    validity,
)
from marja.core.schema import Schema
from marja.ingest.models import DatasetVersion
from marja.ingest.selectors import declared_schema


def describe(dataset: Dataset, schema: Schema | None) -> Description:
    """What documentation looks at; ``dataset``'s counties should be prefetched in lists."""
    fields = schema.fields if schema is not None else ()
    return Description(
        description=dataset.description_fa or dataset.description_en,
        licence=bool(dataset.licence_id),
        temporal=dataset.temporal_start is not None or dataset.temporal_end is not None,
        spatial=bool(dataset.counties.all()),
        frequency=dataset.frequency != Dataset.Frequency.IRREGULAR,
        contact=bool(dataset.contact_name or dataset.contact_email),
        fields=[(bool(f.label_fa or f.label_en), bool(f.description)) for f in fields],
    )


def quality_of(
    dataset: Dataset, latest: DatasetVersion | None, *, now: dt.datetime | None = None
) -> Quality:
    """The quality of ``dataset`` as of ``now``, measured on ``latest``, its current
    version (None when it has none)."""
    schema = Schema.from_dict(latest.schema) if latest is not None else declared_schema(dataset)
    complete = valid = None
    if latest is not None and schema is not None:
        required = [f.name for f in schema.fields if f.required]
        complete = completeness(latest.stats, latest.row_count, required, schema.names)
        valid = validity(latest.row_count, latest.excluded_rows)
    return measure(
        about=describe(dataset, schema),
        last=latest.published_at if latest is not None else None,
        frequency=dataset.frequency,
        now=now or timezone.now(),
        complete=complete,
        valid=valid,
    )


LATE = (Timeliness.LATE, Timeliness.STALE)


def late_datasets(datasets: QuerySet[Dataset]) -> list[tuple[Dataset, Timeliness, dt.datetime]]:
    """Those of ``datasets`` whose new version is overdue, the most overdue first, with
    their timeliness and the time of their last version."""
    now = timezone.now()
    found: list[tuple[Dataset, Timeliness, dt.datetime]] = []
    for dataset in datasets.annotate(last_version=Max("versions__published_at")):
        last = dataset.last_version
        state = timeliness(last, dataset.frequency, now)
        if state in LATE:
            found.append((dataset, state, last))
    found.sort(key=lambda item: item[2])
    return found
