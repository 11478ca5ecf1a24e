"""What drives an indicator and what holds it back, computed from its county figures.

Three exact, additive decompositions (their parts sum to the whole, so a page can show
them as a table that adds up):

- **County contributions to the province's gap.** A province rate is a ratio of sums
  over the counties, ``R = sum(n_c) / sum(d_c)``. Its gap to the target ``T`` is the
  weighted sum of the counties' gaps, ``T - R = sum(w_c * (T - r_c))`` with
  ``w_c = d_c / sum(d)``: a big county far below the target contributes most. A province
  total ``sum(n_c)`` with county targets ``T_c`` splits into ``T_c - n_c``.
- **Change by county** since the previous period: the same weights, so
  ``R1 - R0 = sum(w1_c * r1_c - w0_c * r0_c)``.
- **Change by component** of a ratio ``N / D``: the Shapley split of a product of two
  factors, ``dN * mean(1/D) + d(1/D) * mean(N)``, exact; a sum of components splits
  into the components' own changes.

Signs are in the indicator's units; :func:`in_desired_direction` turns a change into
"good" (positive) or "bad" (negative) for lower-is-better indicators too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    """A county's numerator and denominator (``denominator`` 1 for a plain count)."""

    numerator: float
    denominator: float = 1.0

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator != 0 else None


@dataclass(frozen=True)
class Part:
    key: str
    #: The part's share of the whole, in the indicator's units.
    amount: float
    #: The part's weight in the province (``d_c / sum(d)``), for counties.
    weight: float | None = None


def ratio_of_sums(shares: Mapping[str, Share]) -> float | None:
    numerator = sum(s.numerator for s in shares.values())
    denominator = sum(s.denominator for s in shares.values())
    return numerator / denominator if denominator != 0 else None


def gap_by_county(shares: Mapping[str, Share], target: float) -> list[Part]:
    """Each county's part of ``target - province``, largest shortfall first.

    Counties with a zero denominator weigh nothing and are left out; an empty list when
    the whole denominator is zero.
    """
    total = sum(s.denominator for s in shares.values())
    if total == 0:
        return []
    parts = []
    for key, share in shares.items():
        rate = share.rate
        if rate is None:
            continue
        weight = share.denominator / total
        parts.append(Part(key, weight * (target - rate), weight))
    return sorted(parts, key=lambda p: (-p.amount, p.key))


def gap_of_total(actuals: Mapping[str, float], targets: Mapping[str, float]) -> list[Part]:
    """Each county's part of the gap of a province total to the sum of the county
    targets (a county without a target is left out), largest shortfall first."""
    parts = [Part(k, targets[k] - actuals.get(k, 0.0)) for k in targets]
    return sorted(parts, key=lambda p: (-p.amount, p.key))


def change_by_county(before: Mapping[str, Share], after: Mapping[str, Share]) -> list[Part]:
    """Each county's part of the change of the province figure from ``before`` to
    ``after``, largest rise first; a county present in one period only counts with
    nothing in the other."""
    total_before = sum(s.denominator for s in before.values())
    total_after = sum(s.denominator for s in after.values())
    if total_before == 0 or total_after == 0:
        return []
    parts = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        amount = (now.numerator / total_after if now else 0.0) - (
            was.numerator / total_before if was else 0.0
        )
        weight = now.denominator / total_after if now else 0.0
        parts.append(Part(key, amount, weight))
    return sorted(parts, key=lambda p: (-p.amount, p.key))


def change_of_ratio(before: Share, after: Share) -> tuple[Part, Part] | None:
    """The change of ``numerator / denominator`` split into the numerator's part and the
    denominator's (None when a denominator is zero)."""
    if before.denominator == 0 or after.denominator == 0:
        return None
    inverse_before, inverse_after = 1 / before.denominator, 1 / after.denominator
    numerator = (after.numerator - before.numerator) * (inverse_before + inverse_after) / 2
    denominator = (inverse_after - inverse_before) * (before.numerator + after.numerator) / 2
    return Part("numerator", numerator), Part("denominator", denominator)


def change_of_sum(before: Mapping[str, float], after: Mapping[str, float]) -> list[Part]:
    """The change of a sum split into its components' changes, largest first."""
    keys = sorted(set(before) | set(after))
    parts = [Part(k, after.get(k, 0.0) - before.get(k, 0.0)) for k in keys]
    return sorted(parts, key=lambda p: (-p.amount, p.key))


def in_desired_direction(amount: float, higher_is_better: bool) -> float:
    """``amount`` with its sign turned so that positive is always an improvement."""
    return amount if higher_is_better else -amount
