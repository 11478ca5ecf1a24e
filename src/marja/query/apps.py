from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueryConfig(AppConfig):
    name = "marja.query"
    verbose_name = _("query")

    def ready(self) -> None:
        from marja.catalog.panels import register_dataset_panel
        from marja.query.panels import explore_panel

        register_dataset_panel(explore_panel)
