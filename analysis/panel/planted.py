"""Planted-vs-estimated check on the synthetic twin: are the true mover effects recovered?

The generator writes the coefficients of its outcome models to `ukhls/truth.json` (probit
ones on the population-averaged scale a one-observation-per-person probit recovers). The
planted effect in a group is the average over the analysis sample's members of the group of
F(x'b | mover = 1) - F(x'b | mover = 0) with the true b, i.e. the quantity the model 3 x
characteristic estimate targets.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from analysis.mover_effects import planted_row
from analysis.panel.effects import ANALYSIS, group_effects
from analysis.panel.sample import BINARY_OUTCOMES, CHARACTERISTICS, OUTCOMES, outcome_rows

TRUTH_FILE = Path("ukhls") / "truth.json"


def load_truth(data_dir: Path) -> dict | None:
    path = data_dir / TRUTH_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def _true_design(frame: pd.DataFrame, terms: list[str], mover: float) -> np.ndarray:
    """The generator's index regressors for every row, with the mover flag set."""
    columns = {
        "const": np.ones(len(frame)),
        "mover": np.full(len(frame), mover),
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


def planted_effects(frame: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Planted mover effect per outcome, characteristic and group, in the analysis sample."""
    terms = truth["index_terms"]
    rows = []
    for outcome in OUTCOMES:
        data = outcome_rows(frame, outcome)
        beta = np.array([truth["population_averaged"][outcome][t] for t in terms])
        x1, x0 = _true_design(data, terms, 1.0), _true_design(data, terms, 0.0)
        if outcome in BINARY_OUTCOMES:
            contrast = ndtr(x1 @ beta) - ndtr(x0 @ beta)
        else:
            contrast = (x1 - x0) @ beta
        for char in CHARACTERISTICS:
            for label, column in char.groups.items():
                mask = data[column].to_numpy() == 1.0
                rows.append(
                    {
                        "outcome": outcome,
                        "model": f"model 3 x {char.name}",
                        "term": f"mover_in_{column}",
                        "group": label,
                        "planted": float(contrast[mask].mean()) if mask.any() else float("nan"),
                    }
                )
    return pd.DataFrame(rows)


def planted_vs_estimated(
    estimates: pd.DataFrame, frame: pd.DataFrame, truth: dict, analysis_names: dict[str, str]
) -> pd.DataFrame:
    """One row per planted group effect: planted, estimated, SE, gap in SEs, within 3 SE."""
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
        rows.append(planted_row(OUTCOMES[p.outcome], p.group, p.planted, hit.iloc[0]))
    return pd.DataFrame(rows)


def recovery_gaps(frame: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Within-group mover effects (model 3 x characteristic) against the planted ones.

    One row per outcome and group: planted, estimate, standard error and the gap
    z = (estimate - planted) / SE. Used by the calibration tests over several seeds (over
    many seeds z should have mean near 0 and SD near 1; docs/panel.md, "Recovery").
    """
    estimates = pd.concat(
        [group_effects(frame, outcome, CHARACTERISTICS) for outcome in OUTCOMES],
        ignore_index=True,
    )
    outcome_of = {name: outcome for outcome, name in ANALYSIS.items()}
    estimates["outcome"] = estimates["analysis"].map(outcome_of)
    within = estimates[estimates["term"].str.startswith("mover_in_")]
    gaps = planted_effects(frame, truth).merge(
        within[["outcome", "model", "term", "estimate", "std_error"]],
        on=["outcome", "model", "term"],
        validate="one_to_one",
    )
    gaps["z"] = (gaps["estimate"] - gaps["planted"]) / gaps["std_error"]
    return gaps
