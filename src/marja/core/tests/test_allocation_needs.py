"""Needs assessment (core/allocation/needs.py) against published worked examples and
properties that must hold for any data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marja.core.allocation import AllocationError
from marja.core.allocation.needs import (
    Criterion,
    Direction,
    Method,
    Missing,
    Normalisation,
    Rules,
    Weighting,
    assess,
    entropy_weights,
    normalise,
    ranks_of,
)

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER


def test_topsis_matches_yoon_and_hwang_worked_example() -> None:
    """Yoon and Hwang, *Multiple Attribute Decision Making: An Introduction* (Sage,
    1995), as worked in B. Sennaroğlu's "TOPSIS Example" (Decision Analysis, 2009):
    three alternatives, two benefit attributes, weights 0.714 and 0.286.

    Published weighted normalised matrix V: (0.5703, 0.2124), (0.3355, 0.1593),
    (0.2684, 0.1062). The positive ideal is row 1 and the negative ideal row 3, so the
    closeness coefficients are 1, S⁻/(S⁺+S⁻) = 0.0856/(0.2407+0.0856) = 0.262, and 0.
    A benefit attribute is a development measure, so here it is a "lower means more
    need" criterion, and need is one minus the closeness.
    """
    criteria = [Criterion("p", LOWER, 0.714), Criterion("l", LOWER, 0.286)]
    rules = Rules(Normalisation.VECTOR, Method.TOPSIS, Weighting.MANUAL)
    result = assess([[17, 12], [10, 9], [8, 6]], ["a1", "a2", "a3"], criteria, rules)

    weighted = result.normalised * result.weights
    published = np.array([[0.5703, 0.2124], [0.3355, 0.1593], [0.2684, 0.1062]])
    assert np.allclose(weighted, published, atol=5e-5)
    assert np.allclose(1 - result.scores, [1.0, 0.262, 0.0], atol=5e-4)
    assert result.ranks.tolist() == [3, 2, 1]


def test_entropy_weights_match_shannon_binary_entropy() -> None:
    """Entropy weights as defined by Zeleny (1982) and Hwang and Yoon (1981), quoted in
    Hosseinzadeh Lotfi and Fallahnejad, *Entropy* 12(1), 53–62 (2010), eqs. 1–3.

    With two areas a column's entropy is the binary entropy of its shares: column
    (1, 3) has shares (0.25, 0.75) and H = 0.811278; column (2, 3) has (0.4, 0.6) and
    H = 0.970951 (standard tables). Diversities 0.188722 and 0.029049 give weights
    0.866606 and 0.133394.
    """
    weights = entropy_weights(np.array([[1.0, 2.0], [3.0, 3.0]]))
    assert np.allclose(weights, [0.866606, 0.133394], atol=1e-6)


def test_normalisations_hand_worked() -> None:
    column = np.array([[2.0], [4.0], [6.0]])
    assert np.allclose(normalise(column, Normalisation.MIN_MAX)[:, 0], [0, 0.5, 1])
    assert np.allclose(normalise(column, Normalisation.VECTOR)[:, 0], np.array([2, 4, 6]) / 56**0.5)
    # mean 4, population σ = √(8/3) = 1.632993
    assert np.allclose(normalise(column, Normalisation.Z_SCORE)[:, 0], [-1.224745, 0, 1.224745])


def test_weighted_sum_orients_each_criterion_toward_need() -> None:
    """Unemployment (higher = more need) 10, 20, 30; literacy (lower = more need)
    90, 80, 70; min–max gives (0, .5, 1) for both once oriented."""
    criteria = [Criterion("unemployment", HIGHER, 0.5), Criterion("literacy", LOWER, 0.5)]
    result = assess([[10, 90], [20, 80], [30, 70]], ["a", "b", "c"], criteria)
    assert np.allclose(result.scores, [0.0, 0.5, 1.0])
    assert result.ranks.tolist() == [3, 2, 1]
    assert result.drivers(2)[0][1] == pytest.approx(0.5)


def test_z_score_lower_criterion_enters_negated() -> None:
    criteria = [Criterion("literacy", LOWER, 1.0)]
    rules = Rules(normalisation=Normalisation.Z_SCORE)
    result = assess([[2], [4], [6]], ["a", "b", "c"], criteria, rules)
    assert np.allclose(result.scores, [1.224745, 0, -1.224745])


def test_equal_and_mixed_weights() -> None:
    values = [[1, 2], [3, 3], [5, 9]]
    criteria = [Criterion("x", HIGHER, 0.8), Criterion("y", HIGHER, 0.2)]
    equal = assess(values, ["a", "b", "c"], criteria, Rules(weighting=Weighting.EQUAL))
    assert equal.weights.tolist() == [0.5, 0.5]
    mix = assess(values, ["a", "b", "c"], criteria, Rules(weighting=Weighting.MIX, mix=0.25))
    assert mix.entropy_weights is not None
    assert np.allclose(mix.weights, 0.25 * np.array([0.8, 0.2]) + 0.75 * mix.entropy_weights)


def test_ties_share_the_best_rank() -> None:
    assert ranks_of(np.array([0.2, 0.9, 0.2, 0.5])).tolist() == [3, 1, 3, 2]


# Bad input: each refused with the criterion and areas named.


def test_missing_values_refused_with_the_areas_named() -> None:
    criteria = [Criterion("beds", LOWER, 1.0)]
    with pytest.raises(AllocationError) as caught:
        assess([[1.0], [None], [3.0], [None]], ["a", "b", "c", "d"], criteria)
    assert caught.value.code == "missing_values"
    assert caught.value.params == {"criterion": "beds", "areas": ["b", "d"], "count": 2}


def test_missing_values_filled_with_the_median_when_asked() -> None:
    criteria = [Criterion("beds", LOWER, 1.0)]
    result = assess(
        [[1.0], [None], [5.0]], ["a", "b", "c"], criteria, Rules(missing=Missing.MEDIAN)
    )
    assert result.values[1, 0] == 3.0
    assert result.filled == (("b", "beds"),)


def test_constant_criterion_refused() -> None:
    criteria = [Criterion("x", HIGHER, 0.5), Criterion("same", HIGHER, 0.5)]
    with pytest.raises(AllocationError) as caught:
        assess([[1, 7], [2, 7], [3, 7]], ["a", "b", "c"], criteria)
    assert caught.value.code == "constant_criterion"
    assert caught.value.params["criterion"] == "same"


def test_negative_values_refused_where_a_ratio_is_expected() -> None:
    criteria = [Criterion("rate", HIGHER, 1.0, non_negative=True)]
    with pytest.raises(AllocationError) as caught:
        assess([[0.1], [-0.2], [0.3]], ["a", "b", "c"], criteria)
    assert caught.value.code == "negative_values"
    assert caught.value.params["areas"] == ["b"]
    assert caught.value.params["values"] == [-0.2]


def test_weights_that_do_not_sum_to_one_refused() -> None:
    criteria = [Criterion("x", HIGHER, 0.5), Criterion("y", HIGHER, 0.4)]
    with pytest.raises(AllocationError) as caught:
        assess([[1, 2], [2, 1], [3, 3]], ["a", "b", "c"], criteria)
    assert caught.value.code == "weights_sum"
    assert caught.value.params["total"] == 0.9


def test_weights_within_rounding_of_one_are_rescaled() -> None:
    third = [Criterion(c, HIGHER, 0.333) for c in "xyz"]
    result = assess([[1, 2, 3], [2, 1, 1], [3, 3, 2]], ["a", "b", "c"], third)
    assert result.weights.sum() == pytest.approx(1.0)


def test_entropy_and_vector_refuse_negative_data() -> None:
    criteria = [Criterion("growth", HIGHER, 1.0)]
    values = [[-1.0], [2.0], [3.0]]
    with pytest.raises(AllocationError, match="entropy_needs_non_negative"):
        assess(values, ["a", "b", "c"], criteria, Rules(weighting=Weighting.ENTROPY))
    with pytest.raises(AllocationError, match="vector_needs_non_negative"):
        assess(values, ["a", "b", "c"], criteria, Rules(normalisation=Normalisation.VECTOR))
    # z-scores and min–max take any sign
    assert assess(values, ["a", "b", "c"], criteria).ranks.tolist() == [3, 2, 1]


def test_one_area_is_not_an_assessment() -> None:
    with pytest.raises(AllocationError, match="too_few_areas"):
        assess([[1.0]], ["a"], [Criterion("x", HIGHER, 1.0)])


# Properties.

matrices = st.integers(3, 12).flatmap(
    lambda m: st.integers(1, 5).flatmap(
        lambda k: st.lists(
            st.lists(st.floats(0.5, 1000, allow_nan=False), min_size=k, max_size=k),
            min_size=m,
            max_size=m,
        )
    )
)


def _distinct(values: list[list[float]]) -> bool:
    array = np.array(values)
    return bool((np.ptp(array, axis=0) > 1e-6 * np.abs(array).max(axis=0)).all())


def _criteria(k: int, seed: int) -> list[Criterion]:
    rng = np.random.default_rng(seed)
    raw = rng.uniform(0.1, 1.0, size=k)
    weights = raw / raw.sum()
    return [
        Criterion(f"c{j}", HIGHER if rng.random() < 0.5 else LOWER, float(weights[j]))
        for j in range(k)
    ]


@settings(max_examples=60, deadline=None)
@given(matrices, st.integers(0, 1000), st.sampled_from(list(Weighting)))
def test_weights_always_sum_to_one(values: list[list[float]], seed: int, how: Weighting) -> None:
    if not _distinct(values):
        return
    criteria = _criteria(len(values[0]), seed)
    result = assess(values, [str(i) for i in range(len(values))], criteria, Rules(weighting=how))
    assert math.isclose(float(result.weights.sum()), 1.0, abs_tol=1e-9)
    assert (result.weights >= 0).all()


@settings(max_examples=60, deadline=None)
@given(
    matrices,
    st.integers(0, 1000),
    st.sampled_from(list(Normalisation)),
    st.sampled_from(list(Method)),
    st.floats(0.01, 1e4),
)
def test_rescaling_a_criterion_changes_nothing(
    values: list[list[float]], seed: int, how: Normalisation, method: Method, factor: float
) -> None:
    """Counting in thousands or in units gives the same scores, ranks and entropy
    weights, for every normalisation and both methods."""
    if not _distinct(values):
        return
    criteria = _criteria(len(values[0]), seed)
    areas = [str(i) for i in range(len(values))]
    rules = Rules(how, method, Weighting.MIX)
    scaled = np.array(values)
    scaled[:, 0] *= factor
    first, second = assess(values, areas, criteria, rules), assess(scaled, areas, criteria, rules)
    assert np.allclose(first.scores, second.scores, atol=1e-9)
    assert np.allclose(first.weights, second.weights, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(matrices, st.integers(0, 1000), st.sampled_from(list(Method)))
def test_more_of_a_need_criterion_never_lowers_the_score(
    values: list[list[float]], seed: int, method: Method
) -> None:
    """Worsening one area on one criterion (toward need), all else equal, never
    lowers its need score (min–max, weighted sum or TOPSIS)."""
    if not _distinct(values):
        return
    criteria = _criteria(len(values[0]), seed)
    areas = [str(i) for i in range(len(values))]
    rules = Rules(method=method)
    before = assess(values, areas, criteria, rules)
    worse = np.array(values)
    step = 10.0 if criteria[0].direction is HIGHER else -0.4 * worse[0, 0]
    worse[0, 0] += step
    if not _distinct(worse.tolist()):
        return
    after = assess(worse, areas, criteria, rules)
    assert after.scores[0] >= before.scores[0] - 1e-12


def test_topsis_extremes() -> None:
    """An area worst on every criterion has need 1; best on every one, need 0."""
    criteria = [Criterion("u", HIGHER, 0.3), Criterion("lit", LOWER, 0.7)]
    rules = Rules(Normalisation.VECTOR, Method.TOPSIS)
    result = assess([[30, 60], [10, 95], [20, 80]], ["worst", "best", "mid"], criteria, rules)
    assert result.scores[0] == pytest.approx(1.0)
    assert result.scores[1] == pytest.approx(0.0)
    assert 0 < result.scores[2] < 1
