"""Drivers and obstacles: decompositions that add up, against hand-worked examples."""

from __future__ import annotations

import math

from marja.core.drivers import (
    Share,
    change_by_county,
    change_of_ratio,
    change_of_sum,
    gap_by_county,
    gap_of_total,
    in_desired_direction,
    ratio_of_sums,
)


def test_the_gap_splits_by_county_weighted_by_size() -> None:
    # Beds per person: A 20/10 = 2, B 10/10 = 1; the province 30/20 = 1.5; target 2.5.
    shares = {"a": Share(20, 10), "b": Share(10, 10), "empty": Share(0, 0)}
    assert ratio_of_sums(shares) == 1.5
    parts = gap_by_county(shares, 2.5)
    assert [(p.key, p.amount, p.weight) for p in parts] == [("b", 0.75, 0.5), ("a", 0.25, 0.5)]
    assert math.isclose(sum(p.amount for p in parts), 2.5 - 1.5)
    assert gap_by_county({"x": Share(1, 0)}, 1) == []


def test_a_total_splits_by_the_county_targets() -> None:
    # Classrooms: targets a 10, b 12, c 5 (27); built a 4, b 12, c 6 (22): gap 5.
    parts = gap_of_total({"a": 4, "b": 12, "c": 6, "untargeted": 3}, {"a": 10, "b": 12, "c": 5})
    assert [(p.key, p.amount) for p in parts] == [("a", 6), ("b", 0), ("c", -1)]
    assert sum(p.amount for p in parts) == 27 - 22


def test_the_change_splits_by_county_and_adds_up() -> None:
    before = {"a": Share(20, 10), "b": Share(10, 10)}
    after = {"a": Share(21, 10), "b": Share(16, 10), "new": Share(3, 5)}
    parts = change_by_county(before, after)
    whole = (ratio_of_sums(after) or 0) - (ratio_of_sums(before) or 0)
    assert math.isclose(sum(p.amount for p in parts), whole)
    assert [p.key for p in parts] == ["b", "new", "a"]  # b rose most; a's share fell
    assert parts[0].amount == 16 / 25 - 10 / 20


def test_a_ratio_change_splits_into_numerator_and_denominator() -> None:
    # 100/50 = 2 to 150/60 = 2.5: beds +50 explain +0.916667, population +10 explains -0.416667.
    split = change_of_ratio(Share(100, 50), Share(150, 60))
    assert split is not None
    numerator, denominator = split
    assert math.isclose(numerator.amount, 0.916667, abs_tol=1e-6)
    assert math.isclose(denominator.amount, -0.416667, abs_tol=1e-6)
    assert math.isclose(numerator.amount + denominator.amount, 0.5)
    assert change_of_ratio(Share(1, 0), Share(1, 1)) is None


def test_a_sum_change_splits_into_its_components() -> None:
    parts = change_of_sum({"primary": 10, "secondary": 5}, {"primary": 12, "secondary": 4, "x": 1})
    assert [(p.key, p.amount) for p in parts] == [("primary", 2), ("x", 1), ("secondary", -1)]


def test_lower_is_better_turns_the_sign() -> None:
    assert in_desired_direction(-3.0, higher_is_better=False) == 3.0
    assert in_desired_direction(-3.0, higher_is_better=True) == -3.0
