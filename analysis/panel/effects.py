"""Mover effects for strand B: models 1-3, within-group effects and their differences.

Probit average marginal effects (discrete change for dummies) for employment and higher
managerial/professional occupation; OLS for real labour income (workers). Standard errors
are clustered by the LA the adult lives in: the LA economy regressors vary only by adult LA
and year, and people in one labour market share unobserved shocks, so errors are correlated
within the adult LA; there are about 340 such clusters at full scale (docs/panel.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.estimators.binary_outcomes import (
    Estimate,
    IndexModelFit,
    average_contrast,
    average_marginal_effects,
    difference_of_contrasts,
    fit_linear,
    fit_probit,
    set_treatment,
)
from analysis.panel.sample import (
    BINARY_OUTCOMES,
    CHARACTERISTICS,
    CLUSTER,
    MODEL_BLOCKS,
    OUTCOMES,
    TERM_LABELS,
    TREATMENT,
    Characteristic,
    binary_columns,
    design,
    motivation_labels,
    outcome_rows,
)

ANALYSIS = {
    "employed": "panel_employment",
    "higher_professional": "panel_occupation",
    "real_income": "panel_income",
}
WITHIN_TABLE, DIFFERENCE_TABLE, MOTIVATION_TABLE = 27, 24, 28
SE_NOTE = (
    "Probit average marginal effects (discrete change for dummies) for employment and "
    "occupation, OLS coefficients for income; standard errors clustered by the adult's LA in "
    "parentheses. *** p<0.01, ** p<0.05, * p<0.1."
)


def _fitter(outcome: str) -> Callable[..., IndexModelFit]:
    return fit_probit if outcome in BINARY_OUTCOMES else fit_linear


def _fit(frame: pd.DataFrame, outcome: str, X: pd.DataFrame) -> IndexModelFit:
    y = frame[outcome].to_numpy(dtype=float)
    return _fitter(outcome)(y, X, frame[CLUSTER].to_numpy())


def _min_cell(frame: pd.DataFrame, mask: np.ndarray) -> int:
    """Fewest people among the movers and the stayers an estimate rests on."""
    movers = int(frame.loc[mask, TREATMENT].sum())
    return min(movers, int(mask.sum()) - movers)


def _row(
    outcome: str, table: int | None, model: str, term: str, label: str, est: Estimate, cell: int
) -> dict[str, object]:
    return {
        "analysis": ANALYSIS[outcome],
        "report_table": table,
        "model": model,
        "term": term,
        "label": label,
        "estimate": est.estimate,
        "std_error": est.std_error,
        "p_value": est.p_value,
        "n_obs": est.n,
        "min_cell": cell,
    }


def nested_models(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Effects of every reported term in models 1-3 (region and year effects not reported)."""
    data = outcome_rows(frame, outcome)
    everyone = np.ones(len(data), dtype=bool)
    rows = []
    for model in MODEL_BLOCKS:
        X = design(data, model)
        fit = _fit(data, outcome, X)
        effects = average_marginal_effects(fit, X, binary_columns(X))
        for r in effects[effects["term"].isin(TERM_LABELS)].itertuples(index=False):
            est = Estimate(r.estimate, r.std_error, r.p_value, fit.nobs)
            rows.append(_row(outcome, None, f"model {model}", r.term, TERM_LABELS[r.term], est, 0))
            rows[-1]["min_cell"] = _min_cell(data, everyone)
    return pd.DataFrame(rows)


def group_effects(
    frame: pd.DataFrame, outcome: str, characteristic: Characteristic, motivation: bool = False
) -> pd.DataFrame:
    """Mover effect in each group from model 3 + mover x characteristic, and the differences.

    Differences are against the reference group, each with the one-degree-of-freedom Wald
    test from `difference_of_contrasts` (delta method on the clustered covariance).
    """
    data = outcome_rows(frame, outcome)
    X = design(data, 3, characteristic, motivation=motivation)
    fit = _fit(data, outcome, X)
    treated = set_treatment(X, TREATMENT, 1.0, characteristic.interactions)
    control = set_treatment(X, TREATMENT, 0.0, characteristic.interactions)
    suffix = " + motivation" if motivation else ""
    model = f"model 3 x {characteristic.name}{suffix}"
    within = MOTIVATION_TABLE if motivation else WITHIN_TABLE
    between = MOTIVATION_TABLE if motivation else DIFFERENCE_TABLE
    masks = {label: data[col].to_numpy() == 1.0 for label, col in characteristic.groups.items()}
    rows = []
    for label, mask in masks.items():
        est = average_contrast(fit, treated, control, mask)
        term = f"mover_in_{characteristic.groups[label]}"
        rows.append(_row(outcome, within, model, term, label, est, _min_cell(data, mask)))
    reference = masks[characteristic.reference]
    for label, mask in masks.items():
        if label == characteristic.reference:
            continue
        est = difference_of_contrasts(fit, (treated, control, mask), (treated, control, reference))
        term = f"mover_difference_{characteristic.groups[label]}"
        text = f"Difference: {label} minus {characteristic.reference}"
        cell = min(_min_cell(data, mask), _min_cell(data, reference))
        rows.append(_row(outcome, between, model, term, text, est, cell))
    if motivation:
        rows += _motivation_rows(data, outcome, X, fit, model)
    return pd.DataFrame(rows)


def _motivation_rows(
    data: pd.DataFrame, outcome: str, X: pd.DataFrame, fit: IndexModelFit, model: str
) -> list[dict[str, object]]:
    """Marginal effects of the motivation answers themselves (reported in table 28)."""
    labels = motivation_labels()
    effects = average_marginal_effects(fit, X, binary_columns(X))
    rows = []
    for r in effects[effects["term"].isin(labels)].itertuples(index=False):
        est = Estimate(r.estimate, r.std_error, r.p_value, fit.nobs)
        answered = int(X[r.term].sum())
        cell = min(answered, len(X) - answered)
        rows.append(_row(outcome, MOTIVATION_TABLE, model, r.term, labels[r.term], est, cell))
    return rows


def all_effects(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every model for every outcome; a model that cannot be fitted is reported, not fatal."""
    parts, skipped = [], []
    for outcome in OUTCOMES:
        try:
            parts.append(nested_models(frame, outcome))
        except ValueError as exc:
            skipped.append(f"panel models 1-3 for {outcome}: {exc}")
        for characteristic in CHARACTERISTICS:
            for motivation in (False, True):
                table = MOTIVATION_TABLE if motivation else WITHIN_TABLE
                try:
                    parts.append(group_effects(frame, outcome, characteristic, motivation))
                except ValueError as exc:
                    skipped.append(
                        f"table {table} ({outcome}, {characteristic.name}): cannot fit: {exc}"
                    )
    estimates = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return estimates, skipped
