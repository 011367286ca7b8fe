"""Progress of a run (analysis.progress) and the estimators' entry point (one BLAS thread).

Off a terminal every finished fit is one plain line; on a terminal (forced here) the open
steps are drawn as live lines with counts, elapsed time and rate, and no plain lines appear.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console
from threadpoolctl import threadpool_info, threadpool_limits

from analysis import progress
from analysis.estimators.count_models import fit_nb2, fit_poisson
from analysis.estimators.entry import fit_entry


def _data(rows: int = 400) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(rows), rng.normal(size=rows)])
    y = rng.poisson(rng.gamma(2.0, np.exp(0.5 + 0.3 * X[:, 1]) / 2.0)).astype(float)
    return X, y, ["const", "x"]


@pytest.fixture
def console(request: pytest.FixtureRequest):
    buffer = io.StringIO()
    terminal = getattr(request, "param", False)
    progress.use_console(Console(file=buffer, force_terminal=terminal, width=140))
    yield buffer
    progress.use_console(None)


def _run_two_fits() -> None:
    X, y, names = _data()
    with progress.step("analyse"), progress.step("flow_models"):
        progress.expect(2)
        progress.describe("spec_a")
        fit_poisson(X, y, names)
        fit_nb2(X, y, names)


def test_plain_log_has_one_line_per_fit(console: io.StringIO) -> None:
    _run_two_fits()
    lines = console.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "flow_models fit 1/2: spec_a: PPML 400 x 2" in lines[0]
    assert "flow_models fit 2/2: spec_a: NB2 400 x 2" in lines[1]
    assert "fits/s" in lines[1] and "elapsed" in lines[1]


@pytest.mark.parametrize("console", [True], indirect=True)
def test_terminal_shows_live_lines(console: io.StringIO) -> None:
    _run_two_fits()
    text = console.getvalue()
    assert "\x1b[" in text  # drawn with terminal control codes, redrawn in place
    assert "flow_models" in text and "analyse" in text
    assert "2/2" in text and "fits/s" in text
    assert "fit 1/2:" not in text  # no plain log lines on a terminal


def test_hooks_are_silent_without_a_step(console: io.StringIO) -> None:
    X, y, names = _data()
    progress.expect(3)
    progress.describe("nothing open")
    fit_poisson(X, y, names)
    assert console.getvalue() == ""


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_fit_entry_runs_with_one_blas_thread_and_restores() -> None:
    if not _blas_threads():
        pytest.skip("no BLAS library loaded that threadpoolctl can control")
    seen: list[list[int]] = []

    @fit_entry("probe")
    def probe(X: np.ndarray) -> None:
        seen.append(_blas_threads())

    with threadpool_limits(limits=2, user_api="blas"):
        outside = _blas_threads()
        probe(np.zeros((3, 2)))
        after = _blas_threads()
    assert seen == [[1] * len(outside)]
    assert after == outside
