"""NB2 and PPML at 550k x 21, once as they come and once with a busy process on another core.

Why: the chunked ``X' W X`` products are small, and multi-threaded BLAS collapses when another
process holds a core (OpenBLAS threads spin against each other and the other work): shared
machines, CI, cron and parallel fits are exactly where users run this. The estimators
therefore run with one BLAS thread (analysis.estimators.entry). This benchmark shows both
conditions, and, for comparison, the same fits with the BLAS threads left as the library
starts them (the behaviour before the limit), and checks all agree.

Run from the repository root::

    python -m benchmarks.bench_load                 # about a minute on 2 cores
    python -m benchmarks.bench_load --rows 100000 --skip-unlimited
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from analysis.estimators.count_models import CountFit, fit_nb2, fit_poisson
from benchmarks.bench_count_models import _timed, simulate


def _spin(stop: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    """Keep one core busy until told to stop."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


@contextmanager
def busy_core() -> Iterator[None]:
    """A separate process spinning on a core for the duration of the block."""
    stop = multiprocessing.Event()
    worker = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
    worker.start()
    time.sleep(0.5)  # let it reach the core
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=550_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--skip-unlimited", action="store_true", help="skip the fits with BLAS threads unlimited"
    )
    args = parser.parse_args(argv)
    X, y, offset, names, _ = simulate(args.rows)
    y_frac = y * 0.73
    fits = {
        "NB2": lambda: fit_nb2(X, y_frac, names, offset=offset),
        "PPML": lambda: fit_poisson(X, y_frac, names, offset=offset),
    }
    unlimited = {
        "NB2": lambda: fit_nb2.__wrapped__(X, y_frac, names, offset=offset),  # type: ignore[attr-defined]
        "PPML": lambda: fit_poisson.__wrapped__(X, y_frac, names, offset=offset),  # type: ignore[attr-defined]
    }
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"NB2 / PPML at {args.rows:,} x {X.shape[1]}, fractional y; median of {args.repeats}; "
        f"cpus={os.cpu_count()}; load avg at start {load}; "
        f"BLAS threads by default: {_default_threads()}"
    )
    print(f"{'model':<8}{'condition':<34}{'seconds':>9}{'max|dcoef| vs first':>22}")
    reference: dict[str, CountFit] = {}
    conditions: list[tuple[str, bool, dict[str, Callable[[], CountFit]], int]] = [
        ("quiet, one BLAS thread", False, fits, args.repeats),
        ("busy core, one BLAS thread", True, fits, args.repeats),
    ]
    if not args.skip_unlimited:
        conditions += [
            ("quiet, BLAS threads unlimited", False, unlimited, 1),
            ("busy core, BLAS threads unlimited", True, unlimited, 1),
        ]
    for condition, busy, fns, repeats in conditions:
        for model, fn in fns.items():
            if busy:
                with busy_core():
                    seconds, fit = _timed(fn, repeats)
            else:
                seconds, fit = _timed(fn, repeats)
            first = reference.setdefault(model, fit)
            diff = float(np.max(np.abs(fit.params - first.params)))
            print(f"{model:<8}{condition:<34}{seconds:>9.2f}{diff:>22.1e}")
    print(
        "Estimates equal statsmodels (coefficients, HC0 SEs, alpha): "
        "python -m benchmarks.bench_count_models, tests/test_count_models.py"
    )


def _default_threads() -> str:
    from threadpoolctl import threadpool_info

    return ", ".join(
        f"{i['internal_api']} {i['num_threads']}"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )


if __name__ == "__main__":
    main()
