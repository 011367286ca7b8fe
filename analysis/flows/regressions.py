"""Strand A regressions: NB2 (and PPML) models of LA-pair moves, outflow and destination
specifications, four nested models per specification, for the three typologies.

Data access (`load_sample`) and design building (`design_matrix`) are kept apart from the
estimator (analysis.estimators.count_models) and from table rendering (analysis.tables).
Published moves are fractional; they enter the NB2 quasi-likelihood as they are (gammaln of
continuous counts), which keeps the estimating equations unbiased for the mean, rather than
rounding, which would distort small flows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis.estimators.count_models import CountFit, fit_nb2
from analysis.flows.specifications import MODEL_BLOCKS, Sample, slug, type_label, type_term

Estimator = Callable[..., CountFit]

# Flow sources and the mart each lives in. The ONS detailed estimates are the default of every
# strand-A analysis; Census 2011 flows (one flow year, 2011) are a separate analysis, kept in a
# mart of their own so that summing fct_la_pair_flows by year never counts 2011 twice.
ONS_FLOWS = "ons_detailed_estimates"
CENSUS_FLOWS = "census_2011"
CENSUS_2021_FLOWS = "census_2021"  # on the current LA vintage only (docs/public_data.md)
FLOW_TABLES: dict[str, str] = {
    ONS_FLOWS: "marts.fct_la_pair_flows",
    CENSUS_FLOWS: "marts.fct_census_la_pair_flows",
    CENSUS_2021_FLOWS: "marts.fct_census_la_pair_flows",
}


@dataclass(frozen=True)
class Specification:
    """One regression family: outflows, or destinations from one sending category."""

    sample: Sample
    kind: str  # "outflows" or "destinations"
    sending_category: str | None = None

    @property
    def report_table(self) -> int | None:
        if self.kind == "outflows":
            return self.sample.outflow_table
        index = self.sample.categories.index(self.sending_category)
        return self.sample.destination_tables[index]

    @property
    def name(self) -> str:
        if self.kind == "outflows":
            return f"{self.sample.typology}_outflows"
        return f"{self.sample.typology}_destinations_from_{slug(self.sending_category or '')}"

    @property
    def end(self) -> str:
        """Which end's type is the regressor of interest."""
        return "sending" if self.kind == "outflows" else "receiving"


def specifications(sample: Sample) -> Iterator[Specification]:
    yield Specification(sample, "outflows")
    for category in sample.categories:
        yield Specification(sample, "destinations", category)


def load_sample(
    con: duckdb.DuckDBPyConnection,
    sample: Sample,
    zero_inclusive: bool = False,
    flow_source: str = ONS_FLOWS,
) -> pd.DataFrame:
    """The pair-year rows of a sample with model-ready columns (logs taken, lags applied),
    from one flow source (ONS detailed estimates unless asked otherwise)."""
    table = FLOW_TABLES[flow_source]
    countries = ", ".join(f"'{c}'" for c in sample.countries)
    observed = "" if zero_inclusive else "and has_observed_moves"
    return con.execute(
        f"""
        select
            year,
            sending_la_code,
            moves,
            ln(sending_population) as log_exposure,
            shares_border,
            log_distance,
            sending_country,
            receiving_country,
            sending_{sample.column} as sending_type,
            receiving_{sample.column} as receiving_type,
            ln(sending_share_aged_15_29_lag1) as sending_log_share_aged_15_29,
            sending_dependency_ratio_lag1 as sending_dependency_ratio,
            sending_non_uk_born_share_lag1 as sending_non_uk_born_share,
            sending_total_fertility_rate_lag1 as sending_total_fertility_rate,
            sending_unemployment_rate_lag1 as sending_unemployment_rate,
            receiving_unemployment_rate_lag1 as receiving_unemployment_rate,
            ln(sending_gva_per_head_real_lag1) as sending_log_gva_per_head,
            ln(receiving_gva_per_head_real_lag1) as receiving_log_gva_per_head,
            ln(sending_mean_house_price_lag1) as sending_log_mean_house_price,
            ln(receiving_mean_house_price_lag1) as receiving_log_mean_house_price
        from {table}
        where year between {sample.years[0]} and {sample.years[1]}
            and sending_country in ({countries})
            and receiving_country in ({countries})
            and sending_{sample.column} is not null
            and receiving_{sample.column} is not null
            {observed}
        order by year, sending_la_code, receiving_la_code  -- same sums, same estimates, every run
        """
    ).df()


@dataclass(frozen=True)
class Design:
    X: np.ndarray
    terms: tuple[str, ...]
    labels: tuple[str, ...]


def design_matrix(frame: pd.DataFrame, spec: Specification, model: int) -> Design:
    """Columns in a fixed order (constant, type dummies, years, countries, then the model's
    blocks) so that each nested model extends the previous one and can start from it."""
    columns: list[np.ndarray] = [np.ones(len(frame))]
    terms, labels = ["const"], ["Constant"]
    type_column = frame[f"{spec.end}_type"]
    for category in spec.sample.categories[1:]:
        columns.append((type_column == category).to_numpy(dtype=float))
        terms.append(type_term(spec.end, category))
        labels.append(type_label(spec.end, category, spec.sample.typology))
    years = sorted(frame["year"].unique())
    for year in years[1:]:
        columns.append((frame["year"] == year).to_numpy(dtype=float))
        terms.append(f"year[{year}]")
        labels.append(f"Year {year}")
    if spec.sample.pooled_countries:
        for end in ("sending", "receiving"):
            wales = (frame[f"{end}_country"] == "Wales").to_numpy(dtype=float)
            if 0 < wales.sum() < len(wales):  # absent when a subsample is all one country
                columns.append(wales)
                terms.append(f"{end}_wales")
                labels.append(f"{end.capitalize()}: Wales")
    for block in MODEL_BLOCKS[model]:
        for column, label in block.items():
            columns.append(frame[column].to_numpy(dtype=float))
            terms.append(column)
            labels.append(label)
    return Design(np.column_stack(columns), tuple(terms), tuple(labels))


@dataclass(frozen=True)
class ModelFit:
    spec: Specification
    model: int
    design: Design
    fit: CountFit
    warnings: tuple[str, ...]


def specification_rows(frame: pd.DataFrame, spec: Specification) -> pd.DataFrame:
    """The rows a specification is estimated on (destinations: one sending type only)."""
    if spec.kind == "destinations":
        return frame[frame["sending_type"] == spec.sending_category]
    return frame


def identified_models(
    frame: pd.DataFrame, spec: Specification, models: tuple[int, ...]
) -> tuple[int, ...]:
    """The leading nested models whose design has full column rank on the spec's rows.

    With a single flow year (Census 2011) the sending-end covariates vary only between
    sending LAs, so a destination model for a type with few LAs cannot identify them all;
    the models are nested, so once one is rank deficient every later one is too.
    """
    subset = specification_rows(frame, spec)
    identified: list[int] = []
    for model in models:
        X = design_matrix(subset, spec, model).X
        if len(subset) <= X.shape[1] or np.linalg.matrix_rank(X) < X.shape[1]:
            break
        identified.append(model)
    return tuple(identified)


def fit_nested_models(
    frame: pd.DataFrame, spec: Specification, estimator: Estimator, models: tuple[int, ...]
) -> list[ModelFit]:
    """Fit the nested models in order, each starting from the previous solution."""
    subset = specification_rows(frame, spec)
    y = subset["moves"].to_numpy(dtype=float)
    offset = subset["log_exposure"].to_numpy(dtype=float)
    results: list[ModelFit] = []
    previous: CountFit | None = None
    for model in models:
        design = design_matrix(subset, spec, model)
        kwargs: dict[str, object] = {}
        if previous is not None and all(np.isfinite(previous.params)):
            start = np.zeros(len(design.terms))
            start[: len(previous.params)] = previous.params
            kwargs["start"] = start
            if previous.alpha is not None and estimator is fit_nb2:
                kwargs["start_alpha"] = previous.alpha
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = estimator(design.X, y, design.terms, offset=offset, **kwargs)
        messages = tuple(f"{spec.name}, model {model}: {w.message}" for w in caught)
        results.append(ModelFit(spec, model, design, fit, messages))
        previous = fit
    return results


def tidy_estimates(fits: list[ModelFit], analysis: str) -> pd.DataFrame:
    """results.estimates rows (without run_id/data_source) for a list of fits."""
    rows = []
    for item in fits:
        for term, label, estimate, std_error, p_value in zip(
            item.design.terms,
            item.design.labels,
            item.fit.params,
            item.fit.std_errors,
            item.fit.p_values,
            strict=True,
        ):
            rows.append((term, label, estimate, std_error, p_value, item))
        if item.fit.alpha is not None:
            rows.append(
                (
                    "alpha",
                    "Dispersion (alpha)",
                    item.fit.alpha,
                    item.fit.alpha_std_error,
                    np.nan,
                    item,
                )
            )
    return pd.DataFrame(
        {
            "analysis": analysis,
            "report_table": [r[5].spec.report_table for r in rows],
            "model": [str(r[5].model) for r in rows],
            "term": [r[0] for r in rows],
            "label": [r[1] for r in rows],
            "estimate": [r[2] for r in rows],
            "std_error": [r[3] for r in rows],
            "p_value": [r[4] for r in rows],
            "n_obs": [r[5].fit.nobs for r in rows],
        }
    )
