"""Need scores of areas from criteria: normalise, weight, combine, rank.

Each criterion is a column of values, one per area, with a direction: more need when
the value is higher (unemployment) or when it is lower (literacy, beds per 1,000).

Normalisations (per criterion, over the areas):
- min–max: ``(x − min) / (max − min)``, in 0..1;
- vector: ``x / √Σx²`` (Hwang and Yoon's TOPSIS normalisation; values must be ≥ 0);
- z-score: ``(x − mean) / σ`` with the population standard deviation.

Weights: manual (they must add up to one), equal, Shannon entropy of the data
(Zeleny 1982; Hwang and Yoon 1981: ``p = x / Σx``, ``e = −Σ p ln p / ln m``,
``w = (1 − e) / Σ(1 − e)``, values ≥ 0), or a mix ``α·manual + (1 − α)·entropy``.

Composites (higher always means more need):
- weighted sum of the need-oriented normalised values (a "lower" criterion enters as
  ``1 − r`` for min–max and vector, ``−z`` for z-scores);
- TOPSIS: the ideal is the most *developed* value of each weighted criterion, the
  anti-ideal the least; need is the relative distance from the developed ideal,
  ``S⁺ / (S⁺ + S⁻)``, i.e. one minus TOPSIS's closeness coefficient.

Ranks: 1 is the area in most need; areas with the same score share a rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from marja.core.allocation.errors import AllocationError

Matrix = npt.NDArray[np.float64]

#: Manual weights may miss one by this much (0.333 three times); they are then rescaled.
WEIGHT_TOLERANCE: Final = 0.001


class Direction(StrEnum):
    HIGHER = "higher"  # more need when the value is higher
    LOWER = "lower"  # more need when the value is lower


class Normalisation(StrEnum):
    MIN_MAX = "min_max"
    VECTOR = "vector"
    Z_SCORE = "z_score"


class Method(StrEnum):
    WEIGHTED_SUM = "weighted_sum"
    TOPSIS = "topsis"


class Weighting(StrEnum):
    MANUAL = "manual"
    EQUAL = "equal"
    ENTROPY = "entropy"
    MIX = "mix"


class Missing(StrEnum):
    REFUSE = "refuse"  # a missing value is an error naming the areas
    MEDIAN = "median"  # filled with the criterion's median over the other areas


@dataclass(frozen=True)
class Criterion:
    code: str
    direction: Direction
    #: The manual weight (used by MANUAL and MIX weighting).
    weight: float | None = None
    #: A ratio, count or rate: a negative value is an error, not data.
    non_negative: bool = False


@dataclass(frozen=True)
class Rules:
    normalisation: Normalisation = Normalisation.MIN_MAX
    method: Method = Method.WEIGHTED_SUM
    weighting: Weighting = Weighting.MANUAL
    #: In a MIX, the share of the manual weights (the rest is entropy's).
    mix: float = 0.5
    missing: Missing = Missing.REFUSE


@dataclass(frozen=True)
class Assessment:
    """The need of each area, with what went into it."""

    areas: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    rules: Rules
    #: The values used (after any filling of missing ones), areas × criteria.
    values: Matrix
    #: The weights applied (sum 1), and entropy's when it was computed.
    weights: npt.NDArray[np.float64]
    entropy_weights: npt.NDArray[np.float64] | None
    #: Normalised values (unoriented: as the normalisation gives them).
    normalised: Matrix
    scores: npt.NDArray[np.float64]
    ranks: npt.NDArray[np.int64]
    #: The share of each area's score due to each criterion (rows add up to one).
    contributions: Matrix
    #: (area, criterion) cells filled with the median.
    filled: tuple[tuple[str, str], ...] = field(default=())

    def drivers(self, index: int, count: int = 3) -> list[tuple[str, float]]:
        """The criteria that drive area ``index``'s need most, with their shares."""
        shares = self.contributions[index]
        order = np.argsort(-shares, kind="stable")[:count]
        return [(self.criteria[j].code, float(shares[j])) for j in order]

    def scores_for(self, weights: Matrix) -> Matrix:
        """Scores (areas × draws) under each row of ``weights`` (draws × criteria),
        the same normalisation and method: the heart of the sensitivity analysis."""
        return _scores(self.normalised, self._directions(), weights, self.rules)

    def _directions(self) -> npt.NDArray[np.bool_]:
        return np.array([c.direction is Direction.HIGHER for c in self.criteria])


def assess(
    values: Sequence[Sequence[float | None]] | Matrix,
    areas: Sequence[str],
    criteria: Sequence[Criterion],
    rules: Rules = Rules(),
) -> Assessment:
    """Need scores and ranks of ``areas`` (rows of ``values``) over ``criteria``
    (its columns); raises :class:`AllocationError` naming the area and criterion."""
    matrix, filled = _checked(values, areas, criteria, rules)
    weights, entropy = resolve_weights(matrix, criteria, rules)
    normalised = normalise(matrix, rules.normalisation)
    directions = np.array([c.direction is Direction.HIGHER for c in criteria])
    scores = _scores(normalised, directions, weights[None, :], rules)[:, 0]
    return Assessment(
        areas=tuple(areas),
        criteria=tuple(criteria),
        rules=rules,
        values=matrix,
        weights=weights,
        entropy_weights=entropy,
        normalised=normalised,
        scores=scores,
        ranks=ranks_of(scores),
        contributions=_contributions(normalised, directions, weights, rules),
        filled=tuple(filled),
    )


def normalise(values: Matrix, how: Normalisation) -> Matrix:
    """Each column normalised over the rows (constant columns are refused before)."""
    if how is Normalisation.MIN_MAX:
        low, high = values.min(axis=0), values.max(axis=0)
        result = (values - low) / (high - low)
    elif how is Normalisation.VECTOR:
        result = values / np.sqrt((values**2).sum(axis=0))
    else:
        result = (values - values.mean(axis=0)) / values.std(axis=0)
    return np.asarray(result, dtype=np.float64)


def entropy_weights(values: Matrix) -> npt.NDArray[np.float64]:
    """Shannon-entropy weights of the columns of non-negative ``values``."""
    m = values.shape[0]
    p = values / values.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -terms.sum(axis=0) / np.log(m)
    diversity = np.clip(1.0 - entropy, 0.0, None)
    total = diversity.sum()
    if total <= 0:
        return np.full(values.shape[1], 1.0 / values.shape[1])
    return np.asarray(diversity / total, dtype=np.float64)


def resolve_weights(
    values: Matrix, criteria: Sequence[Criterion], rules: Rules
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """The weights ``rules`` ask for (summing to one), and entropy's when computed."""
    k = len(criteria)
    if rules.weighting is Weighting.EQUAL:
        return np.full(k, 1.0 / k), None
    if rules.weighting is Weighting.MANUAL:
        return manual_weights(criteria), None
    negative = [c.code for j, c in enumerate(criteria) if (values[:, j] < 0).any()]
    if negative:
        raise AllocationError("entropy_needs_non_negative", criteria=negative)
    entropy = entropy_weights(values)
    if rules.weighting is Weighting.ENTROPY:
        return entropy, entropy
    if not 0.0 <= rules.mix <= 1.0:
        raise AllocationError("mix_out_of_range", mix=rules.mix)
    mixed = rules.mix * manual_weights(criteria) + (1.0 - rules.mix) * entropy
    return mixed / mixed.sum(), entropy


def manual_weights(criteria: Sequence[Criterion]) -> npt.NDArray[np.float64]:
    """The criteria's own weights: each given, none negative, adding up to one."""
    absent = [c.code for c in criteria if c.weight is None]
    if absent:
        raise AllocationError("weight_missing", criteria=absent)
    weights = np.array([float(c.weight or 0.0) for c in criteria])
    negative = [c.code for c, w in zip(criteria, weights, strict=True) if w < 0]
    if negative:
        raise AllocationError("weight_negative", criteria=negative)
    total = float(weights.sum())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise AllocationError("weights_sum", total=round(total, 6))
    return np.asarray(weights / total, dtype=np.float64)


def ranks_of(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """1 for the highest score; equal scores share the best rank among them."""
    _values, group, sizes = np.unique(
        -np.round(scores, 12), return_inverse=True, return_counts=True
    )
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]]) + 1
    return np.asarray(first[group], dtype=np.int64)


def _checked(
    values: Sequence[Sequence[float | None]] | Matrix,
    areas: Sequence[str],
    criteria: Sequence[Criterion],
    rules: Rules,
) -> tuple[Matrix, list[tuple[str, str]]]:
    if not criteria:
        raise AllocationError("no_criteria")
    if len(areas) < 2:
        raise AllocationError("too_few_areas", count=len(areas))
    matrix = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in values], dtype=np.float64
    )
    if matrix.shape != (len(areas), len(criteria)):
        raise AllocationError(
            "shape_mismatch", areas=len(areas), criteria=len(criteria), shape=list(matrix.shape)
        )
    if np.isinf(matrix).any():
        j = int(np.argwhere(np.isinf(matrix))[0][1])
        raise AllocationError("value_not_finite", criterion=criteria[j].code)
    filled: list[tuple[str, str]] = []
    for j, criterion in enumerate(criteria):
        column = matrix[:, j]
        missing = np.isnan(column)
        if missing.any():
            names = [areas[i] for i in np.flatnonzero(missing).tolist()]
            if rules.missing is Missing.REFUSE or missing.all():
                raise AllocationError(
                    "missing_values", criterion=criterion.code, areas=names, count=len(names)
                )
            column[missing] = float(np.median(column[~missing]))
            filled += [(a, criterion.code) for a in names]
        if criterion.non_negative and (column < 0).any():
            bad = np.flatnonzero(column < 0).tolist()
            raise AllocationError(
                "negative_values",
                criterion=criterion.code,
                areas=[areas[i] for i in bad],
                values=[float(column[i]) for i in bad[:10]],
            )
        if np.ptp(column) == 0:
            raise AllocationError(
                "constant_criterion", criterion=criterion.code, value=float(column[0])
            )
    if rules.normalisation is Normalisation.VECTOR:
        negative = [c.code for j, c in enumerate(criteria) if (matrix[:, j] < 0).any()]
        if negative:
            raise AllocationError("vector_needs_non_negative", criteria=negative)
    return matrix, filled


def _oriented(normalised: Matrix, higher: npt.NDArray[np.bool_], how: Normalisation) -> Matrix:
    """Normalised values turned so that more is always more need."""
    flipped = -normalised if how is Normalisation.Z_SCORE else 1.0 - normalised
    return np.where(higher[None, :], normalised, flipped)


def _scores(
    normalised: Matrix, higher: npt.NDArray[np.bool_], weights: Matrix, rules: Rules
) -> Matrix:
    """Need scores, areas × weight rows."""
    if rules.method is Method.WEIGHTED_SUM:
        return np.asarray(_oriented(normalised, higher, rules.normalisation) @ weights.T)
    best, worst = _ideals(normalised, higher)
    squared = weights.T**2  # criteria × draws
    to_best = np.sqrt(((normalised - best) ** 2) @ squared)
    to_worst = np.sqrt(((normalised - worst) ** 2) @ squared)
    span = to_best + to_worst
    return np.asarray(np.where(span > 0, to_best / np.where(span > 0, span, 1.0), 0.0))


def _ideals(normalised: Matrix, higher: npt.NDArray[np.bool_]) -> tuple[Matrix, Matrix]:
    """The most developed value of each criterion, and the least (rows of one)."""
    low, high = normalised.min(axis=0), normalised.max(axis=0)
    best = np.where(higher, low, high)
    worst = np.where(higher, high, low)
    return best[None, :], worst[None, :]


def _contributions(
    normalised: Matrix,
    higher: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    rules: Rules,
) -> Matrix:
    if rules.method is Method.WEIGHTED_SUM:
        parts = _oriented(normalised, higher, rules.normalisation) * weights[None, :]
        scale = np.abs(parts).sum(axis=1, keepdims=True)
    else:
        best, _worst = _ideals(normalised, higher)
        parts = (normalised - best) ** 2 * (weights**2)[None, :]
        scale = parts.sum(axis=1, keepdims=True)
    return np.asarray(np.where(scale > 0, parts / np.where(scale > 0, scale, 1.0), 0.0))
