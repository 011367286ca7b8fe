"""Synthetic area data: population by sex and single year of age, typologies and covariates.

Everything hangs off a few latent traits per LA (urbanity, affluence, a student town flag),
so that typologies and covariates are correlated as they are in the real data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility.vocabulary import INDICATORS, SUPERGROUPS

AGES = np.arange(91)  # 90 means 90 and over, as ONS publishes


@dataclass(frozen=True)
class Areas:
    """Latent traits and everything derived from them, keyed by la_code."""

    traits: pd.DataFrame
    population: pd.DataFrame  # la_code, year, sex (1 male, 2 female), age, population
    covariates: pd.DataFrame  # la_code, year, indicator, value
    supergroups: pd.Series  # la_code -> supergroup name
    smi_score: pd.Series  # la_code -> score (England only)
    imd_score: pd.Series  # la_code -> average score (England only)


def latent_traits(rng: np.random.Generator, las: pd.DataFrame) -> pd.DataFrame:
    """Urbanity, affluence and student-town traits per LA."""
    region = las["region_name"]
    london = region.eq("London").to_numpy()
    richer = region.isin(["London", "South East", "East of England"]).to_numpy()
    poorer = region.isin(["North East", "North West", "Wales"]).to_numpy()
    n = len(las)
    urbanity = rng.normal(0.0, 0.8, n) + 1.2 * las["is_metropolitan"].to_numpy() + 0.8 * london
    affluence = rng.normal(0.0, 0.8, n) + 0.5 * richer - 0.4 * poorer
    student = rng.random(n) < 0.12
    return pd.DataFrame(
        {
            "la_code": las["la_code"].to_numpy(),
            "urbanity": urbanity,
            "affluence": affluence,
            "student_town": student,
            "london": london,
            "wales": las["country_name"].eq("Wales").to_numpy(),
            "poorer_region": poorer,
        }
    )


def _age_profile(youth: float, old: float) -> np.ndarray:
    base = np.where(AGES < 55, 1.0, np.exp(-(AGES - 55) / 16.0))
    base[90] = base[89] * 4.0  # the open-ended 90+ group
    bump = np.exp(-0.5 * ((AGES - 23) / 5.0) ** 2)
    profile = base * (1 + youth * bump) * np.where(AGES >= 65, 1 + old, 1.0)
    return profile / profile.sum()


def generate_population(
    rng: np.random.Generator, traits: pd.DataFrame, years: range
) -> pd.DataFrame:
    """Mid-year population by LA, sex and single year of age, integer counts."""
    n = len(traits)
    size = np.exp(rng.normal(np.log(150_000), 0.45, n)) * np.where(traits["london"], 1.7, 1.0)
    growth = rng.normal(0.006, 0.004, n)
    youth = 0.25 * traits["urbanity"].clip(lower=0).to_numpy() + 1.5 * traits["student_town"]
    old = np.clip(0.25 - 0.15 * traits["urbanity"].to_numpy() + rng.normal(0, 0.1, n), 0.0, None)
    male_share = 0.5 - 0.06 * np.clip((AGES - 60) / 30, 0, 1)
    frames = []
    for offset, year in enumerate(years):
        totals = size * (1 + growth) ** offset
        for i in range(n):
            ages = totals[i] * _age_profile(youth[i], old[i] + 0.01 * offset)
            for sex, share in ((1, male_share), (2, 1 - male_share)):
                frames.append(
                    pd.DataFrame(
                        {
                            "la_code": traits["la_code"].iat[i],
                            "year": year,
                            "sex": sex,
                            "age": AGES,
                            "population": np.rint(ages * share).astype("int64"),
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)


def generate_covariates(
    rng: np.random.Generator, traits: pd.DataFrame, years: range
) -> pd.DataFrame:
    """Published-style LA indicators per year, in their own units (percent, pounds)."""
    n = len(traits)
    u, a = traits["urbanity"].to_numpy(), traits["affluence"].to_numpy()
    london = traits["london"].to_numpy()
    # UK unemployment rate by calendar year, 2000-2019 (LFS, rounded): the cycle of the series.
    national_unemployment = dict(
        zip(
            range(2000, 2020),
            (
                5.4,
                5.1,
                5.2,
                5.0,
                4.8,
                4.8,
                5.4,
                5.3,
                5.7,
                7.6,
                7.9,
                8.1,
                8.0,
                7.6,
                6.2,
                5.4,
                4.9,
                4.4,
                4.1,
                3.8,
            ),
            strict=True,
        )
    )
    base_unemp = np.clip(5.5 - 1.8 * a + 0.6 * u + rng.normal(0, 0.8, n), 2.0, 14.0)
    base_gva = 22_000 * np.exp(0.30 * a + 0.15 * u + 0.45 * london + rng.normal(0, 0.12, n))
    base_price = 170_000 * np.exp(0.40 * a + 0.9 * london + rng.normal(0, 0.15, n))
    base_tfr = 1.85 - 0.12 * traits["student_town"].to_numpy() + rng.normal(0, 0.09, n)
    base_foreign = np.clip(7.0 * np.exp(0.6 * u + 1.1 * london + rng.normal(0, 0.3, n)), 1, 60)
    base_professional = np.clip(40 + 6 * a + 3 * u + 6 * london + rng.normal(0, 3, n), 20, 75)
    rows = []
    for year in years:
        k = year - 2010
        cycle = national_unemployment[year] / 8.0
        values = {
            "unemployment_rate": base_unemp * cycle * np.exp(rng.normal(0, 0.06, n)),
            "gva_per_head_real": base_gva * 1.012**k * np.exp(rng.normal(0, 0.02, n)),
            "mean_house_price": base_price * 1.035**k * np.exp(rng.normal(0, 0.03, n)),
            "total_fertility_rate": base_tfr - 0.015 * k + rng.normal(0, 0.03, n),
            "non_uk_born_pct": np.clip(
                base_foreign + 0.3 * k + rng.normal(0, 0.4, n).clip(-0.5, 0.5), 0.5, 80
            ),
            "professional_share_pct": np.clip(
                base_professional + 0.25 * k + rng.normal(0, 0.8, n), 10, 85
            ),
        }
        for indicator in INDICATORS:
            decimals = 0 if indicator in ("gva_per_head_real", "mean_house_price") else 2
            rows.append(
                pd.DataFrame(
                    {
                        "la_code": traits["la_code"].to_numpy(),
                        "year": year,
                        "indicator": indicator,
                        "value": np.round(values[indicator], decimals),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def assign_supergroups(rng: np.random.Generator, traits: pd.DataFrame, minimum: int) -> pd.Series:
    """ONS 2011 supergroup per LA: a noisy argmax of trait scores, every group populated."""
    u, a = traits["urbanity"].to_numpy(), traits["affluence"].to_numpy()
    london, wales = traits["london"].to_numpy(), traits["wales"].to_numpy()
    student = traits["student_town"].to_numpy().astype(float)
    scores = np.column_stack(
        [
            1.0 + 1.2 * a - 0.5 * u - 3.0 * wales,
            0.2 + 2.5 * student,
            0.8 - 1.2 * u,
            0.3 + 0.6 * u + 0.8 * london,
            np.where(london, 1.6 + 0.8 * u, -9.0),
            0.6 - 1.2 * a + 0.6 * traits["poorer_region"].to_numpy(),
            0.9 + 0.0 * u,
            0.7 + 0.4 * u - 0.3 * a,
        ]
    ) + rng.normal(0, 0.5, (len(traits), len(SUPERGROUPS)))
    scores[london, 2] = -9.0  # no countryside in London
    choice = scores.argmax(axis=1)
    for group in range(len(SUPERGROUPS)):
        while (choice == group).sum() < minimum:
            counts = np.bincount(choice, minlength=len(SUPERGROUPS))
            donors = np.flatnonzero(counts[choice] > minimum)
            best = donors[np.argmax(scores[donors, group] - scores[donors, choice[donors]])]
            choice[best] = group
    return pd.Series([SUPERGROUPS[g] for g in choice], index=traits["la_code"].to_numpy())


def england_scores(rng: np.random.Generator, traits: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Social Mobility Index 2017 score and IMD 2010 average score, England only."""
    england = traits.loc[~traits["wales"]]
    a, u = england["affluence"].to_numpy(), england["urbanity"].to_numpy()
    smi = pd.Series(
        np.round(50 + 12 * a + 3 * u + rng.normal(0, 6, len(england)), 2),
        index=england["la_code"].to_numpy(),
    )
    imd = pd.Series(
        np.round(np.clip(21 - 5.5 * a + 2.5 * u + rng.normal(0, 3, len(england)), 4, 48), 2),
        index=england["la_code"].to_numpy(),
    )
    return smi, imd


def generate_areas(
    rng: np.random.Generator,
    las: pd.DataFrame,
    population_years: range,
    indicator_years: range,
    scale: str,
) -> Areas:
    traits = latent_traits(rng, las)
    population = generate_population(rng, traits, population_years)
    covariates = generate_covariates(rng, traits, indicator_years)
    supergroups = assign_supergroups(rng, traits, minimum=12 if scale == "full" else 2)
    smi, imd = england_scores(rng, traits)
    return Areas(traits, population, covariates, supergroups, smi, imd)
