from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueryConfig(AppConfig):
    name = "marja.query"
    verbose_name = _("query")
