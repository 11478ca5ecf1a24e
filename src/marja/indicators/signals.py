"""A new version of a dataset queues the recomputation of the indicators built on it.

The job is queued when the publication's transaction commits (never for a publication
that rolled back), and runs in the worker: publishing never waits for indicators.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save

from marja.ingest.models import DatasetVersion


def version_published(
    sender: type[DatasetVersion],
    instance: DatasetVersion,
    created: bool,
    raw: bool = False,
    **_: Any,
) -> None:
    if not created or raw:
        return
    from marja.indicators.models import Indicator
    from marja.indicators.tasks import recompute_in_background

    dataset_id = instance.dataset_id
    used = Indicator.objects.filter(
        Q(dataset_id=dataset_id) | Q(denominator_dataset_id=dataset_id)
    ).exists()
    if used:
        transaction.on_commit(lambda: recompute_in_background.enqueue(dataset_id))


def connect() -> None:
    post_save.connect(
        version_published, sender=DatasetVersion, weak=False, dispatch_uid="indicators.version"
    )
