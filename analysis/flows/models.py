"""Run the strand-A model suite and shape it for the results schema, tables and figures.

Main analysis: NB2 on the published (non-zero) pair-years of the ONS detailed estimates,
models 1-4, every specification of every typology (report tables 2-5, 7-20). Robustness,
written as separate analyses: PPML on the same rows, and NB2 on the zero-inclusive full pair
grid (model 4). Census 2011 flows: the same NB2 specifications on the census moves of the year
before census day 2011, as separate analyses (`flows_nb2_census2011_<spec>`) under the same
report_table numbers, for the samples that include 2011.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis import progress
from analysis.context import RunContext
from analysis.estimators.count_models import fit_nb2, fit_poisson
from analysis.estimators.truncated_counts import fit_ztnb2, fit_ztpoisson
from analysis.flows.figures import coefficient_plot, standard_error_comparison
from analysis.flows.reconciliation import census_reconciliation
from analysis.flows.regressions import (
    CENSUS_2021_FLOWS,
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
from analysis.tables import flagged_cells_note, regression_table
from study.registry import CENSUS_YEAR

MODELS = (1, 2, 3, 4)
FLOW_SOURCE_TITLES: dict[str, str] = {
    ONS_FLOWS: "ONS internal migration detailed estimates (years ending June)",
    CENSUS_FLOWS: "Census 2011 origin-destination flows (year before census day, 27 March 2011)",
    CENSUS_2021_FLOWS: "Census 2021 origin-destination flows (year before census day, 21 March "
    "2021; a pandemic year)",
}
# Census flow sources: (flow year, label in titles, keys and analysis names).
CENSUSES: dict[str, tuple[int, str]] = {
    CENSUS_FLOWS: (CENSUS_YEAR, "census2011"),
    CENSUS_2021_FLOWS: (2021, "census2021"),
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
    census = f" (Census {CENSUSES[flow_source][0]} flows)" if flow_source in CENSUSES else ""
    number = f"Table {spec.report_table}{census}: " if spec.report_table else census.strip()
    return (
        f"{number}{estimator} regression of LA-pair moves, {what} "
        f"({TYPOLOGY_TITLES[sample.typology]}; {where}, {years})"
    )


HC0_NOTE = (
    "Negative binomial (NB2, dispersion by maximum likelihood) of the count of moves, "
    "sending population as exposure; robust (sandwich, HC0) standard errors in parentheses, as "
    "in the study; *** p<0.01, ** p<0.05, * p<0.1. Covariates lagged one year."
)
CLUSTERED_NOTE = (
    "Negative binomial (NB2, dispersion by maximum likelihood) of the count of moves, "
    "sending population as exposure; standard errors two-way clustered by sending and "
    "receiving LA (Cameron-Gelbach-Miller, small-sample factor G/(G-1)*(N-1)/(N-K) in each "
    "dimension) in parentheses, stars from them; *** p<0.01, ** p<0.05, * p<0.1. Covariates "
    "lagged one year. Not the study's errors: every type dummy and covariate varies by LA "
    "only, so heteroskedasticity-robust (HC0) errors understate the uncertainty."
)


def _table(
    spec: Specification,
    estimates: pd.DataFrame,
    estimator: str,
    flow_source: str = ONS_FLOWS,
    clustered: bool = False,
) -> PublicationTable:
    blocks = CONTROL_BLOCKS
    if flow_source in CENSUSES:  # one flow year: no year effects to report
        blocks = {k: v for k, v in CONTROL_BLOCKS.items() if k != "Year effects"}
    frame = regression_table(estimates, _term_order(spec), blocks, clustered=clustered)
    stem = spec.name if flow_source == ONS_FLOWS else f"{CENSUSES[flow_source][1]}_{spec.name}"
    key = f"table_{spec.report_table:02d}_{stem}" if spec.report_table else f"flows_{stem}"
    if clustered:
        notes = [CLUSTERED_NOTE]
    else:
        notes = [HC0_NOTE + f" Two-way clustered errors: table {key}_clustered."]
    notes.append(f"Flow source: {FLOW_SOURCE_TITLES[flow_source]}.")
    if flow_source == CENSUS_FLOWS:
        notes.append(
            "One flow year (2011), so no year effects; sending population of mid-2011 as "
            "exposure, covariates of 2010."
        )
    if flow_source == CENSUS_2021_FLOWS:
        notes.append(
            "One flow year (2021), so no year effects. Sending population and covariates of "
            "the nearest years the warehouse has (see fct_covariate_coverage); LA units of the "
            "current vintage (LAD25-H). 2021 is a pandemic year (lockdowns, students living "
            "away from term-time addresses): not a typical year of internal migration."
        )
    if spec.sample.pooled_countries:
        notes.append("Country effects (sending and receiving Wales) included in every model.")
    flagged = flagged_cells_note(estimates)
    if flagged:
        notes.append(flagged)
    title = _title(spec, estimator, flow_source)
    if clustered:
        key += "_clustered"
        title += ", two-way clustered standard errors"
    return PublicationTable(key, title, frame, spec.report_table, tuple(notes))


TRUNCATION_NOTE = (
    "Published flows have no zero rows, so the study's NB2 is fitted on pairs with moves only, "
    "which pulls estimates towards zero. The zero-truncated models (flows_ztnb2_*, "
    "flows_ztpoisson_*) condition on moves > 0 explicitly (log f(y) - log(1 - P(y = 0))) and "
    "so are free of that bias on the same rows; the zero-inclusive grid (flows_nb2_zeros_*) "
    "uses the pairs without moves too."
)


def publication_tables(
    spec: Specification, estimates: pd.DataFrame, estimator: str, flow_source: str = ONS_FLOWS
) -> list[PublicationTable]:
    """The study's table (HC0 errors) and its two-way clustered twin."""
    return [
        _table(spec, estimates, estimator, flow_source),
        _table(spec, estimates, estimator, flow_source, clustered=True),
    ]


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


RECOVERY_VARIANTS: dict[str, str] = {
    "flows_nb2_zeros": "full grid",
    "flows_nb2": "published rows",
    "flows_ztnb2": "zero-truncated, published rows",
}


def recovery_table(fits_by_variant: dict[str, list[ModelFit]], truth: dict) -> pd.DataFrame:
    """Planted vs estimated for the model-4 destination fits of the planted typology.

    With the sending type fixed, the destination model is the data-generating model up to the
    LA effects (which shift only the constant), so the NB2 fit on the full pair grid (zeros
    included) and the zero-truncated NB2 on the published rows must recover the planted
    values; the plain NB2 on published rows is pulled towards zero (distance above all).
    z-scores use the two-way clustered standard errors: the type effects and covariates vary
    by LA only and the LAs carry effects of their own, so HC0 errors are too small.
    """
    planted = _planted(truth)
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for variant, name in RECOVERY_VARIANTS.items():
        for item in fits_by_variant.get(variant, []):
            if item.spec.kind != "destinations":
                continue
            fit = item.fit
            clustered = (
                fit.std_errors_clustered
                if fit.std_errors_clustered is not None
                else np.full(len(fit.params), np.nan)
            )
            for j, (term, label) in enumerate(
                zip(item.design.terms, item.design.labels, strict=True)
            ):
                if term not in planted or not np.isfinite(clustered[j]):
                    continue
                z = (fit.params[j] - planted[term]) / clustered[j]
                row = rows.setdefault(
                    (str(item.spec.sending_category), term),
                    {
                        "Destinations from": item.spec.sending_category,
                        "Term": label,
                        "Planted": round(planted[term], 4),
                    },
                )
                row[f"Estimate ({name})"] = round(float(fit.params[j]), 4)
                row[f"Clustered SE ({name})"] = round(float(clustered[j]), 4)
                row[f"HC0 SE ({name})"] = round(float(fit.std_errors[j]), 4)
                row[f"z ({name})"] = round(float(z), 2)
                row[f"Within 3 SE ({name})"] = "yes" if abs(z) <= 3 else "NO"
    return pd.DataFrame(list(rows.values()))


#: Model-4 NB2 fits of the main analysis (without design matrices), by (run_id, spec name),
#: so that the robustness analysis of the same run reuses them instead of refitting.
_MAIN_FITS: dict[tuple[str, str], ModelFit] = {}


def run_flow_models(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """NB2 models 1-4 for every specification and typology, with tables and figures."""
    output = AnalysisOutput(name="flow_models")
    estimates = [empty_estimates()]
    for key in [k for k in _MAIN_FITS if k[0] != context.run_id]:
        del _MAIN_FITS[key]
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
            output.tables += publication_tables(spec, tidy, "NB2")
            _MAIN_FITS[(context.run_id, spec.name)] = fits[-1].light()
            output.notes += [m for f in fits for m in f.warnings]
            sample_fits += fits
        figure = coefficient_plot(sample, sample_fits, context.out_dir)
        if figure is not None:
            output.figures.append(figure)
    output.estimates = pd.concat(estimates, ignore_index=True)
    comparison = standard_error_comparison(output.estimates, context.out_dir)
    if comparison is not None:
        output.figures.append(comparison)
    return output


def census_sample(sample: Sample, year: int = CENSUS_YEAR) -> Sample | None:
    """The sample restricted to a census flow year. For 2011: None when the study's years
    exclude 2011. For 2021 (beyond every study sample): the sample's typology on 2021 flows."""
    first, last = sample.years
    if year == CENSUS_YEAR and not first <= year <= last:
        return None
    return replace(sample, years=(year, year))


def run_census_flow_models(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """NB2 models 1-4 of every specification on the Census 2011 flows, as separate analyses
    (`flows_nb2_census2011_<spec>`) under the same report tables as the ONS-flow models.

    The census is one flow year, so only samples whose years include 2011 run (ONS supergroups
    and IMD 2010); the hot/cold-spot sample (2017-2018) is reported as skipped.
    """
    return census_flow_models(con, CENSUS_FLOWS, "census_flow_models", context)[0]


def run_census2021_flow_models(
    con: duckdb.DuckDBPyConnection, context: RunContext
) -> AnalysisOutput:
    """The same NB2 models on the Census 2021 flows (`flows_nb2_census2021_<spec>`, same
    report-table numbers). They exist only on the current LA vintage (--vintage current)."""
    return census_flow_models(con, CENSUS_2021_FLOWS, "census2021_flow_models", context)[0]


def census_flow_models(
    con: duckdb.DuckDBPyConnection, flow_source: str, name: str, context: RunContext
) -> tuple[AnalysisOutput, dict[str, list[ModelFit]]]:
    """NB2 models 1-4 of every specification on one census's flows (and, in public mode,
    the reconciliation of its moves); the fits by typology."""
    year, label = CENSUSES[flow_source]
    census = f"Census {year} flows"
    output = AnalysisOutput(name=name)
    reconciliation = census_reconciliation(context.data_dir, year, f"flows_{label}_reconciliation")
    if reconciliation is not None:
        output.tables.append(reconciliation)
    fits_by_typology: dict[str, list[ModelFit]] = {}
    estimates = [empty_estimates()]
    for full_sample in SAMPLES:
        title = TYPOLOGY_TITLES[full_sample.typology]
        tables = _report_tables(full_sample)
        sample = census_sample(full_sample, year)
        if sample is None:
            output.skipped.append(
                f"{tables} on {census} ({title}): the study's sample is "
                f"{full_sample.years[0]}-{full_sample.years[1]}, which excludes the census "
                f"flow year {year}"
            )
            continue
        frame = load_sample(con, sample, flow_source=flow_source)
        if frame.empty:
            where = (
                "Census 2021 flows exist on the current LA vintage only (--source public "
                "--vintage current), and need the typology"
                if flow_source == CENSUS_2021_FLOWS
                else "census2011/census2011_la_od.csv has no rows for it"
            )
            output.skipped.append(
                f"{tables} on {census} ({title}): no census pair flows in the sample ({where})"
            )
            continue
        for spec in specifications(sample):
            models = identified_models(frame, spec, MODELS)
            if models != MODELS:
                unidentified = ", ".join(str(m) for m in MODELS if m not in models)
                n_las = specification_rows(frame, spec)["sending_la_code"].nunique()
                output.skipped.append(
                    f"Table {spec.report_table} ({census}, {spec.name}): model(s) "
                    f"{unidentified} not identified (one flow year, so the sending-LA "
                    f"covariates vary over only {n_las} sending LA(s))"
                )
            if not models:
                continue
            progress.expect(len(models))
            progress.describe(f"NB2 census 2011 {spec.name}")
            fits = fit_nested_models(frame, spec, fit_nb2, models)
            tidy = tidy_estimates(fits, f"flows_nb2_{label}_{spec.name}")
            estimates.append(tidy)
            output.tables += publication_tables(spec, tidy, "NB2", flow_source)
            output.notes += [m for f in fits for m in f.warnings]
            fits_by_typology.setdefault(sample.typology, []).extend(fits)
        output.notes.append(
            f"{tables} also estimated on {census} ({title}; analyses "
            f"flows_nb2_{label}_{sample.typology}_*; flow source: "
            f"{FLOW_SOURCE_TITLES[flow_source]})."
        )
    output.estimates = pd.concat(estimates, ignore_index=True)
    return output, fits_by_typology


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
        positive = observed if (observed["moves"] > 0).all() else observed[observed["moves"] > 0]
        comparison: dict[str, pd.DataFrame] = {}
        fits_by_variant: dict[str, list[ModelFit]] = {}
        progress.expect(len(list(specifications(sample))) * 4)
        for spec in specifications(sample):
            main = _MAIN_FITS.get((context.run_id, spec.name))
            if main is None:  # run on its own: fit the main model 4 once, here
                main = fit_nested_models(observed, spec, fit_nb2, (4,))[0]
                output.notes += list(main.warnings)
            refits = (
                ("PPML", "flows_ppml", observed, fit_poisson),
                ("NB2, zeros included", "flows_nb2_zeros", grid, fit_nb2),
                ("NB2, zero-truncated", "flows_ztnb2", positive, fit_ztnb2),
                ("Poisson, zero-truncated", "flows_ztpoisson", positive, fit_ztpoisson),
            )
            # A generator, and light fits kept: one design matrix in memory at a time.
            variants = itertools.chain(
                [("NB2", "flows_nb2", [main])],
                (
                    (label, prefix, fit_nested_models(rows, spec, est, (4,), start_from=main.fit))
                    for label, prefix, rows, est in refits
                ),
            )
            for label, prefix, fits in variants:
                progress.describe(f"{label} {spec.name}")
                fits_by_variant.setdefault(prefix, []).extend(f.light() for f in fits)
                tidy = tidy_estimates(fits, f"{prefix}_{spec.name}")
                if prefix != "flows_nb2":  # the main analysis already holds these
                    output.notes += [m for f in fits for m in f.warnings]
                    estimates.append(tidy)
                if spec.kind == "outflows":
                    comparison[label] = tidy.assign(model=label)
        if comparison:
            spec = Specification(sample, "outflows")
            compared = pd.concat(comparison.values())
            frame = regression_table(compared, _term_order(spec))
            flagged = flagged_cells_note(compared)
            output.tables.append(
                PublicationTable(
                    key=f"flows_robustness_{sample.typology}_outflows",
                    title=f"Robustness, model 4 outflows ({TYPOLOGY_TITLES[sample.typology]}): "
                    "NB2 on published rows, PPML, NB2 on the full pair grid with zeros, and "
                    "zero-truncated NB2 and Poisson on the published rows",
                    frame=frame,
                    notes=(
                        "Robust (sandwich, HC0) standard errors in parentheses, as in the study.",
                        TRUNCATION_NOTE,
                        *([flagged] if flagged else []),
                    ),
                )
            )
        if truth and truth.get("typology") == sample.typology:
            recovery = recovery_table(fits_by_variant, truth)
            within = {
                name: (recovery[f"Within 3 SE ({name})"] == "yes").mean()
                for name in RECOVERY_VARIANTS.values()
                if f"Within 3 SE ({name})" in recovery
            }
            output.tables.append(
                PublicationTable(
                    key="flows_planted_vs_estimated",
                    title="Synthetic data: planted vs estimated coefficients, NB2 destination "
                    "models (model 4) of the planted typology",
                    frame=recovery,
                    notes=(
                        "Share of planted coefficients within 3 two-way clustered standard "
                        "errors: "
                        + "; ".join(f"{name} {share:.1%}" for name, share in within.items())
                        + f" (of {len(recovery)}). Planted values from truth.json.",
                        TRUNCATION_NOTE,
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
