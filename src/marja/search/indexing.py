"""Keeping the search index in step with the catalog.

:func:`index_datasets` runs inside the transaction of the change that calls it (through
the signals in :mod:`marja.search.signals`), so a change and its index entry are
committed together or not at all. :func:`rebuild` makes the whole index again
(``marja reindex``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from marja.catalog.models import Dataset
from marja.core.fulltext import document_key, sort_key
from marja.ingest.models import DatasetSchema, DatasetVersion
from marja.ingest.quality import quality_of
from marja.search import engine
from marja.search.models import SearchDocument, SearchFacts

#: Labels of the source formats, as the format facet shows them.
FORMAT_LABELS = {
    "csv": "CSV", "tsv": "TSV", "xlsx": "XLSX", "xls": "XLS", "json": "JSON",
    "ndjson": "NDJSON", "parquet": "Parquet", "ods": "ODS",
}  # fmt: skip

_BATCH = 500


def _with_everything(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    latest = DatasetVersion.objects.order_by("dataset_id", "-number").only(
        "dataset_id",
        "number",
        "schema",
        "read",
        "published_at",
        "stats",
        "row_count",
        "excluded_rows",
    )
    return datasets.select_related("publisher", "theme", "licence").prefetch_related(
        "tags",
        "counties",
        Prefetch("versions", queryset=latest, to_attr="versions_newest_first"),
        Prefetch("schema", queryset=DatasetSchema.objects.only("dataset_id", "definition")),
    )


def _declared_fields(dataset: Dataset) -> list[dict[str, Any]]:
    try:
        definition = dataset.schema.definition
    except DatasetSchema.DoesNotExist:
        versions = dataset.versions_newest_first  # type: ignore[attr-defined]
        definition = versions[0].schema if versions else {}
    fields = definition.get("fields", []) if isinstance(definition, dict) else []
    return [f for f in fields if isinstance(f, dict) and f.get("name")]


def _quality(dataset: Dataset, version: DatasetVersion | None, fields: list[Any]) -> int:
    """How well kept a dataset's description is, 0-25 (deprecated datasets score 0)."""
    if dataset.status == Dataset.Status.DEPRECATED:
        return 0
    labelled = sum(1 for f in fields if f.get("label_fa"))
    points = (
        (6, version is not None),
        (4, len(dataset.description_fa) >= 50),
        (2, bool(dataset.title_en)),
        (3, bool(dataset.tags.all())),
        (4, bool(fields) and labelled * 2 >= len(fields)),
        (2, bool(dataset.counties.all())),
        (2, bool(dataset.contact_name or dataset.contact_email)),
        (2, dataset.licence.is_open),
    )
    return sum(weight for weight, holds in points if holds)


def document_for(dataset: Dataset) -> tuple[SearchDocument, SearchFacts]:
    """What search keeps of a dataset loaded by :func:`_with_everything`."""
    versions = dataset.versions_newest_first  # type: ignore[attr-defined]
    version: DatasetVersion | None = versions[0] if versions else None
    fields = _declared_fields(dataset)
    publisher, theme = dataset.publisher, dataset.theme
    keywords = [
        *(t.name for t in dataset.tags.all()),
        *(text for f in fields for text in (f["name"], f.get("label_fa"), f.get("label_en"))),
        publisher.name_fa, publisher.name_en, publisher.abbreviation,
        theme.name_fa, theme.name_en, dataset.slug,
        *(text for c in dataset.counties.all() for text in (c.name_fa, c.name_en)),
    ]  # fmt: skip
    measured = quality_of(dataset, version)
    published = version.published_at if version is not None else None
    source_format = str(version.read.get("format", "")) if version is not None else ""
    document = SearchDocument(
        dataset=dataset,
        title_key=document_key([dataset.title_fa, dataset.title_en], join_neighbours=True),
        keywords_key=document_key([k for k in keywords if k], join_neighbours=True),
        body_key=document_key(
            [dataset.description_fa, dataset.description_en], join_neighbours=False
        ),
        fields=[[f["name"], f.get("label_fa") or "", f.get("label_en") or ""] for f in fields],
    )
    facts = SearchFacts(
        dataset=dataset,
        publisher_key=dataset.publisher_id,
        theme_key=dataset.theme_id,
        access=dataset.access,
        frequency=dataset.frequency,
        format=source_format if source_format in FORMAT_LABELS else "",
        quality=_quality(dataset, version, fields),
        score=measured.score,
        grade=measured.grade,
        data_updated_at=published,
        due_at=measured.due_at,
        stale_at=measured.stale_at,
        title_fa_sort=sort_key(dataset.title_fa),
        title_en_sort=sort_key(dataset.title_en or dataset.title_fa),
    )
    return document, facts


def _columns(model: type[SearchDocument | SearchFacts]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name not in ("dataset", "indexed_at")]


def _write(row: SearchDocument | SearchFacts) -> None:
    """Update the row in place (so the FTS triggers see an UPDATE), or insert it."""
    model = type(row)
    values = {name: getattr(row, name) for name in _columns(model)}
    if isinstance(row, SearchDocument):
        values["indexed_at"] = timezone.now()  # an UPDATE does not touch auto_now fields
    if not model.objects.filter(pk=row.pk).update(**values):
        row.save(force_insert=True)


def index_datasets(ids: Iterable[int]) -> int:
    """Write the documents of datasets ``ids`` (removing those of deleted datasets),
    in the caller's transaction. Returns how many were written."""
    wanted = set(ids)
    if not wanted:
        return 0
    written = 0
    with transaction.atomic():
        found = list(_with_everything(Dataset.objects.filter(pk__in=wanted)))
        gone = wanted - {d.pk for d in found}
        SearchDocument.objects.filter(pk__in=gone).delete()
        SearchFacts.objects.filter(pk__in=gone).delete()
        for dataset in found:
            for row in document_for(dataset):
                _write(row)
            written += 1
    return written


def _batches(datasets: QuerySet[Dataset]) -> Iterator[list[Dataset]]:
    ids = list(datasets.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), _BATCH):
        yield list(_with_everything(Dataset.objects.filter(pk__in=ids[start : start + _BATCH])))


@transaction.atomic
def rebuild() -> int:
    """Make the whole index again, in one transaction: searches see the old index until
    the new one is committed. Returns how many datasets were indexed.

    On SQLite the FTS5 table and its triggers are made anew too (an external-content
    index must never be told to delete rows it does not hold, which a lost or stale
    index would be).
    """
    if connection.vendor == "sqlite":
        engine.drop_structures(connection)
        SearchDocument.objects.all().delete()
        engine.create_structures(connection)
    else:
        if not engine.structures_present()["index"]:
            engine.create_structures(connection)  # before any row changes: DDL comes first
        SearchDocument.objects.all().delete()
    SearchFacts.objects.all().delete()
    count = 0
    for batch in _batches(Dataset.objects.all()):
        rows = [document_for(d) for d in batch]
        SearchDocument.objects.bulk_create([document for document, _ in rows])
        SearchFacts.objects.bulk_create([facts for _, facts in rows])
        count += len(batch)
    engine.optimise()
    engine.analyse()
    return count


@dataclass(frozen=True)
class IndexStatus:
    datasets: int
    indexed: int
    structures: bool

    @property
    def complete(self) -> bool:
        return self.structures and self.indexed == self.datasets


def index_status() -> IndexStatus:
    """Whether every dataset has its document and the engine's index exists."""
    present = engine.structures_present()
    return IndexStatus(
        datasets=Dataset.objects.count(),
        indexed=min(SearchDocument.objects.count(), SearchFacts.objects.count()),
        structures=bool(present["index"] and present["triggers"]),
    )


def refresh_upkeep(now: dt.datetime | None = None) -> int:
    """Index again the datasets that became late or stale since they were last indexed,
    so their stored grade counts their timeliness (the worker calls it every minute).
    Returns how many were indexed."""
    now = now or timezone.now()
    indexed = F("dataset__search_document__indexed_at")
    passed = SearchFacts.objects.filter(
        Q(due_at__lte=now, due_at__gt=indexed) | Q(stale_at__lte=now, stale_at__gt=indexed)
    )
    return index_datasets(passed.values_list("dataset_id", flat=True))
