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
    BINARY_OUTCOMES,
    CHARACTERISTICS,
    CLUSTER,
    JOINT_MODEL_EXCLUDES,
    MODEL_BLOCKS,
    OUTCOMES,
    TERM_LABELS,
    Motivation,
    binary_columns,
    design,
    motivation_labels,
    motivation_rows,
    outcome_rows,
    with_all_interactions,
)

ANALYSIS = {
    "employed": "panel_employment",
    "higher_professional": "panel_occupation",
    "real_income": "panel_income",
}
# Robustness analyses (not the study's specification), under their own analysis names.
JOINT_ANALYSIS = {o: f"{name}_joint_interactions" for o, name in ANALYSIS.items()}
INDICATORS_ANALYSIS = {o: f"{name}_motivation_missing_indicators" for o, name in ANALYSIS.items()}
WITHIN_TABLE, DIFFERENCE_TABLE, MOTIVATION_TABLE = 27, 24, 28
MOTIVATION_SUFFIX = " + motivation"
SE_NOTE = (
    "Probit average marginal effects (discrete change for dummies) for employment and "
    "occupation, OLS coefficients for income; standard errors clustered by the adult's LA "
    "(CRV1) in parentheses. *** p<0.01, ** p<0.05, * p<0.1."
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


def group_sample(frame: pd.DataFrame, outcome: str, motivation: Motivation | None) -> pd.DataFrame:
    """The rows of a group model: the outcome's sample; table 28's respondents to all items."""
    return (
        motivation_rows(frame, outcome)
        if motivation == "complete"
        else outcome_rows(frame, outcome)
    )


def group_design(
    data: pd.DataFrame, characteristic: Characteristic, motivation: Motivation | None = None
) -> pd.DataFrame:
    """The study's group model: model 3 (distance in) + one characteristic's mover terms."""
    return design(data, 3, characteristic, motivation=motivation)


def group_effects(
    frame: pd.DataFrame,
    outcome: str,
    characteristics: Sequence[Characteristic],
    motivation: Motivation | None = None,
) -> pd.DataFrame:
    """Mover effect in each group and the differences, one regression per characteristic.

    As the study fits them: model 3 with distance, the LA economy and the demographics (the
    interacted characteristic's own main effect among them) plus that characteristic's
    mover interactions. The effect in a group is the average over its members of the
    contrast mover vs stayer; a difference is the first group's effect minus the second's
    (`analysis.mover_effects.group_contrasts`).

    `motivation`: "complete" adds the four motivation answers on respondents to all four
    items (table 28); "indicators" keeps everyone with non-response flags (robustness, its
    own analysis name and no report table).
    """
    data = group_sample(frame, outcome, motivation)
    if motivation == "indicators":
        analysis, within, between = INDICATORS_ANALYSIS[outcome], None, None
    elif motivation == "complete":
        analysis, within, between = ANALYSIS[outcome], MOTIVATION_TABLE, MOTIVATION_TABLE
    else:
        analysis, within, between = ANALYSIS[outcome], WITHIN_TABLE, DIFFERENCE_TABLE
    suffix = MOTIVATION_SUFFIX if motivation else ""
    rows = []
    for characteristic in characteristics:
        X = group_design(data, characteristic, motivation)
        fit = _fit(data, outcome, X)
        model = f"model 3 x {characteristic.name}{suffix}"
        rows += _contrast_rows(analysis, (within, between), model, fit, X, data, characteristic)
        if motivation:
            rows += _motivation_rows(analysis, within, X, fit, model)
    return pd.DataFrame(rows)


def joint_group_effects(
    frame: pd.DataFrame, outcome: str, characteristics: Sequence[Characteristic]
) -> pd.DataFrame:
    """Robustness: one model 3 with every mover interaction at once and without distance.

    Not the study's specification. Each group's effect averages its own members' effects
    over their mix of the other characteristics, and switching the mover dummy does not
    hold a distance fixed. Rows go under `JOINT_ANALYSIS` with no report table.
    """
    data = outcome_rows(frame, outcome)
    X = design(data, 3, with_all_interactions(characteristics[0]), drop=JOINT_MODEL_EXCLUDES)
    fit = _fit(data, outcome, X)
    rows = []
    for characteristic in characteristics:
        model = f"model 3 x {characteristic.name}"
        joint = with_all_interactions(characteristic)
        rows += _contrast_rows(JOINT_ANALYSIS[outcome], (None, None), model, fit, X, data, joint)
    return pd.DataFrame(rows)


def _contrast_rows(
    analysis: str,
    tables: tuple[int | None, int | None],
    model: str,
    fit: IndexModelFit,
    X: pd.DataFrame,
    data: pd.DataFrame,
    characteristic: Characteristic,
) -> list[dict[str, object]]:
    within, between = tables
    return [
        estimate_row(
            analysis,
            between if e.is_difference else within,
            model,
            e.term,
            e.label,
            e.estimate,
            e.min_cell,
        )
        | {"term_support": interaction_support(X, characteristic.interactions)}  # disclosure
        for e in group_contrasts(fit, X, data, characteristic)
    ]


def _motivation_rows(
    analysis: str, table: int | None, X: pd.DataFrame, fit: IndexModelFit, model: str
) -> list[dict[str, object]]:
    """Marginal effects of the motivation answers themselves (reported in table 28)."""
    rows = []
    for term, label, est in labelled_effects(fit, X, motivation_labels(), binary_columns(X)):
        answered = int(X[term].sum())
        cell = min(answered, len(X) - answered)
        rows.append(estimate_row(analysis, table, model, term, label, est, cell))
    return rows


def all_effects(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every model for every outcome; a model that cannot be fitted is reported, not fatal."""
    jobs = []
    for outcome in OUTCOMES:
        jobs.append((f"panel models 1-3 for {outcome}", partial(nested_models, frame, outcome)))
        for motivation, what in (
            (None, f"table {WITHIN_TABLE}"),
            ("complete", f"table {MOTIVATION_TABLE}"),
            ("indicators", "motivation missing-indicators robustness"),
        ):
            jobs.append(
                (
                    f"{what} ({outcome}): cannot fit",
                    partial(group_effects, frame, outcome, CHARACTERISTICS, motivation),
                )
            )
        jobs.append(
            (
                f"joint-interactions robustness ({outcome}): cannot fit",
                partial(joint_group_effects, frame, outcome, CHARACTERISTICS),
            )
        )
    return fit_each(jobs)
