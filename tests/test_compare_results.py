"""benchmarks.compare_results: the check that a refactor left every result unchanged must
itself catch a changed estimate, a lost row and a changed label."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.compare_results import main
from study.results_schema import DDL

ESTIMATE = (
    "insert into results.estimates values "
    "(?, 'synthetic', 'flow_models', 7, '4', ?, ?, ?, 0.1, 0.01, 1000, 0.2, 0.05, true, null)"
)
DESCRIPTIVE = (
    "insert into results.descriptives values "
    "(?, 'synthetic', 'flow_descriptives', 6, ?, 'Mean', ?, 339)"
)


def _warehouse(path: Path, run_id: str, rows: list[tuple[str, str, float]]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
        for term, label, value in rows:
            con.execute(ESTIMATE, [run_id, term, label, value])
            con.execute(DESCRIPTIVE, [run_id, label, value])
    return path


ROWS = [("const", "Constant", -3.25), ("log_distance", "Distance", -1.125)]


def test_equal_results_of_different_runs_pass(tmp_path: Path, capsys) -> None:
    before = _warehouse(tmp_path / "a.duckdb", "run-1", ROWS)
    after = _warehouse(tmp_path / "b.duckdb", "run-2", list(reversed(ROWS)))
    assert main([str(before), str(after)]) == 0
    assert capsys.readouterr().out.strip().endswith("equal")


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ([("const", "Constant", -3.25 * (1 + 1e-7)), ROWS[1]], "latest_estimates.estimate"),
        ([ROWS[0]], "rows only before"),
        ([ROWS[0], ("log_distance", "Distance (km)", -1.125)], "latest_estimates.label"),
    ],
)
def test_a_change_is_reported(tmp_path: Path, capsys, changed, expected: str) -> None:
    before = _warehouse(tmp_path / "a.duckdb", "run-1", ROWS)
    after = _warehouse(tmp_path / "b.duckdb", "run-2", changed)
    assert main([str(before), str(after)]) == 1
    assert expected in capsys.readouterr().out


def test_tolerance_is_relative(tmp_path: Path) -> None:
    before = _warehouse(tmp_path / "a.duckdb", "run-1", ROWS)
    nudged = [(t, label, v * (1 + 1e-12)) for t, label, v in ROWS]
    after = _warehouse(tmp_path / "b.duckdb", "run-2", nudged)
    assert main([str(before), str(after)]) == 0
    assert main([str(before), str(after), "--tolerance", "1e-14"]) == 1
