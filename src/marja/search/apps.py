from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "marja.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from marja.search import signals

        signals.connect()
        post_migrate.connect(_index_what_is_missing, sender=self)


def _index_what_is_missing(**_: Any) -> None:
    """After ``migrate``: index the datasets that have no search document yet (a new
    installation of this app over an existing catalog)."""
    from django.db.models import Q

    from marja.catalog.models import Dataset
    from marja.search.indexing import index_datasets

    missing = Dataset.objects.filter(
        Q(search_document__isnull=True) | Q(search_facts__isnull=True)
    ).values_list("pk", flat=True)
    index_datasets(list(missing))
