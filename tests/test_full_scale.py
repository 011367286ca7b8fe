"""Full-scale synthetic run (slow; CI runs it once): the planted flow coefficients are
recovered by the zero-inclusive NB2 destination models, and on the published (positive) rows
the zero-truncated NB2 recovers the planted distance where the plain NB2 does not."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from analysis.estimators.count_models import fit_nb2
from analysis.estimators.truncated_counts import fit_ztnb2
from analysis.flows.models import recovery_table
from analysis.flows.regressions import fit_nested_models, load_sample, specifications
from analysis.flows.specifications import SAMPLES
from pipeline.cli import main
from tests.flow_truth import generating_design, la_offset


@pytest.mark.slow
def test_full_scale_build_recovers_planted_coefficients(tmp_path: Path) -> None:
    data, warehouse = tmp_path / "data", tmp_path / "wh.duckdb"
    common = [
        "--scale",
        "full",
        "--data-dir",
        str(data),
        "--warehouse",
        str(warehouse),
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(["generate", *common]) == 0
    assert main(["build", *common]) == 0
    truth = json.loads((data / "truth.json").read_text())["flows"]
    sample = next(s for s in SAMPLES if s.typology == truth["typology"])
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        n_las = con.execute("select count(*) from marts.dim_local_authorities").fetchone()[0]
        grid = load_sample(con, sample, zero_inclusive=True)
        observed = load_sample(con, sample)
    finally:
        con.close()
    assert n_las == 339
    assert len(observed) >= 500_000  # the size the speed target refers to
    destinations = [s for s in specifications(sample) if s.kind == "destinations"]
    grid_fits = [f for spec in destinations for f in fit_nested_models(grid, spec, fit_nb2, (4,))]
    recovery = recovery_table({"flows_nb2_zeros": grid_fits}, truth)
    assert len(recovery) >= 200
    within = recovery["Within 3 SE (full grid)"]
    share = (within == "yes").mean()
    assert share >= 0.95, recovery[within != "yes"].to_string()

    # The generating model with the drawn LA effects as offsets, on the published rows only.
    X, names, planted = generating_design(observed, truth)
    y, offset = observed["moves"].to_numpy(), la_offset(observed, truth)
    j = names.index("log_distance")
    truncated = fit_ztnb2(X, y, names, offset=offset)
    plain = fit_nb2(X, y, names, offset=offset)
    assert abs(truncated.params[j] - planted[j]) < 3 * truncated.std_errors[j]
    assert abs(plain.params[j] - planted[j]) > 3 * plain.std_errors[j]
