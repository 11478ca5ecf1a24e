"""How statuses are named and coloured on pages and in exports."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from marja.common.display import digits, figure, percent
from marja.core.progress import Status
from marja.core.query import QueryError
from marja.indicators.models import Indicator
from marja.query.messages import query_message

STATUS_NAMES: dict[str, Promise] = {
    Status.ACHIEVED.value: _("achieved"),
    Status.ON_TRACK.value: _("on track"),
    Status.NEEDS_ACCELERATION.value: _("needs acceleration"),
    Status.OFF_TRACK.value: _("off track"),
    Status.REGRESSING.value: _("regressing"),
    Status.NO_DATA.value: _("no data"),
}

#: The order statuses are counted and listed in, best first.
STATUS_ORDER = list(STATUS_NAMES)

NOTES: dict[str, Promise] = {
    "no_value": _("no value for this year"),
    "baseline_period": _("the baseline year"),
    "no_baseline": _("no baseline value"),
    "zero_denominator": _("the denominator is zero"),
    "no_denominator": _("no denominator for this year and county"),
    "left_target": _("the baseline met the target and the value no longer does"),
    "no_target": _("no target: judged by its trend"),
    "band_without_target": _("a band with no target is not judged"),
    "zero_baseline": _("a zero baseline with no target is not judged"),
    "band_low": _("below the band: its lowest value is the target"),
    "band_high": _("above the band: its highest value is the target"),
    "baseline_in_band": _("the baseline is inside the band"),
    "target_before_baseline": _("a target is not after the baseline year"),
    "band_incomplete": _("a target band lacks one of its ends"),
    "band_reversed": _("a target band's ends are reversed"),
    "target_missing": _("a target has no value"),
    "not_a_number": _("a value is not a number"),
}


def note_text(code: str) -> str:
    return str(NOTES.get(code, code)) if code else ""


def rate_text(rate: float | None, kind: str | None, unit: str = "") -> str:
    """A yearly rate as people read it: «۳٫۲٪ در سال» (compound) or «۱۲ واحد در سال»."""
    if rate is None or kind is None:
        return "—"
    if kind == "compound":
        return _("%(rate)s a year") % {"rate": percent(100 * rate)}
    return _("%(rate)s %(unit)s a year") % {"rate": figure(rate), "unit": unit or _("units")}


_COMPUTATION_MESSAGES: dict[str, Promise] = {
    "not_computed": _("This indicator is not computed from a dataset."),
    "dataset_without_version": _("The dataset «%(dataset)s» has no published version yet."),
    "object_missing": _(
        "The stored file of version %(version)s of «%(dataset)s» is missing; the administrators "
        "have to restore it."
    ),
    "filters_malformed": _("The indicator's filters on «%(dataset)s» are malformed."),
    "period_column_missing": _("The indicator names no year column."),
    "period_column_type": _(
        "The year column «%(column)s» is neither a date nor a whole number (it is %(type)s)."
    ),
    "too_many_groups": _("The measure gives more than %(maximum)s years and counties."),
}


def computation_problem_text(error: dict[str, Any]) -> str:
    """Why a definition cannot be computed, as a sentence."""
    code = str(error.get("code", ""))
    params = dict(error.get("params") or {})
    if code in _COMPUTATION_MESSAGES:
        message, values = _COMPUTATION_MESSAGES[code], {"code": code, **params}
    else:
        message, values = query_message(QueryError(code, **params))
    try:
        return str(message) % values
    except (KeyError, TypeError, ValueError):
        return str(message)


def computation_error_text(error: dict[str, Any]) -> str:
    """Why the last computation failed, as a sentence (the values shown are the last good
    ones)."""
    if not error:
        return ""
    text = computation_problem_text(error)
    return _("The last computation failed and the values shown are the previous ones: %(why)s") % {
        "why": text
    }


def warnings_text(warnings: dict[str, Any]) -> str:
    parts = []
    if warnings.get("unknown_counties"):
        parts.append(
            _("rows of counties not in the province's list were left out of the counties: %(c)s")
            % {"c": "، ".join(str(c) for c in warnings["unknown_counties"][:10])}
        )
    if warnings.get("bad_periods"):
        parts.append(
            _("rows whose year is not a year were left out: %(p)s")
            % {"p": "، ".join(str(p) for p in warnings["bad_periods"][:10])}
        )
    return "؛ ".join(parts)


def definition_text(indicator: Indicator) -> str:
    """How the indicator is measured, in words: the dataset, the aggregate, the ratio."""
    if indicator.origin == Indicator.Origin.MANUAL or indicator.dataset is None:
        return str(
            _("Entered by hand by its organisation, each value with a document as evidence.")
        )
    top = _aggregate_text(indicator.measure, indicator.dataset.title, indicator.filters)
    if indicator.denominator_dataset is None:
        text = top
    else:
        bottom = _aggregate_text(
            indicator.denominator_measure,
            indicator.denominator_dataset.title,
            indicator.denominator_filters,
        )
        text = _("%(top)s divided by %(bottom)s") % {"top": top, "bottom": bottom}
        if indicator.scale != 1:
            text = _("%(text)s, times %(scale)s") % {"text": text, "scale": figure(indicator.scale)}
    return _("%(text)s, by the year column «%(year)s»%(county)s.") % {
        "text": text,
        "year": indicator.period_column,
        "county": (
            _(" and the county column «%(c)s»") % {"c": indicator.county_column}
            if indicator.county_column
            else ""
        ),
    }


def _aggregate_text(measure: str, dataset: str, filters: list[Any]) -> str:
    function, _sep, column = measure.partition(":")
    names = {
        "sum": _("the sum of"),
        "count": _("the number of rows of"),
        "avg": _("the mean of"),
        "min": _("the least"),
        "max": _("the greatest"),
        "median": _("the median of"),
    }
    named = str(names.get(function, function))
    what = f"{named} «{column}»" if column else named
    text = _("%(what)s in «%(dataset)s»") % {"what": what, "dataset": dataset}
    if filters:
        text += " " + _("where %(conditions)s") % {
            "conditions": "، ".join(_condition_text(str(k), v) for k, v in filters)
        }
    return text


_OPERATORS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def _condition_text(key: str, value: Any) -> str:
    """``month__lt`` and ``1403/01/01`` → «month < ۱۴۰۳/۰۱/۰۱»."""
    column, _sep, op = key.partition("__")
    shown = digits(value)
    if op in ("", *_OPERATORS):
        return f"«{column}» {_OPERATORS.get(op or 'eq')} {shown}"
    words = {"in": _("is one of"), "contains": _("contains"), "isnull": _("is empty:")}
    return f"«{column}» {words.get(op, op)} {shown}"
