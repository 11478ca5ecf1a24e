from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "marja.ingest"
    label = "ingest"
    verbose_name = _("Publishing")

    def ready(self) -> None:
        from marja.catalog.panels import register_dataset_panel, register_organisation_panel
        from marja.ingest.panels import late_datasets_panel, publishing_panel, quality_panel
        from marja.ingest.verification import check_objects
        from marja.ledger.verification import register_check

        register_dataset_panel(quality_panel)
        register_dataset_panel(publishing_panel)
        register_organisation_panel(late_datasets_panel)
        register_check("objects", check_objects)
