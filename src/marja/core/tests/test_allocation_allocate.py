"""Allocation (core/allocation/allocate.py): hand-worked cases, every refusal, and the
properties that must hold for any feasible rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from marja.core.allocation import AllocationError
from marja.core.allocation.allocate import Allocation, Basis, Binding, Rules, allocate
from marja.core.allocation.fairness import average_ranks, fairness_of, gini, spearman, theil
from marja.core.allocation.needs import Assessment, Criterion, Direction, Method, assess
from marja.core.allocation.needs import Rules as NeedRules
from marja.core.allocation.sensitivity import sensitivity


def areas(n: int) -> list[str]:
    return [f"a{i}" for i in range(n)]


def test_proportional_to_need() -> None:
    result = allocate(100, [1, 2, 3, 4], areas=areas(4))
    assert result.amounts == (10, 20, 30, 40)
    assert set(result.binding) == {Binding.FORMULA}


def test_largest_remainder_adds_up_exactly() -> None:
    """Thirds of 100: 33.33 each; the one rial left goes to the first (ties keep order)."""
    result = allocate(100, [1, 1, 1], areas=areas(3))
    assert result.amounts == (34, 33, 33)
    big = allocate(10**14 + 7, [3, 5, 11, 13], areas=areas(4))
    assert sum(big.amounts) == 10**14 + 7


def test_floor_lifts_areas_and_the_rest_shares_what_is_left() -> None:
    """Need 0, 1, 9 of 1,000 with a floor of 100: by need alone the second would get
    100 × 1/10 = 90 < 100 once the first is lifted, so it is held at the floor too and
    the third gets the remaining 800."""
    result = allocate(1000, [0, 1, 9], areas=areas(3), rules=Rules(floor=100))
    assert result.amounts == (100, 100, 800)
    assert result.binding == (Binding.FLOOR, Binding.FLOOR, Binding.FORMULA)
    loose = allocate(1000, [0, 2, 8], areas=areas(3), rules=Rules(floor=100))
    assert loose.amounts == (100, 180, 720)
    assert loose.binding == (Binding.FLOOR, Binding.FORMULA, Binding.FORMULA)


def test_cap_on_a_share() -> None:
    result = allocate(1000, [1, 1, 8], areas=areas(3), rules=Rules(cap_share=0.5))
    assert result.amounts == (250, 250, 500)
    assert result.binding[2] is Binding.CAP


def test_change_limit_against_last_year() -> None:
    """Need says 50/50/200 of 300; ±10% of last year's 100 each holds them at 90–110."""
    rules = Rules(change_limit=0.1)
    result = allocate(300, [1, 1, 4], areas=areas(3), rules=rules, last_year=[100, 100, 100])
    assert result.amounts == (95, 95, 110)
    assert result.binding == (Binding.FORMULA, Binding.FORMULA, Binding.CHANGE_UP)


def test_pace_of_change_moves_part_of_the_way() -> None:
    """Last year's shares of this year's 400: 133.33 each; targets by need 100, 100,
    200; half the way: 116.67, 116.67, 166.67 → 117, 117, 166 in whole rials."""
    rules = Rules(pace=0.5)
    result = allocate(400, [1, 1, 2], areas=areas(3), rules=rules, last_year=[100, 100, 100])
    assert np.allclose(result.targets, [100, 100, 200])
    assert np.allclose(result.desired, [116.6667, 116.6667, 166.6667], atol=1e-3)
    assert result.amounts == (117, 117, 166)


def test_balanced_development_closes_ten_percent_of_the_gap() -> None:
    """The 1393 balanced-development law: a lagging area closes at least 10% of its gap
    a year: pace 0.1 moves each area a tenth of the way from last year's share."""
    rules = Rules(pace=0.1)
    result = allocate(1000, [3, 1], areas=areas(2), rules=rules, last_year=[500, 500])
    assert result.amounts == (525, 475)


def test_per_capita_with_need_exponent() -> None:
    people = [100, 300]
    plain = allocate(
        1000, [1, 1], areas=areas(2), rules=Rules(basis=Basis.PER_CAPITA), population=people
    )
    assert plain.amounts == (250, 750)
    weighted = allocate(
        1000,
        [3, 1],
        areas=areas(2),
        population=people,
        rules=Rules(basis=Basis.PER_CAPITA, need_exponent=1.0),
    )
    # need index 1.5 and 0.5: 150 and 150 people-equivalents
    assert weighted.amounts == (500, 500)
    none = allocate(
        1000,
        [3, 1],
        areas=areas(2),
        population=people,
        rules=Rules(basis=Basis.PER_CAPITA, need_exponent=0),
    )
    assert none.amounts == (250, 750)


def test_fixed_base_then_need() -> None:
    result = allocate(1000, [1, 3], areas=areas(2), rules=Rules(base_per_area=100))
    assert result.amounts == (300, 700)


# Refusals: each names the cause and the figures.


def test_floors_above_the_total_refused() -> None:
    with pytest.raises(AllocationError) as caught:
        allocate(1000, [1, 2, 3], areas=areas(3), rules=Rules(floor=400))
    assert caught.value.code == "lower_bounds_above_total"
    assert caught.value.params == {"needed": 1200, "total": 1000, "origins": ["floor"]}


def test_zero_total_refused() -> None:
    with pytest.raises(AllocationError) as caught:
        allocate(0, [1, 2], areas=areas(2))
    assert caught.value.code == "total_not_positive"


def test_caps_that_cannot_hold_the_total_refused() -> None:
    with pytest.raises(AllocationError) as caught:
        allocate(1000, [1, 2, 3], areas=areas(3), rules=Rules(cap_share=0.2))
    assert caught.value.code == "upper_bounds_below_total"
    assert caught.value.params["allowed"] == 600


def test_a_floor_above_an_areas_change_limit_is_a_named_conflict() -> None:
    rules = Rules(floor=200, change_limit=0.1)
    with pytest.raises(AllocationError) as caught:
        allocate(1100, [1, 2, 3], areas=areas(3), rules=rules, last_year=[100, 400, 500])
    assert caught.value.code == "bounds_conflict"
    (conflict,) = caught.value.params["conflicts"]
    assert conflict == {
        "area": "a0",
        "lower": 200,
        "lower_from": "floor",
        "upper": 110,
        "upper_from": "change_up",
    }


def test_base_above_the_total_refused() -> None:
    with pytest.raises(AllocationError, match="base_above_total"):
        allocate(100, [1, 2], areas=areas(2), rules=Rules(base_per_area=60))


def test_rules_needing_last_year_refuse_without_it() -> None:
    with pytest.raises(AllocationError, match="last_year_missing"):
        allocate(100, [1, 2], areas=areas(2), rules=Rules(pace=0.5))


def test_no_need_anywhere_refused() -> None:
    with pytest.raises(AllocationError, match="no_need"):
        allocate(100, [0, 0], areas=areas(2))


# Properties over random feasible problems.


Problem = tuple[int, list[float], Rules, list[float]]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    m = draw(st.integers(2, 30))
    need = draw(st.lists(st.floats(0.01, 10), min_size=m, max_size=m))
    last = draw(st.lists(st.floats(1, 10_000), min_size=m, max_size=m))
    total = draw(st.integers(m * 10, 10**13))
    floor = draw(st.sampled_from([0, total // (4 * m)]))
    cap = draw(st.sampled_from([None, 0.5, 3.0 / m if m > 3 else None]))
    change = draw(st.sampled_from([None, 0.5, 1.0]))
    pace = draw(st.sampled_from([None, 0.1, 0.5, 1.0]))
    scale = total / sum(last)
    last = [v * scale for v in last]
    return total, need, Rules(floor=floor, cap_share=cap, change_limit=change, pace=pace), last


def _try(total: int, need: list[float], rules: Rules, last: list[float]) -> Allocation:
    try:
        return allocate(total, need, areas=areas(len(need)), rules=rules, last_year=last)
    except AllocationError as exc:
        assume(
            exc.code
            not in {"bounds_conflict", "lower_bounds_above_total", "upper_bounds_below_total"}
        )
        raise


@settings(max_examples=300, deadline=None)
@given(problems())
def test_always_adds_up_and_respects_every_bound(problem: Problem) -> None:
    total, need, rules, last = problem
    result = _try(total, need, rules, last)
    amounts = np.array(result.amounts)
    assert int(amounts.sum()) == total
    assert (amounts >= np.array(result.lower)).all()
    assert (amounts <= np.array(result.upper)).all()
    assert (amounts >= rules.floor).all()
    if rules.cap_share is not None:
        assert (amounts <= rules.cap_share * total + 1e-6).all()
    if rules.change_limit is not None:
        assert (amounts >= np.array(last) * (1 - rules.change_limit) - 1).all()
        assert (amounts <= np.array(last) * (1 + rules.change_limit) + 1).all()
    assert np.abs(amounts - result.exact).max() < 1.0 + 1e-6 * total / 10**9


@settings(max_examples=300, deadline=None)
@given(problems(), st.data())
def test_free_areas_share_one_multiple(problem: Problem, data: st.DataObject) -> None:
    """Optimality of the solve: unbound areas get μ × desired; an area at its lower
    bound would get less, one at its upper bound more."""
    total, need, rules, last = problem
    result = _try(total, need, rules, last)
    mu = result.multiplier
    scaled = mu * result.desired
    tol = 1e-6 * total
    for i, binding in enumerate(result.binding):
        if result.lower[i] == result.upper[i]:
            continue  # fixed by its bounds
        if binding is Binding.FORMULA and result.lower[i] < result.exact[i] < result.upper[i]:
            assert abs(result.exact[i] - scaled[i]) <= tol
        elif result.exact[i] <= result.lower[i] + tol:
            assert scaled[i] <= result.lower[i] + tol
        else:
            assert scaled[i] >= result.upper[i] - tol


@settings(max_examples=300, deadline=None)
@given(problems(), st.integers(0, 29), st.floats(1.01, 5))
def test_more_need_never_lowers_an_allocation(problem: Problem, pick: int, factor: float) -> None:
    """Raising one area's need, all else equal, never lowers its exact amount; in
    whole rials it may lose at most the one rial of rounding (no largest-remainder
    method avoids that: Balinski and Young's population paradox)."""
    total, need, rules, last = problem
    i = pick % len(need)
    before = _try(total, need, rules, last)
    more = list(need)
    more[i] *= factor
    after = _try(total, more, rules, last)
    assert after.exact[i] >= before.exact[i] - 1e-7 * total / 10**6
    assert after.amounts[i] >= before.amounts[i] - 1


# Fairness.


def test_gini_and_theil_hand_worked() -> None:
    equal = np.array([5.0, 5.0, 5.0, 5.0])
    assert gini(equal) == pytest.approx(0.0)
    assert theil(equal) == pytest.approx(0.0)
    one_has_all = np.array([0.0, 0.0, 0.0, 8.0])
    assert gini(one_has_all) == pytest.approx(0.75)  # (n − 1) / n
    assert theil(one_has_all) == pytest.approx(np.log(4))  # its maximum, ln n
    # population weights count people: 3 people at 1, 1 person at 5 is the same as
    # the list 1, 1, 1, 5 (Gini 1/2 · mean |xᵢ − xⱼ| / mean = 0.375)
    assert gini(np.array([1.0, 5.0]), np.array([3.0, 1.0])) == pytest.approx(
        gini(np.array([1.0, 1.0, 1.0, 5.0]))
    )
    assert gini(np.array([1.0, 1.0, 1.0, 5.0])) == pytest.approx(0.375)


def test_rank_correlation() -> None:
    assert spearman(np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])) == pytest.approx(1)
    assert spearman(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])) == pytest.approx(-1)
    assert spearman(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])) is None
    assert average_ranks(np.array([5.0, 1.0, 5.0])).tolist() == [2.5, 1.0, 2.5]


def test_fairness_of_an_allocation() -> None:
    found = fairness_of([100, 300], [100, 100], [1, 3], last_year=[150, 150])
    assert found.change == 100
    assert found.change_share == pytest.approx(1 / 3)
    assert found.rank_correlation == pytest.approx(1.0)
    assert 0 < found.gini < 1


# Sensitivity.


def _assessment() -> Assessment:
    rng = np.random.default_rng(7)
    values = rng.uniform(1, 100, size=(12, 4))
    criteria = [Criterion(f"c{j}", Direction.HIGHER, 0.25) for j in range(4)]
    return assess(values, areas(12), criteria, NeedRules(method=Method.TOPSIS))


def test_sensitivity_is_reproducible_and_bounded() -> None:
    from marja.core.allocation.allocate import prepare

    found = _assessment()
    rules = Rules(floor=1000)
    prepared = prepare(10**6, found.scores, areas=areas(12), rules=rules)
    first = sensitivity(found, prepared, total=10**6, rules=rules, draws=200, seed=3)
    again = sensitivity(found, prepared, total=10**6, rules=rules, draws=200, seed=3)
    assert np.array_equal(first.same_rank, again.same_rank)
    assert ((first.same_rank >= 0) & (first.same_rank <= 1)).all()
    assert (first.rank_best <= first.rank).all()
    assert (first.rank_worst >= first.rank).all()
    assert (first.amount_p5 >= 1000 - 1e-6).all()
    assert (first.amount_p5 <= first.amount_p95).all()


def test_tiny_spread_keeps_every_rank() -> None:
    found = _assessment()
    result = sensitivity(found, None, total=1, rules=Rules(), draws=50, spread=1e-9)
    assert (result.same_rank == 1).all()


def test_sensitivity_refuses_absurd_settings() -> None:
    found = _assessment()
    with pytest.raises(AllocationError, match="draws_out_of_range"):
        sensitivity(found, None, total=1, rules=Rules(), draws=0)
    with pytest.raises(AllocationError, match="spread_out_of_range"):
        sensitivity(found, None, total=1, rules=Rules(), spread=1.5)
