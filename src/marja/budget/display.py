"""Scenario figures in words: the constraint that decided an amount, the rules."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marja.budget.models import AllocationScenario
from marja.common.display import figure, percent, rials

BINDING_NAMES: dict[str, Promise] = {
    "formula": gettext_lazy("the formula"),
    "floor": gettext_lazy("the floor"),
    "base": gettext_lazy("the fixed base"),
    "cap": gettext_lazy("the cap on a share"),
    "change_down": gettext_lazy("the limit on a fall against last year"),
    "change_up": gettext_lazy("the limit on a rise against last year"),
}


def binding_name(code: str) -> str:
    return str(BINDING_NAMES.get(code, code))


def rules_text(scenario: AllocationScenario) -> list[str]:
    """The scenario's method and constraints, one phrase each, as the council reads them."""
    lines = [
        _("Normalisation: %(how)s; method: %(method)s; weights: %(weights)s.")
        % {
            "how": scenario.get_normalisation_display(),
            "method": scenario.get_method_display(),
            "weights": scenario.get_weighting_display(),
        },
    ]
    if scenario.weighting == AllocationScenario.Weighting.MIX:
        lines.append(
            _("Manual weights make %(share)s of the mix.")
            % {"share": percent(scenario.mix_percent)}
        )
    if scenario.basis == AllocationScenario.Basis.PER_CAPITA:
        lines.append(
            _("Per capita, with need raised to the power %(k)s.")
            % {"k": figure(scenario.need_exponent)}
        )
    else:
        lines.append(_("In proportion to need."))
    if scenario.base_per_county:
        lines.append(
            _("A fixed base of %(amount)s per county.")
            % {"amount": rials(scenario.base_per_county)}
        )
    if scenario.floor:
        lines.append(_("No county below %(amount)s.") % {"amount": rials(scenario.floor)})
    if scenario.cap_percent is not None:
        lines.append(
            _("No county above %(share)s of the total.") % {"share": percent(scenario.cap_percent)}
        )
    if scenario.change_limit_percent is not None:
        lines.append(
            _("No county changes by more than %(share)s against last year.")
            % {"share": percent(scenario.change_limit_percent)}
        )
    if scenario.pace_percent is not None:
        lines.append(
            _("Each county moves %(share)s of the way from last year's share to its target.")
            % {"share": percent(scenario.pace_percent)}
        )
    return lines
