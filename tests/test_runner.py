"""Analyses in parallel worker processes (analysis.runner): same outputs as one after another,
in job order, with the workers' fits shown by the parent's progress display."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from rich.console import Console

from analysis import progress
from analysis.context import RunContext
from analysis.flows.descriptives import run_flow_descriptives
from analysis.flows.models import run_census_flow_models
from analysis.runner import run_analyses

JOBS = [
    ("flow_descriptives", run_flow_descriptives),
    ("census_flow_models", run_census_flow_models),
]


def _context(built: dict[str, Path], out: Path) -> RunContext:
    return RunContext("test-runner", "synthetic", built["data"], out, 11, "small")


def test_parallel_outputs_equal_sequential_in_job_order(
    built: dict[str, Path], tmp_path: Path
) -> None:
    finished: list[str] = []
    log = io.StringIO()
    progress.use_console(Console(file=log, force_terminal=False))
    try:
        with progress.step("analyse"):
            parallel = run_analyses(
                built["warehouse"],
                JOBS,
                _context(built, tmp_path / "a"),
                lambda name, output, seconds: finished.append(name),
                workers=2,
            )
    finally:
        progress.use_console(None)
    sequential = run_analyses(
        built["warehouse"], JOBS, _context(built, tmp_path / "b"), lambda *a: None, workers=1
    )
    assert finished == [name for name, _ in JOBS]
    assert [o.name for o in parallel] == [o.name for o in sequential]
    for ours, reference in zip(parallel, sequential, strict=True):
        pd.testing.assert_frame_equal(ours.estimates, reference.estimates)
        pd.testing.assert_frame_equal(ours.descriptives, reference.descriptives)
        assert [t.key for t in ours.tables] == [t.key for t in reference.tables]
        assert ours.notes == reference.notes and ours.skipped == reference.skipped
    census = parallel[1].estimates.drop_duplicates(["analysis", "model"])
    fit_lines = [line for line in log.getvalue().splitlines() if "census_flow_models fit" in line]
    assert len(fit_lines) == len(census) > 0, log.getvalue()[-2000:]
