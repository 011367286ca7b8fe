"""Planted-vs-estimated check for the synthetic twin: does the study's specification recover
what it targets?

The generator writes `ons_ls/truth.json` with its probit coefficients, childhood-region and
census-year effects. Its true model holds every mover interaction at once, while the study
fits one characteristic's interactions per regression, so the planted value of a cell is the
study's estimand: the effect that specification gives when fitted to the expected outcomes
E[y | x] of the analysis rows (`analysis.mover_effects.study_estimands`; for the model 3
mover effect, its average marginal effect).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from analysis.estimators.binary_outcomes import average_marginal_effects, pseudo_true_fit
from analysis.ls.effects import all_effects
from analysis.ls.sample import CHARACTERISTICS, OUTCOMES, design, outcome_rows
from analysis.mover_effects import (
    TREATMENT,
    binary_columns,
    planted_row,
    recovery_z,
    study_estimands,
)

TRUTH_FILE = Path("ons_ls") / "truth.json"


def load_truth(data_dir: Path) -> dict | None:
    path = data_dir / TRUTH_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def expected_outcome(data: pd.DataFrame, truth: dict, outcome: str) -> np.ndarray:
    """P(y = 1 | x) under the planted probit, for the analysis rows."""
    beta = truth["coefficients"][outcome]
    index = np.full(len(data), beta["const"])
    for term, value in beta.items():
        if term == "const":
            continue
        if term.startswith(f"{TREATMENT}_x_"):
            column = data[TREATMENT] * data[term.removeprefix(f"{TREATMENT}_x_")]
        else:
            column = data[term]
        index += value * column.to_numpy(dtype=float)
    index += data["childhood_region_code"].map(truth["childhood_region_effects"][outcome])
    index += data["adult_census_year"].astype(str).map(truth["year_effects"]).to_numpy()
    return ndtr(index)


def planted_effects(frame: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """The study's estimand of each reported mover effect (model 3 and the group models)."""
    rows = []
    for outcome in OUTCOMES:
        data = outcome_rows(frame, outcome)
        expected = expected_outcome(data, truth, outcome)
        X = design(data, 3)
        ames = average_marginal_effects(
            pseudo_true_fit("probit", expected, X), X, binary_columns(X)
        ).set_index("term")
        overall = float(ames.loc[TREATMENT, "estimate"])
        rows.append((outcome, f"{outcome}: model 3", TREATMENT, "All", overall))
        for char in CHARACTERISTICS:
            X = design(data, 3, char)
            for e in study_estimands("probit", expected, X, data, char):
                model = f"{outcome}: model 3 x {char.name}"
                rows.append((outcome, model, e.term, e.label, e.estimate.estimate))
    return pd.DataFrame(rows, columns=["outcome", "model", "term", "group", "estimand"])


def planted_vs_estimated(estimates: pd.DataFrame, frame: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """One row per reported mover effect: estimand, estimate, SE, gap in SEs, within 3 SE."""
    rows = []
    for p in planted_effects(frame, truth).itertuples(index=False):
        hit = estimates[(estimates["model"] == p.model) & (estimates["term"] == p.term)]
        if hit.empty or pd.isna(hit.iloc[0]["estimate"]):
            continue
        rows.append(planted_row(OUTCOMES[p.outcome], p.group, p.estimand, hit.iloc[0]))
    return pd.DataFrame(rows)


def recovery_gaps(frame: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Every reported mover effect against the study's estimand: z = (estimate - it) / SE."""
    estimates, skipped = all_effects(frame)
    if skipped:
        raise ValueError(f"LS models could not be fitted: {skipped}")
    return recovery_z(estimates, planted_effects(frame, truth), ["model", "term"])
