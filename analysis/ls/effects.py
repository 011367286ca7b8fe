"""Probit mover effects for strand C: models 1-3 and the within-group effects (tables 31, 32).

Standard errors are heteroskedasticity-robust (HC1), not clustered by childhood region. The
analysis sample comes from the three or so regions of the most deprived quintile in each
census, and there are only ten regions in all: cluster-robust (CRV1) inference needs many
clusters (it over-rejects badly below a few dozen), and with childhood-region effects in the
model its covariance has rank below the number of clusters, so it cannot even test the
region block. Moving, the regressor of interest, varies between people within a region, so
person-level robust errors are the defensible choice; the regional-economy coefficients vary
only by region and census and their robust errors are likely too small (docs/ls.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimators.binary_outcomes import (
    Estimate,
    average_contrast,
    average_marginal_effects,
    difference_of_contrasts,
    fit_probit,
    set_treatment,
)
from analysis.ls.sample import (
    CHARACTERISTICS,
    MODEL_BLOCKS,
    OUTCOMES,
    TERM_LABELS,
    TREATMENT,
    Characteristic,
    binary_columns,
    design,
)

SE_NOTE = (
    "Average marginal effects from probit models; heteroskedasticity-robust (HC1) standard "
    "errors in parentheses, not clustered: the most deprived quintile spans only about three "
    "childhood regions, too few clusters for cluster-robust inference."
)
REPORT_TABLE = {"employed": 31, "professional_technical": 32}
ANALYSIS = "ls_mover_effects"


def nested_models(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """AMEs of every reported term in models 1-3 (region and year effects not reported)."""
    rows = []
    y = frame[outcome].to_numpy(dtype=float)
    for model in MODEL_BLOCKS:
        X = design(frame, model)
        fit = fit_probit(y, X)
        ames = average_marginal_effects(fit, X, binary_columns(X))
        ames = ames[ames["term"].isin(TERM_LABELS)]
        for row in ames.itertuples(index=False):
            rows.append(
                {
                    "analysis": ANALYSIS,
                    "report_table": None,
                    "model": f"{outcome}: model {model}",
                    "term": row.term,
                    "label": TERM_LABELS[row.term],
                    "estimate": row.estimate,
                    "std_error": row.std_error,
                    "p_value": row.p_value,
                    "n_obs": fit.nobs,
                    "min_cell": _min_cell(frame, np.ones(len(frame), dtype=bool)),
                }
            )
    return pd.DataFrame(rows)


def _min_cell(frame: pd.DataFrame, mask: np.ndarray) -> int:
    """Fewest people among the movers and the stayers a contrast rests on."""
    movers = int(frame.loc[mask, TREATMENT].sum())
    return min(movers, int(mask.sum()) - movers)


def within_group_effects(
    frame: pd.DataFrame, outcome: str, characteristic: Characteristic
) -> pd.DataFrame:
    """Mover effect in each group from model 3 + mover x characteristic, and the differences.

    Each difference is against the reference group, with the one-degree-of-freedom Wald test
    of equal effects from `difference_of_contrasts`.
    """
    y = frame[outcome].to_numpy(dtype=float)
    X = design(frame, 3, characteristic)
    fit = fit_probit(y, X)
    treated = set_treatment(X, TREATMENT, 1.0, characteristic.interactions)
    control = set_treatment(X, TREATMENT, 0.0, characteristic.interactions)
    model = f"{outcome}: model 3 x {characteristic.name}"
    masks = {label: frame[col].to_numpy() == 1 for label, col in characteristic.groups.items()}
    rows = []
    for label, mask in masks.items():
        est = average_contrast(fit, treated, control, mask)
        rows.append(_row(outcome, model, f"mover_in_{characteristic.groups[label]}", label, est))
        rows[-1]["min_cell"] = _min_cell(frame, mask)
    reference = masks[characteristic.reference]
    for label, mask in masks.items():
        if label == characteristic.reference:
            continue
        est = difference_of_contrasts(fit, (treated, control, mask), (treated, control, reference))
        term = f"mover_difference_{characteristic.groups[label]}"
        text = f"Difference: {label} minus {characteristic.reference}"
        rows.append(_row(outcome, model, term, text, est))
        rows[-1]["min_cell"] = min(_min_cell(frame, mask), _min_cell(frame, reference))
    return pd.DataFrame(rows)


def _row(outcome: str, model: str, term: str, label: str, est: Estimate) -> dict[str, object]:
    return {
        "analysis": ANALYSIS,
        "report_table": REPORT_TABLE[outcome],
        "model": model,
        "term": term,
        "label": label,
        "estimate": est.estimate,
        "std_error": est.std_error,
        "p_value": est.p_value,
        "n_obs": est.n,
    }


def all_effects(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every model for both outcomes; a model that cannot be fitted is reported, not fatal."""
    parts, skipped = [], []
    for outcome in OUTCOMES:
        try:
            parts.append(nested_models(frame, outcome))
        except ValueError as exc:
            skipped.append(f"LS models 1-3 for {outcome}: {exc}")
        for characteristic in CHARACTERISTICS:
            try:
                parts.append(within_group_effects(frame, outcome, characteristic))
            except ValueError as exc:
                skipped.append(
                    f"table {REPORT_TABLE[outcome]} ({characteristic.name}): cannot fit: {exc}"
                )
    estimates = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return estimates, skipped
