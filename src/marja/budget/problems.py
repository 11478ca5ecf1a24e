"""Why a scenario cannot be computed, in words: each refusal code of the allocation
maths and of the data reads, as a sentence with its figures."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marja.common.display import digits, figure, num, rials

MESSAGES: dict[str, Promise] = {
    "no_criteria": _("The scenario has no criteria yet: add at least one measure of need."),
    "too_few_areas": _(
        "An allocation needs at least two counties; the reference list has %(count)s."
    ),
    "missing_values": _(
        "“%(criterion)s” has no value for %(count)s counties: %(areas)s. Publish the missing "
        "figures, or choose to fill them with the median of the other counties."
    ),
    "constant_criterion": _(
        "“%(criterion)s” is %(value)s in every county, so it cannot tell counties apart; "
        "remove it from the scenario."
    ),
    "negative_values": _(
        "“%(criterion)s” is a ratio or count but is negative for %(areas)s (%(values)s)."
    ),
    "value_not_finite": _("“%(criterion)s” has an infinite value."),
    "weights_sum": _("The weights add up to %(total)s, not 1; correct them so they add up to 1."),
    "weight_missing": _("Manual weights need a weight for every criterion; missing: %(criteria)s."),
    "weight_negative": _("A weight cannot be negative: %(criteria)s."),
    "entropy_needs_non_negative": _(
        "Entropy weights need values of zero or more; negative values in: %(criteria)s."
    ),
    "vector_needs_non_negative": _(
        "Vector normalisation needs values of zero or more; negative values in: %(criteria)s. "
        "Use min–max or z-scores."
    ),
    "mix_out_of_range": _("The manual share of a mix must be between 0 and 100 percent."),
    "total_not_positive": _("The total to divide is %(total)s; it must be more than zero."),
    "lower_bounds_above_total": _(
        "The floors and limits need %(needed)s at least, more than the total of "
        "%(total)s: lower the floor or the limit on change (%(origins)s)."
    ),
    "upper_bounds_below_total": _(
        "The caps and limits allow at most %(allowed)s, less than the total of "
        "%(total)s: raise the cap or the limit on change (%(origins)s)."
    ),
    "bounds_conflict": _(
        "For %(count)s counties the lowest amount allowed is above the highest: %(conflicts)s."
    ),
    "base_above_total": _(
        "A base of %(base)s for each of %(areas)s counties needs %(needed)s, "
        "more than the total of %(total)s."
    ),
    "no_need": _("No county has any need under these criteria, so there is nothing to divide by."),
    "population_missing": _("Per-capita allocation needs the cycle's population figures."),
    "population_not_positive": _("The population must be more than zero in: %(areas)s."),
    "last_year_missing": _(
        "The pace of change and the limit on change need last year's allocation in the cycle."
    ),
    "last_year_invalid": _("Last year's amounts are negative or missing for: %(areas)s."),
    "last_year_empty": _("Last year's amounts add up to zero, so there is no share to move from."),
    "exponent_out_of_range": _("The need exponent must be between 0 and 10."),
    "floor_negative": _("The floor and the base cannot be negative."),
    "cap_out_of_range": _("The cap on a share must be more than 0 and at most 100 percent."),
    "change_limit_negative": _("The limit on change cannot be negative."),
    "pace_out_of_range": _("The pace of change must be more than 0 and at most 100 percent."),
    "draws_out_of_range": _("The sensitivity analysis takes 1 to %(maximum)s draws."),
    "spread_out_of_range": _("The weight perturbation must be more than 0 and less than 100%."),
    "indicator_without_values": _(
        "Indicator %(indicator)s has no county values for %(year)s (criterion “%(input)s”)."
    ),
    "indicator_needs_year": _("Criterion “%(input)s” takes an indicator and a year."),
    "dataset_without_version": _("Dataset %(dataset)s (“%(input)s”) has no published version yet."),
    "object_missing": _("The data file of dataset %(dataset)s is missing from the store."),
    "unknown_column": _("Dataset %(dataset)s has no column “%(column)s” (“%(input)s”)."),
    "no_rows_for_year": _("Dataset %(dataset)s has no rows for %(year)s in “%(column)s”."),
    "filters_malformed": _("The filters of “%(input)s” are not pairs of a key and a value."),
    "figures_without_source": _("“%(input)s” names neither an indicator nor a dataset."),
}

FALLBACK = _("The scenario cannot be computed (%(code)s).")
#: Refusals whose figures are amounts of money, shown in (billions of) rials.
MONEY = frozenset(
    {
        "lower_bounds_above_total",
        "upper_bounds_below_total",
        "base_above_total",
        "total_not_positive",
    }
)


#: Inputs of a cycle named in refusals, by their label.
INPUT_NAMES: dict[str, Promise] = {
    "population": _("population"),
    "last_year": _("last year's allocation"),
    "spending": _("actual spending"),
}


def problem_message(code: str) -> Promise:
    return MESSAGES.get(code, FALLBACK)


def _shown(value: Any) -> Any:
    """A number as the reader's digits and grouping; text (slugs, names) as it is."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return num(value) if abs(value) >= 10_000 else digits(value)
    if isinstance(value, float):
        return figure(value, 6)
    return value


def problem_params(code: str, params: dict[str, Any]) -> dict[str, Any]:
    """Params as the sentences show them: amounts in (billions of) rials, lists joined,
    counties and inputs by name, numbers in the reader's digits."""
    from marja.budget.display import binding_name
    from marja.query.selectors import county_names

    separator = "، " if get_language() != "en" else ", "
    names = county_names() if {"areas", "conflicts"} & set(params) else {}
    shown: dict[str, Any] = {"code": code}
    for key, value in params.items():
        if key == "conflicts" and isinstance(value, list):
            shown[key] = separator.join(
                f"{names.get(c['area'], c['area'])}: {rials(c['lower'])} > {rials(c['upper'])}"
                for c in value
            )
        elif key == "areas" and isinstance(value, list):
            shown[key] = separator.join(names.get(str(v), str(v)) for v in value)
        elif key == "origins" and isinstance(value, list):
            shown[key] = separator.join(binding_name(str(v)) for v in value)
        elif code in MONEY and key in {"total", "needed", "allowed", "base"}:
            shown[key] = rials(value)
        elif key == "dataset" and isinstance(value, str):
            shown[key] = _dataset_title(value)
        elif key in {"criterion", "input"} and str(value) in INPUT_NAMES:
            shown[key] = str(INPUT_NAMES[str(value)])
        elif isinstance(value, list):
            shown[key] = separator.join(str(_shown(v)) for v in value)
        else:
            shown[key] = _shown(value)
    return shown


def _dataset_title(slug: str) -> str:
    from marja.catalog.models import Dataset

    found = Dataset.objects.filter(slug=slug).first()
    return f"«{found.title}»" if found is not None else slug


def problem_text(problem: dict[str, Any]) -> str:
    """The sentence of a stored problem, in the active language."""
    code = str(problem.get("code", ""))
    raw = dict(problem.get("params") or {})
    template = MESSAGES.get(code)
    if template is None:  # a query's refusal (unknown function, column type…)
        from marja.core.query import QueryError
        from marja.query.messages import query_message

        template, raw = query_message(QueryError(code, **raw))
    try:
        return str(template) % problem_params(code, raw)
    except (KeyError, TypeError, ValueError):
        return str(FALLBACK) % {"code": code}
