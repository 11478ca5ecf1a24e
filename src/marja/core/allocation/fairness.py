"""How evenly an allocation spreads per person, and how well it follows need.

- Gini of per-capita amounts, population-weighted: each area counts with its people
  (one minus twice the area under the Lorenz curve of amounts against people, exact
  for areas whose people all get the area's per-capita amount).
- Theil's T index of per-capita amounts, population-weighted:
  ``Σ sᵢ ln(sᵢ / pᵢ)`` with ``s`` the shares of the amount and ``p`` of the people;
  0 when every person gets the same, ``ln(total people / people of one area)`` at most.
- Spearman's rank correlation between need and amount per capita (average ranks for
  ties): near 1 when the needier areas get more per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Fairness:
    gini: float
    theil: float
    #: None when need or per-capita amounts are the same everywhere.
    rank_correlation: float | None
    #: Against last year (None without last year's amounts): the total's change (the
    #: same for every scenario of a cycle), how many areas get less than last year,
    #: and the largest fall as a share of last year's amount.
    change: int | None
    change_share: float | None
    areas_down: int | None = None
    largest_fall: float | None = None


def fairness_of(
    amounts: Sequence[int] | npt.NDArray[np.int64],
    population: Sequence[float] | Vector,
    need: Sequence[float] | Vector,
    last_year: Sequence[float] | Vector | None = None,
) -> Fairness:
    x = np.asarray(amounts, dtype=np.float64)
    people = np.asarray(population, dtype=np.float64)
    change = change_share = largest_fall = None
    areas_down = None
    if last_year is not None:
        previous = np.asarray(last_year, dtype=np.float64)
        last = float(previous.sum())
        change = int(sum(int(a) for a in amounts) - round(last))
        change_share = change / last if last > 0 else None
        areas_down = int((x < previous - 0.5).sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(previous > 0, (x - previous) / previous, np.nan)
        largest_fall = float(np.nanmin(shares)) if np.isfinite(shares).any() else None
    per_capita = x / people
    return Fairness(
        gini=gini(per_capita, people),
        theil=theil(per_capita, people),
        rank_correlation=spearman(np.asarray(need, dtype=np.float64), per_capita),
        change=change,
        change_share=change_share,
        areas_down=areas_down,
        largest_fall=largest_fall,
    )


def gini(values: Vector, weights: Vector | None = None) -> float:
    """Gini coefficient of ``values`` (≥ 0), each counted ``weights`` times."""
    w = np.ones_like(values) if weights is None else weights
    order = np.argsort(values, kind="stable")
    v, w = values[order], w[order]
    income = v * w
    if income.sum() <= 0:
        return 0.0
    people = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    lorenz = np.concatenate([[0.0], np.cumsum(income) / income.sum()])
    area = float(np.sum(np.diff(people) * (lorenz[1:] + lorenz[:-1])))
    return max(0.0, 1.0 - area)


def theil(values: Vector, weights: Vector | None = None) -> float:
    """Theil's T of ``values`` (≥ 0), each counted ``weights`` times."""
    w = np.ones_like(values) if weights is None else weights
    income = values * w
    if income.sum() <= 0:
        return 0.0
    s, p = income / income.sum(), w / w.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(s > 0, s * np.log(s / p), 0.0)
    return max(0.0, float(terms.sum()))


def spearman(a: Vector, b: Vector) -> float | None:
    """Spearman's rho with average ranks; None when either side is constant."""
    ra, rb = average_ranks(a), average_ranks(b)
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def average_ranks(values: Vector) -> Vector:
    """Ranks 1..n of ``values`` ascending; ties get the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    _unique, group, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(group, weights=ranks)
    return np.asarray(sums[group] / counts[group], dtype=np.float64)
