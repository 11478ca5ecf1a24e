from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "marja.indicators"
    label = "indicators"
    verbose_name = _("Development plans and indicators")

    def ready(self) -> None:
        from marja.indicators import signals

        signals.connect()
