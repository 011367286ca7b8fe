"""Run the strand-A model suite and shape it for the results schema, tables and figures.

Main analysis: NB2 on the published (non-zero) pair-years of the ONS detailed estimates,
models 1-4, every specification of every typology (report tables 2-5, 7-20). Robustness,
written as separate analyses: PPML on the same rows, and NB2 on the zero-inclusive full pair
grid (model 4). Census 2011 flows: the same NB2 specifications on the census moves of the year
before census day 2011, as separate analyses (`flows_nb2_census2011_<spec>`) under the same
report_table numbers, for the samples that include 2011.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis import progress
from analysis.context import RunContext
from analysis.estimators.count_models import fit_nb2, fit_poisson
from analysis.flows.figures import coefficient_plot
from analysis.flows.regressions import (
    CENSUS_FLOWS,
    ONS_FLOWS,
    ModelFit,
    Specification,
    fit_nested_models,
    identified_models,
    load_sample,
    specification_rows,
    specifications,
    tidy_estimates,
)
from analysis.flows.specifications import (
    CONTROL_BLOCKS,
    DEMOGRAPHIC_TERMS,
    DISTANCE_TERMS,
    ECONOMIC_TERMS,
    SAMPLES,
    Sample,
    type_term,
)
from analysis.labels import TYPOLOGY_TITLES
from analysis.outputs import AnalysisOutput, PublicationTable, empty_estimates
from analysis.tables import regression_table
from mobility.layouts import CENSUS_YEAR

MODELS = (1, 2, 3, 4)
FLOW_SOURCE_TITLES: dict[str, str] = {
    ONS_FLOWS: "ONS internal migration detailed estimates (years ending June)",
    CENSUS_FLOWS: "Census 2011 origin-destination flows (year before census day, 27 March 2011)",
}


def _term_order(spec: Specification) -> list[str]:
    types = [type_term(spec.end, c) for c in spec.sample.categories[1:]]
    return types + [*DISTANCE_TERMS, *DEMOGRAPHIC_TERMS, *ECONOMIC_TERMS]


def _title(spec: Specification, estimator: str, flow_source: str = ONS_FLOWS) -> str:
    sample = spec.sample
    where = " and ".join(sample.countries)
    first, last = sample.years
    years = str(first) if first == last else f"{first}-{last}"
    what = (
        "outflows by type of sending area"
        if spec.kind == "outflows"
        else f"destinations of people leaving {spec.sending_category}"
    )
    census = " (Census 2011 flows)" if flow_source == CENSUS_FLOWS else ""
    number = f"Table {spec.report_table}{census}: " if spec.report_table else census.strip()
    return (
        f"{number}{estimator} regression of LA-pair moves, {what} "
        f"({TYPOLOGY_TITLES[sample.typology]}; {where}, {years})"
    )


def _table(
    spec: Specification, estimates: pd.DataFrame, estimator: str, flow_source: str = ONS_FLOWS
) -> PublicationTable:
    blocks = CONTROL_BLOCKS
    if flow_source == CENSUS_FLOWS:  # one flow year: no year effects to report
        blocks = {k: v for k, v in CONTROL_BLOCKS.items() if k != "Year effects"}
    frame = regression_table(estimates, _term_order(spec), blocks)
    stem = spec.name if flow_source == ONS_FLOWS else f"census2011_{spec.name}"
    key = f"table_{spec.report_table:02d}_{stem}" if spec.report_table else f"flows_{stem}"
    notes = [
        "Negative binomial (NB2, dispersion by maximum likelihood) of the count of moves, "
        "sending population as exposure; robust (sandwich) standard errors in parentheses; "
        "*** p<0.01, ** p<0.05, * p<0.1. Covariates lagged one year.",
        f"Flow source: {FLOW_SOURCE_TITLES[flow_source]}.",
    ]
    if flow_source == CENSUS_FLOWS:
        notes.append(
            "One flow year (2011), so no year effects; sending population of mid-2011 as "
            "exposure, covariates of 2010."
        )
    if spec.sample.pooled_countries:
        notes.append("Country effects (sending and receiving Wales) included in every model.")
    return PublicationTable(
        key, _title(spec, estimator, flow_source), frame, spec.report_table, tuple(notes)
    )


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
        progress.expect(len(list(specifications(sample))) * len(MODELS))
        for spec in specifications(sample):
            progress.describe(f"NB2 {spec.name}")
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


def census_sample(sample: Sample) -> Sample | None:
    """The sample restricted to the census flow year, or None when its years exclude 2011."""
    first, last = sample.years
    if not first <= CENSUS_YEAR <= last:
        return None
    return replace(sample, years=(CENSUS_YEAR, CENSUS_YEAR))


def run_census_flow_models(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """NB2 models 1-4 of every specification on the Census 2011 flows, as separate analyses
    (`flows_nb2_census2011_<spec>`) under the same report tables as the ONS-flow models.

    The census is one flow year, so only samples whose years include 2011 run (ONS supergroups
    and IMD 2010); the hot/cold-spot sample (2017-2018) is reported as skipped.
    """
    output = AnalysisOutput(name="census_flow_models")
    estimates = [empty_estimates()]
    for full_sample in SAMPLES:
        title = TYPOLOGY_TITLES[full_sample.typology]
        tables = _report_tables(full_sample)
        sample = census_sample(full_sample)
        if sample is None:
            output.skipped.append(
                f"{tables} on Census 2011 flows ({title}): the study's sample is "
                f"{full_sample.years[0]}-{full_sample.years[1]}, which excludes the census "
                "flow year 2011"
            )
            continue
        frame = load_sample(con, sample, flow_source=CENSUS_FLOWS)
        if frame.empty:
            output.skipped.append(
                f"{tables} on Census 2011 flows ({title}): no census pair flows in the sample "
                "(census2011/census2011_la_od.csv has no rows for it)"
            )
            continue
        for spec in specifications(sample):
            models = identified_models(frame, spec, MODELS)
            if models != MODELS:
                unidentified = ", ".join(str(m) for m in MODELS if m not in models)
                n_las = specification_rows(frame, spec)["sending_la_code"].nunique()
                output.skipped.append(
                    f"Table {spec.report_table} (Census 2011 flows, {spec.name}): model(s) "
                    f"{unidentified} not identified (one flow year, so the sending-LA "
                    f"covariates vary over only {n_las} sending LA(s))"
                )
            if not models:
                continue
            progress.expect(len(models))
            progress.describe(f"NB2 census 2011 {spec.name}")
            fits = fit_nested_models(frame, spec, fit_nb2, models)
            tidy = tidy_estimates(fits, f"flows_nb2_census2011_{spec.name}")
            estimates.append(tidy)
            output.tables.append(_table(spec, tidy, "NB2", CENSUS_FLOWS))
            output.notes += [m for f in fits for m in f.warnings]
        output.notes.append(
            f"{tables} also estimated on Census 2011 flows ({title}; analyses "
            f"flows_nb2_census2011_{sample.typology}_*; flow source: "
            f"{FLOW_SOURCE_TITLES[CENSUS_FLOWS]})."
        )
    output.estimates = pd.concat(estimates, ignore_index=True)
    return output


def _report_tables(sample: Sample) -> str:
    numbers = [n for n in (sample.outflow_table, *sample.destination_tables) if n is not None]
    if not numbers:
        return "Tables"
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1:
        return f"Tables {numbers[0]}-{numbers[-1]}"
    return "Table " + ", ".join(map(str, numbers))


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
        progress.expect(len(list(specifications(sample))) * 3)
        for spec in specifications(sample):
            for label, frame, estimator, prefix in (
                ("NB2", observed, fit_nb2, "flows_nb2"),
                ("PPML", observed, fit_poisson, "flows_ppml"),
                ("NB2, zeros included", grid, fit_nb2, "flows_nb2_zeros"),
            ):
                progress.describe(f"{label} {spec.name}")
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
