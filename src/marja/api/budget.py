"""Budget cycles, scenarios, consultation, council votes and final allocations as JSON.

The same selectors and services as the pages: scenarios for government users, council
members and stakeholders; a decided cycle's final allocation for everyone. Amounts are
whole rials as JSON integers; years are Jalali years; a scenario that cannot be computed
carries its ``problem`` (code, params, and the sentence in Persian and English).
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from marja.accounts.models import User
from marja.api.auth import caller, require_scope
from marja.api.errors import ApiError, refused_as_invalid
from marja.api.schemas import api_url, errors, jalali_date, jalali_moment
from marja.budget import decision, exports, selectors, services
from marja.budget.models import AllocationScenario, BudgetCycle, Comment, CouncilSession
from marja.budget.problems import problem_text
from marja.catalog.models import County, Dataset
from marja.common.forms import JalaliDateField
from marja.indicators.models import Indicator

router = Router(tags=["budget"])

Format = Literal["csv", "xlsx", "json"]


class FinalOut(Schema):
    scenario: int
    total: int
    digest: str = Field(description="SHA-256 of the adopted amounts and result (in the ledger).")
    adopted_at: str | None
    dataset: str | None = Field(description="The catalog dataset it was published as.")
    amounts: list[dict[str, Any]]


class ScenarioSummaryOut(Schema):
    number: int
    name_fa: str
    status: str
    method: str
    weighting: str
    computed: bool
    problem: dict[str, Any] | None
    url: str


class CycleOut(Schema):
    slug: str
    year: int
    programme_fa: str
    programme_en: str
    total: int = Field(description="The amount to divide, in rials.")
    owner: str
    final: FinalOut | None
    scenarios: list[ScenarioSummaryOut] = Field(description="Empty for the public.")
    url: str


class CommentOut(Schema):
    id: int
    author: str
    group: str
    county: str | None
    text: str
    created_at: str | None


class SessionOut(Schema):
    id: int
    scenario: int
    quorum: int
    open: bool
    outcome: str
    tally: dict[str, int]
    votes: int


class ScenarioOut(Schema):
    number: int
    name_fa: str
    name_en: str
    status: str
    definition: dict[str, Any] = Field(description="Criteria, method, weighting and rules.")
    result: dict[str, Any] = Field(description="Counties, weights, fairness, sensitivity.")
    problem: dict[str, Any] | None
    computed_at: str | None
    consultation: dict[str, Any] | None
    url: str
    comments: list[CommentOut] = Field(description="For those who may see scenarios.")
    sessions: list[SessionOut] = Field(description="Council sessions on it, newest first.")


class FiguresIn(Schema):
    """An indicator (plan, code, year) or a dataset aggregate by county."""

    plan: str | None = None
    indicator: str | None = None
    dataset: str | None = None
    measure: str = ""
    county_column: str = ""
    year_column: str = ""
    year: int | None = None
    filters: list[list[str]] = []
    scale: float = 1.0
    absent_is_zero: bool = False


class CriterionIn(Schema):
    code: str
    name_fa: str
    direction: Literal["higher", "lower"]
    weight: float | None = Field(None, ge=0, le=1000)

    @field_validator("weight", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> object:
        """A JSON number: neither a boolean (true is not 1) nor text ("0.5")."""
        if isinstance(value, bool | str):
            raise ValueError("not a number")
        return value

    non_negative: bool = True
    source: FiguresIn


class ScenarioIn(Schema):
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
    base_per_county: int = Field(0, ge=0)
    floor: int = Field(0, ge=0)
    cap_percent: float | None = None
    change_limit_percent: float | None = None
    pace_percent: float | None = None
    draws: int = Field(1000, ge=1, le=10_000)
    spread_percent: float = 20
    seed: int = Field(1403, ge=0)


class ConsultationIn(Schema):
    groups: list[str]
    closes_on: str = Field(description="Jalali (1403/09/30) or ISO date.")


class CommentIn(Schema):
    text: str
    county: str | None = None


class VoteIn(Schema):
    choice: Literal["for", "against", "abstain"]


def _problem(problem: dict[str, Any]) -> dict[str, Any] | None:
    if not problem:
        return None
    both = {}
    for language in ("fa", "en"):
        with translation.override(language):
            both[f"message_{language}"] = problem_text(problem)
    return problem | both


def _cycle(request: HttpRequest, slug: str) -> BudgetCycle:
    try:
        return selectors.cycle_for(caller(request), slug)
    except Http404:
        raise ApiError(
            404, "cycle_not_found", _("There is no budget cycle “%(cycle)s”."), cycle=slug
        ) from None


def _scenario(request: HttpRequest, cycle: BudgetCycle, number: int) -> AllocationScenario:
    try:
        return selectors.scenario_for(caller(request), cycle, number)
    except Http404:
        raise ApiError(
            404, "scenario_not_found", _("This cycle has no scenario %(number)s."), number=number
        ) from None


def _user(request: HttpRequest) -> User:
    require_scope(request, "publish")
    user = caller(request)
    if not isinstance(user, User):
        raise ApiError(401, "not_authenticated", _("Log in or send an API token."))
    return user


def _forbidden() -> ApiError:
    return ApiError(403, "not_allowed", _("Your role does not allow this action here."))


def _summary(request: HttpRequest, scenario: AllocationScenario) -> ScenarioSummaryOut:
    return ScenarioSummaryOut(
        number=scenario.number,
        name_fa=scenario.name_fa,
        status=scenario.status,
        method=scenario.method,
        weighting=scenario.weighting,
        computed=bool(scenario.result),
        problem=_problem(scenario.problem),
        url=api_url(request, f"budget/cycles/{scenario.cycle.slug}/scenarios/{scenario.number}"),
    )


def _definition(scenario: AllocationScenario) -> dict[str, Any]:
    fields = (
        "normalisation",
        "method",
        "weighting",
        "mix_percent",
        "missing",
        "basis",
        "need_exponent",
        "base_per_county",
        "floor",
        "cap_percent",
        "change_limit_percent",
        "pace_percent",
        "draws",
        "spread_percent",
        "seed",
    )
    definition: dict[str, Any] = {name: getattr(scenario, name) for name in fields}
    definition["criteria"] = [
        {
            "code": c.code,
            "name_fa": c.name_fa,
            "direction": c.direction,
            "weight": c.weight,
            "non_negative": c.non_negative,
            "source": c.figures.describe(),
        }
        for c in scenario.criteria.select_related("figures__indicator__plan", "figures__dataset")
    ]
    return definition


def _comment_out(comment: Comment) -> CommentOut:
    return CommentOut(
        id=comment.pk,
        author=comment.author.username,
        group=comment.group,
        county=comment.county.code if comment.county else None,
        text=comment.text,
        created_at=jalali_moment(comment.created_at),
    )


def _scenario_out(
    request: HttpRequest, scenario: AllocationScenario, user: Any = None
) -> ScenarioOut:
    seen = user is not None and selectors.sees_scenarios(user)
    consultation = None
    if scenario.consultation_groups:
        consultation = {
            "groups": scenario.consultation_groups,
            "closes_on": jalali_date(scenario.consultation_closes_on),
        }
    return ScenarioOut(
        number=scenario.number,
        name_fa=scenario.name_fa,
        name_en=scenario.name_en,
        status=scenario.status,
        definition=_definition(scenario),
        result=scenario.result,
        problem=_problem(scenario.problem),
        computed_at=jalali_moment(scenario.computed_at),
        consultation=consultation,
        url=api_url(request, f"budget/cycles/{scenario.cycle.slug}/scenarios/{scenario.number}"),
        comments=[_comment_out(c) for c in selectors.comments_of(scenario)] if seen else [],
        sessions=[_session_out(x) for x in selectors.sessions_of(scenario)] if seen else [],
    )


def _session_out(session: CouncilSession) -> SessionOut:
    return SessionOut(
        id=session.pk,
        scenario=session.scenario.number,
        quorum=session.quorum,
        open=session.open,
        outcome=session.outcome,
        tally=session.tally or {},
        votes=session.votes.count(),
    )


@router.get(
    "/budget/cycles",
    response={200: list[CycleOut]},
    summary="Budget cycles",
    url_name="budget_cycles",
)
def cycle_list(request: HttpRequest) -> list[CycleOut]:
    return [_cycle_out(request, c) for c in selectors.cycles_visible_to(caller(request))]


def _cycle_out(request: HttpRequest, cycle: BudgetCycle) -> CycleOut:
    final = selectors.final_of(cycle)
    user = caller(request)
    return CycleOut(
        slug=cycle.slug,
        year=cycle.year,
        programme_fa=cycle.programme_fa,
        programme_en=cycle.programme_en,
        total=cycle.total,
        owner=cycle.owner.slug,
        final=None
        if final is None
        else FinalOut(
            scenario=final.scenario.number,
            total=final.total,
            digest=final.digest,
            adopted_at=jalali_moment(final.adopted_at),
            dataset=final.dataset.slug if final.dataset else None,
            amounts=final.amounts,
        ),
        scenarios=[_summary(request, s) for s in selectors.scenarios_of(user, cycle)]
        if selectors.sees_scenarios(user)
        else [],
        url=api_url(request, f"budget/cycles/{cycle.slug}"),
    )


@router.get(
    "/budget/cycles/{cycle}",
    response={200: CycleOut, **errors(404)},
    summary="A budget cycle: total, final allocation, scenarios",
    url_name="budget_cycle",
)
def cycle_detail(request: HttpRequest, cycle: str) -> CycleOut:
    return _cycle_out(request, _cycle(request, cycle))


@router.get(
    "/budget/cycles/{cycle}/scenarios/{number}",
    response={200: ScenarioOut, **errors(404)},
    summary="A scenario: definition, allocation with explanation, fairness, sensitivity",
    url_name="budget_scenario",
)
def scenario_detail(request: HttpRequest, cycle: str, number: int) -> ScenarioOut:
    found = _scenario(request, _cycle(request, cycle), number)
    return _scenario_out(request, selectors.for_display(caller(request), found), caller(request))


@router.get(
    "/budget/cycles/{cycle}/scenarios/{number}/export",
    response={200: None, **errors(404, 422)},
    summary="A scenario's counties as CSV, XLSX or JSON",
    url_name="budget_scenario_export",
)
def scenario_export(
    request: HttpRequest, cycle: str, number: int, format: Format = "csv"
) -> HttpResponse:
    found = _scenario(request, _cycle(request, cycle), number)
    return exports.scenario_download(selectors.for_display(caller(request), found), format)


def _figures(source: FiguresIn, index: int) -> services.FiguresIn:
    indicator = dataset = None
    field = f"criteria.{index}.source"
    if source.indicator:
        indicator = Indicator.objects.filter(
            plan__slug=source.plan or "", code=source.indicator
        ).first()
        if indicator is None:
            raise ApiError(
                400,
                "indicator_not_found",
                _("There is no indicator %(code)s in plan “%(plan)s”."),
                code=source.indicator,
                plan=source.plan or "",
                fields=[field],
            )
    if source.dataset:
        dataset = Dataset.objects.filter(slug=source.dataset).first()
        if dataset is None:
            raise ApiError(
                400,
                "dataset_not_found",
                _("There is no dataset “%(slug)s”."),
                slug=source.dataset,
                fields=[field],
            )
    return services.FiguresIn(
        indicator=indicator,
        dataset=dataset,
        measure=source.measure,
        county_column=source.county_column,
        year_column=source.year_column,
        year=source.year,
        filters=source.filters,
        scale=source.scale,
        absent_is_zero=source.absent_is_zero,
    )


@router.post(
    "/budget/cycles/{cycle}/scenarios",
    response={201: ScenarioOut, **errors(400, 401, 403, 404)},
    summary="Create a scenario and compute it (the cycle's managers; in the ledger)",
    url_name="budget_scenarios",
)
def scenario_create(request: HttpRequest, cycle: str, body: ScenarioIn) -> Status[Any]:
    user = _user(request)
    found = _cycle(request, cycle)
    if not services.can_manage(user, found):
        raise _forbidden()
    fields = body.dict()
    fields["criteria"] = [
        services.CriterionIn(
            code=c.code,
            name_fa=c.name_fa,
            direction=c.direction,
            weight=c.weight,
            non_negative=c.non_negative,
            figures=_figures(c.source, i),
        )
        for i, c in enumerate(body.criteria)
    ]
    with refused_as_invalid():
        made = services.save_scenario(found, services.ScenarioIn(**fields), actor=user)
    return Status(201, _scenario_out(request, made, user))


def _acting(request: HttpRequest, cycle: str, number: int) -> tuple[User, AllocationScenario]:
    user = _user(request)
    return user, _scenario(request, _cycle(request, cycle), number)


@router.post(
    "/budget/cycles/{cycle}/scenarios/{number}/compute",
    response={200: ScenarioOut, **errors(400, 401, 403, 404)},
    summary="Compute a draft scenario again from the current data",
    url_name="budget_compute",
)
def scenario_compute(request: HttpRequest, cycle: str, number: int) -> ScenarioOut:
    user, scenario = _acting(request, cycle, number)
    try:
        with refused_as_invalid():
            return _scenario_out(request, services.compute_scenario(scenario, actor=user), user)
    except PermissionDenied:
        raise _forbidden() from None


@router.post(
    "/budget/cycles/{cycle}/scenarios/{number}/consultation",
    response={200: ScenarioOut, **errors(400, 401, 403, 404)},
    summary="Open a computed draft for comments to stakeholder groups",
    url_name="budget_consultation",
)
def scenario_consult(
    request: HttpRequest, cycle: str, number: int, body: ConsultationIn
) -> ScenarioOut:
    user, scenario = _acting(request, cycle, number)
    with refused_as_invalid():
        closes = JalaliDateField().clean(body.closes_on)
        try:
            return _scenario_out(
                request, decision.open_consultation(scenario, body.groups, closes, actor=user), user
            )
        except PermissionDenied:
            raise _forbidden() from None


@router.post(
    "/budget/cycles/{cycle}/scenarios/{number}/comments",
    response={201: CommentOut, **errors(400, 401, 403, 404)},
    summary="A stakeholder's comment on a scenario under consultation",
    url_name="budget_comments",
)
def scenario_comment(request: HttpRequest, cycle: str, number: int, body: CommentIn) -> Status[Any]:
    user, scenario = _acting(request, cycle, number)
    county = County.objects.filter(code=body.county).first() if body.county else None
    if body.county and county is None:
        raise ApiError(
            400,
            "county_not_found",
            _("There is no county “%(county)s”."),
            county=body.county,
            fields=["county"],
        )
    try:
        with refused_as_invalid():
            comment = decision.add_comment(scenario, body.text, actor=user, county=county)
    except PermissionDenied:
        raise ApiError(
            403,
            "not_invited",
            _("Only the stakeholder groups invited may comment, until the closing date."),
        ) from None
    return Status(
        201,
        CommentOut(
            id=comment.pk,
            author=user.username,
            group=comment.group,
            county=county.code if county else None,
            text=comment.text,
            created_at=jalali_moment(comment.created_at),
        ),
    )


@router.post(
    "/budget/cycles/{cycle}/scenarios/{number}/session",
    response={201: SessionOut, **errors(400, 401, 403, 404)},
    summary="Open a council session to vote on a scenario",
    url_name="budget_session_open",
)
def session_open(request: HttpRequest, cycle: str, number: int) -> Status[Any]:
    user, scenario = _acting(request, cycle, number)
    try:
        with refused_as_invalid():
            return Status(201, _session_out(decision.open_session(scenario, actor=user)))
    except PermissionDenied:
        raise _forbidden() from None


def _session(request: HttpRequest, session: int) -> CouncilSession:
    found = CouncilSession.objects.select_related("scenario__cycle").filter(pk=session).first()
    if found is None or not selectors.sees_scenarios(caller(request)):
        raise ApiError(
            404, "session_not_found", _("There is no council session %(id)s."), id=session
        )
    return found


@router.post(
    "/budget/sessions/{session}/votes",
    response={201: SessionOut, **errors(400, 401, 403, 404)},
    summary="A council member's vote (once per session)",
    url_name="budget_vote",
)
def session_vote(request: HttpRequest, session: int, body: VoteIn) -> Status[Any]:
    user = _user(request)
    found = _session(request, session)
    try:
        with refused_as_invalid():
            decision.cast_vote(found, body.choice, actor=user)
    except PermissionDenied:
        raise ApiError(
            403, "not_a_voting_member", _("Only the council's voting members vote.")
        ) from None
    return Status(201, _session_out(found))


@router.post(
    "/budget/sessions/{session}/close",
    response={200: SessionOut, **errors(400, 401, 403, 404)},
    summary="Close a session and count the votes (adoption makes the allocation final)",
    url_name="budget_session_close",
)
def session_close(request: HttpRequest, session: int) -> SessionOut:
    user = _user(request)
    found = _session(request, session)
    try:
        with refused_as_invalid():
            return _session_out(decision.close_session(found, actor=user))
    except PermissionDenied:
        raise _forbidden() from None


@router.get(
    "/budget/cycles/{cycle}/counties/{county}/projects",
    response={200: dict[str, Any], **errors(404)},
    summary="A county committee's projects funded within its amount",
    url_name="budget_projects",
)
def county_projects(request: HttpRequest, cycle: str, county: str) -> dict[str, Any]:
    found = _cycle(request, cycle)
    place = County.objects.filter(code=county).first()
    if place is None:
        raise ApiError(
            404, "county_not_found", _("There is no county “%(county)s”."), county=county
        )
    funded = selectors.county_projects(found, place)
    if funded.basis == "scenario" and not selectors.sees_scenarios(caller(request)):
        funded = selectors.CountyProjects(place, None, "", [], None)
    return {
        "county": place.code,
        "amount": funded.amount,
        "basis": funded.basis or None,
        "left": funded.left,
        "projects": [
            {
                "code": line.project.code,
                "title": line.project.title,
                "cost": line.project.cost,
                "progress": line.project.progress,
                "priority": line.project.priority,
                "order": line.funding.order,
                "funded": line.funding.funded,
                "reason": line.funding.reason.value,
                "left_before": line.funding.left_before,
            }
            for line in funded.lines
        ],
    }


@router.get(
    "/budget/cycles/{cycle}/execution",
    response={200: dict[str, Any], **errors(404)},
    summary="Actual spending per county against the final allocation",
    url_name="budget_execution",
)
def execution(request: HttpRequest, cycle: str) -> dict[str, Any]:
    found = _cycle(request, cycle)
    result = selectors.execution_of(found, caller(request))
    if result is None:
        return {"available": False, "counties": []}
    return {
        "available": True,
        "problem": _problem(result.problem),
        "sources": result.sources,
        "counties": [
            {
                "county": line.code,
                "allocated": line.allocated,
                "spent": line.spent,
                "share_percent": line.share,
            }
            for line in result.lines
        ],
    }
