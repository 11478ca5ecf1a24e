"""The progress method against hand-worked examples (docs of core/progress.py)."""

from __future__ import annotations

import math

import pytest

from marja.core.progress import (
    Direction,
    Point,
    ProgressError,
    RateKind,
    Status,
    Target,
    Thresholds,
    assess,
    needed_rate,
    required_path,
    target_in_force,
)

HIGHER, LOWER, BAND = Direction.HIGHER, Direction.LOWER, Direction.BAND


def near(value: float | None, expected: float, places: int = 4) -> bool:
    return value is not None and math.isclose(value, expected, abs_tol=10**-places)


def test_higher_is_better_compound_hand_worked() -> None:
    # Beds per 1,000: 100 in 1400, target 150 in 1405, 120 in 1403; the plan ends in 1407.
    # required = 1.5^(1/5) - 1 = 0.084472; observed = 1.2^(1/3) - 1 = 0.062659
    # R = 0.74177: needs acceleration (0.6 <= R < 0.95).
    found = assess(HIGHER, Point(1400, 100), Point(1403, 120), Target(1405, 150), end_period=1407)
    assert found.status is Status.NEEDS_ACCELERATION
    assert found.rate_kind is RateKind.COMPOUND
    assert near(found.required_rate, 0.084472)
    assert near(found.observed_rate, 0.062659)
    assert near(found.ratio, 0.74177)
    assert near(found.achievement, 40.0)  # 20 of the 50 planned
    assert near(found.gap, 30.0)
    # 120 x 1.2^(4/3) = 153.023 in 1407; (150/120)^(1/2) - 1 = 0.118034 needed now
    assert found.projection is not None and found.projection.period == 1407
    assert near(found.projection.value, 153.023, 3)
    assert found.needed_rate_kind is RateKind.COMPOUND and near(found.needed_rate, 0.118034)


def test_lower_is_better_slow_and_worsening() -> None:
    # Infant mortality 20 in 1400, target 15 in 1405.
    slow = assess(LOWER, Point(1400, 20), Point(1402, 19.8), Target(1405, 15))
    # required = 0.75^(1/5) - 1 = -0.055912; observed = 0.99^(1/2) - 1 = -0.005013
    assert near(slow.required_rate, -0.055912, 6) and near(slow.observed_rate, -0.005013, 6)
    assert near(slow.ratio, 0.08965) and slow.status is Status.OFF_TRACK
    assert near(slow.gap, 4.8)  # still 4.8 to go down
    assert near(slow.achievement, 4.0)  # 0.2 of the 5 planned
    worse = assess(LOWER, Point(1400, 20), Point(1402, 21), Target(1405, 15))
    assert worse.ratio is not None and worse.ratio < 0
    assert worse.status is Status.REGRESSING
    assert near(worse.achievement, -20.0)


def test_a_zero_baseline_uses_linear_rates() -> None:
    # 0 in 1400 to 10 in 1405 needs 2 a year; 6 by 1403 is 2 a year: on track.
    found = assess(HIGHER, Point(1400, 0), Point(1403, 6), Target(1405, 10))
    assert found.rate_kind is RateKind.LINEAR
    assert near(found.required_rate, 2.0) and near(found.observed_rate, 2.0)
    assert near(found.ratio, 1.0) and found.status is Status.ON_TRACK
    assert near(found.achievement, 60.0)
    assert found.needed_rate_kind is RateKind.COMPOUND and near(found.needed_rate, 0.290994)


def test_a_zero_target_uses_linear_rates() -> None:
    # Road deaths 50 in 1400 to 0 in 1405 (-10 a year); 40 by 1402 is -5 a year: R 0.5.
    found = assess(LOWER, Point(1400, 50), Point(1402, 40), Target(1405, 0))
    assert found.rate_kind is RateKind.LINEAR
    assert near(found.ratio, 0.5) and found.status is Status.OFF_TRACK
    assert found.needed_rate_kind is RateKind.LINEAR and near(found.needed_rate, -40 / 3)


def test_negative_baselines_are_measured_not_refused() -> None:
    # Net migration -500 in 1400, target 0 in 1405: 100 a year needed.
    on_track = assess(HIGHER, Point(1400, -500), Point(1402, -300), Target(1405, 0))
    assert on_track.rate_kind is RateKind.LINEAR
    assert near(on_track.ratio, 1.0) and on_track.status is Status.ON_TRACK
    assert near(on_track.gap, 300.0) and near(on_track.achievement, 40.0)
    away = assess(HIGHER, Point(1400, -500), Point(1402, -550), Target(1405, 0))
    assert near(away.ratio, -0.25) and away.status is Status.REGRESSING
    # A value that changes sign on the way is still one linear rate.
    crossed = assess(HIGHER, Point(1400, -500), Point(1404, 100), Target(1405, 200))
    assert crossed.rate_kind is RateKind.LINEAR
    assert near(crossed.observed_rate, 150.0) and near(crossed.ratio, 150 / 140)


def test_targets_already_met() -> None:
    met_now = assess(HIGHER, Point(1400, 100), Point(1403, 160), Target(1405, 150))
    assert met_now.status is Status.ACHIEVED
    assert met_now.needed_rate is None and near(met_now.gap, -10.0)
    assert near(met_now.achievement, 120.0)
    # The baseline already met the target: staying there is achieved, falling back is not.
    kept = assess(HIGHER, Point(1400, 100), Point(1403, 95), Target(1405, 90))
    assert kept.status is Status.ACHIEVED
    lost = assess(HIGHER, Point(1400, 100), Point(1403, 85), Target(1405, 90))
    assert lost.status is Status.REGRESSING and lost.note == "left_target"
    assert lost.ratio is None and near(lost.gap, 5.0)
    lower_lost = assess(LOWER, Point(1400, 8), Point(1403, 12), Target(1405, 10))
    assert lower_lost.status is Status.REGRESSING and near(lower_lost.gap, 2.0)
    # No change was planned: no rate is required and the achievement is all or nothing.
    assert kept.required_rate is None and kept.achievement == 100.0
    assert lower_lost.required_rate is None and lower_lost.achievement == 0.0


def test_missing_periods_are_no_data() -> None:
    assert assess(HIGHER, Point(1400, 1), None, Target(1405, 2)).status is Status.NO_DATA
    nan = assess(HIGHER, Point(1400, 1), Point(1402, float("nan")), Target(1405, 2))
    assert nan.status is Status.NO_DATA and nan.note == "no_value"
    only_baseline = assess(HIGHER, Point(1400, 1), Point(1400, 1), Target(1405, 2))
    assert only_baseline.status is Status.NO_DATA and only_baseline.note == "baseline_period"


def test_a_target_band() -> None:
    band = Target(1405, low=40, high=60)
    # Below the band: its low end is the goal; (40/30)^(1/5)-1 = 0.059224 needed,
    # (35/30)^(1/2)-1 = 0.080123 observed: on track.
    rising = assess(BAND, Point(1400, 30), Point(1402, 35), band)
    assert rising.goal == 40 and near(rising.ratio, 1.35288) and rising.status is Status.ON_TRACK
    assert assess(BAND, Point(1400, 30), Point(1402, 50), band).status is Status.ACHIEVED
    # Above it: the high end, reached going down.
    falling = assess(BAND, Point(1400, 80), Point(1402, 78), band)
    assert falling.goal == 60 and falling.status is Status.OFF_TRACK and near(falling.gap, 18.0)
    left = assess(BAND, Point(1400, 50), Point(1402, 65), band)
    assert left.status is Status.REGRESSING and left.note == "left_target"


def test_without_a_target_the_trend_alone_is_judged() -> None:
    # 100 to 104 in two years: 1.98% a year (on track at 1.5%); 101: 0.499% (off track).
    assert assess(HIGHER, Point(1400, 100), Point(1402, 104), None).status is Status.ON_TRACK
    assert assess(HIGHER, Point(1400, 100), Point(1402, 101), None).status is Status.OFF_TRACK
    slow = assess(HIGHER, Point(1400, 100), Point(1402, 101.5), None)
    assert slow.status is Status.NEEDS_ACCELERATION
    assert assess(HIGHER, Point(1400, 100), Point(1402, 98), None).status is Status.REGRESSING
    assert assess(LOWER, Point(1400, 100), Point(1402, 96), None).status is Status.ON_TRACK
    assert assess(LOWER, Point(1400, 100), Point(1402, 103), None).status is Status.REGRESSING
    # Linear, relative to the baseline's size: -10 to -8 in two years is 10% a year.
    assert assess(HIGHER, Point(1400, -10), Point(1402, -8), None).status is Status.ON_TRACK
    zero = assess(HIGHER, Point(1400, 0), Point(1402, 5), None)
    assert zero.status is Status.NO_DATA and zero.note == "zero_baseline"


def test_thresholds_are_configurable_and_checked() -> None:
    lenient = Thresholds(on_track=0.7, needs_acceleration=0.5)
    found = assess(
        HIGHER, Point(1400, 100), Point(1403, 120), Target(1405, 150), thresholds=lenient
    )
    assert found.status is Status.ON_TRACK
    with pytest.raises(ProgressError) as refused:
        Thresholds(on_track=0.5, needs_acceleration=0.6)
    assert refused.value.code == "thresholds_order"


@pytest.mark.parametrize(
    ("direction", "target", "code"),
    [
        (HIGHER, Target(1399, 10), "target_before_baseline"),
        (HIGHER, Target(1400, 10), "target_before_baseline"),
        (HIGHER, Target(1405), "target_missing"),
        (HIGHER, Target(1405, float("inf")), "not_a_number"),
        (BAND, Target(1405, low=10), "band_incomplete"),
        (BAND, Target(1405, low=10, high=5), "band_reversed"),
    ],
)
def test_goalposts_that_cannot_be_measured_are_refused(
    direction: Direction, target: Target, code: str
) -> None:
    with pytest.raises(ProgressError) as refused:
        assess(direction, Point(1400, 5), Point(1402, 6), target)
    assert refused.value.code == code and str(refused.value)


def test_the_target_in_force_and_its_path() -> None:
    milestones = {1402.0: Target(1402, 110), 1405.0: Target(1405, 150)}
    assert target_in_force(milestones, 1401) == milestones[1402]
    assert target_in_force(milestones, 1402) == milestones[1402]
    assert target_in_force(milestones, 1403) == milestones[1405]
    assert target_in_force(milestones, 1406) == milestones[1405]
    assert target_in_force({}, 1403) is None
    # 100 carried at 8.4472% a year: 117.608 in 1402, 150 in 1405.
    assert near(required_path(Point(1400, 100), Target(1405, 150), HIGHER, 1402), 117.608, 3)
    assert near(required_path(Point(1400, 100), Target(1405, 150), HIGHER, 1405), 150.0)
    assert required_path(Point(1400, 100), Target(1405, 90), HIGHER, 1403) == 100


def test_the_rate_needed_once_the_deadline_passed_is_none() -> None:
    assert needed_rate(Point(1406, 120), Point(1405, 150)) is None
    late = assess(HIGHER, Point(1400, 100), Point(1406, 120), Target(1405, 150))
    assert late.needed_rate is None and late.status is Status.OFF_TRACK
    assert late.projection is None  # the end (the target's period) is behind the value
