"""Background jobs of publishing (Django's task interface, database-backed queue)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task


@task()
def publish_in_background(publication_id: str) -> str:
    from marja.ingest.services import run_publication

    return run_publication(UUID(publication_id)).status


@task()
def pull_in_background(dataset_id: int) -> str:
    from marja.ingest.pulls import pull_dataset

    return pull_dataset(dataset_id)
