"""Benchmark: a needs-based allocation with 20 criteria over 1,000 areas (a national
scale of counties) under constraints, and a 1,000-draw sensitivity analysis (issue 8).

Synthetic, seeded data: 20 criteria (half "more need when higher", half "lower"), a
population and last year's amounts per area; a total of 10¹⁴ rials; rules with a floor,
a cap of 30 average shares, a ±15% limit on the change against last year and a pace of 0.3.

Measured (median of ``--repeat`` runs after a warm-up):

1. the needs assessment (min–max weighted sum; vector TOPSIS with entropy weights);
2. the allocation with every constraint, in whole rials;
3. the fairness figures (Gini, Theil, rank correlation);
4. the sensitivity analysis: ``--draws`` perturbations of the weights (±20%), each
   scored and allocated again;
5. baselines in the same run: the same steps for Tehran's 16 counties, and the
   allocation's exact solve against bisection on the common multiple to 10⁻⁶ rial (what
   an iterative solver to a tolerance would do).

Peak Python allocations (tracemalloc, one extra run) are printed. The allocation is
checked (sum, every bound, the exact solve against bisection within a rial); a wrong
value exits 1, a slow one never does. Run with `make bench` or
``python bench/budget.py [--areas N] [--draws N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from marja.core.allocation.allocate import Rules, allocate, prepare
from marja.core.allocation.fairness import fairness_of
from marja.core.allocation.needs import (
    Assessment,
    Criterion,
    Direction,
    Method,
    Normalisation,
    Weighting,
    assess,
)
from marja.core.allocation.needs import Rules as NeedRules
from marja.core.allocation.sensitivity import sensitivity

TOTAL = 10**14
CRITERIA = 20


def rules_for(areas: int) -> Rules:
    """A floor of 10⁹ rials, a cap of 30 average shares (3% of the total for 1,000
    areas, half of it for 16), ±15% against last year, a pace of 0.3."""
    return Rules(floor=10**9, cap_share=min(0.5, 30 / areas), change_limit=0.15, pace=0.3)


def problem(areas: int, seed: int = 8) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(mean=3.0, sigma=0.6, size=(areas, CRITERIA))
    weights = rng.uniform(0.5, 1.5, size=CRITERIA)
    weights /= weights.sum()
    criteria = [
        Criterion(f"c{j:02d}", Direction.HIGHER if j % 2 else Direction.LOWER, float(weights[j]))
        for j in range(CRITERIA)
    ]
    population = rng.lognormal(mean=12, sigma=1.0, size=areas)
    last = population / population.sum() * TOTAL * 0.9 * rng.uniform(0.9, 1.1, size=areas)
    codes = [f"area-{i:04d}" for i in range(areas)]
    return {
        "values": values,
        "criteria": criteria,
        "population": population,
        "last": last,
        "codes": codes,
    }


def timed(run: Callable[[], object], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def peak_mib(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def bisection(desired: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: int) -> np.ndarray:
    """The baseline solver: bisection on μ until the sum is within 10⁻⁶ rial."""
    low, high = 0.0, 1.0
    while np.clip(high * desired, lower, upper).sum() < total:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        found = np.clip(mid * desired, lower, upper).sum()
        if abs(found - total) < 1e-6:
            break
        low, high = (mid, high) if found < total else (low, mid)
    return np.clip(mid * desired, lower, upper)


def steps(data: dict[str, Any], draws: int) -> dict[str, Callable[[], object]]:
    rules = rules_for(len(data["codes"]))
    topsis = NeedRules(Normalisation.VECTOR, Method.TOPSIS, Weighting.ENTROPY)
    found: Assessment = assess(data["values"], data["codes"], data["criteria"])
    prepared = prepare(
        TOTAL,
        found.scores,
        areas=data["codes"],
        rules=rules,
        population=data["population"],
        last_year=data["last"],
    )
    result = allocate(
        TOTAL,
        found.scores,
        areas=data["codes"],
        rules=rules,
        population=data["population"],
        last_year=data["last"],
    )
    return {
        "assess (weighted sum)": lambda: assess(data["values"], data["codes"], data["criteria"]),
        "assess (TOPSIS, entropy)": lambda: assess(
            data["values"], data["codes"], data["criteria"], topsis
        ),
        "allocate (all constraints)": lambda: allocate(
            TOTAL,
            found.scores,
            areas=data["codes"],
            rules=rules,
            population=data["population"],
            last_year=data["last"],
        ),
        "  exact solve only": lambda: _solve(prepared),
        "  bisection baseline": lambda: bisection(
            prepared.desired, prepared.lower, prepared.upper, TOTAL
        ),
        "fairness": lambda: fairness_of(
            result.amounts, data["population"], found.scores, data["last"]
        ),
        f"sensitivity ({draws} draws)": lambda: sensitivity(
            found,
            prepared,
            total=TOTAL,
            rules=rules,
            population=data["population"],
            last_year=data["last"],
            draws=draws,
        ),
    }


def _solve(prepared: Any) -> object:
    from marja.core.allocation.allocate import solve

    return solve(prepared.desired, prepared.lower, prepared.upper, TOTAL)


def check(data: dict[str, Any]) -> list[str]:
    rules = rules_for(len(data["codes"]))
    found = assess(data["values"], data["codes"], data["criteria"])
    result = allocate(
        TOTAL,
        found.scores,
        areas=data["codes"],
        rules=rules,
        population=data["population"],
        last_year=data["last"],
    )
    amounts = np.array(result.amounts)
    problems = []
    if int(amounts.sum()) != TOTAL:
        problems.append(f"sum {int(amounts.sum())} != {TOTAL}")
    if (amounts < np.array(result.lower)).any() or (amounts > np.array(result.upper)).any():
        problems.append("a bound is broken")
    prepared = prepare(
        TOTAL,
        found.scores,
        areas=data["codes"],
        rules=rules,
        population=data["population"],
        last_year=data["last"],
    )
    reference = bisection(prepared.desired, prepared.lower, prepared.upper, TOTAL)
    gap = float(np.abs(reference - result.exact).max())
    if gap > 1.0:
        problems.append(f"exact solve differs from bisection by {gap:.3f} rials")
    bound = {b.value for b in result.binding}
    print(
        f"check: {len(data['codes'])} areas, bindings {sorted(bound)}, "
        f"largest gap to bisection {gap:.2e} rials"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    big, small = problem(args.areas), problem(16)
    failures = check(big) + check(small)
    big_steps, small_steps = steps(big, args.draws), steps(small, args.draws)
    print(f"\n{'step':<30} {args.areas:>7} areas   16 areas   ratio")
    figures: dict[str, float] = {}
    for name, run in big_steps.items():
        repeat = 1 if name.startswith("sensitivity") else args.repeat
        ms_big = timed(run, repeat)
        ms_small = timed(small_steps[name], repeat)
        figures[name] = ms_big
        print(f"{name:<30} {ms_big:>9.2f} ms {ms_small:>8.2f} ms {ms_big / ms_small:>7.1f}×")
    solve, bisect = figures["  exact solve only"], figures["  bisection baseline"]
    print(f"\nexact solve vs bisection to 10⁻⁶ rial: {solve / bisect:.2f}× the time")
    sens = figures[f"sensitivity ({args.draws} draws)"]
    print(f"sensitivity: {sens / args.draws:.2f} ms a draw (score + allocate {args.areas} areas)")
    for name in ("allocate (all constraints)", f"sensitivity ({args.draws} draws)"):
        print(f"peak Python allocations, {name}: {peak_mib(big_steps[name]):.1f} MiB")
    if failures:
        print("check: FAILED", *failures, sep="\n  ")
        return 1
    print("check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
