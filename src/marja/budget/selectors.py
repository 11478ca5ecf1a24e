"""Reading budgets with permission: who sees which cycle and scenario, and the figures
the pages and the API show.

Scenarios, comments and council sessions are for government users (members of an
organisation), council members and stakeholders; a cycle's final allocation is public,
as is its published dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from marja.accounts.selectors import AnyUser, as_user, is_government_user
from marja.budget.figures import read_figures
from marja.budget.models import (
    AllocationScenario,
    BudgetCycle,
    Comment,
    CouncilMember,
    CouncilSession,
    CountyFigures,
    FinalAllocation,
    Project,
    Stakeholder,
)
from marja.catalog.models import County, Dataset
from marja.core.allocation import AllocationError
from marja.core.allocation.projects import Funding, ProjectNeed, fund
from marja.core.query import connect
from marja.indicators.models import Indicator
from marja.query.selectors import county_aliases, county_names


def sees_scenarios(user: AnyUser) -> bool:
    """Agency staff, council members and stakeholders (an MP need not be agency staff)."""
    if is_government_user(user):
        return True
    member = as_user(user)
    if member is None:
        return False
    return (
        CouncilMember.objects.filter(user=member, active=True).exists()
        or Stakeholder.objects.filter(user=member).exists()
    )


def cycles_visible_to(user: AnyUser) -> QuerySet[BudgetCycle]:
    """Every cycle for government users; the decided ones for everyone else."""
    found = BudgetCycle.objects.select_related("owner").order_by("-year", "slug")
    return found if sees_scenarios(user) else found.filter(final__isnull=False)


def cycle_for(user: AnyUser, slug: str) -> BudgetCycle:
    found = cycles_visible_to(user).filter(slug=slug).first()
    if found is None:
        raise Http404("cycle")
    return found


def scenarios_of(user: AnyUser, cycle: BudgetCycle) -> QuerySet[AllocationScenario]:
    if not sees_scenarios(user):
        return AllocationScenario.objects.filter(final__cycle=cycle)
    return cycle.scenarios.order_by("number")


def scenario_for(user: AnyUser, cycle: BudgetCycle, number: int) -> AllocationScenario:
    found = scenarios_of(user, cycle).filter(number=number).first()
    if found is None:
        raise Http404("scenario")
    return found


def is_public(figures: CountyFigures | None) -> bool:
    """Whether a source's figures are open to everyone: a public indicator over public
    datasets, or a public dataset."""
    if figures is None:
        return True
    indicator = figures.indicator
    if indicator is not None:
        # Stricter than the plan's pages: a public indicator over internal data would
        # give the data back through the amounts, so both must be public here.
        sources = [d for d in (indicator.dataset, indicator.denominator_dataset) if d]
        return indicator.access == Indicator.Access.PUBLIC and all(
            d.access == Dataset.Access.PUBLIC for d in sources
        )
    dataset = figures.dataset
    return dataset is not None and dataset.access == Dataset.Access.PUBLIC


def for_display(user: AnyUser, scenario: AllocationScenario) -> AllocationScenario:
    """``scenario`` with the figures ``user`` may not read taken out of its result (for
    pages, exports and the API; never saved): readers who are not government users (the
    public on a decided cycle, council members and stakeholders from outside the
    agencies) see no value of an internal source, only the amounts, needs and ranks."""
    result = scenario.result
    if not result or is_government_user(user):
        return scenario
    cycle = scenario.cycle
    closed = {
        c.code
        for c in scenario.criteria.select_related("figures__indicator", "figures__dataset")
        if not is_public(c.figures)
    }
    hide_last = not is_public(cycle.last_year)
    hide_people = not is_public(cycle.population)
    rows = []
    for row in result.get("counties", []):
        shown = {
            **row,
            "values": {k: v for k, v in row.get("values", {}).items() if k not in closed},
        }
        if hide_last:
            shown |= {"last_year": None, "change": None, "change_share": None}
        if hide_people:
            shown |= {"population": None, "per_capita": None}
        rows.append(shown)
    fairness = result.get("fairness")
    if fairness and hide_last:
        fairness = {
            **fairness,
            **dict.fromkeys(("change", "change_share", "counties_down", "largest_fall")),
        }
    sources = result.get("sources", [])
    public = set(
        Dataset.objects.filter(
            slug__in=[s["dataset"] for s in sources if "dataset" in s],
            access=Dataset.Access.PUBLIC,
        ).values_list("slug", flat=True)
    )
    public_sources = [s for s in sources if "dataset" not in s or s["dataset"] in public]
    scenario.result = {**result, "counties": rows, "fairness": fairness, "sources": public_sources}
    return scenario


def final_of(cycle: BudgetCycle) -> FinalAllocation | None:
    return FinalAllocation.objects.filter(cycle=cycle).select_related("dataset").first()


def comments_of(scenario: AllocationScenario) -> QuerySet[Comment]:
    return scenario.comments.select_related("author", "county").order_by("created_at")


def sessions_of(scenario: AllocationScenario) -> QuerySet[CouncilSession]:
    return scenario.sessions.select_related("opened_by").prefetch_related("votes__member")


def open_session_of(cycle: BudgetCycle) -> CouncilSession | None:
    return (
        CouncilSession.objects.filter(scenario__cycle=cycle, closed_at__isnull=True)
        .select_related("scenario")
        .first()
    )


@dataclass(frozen=True)
class CountyLine:
    """One county's row of a scenario, with its name and criteria names resolved."""

    code: str
    name: str
    row: dict[str, Any]
    #: (criterion name, share of the need score in percent)
    drivers: list[tuple[str, float]]

    @property
    def change_percent(self) -> float | None:
        share = self.row.get("change_share")
        return None if share is None else 100 * share

    @property
    def kept_percent(self) -> float:
        return 100 * float(self.row["sensitivity"]["same_rank"])


def county_lines(scenario: AllocationScenario) -> list[CountyLine]:
    """The scenario's counties, neediest first."""
    names = county_names()
    criteria = {c.code: c.name_fa for c in scenario.criteria.all()}
    lines = [
        CountyLine(
            row["county"],
            names.get(row["county"], row["county"]),
            row,
            [
                (criteria.get(d["criterion"], d["criterion"]), 100 * d["share"])
                for d in row["drivers"]
            ],
        )
        for row in scenario.result.get("counties", [])
    ]
    return sorted(lines, key=lambda line: (line.row["rank"], line.code))


@dataclass
class Comparison:
    scenarios: list[AllocationScenario]
    #: county code → name, and per county the amount and rank in each scenario.
    rows: list[dict[str, Any]] = field(default_factory=list)


def compare(scenarios: list[AllocationScenario]) -> Comparison:
    """Scenarios side by side, county by county (those without a result are left out)."""
    computed = [s for s in scenarios if s.result]
    names = county_names()
    by_county: dict[str, dict[str, Any]] = {}
    for scenario in computed:
        for row in scenario.result["counties"]:
            line = by_county.setdefault(
                row["county"],
                {
                    "county": row["county"],
                    "name": names.get(row["county"], row["county"]),
                    "last_year": row.get("last_year"),
                    "amounts": [],
                    "ranks": [],
                },
            )
            line["amounts"].append(row["amount"])
            line["ranks"].append(row["rank"])
    rows = sorted(by_county.values(), key=lambda r: -max(r["amounts"]))
    for row in rows:
        row["spread"] = max(row["amounts"]) - min(row["amounts"])
        row["pairs"] = list(zip(row["amounts"], row["ranks"], strict=True))
    return Comparison(computed, rows)


@dataclass(frozen=True)
class ProjectLine:
    project: Project
    funding: Funding


@dataclass(frozen=True)
class CountyProjects:
    county: County
    #: The amount the projects are funded within, and where it comes from.
    amount: int | None
    basis: str  # "final", "scenario" or ""
    lines: list[ProjectLine]
    left: int | None


def county_projects(cycle: BudgetCycle, county: County) -> CountyProjects:
    """The county's projects funded within its final amount (or, before the decision,
    the amount of the cycle's first computed scenario), in funding order."""
    amount, basis = None, ""
    final = final_of(cycle)
    source = final.amounts if final is not None else None
    if source is not None:
        basis = "final"
    else:
        scenario = cycle.scenarios.exclude(result={}).order_by("number").first()
        if scenario is not None:
            source, basis = scenario.result["counties"], "scenario"
    if source is not None:
        amount = next((r["amount"] for r in source if r["county"] == county.code), None)
    projects = list(cycle.projects.filter(county=county))
    if amount is None:
        return CountyProjects(county, None, "", [], None)
    needs = [ProjectNeed(p.code, p.cost, p.priority, p.progress) for p in projects]
    decisions, left = fund(amount, needs)
    by_code = {p.code: p for p in projects}
    lines = [ProjectLine(by_code[d.code], d) for d in decisions]
    return CountyProjects(county, amount, basis, lines, left)


@dataclass(frozen=True)
class ExecutionLine:
    code: str
    name: str
    allocated: int
    spent: int | None

    @property
    def share(self) -> float | None:
        if self.spent is None or self.allocated <= 0:
            return None
        return 100 * self.spent / self.allocated


@dataclass(frozen=True)
class Execution:
    lines: list[ExecutionLine]
    problem: dict[str, Any]
    sources: list[dict[str, Any]]

    @property
    def total_spent(self) -> float:
        return sum(line.spent or 0 for line in self.lines)

    @property
    def share(self) -> float | None:
        allocated = sum(line.allocated for line in self.lines)
        return 100 * self.total_spent / allocated if allocated else None


def execution_of(cycle: BudgetCycle, user: AnyUser) -> Execution | None:
    """Actual spending per county against the final allocation (None before either, or
    when the spending comes from data ``user`` may not read)."""
    final = final_of(cycle)
    if final is None or cycle.spending is None:
        return None
    if not is_public(cycle.spending) and not is_government_user(user):
        return None
    names = county_names()
    con = connect()
    try:
        found = read_figures(cycle.spending, con=con, aliases=county_aliases(), label="spending")
    except AllocationError as exc:
        return Execution([], exc.to_dict(), [])
    finally:
        con.close()
    lines = [
        ExecutionLine(
            r["county"],
            names.get(r["county"], r["county"]),
            r["amount"],
            None if r["county"] not in found.values else round(found.values[r["county"]]),
        )
        for r in sorted(final.amounts, key=lambda r: -r["amount"])
    ]
    return Execution(lines, {}, found.sources)
