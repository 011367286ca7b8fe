"""Planted-vs-estimated check on the synthetic twin: does the study's specification recover
what it targets?

The generator writes the coefficients of its outcome models to `ukhls/truth.json` (probit
ones also on the population-averaged scale, the marginal model of a one-observation-per-
person probit with independent person and LA effects). The true model is not the study's
group model (it holds several mover interactions, no distance and no region effects), so the
planted value of a cell is the study's estimand: the group contrast of the study's
specification fitted to the expected outcomes E[y | x] of the analysis rows
(`analysis.mover_effects.study_estimands`), i.e. what the estimator converges to on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from analysis.mover_effects import planted_row, recovery_z, study_estimands
from analysis.panel.effects import ANALYSIS, group_design, group_effects
from analysis.panel.sample import BINARY_OUTCOMES, CHARACTERISTICS, OUTCOMES, outcome_rows

TRUTH_FILE = Path("ukhls") / "truth.json"
KEYS = ["outcome", "model", "term"]


def load_truth(data_dir: Path) -> dict | None:
    path = data_dir / TRUTH_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def _true_design(frame: pd.DataFrame, terms: list[str]) -> np.ndarray:
    """The generator's index regressors for every row (its own mover status)."""
    mover = frame["mover"].to_numpy()
    columns = {
        "const": np.ones(len(frame)),
        "mover": mover,
        "female": frame["female"].to_numpy(),
        "degree": frame["degree"].to_numpy(),
        "parent_intermediate": frame["parent_intermediate"].to_numpy(),
        "parent_routine": frame["parent_routine"].to_numpy(),
        "age_minus_30": frame["age"].to_numpy() - 30.0,
        "la_unemployment_rate": frame["la_unemployment_rate"].to_numpy(),
        "white_british": frame["white_british"].to_numpy(),
    }
    for char in ("female", "degree", "parent_intermediate", "parent_routine"):
        columns[f"mover_x_{char}"] = mover * columns[char]
    return np.column_stack([columns[t] for t in terms])


def expected_outcome(data: pd.DataFrame, truth: dict, outcome: str) -> np.ndarray:
    """E[y | x] under the planted model for the outcome's rows."""
    terms = truth["index_terms"]
    beta = np.array([truth["population_averaged"][outcome][t] for t in terms])
    index = _true_design(data, terms) @ beta
    return ndtr(index) if outcome in BINARY_OUTCOMES else index


def planted_effects(frame: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """The study's estimand of every group effect and difference, per outcome."""
    rows = []
    for outcome in OUTCOMES:
        data = outcome_rows(frame, outcome)
        expected = expected_outcome(data, truth, outcome)
        link = "probit" if outcome in BINARY_OUTCOMES else "identity"
        for char in CHARACTERISTICS:
            X = group_design(data, char)
            for e in study_estimands(link, expected, X, data, char):
                rows.append(
                    {
                        "outcome": outcome,
                        "model": f"model 3 x {char.name}",
                        "term": e.term,
                        "group": e.label,
                        "estimand": e.estimate.estimate,
                    }
                )
    return pd.DataFrame(rows)


def planted_vs_estimated(
    estimates: pd.DataFrame, frame: pd.DataFrame, truth: dict, analysis_names: dict[str, str]
) -> pd.DataFrame:
    """One row per group effect or difference: estimand, estimate, SE, gap in SEs."""
    planted = planted_effects(frame, truth)
    rows = []
    for p in planted.itertuples(index=False):
        hit = estimates[
            (estimates["analysis"] == analysis_names[p.outcome])
            & (estimates["model"] == p.model)
            & (estimates["term"] == p.term)
        ]
        if hit.empty or pd.isna(hit.iloc[0]["estimate"]):
            continue
        rows.append(planted_row(OUTCOMES[p.outcome], p.group, p.estimand, hit.iloc[0]))
    return pd.DataFrame(rows)


def recovery_gaps(frame: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Every cell of tables 24 and 27 against the study's estimand: z = (estimate - it) / SE.

    One row per outcome and group effect or difference. With correct standard errors and no
    bias z has mean 0 and SD 1 over the cells of a run (docs/panel.md, "Recovery").
    """
    estimates = pd.concat(
        [group_effects(frame, outcome, CHARACTERISTICS) for outcome in OUTCOMES],
        ignore_index=True,
    )
    outcome_of = {name: outcome for outcome, name in ANALYSIS.items()}
    estimates["outcome"] = estimates["analysis"].map(outcome_of)
    return recovery_z(estimates, planted_effects(frame, truth), KEYS)
