"""Budget tables as CSV, XLSX or JSON: a scenario's counties, the final allocation, a
comparison of scenarios. Machine values (Latin digits, whole rials, codes beside names)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from marja.budget.display import binding_name
from marja.budget.models import AllocationScenario, BudgetCycle, FinalAllocation
from marja.budget.selectors import Comparison, CountyProjects, county_lines
from marja.common.downloads import table_download
from marja.common.language import persian_and_english
from marja.core.schema import Field, FieldType, Schema
from marja.query.selectors import county_names

INT, NUM, STR = FieldType.INTEGER, FieldType.NUMBER, FieldType.STRING
SCENARIO_FIELDS = [
    ("county", STR, _("county code")),
    ("county_name", STR, _("county")),
    ("rank", INT, _("need rank")),
    ("need", NUM, _("need score")),
    ("amount", INT, _("amount (rials)")),
    ("target", NUM, _("formula target (rials)")),
    ("last_year", NUM, _("last year (rials)")),
    ("change", INT, _("change (rials)")),
    ("population", NUM, _("population")),
    ("per_capita", NUM, _("per capita (rials)")),
    ("binding", STR, _("decided by")),
    ("binding_name", STR, _("decided by (in words)")),
    ("drivers", STR, _("main drivers of need")),
    ("rank_best", INT, _("best rank under perturbation")),
    ("rank_worst", INT, _("worst rank under perturbation")),
    ("same_rank", NUM, _("share of draws keeping the rank")),
    ("amount_p5", NUM, _("amount, 5th percentile")),
    ("amount_p95", NUM, _("amount, 95th percentile")),
]
FINAL_FIELDS = [
    ("county", STR, _("county code")),
    ("county_name", STR, _("county")),
    ("amount", INT, _("amount (rials)")),
    ("need", NUM, _("need score")),
    ("rank", INT, _("need rank")),
    ("binding", STR, _("decided by")),
    ("binding_name", STR, _("decided by (in words)")),
]


def labelled_schema(
    fields: list[tuple[str, FieldType, Any]],
    *,
    units: dict[str, str] | None = None,
    required: bool = False,
    primary_key: tuple[str, ...] = (),
) -> Schema:
    """Column labels in Persian and English, whatever the request's language."""
    labels = []
    for name, kind, label in fields:
        persian, english = persian_and_english(label)
        labels.append(
            Field(
                name,
                kind,
                label_fa=persian,
                label_en=english,
                unit=(units or {}).get(name, ""),
                required=required,
            )
        )
    return Schema(tuple(labels), primary_key=primary_key)


def scenario_rows(scenario: AllocationScenario) -> list[dict[str, Any]]:
    rows = []
    for line in county_lines(scenario):
        row, study = line.row, line.row["sensitivity"]
        rows.append(
            {
                **row,
                "county_name": line.name,
                "binding_name": binding_name(row["binding"]),
                "drivers": "، ".join(n for n, _s in line.drivers),
                **{
                    k: study[k]
                    for k in ("rank_best", "rank_worst", "same_rank", "amount_p5", "amount_p95")
                },
            }
        )
    return rows


def scenario_download(scenario: AllocationScenario, fmt: str) -> HttpResponse:
    name = f"{scenario.cycle.slug}-scenario-{scenario.number}"
    return table_download(scenario_rows(scenario), labelled_schema(SCENARIO_FIELDS), fmt, name)


def final_lines(final: FinalAllocation) -> list[dict[str, Any]]:
    names = county_names()
    return sorted(
        (
            {
                **row,
                "county_name": names.get(row["county"], row["county"]),
                "binding_name": binding_name(row["binding"]),
            }
            for row in final.amounts
        ),
        key=lambda r: -r["amount"],
    )


def final_download(final: FinalAllocation, fmt: str) -> HttpResponse:
    return table_download(
        final_lines(final), labelled_schema(FINAL_FIELDS), fmt, f"{final.cycle.slug}-final"
    )


def comparison_download(cycle: BudgetCycle, comparison: Comparison, fmt: str) -> HttpResponse:
    fields: list[tuple[str, FieldType, Any]] = [
        ("county", STR, _("county code")),
        ("county_name", STR, _("county")),
        ("last_year", NUM, _("last year (rials)")),
    ]
    for scenario in comparison.scenarios:
        fields += [
            (
                f"amount_{scenario.number}",
                INT,
                _("amount, scenario %(n)s") % {"n": scenario.number},
            ),
            (f"rank_{scenario.number}", INT, _("rank, scenario %(n)s") % {"n": scenario.number}),
        ]
    rows = []
    for row in comparison.rows:
        line = {"county": row["county"], "county_name": row["name"], "last_year": row["last_year"]}
        for scenario, amount, rank in zip(
            comparison.scenarios, row["amounts"], row["ranks"], strict=True
        ):
            line[f"amount_{scenario.number}"] = amount
            line[f"rank_{scenario.number}"] = rank
        rows.append(line)
    return table_download(rows, labelled_schema(fields), fmt, f"{cycle.slug}-comparison")


PROJECT_FIELDS = [
    ("order", INT, _("Order")),
    ("code", STR, _("code")),
    ("title", STR, _("title")),
    ("progress", NUM, _("physical progress (%)")),
    ("priority", INT, _("priority")),
    ("cost", INT, _("cost this year (rials)")),
    ("funded", STR, _("Funded")),
    ("reason", STR, _("Why")),
    ("left_before", INT, _("left before (rials)")),
]


def projects_download(funded: CountyProjects, cycle: BudgetCycle, fmt: str) -> HttpResponse:
    rows = [
        {
            "order": line.funding.order,
            "code": line.project.code,
            "title": line.project.title,
            "progress": line.project.progress,
            "priority": line.project.priority,
            "cost": line.project.cost,
            "funded": "yes" if line.funding.funded else "no",
            "reason": line.funding.reason.value,
            "left_before": line.funding.left_before,
        }
        for line in funded.lines
    ]
    name = f"{cycle.slug}-{funded.county.code}-projects"
    return table_download(rows, labelled_schema(PROJECT_FIELDS), fmt, name)
