"""Run the strand-A model suite and shape it for the results schema, tables and figures.

Main analysis: NB2 on the published (non-zero) pair-years, models 1-4, every specification of
every typology (report tables 2-5, 7-20). Robustness, written as separate analyses: PPML on
the same rows, and NB2 on the zero-inclusive full pair grid (model 4).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.context import RunContext
from analysis.estimators.count_models import fit_nb2, fit_poisson
from analysis.flows.figures import coefficient_plot
from analysis.flows.regressions import (
    ModelFit,
    Specification,
    fit_nested_models,
    load_sample,
    specifications,
    tidy_estimates,
)
from analysis.flows.specifications import (
    CONTROL_BLOCKS,
    DEMOGRAPHIC_TERMS,
    DISTANCE_TERMS,
    ECONOMIC_TERMS,
    SAMPLES,
    type_term,
)
from analysis.labels import TYPOLOGY_TITLES
from analysis.outputs import AnalysisOutput, PublicationTable, empty_estimates
from analysis.tables import regression_table

MODELS = (1, 2, 3, 4)


def _term_order(spec: Specification) -> list[str]:
    types = [type_term(spec.end, c) for c in spec.sample.categories[1:]]
    return types + [*DISTANCE_TERMS, *DEMOGRAPHIC_TERMS, *ECONOMIC_TERMS]


def _title(spec: Specification, estimator: str) -> str:
    sample = spec.sample
    where = " and ".join(sample.countries)
    years = f"{sample.years[0]}-{sample.years[1]}"
    what = (
        "outflows by type of sending area"
        if spec.kind == "outflows"
        else f"destinations of people leaving {spec.sending_category}"
    )
    number = f"Table {spec.report_table}: " if spec.report_table else ""
    return (
        f"{number}{estimator} regression of LA-pair moves, {what} "
        f"({TYPOLOGY_TITLES[sample.typology]}; {where}, {years})"
    )


def _table(spec: Specification, estimates: pd.DataFrame, estimator: str) -> PublicationTable:
    frame = regression_table(estimates, _term_order(spec), CONTROL_BLOCKS)
    key = (
        f"table_{spec.report_table:02d}_{spec.name}" if spec.report_table else f"flows_{spec.name}"
    )
    notes = [
        "Negative binomial (NB2, dispersion by maximum likelihood) of the count of moves, "
        "sending population as exposure; robust (sandwich) standard errors in parentheses; "
        "*** p<0.01, ** p<0.05, * p<0.1. Covariates lagged one year.",
    ]
    if spec.sample.pooled_countries:
        notes.append("Country effects (sending and receiving Wales) included in every model.")
    return PublicationTable(key, _title(spec, estimator), frame, spec.report_table, tuple(notes))


def _planted(truth: dict) -> dict[str, float]:
    """The data-generating coefficients in the terms of a destination model."""
    planted: dict[str, float] = dict(truth["coefficients"])
    reference = truth["receiving_type_effects"][truth["reference_category"]]
    for category, effect in truth["receiving_type_effects"].items():
        planted[type_term("receiving", category)] = effect - reference
    base_year = min(truth["year_effects"])
    for year, effect in truth["year_effects"].items():
        planted[f"year[{year}]"] = effect - truth["year_effects"][base_year]
    planted["sending_wales"] = truth["sending_country_effects"]["Wales"]
    planted["receiving_wales"] = 0.0
    return planted


def recovery_table(
    grid_fits: list[ModelFit], published_fits: list[ModelFit], truth: dict
) -> pd.DataFrame:
    """Planted vs estimated for the model-4 destination fits of the planted typology.

    With the sending type fixed, the destination model is the data-generating model, so the
    NB2 fit on the full pair grid (zeros included) must recover the planted values. The fit on
    published rows only is shown beside it: dropping the zero rows truncates the sample and
    pulls estimates (distance above all) towards zero.
    """
    planted = _planted(truth)
    published = {
        (f.spec.sending_category, t): e
        for f in published_fits
        for t, e in zip(f.design.terms, f.fit.params, strict=True)
    }
    rows = []
    for item in grid_fits:
        if item.spec.kind != "destinations":
            continue
        for term, label, estimate, se in zip(
            item.design.terms,
            item.design.labels,
            item.fit.params,
            item.fit.std_errors,
            strict=True,
        ):
            if term not in planted or not np.isfinite(se):
                continue
            z = (estimate - planted[term]) / se
            rows.append(
                {
                    "Destinations from": item.spec.sending_category,
                    "Term": label,
                    "Planted": round(planted[term], 4),
                    "Estimate (full grid)": round(float(estimate), 4),
                    "Std. error": round(float(se), 4),
                    "z": round(float(z), 2),
                    "Within 3 SE": "yes" if abs(z) <= 3 else "NO",
                    "Estimate (published rows only)": round(
                        float(published.get((item.spec.sending_category, term), np.nan)), 4
                    ),
                }
            )
    return pd.DataFrame(rows)


def run_flow_models(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """NB2 models 1-4 for every specification and typology, with tables and figures."""
    output = AnalysisOutput(name="flow_models")
    estimates = [empty_estimates()]
    for sample in SAMPLES:
        frame = load_sample(con, sample)
        if frame.empty:
            output.skipped.append(
                f"{TYPOLOGY_TITLES[sample.typology]}: no pair-years in the sample "
                f"({', '.join(sample.countries)}, {sample.years[0]}-{sample.years[1]})"
            )
            continue
        sample_fits: list[ModelFit] = []
        for spec in specifications(sample):
            fits = fit_nested_models(frame, spec, fit_nb2, MODELS)
            tidy = tidy_estimates(fits, f"flows_nb2_{spec.name}")
            estimates.append(tidy)
            output.tables.append(_table(spec, tidy, "NB2"))
            output.notes += [m for f in fits for m in f.warnings]
            sample_fits += fits
        figure = coefficient_plot(sample, sample_fits, context.out_dir)
        if figure is not None:
            output.figures.append(figure)
    output.estimates = pd.concat(estimates, ignore_index=True)
    return output


def run_flow_robustness(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """Model 4 again: PPML on the published rows, and NB2 on the zero-inclusive grid."""
    output = AnalysisOutput(name="flow_robustness")
    estimates = [empty_estimates()]
    truth = _load_truth(context)
    for sample in SAMPLES:
        observed = load_sample(con, sample)
        grid = load_sample(con, sample, zero_inclusive=True)
        if observed.empty:
            continue
        comparison: dict[str, pd.DataFrame] = {}
        fits_by_variant: dict[str, list[ModelFit]] = {}
        for spec in specifications(sample):
            for label, frame, estimator, prefix in (
                ("NB2", observed, fit_nb2, "flows_nb2"),
                ("PPML", observed, fit_poisson, "flows_ppml"),
                ("NB2, zeros included", grid, fit_nb2, "flows_nb2_zeros"),
            ):
                fits = fit_nested_models(frame, spec, estimator, (4,))
                fits_by_variant.setdefault(prefix, []).extend(fits)
                tidy = tidy_estimates(fits, f"{prefix}_{spec.name}")
                output.notes += [m for f in fits for m in f.warnings]
                if prefix != "flows_nb2":  # the main analysis already holds these
                    estimates.append(tidy)
                if spec.kind == "outflows":
                    comparison[label] = tidy.assign(model=label)
        if comparison:
            spec = Specification(sample, "outflows")
            frame = regression_table(pd.concat(comparison.values()), _term_order(spec))
            output.tables.append(
                PublicationTable(
                    key=f"flows_robustness_{sample.typology}_outflows",
                    title=f"Robustness, model 4 outflows ({TYPOLOGY_TITLES[sample.typology]}): "
                    "NB2 on published rows, PPML, and NB2 on the full pair grid with zeros",
                    frame=frame,
                    notes=("Robust standard errors in parentheses.",),
                )
            )
        if truth and truth.get("typology") == sample.typology:
            recovery = recovery_table(
                fits_by_variant["flows_nb2_zeros"], fits_by_variant["flows_nb2"], truth
            )
            within = (recovery["Within 3 SE"] == "yes").mean()
            output.tables.append(
                PublicationTable(
                    key="flows_planted_vs_estimated",
                    title="Synthetic data: planted vs estimated coefficients, NB2 destination "
                    "models (model 4) of the planted typology",
                    frame=recovery,
                    notes=(
                        f"{within:.1%} of {len(recovery)} planted coefficients lie within 3 "
                        "standard errors of the full-grid estimates.",
                    ),
                )
            )
    output.estimates = pd.concat(estimates, ignore_index=True)
    return output


def _load_truth(context: RunContext | None) -> dict | None:
    if context is None or context.data_source != "synthetic":
        return None
    path = Path(context.data_dir) / "truth.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["flows"]
