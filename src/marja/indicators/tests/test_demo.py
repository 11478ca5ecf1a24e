"""The demo's 7th-plan goal tree, computed from the demo datasets as `marja load-demo` does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from marja.catalog.demo import DemoResult
from marja.indicators.demo import PLAN_SLUG, load_demo_plan
from marja.indicators.models import Factor, Indicator, Target
from marja.indicators.selectors import progress_of, with_figures
from marja.ingest.demo import publish_demo_data
from marja.ingest.selectors import current_version

pytestmark = pytest.mark.django_db


def test_the_demo_plan_is_computed_from_the_demo_data(
    settings: Any, tmp_path: Path, demo: DemoResult, client_as: Callable[[str], Client]
) -> None:
    settings.DATA_DIR = tmp_path
    publish_demo_data()
    plan = load_demo_plan()
    indicators = list(with_figures(Indicator.objects.filter(plan=plan)))
    computed = [i for i in indicators if i.origin == Indicator.Origin.DATASET]
    assert len(indicators) >= 15 and len(computed) >= 15
    assert all(not i.computation_error for i in computed), [
        (i.code, i.computation_error) for i in computed if i.computation_error
    ]
    statuses = {progress_of(i).status.value for i in indicators}
    assert {"achieved", "on_track", "needs_acceleration", "off_track", "regressing"} <= statuses
    for indicator in computed:
        current = {current_version(indicator.dataset).sha256}  # type: ignore[arg-type, union-attr]
        if indicator.denominator_dataset is not None:
            current.add(current_version(indicator.denominator_dataset).sha256)  # type: ignore[union-attr]
        actuals = list(indicator.actuals.all())
        assert actuals, indicator.code
        assert all({s["sha256"] for s in a.sources} == current for a in actuals), indicator.code
        assert progress_of(indicator).baseline is not None, indicator.code
    factors, targets = Factor.objects.count(), Target.objects.count()
    assert factors >= 3 and targets >= len(indicators)

    load_demo_plan()  # a second run changes nothing
    assert (Factor.objects.count(), Target.objects.count()) == (factors, targets)

    admin = client_as("admin")
    assert admin.get(f"/plans/{PLAN_SLUG}/").status_code == 200
    for indicator in indicators:
        assert admin.get(f"/plans/{PLAN_SLUG}/indicators/{indicator.code}/").status_code == 200
    assert admin.get("/counties/varamin/").status_code == 200
