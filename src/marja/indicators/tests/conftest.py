"""A small plan over the demo's hospital beds and census, computed for real."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from marja.accounts.models import Organisation, User
from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset
from marja.indicators.computation import recompute
from marja.indicators.models import Goal, Indicator, Plan
from marja.indicators.services import (
    ActualIn,
    FactorIn,
    TargetIn,
    add_factor,
    enter_actual,
    set_target,
)
from marja.ingest.models import DatasetVersion

BEDS, CENSUS = "hospital-beds", "county-population-1395"


@dataclass
class BedsPlan:
    plan: Plan
    ratio: Indicator  # 1.1 beds per 1,000 people, public, province and Varamin targets
    band: Indicator  # 1.2 occupancy within 70–85%, government users only
    total: Indicator  # 1.3 active beds, a total with county targets
    manual: Indicator  # 1.4 entered by hand
    versions: dict[str, DatasetVersion]


def _indicator(plan: Plan, goal: Goal, code: str, **fields: Any) -> Indicator:
    defaults: dict[str, Any] = {
        "owner": Organisation.objects.get(slug="tums"),
        "direction": Indicator.Direction.HIGHER,
        "baseline_year": 1401,
        "origin": Indicator.Origin.DATASET,
        "dataset": Dataset.objects.get(slug=BEDS),
        "filters": [["quarter", "1"]],
        "period_column": "year",
        "county_column": "county",
    }
    made = Indicator.objects.create(plan=plan, goal=goal, code=code, **(defaults | fields))
    if made.origin == Indicator.Origin.DATASET:
        assert recompute(made).ok, made.computation_error
    return made


@pytest.fixture
def beds_plan(
    settings: Any,
    tmp_path: Path,
    demo: DemoResult,
    published: Callable[..., dict[str, DatasetVersion]],
) -> BedsPlan:
    settings.DATA_DIR = tmp_path
    versions = published(BEDS, CENSUS)
    tums = User.objects.get(username="tums.admin")
    plan = Plan.objects.create(
        slug="seventh", name_fa="برنامهٔ هفتم", start_year=1403, end_year=1407
    )
    goal = Goal.objects.create(plan=plan, code="1", title_fa="سلامت", title_en="Health")
    ratio = _indicator(
        plan, goal, "1.1", name_fa="تخت فعال به ازای هزار نفر", unit="تخت در هزار نفر",
        measure="sum:active_beds", denominator_dataset=Dataset.objects.get(slug=CENSUS),
        denominator_measure="sum:population", denominator_county_column="county", scale=1000,
    )  # fmt: skip
    set_target(ratio, TargetIn(1407, value=2.0), actor=tums)
    set_target(ratio, TargetIn(1407, "varamin", value=1.0), actor=tums)
    band = _indicator(
        plan, goal, "1.2", name_fa="ضریب اشغال تخت", unit="درصد", measure="avg:occupancy",
        direction=Indicator.Direction.BAND, access=Indicator.Access.INTERNAL,
    )  # fmt: skip
    set_target(band, TargetIn(1407, low=70.0, high=85.0), actor=tums)
    total = _indicator(plan, goal, "1.3", name_fa="تخت فعال", measure="sum:active_beds")
    for county, beds in (("tehran", 21000.0), ("shahriar", 900.0), ("varamin", 200.0)):
        set_target(total, TargetIn(1407, county, value=beds), actor=tums)
    set_target(total, TargetIn(1407, value=25000.0), actor=tums)
    manual = _indicator(
        plan, goal, "1.4", name_fa="رضایت بیماران", unit="درصد",
        origin=Indicator.Origin.MANUAL, dataset=None, filters=[], period_column="",
        county_column="", baseline_year=1402, baseline_value=61.0,
    )  # fmt: skip
    set_target(manual, TargetIn(1407, value=80.0), actor=tums)
    enter_actual(
        manual,
        ActualIn(1403, 66.0, "https://tums.example.ir/survey-1403.pdf", "1403/12/20"),
        actor=tums,
    )
    add_factor(
        ratio,
        FactorIn(1403, "obstacle", "funding", "تأخیر در تخصیص اعتبار تجهیز بیمارستان‌ها"),
        actor=tums,
    )
    return BedsPlan(plan, ratio, band, total, manual, versions)
