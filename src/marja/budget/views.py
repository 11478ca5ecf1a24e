"""Budget pages: cycles, scenarios (with their explanation, fairness and sensitivity),
the comparison of scenarios, consultation, the council's session, projects.

Tables take ``?format=csv|xlsx|json``. Every write goes through :mod:`.services`;
a refusal is shown on the page and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marja.accounts.models import User
from marja.budget import decision, exports, selectors, services
from marja.budget.display import binding_name, rules_text
from marja.budget.forms import (
    DATASET_ROWS,
    CommentForm,
    ConsultationForm,
    ProjectForm,
    ScenarioForm,
    VoteForm,
)
from marja.budget.models import AllocationScenario, CouncilSession
from marja.budget.problems import problem_text
from marja.catalog.models import County, Dataset
from marja.common.access import ExplainedDenial
from marja.common.downloads import FORMATS_OFFERED

MAX_COMPARED = 6
#: The closing date a consultation form offers first.
CONSULTATION = dt.timedelta(days=14)


def _format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    if fmt and fmt not in FORMATS_OFFERED:
        raise Http404("format")
    return fmt or None


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = selectors.cycles_visible_to(request.user)
    return render(request, "budget/cycle_list.html", {"cycles": cycles})


def cycle_detail(request: HttpRequest, cycle: str) -> HttpResponse:
    found = selectors.cycle_for(request.user, cycle)
    final = selectors.final_of(found)
    if _format(request) and final is not None:
        return exports.final_download(final, _format(request) or "csv")
    scenarios = list(selectors.scenarios_of(request.user, found))
    execution = selectors.execution_of(found, request.user)
    context = {
        "cycle": found,
        "final": final,
        "final_lines": exports.final_lines(final) if final else [],
        "scenarios": [(s, problem_text(s.problem) if s.problem else "") for s in scenarios],
        "sees_scenarios": selectors.sees_scenarios(request.user),
        "can_manage": services.can_manage(request.user, found),
        "open_session": selectors.open_session_of(found),
        "execution": execution,
        "execution_problem": problem_text(execution.problem)
        if execution and execution.problem
        else "",
        "counties": County.objects.order_by("name_fa"),
        "formats": FORMATS_OFFERED,
    }
    return render(request, "budget/cycle_detail.html", context)


def scenario_detail(request: HttpRequest, cycle: str, number: int) -> HttpResponse:
    found = selectors.cycle_for(request.user, cycle)
    scenario = selectors.for_display(
        request.user, selectors.scenario_for(request.user, found, number)
    )
    fmt = _format(request)
    if fmt:
        return exports.scenario_download(scenario, fmt)
    actor = request.user if isinstance(request.user, User) else None
    session = selectors.open_session_of(found)
    seat = decision.council_seat(request.user)
    named = {str(source.get("dataset")) for source in scenario.result.get("sources", [])}
    titles = dict(Dataset.objects.filter(slug__in=named).values_list("slug", "title_fa"))
    sources = [
        source | {"title": titles.get(str(source.get("dataset")), "")}
        for source in scenario.result.get("sources", [])
    ]
    context = {
        "cycle": found,
        "scenario": scenario,
        "sources": sources,
        "problem": problem_text(scenario.problem) if scenario.problem else "",
        "rules": rules_text(scenario),
        "lines": [
            (line, binding_name(line.row["binding"])) for line in selectors.county_lines(scenario)
        ],
        "weights": _weights(scenario),
        "result": scenario.result,
        "comments": selectors.comments_of(scenario)
        if selectors.sees_scenarios(request.user)
        else [],
        "can_manage": services.can_manage(request.user, found),
        "can_comment": actor is not None and decision.can_comment(actor, scenario),
        "can_run_sessions": decision.can_run_sessions(request.user, found),
        "session": session if session and session.scenario_id == scenario.pk else None,
        "voted": session is not None
        and actor is not None
        and session.votes.filter(member=actor).exists(),
        "seat": seat,
        "sessions": selectors.sessions_of(scenario),
        "consultation_form": ConsultationForm(
            prefix="consult", initial={"closes_on": timezone.localdate() + CONSULTATION}
        ),
        "comment_form": CommentForm(prefix="comment"),
        "vote_form": VoteForm(prefix="vote"),
        "formats": FORMATS_OFFERED,
        "spread_percent": 100 * scenario.result.get("sensitivity", {}).get("spread", 0),
        "largest_fall_percent": _percent(
            (scenario.result.get("fairness") or {}).get("largest_fall")
        ),
        "chart": _chart(scenario),
    }
    return render(request, "budget/scenario_detail.html", context)


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _chart(scenario: AllocationScenario) -> dict[str, Any]:
    """This scenario's amounts and last year's, in billions of rials, by county."""
    lines = sorted(selectors.county_lines(scenario), key=lambda line: -line.row["amount"])
    series = [{"name": scenario.name, "values": [line.row["amount"] / 1e9 for line in lines]}]
    if lines and lines[0].row.get("last_year") is not None:
        series.append(
            {
                "name": _("last year's allocation"),
                "values": [(line.row["last_year"] or 0) / 1e9 for line in lines],
            }
        )
    return {"counties": [line.name for line in lines], "series": series, "unit": _("billion rials")}


def _weights(scenario: AllocationScenario) -> list[dict[str, Any]]:
    names = {c.code: c for c in scenario.criteria.all()}
    rows = []
    for weight in scenario.result.get("weights", []):
        criterion = names.get(weight["criterion"])
        rows.append(
            weight
            | {
                "name": criterion.name_fa if criterion else weight["criterion"],
                "direction": criterion.get_direction_display() if criterion else "",
            }
        )
    return rows


@login_required
def scenario_edit(request: HttpRequest, cycle: str, number: int | None = None) -> HttpResponse:
    """A new scenario, or changes to a draft; saved and computed at once."""
    actor = _actor(request)
    found = selectors.cycle_for(actor, cycle)
    if not services.can_manage(actor, found):
        raise PermissionDenied
    if selectors.final_of(found) is not None:
        raise ExplainedDenial(
            "cycle_decided",
            _("This cycle is decided"),
            _("The council has adopted this cycle's allocation: it takes no new scenario."),
        )
    scenario = selectors.scenario_for(actor, found, number) if number else None
    if scenario is not None and not scenario.editable:
        raise PermissionDenied
    initial = (
        ScenarioForm.initial_from(scenario)
        if scenario
        else {"normalisation": "min_max", "method": "weighted_sum"}
    )
    existing = scenario.criteria.filter(figures__dataset__isnull=False).count() if scenario else 0
    rows = max(DATASET_ROWS, existing + 1)
    form = ScenarioForm(request.POST or None, initial=initial, user=actor, dataset_rows=rows)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_scenario(
                    found, form.to_terms(), actor=actor, scenario=scenario
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(form.field_of(field), errors)
            else:
                messages.success(request, _("The scenario was saved and computed."))
                return redirect("budget:scenario", cycle=found.slug, number=saved.number)
        status = 400
    context = {"cycle": found, "scenario": scenario, "form": form}
    return render(request, "budget/scenario_edit.html", context, status=status)


def _form_refusal(form: Form) -> ValidationError:
    """A form's errors as one refusal, each prefixed with its field's label."""
    return ValidationError(
        {
            name: [
                f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
                for error in errors
            ]
            for name, errors in form.errors.items()
        }
    )


def _act(
    request: HttpRequest, cycle: str, number: int, action: Callable[[AllocationScenario, User], str]
) -> HttpResponse:
    """Run a POSTed action on a scenario; its refusal becomes an error message."""
    actor = _actor(request)
    found = selectors.cycle_for(actor, cycle)
    scenario = selectors.scenario_for(actor, found, number)
    try:
        done = action(scenario, actor)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("budget:scenario", cycle=found.slug, number=scenario.number)


@login_required
@require_POST
def scenario_compute(request: HttpRequest, cycle: str, number: int) -> HttpResponse:
    if not services.can_manage(request.user, selectors.cycle_for(request.user, cycle)):
        raise PermissionDenied

    def run(scenario: AllocationScenario, actor: User) -> str:
        services.compute_scenario(scenario, actor=actor)
        return _("The scenario was computed again from the current data.")

    return _act(request, cycle, number, run)


@login_required
@require_POST
def scenario_consult(request: HttpRequest, cycle: str, number: int) -> HttpResponse:
    if not services.can_manage(request.user, selectors.cycle_for(request.user, cycle)):
        raise PermissionDenied

    def run(scenario: AllocationScenario, actor: User) -> str:
        form = ConsultationForm(request.POST, prefix="consult")
        if not form.is_valid():
            raise _form_refusal(form)
        data = form.cleaned_data
        decision.open_consultation(scenario, data["groups"], data["closes_on"], actor=actor)
        return _("The scenario is open for comments.")

    return _act(request, cycle, number, run)


@login_required
@require_POST
def scenario_comment(request: HttpRequest, cycle: str, number: int) -> HttpResponse:
    found = selectors.cycle_for(request.user, cycle)
    if selectors.final_of(found) is not None:
        raise ExplainedDenial(
            "cycle_decided",
            _("This cycle is decided"),
            _("The council has adopted this cycle's allocation: comments are closed."),
        )
    if not decision.can_comment(request.user, selectors.scenario_for(request.user, found, number)):
        raise ExplainedDenial(
            "not_invited",
            _("You may not comment on this scenario"),
            _("Only the stakeholder groups invited may comment, until the closing date."),
        )

    def run(scenario: AllocationScenario, actor: User) -> str:
        form = CommentForm(request.POST, prefix="comment")
        if not form.is_valid():
            raise _form_refusal(form)
        decision.add_comment(
            scenario, form.cleaned_data["text"], actor=actor, county=form.cleaned_data["county"]
        )
        return _("Your comment was recorded.")

    return _act(request, cycle, number, run)


@login_required
@require_POST
def session_open(request: HttpRequest, cycle: str, number: int) -> HttpResponse:
    if not decision.can_run_sessions(request.user, selectors.cycle_for(request.user, cycle)):
        raise PermissionDenied

    def run(scenario: AllocationScenario, actor: User) -> str:
        decision.open_session(scenario, actor=actor)
        return _("The council session is open for votes.")

    return _act(request, cycle, number, run)


def _session_of(scenario: AllocationScenario) -> CouncilSession:
    session = selectors.open_session_of(scenario.cycle)
    if session is None or session.scenario_id != scenario.pk:
        raise ValidationError({"session": _("No council session on this scenario is open.")})
    return session


@login_required
@require_POST
def session_vote(request: HttpRequest, cycle: str, number: int) -> HttpResponse:
    seat = decision.council_seat(request.user)
    if seat is None or not seat.votes:
        raise ExplainedDenial(
            "not_a_voting_member",
            _("You may not vote here"),
            _("Only the council's voting members vote."),
        )

    def run(scenario: AllocationScenario, actor: User) -> str:
        form = VoteForm(request.POST, prefix="vote")
        if not form.is_valid():
            raise ValidationError({"choice": _("A vote is for, against, or abstain.")})
        decision.cast_vote(_session_of(scenario), form.cleaned_data["choice"], actor=actor)
        return _("Your vote was recorded.")

    return _act(request, cycle, number, run)


@login_required
@require_POST
def session_close(request: HttpRequest, cycle: str, number: int) -> HttpResponse:
    if not decision.can_run_sessions(request.user, selectors.cycle_for(request.user, cycle)):
        raise PermissionDenied

    def run(scenario: AllocationScenario, actor: User) -> str:
        closed = decision.close_session(_session_of(scenario), actor=actor)
        return _("The session was closed: %(outcome)s.") % {"outcome": closed.get_outcome_display()}

    return _act(request, cycle, number, run)


@login_required
@require_POST
def final_publish(request: HttpRequest, cycle: str) -> HttpResponse:
    """Publish again a final allocation whose automatic publication failed."""
    actor = _actor(request)
    found = selectors.cycle_for(actor, cycle)
    if not services.can_manage(actor, found):
        raise PermissionDenied
    try:
        done = decision.publish_final_again(found, actor=actor)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        if done:
            messages.success(request, _("The final allocation was published in the catalog."))
        else:
            messages.error(request, _("The publication failed again; the log says why."))
    return redirect("budget:cycle", cycle=found.slug)


def compare(request: HttpRequest, cycle: str) -> HttpResponse:
    found = selectors.cycle_for(request.user, cycle)
    asked = [int(n) for n in request.GET.getlist("s") if n.isdigit()][:MAX_COMPARED]
    scenarios = list(selectors.scenarios_of(request.user, found))
    chosen = [s for s in scenarios if s.number in asked] or scenarios[:MAX_COMPARED]
    chosen = [selectors.for_display(request.user, s) for s in chosen]
    comparison = selectors.compare(chosen)
    fmt = _format(request)
    if fmt:
        return exports.comparison_download(found, comparison, fmt)
    chart = {
        "counties": [row["name"] for row in comparison.rows],
        "series": [
            {"name": s.name, "values": [row["amounts"][i] / 1e9 for row in comparison.rows]}
            for i, s in enumerate(comparison.scenarios)
        ],
        "unit": _("billion rials"),
    }
    context = {
        "cycle": found,
        "comparison": comparison,
        "scenarios": scenarios,
        "chart": chart,
        "chosen": [s.number for s in comparison.scenarios],
        "formats": FORMATS_OFFERED,
        "extra": "&".join(f"s={s.number}" for s in comparison.scenarios),
    }
    return render(request, "budget/compare.html", context)


def county_projects(request: HttpRequest, cycle: str, county: str) -> HttpResponse:
    """The committee's projects funded in order; its members add projects here."""
    found = selectors.cycle_for(request.user, cycle)
    place = County.objects.filter(code=county).first()
    if place is None:
        raise Http404("county")
    may_add = services.can_add_project(request.user, found, place)
    form = ProjectForm(request.POST or None, prefix="project") if may_add else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_project(found, form.to_terms(place), actor=_actor(request))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The project was recorded."))
                return redirect("budget:county_projects", cycle=found.slug, county=place.code)
        status = 400
    funded = selectors.county_projects(found, place)
    if funded.basis == "scenario" and not selectors.sees_scenarios(request.user):
        raise Http404("projects")
    fmt = _format(request)
    if fmt:
        return exports.projects_download(funded, found, fmt)
    context = {
        "cycle": found,
        "county": place,
        "funded": funded,
        "form": form,
        "formats": FORMATS_OFFERED,
    }
    return render(request, "budget/county_projects.html", context, status=status)
