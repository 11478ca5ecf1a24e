"""How much each area's rank and amount depend on the exact weights.

Each draw multiplies every weight by an independent factor drawn uniformly from
``1 ± spread`` and rescales them to add up to one (a weight of zero stays zero); the
needs are scored again with the same data, normalisation and method, and allocated
again under the same rules and bounds. The generator is seeded, so the same inputs and
seed give the same figures on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from marja.core.allocation.allocate import (
    Prepared,
    Rules,
    desired_amounts,
    formula_targets,
    solve,
)
from marja.core.allocation.errors import AllocationError
from marja.core.allocation.needs import Assessment

MAX_DRAWS = 10_000
#: Draws scored at once (memory: areas × chunk floats per matrix).
CHUNK = 250


@dataclass(frozen=True)
class Sensitivity:
    draws: int
    spread: float
    seed: int
    #: Per area: its rank under the recorded weights, and over the draws.
    rank: npt.NDArray[np.int64]
    rank_best: npt.NDArray[np.int64]
    rank_worst: npt.NDArray[np.int64]
    rank_p5: npt.NDArray[np.float64]
    rank_p95: npt.NDArray[np.float64]
    #: The share of draws that keep the area's rank, and within one place of it.
    same_rank: npt.NDArray[np.float64]
    within_one: npt.NDArray[np.float64]
    amount_p5: npt.NDArray[np.float64]
    amount_median: npt.NDArray[np.float64]
    amount_p95: npt.NDArray[np.float64]


def sensitivity(
    assessment: Assessment,
    prepared: Prepared | None,
    *,
    total: int,
    rules: Rules,
    population: Sequence[float] | npt.NDArray[np.float64] | None = None,
    last_year: Sequence[float] | npt.NDArray[np.float64] | None = None,
    draws: int = 1000,
    spread: float = 0.2,
    seed: int = 0,
) -> Sensitivity:
    """Ranks and amounts over ``draws`` perturbations of the assessment's weights.

    ``prepared``: the allocation's checked bounds (:func:`~.allocate.prepare`); None
    to study the ranks only.
    """
    if not 1 <= draws <= MAX_DRAWS:
        raise AllocationError("draws_out_of_range", draws=draws, maximum=MAX_DRAWS)
    if not 0 < spread < 1:
        raise AllocationError("spread_out_of_range", spread=spread)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, len(assessment.weights)))
    weights = assessment.weights[None, :] * factors
    weights /= weights.sum(axis=1, keepdims=True)
    m = len(assessment.areas)
    ranks = np.empty((m, draws), dtype=np.int64)
    amounts = np.empty((m, draws)) if prepared is not None else None
    people = None if population is None else np.asarray(population, dtype=np.float64)
    last = None if last_year is None else np.asarray(last_year, dtype=np.float64)
    for start in range(0, draws, CHUNK):
        chunk = weights[start : start + CHUNK]
        scores = assessment.scores_for(chunk)
        order = np.argsort(-scores, axis=0, kind="stable")
        columns = np.arange(chunk.shape[0])[None, :]
        ranks[order, start + columns] = np.arange(1, m + 1)[:, None]
        if amounts is not None and prepared is not None:
            need = scores - np.minimum(scores.min(axis=0, keepdims=True), 0.0)
            targets = formula_targets(total, need, rules, people)
            desired = desired_amounts(total, targets, rules, last)
            for j in range(chunk.shape[0]):
                amounts[:, start + j], _mu = solve(
                    desired[:, j], prepared.lower, prepared.upper, total
                )
    base = assessment.ranks
    gap = np.abs(ranks - base[:, None])
    empty = np.full(m, np.nan)
    return Sensitivity(
        draws=draws,
        spread=spread,
        seed=seed,
        rank=base,
        rank_best=ranks.min(axis=1),
        rank_worst=ranks.max(axis=1),
        rank_p5=np.percentile(ranks, 5, axis=1),
        rank_p95=np.percentile(ranks, 95, axis=1),
        same_rank=(gap == 0).mean(axis=1),
        within_one=(gap <= 1).mean(axis=1),
        amount_p5=empty if amounts is None else np.percentile(amounts, 5, axis=1),
        amount_median=empty if amounts is None else np.median(amounts, axis=1),
        amount_p95=empty if amounts is None else np.percentile(amounts, 95, axis=1),
    )
