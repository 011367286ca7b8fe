"""Strand A flags: a non-converged fit, an empty reference category and a model ending at
alpha = 0 each give a flag in the estimate rows, a blank table cell with a note, and no crash;
the results table of an older warehouse gains the new columns."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.context import RunContext
from analysis.estimators.count_models import fit_nb2
from analysis.flows.models import publication_tables
from analysis.flows.regressions import (
    FLAG_ALPHA_AT_ZERO,
    FLAG_NOT_CONVERGED,
    FLAG_REFERENCE_EMPTY,
    Specification,
    fit_nested_models,
    tidy_estimates,
)
from analysis.flows.specifications import MODEL_BLOCKS, SAMPLES
from analysis.outputs import ESTIMATE_COLUMNS
from analysis.results import write_results

SAMPLE = SAMPLES[0]  # hot/cold spots, England only
OUTFLOWS = Specification(SAMPLE, "outflows")


def pair_frame(seed: int, alpha: float, n_las: int = 40) -> pd.DataFrame:
    """Every ordered pair of n_las LAs for the sample's two years, with every model column."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"E{i:08d}" for i in range(n_las)])
    types = np.array(SAMPLE.categories)[np.arange(n_las) % len(SAMPLE.categories)]
    send, recv = np.nonzero(~np.eye(n_las, dtype=bool))
    years = list(range(SAMPLE.years[0], SAMPLE.years[1] + 1))
    parts = []
    for year in years:
        frame = pd.DataFrame(
            {
                "year": year,
                "sending_la_code": codes[send],
                "receiving_la_code": codes[recv],
                "sending_type": types[send],
                "receiving_type": types[recv],
                "sending_country": "England",
                "receiving_country": "England",
                "log_exposure": np.log(rng.uniform(5e4, 3e5, n_las))[send],
                "shares_border": (rng.random(len(send)) < 0.05).astype(float),
                "log_distance": np.log(rng.uniform(5, 300, len(send))),
            }
        )
        for block in MODEL_BLOCKS[4]:
            for column in block:
                if column not in frame:
                    frame[column] = rng.normal(size=n_las)[send if "sending" in column else recv]
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True)
    if alpha > 0:
        mu = np.exp(-6.0 + frame["log_exposure"] - 0.8 * frame["log_distance"])
        frame["moves"] = rng.poisson(mu * rng.gamma(1 / alpha, alpha, len(mu))).astype(float)
    else:  # under-dispersed (binomial, variance mu / 2) and no regressor: alpha MLE is 0
        mu = np.exp(-10.0 + frame["log_exposure"])
        frame["moves"] = rng.binomial(np.round(2 * mu).astype(int), 0.5).astype(float)
    return frame


def cells(estimates: pd.DataFrame, spec: Specification) -> pd.DataFrame:
    return publication_tables(spec, estimates, "NB2")[0].frame


def test_alpha_at_zero_is_flagged_and_the_next_model_still_runs() -> None:
    frame = pair_frame(1, alpha=0.0)  # under-dispersed: NB2 ends at alpha = 0
    fits = fit_nested_models(frame, OUTFLOWS, fit_nb2, (1, 2))
    assert [f.model for f in fits] == [1, 2]
    tidy = tidy_estimates(fits, "t")
    alpha_rows = tidy[tidy["term"] == "alpha"]
    assert (alpha_rows["estimate"] == 0.0).all()
    assert (alpha_rows["flag"] == FLAG_ALPHA_AT_ZERO).all()
    assert tidy.loc[tidy["term"] != "alpha", "flag"].isna().all()
    assert tidy["converged"].all()
    tables = publication_tables(OUTFLOWS, tidy, "NB2")
    assert all(any("'alpha at zero': Dispersion (alpha) (1)" in n for n in t.notes) for t in tables)


def test_empty_reference_category_is_flagged_blank_and_noted() -> None:
    frame = pair_frame(2, alpha=0.3)
    frame.loc[frame["sending_type"] == SAMPLE.reference, "moves"] = 0.0
    fits = fit_nested_models(frame, OUTFLOWS, fit_nb2, (1, 2))
    tidy = tidy_estimates(fits, "t")
    types = tidy["term"].str.startswith("sending_type[") | (tidy["term"] == "const")
    assert (tidy.loc[types, "flag"] == FLAG_REFERENCE_EMPTY).all()
    assert tidy.loc[~types & (tidy["term"] == "log_distance"), "flag"].isna().all()
    table = cells(tidy, OUTFLOWS)
    first_type = table.index[table[""].str.startswith("Sending: ")][0]
    assert (table.loc[first_type, ["(1)", "(2)"]] == "").all()
    assert (table.loc[first_type + 1, ["(1)", "(2)"]] == "").all()
    distance = table.index[table[""] == "Distance between sending and receiving areas"][0]
    assert table.loc[distance, "(2)"] != ""
    notes = publication_tables(OUTFLOWS, tidy, "NB2")[1].notes
    assert any("'reference category empty'" in n for n in notes)


def test_non_converged_fit_is_flagged_blank_and_noted() -> None:
    frame = pair_frame(3, alpha=0.3)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        fit_nb2(np.ones((3, 1)), [1.0, 2.0, 4.0], ["const"], max_iter=0)
    fits = fit_nested_models(frame, OUTFLOWS, partial(fit_nb2, max_iter=1), (1, 2))
    tidy = tidy_estimates(fits, "t")
    assert not tidy["converged"].any()
    assert (tidy["flag"] == FLAG_NOT_CONVERGED).all()
    table = cells(tidy, OUTFLOWS)
    coefficient_rows = table.iloc[: 2 * (len(SAMPLE.categories) - 1)]
    assert (coefficient_rows[["(1)", "(2)"]] == "").all().all()
    assert any("'not converged'" in n for n in publication_tables(OUTFLOWS, tidy, "NB2")[0].notes)


def test_old_results_table_gains_the_new_columns(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(
        "create schema results; create table results.estimates (run_id varchar, "
        "data_source varchar, analysis varchar, report_table integer, model varchar, "
        "term varchar, label varchar, estimate double, std_error double, p_value double, "
        "n_obs bigint); insert into results.estimates values "
        "('old', 'synthetic', 'a', 1, '1', 'x', 'X', 1, 0.1, 0.01, 10)"
    )
    frame = pair_frame(4, alpha=0.3)
    strand_a = tidy_estimates(fit_nested_models(frame, OUTFLOWS, fit_nb2, (1,)), "flows_t")
    strand_b = pd.DataFrame(
        [("panel_t", None, "1", "mover", "Mover", 0.2, 0.1, 0.04, 100)],
        columns=ESTIMATE_COLUMNS[:9],
    )
    context = RunContext("new", "synthetic", tmp_path, tmp_path, 1, "small")
    write_results(
        con,
        context,
        pd.concat([strand_a, strand_b]),
        pd.DataFrame(
            columns=["analysis", "report_table", "row_label", "column_label", "value", "n"]
        ),
        ["t"],
    )
    rows = con.execute(
        "select analysis, std_error_clustered, p_value_clustered, converged, flag "
        "from results.latest_estimates order by analysis, term"
    ).df()
    old = con.execute("select converged, flag from results.estimates where run_id = 'old'")
    assert old.fetchall() == [(None, None)]
    con.close()
    a = rows[rows["analysis"] == "flows_t"]
    assert a["std_error_clustered"].notna().all() and a["converged"].all()
    b = rows[rows["analysis"] == "panel_t"]
    assert b["std_error_clustered"].isna().all() and b["converged"].isna().all()
