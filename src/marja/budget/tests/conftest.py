"""A budget cycle over the demo's published census, hospital beds and capital credits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from marja.accounts.models import Organisation, User
from marja.budget.models import AllocationScenario, BudgetCycle, CouncilMember, Stakeholder
from marja.budget.services import (
    CriterionIn,
    CycleIn,
    FiguresIn,
    ScenarioIn,
    create_cycle,
    save_scenario,
)
from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset
from marja.ingest.models import DatasetVersion

CENSUS, BEDS, CREDITS = "county-population-1395", "hospital-beds", "capital-credits-by-county"
MILLION = 1_000_000


def criteria(**weights: float) -> list[CriterionIn]:
    """Beds (fewer: more need) and households per person (a stand-in second measure)."""
    beds = Dataset.objects.get(slug=BEDS)
    census = Dataset.objects.get(slug=CENSUS)
    return [
        CriterionIn(
            "beds",
            "تخت فعال",
            "lower",
            weight=weights.get("beds", 0.6),
            figures=FiguresIn(
                dataset=beds,
                measure="sum:active_beds",
                county_column="county",
                year_column="year",
                year=1402,
                filters=[["quarter", "1"]],
                absent_is_zero=True,
            ),
        ),
        CriterionIn(
            "population",
            "جمعیت",
            "higher",
            weight=weights.get("population", 0.4),
            figures=FiguresIn(dataset=census, measure="sum:population", county_column="county"),
        ),
    ]


@pytest.fixture
def cycle(
    settings: Any,
    tmp_path: Path,
    demo: DemoResult,
    published: Callable[..., dict[str, DatasetVersion]],
) -> BudgetCycle:
    settings.DATA_DIR = tmp_path
    published(CENSUS, BEDS, CREDITS)
    credits = Dataset.objects.get(slug=CREDITS)
    census = Dataset.objects.get(slug=CENSUS)
    editor = User.objects.get(username="mpo.editor")
    return create_cycle(
        CycleIn(
            slug="capital-1403",
            year=1403,
            programme_fa="تملک دارایی‌های سرمایه‌ای",
            total=10_000_000 * MILLION,
            owner=Organisation.objects.get(slug="mpo"),
            last_year=FiguresIn(
                dataset=credits,
                measure="sum:allocated",
                county_column="county",
                year_column="year",
                year=1402,
                scale=MILLION,
            ),
            population=FiguresIn(dataset=census, measure="sum:population", county_column="county"),
        ),
        actor=editor,
    )


@pytest.fixture
def scenario(cycle: BudgetCycle) -> AllocationScenario:
    editor = User.objects.get(username="mpo.editor")
    found = save_scenario(
        cycle,
        ScenarioIn(
            name_fa="سناریوی آزمون", criteria=criteria(), floor=100_000 * MILLION, cap_percent=50
        ),
        actor=editor,
    )
    assert found.problem == {}, found.problem
    return found


@pytest.fixture
def council(demo: DemoResult) -> dict[str, User]:
    """A chair, three voting members and an observer."""
    members: dict[str, User] = {}
    for username, role in (
        ("admin", "chair"),
        ("mpo.editor", "secretary"),
        ("council.a", "member"),
        ("council.b", "member"),
        ("mp.observer", "observer"),
    ):
        user, _ = User.objects.get_or_create(username=username)
        CouncilMember.objects.create(user=user, role=role)
        members[username] = user
    outsider, _ = User.objects.get_or_create(username="not.a.member")
    members["outsider"] = outsider
    stakeholder, _ = User.objects.get_or_create(username="mp.varamin")
    Stakeholder.objects.create(user=stakeholder, group="mps")
    members["stakeholder"] = stakeholder
    return members
