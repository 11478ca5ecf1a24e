"""Plans, indicators and county profiles as CSV, XLSX or JSON tables.

The same rows the pages show, with machine values (Latin digits, Jalali years as
integers, statuses as codes beside their names) and, for each actual, the dataset
versions and hashes it came from. Written by :func:`marja.core.export.export_chunks`,
so CSV has its BOM and neutralised formulas and XLSX its limits like every export.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from marja.common.downloads import FORMATS_OFFERED as FORMATS_OFFERED
from marja.common.downloads import table_download
from marja.core.schema import Field, FieldType, Schema
from marja.indicators.profiles import Comparison, Line
from marja.indicators.selectors import GoalSummary, Progress

YEAR_COLUMNS = [
    "indicator", "year", "county", "county_name", "value", "target", "target_low",
    "target_high", "path", "status", "status_name", "achievement_percent", "gap",
    "observed_rate", "required_rate", "rate_kind", "projection_end", "needed_rate",
    "numerator", "denominator", "note", "sources", "evidence_url",
]  # fmt: skip


def _labels() -> dict[str, str]:
    return {
        "indicator": _("indicator"),
        "name": _("name"),
        "goal": _("goal"),
        "unit": _("unit"),
        "owner": _("owner"),
        "year": _("year"),
        "county": _("county code"),
        "county_name": _("county"),
        "value": _("value"),
        "province": _("province"),
        "versus_province_percent": _("% of the province"),
        "rank": _("rank"),
        "ranked": _("counties ranked"),
        "target": _("target"),
        "target_low": _("band: lowest"),
        "target_high": _("band: highest"),
        "target_year": _("target's year"),
        "path": _("expected on the way to the target"),
        "status": _("status code"),
        "status_name": _("status"),
        "achievement_percent": _("achievement (%)"),
        "gap": _("gap"),
        "observed_rate": _("observed yearly rate"),
        "required_rate": _("required yearly rate"),
        "rate_kind": _("kind of rate"),
        "projection_end": _("projection to the plan's end"),
        "needed_rate": _("yearly rate now needed"),
        "numerator": _("numerator"),
        "denominator": _("denominator"),
        "note": _("note"),
        "sources": _("sources (dataset, version, SHA-256)"),
        "evidence_url": _("evidence"),
    }


def year_rows(progresses: Iterable[Progress]) -> list[dict[str, Any]]:
    rows = []
    for item in progresses:
        county = item.county
        for year in item.years:
            judged = year.assessment
            actual, target = year.actual, year.target
            rows.append(
                {
                    "indicator": item.indicator.code,
                    "year": year.year,
                    "county": county.code if county else "",
                    "county_name": county.name if county else _("the province"),
                    "value": year.value,
                    "target": target.value if target else None,
                    "target_low": target.low if target else None,
                    "target_high": target.high if target else None,
                    "path": year.path,
                    "status": judged.status.value,
                    "status_name": status_name(judged.status.value),
                    "achievement_percent": judged.achievement,
                    "gap": judged.gap,
                    "observed_rate": judged.observed_rate,
                    "required_rate": judged.required_rate,
                    "rate_kind": judged.rate_kind.value if judged.rate_kind else "",
                    "projection_end": judged.projection.value if judged.projection else None,
                    "needed_rate": judged.needed_rate,
                    "numerator": actual.numerator if actual else None,
                    "denominator": actual.denominator if actual else None,
                    "note": (actual.note if actual else "") or judged.note,
                    "sources": sources_text(actual.sources) if actual else "",
                    "evidence_url": actual.evidence_url if actual else "",
                }
            )
    return rows


def plan_rows(goals: list[GoalSummary]) -> list[dict[str, Any]]:
    rows = []
    for summary in goals:
        for item in summary.indicators:
            latest = item.latest
            judged = latest.assessment if latest else None
            target = item.judged_target
            rows.append(
                {
                    "goal": summary.goal.code,
                    "indicator": item.indicator.code,
                    "name": item.indicator.name,
                    "unit": item.indicator.unit,
                    "owner": item.indicator.owner.name,
                    "year": latest.year if latest else None,
                    "value": latest.value if latest else None,
                    "target": target.value if target else None,
                    "target_low": target.low if target else None,
                    "target_high": target.high if target else None,
                    "target_year": target.year if target else None,
                    "status": item.status.value,
                    "status_name": status_name(item.status.value),
                    "achievement_percent": judged.achievement if judged else None,
                    "gap": judged.gap if judged else None,
                    "observed_rate": judged.observed_rate if judged else None,
                    "required_rate": judged.required_rate if judged else None,
                    "rate_kind": judged.rate_kind.value if judged and judged.rate_kind else "",
                    "projection_end": (
                        judged.projection.value if judged and judged.projection else None
                    ),
                    "needed_rate": judged.needed_rate if judged else None,
                }
            )
    return rows


def profile_rows(lines: list[Line]) -> list[dict[str, Any]]:
    return [
        {
            "indicator": line.indicator.code,
            "name": line.indicator.name,
            "unit": line.indicator.unit,
            "year": line.year,
            "value": line.value,
            "province": line.province,
            "versus_province_percent": line.versus_province,
            "rank": line.rank,
            "ranked": line.ranked,
            "status": line.progress.status.value,
            "status_name": status_name(line.progress.status.value),
        }
        for line in lines
    ]


def comparison_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One row per indicator and county compared (long, so any number of counties fits)."""
    return [
        {
            "indicator": indicator.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "year": year,
            "county": county.code,
            "county_name": county.name,
            "value": value,
            "province": province,
        }
        for indicator, province, values, year in comparison.rows
        for county, value in zip(comparison.counties, values, strict=True)
    ]


def sources_text(sources: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{s.get('dataset')} v{s.get('version')} sha256:{s.get('sha256')}" for s in sources
    )


def status_name(code: str) -> str:
    from marja.indicators.display import STATUS_NAMES

    return str(STATUS_NAMES.get(code, code))


_INTEGERS = {"year", "rank", "ranked", "target_year"}
_NUMBERS = {
    "value", "province", "versus_province_percent", "target", "target_low", "target_high",
    "path", "achievement_percent", "gap", "observed_rate", "required_rate",
    "projection_end", "needed_rate", "numerator", "denominator",
}  # fmt: skip


def _column_type(name: str) -> FieldType:
    if name in _INTEGERS:
        return FieldType.INTEGER
    if name in _NUMBERS:
        return FieldType.NUMBER
    return FieldType.STRING


def table_response(
    rows: list[dict[str, Any]], columns: list[str], fmt: str, name: str
) -> HttpResponse:
    """``rows`` as a download in ``fmt`` (one of :data:`FORMATS_OFFERED`)."""
    labels = _labels()
    schema = Schema(
        tuple(Field(c, _column_type(c), label_fa=labels.get(c, c), label_en=c) for c in columns)
    )
    return table_download(rows, schema, fmt, name)


PLAN_COLUMNS = [
    "goal", "indicator", "name", "unit", "owner", "year", "value", "target", "target_low",
    "target_high", "target_year", "status", "status_name", "achievement_percent", "gap",
    "observed_rate", "required_rate", "rate_kind", "projection_end", "needed_rate",
]  # fmt: skip
COMPARISON_COLUMNS = [
    "indicator", "name", "unit", "year", "county", "county_name", "value", "province",
]  # fmt: skip
PROFILE_COLUMNS = [
    "indicator", "name", "unit", "year", "value", "province", "versus_province_percent",
    "rank", "ranked", "status", "status_name",
]  # fmt: skip


def file_name(*parts: str) -> str:
    return "-".join(p for p in parts if p).replace("/", "-").replace(" ", "-")
