"""Synthetic LA-to-LA moves drawn from a negative binomial model with known coefficients.

The pair-year total is NB2 with the sending population as exposure and with a sending and a
receiving LA random effect (normal, SD LA_EFFECT_SD each, fixed over the years), so pair-years
of one LA are correlated as real flows are and only LA-clustered errors are honest for the
LA-level regressors; it is then split across
sex and single year of age with a migration age schedule, and scaled by a per-LA factor close
to one so that moves are fractional, as ONS publishes them. The true values are returned so
they can be written beside the data for tests to check what the models recover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility.generate.areas import AGES
from mobility.generate.geography import distance_miles
from mobility.vocabulary import SUPERGROUPS

REFERENCE_SUPERGROUP = SUPERGROUPS[0]
SENDING_EFFECTS = dict(
    zip(SUPERGROUPS, (0.0, 0.30, -0.10, 0.15, 0.35, -0.20, -0.05, 0.05), strict=True)
)
RECEIVING_EFFECTS = dict(
    zip(SUPERGROUPS, (0.0, 0.40, -0.15, 0.10, 0.30, -0.25, 0.00, -0.10), strict=True)
)
COEFFICIENTS: dict[str, float] = {
    "shared_border": 0.6,
    "log_distance": -0.9,
    "sending_log_share_aged_15_29": 0.8,
    "sending_dependency_ratio": -0.6,
    "sending_total_fertility_rate": -0.2,
    "sending_non_uk_born_share": 0.5,
    "sending_unemployment_rate": 0.03,
    "receiving_unemployment_rate": -0.04,
    "sending_log_gva_per_head": -0.2,
    "receiving_log_gva_per_head": 0.3,
    "sending_log_mean_house_price": 0.25,
    "receiving_log_mean_house_price": -0.35,
}
SENDING_WALES_EFFECT = -0.15
ALPHA = 0.3
#: SD of the sending-LA and of the receiving-LA random effect on the log mean (each).
LA_EFFECT_SD = 0.3
OUTFLOW_RATE = 0.05  # share of residents moving to another LA in a year, as in E&W
#: LAs in England and Wales at full scale: the outflow rate is calibrated as if an LA had this
#: many destinations, so every scale has the per-pair flow sizes (and the unpublished, zero
#: pairs) of the real table; at full scale the rate is OUTFLOW_RATE itself.
PAIR_SIZE_LAS = 339
FRACTIONAL_SCALE = (0.99, 1.01)


@dataclass(frozen=True)
class FlowDraw:
    """One year's moves in the published long layout, plus the pair totals before splitting."""

    year: int
    moves: pd.DataFrame  # OutLA, InLA, Age, Sex, Moves


def la_year_regressors(population: pd.DataFrame, covariates: pd.DataFrame) -> pd.DataFrame:
    """The LA-year regressors in model units, computed as the warehouse computes them."""
    pop = population.assign(
        young=population["age"].between(15, 29) * population["population"],
        working=population["age"].between(18, 64) * population["population"],
        older=(population["age"] >= 65) * population["population"],
    )
    demo = pop.groupby(["la_code", "year"])[["population", "young", "working", "older"]].sum()
    wide = covariates.pivot_table(
        index=["la_code", "year"], columns="indicator", values="value", aggfunc="first"
    )
    out = pd.DataFrame(
        {
            "population": demo["population"],
            "log_share_aged_15_29": np.log(demo["young"] / demo["population"]),
            "dependency_ratio": demo["older"] / demo["working"],
            "total_fertility_rate": wide["total_fertility_rate"],
            "non_uk_born_share": wide["non_uk_born_pct"] / 100.0,
            "unemployment_rate": wide["unemployment_rate"],
            "log_gva_per_head": np.log(wide["gva_per_head_real"]),
            "log_mean_house_price": np.log(wide["mean_house_price"]),
        }
    )
    return out.reset_index()


def migration_age_schedule() -> np.ndarray:
    """Relative propensity to move by single year of age (peak in the early twenties)."""
    child = 0.6 * np.exp(-AGES / 12.0)
    labour = 2.6 * np.exp(-0.5 * ((AGES - 21.5) / 3.5) ** 2) + 1.1 * np.exp(
        -0.5 * ((AGES - 29) / 8.0) ** 2
    )
    return 0.25 + child + labour + 0.15 * np.exp(-0.5 * ((AGES - 80) / 8.0) ** 2)


def draw_flows(
    rng: np.random.Generator,
    las: pd.DataFrame,
    borders: pd.DataFrame,
    supergroups: pd.Series,
    population: pd.DataFrame,
    covariates: pd.DataFrame,
    flow_years: range,
) -> tuple[list[FlowDraw], dict[str, object]]:
    """Draw every flow year and return the draws with the planted truth."""
    codes = las["la_code"].to_numpy()
    n = len(codes)
    send_idx, recv_idx = np.nonzero(~np.eye(n, dtype=bool))
    lat, lon = las["lat"].to_numpy(), las["long"].to_numpy()
    log_distance = np.log(
        distance_miles(lat[send_idx], lon[send_idx], lat[recv_idx], lon[recv_idx])
    )
    border_set = set(zip(borders["la_code"], borders["neighbour_code"], strict=True))
    border = np.array(
        [(codes[i], codes[j]) in border_set for i, j in zip(send_idx, recv_idx, strict=True)],
        dtype=float,
    )
    groups = supergroups.reindex(codes).to_numpy()
    typology_term = (
        np.array([SENDING_EFFECTS[g] for g in groups])[send_idx]
        + np.array([RECEIVING_EFFECTS[g] for g in groups])[recv_idx]
    )
    wales = las["country_name"].eq("Wales").to_numpy()
    regressors = la_year_regressors(population, covariates).set_index(["la_code", "year"])
    year_effects = {year: round(float(rng.normal(0, 0.05)), 4) for year in flow_years}
    first_year = min(flow_years)
    year_effects[first_year] = 0.0  # reference year
    sending_la_effect = rng.normal(0.0, LA_EFFECT_SD, n)
    receiving_la_effect = rng.normal(0.0, LA_EFFECT_SD, n)
    la_term = sending_la_effect[send_idx] + receiving_la_effect[recv_idx]
    outflow_rate = OUTFLOW_RATE * (n - 1) / (max(PAIR_SIZE_LAS, n) - 1)

    schedule = migration_age_schedule()
    draws: list[FlowDraw] = []
    intercept: float | None = None
    for year in flow_years:
        lagged = regressors.xs(year - 1, level="year").reindex(codes)
        current = regressors.xs(year, level="year").reindex(codes)
        eta = (
            typology_term
            + la_term
            + COEFFICIENTS["shared_border"] * border
            + COEFFICIENTS["log_distance"] * log_distance
            + SENDING_WALES_EFFECT * wales[send_idx]
            + year_effects[year]
        )
        for name, beta in COEFFICIENTS.items():
            end, _, variable = name.partition("_")
            if end == "sending":
                eta = eta + beta * lagged[variable].to_numpy()[send_idx]
            elif end == "receiving":
                eta = eta + beta * lagged[variable].to_numpy()[recv_idx]
        exposure = current["population"].to_numpy()[send_idx]
        if intercept is None:  # calibrate once so the first year's outflow rate is realistic
            outflow = np.bincount(send_idx, weights=np.exp(eta), minlength=n)
            intercept = float(np.log(outflow_rate) - np.log(outflow.mean()))
        mu = exposure * np.exp(intercept + eta)
        totals = rng.poisson(mu * rng.gamma(1.0 / ALPHA, ALPHA, size=mu.shape))
        draws.append(
            FlowDraw(
                year,
                _split_by_age_and_sex(
                    rng, codes, send_idx, recv_idx, totals, population, year, schedule
                ),
            )
        )
    truth: dict[str, object] = {
        "description": (
            "Pair-year total moves ~ NB2(mean = sending population (same year) x "
            "exp(linear predictor + sending LA effect + receiving LA effect)), covariates "
            "lagged one year, LA effects N(0, la_effect_sd^2) each and fixed over the years "
            "(they shift only the constant on average, and make pair-years of one LA "
            "correlated), then split by sex and age and scaled by a per sending LA-year "
            "factor drawn from U(0.99, 1.01). The intercept sets the first year's outflow rate "
            "to outflow_rate, the national rate scaled to the number of LAs so that pairs have "
            "full-scale sizes."
        ),
        "typology": "ons_supergroup",
        "reference_category": REFERENCE_SUPERGROUP,
        "sending_type_effects": SENDING_EFFECTS,
        "receiving_type_effects": RECEIVING_EFFECTS,
        "coefficients": COEFFICIENTS,
        "sending_country_effects": {"England": 0.0, "Wales": SENDING_WALES_EFFECT},
        "year_effects": {str(y): v for y, v in year_effects.items()},
        "intercept": intercept,
        "alpha": ALPHA,
        "la_effect_sd": {"sending": LA_EFFECT_SD, "receiving": LA_EFFECT_SD},
        "la_effects": {
            str(code): {"sending": round(float(u), 6), "receiving": round(float(v), 6)}
            for code, u, v in zip(codes, sending_la_effect, receiving_la_effect, strict=True)
        },
        "outflow_rate": outflow_rate,
        "fractional_scale": list(FRACTIONAL_SCALE),
        "other_typologies": (
            "Social Mobility Index 2017 and IMD 2010 carry no direct effect: they act only "
            "through their correlation with the supergroups and covariates."
        ),
    }
    return draws, truth


def _split_by_age_and_sex(
    rng: np.random.Generator,
    codes: np.ndarray,
    send_idx: np.ndarray,
    recv_idx: np.ndarray,
    totals: np.ndarray,
    population: pd.DataFrame,
    year: int,
    schedule: np.ndarray,
) -> pd.DataFrame:
    pop = population.loc[population["year"] == year]
    grid = (
        pop.pivot_table(index="la_code", columns=["sex", "age"], values="population")
        .reindex(codes)
        .to_numpy(dtype=float)
    )  # LA x (sex 1 ages 0..90, sex 2 ages 0..90)
    weights = grid * np.tile(schedule, 2)
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    positive = np.flatnonzero(totals > 0)
    counts = rng.multinomial(totals[positive], probabilities[send_idx[positive]])
    pair_row, cell = np.nonzero(counts)
    scale = rng.uniform(*FRACTIONAL_SCALE, size=len(codes))
    out_idx = send_idx[positive][pair_row]
    moves = np.round(counts[pair_row, cell] * scale[out_idx], 4)
    n_ages = len(AGES)
    return pd.DataFrame(
        {
            "OutLA": codes[out_idx],
            "InLA": codes[recv_idx[positive][pair_row]],
            "Age": AGES[cell % n_ages],
            "Sex": np.where(cell < n_ages, "M", "F"),
            "Moves": moves,
        }
    )
