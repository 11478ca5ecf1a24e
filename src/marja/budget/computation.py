"""A scenario computed from the current published data: needs, allocation, fairness,
sensitivity, and the explanation of every county's amount.

The result is stored on the scenario as plain JSON (what the pages, the API and the
exports read), with the dataset versions it came from. A refusal (missing values, an
infeasible floor…) is stored instead as ``{"code", "params"}`` and the previous result
is dropped, so a page never shows figures that the current rules would not give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import timezone

from marja.budget.figures import Figures, read_figures
from marja.budget.models import AllocationScenario, BudgetCycle, CountyFigures
from marja.catalog.models import County
from marja.core.allocation import AllocationError
from marja.core.allocation.allocate import Allocation, Basis, Rules, allocate
from marja.core.allocation.fairness import fairness_of
from marja.core.allocation.needs import (
    Assessment,
    Criterion,
    Direction,
    Method,
    Missing,
    Normalisation,
    Weighting,
    assess,
)
from marja.core.allocation.needs import Rules as NeedRules
from marja.core.allocation.sensitivity import Sensitivity, sensitivity
from marja.core.query import connect
from marja.query.selectors import county_aliases

#: The criteria that explain a county's need on its row.
DRIVERS = 3


@dataclass(frozen=True)
class Inputs:
    counties: list[County]
    assessment: Assessment
    population: list[float] | None
    last_year: list[float] | None
    sources: list[dict[str, Any]]
    warnings: dict[str, Any]


def need_rules(scenario: AllocationScenario) -> NeedRules:
    return NeedRules(
        normalisation=Normalisation(scenario.normalisation),
        method=Method(scenario.method),
        weighting=Weighting(scenario.weighting),
        mix=scenario.mix_percent / 100,
        missing=Missing(scenario.missing),
    )


def allocation_rules(scenario: AllocationScenario) -> Rules:
    def fraction(percent: float | None) -> float | None:
        return None if percent is None else percent / 100

    return Rules(
        basis=Basis(scenario.basis),
        need_exponent=scenario.need_exponent,
        base_per_area=scenario.base_per_county,
        floor=scenario.floor,
        cap_share=fraction(scenario.cap_percent),
        change_limit=fraction(scenario.change_limit_percent),
        pace=fraction(scenario.pace_percent),
    )


def compute(scenario: AllocationScenario) -> AllocationScenario:
    """Compute ``scenario`` and store its result, or the reason it cannot be computed."""
    try:
        result = _result(scenario)
    except AllocationError as exc:
        scenario.result, scenario.problem = {}, _named(exc.to_dict(), scenario)
    else:
        scenario.result, scenario.problem = result, {}
    scenario.computed_at = timezone.now()
    AllocationScenario.objects.filter(pk=scenario.pk).update(
        result=scenario.result, problem=scenario.problem, computed_at=scenario.computed_at
    )
    return scenario


def _named(problem: dict[str, Any], scenario: AllocationScenario) -> dict[str, Any]:
    """A refusal naming criteria by their names (their codes are the program's)."""
    names = {c.code: c.name_fa for c in scenario.criteria.all()}
    params = dict(problem.get("params") or {})
    for key in ("criterion", "input"):
        if str(params.get(key)) in names:
            params["criterion_code"] = str(params[key])
            params[key] = names[str(params[key])]
    if isinstance(params.get("criteria"), list):
        params["criteria"] = [names.get(str(c), c) for c in params["criteria"]]
    return {**problem, "params": params}


def _result(scenario: AllocationScenario) -> dict[str, Any]:
    inputs = gather(scenario)
    cycle = scenario.cycle
    codes = [c.code for c in inputs.counties]
    rules = allocation_rules(scenario)
    need = allocation_need(inputs.assessment)
    allocation = allocate(
        cycle.total,
        need,
        areas=codes,
        rules=rules,
        population=inputs.population,
        last_year=inputs.last_year,
    )
    study = sensitivity(
        inputs.assessment,
        allocation.prepared,
        total=cycle.total,
        rules=rules,
        population=inputs.population,
        last_year=inputs.last_year,
        draws=scenario.draws,
        spread=scenario.spread_percent / 100,
        seed=scenario.seed,
    )
    return _as_dict(scenario, inputs, allocation, study)


def _whole(value: float) -> float | int:
    """A count as an integer when it is one (a census population)."""
    return int(value) if float(value).is_integer() else value


def allocation_need(assessment: Assessment) -> np.ndarray:
    """Scores as the allocation takes them: z-score composites can be negative, so they
    are shifted to make the least needy county zero (other scores are already ≥ 0)."""
    scores = assessment.scores
    low = float(scores.min())
    return scores - low if low < 0 else scores


def gather(scenario: AllocationScenario) -> Inputs:
    """The criteria's values, population and last year's amounts per county."""
    counties = list(County.objects.order_by("code"))
    criteria = list(
        scenario.criteria.select_related("figures__indicator__plan", "figures__dataset")
    )
    if not criteria:
        raise AllocationError("no_criteria")
    con = connect()
    aliases = county_aliases()
    sources: list[dict[str, Any]] = []
    warnings: dict[str, Any] = {}
    try:
        columns: list[list[float | None]] = []
        for criterion in criteria:
            found = read_figures(criterion.figures, con=con, aliases=aliases, label=criterion.code)
            columns.append([found.values.get(c.code) for c in counties])
            _note(found, criterion.code, sources, warnings)
        cycle: BudgetCycle = scenario.cycle
        population = _optional(
            cycle.population, "population", counties, con, aliases, sources, warnings
        )
        last_year = _optional(
            cycle.last_year, "last_year", counties, con, aliases, sources, warnings
        )
    finally:
        con.close()
    core_criteria = [
        Criterion(c.code, Direction(c.direction), c.weight, non_negative=c.non_negative)
        for c in criteria
    ]
    matrix = [[column[i] for column in columns] for i in range(len(counties))]
    assessment = assess(matrix, [c.code for c in counties], core_criteria, need_rules(scenario))
    return Inputs(counties, assessment, population, last_year, sources, warnings)


def _optional(
    spec: CountyFigures | None,
    label: str,
    counties: list[County],
    con: Any,
    aliases: dict[str, str],
    sources: list[dict[str, Any]],
    warnings: dict[str, Any],
) -> list[float] | None:
    """Population or last year's amounts: every county must have one when given."""
    if spec is None:
        return None
    found = read_figures(spec, con=con, aliases=aliases, label=label)
    absent = [c.code for c in counties if c.code not in found.values]
    if absent:
        raise AllocationError("missing_values", criterion=label, areas=absent, count=len(absent))
    _note(found, label, sources, warnings)
    return [found.values[c.code] for c in counties]


def _note(
    found: Figures, label: str, sources: list[dict[str, Any]], warnings: dict[str, Any]
) -> None:
    for source in found.sources:
        if source not in sources:
            sources.append(source)
    if found.unknown:
        warnings.setdefault("unknown_counties", {})[label] = found.unknown


def _as_dict(
    scenario: AllocationScenario, inputs: Inputs, allocation: Allocation, study: Sensitivity
) -> dict[str, Any]:
    found = inputs.assessment
    criteria = list(scenario.criteria.all())
    population = inputs.population
    last = inputs.last_year
    fairness = None
    if population is not None:
        f = fairness_of(allocation.amounts, population, found.scores, last)
        fairness = {
            "gini": f.gini,
            "theil": f.theil,
            "rank_correlation": f.rank_correlation,
            "change": f.change,
            "change_share": f.change_share,
            "counties_down": f.areas_down,
            "largest_fall": f.largest_fall,
        }
    filled = {(a, c) for a, c in found.filled}
    rows = []
    for i, county in enumerate(inputs.counties):
        amount = allocation.amounts[i]
        previous = None if last is None else last[i]
        rows.append(
            {
                "county": county.code,
                "need": float(found.scores[i]),
                "rank": int(found.ranks[i]),
                "amount": amount,
                "target": float(allocation.targets[i]),
                "desired": float(allocation.desired[i]),
                "lower": allocation.lower[i],
                "upper": allocation.upper[i],
                "binding": allocation.binding[i].value,
                "population": None if population is None else _whole(population[i]),
                "per_capita": None if population is None else amount / population[i],
                "last_year": None if previous is None else round(previous),
                "change": None if previous is None else amount - round(previous),
                "change_share": None if not previous else (amount - previous) / previous,
                "values": {c.code: float(found.values[i, j]) for j, c in enumerate(criteria)},
                "filled": [c.code for c in criteria if (county.code, c.code) in filled],
                "drivers": [
                    {"criterion": code, "share": share} for code, share in found.drivers(i, DRIVERS)
                ],
                "sensitivity": {
                    "rank_best": int(study.rank_best[i]),
                    "rank_worst": int(study.rank_worst[i]),
                    "rank_p5": float(study.rank_p5[i]),
                    "rank_p95": float(study.rank_p95[i]),
                    "same_rank": float(study.same_rank[i]),
                    "within_one": float(study.within_one[i]),
                    "amount_p5": float(study.amount_p5[i]),
                    "amount_median": float(study.amount_median[i]),
                    "amount_p95": float(study.amount_p95[i]),
                },
            }
        )
    entropy = found.entropy_weights
    return {
        "total": scenario.cycle.total,
        "counties": rows,
        "weights": [
            {
                "criterion": c.code,
                "weight": float(found.weights[j]),
                "entropy_weight": None if entropy is None else float(entropy[j]),
            }
            for j, c in enumerate(criteria)
        ],
        "fairness": fairness,
        "multiplier": allocation.multiplier,
        "sensitivity": {"draws": study.draws, "spread": study.spread, "seed": study.seed},
        "sources": inputs.sources,
        "warnings": inputs.warnings,
    }
