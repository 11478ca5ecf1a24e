"""Every change that alters what search knows re-indexes the datasets it touches.

The receivers run synchronously, inside the transaction of the change (Django sends
``post_save`` and ``m2m_changed`` from within it), so the catalog and its index never
disagree after a commit. Bulk ``QuerySet.update`` calls send no signal: code that uses
them on indexed fields calls :func:`marja.search.indexing.index_datasets` itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_save

from marja.accounts.models import Organisation
from marja.catalog.models import County, Dataset, Licence, Tag, Theme
from marja.ingest.models import DatasetSchema, DatasetVersion
from marja.search.indexing import index_datasets

_M2M_DONE = {"post_add", "post_remove", "post_clear"}


def _dataset_saved(sender: type[Model], instance: Dataset, raw: bool = False, **_: Any) -> None:
    if not raw:
        index_datasets([instance.pk])


def _dataset_part_changed(sender: type[Model], instance: Any, raw: bool = False, **_: Any) -> None:
    """A version, or the declared schema, of one dataset."""
    if not raw:
        index_datasets([instance.dataset_id])


def _links_changed(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **_: Any,
) -> None:
    if action == "pre_clear" and reverse:
        # Cleared from the tag's or county's side: remember whose links go.
        field = "tags" if sender is Dataset.tags.through else "counties"
        linked = Dataset.objects.filter(**{field: instance}).values_list("pk", flat=True)
        instance._search_unlinked = list(linked)  # type: ignore[attr-defined]
    if action not in _M2M_DONE:
        return
    if not reverse:
        index_datasets([instance.pk])
    elif action == "post_clear":
        index_datasets(getattr(instance, "_search_unlinked", []))
    elif pk_set:
        index_datasets(pk_set)


def _referenced_by_datasets(field: str) -> Any:
    def receiver(sender: type[Model], instance: Model, raw: bool = False, **_: Any) -> None:
        if not raw:
            index_datasets(Dataset.objects.filter(**{field: instance}).values_list("pk", flat=True))

    return receiver


_RECEIVERS: list[Any] = []


def connect() -> None:
    """Connect the receivers (from ``SearchConfig.ready``); safe to call twice."""
    if _RECEIVERS:
        return
    _RECEIVERS.extend(
        [
            _dataset_saved,
            _dataset_part_changed,
            _links_changed,
            _referenced_by_datasets("publisher"),
            _referenced_by_datasets("theme"),
            _referenced_by_datasets("tags"),
            _referenced_by_datasets("counties"),
            _referenced_by_datasets("licence"),
        ]
    )
    dataset_saved, part_changed, links, *by_reference = _RECEIVERS
    post_save.connect(dataset_saved, sender=Dataset, weak=False)
    post_save.connect(part_changed, sender=DatasetVersion, weak=False)
    post_save.connect(part_changed, sender=DatasetSchema, weak=False)
    m2m_changed.connect(links, sender=Dataset.tags.through, weak=False)
    m2m_changed.connect(links, sender=Dataset.counties.through, weak=False)
    for model, receiver in zip(
        (Organisation, Theme, Tag, County, Licence), by_reference, strict=True
    ):
        post_save.connect(receiver, sender=model, weak=False)
