"""Strand B: does the study's specification recover what it estimates, with honest SEs?

Slow (CI runs them). The planted value of each cell of tables 24 and 27 is the study's
estimand: the study's group model (one mover interaction per regression, distance, region
and year effects) fitted to the expected outcomes that the generator's true model implies
for the analysis rows (`analysis.panel.planted`). So the check is of the study's
specification, not of a variant chosen because it recovers the generator's group averages.

Within one panel draw the 42 cells (3 outcomes x (9 groups + 5 differences)) share each
outcome's mover coefficient, so their mean z moves with it (run means 0.06-0.28 over five
full-scale seeds, docs/panel.md "Recovery"); the cells of two panel draws on one full-scale
strand-A data set (84 gaps) are the run the tolerances apply to.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.panel.planted import recovery_gaps
from analysis.panel.sample import load_sample
from mobility.generate.panel import write_panel_twin
from mobility.generate.synthetic import generate_synthetic
from mobility.layouts_panel import prepare_panel
from mobility.warehouse import REPO_ROOT, run_dbt

FULL_SEED = 20200701
PANEL_SEEDS = (201, 202)
CELLS = 3 * (9 + 5)


def _panel_gaps(data: Path, root: Path, seeds: tuple[int, ...], scale: str) -> pd.DataFrame:
    """Draw the panel twin for each seed, build only the panel marts, and return the gaps."""
    warehouse = root / "panel.duckdb"
    env = {
        "MOBILITY_DATA_DIR": str(data),
        "MOBILITY_WAREHOUSE": str(warehouse),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    selection = ["--select", "+fct_teen_adult_links"]
    assert not run_dbt(["seed", *selection], env).failures
    parts = []
    for seed in seeds:
        truth = write_panel_twin(data, seed=seed, scale=scale)
        prepare_panel(data)
        assert not run_dbt(["run", *selection], env).failures
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            frame = load_sample(con)
        finally:
            con.close()
        parts.append(recovery_gaps(frame, truth).assign(seed=seed))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.slow
def test_full_scale_study_specification_recovers_its_estimand(tmp_path: Path) -> None:
    """z = (estimate - estimand) / SE over the cells: mean within 0.25, SD 0.8-1.25."""
    data = tmp_path / "data"
    generate_synthetic(data, seed=FULL_SEED, scale="full")
    gaps = _panel_gaps(data, tmp_path, PANEL_SEEDS, "full")
    assert len(gaps) == CELLS * len(PANEL_SEEDS)
    assert np.isfinite(gaps["z"]).all()
    summary = gaps.groupby(["seed", "outcome"])["z"].agg(["mean", "std"]).round(2).to_string()
    assert abs(gaps["z"].mean()) <= 0.25, summary
    assert 0.8 <= gaps["z"].std() <= 1.25, summary
    worst = gaps.loc[gaps["z"].abs().idxmax()]
    assert (gaps["z"].abs() <= 3.5).all(), worst.to_dict()
