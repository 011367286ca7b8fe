"""Mover effects for strand B: models 1-3, within-group effects and their differences.

Probit average marginal effects (discrete change for dummies) for employment and higher
managerial/professional occupation; OLS for real labour income (workers). Standard errors
are clustered by the LA the adult lives in: the LA economy regressors vary only by adult LA
and year, and people in one labour market share unobserved shocks, so errors are correlated
within the adult LA; there are about 340 such clusters at full scale (docs/panel.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import pandas as pd

from analysis.disclosure import interaction_support, term_support
from analysis.estimators.binary_outcomes import IndexModelFit, fit_linear, fit_probit
from analysis.mover_effects import (
    Characteristic,
    estimate_row,
    everyone_min_cell,
    fit_each,
    group_contrasts,
    labelled_effects,
)
from analysis.panel.sample import (
    ALL_INTERACTIONS,
    BINARY_OUTCOMES,
    CHARACTERISTICS,
    CLUSTER,
    MODEL_BLOCKS,
    OUTCOMES,
    TERM_LABELS,
    binary_columns,
    design,
    motivation_labels,
    outcome_rows,
    with_all_interactions,
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


def nested_models(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Effects of every reported term in models 1-3 (region and year effects not reported)."""
    data = outcome_rows(frame, outcome)
    cell = everyone_min_cell(data)
    rows = []
    for model in MODEL_BLOCKS:
        X = design(data, model)
        fit = _fit(data, outcome, X)
        support = term_support(X)  # disclosure: the smaller group each term contrasts
        for term, label, est in labelled_effects(fit, X, TERM_LABELS, binary_columns(X)):
            rows.append(
                estimate_row(ANALYSIS[outcome], None, f"model {model}", term, label, est, cell)
                | {"term_support": support[term]}
            )
    return pd.DataFrame(rows)


def group_effects(
    frame: pd.DataFrame,
    outcome: str,
    characteristics: Sequence[Characteristic],
    motivation: bool = False,
) -> pd.DataFrame:
    """Mover effect in each group from model 3 + mover x characteristics, and the differences.

    The model holds the mover interactions with every characteristic (gender, ethnicity,
    degree, parent class) and leaves out distance (`sample.design`); the effect in a group is
    the average over its members of the contrast mover vs stayer.

    Differences are against the reference group (`analysis.mover_effects.group_contrasts`);
    with `motivation` the teenage motivation answers are controlled and reported too.
    """
    data = outcome_rows(frame, outcome)
    # Every characteristic's mover interaction is in the one model, so it is fitted once and
    # each characteristic's groups are read off it.
    X = design(data, 3, with_all_interactions(characteristics[0]), motivation=motivation)
    fit = _fit(data, outcome, X)
    suffix = " + motivation" if motivation else ""
    within = MOTIVATION_TABLE if motivation else WITHIN_TABLE
    between = MOTIVATION_TABLE if motivation else DIFFERENCE_TABLE
    rows = []
    for characteristic in characteristics:
        model = f"model 3 x {characteristic.name}{suffix}"
        rows += [
            estimate_row(
                ANALYSIS[outcome],
                between if e.is_difference else within,
                model,
                e.term,
                e.label,
                e.estimate,
                e.min_cell,
            )
            | {"term_support": interaction_support(X, ALL_INTERACTIONS)}  # disclosure
            for e in group_contrasts(fit, X, data, with_all_interactions(characteristic))
        ]
        if motivation:
            rows += _motivation_rows(outcome, X, fit, model)
    return pd.DataFrame(rows)


def _motivation_rows(
    outcome: str, X: pd.DataFrame, fit: IndexModelFit, model: str
) -> list[dict[str, object]]:
    """Marginal effects of the motivation answers themselves (reported in table 28)."""
    rows = []
    for term, label, est in labelled_effects(fit, X, motivation_labels(), binary_columns(X)):
        answered = int(X[term].sum())
        cell = min(answered, len(X) - answered)
        rows.append(
            estimate_row(ANALYSIS[outcome], MOTIVATION_TABLE, model, term, label, est, cell)
        )
    return rows


def all_effects(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every model for every outcome; a model that cannot be fitted is reported, not fatal."""
    jobs = []
    for outcome in OUTCOMES:
        jobs.append((f"panel models 1-3 for {outcome}", partial(nested_models, frame, outcome)))
        for motivation in (False, True):
            table = MOTIVATION_TABLE if motivation else WITHIN_TABLE
            jobs.append(
                (
                    f"table {table} ({outcome}): cannot fit",
                    partial(group_effects, frame, outcome, CHARACTERISTICS, motivation),
                )
            )
    return fit_each(jobs)
