"""Progress of an indicator toward its target: the method behind every status in marja.

The reference is Open SDG's progress measure (Statistics Canada's, after Eurostat's),
which national statistics offices use for SDG reporting. For a value ``y`` in period
``t`` against a baseline ``y0`` in period ``t0`` and a target ``T`` in period ``tT``:

- the **observed rate** is the compound annual growth rate from the baseline,
  ``(y / y0) ** (1 / (t - t0)) - 1``; the **required rate** is the one that reaches the
  target on time, ``(T / y0) ** (1 / (tT - t0)) - 1``;
- their ratio ``R = observed / required`` gives the status: *on track* when
  ``R >= 0.95``, *needs acceleration* when ``0.6 <= R < 0.95``, *off track* when
  ``0 <= R < 0.6``, *regressing* when ``R < 0`` (the value moved away from the target);
  a value that meets the target is *achieved*; a missing value, or one of the baseline
  period itself, is *no data*. The thresholds are :class:`Thresholds`, configurable.

Where Open SDG substitutes 0.001 for a zero baseline or target and gives up when values
change sign, marja measures **linear** rates instead (``(y - y0) / (t - t0)`` and
``(T - y0) / (tT - t0)``) whenever a compound rate is not defined: a baseline, value or
target that is zero or negative. Growth from 0 to 5 is then 5 units a year, not the
ten-thousandfold growth 0.001 would give. The ratio and thresholds are the same.

Direction: *higher is better*, *lower is better* (the ratio needs no sign: the required
rate already points toward the target), or a **target band** ``[low, high]``: inside it
is achieved; outside, the nearest edge is the target (a baseline inside the band and a
value outside it is regressing).

With no target, the observed rate alone is judged (Open SDG's method 1): compound rates
of at least 1.5% a year in the desired direction are on track, 0.5% needs acceleration,
0 to 0.5% off track, worse regressing; a linear rate is taken relative to ``|y0|``.

Each :class:`Assessment` also gives the **achievement** (the share of the planned change
from the baseline to the target made so far, in %), the **gap** (units still to go, in
the desired direction; negative beyond the target), the **projection** to the plan's end
at the observed rate, and the **rate now needed** from the latest value to the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    BAND = "band"


class Status(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    NEEDS_ACCELERATION = "needs_acceleration"
    OFF_TRACK = "off_track"
    REGRESSING = "regressing"
    NO_DATA = "no_data"


class RateKind(StrEnum):
    COMPOUND = "compound"
    LINEAR = "linear"


class ProgressError(ValueError):
    """Goalposts that cannot be measured against (raised for the caller to name)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Thresholds:
    """Ratio of observed to required rate at which each status begins (with a target),
    and the yearly growth that counts as progress without one."""

    on_track: float = 0.95
    needs_acceleration: float = 0.60
    untargeted_on_track: float = 0.015
    untargeted_needs_acceleration: float = 0.005

    def __post_init__(self) -> None:
        if not 0 < self.needs_acceleration < self.on_track:
            raise ProgressError("thresholds_order", "0 < needs_acceleration < on_track must hold")
        if not 0 < self.untargeted_needs_acceleration < self.untargeted_on_track:
            raise ProgressError(
                "thresholds_order",
                "0 < untargeted_needs_acceleration < untargeted_on_track must hold",
            )


DEFAULT_THRESHOLDS: Final = Thresholds()


@dataclass(frozen=True)
class Point:
    """A value in a period (a Jalali year; fractions for months and quarters)."""

    period: float
    value: float


@dataclass(frozen=True)
class Target:
    """The value to reach by ``period``: ``value`` for higher or lower is better, or the
    band ``[low, high]``."""

    period: float
    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Assessment:
    status: Status
    actual: Point | None
    #: The value the target now means (a band's nearest edge), None without a target.
    goal: float | None = None
    rate_kind: RateKind | None = None
    observed_rate: float | None = None
    required_rate: float | None = None
    ratio: float | None = None
    achievement: float | None = None
    gap: float | None = None
    projection: Point | None = None
    #: The yearly rate that would still reach the target (None once met or past due).
    needed_rate: float | None = None
    needed_rate_kind: RateKind | None = None
    #: Why the status is no data, or how a band or baseline decided it.
    note: str = ""


def assess(
    direction: Direction,
    baseline: Point,
    actual: Point | None,
    target: Target | None,
    *,
    end_period: float | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Assessment:
    """The status of ``actual`` against the way from ``baseline`` to ``target``.

    ``end_period``: the plan's last period, for the projection (the target's period when
    None). Raises :class:`ProgressError` for goalposts no value can be judged against.
    """
    _check_number("baseline", baseline.value)
    if actual is None or not math.isfinite(actual.value):
        return Assessment(Status.NO_DATA, None, note="no_value")
    if target is not None:
        _check_target(direction, baseline, target)
    if actual.period <= baseline.period:
        return Assessment(Status.NO_DATA, actual, note="baseline_period")
    if target is None:
        return _untargeted(direction, baseline, actual, thresholds)

    goal, sense, note = _goal(direction, baseline.value, target)
    end = end_period if end_period is not None else target.period
    kind = _kind(baseline.value, actual.value, goal)
    observed = _rate(kind, baseline, actual)
    required: float | None = _rate(kind, baseline, Point(target.period, goal))
    # sense 0: the baseline already met the target, so no rate is required of it.
    ratio = observed / required if sense != 0 and required else None
    if _meets(direction, actual.value, target):
        status = Status.ACHIEVED
    elif ratio is None:  # met at the baseline, and the value no longer does
        status, note = Status.REGRESSING, "left_target"
    else:
        status = _status_of(ratio, thresholds)
    planned = goal - baseline.value
    needed = None if status is Status.ACHIEVED else needed_rate(actual, Point(target.period, goal))
    achievement = 100 * (actual.value - baseline.value) / planned if planned != 0 else None
    if sense == 0:
        # Met at the baseline: no change was planned, so no rate was required and the
        # achievement is all or nothing (a share of a change the wrong way means nothing).
        required = None
        achievement = 100.0 if status is Status.ACHIEVED else 0.0
    return Assessment(
        status=status,
        actual=actual,
        goal=goal,
        rate_kind=kind,
        observed_rate=observed,
        required_rate=required,
        ratio=ratio,
        achievement=achievement,
        gap=(goal - actual.value) * (sense or _desired_sign(direction, baseline.value, target)),
        projection=project(kind, actual, observed, end),
        needed_rate=needed[1] if needed else None,
        needed_rate_kind=needed[0] if needed else None,
        note=note,
    )


def project(kind: RateKind, actual: Point, rate: float, period: float) -> Point | None:
    """``actual`` carried on at ``rate`` to ``period`` (None for a period before it)."""
    years = period - actual.period
    if years < 0:
        return None
    if kind is RateKind.COMPOUND:
        if rate <= -1:
            return Point(period, 0.0)
        return Point(period, actual.value * (1 + rate) ** years)
    return Point(period, actual.value + rate * years)


def needed_rate(actual: Point, goal: Point) -> tuple[RateKind, float] | None:
    """The yearly rate that takes ``actual`` to ``goal`` by its period (None when that
    period has passed): compound where defined, else linear."""
    years = goal.period - actual.period
    if years <= 0:
        return None
    if actual.value > 0 and goal.value > 0:
        return RateKind.COMPOUND, (goal.value / actual.value) ** (1 / years) - 1
    return RateKind.LINEAR, (goal.value - actual.value) / years


def required_path(baseline: Point, target: Target, direction: Direction, period: float) -> float:
    """The value the target's path asks for in ``period`` (for charts of actual against
    target): the baseline carried at the required rate."""
    goal, sense, _note = _goal(direction, baseline.value, target)
    if sense == 0:
        return baseline.value  # already there: the path is to stay
    kind = _kind(baseline.value, baseline.value, goal)
    rate = _rate(kind, baseline, Point(target.period, goal))
    carried = project(kind, baseline, rate, period)
    return carried.value if carried is not None else baseline.value


def target_in_force(targets: dict[float, Target], period: float) -> Target | None:
    """The target a value of ``period`` is judged against: the first one due at or after
    it, or the last one when all are past."""
    if not targets:
        return None
    due = sorted(targets)
    for when in due:
        if when >= period:
            return targets[when]
    return targets[due[-1]]


def _untargeted(
    direction: Direction, baseline: Point, actual: Point, thresholds: Thresholds
) -> Assessment:
    if direction is Direction.BAND:
        return Assessment(Status.NO_DATA, actual, note="band_without_target")
    kind = _kind(baseline.value, actual.value, None)
    observed = _rate(kind, baseline, actual)
    relative = observed if kind is RateKind.COMPOUND else _relative(observed, baseline.value)
    if relative is None:
        return Assessment(Status.NO_DATA, actual, rate_kind=kind, note="zero_baseline")
    growth = relative if direction is Direction.HIGHER else -relative
    if growth >= thresholds.untargeted_on_track:
        status = Status.ON_TRACK
    elif growth >= thresholds.untargeted_needs_acceleration:
        status = Status.NEEDS_ACCELERATION
    elif growth >= 0:
        status = Status.OFF_TRACK
    else:
        status = Status.REGRESSING
    return Assessment(status, actual, rate_kind=kind, observed_rate=observed, note="no_target")


def _relative(rate: float, base: float) -> float | None:
    return rate / abs(base) if base != 0 else None


def _status_of(ratio: float, thresholds: Thresholds) -> Status:
    if ratio >= thresholds.on_track:
        return Status.ON_TRACK
    if ratio >= thresholds.needs_acceleration:
        return Status.NEEDS_ACCELERATION
    if ratio >= 0:
        return Status.OFF_TRACK
    return Status.REGRESSING


def _goal(direction: Direction, base: float, target: Target) -> tuple[float, int, str]:
    """The value aimed at, the sense of the way to it from ``base`` (+1 up, -1 down, 0
    when ``base`` already meets the target), and a note."""
    if direction is Direction.BAND:
        low, high = float(target.low or 0), float(target.high or 0)
        if base < low:
            return low, 1, "band_low"
        if base > high:
            return high, -1, "band_high"
        return (low + high) / 2, 0, "baseline_in_band"
    value = float(target.value or 0)
    if direction is Direction.HIGHER:
        return value, (1 if value > base else 0), ""
    return value, (-1 if value < base else 0), ""


def _desired_sign(direction: Direction, base: float, target: Target) -> int:
    if direction is Direction.HIGHER:
        return 1
    if direction is Direction.LOWER:
        return -1
    return 1 if base < float(target.low or 0) else -1


def _meets(direction: Direction, value: float, target: Target) -> bool:
    if direction is Direction.BAND:
        return float(target.low or 0) <= value <= float(target.high or 0)
    goal = float(target.value or 0)
    return value >= goal if direction is Direction.HIGHER else value <= goal


def _kind(base: float, value: float, goal: float | None) -> RateKind:
    values = [base, value] + ([goal] if goal is not None else [])
    return RateKind.COMPOUND if all(v > 0 for v in values) else RateKind.LINEAR


def _rate(kind: RateKind, start: Point, end: Point) -> float:
    years = end.period - start.period
    if kind is RateKind.COMPOUND:
        return float((end.value / start.value) ** (1 / years) - 1)
    return (end.value - start.value) / years


def _check_number(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ProgressError("not_a_number", f"the {name} is not a finite number")


def _check_target(direction: Direction, baseline: Point, target: Target) -> None:
    if target.period <= baseline.period:
        raise ProgressError(
            "target_before_baseline",
            f"the target's period {target.period:g} is not after the baseline's "
            f"{baseline.period:g}",
        )
    if direction is Direction.BAND:
        if target.low is None or target.high is None:
            raise ProgressError("band_incomplete", "a target band needs its low and high ends")
        _check_number("band's low end", target.low)
        _check_number("band's high end", target.high)
        if target.low > target.high:
            raise ProgressError("band_reversed", "the band's low end is above its high end")
        return
    if target.value is None:
        raise ProgressError("target_missing", "the target has no value")
    _check_number("target", target.value)
