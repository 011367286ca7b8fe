"""Planted-vs-estimated check for the synthetic twin: are the true mover effects recovered?

The generator writes `ons_ls/truth.json` with the average mover contrasts its planted
probit implies in the analysis sample, overall and within each group. This module lines them
up with the estimates (model 3 AME; model 3 x characteristic within-group effects) and reports
the gap in standard errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.ls.sample import CHARACTERISTICS, OUTCOMES
from analysis.mover_effects import planted_row

TRUTH_FILE = Path("ons_ls") / "truth.json"


def load_truth(data_dir: Path) -> dict | None:
    path = data_dir / TRUTH_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def planted_vs_estimated(estimates: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """One row per planted quantity: planted, estimated, SE, gap in SEs, within 3 SE."""
    rows = []
    for outcome, outcome_label in OUTCOMES.items():
        planted = truth["outcomes"][outcome]
        wanted = [(f"{outcome}: model 3", "mover", "All", planted["mover_effect"])]
        for char in CHARACTERISTICS:
            for label, column in char.groups.items():
                wanted.append(
                    (
                        f"{outcome}: model 3 x {char.name}",
                        f"mover_in_{column}",
                        label,
                        planted["mover_effect_by_group"][char.name][label],
                    )
                )
        for model, term, group, value in wanted:
            hit = estimates[(estimates["model"] == model) & (estimates["term"] == term)]
            if hit.empty:
                continue
            rows.append(planted_row(outcome_label, group, value, hit.iloc[0]))
    return pd.DataFrame(rows)
