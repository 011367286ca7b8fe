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
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from analysis.estimators.count_models import CountFit, fit_nb2
from analysis.estimators.truncated_counts import fit_ztnb2
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
            receiving_la_code,
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
    reference_empty: bool = False  # the reference category has no moves (see reference_is_empty)

    def light(self) -> ModelFit:
        """The same fit without its design matrix (kept in memory for reuse, not refitting)."""
        design = Design(
            np.empty((0, len(self.design.terms))), self.design.terms, self.design.labels
        )
        return replace(self, design=design)


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


def reference_is_empty(subset: pd.DataFrame, spec: Specification) -> bool:
    """True when no row of the reference category has a move: its rate is 0, so the intercept
    heads to -inf and every type effect (a contrast with it) to +inf; none is an estimate."""
    reference = subset[f"{spec.end}_type"] == spec.sample.reference
    return not bool(subset.loc[reference, "moves"].sum() > 0)


def clusters_of(subset: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sending and receiving LA of each row: the two-way clustering of every strand-A fit."""
    return (
        pd.factorize(subset["sending_la_code"])[0],
        pd.factorize(subset["receiving_la_code"])[0],
    )


def fit_nested_models(
    frame: pd.DataFrame,
    spec: Specification,
    estimator: Estimator,
    models: tuple[int, ...],
    start_from: CountFit | None = None,
) -> list[ModelFit]:
    """Fit the nested models in order, each starting from the previous solution.

    ``start_from`` (e.g. the main NB2 fit when a robustness variant refits the same model)
    warm-starts the first model. A previous alpha is passed on only when positive: a model that
    ended at the Poisson boundary (alpha = 0) must not stop the next one.
    """
    subset = specification_rows(frame, spec)
    y = subset["moves"].to_numpy(dtype=float)
    offset = subset["log_exposure"].to_numpy(dtype=float)
    clusters = clusters_of(subset)
    empty_reference = reference_is_empty(subset, spec)
    results: list[ModelFit] = []
    previous = start_from
    for model in models:
        design = design_matrix(subset, spec, model)
        kwargs: dict[str, object] = {}
        if previous is not None and all(np.isfinite(previous.params)):
            start = np.zeros(len(design.terms))
            n_start = min(len(previous.params), len(start))
            start[:n_start] = previous.params[:n_start]
            kwargs["start"] = start
            alpha = previous.alpha
            with_alpha = estimator in (fit_nb2, fit_ztnb2)
            if with_alpha and alpha is not None and np.isfinite(alpha) and alpha > 0:
                kwargs["start_alpha"] = alpha
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = estimator(design.X, y, design.terms, offset=offset, clusters=clusters, **kwargs)
        messages = tuple(f"{spec.name}, model {model}: {w.message}" for w in caught)
        if empty_reference:
            messages += (
                f"{spec.name}, model {model}: the reference category "
                f"({spec.sample.reference}) has no moves, so the constant and the type effects "
                "are not estimable; flagged 'reference category empty'",
            )
        results.append(ModelFit(spec, model, design, fit, messages, empty_reference))
        previous = fit
    return results


#: Values of results.estimates.flag (null when the estimate is fine).
FLAG_NOT_CONVERGED = "not converged"
FLAG_REFERENCE_EMPTY = "reference category empty"
FLAG_CATEGORY_EMPTY = "category empty"
FLAG_DIVERGING = "diverging"
FLAG_ALPHA_AT_ZERO = "alpha at zero"


def row_flag(item: ModelFit, term: str, estimate: float, std_error: float) -> str | None:
    """Why an estimate row must not be read as an estimate (None when it can)."""
    if item.reference_empty and (term == "const" or term.startswith(f"{item.spec.end}_type[")):
        return FLAG_REFERENCE_EMPTY  # the cause; such fits often fail to converge too
    if not item.fit.converged:
        return FLAG_NOT_CONVERGED
    if term == "alpha":
        return FLAG_ALPHA_AT_ZERO if estimate == 0.0 else None
    if np.isneginf(estimate):
        return FLAG_CATEGORY_EMPTY
    if not np.isfinite(std_error):
        return FLAG_DIVERGING
    return None


def tidy_estimates(fits: list[ModelFit], analysis: str) -> pd.DataFrame:
    """results.estimates rows (without run_id/data_source) for a list of fits.

    ``std_error``/``p_value`` are the study's HC0 ones; ``std_error_clustered``/
    ``p_value_clustered`` are two-way clustered by sending and receiving LA.
    """
    rows = []
    for item in fits:
        fit = item.fit
        k = len(fit.params)
        nan = np.full(k, np.nan)
        se_cl = nan if fit.std_errors_clustered is None else fit.std_errors_clustered
        p_cl = nan if fit.p_values_clustered is None else fit.p_values_clustered
        for j, (term, label) in enumerate(zip(item.design.terms, item.design.labels, strict=True)):
            rows.append(
                (term, label, fit.params[j], fit.std_errors[j], fit.p_values[j], se_cl[j], p_cl[j])
                + (item,)
            )
        if fit.alpha is not None:
            alpha_cl = fit.alpha_std_error_clustered
            rows.append(
                (
                    "alpha",
                    "Dispersion (alpha)",
                    fit.alpha,
                    fit.alpha_std_error,
                    np.nan,
                    np.nan if alpha_cl is None else alpha_cl,
                    np.nan,
                    item,
                )
            )
    return pd.DataFrame(
        {
            "analysis": analysis,
            "report_table": [r[7].spec.report_table for r in rows],
            "model": [str(r[7].model) for r in rows],
            "term": [r[0] for r in rows],
            "label": [r[1] for r in rows],
            "estimate": [r[2] for r in rows],
            "std_error": [r[3] for r in rows],
            "p_value": [r[4] for r in rows],
            "n_obs": [r[7].fit.nobs for r in rows],
            "std_error_clustered": [r[5] for r in rows],
            "p_value_clustered": [r[6] for r in rows],
            "converged": [bool(r[7].fit.converged) for r in rows],
            "flag": [row_flag(r[7], r[0], r[2], r[3]) for r in rows],
        }
    )
