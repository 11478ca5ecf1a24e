"""The final allocation published in the catalog: a public dataset per programme, one
version per adopted cycle, through the same pipeline as any upload (validated,
content-addressed, in the ledger, searchable).

Rows: year, county (code), amount in rials, need score, need rank, the constraint
that decided the amount. A failed publication leaves the final allocation final and
unpublished; :func:`publish_final` can run again.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from marja.budget.display import binding_name
from marja.budget.exports import labelled_schema
from marja.budget.models import FinalAllocation
from marja.catalog.models import Dataset, Licence, Theme
from marja.catalog.services import DatasetIn, create_dataset
from marja.common.language import persian_and_english
from marja.core.schema import FieldType, Schema
from marja.core.text import to_persian_digits
from marja.ingest.models import Publication
from marja.ingest.services import request_publication, update_schema, upload_from_path
from marja.ledger.services import record

log = logging.getLogger(__name__)

THEME, LICENCE = "planning-budget", "cc-by-4.0"
FIELDS = [
    ("year", FieldType.INTEGER, _("year")),
    ("county", FieldType.COUNTY, _("county")),
    ("amount_rials", FieldType.INTEGER, _("amount (rials)")),
    ("need_score", FieldType.NUMBER, _("need score")),
    ("need_rank", FieldType.INTEGER, _("need rank")),
    ("decided_by", FieldType.STRING, _("decided by")),
    ("decided_by_fa", FieldType.STRING, _("decided by (in words)")),
]
HEADERS = [name for name, _kind, _label in FIELDS]


def final_schema() -> Schema:
    """The published table's declared schema: typed, labelled in both languages, one
    row per year and county."""
    return labelled_schema(
        FIELDS, units={"amount_rials": "ریال"}, required=True, primary_key=("year", "county")
    )


def dataset_slug(final: FinalAllocation) -> str:
    return f"budget-{final.cycle.slug}"[:60]


def publish_final(final: FinalAllocation) -> Publication | None:
    """Publish ``final`` as the next version of its dataset (created on first use);
    None when the catalog lacks the theme or licence it needs."""
    cycle = final.cycle
    dataset = Dataset.objects.filter(slug=dataset_slug(final)).first()
    if dataset is not None and (
        dataset.publisher_id != cycle.owner_id or dataset.access != Dataset.Access.PUBLIC
    ):
        # Someone else's dataset under this name (or one made private): never publish
        # the council's decision into it; the allocation stays final and unpublished.
        log.error("dataset %s is not the cycle owner's public dataset", dataset.slug)
        return None
    if dataset is None:
        theme = Theme.objects.filter(slug=THEME).first() or Theme.objects.first()
        licence = Licence.objects.filter(slug=LICENCE).first() or Licence.objects.first()
        if theme is None or licence is None:
            log.warning("no theme or licence to publish final allocation %s", cycle.slug)
            return None
        title = _("Final allocation: %(programme)s %(year)s")
        title_fa, _english = persian_and_english(
            title, {"programme": cycle.programme_fa, "year": to_persian_digits(str(cycle.year))}
        )
        _persian, title_en = persian_and_english(
            title, {"programme": cycle.programme_en or cycle.slug, "year": cycle.year}
        )
        description, _english = persian_and_english(
            _("Adopted by the Provincial Planning and Development Council; digest %(digest)s."),
            {"digest": final.digest},
        )
        dataset = create_dataset(
            DatasetIn(
                slug=dataset_slug(final),
                title_fa=title_fa,
                publisher=cycle.owner,
                theme=theme,
                licence=licence,
                frequency=Dataset.Frequency.YEARLY,
                title_en=title_en,
                description_fa=description,
                access=Dataset.Access.PUBLIC,
                status=Dataset.Status.PUBLISHED,
            ),
            actor=None,
        )
        with transaction.atomic():
            update_schema(dataset, final_schema(), actor=None)
    with tempfile.TemporaryDirectory(prefix="marja-final-") as folder:
        path = Path(folder) / f"{dataset.slug}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADERS)
            for row in final.amounts:
                with override("fa"):
                    words = binding_name(row["binding"])
                writer.writerow(
                    [
                        cycle.year,
                        row["county"],
                        row["amount"],
                        f"{row['need']:.6f}",
                        row["rank"],
                        row["binding"],
                        words,
                    ]
                )
        upload = upload_from_path(path, actor=None, original_name=path.name)
        publication = request_publication(dataset, upload, actor=None, background=False)
    version = publication.version
    if version is None:
        log.warning("final allocation %s was not published: %s", cycle.slug, publication.status)
        return publication
    with transaction.atomic():
        FinalAllocation.objects.filter(pk=final.pk).update(dataset=dataset)
        record(
            "budget.allocation_published",
            actor=None,
            organisation=cycle.owner,
            object_type="budget_cycle",
            object_id=cycle.slug,
            payload={"dataset": dataset.slug, "version": version.number, "sha256": version.sha256},
        )
    final.dataset = dataset
    return publication


def publish_or_log(final: FinalAllocation) -> bool:
    """Publish ``final`` after its adoption has committed; a failure is logged, never
    raised: the allocation stays final, and verify names it unpublished until a retry."""
    try:
        publication = publish_final(final)
    except Exception:
        log.exception("publishing final allocation %s failed", final.cycle.slug)
        return False
    return publication is not None and publication.version is not None
