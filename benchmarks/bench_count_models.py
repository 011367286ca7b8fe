"""Benchmark fit_nb2 / fit_poisson against statsmodels at the size of the real flow table.

Why: the nested-model analysis refits NB2 many times on ~550k rows x 21 columns, where
statsmodels' NegativeBinomial takes ~15 s per fit. This script shows the speed-up and that the
fast estimator still agrees with statsmodels (coefficients, HC0 SEs, alpha) at full scale.

Run from the repository root::

    python -m benchmarks.bench_count_models            # full size (about 30-60 s in total)
    python -m benchmarks.bench_count_models --rows 50000
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np

from analysis.estimators.count_models import CountFit, fit_nb2, fit_poisson

SEED = 20240611


def simulate(
    rows: int, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], float]:
    """NB2 data: intercept, 2 categoricals (6 levels each -> 10 dummies), 10 covariates."""
    rng = np.random.default_rng(seed)
    region = rng.integers(0, 6, rows)
    age = rng.integers(0, 6, rows)
    d_region = (region[:, None] == np.arange(1, 6)).astype(np.float64)
    d_age = (age[:, None] == np.arange(1, 6)).astype(np.float64)
    cont = rng.normal(size=(rows, 10))
    X = np.column_stack([np.ones(rows), d_region, d_age, cont])
    names = (
        ["const"]
        + [f"region_{i}" for i in range(1, 6)]
        + [f"age_{i}" for i in range(1, 6)]
        + [f"x{i}" for i in range(10)]
    )
    beta = np.concatenate(
        [[-6.0], np.linspace(-0.5, 0.5, 5), np.linspace(0.4, -0.4, 5), rng.normal(0, 0.15, 10)]
    )
    offset = np.log(rng.lognormal(mean=np.log(2000.0), sigma=1.0, size=rows))
    alpha = 0.6
    mu = np.exp(X @ beta + offset)
    y = rng.poisson(rng.gamma(1.0 / alpha, alpha * mu)).astype(np.float64)
    return X, y, offset, names, alpha


#: LAs at full scale: cluster ids of the simulated rows (no LA effects, so ratio ~ 1).
N_LAS = 339


def la_clusters(rows: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Sending and receiving LA ids for each row (a separate stream: the data stay the same)."""
    rng = np.random.default_rng(seed + 1)
    return rng.integers(0, N_LAS, rows), rng.integers(0, N_LAS, rows)


def _timed(fn: Callable[[], CountFit], repeats: int) -> tuple[float, CountFit]:
    times = []
    fit: CountFit | None = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit = fn()
        times.append(time.perf_counter() - t0)
    assert fit is not None
    return statistics.median(times), fit


def _peak_mib(fn: Callable[[], CountFit]) -> float:
    """Peak Python/numpy heap allocated during one call (tracemalloc), in MiB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def main(argv: list[str] | None = None) -> None:
    """Simulate, time ours (median of 3) and statsmodels (1 run), print a comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=550_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-statsmodels", action="store_true")
    args = parser.parse_args(argv)

    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    X, y, offset, names, alpha_true = simulate(args.rows)
    y_frac = y * 0.73  # fractional counts, as in published (rounded/scaled) migration tables
    n, k = X.shape

    ours_nb, fit_nb = _timed(lambda: fit_nb2(X, y, names, offset=offset), args.repeats)
    ours_frac, fit_frac = _timed(lambda: fit_nb2(X, y_frac, names, offset=offset), args.repeats)
    ours_po, fit_po = _timed(lambda: fit_poisson(X, y, names, offset=offset), args.repeats)
    clusters = la_clusters(args.rows)
    ours_cl, fit_cl = _timed(
        lambda: fit_nb2(X, y, names, offset=offset, clusters=clusters), args.repeats
    )
    ours_po_cl, _ = _timed(
        lambda: fit_poisson(X, y, names, offset=offset, clusters=clusters), args.repeats
    )
    ours_warm, _ = _timed(
        lambda: fit_nb2(X, y, names, offset=offset, start=fit_nb.params, start_alpha=fit_nb.alpha),
        args.repeats,
    )
    mem_nb = _peak_mib(lambda: fit_nb2(X, y, names, offset=offset))
    data_mib = X.nbytes / 2**20

    rows = [
        ("NB2, integer y", ours_nb, fit_nb, None),
        ("NB2, fractional y", ours_frac, fit_frac, None),
        ("PPML (Poisson)", ours_po, fit_po, None),
    ]
    if not args.skip_statsmodels:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            ref = NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
                method="newton", maxiter=200, tol=1e-12, disp=0, cov_type="HC0"
            )
            sm_nb = time.perf_counter() - t0
            t0 = time.perf_counter()
            ref_po = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(
                cov_type="HC0", tol=1e-12
            )
            sm_po = time.perf_counter() - t0
        rows[0] = (rows[0][0], ours_nb, fit_nb, (sm_nb, ref.params, ref.bse, True))
        rows[2] = (rows[2][0], ours_po, fit_po, (sm_po, ref_po.params, ref_po.bse, False))

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"rows={n:,}  columns={k}  X={data_mib:.0f} MiB  true alpha={alpha_true}  "
        f"cpus={os.cpu_count()}  load avg={load}"
    )
    if not args.skip_statsmodels:
        print(
            "statsmodels: NegativeBinomial(nb2).fit(method='newton', tol=1e-12, default "
            "Poisson start, cov_type='HC0'); GLM(Poisson).fit(cov_type='HC0', tol=1e-12)"
        )
    print(
        f"{'model':<20}{'ours s (med)':>13}{'statsmodels s':>15}{'ratio':>8}"
        f"{'max|dcoef|':>12}{'max rel dSE':>13}{'rel d alpha':>13}{'iters':>7}"
    )
    for label, t_ours, fit, ref_info in rows:
        if ref_info is None:
            print(
                f"{label:<20}{t_ours:>13.3f}{'-':>15}{'-':>8}{'-':>12}{'-':>13}{'-':>13}"
                f"{fit.iterations:>7d}"
            )
            continue
        t_sm, rp, rse, has_alpha = ref_info
        kk = len(fit.params)
        dcoef = float(np.max(np.abs(fit.params - rp[:kk])))
        dse = float(np.max(np.abs(fit.std_errors / rse[:kk] - 1.0)))
        dalpha = "-"
        if has_alpha and fit.alpha is not None:
            dalpha = f"{abs(fit.alpha / rp[-1] - 1.0):.1e}"
            dse = max(dse, abs(fit.alpha_std_error / rse[-1] - 1.0))
        print(
            f"{label:<20}{t_ours:>13.3f}{t_sm:>15.2f}{t_sm / t_ours:>8.0f}"
            f"{dcoef:>12.1e}{dse:>13.1e}{dalpha:>13}{fit.iterations:>7d}"
        )
    print(f"NB2 warm start from its own solution: {ours_warm:.3f} s")
    assert fit_cl.std_errors_clustered is not None
    ratio = float(np.median(fit_cl.std_errors_clustered / fit_cl.std_errors))
    print(
        f"with two-way clustered errors (sending x receiving LA, {N_LAS} each): NB2 "
        f"{ours_cl:.3f} s (+{ours_cl - ours_nb:.3f} s), PPML {ours_po_cl:.3f} s "
        f"(+{ours_po_cl - ours_po:.3f} s); median clustered/HC0 SE {ratio:.2f}"
    )
    print(
        f"NB2 fit alpha={fit_nb.alpha:.4f} (SE {fit_nb.alpha_std_error:.4f}), converged="
        f"{fit_nb.converged}"
    )
    print(
        f"peak extra heap during one NB2 fit (tracemalloc): {mem_nb:.0f} MiB "
        f"(X itself is {data_mib:.0f} MiB)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS incl. statsmodels (ru_maxrss): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
