"""An aggregate as a chart: Persian labels for Jalali buckets, counties and numbers.

The page embeds the result as JSON; ``marja/aggregate-chart.js`` draws it with Chart.js.
With two groupings, the second becomes the series (one line or bar colour per value).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from marja.common.display import cell, digits
from marja.core.jalali import MONTHS_EN, MONTHS_FA
from marja.core.query import Column, Table, jalali_label_parts
from marja.core.schema import FieldType
from marja.query.selectors import county_names

#: Most series drawn; the rest are summed into none (the table still lists them).
MAX_SERIES = 12


def _season_names() -> list[str]:
    return [_("spring"), _("summer"), _("autumn"), _("winter")]


def label(column: Column, value: Any, counties: dict[str, str]) -> str:
    """How a group key reads on an axis or in a legend."""
    if value is None:
        return "—"
    if column.type.startswith("jalali_"):
        year, part = jalali_label_parts(str(value))
        if part is None:
            return digits(year)
        if column.type == "jalali_season":
            return f"{_season_names()[part - 1]} {digits(year)}"
        months = MONTHS_FA if (get_language() or "fa").startswith("fa") else MONTHS_EN
        return f"{months[part - 1]} {digits(year)}"
    if column.type == FieldType.COUNTY:
        return counties.get(str(value), str(value))
    return cell(value)


def measure_label(column: Column) -> str:
    """«sum of Active beds», «count of rows»: a measure as a legend reads it."""
    names = {
        "count": _("count"),
        "sum": _("sum"),
        "avg": _("average"),
        "min": _("minimum"),
        "max": _("maximum"),
        "median": _("median"),
        "count_distinct": _("distinct count"),
    }
    name = names.get(column.function, column.function)
    if column.field is None:
        return str(name)
    field_label = column.field.label_fa or column.field.label_en or column.field.name
    if not (get_language() or "fa").startswith("fa"):
        field_label = column.field.label_en or column.field.name
    return f"{name} {field_label}"


def header(column: Column) -> str:
    """A column of the summary table: the field's label (and its time bucket)."""
    if column.function:
        return measure_label(column)
    field = column.field
    name = (field.label_fa or field.label_en or field.name) if field else column.name
    if field is not None and not (get_language() or "fa").startswith("fa"):
        name = field.label_en or field.name
    buckets = {
        "jalali_year": _("Jalali year"),
        "jalali_season": _("season"),
        "jalali_month": _("Jalali month"),
    }
    return f"{name} ({buckets[column.type]})" if column.type in buckets else name


def chart_data(table: Table, *, kind: str) -> dict[str, Any]:
    """Labels, series and a display table of ``table`` for the page."""
    counties = county_names()
    group_count = table.group_count
    measures = table.columns[group_count:]
    shown = [
        [
            label(c, v, counties) if i < group_count else cell(v)
            for i, (c, v) in enumerate(zip(table.columns, row, strict=True))
        ]
        for row in table.rows
    ]
    result: dict[str, Any] = {
        "kind": kind,
        "labels": [],
        "series": [],
        "table": shown,
        "headers": [header(c) for c in table.columns],
    }
    if group_count == 0 or not measures:
        return result
    first = table.columns[0]
    if group_count >= 2:
        second = table.columns[1]
        labels: list[str] = []
        series: dict[str, dict[str, float | None]] = {}
        for row in table.rows:
            x = label(first, row[0], counties)
            name = label(second, row[1], counties)
            if x not in labels:
                labels.append(x)
            if name in series or len(series) < MAX_SERIES:
                series.setdefault(name, {})[x] = _number(row[group_count])
        result["labels"] = labels
        result["series"] = [
            {"name": name, "values": [points.get(x) for x in labels]}
            for name, points in series.items()
        ]
        result["measure"] = measure_label(measures[0])
        return result
    result["labels"] = [label(first, row[0], counties) for row in table.rows]
    result["series"] = [
        {
            "name": measure_label(m),
            "values": [_number(row[group_count + i]) for row in table.rows],
        }
        for i, m in enumerate(measures)
    ]
    return result


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
