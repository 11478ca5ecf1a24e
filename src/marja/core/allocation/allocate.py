"""A total divided among areas by need, under the council's constraints, in whole rials.

1. **Formula weight** of each area: its need score (``need``), or its population times
   its need index ``(need / mean need) ** k`` (``per_capita``; ``k = 0`` is plain per
   capita).
2. **Target**: a fixed base per area, and the rest of the total in proportion to the
   formula weights.
3. **Pace of change** (optional, as England's NHS allocations do): each area moves a
   set fraction ``p`` of the way from last year's share of this year's total toward
   its target; ``p = 1`` is the target itself. The result is the *desired* amount.
4. **Bounds** per area: the base and a floor below; a cap on any share of the total
   above; a limit on the change against last year's amount on both sides.
5. **Solve**: every area not held by a bound gets the same multiple ``μ`` of its
   desired amount, with ``μ`` chosen so the total is met exactly (a piecewise-linear
   equation solved at its breakpoints, not by iteration to a tolerance). The result
   is monotone: raising one area's need, all else equal, never lowers its exact amount.
6. **Whole rials** by largest remainder within the bounds: the amounts add up to the
   total exactly; rounding moves an amount by less than one rial.

Constraints that cannot all hold are refused with the areas and figures that clash;
nothing is relaxed silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from marja.core.allocation.errors import AllocationError

Vector = npt.NDArray[np.float64]

#: Areas named in a refusal (the count is always exact).
NAMED_AREAS = 20


class Basis(StrEnum):
    NEED = "need"
    PER_CAPITA = "per_capita"


class Binding(StrEnum):
    """What decided an area's amount."""

    FORMULA = "formula"  # its desired amount, scaled with every other free area
    FLOOR = "floor"
    BASE = "base"
    CAP = "cap"
    CHANGE_DOWN = "change_down"  # held up: it may not fall more than the limit
    CHANGE_UP = "change_up"  # held down: it may not rise more than the limit


@dataclass(frozen=True)
class Rules:
    basis: Basis = Basis.NEED
    need_exponent: float = 1.0
    base_per_area: int = 0
    floor: int = 0
    #: The largest share of the total any area may get (0.25 = 25%).
    cap_share: float | None = None
    #: The largest change against last year's amount, as a fraction either way.
    change_limit: float | None = None
    #: The fraction of the way from last year's share toward the target (0 < p ≤ 1).
    pace: float | None = None

    @property
    def needs_last_year(self) -> bool:
        return self.change_limit is not None or self.pace is not None


@dataclass(frozen=True)
class Allocation:
    areas: tuple[str, ...]
    total: int
    amounts: tuple[int, ...]
    #: Before rounding: the need-based target, the desired amount after the pace of
    #: change, and the exact solution.
    targets: Vector
    desired: Vector
    exact: Vector
    lower: tuple[int, ...]
    upper: tuple[int, ...]
    binding: tuple[Binding, ...]
    #: The common multiple of the desired amounts given to unbound areas.
    multiplier: float
    #: The checked bounds and desired amounts (reused by the sensitivity analysis).
    prepared: Prepared

    def as_array(self) -> npt.NDArray[np.int64]:
        return np.array(self.amounts, dtype=np.int64)


def allocate(
    total: int,
    need: Sequence[float] | Vector,
    *,
    areas: Sequence[str],
    rules: Rules = Rules(),
    population: Sequence[float] | Vector | None = None,
    last_year: Sequence[float] | Vector | None = None,
) -> Allocation:
    """Divide ``total`` rials among ``areas`` by ``need``; see the module's steps."""
    prepared = prepare(
        total, need, areas=areas, rules=rules, population=population, last_year=last_year
    )
    exact, multiplier = solve(prepared.desired, prepared.lower, prepared.upper, total)
    amounts = whole_rials(exact, prepared.lower_int, prepared.upper_int, total)
    return Allocation(
        areas=tuple(areas),
        total=total,
        amounts=tuple(int(a) for a in amounts),
        targets=prepared.targets,
        desired=prepared.desired,
        exact=exact,
        lower=tuple(int(v) for v in prepared.lower_int),
        upper=tuple(int(v) for v in prepared.upper_int),
        binding=_binding(exact, prepared, total),
        multiplier=multiplier,
        prepared=prepared,
    )


@dataclass(frozen=True)
class Prepared:
    """Targets, desired amounts and bounds, checked: what :func:`solve` needs."""

    targets: Vector
    desired: Vector
    lower: Vector
    upper: Vector
    lower_int: npt.NDArray[np.int64]
    upper_int: npt.NDArray[np.int64]
    lower_from: tuple[Binding, ...]
    upper_from: tuple[Binding | None, ...]


def prepare(
    total: int,
    need: Sequence[float] | Vector,
    *,
    areas: Sequence[str],
    rules: Rules,
    population: Sequence[float] | Vector | None = None,
    last_year: Sequence[float] | Vector | None = None,
) -> Prepared:
    """Check the inputs and rules and compute what the solve needs (shared with the
    sensitivity analysis, which solves many needs under the same bounds)."""
    m = len(areas)
    _check_rules(total, m, rules)
    needs = _vector(need, "need", m)
    if (needs < 0).any() or np.isnan(needs).any():
        raise AllocationError("need_invalid", areas=_named(areas, (needs < 0) | np.isnan(needs)))
    people = _population(population, areas, rules)
    last = _last_year(last_year, areas, rules)
    targets = formula_targets(total, needs, rules, people)
    desired = desired_amounts(total, targets, rules, last)
    lower, lower_from, upper, upper_from = _bounds(total, m, rules, last)
    lower_int = np.ceil(lower - 1e-9).astype(np.int64)
    upper_int = np.floor(upper + 1e-9).astype(np.int64)
    _check_feasible(total, areas, lower_int, upper_int, lower_from, upper_from)
    return Prepared(
        targets,
        desired,
        lower_int.astype(np.float64),
        upper_int.astype(np.float64),
        lower_int,
        upper_int,
        lower_from,
        upper_from,
    )


def formula_targets(
    total: int, need: Vector, rules: Rules, population: Vector | None = None
) -> Vector:
    """The need-based target of each area (before pace and bounds); ``need`` may be a
    matrix (areas × draws) for the sensitivity analysis."""
    weights = formula_weights(need, rules, population)
    sums = weights.sum(axis=0)
    if np.any(sums <= 0):
        raise AllocationError("no_need")
    m = need.shape[0]
    rest = total - m * rules.base_per_area
    return np.asarray(rules.base_per_area + rest * weights / sums, dtype=np.float64)


def desired_amounts(total: int, targets: Vector, rules: Rules, last: Vector | None) -> Vector:
    """The targets after the pace of change: last year's share of this year's total,
    moved ``pace`` of the way toward the target (``targets`` may be areas × draws)."""
    if rules.pace is None or last is None:
        return targets
    shares = last * (total / last.sum())
    if targets.ndim == 2:
        shares = shares[:, None]
    return np.asarray(shares + rules.pace * (targets - shares), dtype=np.float64)


def formula_weights(need: Vector, rules: Rules, population: Vector | None) -> Vector:
    if rules.basis is Basis.NEED:
        return need
    if population is None:
        raise AllocationError("population_missing")
    mean = need.mean(axis=0)
    if np.any(mean <= 0):
        raise AllocationError("no_need")
    index = need / mean
    people = population if need.ndim == 1 else population[:, None]
    return np.asarray(people * index**rules.need_exponent, dtype=np.float64)


def solve(desired: Vector, lower: Vector, upper: Vector, total: int) -> tuple[Vector, float]:
    """The exact ``x = clip(μ·desired, lower, upper)`` with ``Σx = total``, and ``μ``.

    ``f(μ) = Σ clip(μ·dᵢ, lᵢ, uᵢ)`` is piecewise linear and non-decreasing, with
    breakpoints at ``lᵢ/dᵢ`` (area i starts to move) and ``uᵢ/dᵢ`` (it stops); the sweep
    over the sorted breakpoints finds the segment that holds the total and solves it.
    Areas that desire nothing stay at their lower bound unless the others are all at
    their upper bounds, when they share what is left in proportion to their headroom.
    """
    moving = desired > 0
    floor_sum = float(lower.sum())
    if total <= floor_sum + 1e-9 * max(1.0, abs(total)):
        return lower.copy(), 0.0
    d = desired[moving]
    starts, stops = lower[moving] / d, upper[moving] / d
    points = np.concatenate([starts, stops])
    slopes = np.concatenate([d, -d])
    order = np.argsort(points, kind="stable")
    points, slopes = points[order], slopes[order]
    slope_after = np.cumsum(slopes)
    rises = np.concatenate([[0.0], slope_after[:-1] * np.diff(points)])
    value_at = floor_sum + np.cumsum(rises)
    reached = np.flatnonzero(value_at >= total)
    x = lower.copy()
    if reached.size:
        k = int(reached[0])
        mu = (
            float(points[k])
            if k == 0
            else float(points[k - 1] + (total - value_at[k - 1]) / slope_after[k - 1])
        )
        x[moving] = np.clip(mu * d, lower[moving], upper[moving])
        return x, mu
    # Every area that desires something is at its upper bound.
    x[moving] = upper[moving]
    left = total - float(x.sum())
    room = np.where(moving, 0.0, upper - lower)
    if left > 0 and room.sum() > 0:
        x += room * min(1.0, left / float(room.sum()))
    return x, float(points[-1]) if points.size else 0.0


def whole_rials(
    exact: Vector, lower: npt.NDArray[np.int64], upper: npt.NDArray[np.int64], total: int
) -> npt.NDArray[np.int64]:
    """Largest-remainder rounding of ``exact`` that keeps every bound and hits ``total``.

    Each area gets the whole part of its amount; the rials left go one each to the
    largest fractional parts (ties to the earlier area). ``exact`` adds up to
    ``total`` up to floating-point error, so at most a few rials move either way.
    """
    whole = np.clip(np.floor(exact + 1e-7).astype(np.int64), lower, upper)
    fraction = exact - whole
    left = total - int(whole.sum())
    while left != 0:
        if left > 0:
            candidates = np.flatnonzero(whole < upper)
            order = candidates[np.argsort(-fraction[candidates], kind="stable")]
            step = 1
        else:
            candidates = np.flatnonzero(whole > lower)
            order = candidates[np.argsort(fraction[candidates], kind="stable")]
            step = -1
        if order.size == 0:  # cannot happen once the bounds were checked feasible
            raise AllocationError("rounding_failed", left=left)
        chosen = order[: abs(left)]
        whole[chosen] += step
        fraction[chosen] -= step
        left -= step * len(chosen)
    return whole


def _check_rules(total: int, m: int, rules: Rules) -> None:
    if total <= 0:
        raise AllocationError("total_not_positive", total=total)
    if rules.need_exponent < 0 or rules.need_exponent > 10:
        raise AllocationError("exponent_out_of_range", exponent=rules.need_exponent)
    if rules.floor < 0 or rules.base_per_area < 0:
        raise AllocationError("floor_negative", floor=rules.floor, base=rules.base_per_area)
    if rules.cap_share is not None and not 0 < rules.cap_share <= 1:
        raise AllocationError("cap_out_of_range", cap=rules.cap_share)
    if rules.change_limit is not None and rules.change_limit < 0:
        raise AllocationError("change_limit_negative", limit=rules.change_limit)
    if rules.pace is not None and not 0 < rules.pace <= 1:
        raise AllocationError("pace_out_of_range", pace=rules.pace)
    if m * rules.base_per_area > total:
        raise AllocationError(
            "base_above_total",
            base=rules.base_per_area,
            areas=m,
            needed=m * rules.base_per_area,
            total=total,
        )


def _vector(values: Sequence[float] | Vector, name: str, m: int) -> Vector:
    vector = np.asarray(values, dtype=np.float64)
    if vector.shape != (m,):
        raise AllocationError("length_mismatch", field=name, expected=m, found=len(vector))
    return vector


def _population(
    population: Sequence[float] | Vector | None, areas: Sequence[str], rules: Rules
) -> Vector | None:
    if population is None:
        if rules.basis is Basis.PER_CAPITA:
            raise AllocationError("population_missing")
        return None
    people = _vector(population, "population", len(areas))
    bad = ~(people > 0)
    if bad.any():
        raise AllocationError("population_not_positive", areas=_named(areas, bad))
    return people


def _last_year(
    last_year: Sequence[float] | Vector | None, areas: Sequence[str], rules: Rules
) -> Vector | None:
    if last_year is None:
        if rules.needs_last_year:
            raise AllocationError("last_year_missing")
        return None
    last = _vector(last_year, "last_year", len(areas))
    bad = (last < 0) | np.isnan(last)
    if bad.any():
        raise AllocationError("last_year_invalid", areas=_named(areas, bad))
    if rules.pace is not None and last.sum() <= 0:
        raise AllocationError("last_year_empty")
    return last


def _bounds(
    total: int, m: int, rules: Rules, last: Vector | None
) -> tuple[Vector, tuple[Binding, ...], Vector, tuple[Binding | None, ...]]:
    lower = np.zeros(m)
    lower_from: list[Binding] = [Binding.FLOOR] * m
    upper = np.full(m, float(total))
    upper_from: list[Binding | None] = [None] * m

    def raise_lower(values: Vector, origin: Binding) -> None:
        for i in np.flatnonzero(values > lower):
            lower[i], lower_from[i] = values[i], origin

    def drop_upper(values: Vector, origin: Binding) -> None:
        for i in np.flatnonzero(values < upper):
            upper[i], upper_from[i] = values[i], origin

    raise_lower(np.full(m, float(rules.floor)), Binding.FLOOR)
    raise_lower(np.full(m, float(rules.base_per_area)), Binding.BASE)
    if rules.cap_share is not None:
        drop_upper(np.full(m, rules.cap_share * total), Binding.CAP)
    if rules.change_limit is not None and last is not None:
        raise_lower(last * (1 - rules.change_limit), Binding.CHANGE_DOWN)
        drop_upper(last * (1 + rules.change_limit), Binding.CHANGE_UP)
    return lower, tuple(lower_from), upper, tuple(upper_from)


def _check_feasible(
    total: int,
    areas: Sequence[str],
    lower: npt.NDArray[np.int64],
    upper: npt.NDArray[np.int64],
    lower_from: Sequence[Binding],
    upper_from: Sequence[Binding | None],
) -> None:
    needed = int(lower.sum())
    if needed > total:
        origins = sorted({lower_from[i].value for i in np.flatnonzero(lower > 0).tolist()})
        raise AllocationError(
            "lower_bounds_above_total", needed=needed, total=total, origins=origins
        )
    clash = np.flatnonzero(lower > upper)
    if clash.size:
        raise AllocationError(
            "bounds_conflict",
            count=int(clash.size),
            conflicts=[
                {
                    "area": areas[i],
                    "lower": int(lower[i]),
                    "lower_from": lower_from[i].value,
                    "upper": int(upper[i]),
                    "upper_from": (upper_from[i] or Binding.CAP).value,
                }
                for i in clash[:NAMED_AREAS]
            ],
        )
    allowed = int(upper.sum())
    if allowed < total:
        origins = sorted({b.value for b in upper_from if b is not None})
        raise AllocationError(
            "upper_bounds_below_total", allowed=allowed, total=total, origins=origins
        )


def _binding(exact: Vector, prepared: Prepared, total: int) -> tuple[Binding, ...]:
    tolerance = max(1e-6, 1e-12 * total)
    found: list[Binding] = []
    for i, value in enumerate(exact):
        upper_from = prepared.upper_from[i]
        if value <= prepared.lower[i] + tolerance and prepared.lower[i] > 0:
            found.append(prepared.lower_from[i])
        elif upper_from is not None and value >= prepared.upper[i] - tolerance:
            found.append(upper_from)
        else:
            found.append(Binding.FORMULA)
    return tuple(found)


def _named(areas: Sequence[str], mask: npt.NDArray[np.bool_]) -> list[str]:
    return [areas[i] for i in np.flatnonzero(mask).tolist()][:NAMED_AREAS]
