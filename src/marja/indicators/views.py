"""Plan pages (overview, indicator, its management), county profiles and comparison.

Every page takes ``?format=csv|xlsx|json`` for the table it shows.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marja.accounts.models import User
from marja.catalog.models import County
from marja.common.display import digits
from marja.indicators import exports, services
from marja.indicators.display import (
    STATUS_NAMES,
    STATUS_ORDER,
    computation_error_text,
    definition_text,
    warnings_text,
)
from marja.indicators.forms import ActualForm, FactorForm, TargetForm
from marja.indicators.models import Indicator, Plan
from marja.indicators.profiles import compare, datasets_with, profile_lines
from marja.indicators.selectors import (
    breakdown,
    current_plan,
    factors_of,
    indicator_for,
    plan_for,
    plan_overview,
    progress_of,
    with_figures,
)

#: Counties side by side at most.
MAX_COMPARED = 6


def _format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    if not fmt:
        return None
    if fmt not in exports.FORMATS_OFFERED:
        raise Http404("format")
    return fmt


def plan_list(request: HttpRequest) -> HttpResponse:
    plans = Plan.objects.order_by("-start_year", "slug")
    return render(request, "indicators/plan_list.html", {"plans": plans})


def plan_detail(request: HttpRequest, plan: str) -> HttpResponse:
    found = plan_for(plan)
    goals = plan_overview(request.user, found)
    fmt = _format(request)
    if fmt:
        rows = exports.plan_rows(goals)
        return exports.table_response(rows, exports.PLAN_COLUMNS, fmt, found.slug)
    totals = dict.fromkeys(STATUS_ORDER, 0)
    for goal in goals:
        for status, n in goal.counts.items():
            totals[status] += n
    context = {
        "plan": found,
        "goals": goals,
        "totals": [(s, STATUS_NAMES[s], totals[s]) for s in STATUS_ORDER],
        "indicator_count": sum(len(g.indicators) for g in goals),
        "formats": exports.FORMATS_OFFERED,
    }
    return render(request, "indicators/plan_detail.html", context)


def _chart(indicator: Indicator, years: list[Any], rows: list[Any]) -> dict[str, Any]:
    """What indicator-chart.js draws: actual against target by year, and the counties."""
    return {
        "unit": indicator.unit,
        "years": [y.year for y in years],
        "actual": [y.value for y in years],
        "path": [y.path for y in years],
        "targets": [
            (y.target.value if y.target.value is not None else y.target.high) if y.target else None
            for y in years
        ],
        "counties": [r.county.name for r in rows if r.value is not None],
        "county_values": [r.value for r in rows if r.value is not None],
        "names": {
            "actual": _("actual"),
            "path": _("expected on the way to the target"),
            "target": _("target"),
        },
    }


def _unexplained(province_gap: float | None, counties_gap: float | None) -> float | None:
    """The part of the province's gap the counties do not account for (rows without a
    county, or a total measured on its own), or None when they account for all of it."""
    if province_gap is None or counties_gap is None:
        return None
    rest = province_gap - counties_gap
    return rest if abs(rest) > 1e-9 * max(1.0, abs(province_gap)) else None


def indicator_detail(request: HttpRequest, plan: str, code: str) -> HttpResponse:
    indicator = indicator_for(request.user, plan, code)
    indicator = with_figures(type(indicator).objects.filter(pk=indicator.pk)).get()
    counties = list(County.objects.order_by("name_fa"))
    province = progress_of(indicator)
    parts = breakdown(indicator, counties)
    fmt = _format(request)
    if fmt:
        every = [province, *(row.progress for row in parts.rows)]
        rows = exports.year_rows(every)
        name = exports.file_name(indicator.plan.slug, indicator.code)
        return exports.table_response(rows, exports.YEAR_COLUMNS, fmt, name)
    titles = _titled(indicator)
    sources = _sources(indicator, titles)
    province_gap = next((y.assessment.gap for y in province.years if y.year == parts.year), None)
    context = {
        "province_gap": province_gap,
        "gap_rest": _unexplained(province_gap, parts.gap_total),
        "indicator": indicator,
        "plan": indicator.plan,
        "progress": province,
        "latest": province.latest,
        "breakdown": parts,
        "ranked_rows": sorted(
            (r for r in parts.rows if r.value is not None), key=lambda r: r.rank or 0
        ),
        "factors": factors_of(indicator),
        "sources": sources,
        "years": _year_sources(province.years, titles),
        "definition": definition_text(indicator),
        "computation_error": computation_error_text(indicator.computation_error),
        "computation_warnings": warnings_text(indicator.computation_warnings),
        "api_url": f"/api/v1/plans/{indicator.plan.slug}/indicators/{indicator.code}",
        "chart": _chart(indicator, province.years, parts.rows),
        "can_manage": services.can_manage(request.user, indicator),
        "formats": exports.FORMATS_OFFERED,
        "status_names": STATUS_NAMES,
    }
    return render(request, "indicators/indicator_detail.html", context)


def _titled(indicator: Indicator) -> dict[str, str]:
    """The titles of the indicator's datasets by identifier, for people to read."""
    titles = {}
    for dataset in (indicator.dataset, indicator.denominator_dataset):
        if dataset is not None:
            titles[dataset.slug] = dataset.title
    return titles


def _sources(indicator: Indicator, titles: dict[str, str]) -> list[dict[str, Any]]:
    """Each dataset version the indicator's current values came from, once."""
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    for actual in indicator.actuals.all():
        for source in actual.sources:
            key = (str(source.get("dataset")), int(source.get("version") or 0))
            seen.setdefault(key, source | {"title": titles.get(key[0], key[0])})
    return sorted(seen.values(), key=lambda s: (s.get("dataset"), s.get("version")))


def _year_sources(years: list[Any], titles: dict[str, str]) -> list[tuple[Any, list[Any]]]:
    """Each year with the versions its value came from, titled."""
    return [
        (
            year,
            [
                source | {"title": titles.get(source.get("dataset"), source.get("dataset"))}
                for source in (year.actual.sources if year.actual else [])
            ],
        )
        for year in years
    ]


_FORMS: dict[str, Any] = {"target": TargetForm, "actual": ActualForm, "factor": FactorForm}


@login_required
def indicator_manage(request: HttpRequest, plan: str, code: str) -> HttpResponse:
    """Set targets, enter values by hand (with evidence), record drivers and obstacles."""
    assert isinstance(request.user, User)  # noqa: S101 (login_required)
    indicator = indicator_for(request.user, plan, code)
    if not services.can_manage(request.user, indicator):
        raise PermissionDenied
    which = request.POST.get("form", "") if request.method == "POST" else ""
    forms: dict[str, Form] = {}
    for name, form_class in _FORMS.items():
        data = request.POST if name == which else None
        if form_class is TargetForm:
            forms[name] = TargetForm(data, indicator=indicator, prefix=name)
        else:
            forms[name] = form_class(data, prefix=name)
    if indicator.origin != Indicator.Origin.MANUAL:
        forms.pop("actual")
    status = 200
    if which in forms:
        form = forms[which]
        if form.is_valid() and _save(request, indicator, which, form):
            return redirect("indicators:indicator", plan=plan, code=code)
        status = 400
    context = {"indicator": indicator, "plan": indicator.plan, "forms": forms, "which": which}
    return render(request, "indicators/indicator_manage.html", context, status=status)


def _save(request: HttpRequest, indicator: Indicator, which: str, form: Any) -> bool:
    """Hand the form to its service; put the service's complaints back on the form."""
    actor = request.user
    assert isinstance(actor, User)  # noqa: S101 (login_required)
    try:
        if which == "target":
            services.set_target(indicator, form.to_terms(), actor=actor)
            done = _("The target was saved.")
        elif which == "actual":
            services.enter_actual(indicator, form.to_value(), actor=actor)
            done = _("The value was saved with its evidence.")
        else:
            services.add_factor(indicator, form.to_factor(), actor=actor)
            done = _("The factor was recorded.")
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    messages.success(request, done)
    return True


def _plan_asked(request: HttpRequest) -> Plan:
    slug = request.GET.get("plan", "")
    if slug:
        return plan_for(slug)
    found = current_plan()
    if found is None:
        raise Http404("plan")
    return found


def county_list(request: HttpRequest) -> HttpResponse:
    counties = County.objects.order_by("name_fa")
    return render(request, "indicators/county_list.html", {"counties": counties})


def county_detail(request: HttpRequest, county: str) -> HttpResponse:
    found = County.objects.filter(code=county).first()
    if found is None:
        raise Http404("county")
    plan = _plan_asked(request)
    lines = profile_lines(request.user, found, plan)
    fmt = _format(request)
    if fmt:
        rows = exports.profile_rows(lines)
        return exports.table_response(
            rows, exports.PROFILE_COLUMNS, fmt, exports.file_name(found.code, plan.slug)
        )
    context = {
        "county": found,
        "plan": plan,
        "plans": Plan.objects.order_by("-start_year"),
        "lines": lines,
        "datasets": datasets_with(request.user, found),
        "others": County.objects.exclude(pk=found.pk).order_by("name_fa"),
        "formats": exports.FORMATS_OFFERED,
        "status_names": STATUS_NAMES,
    }
    return render(request, "indicators/county_detail.html", context)


def county_compare(request: HttpRequest) -> HttpResponse:
    codes = list(dict.fromkeys(request.GET.getlist("county")))
    plan = _plan_asked(request)
    chosen = {c.code: c for c in County.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in chosen]
    counties = [chosen[code] for code in codes if code in chosen][:MAX_COMPARED]
    problem = ""
    if unknown:
        problem = _("There is no county «%(county)s» in the province's list.") % {
            "county": unknown[0]
        }
    elif len(codes) > MAX_COMPARED:
        problem = _("At most %(n)s counties are compared at once; the first ones are shown.") % {
            "n": digits(MAX_COMPARED)
        }
    elif len(counties) < 2:
        problem = _("Choose two or more counties to compare.")
    comparison = compare(request.user, counties, plan) if len(counties) >= 2 else None
    fmt = _format(request)
    if fmt and comparison is not None and not unknown:
        rows = exports.comparison_rows(comparison)
        name = exports.file_name(plan.slug, *(c.code for c in counties))
        return exports.table_response(rows, exports.COMPARISON_COLUMNS, fmt, name)
    query = urlencode([("plan", plan.slug), *(("county", c.code) for c in counties)])
    context = {
        "query": query,
        "formats": exports.FORMATS_OFFERED,
        "plan": plan,
        "plans": Plan.objects.order_by("-start_year"),
        "comparison": comparison,
        "all_counties": County.objects.order_by("name_fa"),
        "chosen": [c.code for c in counties],
        "problem": problem,
    }
    return render(
        request, "indicators/county_compare.html", context, status=400 if unknown else 200
    )
