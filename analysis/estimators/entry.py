"""What every estimator entry point does around its fit: one BLAS thread, and a progress tick.

Why one BLAS thread: the fits' matrix products are small (``X' W X`` over row blocks of 8,192
rows with k ~ 20 columns) and memory-bound, so extra BLAS threads gain nothing on a quiet
machine, while on a busy one (CI, cron, a shared host, fits running in parallel) OpenBLAS
threads spin-wait for a core and a fit runs ten to thirty times slower. Limiting the fit to
one thread (threadpoolctl, restored on exit) makes its speed independent of other load.

Why a progress tick: a run reports each finished fit (model, size, seconds) through
``analysis.progress``; the tick is a no-op when no run is showing progress.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from analysis import progress

P = ParamSpec("P")
R = TypeVar("R")

_controller: Any = None


def _blas() -> Any:
    """The threadpoolctl controller of the BLAS libraries loaded now (found once, reused)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def single_blas_thread() -> Any:
    """Context manager: BLAS limited to one thread in this process for the block."""
    return _blas().limit(limits=1, user_api="blas")


def fit_entry(model: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator for an estimator ``fit(X, y, ...)``: one BLAS thread, then a progress tick."""

    def decorate(fit: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fit)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            start = time.perf_counter()
            with single_blas_thread():
                result = fit(*args, **kwargs)
            rows, columns = getattr(args[0] if args else kwargs.get("X"), "shape", (0, 0))
            progress.fit_done(model, rows, columns, time.perf_counter() - start)
            return result

        return wrapper

    return decorate
