"""Quality measures: each measure from its facts, and the score that combines them."""

from __future__ import annotations

import datetime as dt

import pytest

from marja.core.quality import (
    Description,
    Timeliness,
    completeness,
    documentation_checks,
    grade_of,
    measure,
    timeliness,
    validity,
)

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
WELL_DOCUMENTED = Description("ا" * 120, True, True, True, True, True, ((True, True),) * 4)


@pytest.mark.parametrize(
    ("frequency", "age_days", "expected"),
    [
        ("monthly", 20, Timeliness.ON_TIME),
        ("monthly", 45, Timeliness.ON_TIME),
        ("monthly", 46, Timeliness.LATE),
        ("monthly", 91, Timeliness.LATE),
        ("monthly", 92, Timeliness.STALE),
        ("daily", 2, Timeliness.LATE),
        ("yearly", 500, Timeliness.ON_TIME),
        ("yearly", 600, Timeliness.LATE),
        ("irregular", 5000, Timeliness.UNSCHEDULED),
        ("once", 5000, Timeliness.UNSCHEDULED),
    ],
)
def test_timeliness_against_the_promised_frequency(
    frequency: str, age_days: int, expected: Timeliness
) -> None:
    assert timeliness(NOW - dt.timedelta(days=age_days), frequency, NOW) is expected


def test_no_data_is_no_data() -> None:
    assert timeliness(None, "monthly", NOW) is Timeliness.NO_DATA


def test_completeness_counts_the_required_fields_or_else_all() -> None:
    stats = [{"field": "a", "nulls": 10}, {"field": "b", "nulls": 0}, {"field": "c", "nulls": 50}]
    assert completeness(stats, 100, ["a", "b"], ["a", "b", "c"]) == pytest.approx(0.95)
    assert completeness(stats, 100, [], ["a", "b", "c"]) == pytest.approx(0.8)
    assert completeness(stats, 0, ["a"], ["a"]) is None


def test_validity_is_the_share_of_submitted_rows_kept() -> None:
    assert validity(90, 10) == pytest.approx(0.9)
    assert validity(100, 0) == 1.0
    assert validity(0, 0) is None


def test_documentation_follows_udatas_criteria() -> None:
    bare = Description("short", False, False, False, False, False, ((True, False), (False, False)))
    checks = documentation_checks(bare)
    assert checks["description"] == 0.0 and checks["fields"] == pytest.approx(0.25)
    assert set(documentation_checks(WELL_DOCUMENTED).values()) == {1.0}


def test_the_score_and_grade_combine_what_applies() -> None:
    perfect = measure(
        about=WELL_DOCUMENTED, last=NOW - dt.timedelta(days=3), frequency="monthly",
        now=NOW, complete=1.0, valid=1.0,
    )  # fmt: skip
    assert (perfect.score, perfect.grade) == (100, "A")
    late = measure(
        about=WELL_DOCUMENTED, last=NOW - dt.timedelta(days=60), frequency="monthly",
        now=NOW, complete=1.0, valid=1.0,
    )  # fmt: skip
    assert late.timeliness is Timeliness.LATE and late.score == round(100 * 3.5 / 4)
    unscheduled = measure(
        about=WELL_DOCUMENTED, last=NOW, frequency="irregular", now=NOW, complete=0.5, valid=1.0
    )
    assert unscheduled.score == round(100 * 2.5 / 3)
    empty = measure(
        about=WELL_DOCUMENTED, last=None, frequency="monthly", now=NOW, complete=None, valid=None
    )
    assert empty.timeliness is Timeliness.NO_DATA and empty.grade == "D"
    assert [grade_of(s) for s in (85, 84, 70, 50, 49)] == ["A", "B", "B", "C", "D"]
    due = NOW - dt.timedelta(days=60) + dt.timedelta(days=45.66)
    assert late.to_dict()["due_at"] == due.isoformat()
