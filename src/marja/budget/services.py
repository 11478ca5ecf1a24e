"""Changes to budgets: cycles, scenarios, consultation, council votes, the final
allocation. Each checks permission and input before it stores anything, writes its
ledger entry in the same transaction, and raises ``ValidationError`` keyed by the field
at fault or ``PermissionDenied``.

Only drafts change. Once a scenario is opened for comments its definition is fixed;
once adopted, its allocation is the cycle's :class:`FinalAllocation`, which the model
itself refuses to change or delete.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation, User
from marja.accounts.selectors import AnyUser, as_user, can_edit_for
from marja.budget import computation
from marja.budget.models import (
    FIRST_YEAR,
    LAST_YEAR,
    AllocationScenario,
    BudgetCycle,
    CountyFigures,
    Criterion,
    FinalAllocation,
    Project,
    Stakeholder,
    StakeholderGroup,
)
from marja.catalog.models import County, Dataset
from marja.common.display import sentence_lazy
from marja.core.ledger import canonical_json
from marja.core.query import Measure, QueryError
from marja.core.text import normalize
from marja.indicators.models import Indicator
from marja.ledger.services import record

Problems = dict[str, Promise | str | ValidationError]
MAX_CRITERIA = 60


def can_manage(user: AnyUser, cycle: BudgetCycle) -> bool:
    """Editors and administrators of the cycle's owner (the planning office)."""
    return can_edit_for(user, cycle.owner)


def can_create_cycle(user: AnyUser, owner: Organisation) -> bool:
    return can_edit_for(user, owner)


def ensure(allowed: bool) -> None:
    """Refuse (``PermissionDenied``) unless ``allowed``."""
    if not allowed:
        raise PermissionDenied


def digest_of(value: object) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


# Cycles.


@dataclass(frozen=True)
class CycleIn:
    slug: str
    year: int
    programme_fa: str
    total: int
    owner: Organisation
    programme_en: str = ""
    description_fa: str = ""
    last_year: FiguresIn | None = None
    population: FiguresIn | None = None
    spending: FiguresIn | None = None
    quorum: int | None = None


@dataclass(frozen=True)
class FiguresIn:
    """An indicator and year, or a dataset's aggregate by county (see CountyFigures)."""

    indicator: Indicator | None = None
    dataset: Dataset | None = None
    measure: str = ""
    county_column: str = ""
    year_column: str = ""
    year: int | None = None
    filters: list[list[str]] = field(default_factory=list)
    scale: float = 1.0
    absent_is_zero: bool = False


@transaction.atomic
def create_cycle(terms: CycleIn, *, actor: User | None) -> BudgetCycle:
    if actor is not None:
        ensure(can_create_cycle(actor, terms.owner))
    problems: Problems = {}
    if not FIRST_YEAR <= terms.year <= LAST_YEAR:
        problems["year"] = sentence_lazy(
            _("The year must be a Jalali year between %(first)s and %(last)s."),
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    if terms.total <= 0:
        problems["total"] = _("The total to divide must be more than zero rials.")
    if BudgetCycle.objects.filter(slug=terms.slug).exists():
        problems["slug"] = _("A budget cycle with this identifier already exists.")
    if terms.quorum is not None and terms.quorum < 1:
        problems["quorum"] = _("The quorum must be at least one member.")
    specs = {
        "last_year": terms.last_year,
        "population": terms.population,
        "spending": terms.spending,
    }
    for name, spec in specs.items():
        if spec is not None:
            _check_figures(spec, name, problems, actor)
    if problems:
        raise ValidationError(problems)
    cycle = BudgetCycle(
        slug=terms.slug,
        year=terms.year,
        programme_fa=normalize(terms.programme_fa, digits="keep"),
        programme_en=terms.programme_en,
        description_fa=terms.description_fa,
        total=terms.total,
        owner=terms.owner,
        quorum=terms.quorum,
        created_by=actor,
        last_year=_figures(terms.last_year),
        population=_figures(terms.population),
        spending=_figures(terms.spending),
    )
    cycle.full_clean()
    cycle.save()
    record(
        "budget.cycle_created",
        actor=actor,
        organisation=cycle.owner,
        object_type="budget_cycle",
        object_id=cycle.slug,
        payload={
            "year": cycle.year,
            "programme": cycle.programme_fa,
            "total": cycle.total,
            "owner": cycle.owner.slug,
        },
    )
    return cycle


def _check_figures(spec: FiguresIn, name: str, problems: Problems, actor: User | None) -> None:
    if (spec.indicator is None) == (spec.dataset is None):
        problems[name] = _("Choose either an indicator and a year, or a dataset and its columns.")
    elif spec.indicator is not None and spec.year is None:
        problems[name] = _("An indicator criterion needs the year of its values.")
    elif spec.dataset is not None and not (spec.measure and spec.county_column):
        problems[name] = _(
            "A dataset criterion needs a measure (e.g. sum:population) and its county column."
        )
    elif spec.dataset is not None and spec.dataset.access == Dataset.Access.RESTRICTED:
        problems[name] = _(
            "A restricted dataset cannot be a source: a scenario's figures are read by every "
            "government user, the council and the stakeholders, and the adopted one by all."
        )
    elif spec.dataset is not None and actor is not None and not _may_read(actor, spec.dataset):
        problems[name] = _("You may not read this dataset, so it cannot be a source here.")
    if not (math.isfinite(spec.scale) and spec.scale > 0):
        problems[name] = _("The scale must be a number above zero.")


def _may_read(actor: User, dataset: Dataset) -> bool:
    from marja.catalog.selectors import datasets_visible_to

    return datasets_visible_to(actor).filter(pk=dataset.pk).exists()


def _figures(spec: FiguresIn | None) -> CountyFigures | None:
    if spec is None:
        return None
    return CountyFigures.objects.create(**spec.__dict__)


# Scenarios.


@dataclass(frozen=True)
class CriterionIn:
    code: str
    name_fa: str
    direction: str
    figures: FiguresIn
    weight: float | None = None
    non_negative: bool = True


@dataclass(frozen=True)
class ScenarioIn:
    name_fa: str
    criteria: list[CriterionIn]
    name_en: str = ""
    description_fa: str = ""
    normalisation: str = "min_max"
    method: str = "weighted_sum"
    weighting: str = "manual"
    mix_percent: float = 50
    missing: str = "refuse"
    basis: str = "need"
    need_exponent: float = 1.0
    base_per_county: int = 0
    floor: int = 0
    cap_percent: float | None = None
    change_limit_percent: float | None = None
    pace_percent: float | None = None
    draws: int = 1000
    spread_percent: float = 20
    seed: int = 1403

    def definition(self) -> dict[str, Any]:
        """What the ledger records of the scenario (sources by slug and code)."""
        fields = {k: v for k, v in self.__dict__.items() if k != "criteria"}
        fields["criteria"] = [
            {
                "code": c.code,
                "direction": c.direction,
                "weight": c.weight,
                "non_negative": c.non_negative,
                "indicator": c.figures.indicator.code if c.figures.indicator else None,
                "dataset": c.figures.dataset.slug if c.figures.dataset else None,
                "measure": c.figures.measure,
                "county_column": c.figures.county_column,
                "year_column": c.figures.year_column,
                "year": c.figures.year,
            }
            for c in self.criteria
        ]
        return fields


def save_scenario(
    cycle: BudgetCycle,
    terms: ScenarioIn,
    *,
    actor: User | None,
    scenario: AllocationScenario | None = None,
) -> AllocationScenario:
    """Create a scenario of ``cycle`` (or change a draft one) and compute it; refused
    whole, with nothing stored and a draft left as it was, when its rules or data cannot
    give an allocation (the refusal names why, with the figures)."""
    if actor is not None:
        ensure(can_manage(actor, cycle))
    check_cycle_open(cycle)
    if scenario is not None and not scenario.editable:
        raise ValidationError({"status": scenario_fixed(scenario)})
    _check_scenario(terms, actor)
    with transaction.atomic():
        if scenario is None:
            number = (cycle.scenarios.aggregate(n=Max("number"))["n"] or 0) + 1
            scenario = AllocationScenario(cycle=cycle, number=number, created_by=actor)
        else:
            scenario = AllocationScenario.objects.select_for_update().get(pk=scenario.pk)
            if not scenario.editable:
                raise ValidationError({"status": scenario_fixed(scenario)})
        for name, value in terms.__dict__.items():
            if name != "criteria":
                setattr(scenario, name, value)
        scenario.name_fa = normalize(terms.name_fa, digits="keep")
        scenario.full_clean(exclude=["cycle"])
        scenario.save()
        old = list(scenario.criteria.values_list("figures_id", flat=True))
        scenario.criteria.all().delete()
        CountyFigures.objects.filter(pk__in=old).delete()
        for position, item in enumerate(terms.criteria):
            Criterion.objects.create(
                scenario=scenario,
                code=item.code,
                name_fa=normalize(item.name_fa, digits="keep"),
                direction=item.direction,
                weight=item.weight,
                non_negative=item.non_negative,
                figures=CountyFigures.objects.create(**item.figures.__dict__),
                position=position,
            )
        computation.compute(scenario)
        if scenario.problem:  # rolls the whole change back
            raise refusal(scenario.problem, [c.code for c in terms.criteria])
        record(
            "budget.scenario_saved",
            actor=actor,
            organisation=cycle.owner,
            object_type="allocation_scenario",
            object_id=f"{cycle.slug}/{scenario.number}",
            payload=terms.definition(),
        )
        _record_computed(scenario, actor)
    return scenario


#: The scenario field each refusal of the maths is about (others: the criteria).
PROBLEM_FIELDS = {
    "weights_sum": "criteria",
    "weight_missing": "criteria",
    "weight_negative": "criteria",
    "lower_bounds_above_total": "floor",
    "floor_negative": "floor",
    "base_above_total": "base_per_county",
    "upper_bounds_below_total": "cap_percent",
    "cap_out_of_range": "cap_percent",
    "bounds_conflict": "floor",
    "change_limit_negative": "change_limit_percent",
    "pace_out_of_range": "pace_percent",
    "exponent_out_of_range": "need_exponent",
    "mix_out_of_range": "mix_percent",
    "population_missing": "basis",
    "population_not_positive": "basis",
    "last_year_missing": "pace_percent",
    "draws_out_of_range": "draws",
    "spread_out_of_range": "spread_percent",
}


def refusal(problem: dict[str, Any], codes: list[str] | None = None) -> ValidationError:
    """A computation's refusal as a ``ValidationError`` on the field it is about
    (``criteria.N`` for one criterion of ``codes``), its sentence rendered in the
    reader's language when read."""
    from django.utils.functional import lazy

    from marja.budget.problems import problem_text

    message = lazy(problem_text, str)(problem)
    field = PROBLEM_FIELDS.get(str(problem.get("code")), "criteria")
    code = (problem.get("params") or {}).get("criterion_code")
    if codes and code in codes:
        field = f"criteria.{codes.index(code)}"
    return ValidationError({field: [message]})


def check_cycle_open(cycle: BudgetCycle) -> None:
    if FinalAllocation.objects.filter(cycle=cycle).exists():
        raise ValidationError({"status": _("This cycle's allocation is already final.")})


def compute_scenario(scenario: AllocationScenario, *, actor: User | None) -> AllocationScenario:
    """Compute ``scenario`` from the current data (drafts only: others keep the figures
    their consultation and vote saw)."""
    if actor is not None:
        ensure(can_manage(actor, scenario.cycle))
    if not scenario.editable:
        raise ValidationError({"status": scenario_fixed(scenario)})
    check_cycle_open(scenario.cycle)
    with transaction.atomic():
        computation.compute(scenario)
        _record_computed(scenario, actor)
    return scenario


def _record_computed(scenario: AllocationScenario, actor: User | None) -> None:
    record(
        "budget.scenario_computed",
        actor=actor,
        organisation=scenario.cycle.owner,
        object_type="allocation_scenario",
        object_id=f"{scenario.cycle.slug}/{scenario.number}",
        payload={
            "result_sha256": digest_of(scenario.result) if scenario.result else None,
            "sources": scenario.result.get("sources", []),
            "problem": scenario.problem.get("code"),
        },
    )


def scenario_fixed(scenario: AllocationScenario) -> str:
    return sentence_lazy(
        _("This scenario is %(status)s; only a draft can change. Copy it into a new one."),
        {"status": AllocationScenario.Status(scenario.status).label},
    )


def _check_scenario(terms: ScenarioIn, actor: User | None) -> None:
    problems: Problems = {}
    choices = {
        "normalisation": AllocationScenario.Normalisation,
        "method": AllocationScenario.Method,
        "weighting": AllocationScenario.Weighting,
        "missing": AllocationScenario.Missing,
        "basis": AllocationScenario.Basis,
    }
    for name, kind in choices.items():
        if getattr(terms, name) not in kind.values:
            problems[name] = _("Choose one of the listed options.")
    if not terms.name_fa.strip():
        problems["name_fa"] = _("A scenario needs a name.")
    if not terms.criteria:
        problems["criteria"] = _("A scenario needs at least one criterion.")
    elif len(terms.criteria) > MAX_CRITERIA:
        problems["criteria"] = sentence_lazy(
            _("A scenario takes at most %(most)s criteria."), {"most": MAX_CRITERIA}
        )
    codes = [c.code for c in terms.criteria]
    if len(set(codes)) != len(codes):
        problems["criteria"] = _("Two criteria have the same code.")
    for index, item in enumerate(terms.criteria):
        key = f"criteria.{index}"
        if item.direction not in Criterion.Direction.values:
            problems[key] = _("A criterion's direction is “more need when higher” or “lower”.")
        elif item.weight is not None and not (
            math.isfinite(item.weight) and 0 <= item.weight <= 1000
        ):
            problems[key] = _("A weight is a number of zero or more.")
        else:
            _check_figures(item.figures, key, problems, actor)
            if item.figures.dataset is not None and item.figures.measure and key not in problems:
                try:
                    Measure.parse(item.figures.measure)
                except QueryError:
                    problems[key] = sentence_lazy(
                        _(
                            "The measure “%(measure)s” is not a function and a column, e.g. "
                            "sum:population or count."
                        ),
                        {"measure": item.figures.measure},
                    )
    _check_rules(terms, problems)
    if problems:
        raise ValidationError(problems)


def _check_rules(terms: ScenarioIn, problems: Problems) -> None:
    """Each rule within its range, named by its field (before anything is computed)."""
    ranges = {
        "cap_percent": (
            0,
            100,
            _("The cap on a share must be more than 0 and at most 100 percent."),
        ),
        "pace_percent": (
            0,
            100,
            _("The pace of change must be more than 0 and at most 100 percent."),
        ),
        "spread_percent": (
            0,
            99.999,
            _("The weight perturbation must be more than 0 and less than 100%."),
        ),
    }
    for name, (low, high, message) in ranges.items():
        value = getattr(terms, name)
        if value is not None and not (math.isfinite(value) and low < value <= high):
            problems[name] = message
    limit = terms.change_limit_percent
    if limit is not None and not (math.isfinite(limit) and 0 <= limit <= 1000):
        problems["change_limit_percent"] = _("The limit on change is a percentage of zero or more.")
    if not (math.isfinite(terms.need_exponent) and 0 <= terms.need_exponent <= 10):
        problems["need_exponent"] = _("The need exponent must be between 0 and 10.")
    if not (math.isfinite(terms.mix_percent) and 0 <= terms.mix_percent <= 100):
        problems["mix_percent"] = _("The manual share of a mix must be between 0 and 100 percent.")
    if not 1 <= terms.draws <= 10_000:
        problems["draws"] = _("The sensitivity analysis takes 1 to 10,000 draws.")
    if terms.floor < 0 or terms.base_per_county < 0:
        problems["floor"] = _("The floor and the base cannot be negative.")


# Projects.


@dataclass(frozen=True)
class ProjectIn:
    code: str
    title: str
    county: County
    cost: int
    start_year: int
    progress: float = 0
    priority: int = 100
    end_year: int | None = None
    agency: str = ""


def can_add_project(user: AnyUser, cycle: BudgetCycle, county: County) -> bool:
    """The cycle's managers, and the county's governor (its planning committee's chair)."""
    member = as_user(user)
    return member is not None and (can_manage(member, cycle) or _governs(member, county))


@transaction.atomic
def add_project(cycle: BudgetCycle, terms: ProjectIn, *, actor: User | None) -> Project:
    """Record a county planning committee's project for the cycle (in the ledger)."""
    if actor is not None:
        ensure(can_add_project(actor, cycle, terms.county))
    problems: Problems = {}
    if not 0 <= terms.progress <= 100:
        problems["progress"] = _("Physical progress is a percentage from 0 to 100.")
    if terms.cost <= 0:
        problems["cost"] = _("The cost must be more than zero rials.")
    if not FIRST_YEAR <= terms.start_year <= LAST_YEAR:
        problems["start_year"] = _("Give a Jalali year, e.g. 1403.")
    if terms.end_year is not None and terms.end_year < terms.start_year:
        problems["end_year"] = _("The last year is before the first.")
    if cycle.projects.filter(code=terms.code).exists():
        problems["code"] = _("This cycle already has a project with this code.")
    if problems:
        raise ValidationError(problems)
    project = Project(cycle=cycle, **terms.__dict__)
    project.full_clean()
    project.save()
    record(
        "budget.project_added",
        actor=actor,
        organisation=cycle.owner,
        object_type="budget_cycle",
        object_id=cycle.slug,
        payload={
            "project": project.code,
            "county": project.county.code,
            "cost": project.cost,
            "progress": project.progress,
            "priority": project.priority,
            "start_year": project.start_year,
        },
    )
    return project


def _governs(actor: User, county: County) -> bool:
    return Stakeholder.objects.filter(
        user=actor, group=StakeholderGroup.COUNTY_GOVERNORS, county=county
    ).exists()
