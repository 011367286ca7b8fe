"""Strand A regressions: estimator equals statsmodels on the warehouse's own design, planted
coefficients recovered, every report table filled with the study's labels."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import statsmodels.api as sm

from analysis.context import RunContext
from analysis.estimators.count_models import fit_nb2
from analysis.flows.models import run_flow_robustness
from analysis.flows.regressions import Specification, design_matrix, load_sample
from analysis.flows.specifications import SAMPLES


@pytest.fixture(scope="module")
def con(built: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(built["warehouse"]), read_only=True)
    yield connection
    connection.close()


def test_nb2_on_the_warehouse_design_equals_statsmodels(con: duckdb.DuckDBPyConnection) -> None:
    sample = next(s for s in SAMPLES if s.typology == "ons_supergroup")
    frame = load_sample(con, sample)
    spec = Specification(sample, "outflows")
    design = design_matrix(frame, spec, 4)
    y = frame["moves"].to_numpy()
    offset = frame["log_exposure"].to_numpy()
    ours = fit_nb2(design.X, y, design.terms, offset=offset)
    reference = sm.NegativeBinomial(y, design.X, offset=offset, loglike_method="nb2").fit(
        method="newton", maxiter=200, tol=1e-12, disp=0, cov_type="HC0"
    )
    np.testing.assert_allclose(ours.params, reference.params[:-1], atol=1e-5)
    np.testing.assert_allclose(ours.std_errors, reference.bse[:-1], rtol=1e-4)
    np.testing.assert_allclose(ours.alpha, reference.params[-1], rtol=1e-4)


def test_models_are_nested(con: duckdb.DuckDBPyConnection) -> None:
    sample = SAMPLES[0]
    frame = load_sample(con, sample)
    spec = Specification(sample, "destinations", sample.categories[1])
    terms = [design_matrix(frame, spec, m).terms for m in (1, 2, 3, 4)]
    for smaller, larger in zip(terms, terms[1:], strict=False):
        assert larger[: len(smaller)] == smaller and len(larger) > len(smaller)


def test_planted_coefficients_are_recovered(
    con: duckdb.DuckDBPyConnection, built: dict[str, Path]
) -> None:
    context = RunContext("t", "synthetic", built["data"], built["out"], 11, "small")
    output = run_flow_robustness(con, context)
    recovery = next(t for t in output.tables if t.key == "flows_planted_vs_estimated").frame
    assert len(recovery) > 100
    assert (recovery["Within 3 SE"] == "yes").mean() >= 0.95
    truth = json.loads((built["data"] / "truth.json").read_text())["flows"]
    distance = recovery[recovery["Term"] == "Distance between sending and receiving areas"]
    assert np.allclose(distance["Planted"], truth["coefficients"]["log_distance"])


def test_every_report_table_is_filled_with_study_labels(built: dict[str, Path]) -> None:
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select distinct report_table from results.latest_estimates "
                "where data_source = 'synthetic' and analysis like 'flows_nb2_%'"
            ).fetchall()
        }
        query = "select distinct label from results.latest_estimates"
        labels = {r[0] for r in con.execute(query).fetchall()}
        models = {
            r[0]
            for r in con.execute(
                "select distinct model from results.latest_estimates where report_table = 7"
            ).fetchall()
        }
    finally:
        con.close()
    assert set(range(2, 6)) | set(range(7, 21)) <= tables
    assert {
        "Sending: cold spot",
        "Receiving: London Cosmopolitan",
        "Receiving: 2nd quintile",
        "Share border",
        "Distance between sending and receiving areas",
        "Young population ratio aged 15-29, sending area",
        "House prices, receiving area",
    } <= labels
    assert models == {"1", "2", "3", "4"}


def test_robustness_variants_are_separate_analyses(built: dict[str, Path]) -> None:
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        analyses = {
            r[0] for r in con.execute("select distinct analysis from results.estimates").fetchall()
        }
        grid_n, observed_n = con.execute(
            "select max(n_obs) filter (where analysis = 'flows_nb2_zeros_ons_supergroup_outflows'),"
            " max(n_obs) filter (where analysis = 'flows_nb2_ons_supergroup_outflows') "
            "from results.estimates"
        ).fetchone()
    finally:
        con.close()
    assert "flows_ppml_ons_supergroup_outflows" in analyses
    assert grid_n >= observed_n
