"""Recomputing indicators in the background after a new version of their data."""

from __future__ import annotations

from django_tasks import task


@task()
def recompute_in_background(dataset_id: int) -> int:
    """Recompute the indicators over dataset ``dataset_id``; returns how many failed."""
    from marja.catalog.models import Dataset
    from marja.indicators.computation import recompute_using

    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        return 0
    return sum(1 for outcome in recompute_using(dataset) if not outcome.ok)
