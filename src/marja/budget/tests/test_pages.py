"""The budget pages through HTTP: who sees what, the scenario form and its refusals,
the council's vote from the page, exports, and the public final allocation."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client

from marja.accounts.models import User
from marja.budget.models import AllocationScenario, FinalAllocation, Vote
from marja.budget.tests.conftest import MILLION
from marja.indicators.models import Actual, Goal, Indicator, Plan

pytestmark = pytest.mark.django_db


def test_scenarios_are_for_government_users(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    anonymous = Client()
    assert anonymous.get("/budget/").status_code == 200
    assert anonymous.get("/budget/capital-1403/").status_code == 404  # not decided yet
    assert anonymous.get("/budget/capital-1403/scenarios/1/").status_code == 404
    page = client_as("governorate.viewer").get("/budget/capital-1403/scenarios/1/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'dir="rtl"' in html
    assert "میلیارد ریال" in html and "۱۶" in html
    assert 'data-county="tehran"' in html
    assert "Compute again" not in html  # a viewer cannot change it


def test_scenario_table_exports_as_csv_with_every_county(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    response = client_as("governorate.viewer").get("/budget/capital-1403/scenarios/1/?format=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 16
    assert sum(int(r[next(k for k in r if "amount" in k or "مبلغ" in k)]) for r in rows) == (
        scenario.cycle.total
    )


def _plan_with_county_values() -> Indicator:
    """An indicator with county values, to pick as a criterion in the form."""
    from marja.accounts.models import Organisation
    from marja.catalog.models import County

    plan = Plan.objects.create(slug="p", name_fa="برنامه", start_year=1403, end_year=1407)
    goal = Goal.objects.create(plan=plan, code="1", title_fa="هدف")
    indicator = Indicator.objects.create(
        plan=plan,
        goal=goal,
        code="1.1",
        name_fa="تخت به ازای هزار نفر",
        direction="higher",
        baseline_year=1402,
        baseline_value=1.0,
        origin="manual",
        owner=Organisation.objects.get(slug="mpo"),
    )
    for i, county in enumerate(County.objects.order_by("code")):
        Actual.objects.create(indicator=indicator, year=1402, county=county, value=1.0 + i / 10)
    return indicator


def test_the_form_makes_and_computes_a_scenario(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    indicator = _plan_with_county_values()
    key = f"i{indicator.pk}"
    form = client_as("mpo.editor").get("/budget/capital-1403/scenarios/new/")
    assert form.status_code == 200
    assert f'name="{key}_use"' in form.content.decode()
    response = client_as("mpo.editor").post(
        "/budget/capital-1403/scenarios/new/",
        {
            "name_fa": "از فرم",
            "normalisation": "min_max",
            "method": "topsis",
            "weighting": "manual",
            "missing": "refuse",
            "basis": "need",
            f"{key}_use": "on",
            f"{key}_direction": "lower",
            f"{key}_weight": "۱",
            "floor": "۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰",
        },
    )
    assert response.status_code == 302
    made = AllocationScenario.objects.get(cycle=scenario.cycle, number=2)
    assert made.floor == 100_000 * MILLION
    assert made.problem == {} and len(made.result["counties"]) == 16
    # the county with the fewest beds per 1,000 is the neediest
    first = min(made.result["counties"], key=lambda r: r["rank"])
    assert first["county"] == "baharestan"


def test_bad_form_input_is_answered_and_nothing_is_stored(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    indicator = _plan_with_county_values()
    key = f"i{indicator.pk}"
    response = client_as("mpo.editor").post(
        "/budget/capital-1403/scenarios/new/",
        {
            "name_fa": "بد",
            "normalisation": "nonsense",
            "method": "topsis",
            "weighting": "manual",
            "missing": "refuse",
            "basis": "need",
            f"{key}_use": "on",
            f"{key}_weight": "یک",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="scenario-normalisation"' in html
    assert AllocationScenario.objects.filter(cycle=scenario.cycle).count() == 1
    none_picked = client_as("mpo.editor").post(
        "/budget/capital-1403/scenarios/new/",
        {
            "name_fa": "بی‌معیار",
            "normalisation": "min_max",
            "method": "topsis",
            "weighting": "manual",
            "missing": "refuse",
            "basis": "need",
        },
    )
    assert none_picked.status_code == 400
    assert "دست‌کم یک شاخص" in none_picked.content.decode()


def test_an_infeasible_scenario_is_refused_on_the_form(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    indicator = _plan_with_county_values()
    key = f"i{indicator.pk}"
    response = client_as("mpo.editor").post(
        "/budget/capital-1403/scenarios/new/",
        {
            "name_fa": "کف زیاد",
            "normalisation": "min_max",
            "method": "topsis",
            "weighting": "manual",
            "missing": "refuse",
            "basis": "need",
            f"{key}_use": "on",
            f"{key}_direction": "lower",
            f"{key}_weight": "1",
            "floor": "1000000000000",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="scenario-floor"' in html and "کف‌ها و حدها دست‌کم" in html
    assert AllocationScenario.objects.count() == 1


def test_vote_from_the_page_and_the_public_final_allocation(
    scenario: AllocationScenario, council: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    chair = Client()
    chair.force_login(council["admin"])
    base = "/budget/capital-1403/scenarios/1"
    assert chair.post(f"{base}/session/").status_code == 302
    for name in ("admin", "mpo.editor", "council.a"):
        voter = Client()
        voter.force_login(council[name])
        assert voter.post(f"{base}/session/vote/", {"vote-choice": "for"}).status_code == 302
    outsider = Client()
    outsider.force_login(council["outsider"])
    assert outsider.post(f"{base}/session/vote/", {"vote-choice": "for"}).status_code == 403
    assert Vote.objects.count() == 3
    assert chair.post(f"{base}/session/close/").status_code == 302
    final = FinalAllocation.objects.get()
    public = Client().get("/budget/capital-1403/")
    assert public.status_code == 200
    html = public.content.decode()
    assert final.digest in html and 'data-field="final"' in html
    download = Client().get("/budget/capital-1403/?format=csv")
    assert download.status_code == 200 and b"tehran" in download.content
    # the projects page funds within the final amount
    projects = Client().get("/budget/capital-1403/counties/varamin/projects/")
    assert projects.status_code == 200


def test_compare_two_scenarios(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    from marja.budget import services
    from marja.budget.tests.conftest import criteria

    services.save_scenario(
        scenario.cycle,
        services.ScenarioIn(
            name_fa="دوم",
            criteria=criteria(),
            method="topsis",
            normalisation="vector",
            pace_percent=50,
        ),
        actor=User.objects.get(username="mpo.editor"),
    )
    page = client_as("governorate.viewer").get("/budget/capital-1403/compare/?s=1&s=2")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-county="') == 16
    xlsx = client_as("governorate.viewer").get("/budget/capital-1403/compare/?s=1&s=2&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_dataset_criteria_from_the_form_survive_an_edit(
    cycle: object, client_as: Callable[[str], Client]
) -> None:
    editor = client_as("mpo.editor")
    fields = {
        "name_fa": "از مجموعه‌داده",
        "normalisation": "min_max",
        "method": "weighted_sum",
        "weighting": "manual",
        "missing": "refuse",
        "basis": "per_capita",
        "d0_dataset": "hospital-beds",
        "d0_name": "تخت فعال",
        "d0_measure": "sum:active_beds",
        "d0_county_column": "county",
        "d0_year_column": "year",
        "d0_year": "۱۴۰۲",
        "d0_zero": "on",
        "d0_direction": "lower",
        "d0_weight": "۰٫۶",
        "d1_dataset": "county-population-1395",
        "d1_measure": "sum:population",
        "d1_county_column": "county",
        "d1_direction": "higher",
        "d1_weight": "0.4",
    }
    response = editor.post("/budget/capital-1403/scenarios/new/", fields)
    assert response.status_code == 302
    made = AllocationScenario.objects.get(number=1)
    codes = {c.code: c for c in made.criteria.select_related("figures")}
    assert codes["d1"].figures.absent_is_zero and codes["d1"].figures.year == 1402
    assert made.problem == {}
    form = editor.get("/budget/capital-1403/scenarios/1/edit/").content.decode()
    assert 'value="sum:active_beds"' in form and 'value="sum:population"' in form
    again = editor.post("/budget/capital-1403/scenarios/1/edit/", {**fields, "weighting": "equal"})
    assert again.status_code == 302
    made.refresh_from_db()
    assert made.weighting == "equal" and made.criteria.count() == 2
    no_measure = editor.post("/budget/capital-1403/scenarios/new/", {**fields, "d0_measure": ""})
    assert no_measure.status_code == 400
    assert 'data-field="dataset-0-measure"' in no_measure.content.decode()


def test_a_committee_project_added_on_its_page(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    from marja.budget.models import Project
    from marja.ledger.models import LedgerEntry

    page = "/budget/capital-1403/counties/varamin/projects/"
    fields = {
        "project-code": "V-1",
        "project-title": "تکمیل بیمارستان",
        "project-cost": "۵۰۰٬۰۰۰٬۰۰۰٬۰۰۰",
        "project-start_year": "۱۳۹۸",
        "project-progress": "۸۰",
        "project-priority": "۱",
    }
    bad = client_as("mpo.editor").post(page, {**fields, "project-progress": "۱۲۰"})
    assert bad.status_code == 400 and 'data-field="project-progress"' in bad.content.decode()
    assert client_as("governorate.viewer").post(page, fields).status_code == 403
    assert not Project.objects.exists()
    assert client_as("mpo.editor").post(page, fields).status_code == 302
    project = Project.objects.get()
    assert project.cost == 500_000 * MILLION and project.unfinished
    assert LedgerEntry.objects.filter(action="budget.project_added").count() == 1
    html = client_as("governorate.viewer").get(page).content.decode()
    assert 'data-project="V-1"' in html


def test_project_amounts_are_whole(
    scenario: AllocationScenario, client_as: Callable[[str], Client]
) -> None:
    from marja.budget.models import Project

    page = "/budget/capital-1403/counties/varamin/projects/"
    fields = {
        "project-code": "V-2",
        "project-title": "طرح",
        "project-cost": "۱٫۵",
        "project-start_year": "1402",
        "project-progress": "10",
        "project-priority": "1.5",
    }
    response = client_as("mpo.editor").post(page, fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="project-cost"' in html and 'data-field="project-priority"' in html
    assert not Project.objects.exists()
