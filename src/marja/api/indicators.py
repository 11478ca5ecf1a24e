"""Plans, indicators and county profiles as JSON, and their exports; targets, values and
factors sent by their organisation's managers.

The same selectors as the pages, so a caller sees what the pages show them: public
indicators for everyone, internal ones for government users, none over a dataset the
caller may not read. Numbers are plain JSON numbers; years are Jalali years.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from marja.accounts.models import User
from marja.api.auth import caller, require_scope
from marja.api.errors import ApiError, invalid_request, refused_as_invalid
from marja.api.schemas import api_url, errors
from marja.catalog.models import County
from marja.indicators import exports, services
from marja.indicators.display import definition_text
from marja.indicators.models import Factor, Indicator, Plan, Target
from marja.indicators.profiles import profile_lines
from marja.indicators.selectors import (
    Progress,
    Year,
    breakdown,
    current_plan,
    factors_of,
    indicator_for,
    plan_overview,
    progress_of,
    with_figures,
)

router = Router(tags=["plans and indicators"])

Format = Literal["csv", "xlsx", "json"]


class PlanOut(Schema):
    slug: str
    name_fa: str
    name_en: str
    start_year: int
    end_year: int
    thresholds: dict[str, float] = Field(description="Ratios of observed to required rate.")
    url: str


class TargetOut(Schema):
    year: int
    value: float | None
    low: float | None
    high: float | None


class SourceOut(Schema):
    dataset: str
    version: int
    sha256: str


class YearOut(Schema):
    year: int
    value: float | None
    target: TargetOut | None = Field(description="The target set for this very year.")
    judged_against: TargetOut | None = Field(
        description="The target the year is judged against: the first due in or after it."
    )
    path: float | None = Field(description="The value the way to the target asks for then.")
    status: str
    achievement_percent: float | None
    gap: float | None
    observed_rate: float | None
    required_rate: float | None
    ratio: float | None
    rate_kind: str | None
    projection: float | None = Field(description="Carried to the plan's last year.")
    needed_rate: float | None
    numerator: float | None
    denominator: float | None
    note: str
    sources: list[SourceOut]
    evidence_url: str


class IndicatorSummaryOut(Schema):
    code: str
    goal: str
    name_fa: str
    name_en: str
    unit: str
    owner: str
    direction: str
    access: str
    status: str
    latest: YearOut | None
    url: str


class GoalOut(Schema):
    code: str
    title_fa: str
    title_en: str
    counts: dict[str, int]
    indicators: list[IndicatorSummaryOut]


class PlanDetailOut(PlanOut):
    goals: list[GoalOut]


class CountyFigureOut(Schema):
    county: str
    name_fa: str
    value: float | None
    previous: float | None
    rank: int | None
    gap_part: float | None
    change_part: float | None
    status: str


class FactorOut(Schema):
    id: int
    year: int
    kind: str
    category: str
    description: str
    evidence: str
    responsible: str | None


class IndicatorOut(IndicatorSummaryOut):
    description_fa: str
    frequency: str
    origin: str
    definition: str
    baseline: dict[str, float | int] | None
    computed_at: str | None
    computation_error: dict[str, Any]
    years: list[YearOut]
    counties_year: int | None
    counties: list[CountyFigureOut]
    components: dict[str, float]
    factors: list[FactorOut]
    sources: list[SourceOut]


class ProfileLineOut(Schema):
    indicator: str
    name_fa: str
    unit: str
    year: int | None
    value: float | None
    province: float | None
    rank: int | None
    ranked: int
    status: str
    history: list[tuple[int, float]] = Field(description="[year, value] pairs.")


class ProfileOut(Schema):
    county: str
    name_fa: str
    plan: str
    indicators: list[ProfileLineOut]


class TargetIn(Schema):
    year: int
    county: str = ""
    value: float | None = None
    low: float | None = None
    high: float | None = None


class ActualIn(Schema):
    year: int
    value: float
    evidence_url: str
    measured_on: str = Field(description="The evidence's Jalali date, e.g. 1403/02/15.")
    county: str = ""


class FactorIn(Schema):
    year: int
    kind: Literal["driver", "obstacle"]
    category: str
    description: str
    evidence: str = ""
    responsible: str = Field("", description="The responsible organisation's identifier.")


def _plan(slug: str) -> Plan:
    found = Plan.objects.filter(slug=slug).first()
    if found is None:
        raise ApiError(404, "plan_not_found", _("There is no plan «%(plan)s»."), plan=slug)
    return found


def _indicator(request: HttpRequest, plan: str, code: str) -> Indicator:
    try:
        found = indicator_for(caller(request), plan, code)
    except Http404:
        raise ApiError(
            404,
            "indicator_not_found",
            _("There is no indicator «%(indicator)s» in plan «%(plan)s», or you may not see it."),
            plan=plan,
            indicator=code,
        ) from None
    return with_figures(Indicator.objects.filter(pk=found.pk)).get()


def _plan_out(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    return {
        "slug": plan.slug,
        "name_fa": plan.name_fa,
        "name_en": plan.name_en,
        "start_year": plan.start_year,
        "end_year": plan.end_year,
        "thresholds": {"on_track": plan.on_track, "needs_acceleration": plan.needs_acceleration},
        "url": api_url(request, f"plans/{plan.slug}"),
    }


def _target_out(target: Target | None) -> TargetOut | None:
    if target is None:
        return None
    return TargetOut(year=target.year, value=target.value, low=target.low, high=target.high)


def _year_out(year: Year) -> YearOut:
    judged, actual = year.assessment, year.actual
    return YearOut(
        year=year.year,
        value=year.value,
        target=_target_out(year.target),
        judged_against=_target_out(year.in_force),
        path=year.path,
        status=judged.status.value,
        achievement_percent=judged.achievement,
        gap=judged.gap,
        observed_rate=judged.observed_rate,
        required_rate=judged.required_rate,
        ratio=judged.ratio,
        rate_kind=judged.rate_kind.value if judged.rate_kind else None,
        projection=judged.projection.value if judged.projection else None,
        needed_rate=judged.needed_rate,
        numerator=actual.numerator if actual else None,
        denominator=actual.denominator if actual else None,
        note=(actual.note if actual else "") or judged.note,
        sources=[SourceOut(**s) for s in actual.sources] if actual else [],
        evidence_url=actual.evidence_url if actual else "",
    )


def _summary(request: HttpRequest, item: Progress) -> dict[str, Any]:
    indicator = item.indicator
    latest = item.latest
    return {
        "code": indicator.code,
        "goal": indicator.goal.code,
        "name_fa": indicator.name_fa,
        "name_en": indicator.name_en,
        "unit": indicator.unit,
        "owner": indicator.owner.slug,
        "direction": indicator.direction,
        "access": indicator.access,
        "status": item.status.value,
        "latest": _year_out(latest) if latest else None,
        "url": api_url(request, f"plans/{indicator.plan.slug}/indicators/{indicator.code}"),
    }


@router.get("/plans", response=list[PlanOut], summary="The development plans", url_name="plans")
def plans(request: HttpRequest) -> list[dict[str, Any]]:
    return [_plan_out(request, p) for p in Plan.objects.order_by("-start_year", "slug")]


@router.get(
    "/plans/{plan}",
    response={200: PlanDetailOut, **errors(404)},
    summary="A plan: its goals, with each visible indicator's status and latest value",
    url_name="plan",
)
def plan(request: HttpRequest, plan: str) -> dict[str, Any]:
    found = _plan(plan)
    goals = plan_overview(caller(request), found)
    return {
        **_plan_out(request, found),
        "goals": [
            {
                "code": g.goal.code,
                "title_fa": g.goal.title_fa,
                "title_en": g.goal.title_en,
                "counts": g.counts,
                "indicators": [_summary(request, i) for i in g.indicators],
            }
            for g in goals
        ],
    }


@router.get(
    "/plans/{plan}/export",
    response={200: None, **errors(404, 422)},
    summary="A plan's indicators, their status and latest values, as CSV, XLSX or JSON",
    url_name="plan_export",
)
def plan_export(request: HttpRequest, plan: str, format: Format = "csv") -> HttpResponse:
    found = _plan(plan)
    rows = exports.plan_rows(plan_overview(caller(request), found))
    return exports.table_response(rows, exports.PLAN_COLUMNS, format, found.slug)


@router.get(
    "/plans/{plan}/indicators/{code}",
    response={200: IndicatorOut, **errors(404)},
    summary="An indicator: definition, every year judged, the counties, factors, sources",
    url_name="indicator",
)
def indicator(request: HttpRequest, plan: str, code: str) -> dict[str, Any]:
    found = _indicator(request, plan, code)
    province = progress_of(found)
    counties = list(County.objects.order_by("name_fa"))
    parts = breakdown(found, counties)
    sources: dict[tuple[str, int], dict[str, Any]] = {}
    for actual in found.actuals.all():
        for source in actual.sources:
            sources.setdefault((source["dataset"], source["version"]), source)
    baseline = province.baseline
    return {
        **_summary(request, province),
        "description_fa": found.description_fa,
        "frequency": found.frequency,
        "origin": found.origin,
        "definition": definition_text(found),
        "baseline": {"year": int(baseline.period), "value": baseline.value} if baseline else None,
        "computed_at": found.computed_at.isoformat() if found.computed_at else None,
        "computation_error": found.computation_error,
        "years": [_year_out(y) for y in province.years],
        "counties_year": parts.year,
        "counties": [
            CountyFigureOut(
                county=r.county.code,
                name_fa=r.county.name_fa,
                value=r.value,
                previous=r.previous,
                rank=r.rank,
                gap_part=r.gap_part,
                change_part=r.change_part,
                status=r.progress.status.value,
            )
            for r in parts.rows
        ],
        "components": {p.key: p.amount for p in parts.components},
        "factors": [_factor_out(f) for f in factors_of(found)],
        "sources": [SourceOut(**s) for _k, s in sorted(sources.items())],
    }


@router.get(
    "/plans/{plan}/indicators/{code}/export",
    response={200: None, **errors(404, 422)},
    summary="An indicator's years for the province and every county, as CSV, XLSX or JSON",
    url_name="indicator_export",
)
def indicator_export(
    request: HttpRequest,
    plan: str,
    code: str,
    format: Format = "csv",
) -> HttpResponse:
    found = _indicator(request, plan, code)
    counties = list(County.objects.order_by("name_fa"))
    every = [progress_of(found), *(progress_of(found, c) for c in counties)]
    rows = exports.year_rows(every)
    name = exports.file_name(found.plan.slug, found.code)
    return exports.table_response(rows, exports.YEAR_COLUMNS, format, name)


@router.get(
    "/counties/{county}/profile",
    response={200: ProfileOut, **errors(404)},
    summary="A county's profile: every visible indicator's latest value, rank and trend",
    url_name="county_profile",
)
def county_profile(request: HttpRequest, county: str, plan: str = "") -> dict[str, Any]:
    found = County.objects.filter(code=county).first()
    if found is None:
        raise ApiError(
            404, "county_not_found", _("There is no county «%(county)s»."), county=county
        )
    chosen = _plan(plan) if plan else current_plan()
    if chosen is None:
        raise ApiError(404, "plan_not_found", _("There is no plan «%(plan)s»."), plan=plan)
    lines = profile_lines(caller(request), found, chosen)
    return {
        "county": found.code,
        "name_fa": found.name_fa,
        "plan": chosen.slug,
        "indicators": [
            {
                "indicator": line.indicator.code,
                "name_fa": line.indicator.name_fa,
                "unit": line.indicator.unit,
                "year": line.year,
                "value": line.value,
                "province": line.province,
                "rank": line.rank,
                "ranked": line.ranked,
                "status": line.progress.status.value,
                "history": [[y, v] for y, v in line.progress.values],
            }
            for line in lines
        ],
    }


def _manager(request: HttpRequest, plan: str, code: str) -> tuple[User, Indicator]:
    require_scope(request, "publish")
    user = caller(request)
    if not isinstance(user, User):
        raise ApiError(401, "not_authenticated", _("Log in or send an API token."))
    found = _indicator(request, plan, code)
    if not services.can_manage(user, found):
        raise ApiError(
            403,
            "not_a_manager",
            _("Only the editors and administrators of «%(owner)s» manage this indicator."),
            owner=found.owner.slug,
        )
    return user, found


def _factor_out(factor: Factor) -> FactorOut:
    return FactorOut(
        id=factor.pk,
        year=factor.year,
        kind=factor.kind,
        category=factor.category,
        description=factor.description,
        evidence=factor.evidence,
        responsible=factor.responsible.slug if factor.responsible else None,
    )


@router.post(
    "/plans/{plan}/indicators/{code}/targets",
    response={201: TargetOut, **errors(400, 401, 403, 404)},
    summary="Set the target of an indicator for a year (and county); recorded in the ledger",
    url_name="indicator_targets",
)
def set_target(request: HttpRequest, plan: str, code: str, body: TargetIn) -> Status[Any]:
    user, found = _manager(request, plan, code)
    with refused_as_invalid():
        target = services.set_target(found, services.TargetIn(**body.dict()), actor=user)
    return Status(201, _target_out(target))


@router.post(
    "/plans/{plan}/indicators/{code}/actuals",
    response={201: YearOut, **errors(400, 401, 403, 404)},
    summary="Enter a value of a hand-measured indicator with its evidence (ledger)",
    url_name="indicator_actuals",
)
def enter_actual(request: HttpRequest, plan: str, code: str, body: ActualIn) -> Status[Any]:
    user, found = _manager(request, plan, code)
    with refused_as_invalid():
        services.enter_actual(found, services.ActualIn(**body.dict()), actor=user)
    county = County.objects.filter(code=body.county).first() if body.county else None
    refreshed = with_figures(Indicator.objects.filter(pk=found.pk)).get()
    year = next(y for y in progress_of(refreshed, county).years if y.year == body.year)
    return Status(201, _year_out(year))


@router.post(
    "/plans/{plan}/indicators/{code}/factors",
    response={201: FactorOut, **errors(400, 401, 403, 404)},
    summary="Record a driver or an obstacle of an indicator for a year (ledger)",
    url_name="indicator_factors",
)
def add_factor(request: HttpRequest, plan: str, code: str, body: FactorIn) -> Status[Any]:
    from marja.accounts.models import Organisation

    user, found = _manager(request, plan, code)
    responsible = None
    if body.responsible:
        responsible = Organisation.objects.filter(slug=body.responsible).first()
        if responsible is None:
            raise invalid_request(
                ValidationError({"responsible": [_("There is no such organisation.")]})
            )
    terms = services.FactorIn(
        year=body.year,
        kind=body.kind,
        category=body.category,
        description=body.description,
        evidence=body.evidence,
        responsible=responsible,
    )
    with refused_as_invalid():
        factor = services.add_factor(found, terms, actor=user)
    return Status(201, _factor_out(factor))
