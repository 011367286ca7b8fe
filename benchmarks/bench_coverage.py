"""Coverage of 95% intervals for area-type effects when flows carry LA effects.

Why: every regressor of interest in strand A varies by LA only. With sending and receiving LA
effects (the generator's SD 0.3 each), heteroskedasticity-robust (HC0) intervals for the
sending-type effects are far too narrow; two-way clustered ones (sending and receiving LA,
analysis.estimators.sandwich) should cover the planted values about 95% of the time. Each
replication draws a small twin (LAs on a map, area types, one flow year, NB2 moves with LA
effects), fits NB2 with type dummies and log distance, and records whether each planted
sending-type effect lies in its interval.

Run from the repository root::

    python -m benchmarks.bench_coverage                # 200 replications, 80 LAs
    python -m benchmarks.bench_coverage --reps 500 --las 100
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from dataclasses import dataclass

import numpy as np

from analysis.estimators.count_models import fit_nb2
from mobility.generate.flows import ALPHA, LA_EFFECT_SD

SEED = 20261201
Z_95 = 1.959963984540054
#: Planted type effects (reference type first, effect 0), log distance and intercept.
SENDING_EFFECTS = (0.0, 0.3, -0.2, 0.15, -0.1)
RECEIVING_EFFECTS = (0.0, -0.25, 0.2, 0.1, 0.05)
LOG_DISTANCE = -0.9
INTERCEPT = -3.0


@dataclass
class Replication:
    """Estimates and standard errors of the sending-type effects in one replication."""

    estimates: np.ndarray
    hc0: np.ndarray
    one_way: np.ndarray
    two_way: np.ndarray


def replicate(rng: np.random.Generator, n_las: int, years: int) -> Replication:
    """Draw one twin with LA effects and fit NB2 (types + log distance) three ways."""
    n_types = len(SENDING_EFFECTS)
    types = rng.permutation(np.arange(n_las) % n_types)
    xy = rng.uniform(0.0, 300.0, size=(n_las, 2))
    population = rng.lognormal(np.log(150_000), 0.5, n_las)
    u = rng.normal(0.0, LA_EFFECT_SD, n_las)
    v = rng.normal(0.0, LA_EFFECT_SD, n_las)
    send, recv = np.nonzero(~np.eye(n_las, dtype=bool))
    send, recv = np.tile(send, years), np.tile(recv, years)
    log_distance = np.log(np.hypot(*(xy[send] - xy[recv]).T) + 1.0)
    offset = np.log(population[send])
    eta = (
        INTERCEPT
        + np.asarray(SENDING_EFFECTS)[types[send]]
        + np.asarray(RECEIVING_EFFECTS)[types[recv]]
        + LOG_DISTANCE * log_distance
        + u[send]
        + v[recv]
        + offset
    )
    y = rng.poisson(rng.gamma(1.0 / ALPHA, ALPHA * np.exp(eta))).astype(float)
    dummies = [(types[send] == t).astype(float) for t in range(1, n_types)]
    dummies += [(types[recv] == t).astype(float) for t in range(1, n_types)]
    X = np.column_stack([np.ones(len(y)), *dummies, log_distance])
    names = ["const", *[f"d{j}" for j in range(len(dummies))], "log_distance"]
    picks = slice(1, n_types)  # the sending-type effects
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        two = fit_nb2(X, y, names, offset=offset, clusters=[send, recv])
        one = fit_nb2(X, y, names, offset=offset, clusters=[send], start=two.params)
    assert two.std_errors_clustered is not None and one.std_errors_clustered is not None
    return Replication(
        two.params[picks],
        two.std_errors[picks],
        one.std_errors_clustered[picks],
        two.std_errors_clustered[picks],
    )


def coverage(reps: int, n_las: int, years: int, seed: int = SEED) -> dict[str, float]:
    """Share of planted sending-type effects inside each kind of 95% interval."""
    rng = np.random.default_rng(seed)
    truth = np.asarray(SENDING_EFFECTS[1:])
    hits = {"two-way clustered": 0, "one-way clustered (sending LA)": 0, "HC0": 0}
    ratios = []
    total = 0
    for _ in range(reps):
        rep = replicate(rng, n_las, years)
        miss = np.abs(rep.estimates - truth)
        hits["two-way clustered"] += int(np.sum(miss <= Z_95 * rep.two_way))
        hits["one-way clustered (sending LA)"] += int(np.sum(miss <= Z_95 * rep.one_way))
        hits["HC0"] += int(np.sum(miss <= Z_95 * rep.hc0))
        ratios.append(np.median(rep.two_way / rep.hc0))
        total += len(truth)
    out = {k: v / total for k, v in hits.items()}
    out["median SE ratio two-way / HC0"] = float(np.median(ratios))
    out["intervals"] = float(total)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--las", type=int, default=80)
    parser.add_argument("--years", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = coverage(args.reps, args.las, args.years)
    seconds = time.perf_counter() - start
    pairs = args.las * (args.las - 1) * args.years
    print(
        f"Coverage of 95% intervals for {len(SENDING_EFFECTS) - 1} planted sending-type effects: "
        f"{args.reps} replications x {args.las} LAs ({pairs:,} pair-years each), NB2 with LA "
        f"effects SD {LA_EFFECT_SD} (sending and receiving), alpha {ALPHA}; "
        f"{seconds:.1f} s, cpus={os.cpu_count()}"
    )
    for name in ("two-way clustered", "one-way clustered (sending LA)", "HC0"):
        print(f"  {name:<34}{result[name]:>8.1%}")
    print(f"  {'median SE ratio two-way / HC0':<34}{result['median SE ratio two-way / HC0']:>8.2f}")
    target = 0.90 <= result["two-way clustered"] <= 0.98
    print(f"  two-way coverage within the 90-98% target: {'yes' if target else 'NO'}")


if __name__ == "__main__":
    main()
