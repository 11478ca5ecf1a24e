from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "marja.budget"
    label = "budget"
    verbose_name = _("Budget allocation")

    def ready(self) -> None:
        from marja.budget.verification import check_final_allocations
        from marja.ledger.verification import register_check

        register_check("final_allocations", check_final_allocations)
