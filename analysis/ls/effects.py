"""Probit mover effects for strand C: models 1-3 and the within-group effects (tables 31, 32).

Standard errors are heteroskedasticity-robust HC0 (the probit sandwich without a
small-sample factor; statsmodels' "HC1" for probit is the same matrix, so we ask for and
label it HC0), not clustered by childhood region. The
analysis sample comes from the three or so regions of the most deprived quintile in each
census, and there are only ten regions in all: cluster-robust (CRV1) inference needs many
clusters (it over-rejects badly below a few dozen), and with childhood-region effects in the
model its covariance has rank below the number of clusters, so it cannot even test the
region block. Moving, the regressor of interest, varies between people within a region, so
person-level robust errors are the defensible choice; the regional-economy coefficients vary
only by region and census and their robust errors are likely too small (docs/ls.md).
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from analysis.disclosure import interaction_support, term_support
from analysis.estimators.binary_outcomes import fit_probit
from analysis.ls.sample import (
    CHARACTERISTICS,
    MODEL_BLOCKS,
    OUTCOMES,
    TERM_LABELS,
    design,
    outcome_rows,
)
from analysis.mover_effects import (
    Characteristic,
    binary_columns,
    estimate_row,
    everyone_min_cell,
    fit_each,
    group_contrasts,
    labelled_effects,
)

SE_NOTE = (
    "Average marginal effects from probit models; heteroskedasticity-robust standard errors "
    "(HC0, no small-sample factor) in parentheses, not clustered: the most deprived quintile "
    "spans only about three childhood regions, too few clusters for cluster-robust inference."
)
REPORT_TABLE = {"employed": 31, "professional_technical": 32}
ANALYSIS = "ls_mover_effects"


def nested_models(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """AMEs of every reported term in models 1-3 (region and year effects not reported)."""
    rows = []
    data = outcome_rows(frame, outcome)
    y = data[outcome].to_numpy(dtype=float)
    cell = everyone_min_cell(data)
    for model in MODEL_BLOCKS:
        X = design(data, model)
        fit = fit_probit(y, X)
        support = term_support(X)  # disclosure: the smaller group each term contrasts
        for term, label, est in labelled_effects(fit, X, TERM_LABELS, binary_columns(X)):
            rows.append(
                estimate_row(ANALYSIS, None, f"{outcome}: model {model}", term, label, est, cell)
                | {"term_support": support[term]}
            )
    return pd.DataFrame(rows)


def within_group_effects(
    frame: pd.DataFrame, outcome: str, characteristic: Characteristic
) -> pd.DataFrame:
    """Mover effect in each group from model 3 + mover x characteristic, and the differences.

    Each difference is against the reference group, with the one-degree-of-freedom Wald test
    of equal effects (`analysis.mover_effects.group_contrasts`); both go in the same table.
    The rows are the outcome's own sample (`outcome_rows`).
    """
    data = outcome_rows(frame, outcome)
    y = data[outcome].to_numpy(dtype=float)
    X = design(data, 3, characteristic)
    fit = fit_probit(y, X)
    model = f"{outcome}: model 3 x {characteristic.name}"
    table = REPORT_TABLE[outcome]
    return pd.DataFrame(
        [
            estimate_row(ANALYSIS, table, model, e.term, e.label, e.estimate, e.min_cell)
            | {"term_support": interaction_support(X, characteristic.interactions)}  # disclosure
            for e in group_contrasts(fit, X, data, characteristic)
        ]
    )


def all_effects(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every model for both outcomes; a model that cannot be fitted is reported, not fatal."""
    jobs = []
    for outcome in OUTCOMES:
        jobs.append((f"LS models 1-3 for {outcome}", partial(nested_models, frame, outcome)))
        for char in CHARACTERISTICS:
            jobs.append(
                (
                    f"table {REPORT_TABLE[outcome]} ({char.name}): cannot fit",
                    partial(within_group_effects, frame, outcome, char),
                )
            )
    return fit_each(jobs)
