"""Synthetic twin of an ONS Longitudinal Study (LS) extract, with planted mover effects.

Accredited researchers run the pipeline on a real extract inside the ONS secure environment;
here the same dbt models and analysis run on this twin. Layout (docs/ls.md):

- `ons_ls/ls_census_<year>.csv`, one file per census 1971-2011, one row per study member
  enumerated at that census (LS-style numeric codes; -9 = not asked at that census,
  -8 = not applicable). Parents' member ids are filled on the record of the census at which
  the member was a child (10-16) living with them.
- `ons_ls/ls_regional_indicators.csv`: per census and region (GOR), the percentage of jobs
  that are professional and technical, the unemployment rate (%) and the population.
- `ons_ls/truth.json`: the planted coefficients, region and year effects, and the average
  mover contrasts they imply for the analysis sample (children from the most deprived
  quintile of regions). The true model holds every mover interaction at once; the study fits
  one per regression, so the planted-effect check uses the study's estimand, computed from
  these coefficients on the analysis rows (`analysis/ls/planted.py`).

The outcome equations are probits in exactly the covariates of model 3 plus mover x
characteristic terms, and moving is selected on observables only (degree, parent class, sex,
born abroad), so the raw mover-stayer gap is biased while model 3 recovers the truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from mobility.generate.files import write_csv
from mobility.generate.geography import REGIONS

CENSUS_YEARS: tuple[int, ...] = (1971, 1981, 1991, 2001, 2011)
CHILD_WAVES: tuple[int, ...] = (1971, 1981, 1991)
LINK_GAP = 20
CHILD_AGES = (10, 16)
LINKED_PEOPLE = {"small": 6_000, "full": 30_000}
LINK_RATE = 0.88  # children found again twenty years later (deaths, emigration, non-linkage)
NOT_ASKED, NOT_APPLICABLE = -9, -8
LS_DIR = "ons_ls"
OCCUPATION_CLASSES = {
    1: "professional and technical",
    2: "skilled",
    3: "semi-skilled and unskilled",
}

REGION_CODES: tuple[str, ...] = tuple(r[0] for r in REGIONS)
REGION_NAMES: dict[str, str] = {r[0]: r[1] for r in REGIONS}
# Relative share of high-skilled jobs, 1971 population (thousands), growth per decade,
# relative unemployment: shaped on the published census tables, not copied from them.
_REGION_PROFILE: dict[str, tuple[float, float, float, float]] = {
    "E12000001": (0.78, 2680, -0.01, 1.45),
    "E12000002": (0.90, 6600, -0.01, 1.20),
    "E12000003": (0.84, 4900, 0.01, 1.10),
    "E12000004": (0.89, 3650, 0.04, 0.90),
    "E12000005": (0.88, 5150, 0.02, 1.10),
    "E12000006": (1.00, 4450, 0.06, 0.80),
    "E12000007": (1.28, 7450, 0.02, 1.10),
    "E12000008": (1.12, 6800, 0.06, 0.70),
    "E12000009": (0.97, 4100, 0.06, 0.85),
    "W92000004": (0.80, 2730, 0.02, 1.25),
}
_NATIONAL_PROF = {1971: 11.0, 1981: 14.0, 1991: 19.0, 2001: 25.0, 2011: 31.0}
_NATIONAL_UNEMPLOYMENT = {1971: 3.5, 1981: 9.5, 1991: 8.5, 2001: 5.0, 2011: 7.5}

# Planted latent-index coefficients (per unit of the analysis columns; shares in percent).
TRUE_COEFFICIENTS: dict[str, dict[str, float]] = {
    "employed": {
        "const": -0.30,
        "mover": 0.30,
        "mover_x_female": 0.18,
        "mover_x_non_white": -0.20,
        "mover_x_degree": 0.10,
        "mover_x_parent_skilled": -0.05,
        "mover_x_parent_semi_unskilled": -0.15,
        "adult_region_pct_prof_tech": 0.012,
        "adult_region_unemployment_rate": -0.035,
        "male": 0.30,
        "age": 0.01,
        "white": 0.15,
        "limiting_illness": -0.90,
        "married": 0.20,
        "degree": 0.35,
        "owner": 0.30,
        "born_outside_uk": -0.15,
        "parent_skilled": -0.08,
        "parent_semi_unskilled": -0.18,
    },
    "professional_technical": {
        "const": -1.40,
        "mover": 0.30,
        "mover_x_female": -0.12,
        "mover_x_non_white": 0.10,
        "mover_x_degree": 0.20,
        "mover_x_parent_skilled": -0.08,
        "mover_x_parent_semi_unskilled": -0.20,
        "adult_region_pct_prof_tech": 0.015,
        "adult_region_unemployment_rate": -0.02,
        "male": 0.10,
        "age": 0.005,
        "white": 0.05,
        "limiting_illness": -0.35,
        "married": 0.10,
        "degree": 1.00,
        "owner": 0.25,
        "born_outside_uk": -0.05,
        "parent_skilled": -0.30,
        "parent_semi_unskilled": -0.50,
    },
}
_YEAR_EFFECTS = {1991: 0.0, 2001: 0.10, 2011: 0.05}
# Characteristic -> group label (study wording) -> 0/1 indicator column of the group.
GROUPS: dict[str, dict[str, str]] = {
    "gender": {"Female": "female", "Male": "male"},
    "ethnicity": {"White": "white", "Non-white": "non_white"},
    "degree": {"Degree": "degree", "No degree": "no_degree"},
    "parent class": {
        "Parent professional and technical": "parent_professional",
        "Parent skilled": "parent_skilled",
        "Parent semi-skilled and unskilled": "parent_semi_unskilled",
    },
}


def regional_indicators(rng: np.random.Generator) -> pd.DataFrame:
    """Percentage of professional and technical jobs, unemployment rate and population."""
    rows = []
    for k, year in enumerate(CENSUS_YEARS):
        for code in REGION_CODES:
            skill, pop, growth, unemp = _REGION_PROFILE[code]
            rows.append(
                {
                    "census_year": year,
                    "gor": code,
                    "region_name": REGION_NAMES[code],
                    "pct_prof_tech": round(
                        _NATIONAL_PROF[year] * skill * float(np.exp(rng.normal(0, 0.03))), 2
                    ),
                    "unemployment_rate": round(
                        _NATIONAL_UNEMPLOYMENT[year] * unemp * float(np.exp(rng.normal(0, 0.08))),
                        2,
                    ),
                    "population": int(round(pop * 1000 * (1 + growth) ** k)),
                }
            )
    return pd.DataFrame(rows)


def population_weighted_quintiles(regions: pd.DataFrame) -> pd.Series:
    """Quintile (1 = most deprived) of each region-wave by its population midpoint.

    Regions are ordered by the share of professional and technical jobs (lowest first, ties
    by code); a region falls in the fifth of the population where its middle person lies.
    """
    out = pd.Series(0, index=regions.index, dtype="int64")
    for _, wave in regions.groupby("census_year"):
        ordered = wave.sort_values(["pct_prof_tech", "gor"])
        before = ordered["population"].cumsum() - ordered["population"]
        midpoint = (before + ordered["population"] / 2) / ordered["population"].sum()
        out.loc[ordered.index] = np.minimum(np.floor(midpoint * 5).astype(int) + 1, 5)
    return out


def _probit_draw(rng: np.random.Generator, index: np.ndarray) -> np.ndarray:
    return (rng.random(index.shape[0]) < special.ndtr(index)).astype(int)


def _choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row, drawn with the row's (unnormalised) weights."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1)


def _children(rng: np.random.Generator, n: int, regions: pd.DataFrame) -> pd.DataFrame:
    """Children at the childhood census with fixed traits, parents' classes and adult lives."""
    reg = regions.set_index(["census_year", "gor"])
    kids = pd.DataFrame({"child_wave": rng.choice(CHILD_WAVES, n, p=[0.32, 0.33, 0.35])})
    kids["child_age"] = rng.integers(CHILD_AGES[0], CHILD_AGES[1] + 1, n)
    kids["adult_wave"] = kids["child_wave"] + LINK_GAP
    pop = np.stack([reg.loc[(y, c), "population"] for y in CHILD_WAVES for c in REGION_CODES])
    pop = pop.reshape(len(CHILD_WAVES), len(REGION_CODES)).astype(float)
    wave_pos = kids["child_wave"].map({y: i for i, y in enumerate(CHILD_WAVES)}).to_numpy()
    kids["child_region"] = np.asarray(REGION_CODES)[_choose(rng, pop[wave_pos])]
    key = list(zip(kids["child_wave"], kids["child_region"], strict=True))
    kids["child_pct_prof"] = reg.loc[key, "pct_prof_tech"].to_numpy()
    kids["quintile"] = reg.loc[key, "quintile"].to_numpy()
    kids["male"] = (rng.random(n) < 0.51).astype(int)
    p_white = kids["child_wave"].map({1971: 0.95, 1981: 0.93, 1991: 0.90}).to_numpy()
    kids["white"] = (rng.random(n) < p_white).astype(int)
    kids["ethnic_group"] = np.where(kids["white"] == 1, 1, rng.choice([2, 3, 4], n))
    p_abroad = np.where(kids["white"] == 1, 0.03, 0.35)
    kids["born_outside_uk"] = (rng.random(n) < p_abroad).astype(int)

    # Parents: the father (if present) always has a class (current or last job); the mother
    # has one less often in the earlier censuses. Parent class = the higher of the two.
    p_prof = np.clip(kids["child_pct_prof"].to_numpy() / 100 * 1.3, 0.05, 0.6)
    draws = rng.random((2, n))
    father_class = np.where(draws[0] < p_prof, 1, np.where(draws[0] < p_prof + 0.45, 2, 3))
    mother_class = np.where(
        draws[1] < 0.8 * p_prof, 1, np.where(draws[1] < 0.8 * p_prof + 0.35, 2, 3)
    )
    has_father = rng.random(n) < 0.9
    mother_works = kids["child_wave"].map({1971: 0.5, 1981: 0.6, 1991: 0.7}).to_numpy()
    mother_classed = (rng.random(n) < mother_works) | ~has_father
    kids["has_father"] = has_father
    kids["father_class"] = np.where(has_father, father_class, NOT_APPLICABLE)
    kids["mother_class"] = np.where(mother_classed, mother_class, NOT_APPLICABLE)
    classes = np.where(
        kids[["father_class", "mother_class"]] > 0, kids[["father_class", "mother_class"]], 9
    )
    kids["parent_class"] = classes.min(axis=1)
    kids["parent_professional"] = (kids["parent_class"] == 1).astype(int)
    kids["parent_skilled"] = (kids["parent_class"] == 2).astype(int)
    kids["parent_semi_unskilled"] = (kids["parent_class"] == 3).astype(int)

    # Adult traits twenty years on (exogenous to moving in this twin).
    adult_wave = kids["adult_wave"].to_numpy()
    kids["age"] = kids["child_age"] + LINK_GAP
    degree_base = pd.Series(adult_wave).map({1991: -1.35, 2001: -0.95, 2011: -0.55}).to_numpy()
    degree_index = (
        degree_base + 0.7 * kids["parent_professional"] - 0.35 * kids["parent_semi_unskilled"]
    )
    kids["degree"] = _probit_draw(rng, degree_index.to_numpy())
    kids["limiting_illness"] = (rng.random(n) < 0.06).astype(int)
    p_married = pd.Series(adult_wave).map({1991: 0.72, 2001: 0.58, 2011: 0.48}).to_numpy()
    kids["married"] = (rng.random(n) < p_married).astype(int)
    kids["owner"] = _probit_draw(
        rng, 0.35 + 0.4 * kids["degree"].to_numpy() + 0.2 * kids["married"].to_numpy()
    )

    # Selection into moving, on observables only.
    move_index = (
        -1.10
        + 0.50 * kids["degree"]
        + 0.25 * kids["parent_professional"]
        + 0.10 * kids["parent_skilled"]
        + 0.10 * kids["male"]
        + 0.30 * kids["born_outside_uk"]
        - 0.03 * (kids["child_age"] - 13)
        + 0.15 * (kids["quintile"] == 1)
    ).to_numpy()
    kids["mover"] = _probit_draw(rng, move_index)
    adult_pos = pd.Series(adult_wave).map({y: i for i, y in enumerate(CENSUS_YEARS)}).to_numpy()
    attract = np.stack(
        [
            [
                reg.loc[(y, c), "population"] * reg.loc[(y, c), "pct_prof_tech"] ** 2
                for c in REGION_CODES
            ]
            for y in CENSUS_YEARS
        ]
    )[adult_pos]
    own = np.asarray(REGION_CODES)[None, :] == kids["child_region"].to_numpy()[:, None]
    destination = np.asarray(REGION_CODES)[_choose(rng, np.where(own, 0.0, attract))]
    kids["adult_region"] = np.where(kids["mover"] == 1, destination, kids["child_region"])
    adult_key = list(zip(kids["adult_wave"], kids["adult_region"], strict=True))
    kids["adult_region_pct_prof_tech"] = reg.loc[adult_key, "pct_prof_tech"].to_numpy()
    kids["adult_region_unemployment_rate"] = reg.loc[adult_key, "unemployment_rate"].to_numpy()
    kids["female"] = 1 - kids["male"]
    kids["non_white"] = 1 - kids["white"]
    kids["no_degree"] = 1 - kids["degree"]
    kids["linked"] = rng.random(n) < LINK_RATE
    return kids


def _interactions(frame: pd.DataFrame, mover: np.ndarray | pd.Series) -> dict[str, np.ndarray]:
    mover = np.asarray(mover)
    return {
        "mover_x_female": mover * frame["female"].to_numpy(),
        "mover_x_non_white": mover * frame["non_white"].to_numpy(),
        "mover_x_degree": mover * frame["degree"].to_numpy(),
        "mover_x_parent_skilled": mover * frame["parent_skilled"].to_numpy(),
        "mover_x_parent_semi_unskilled": mover * frame["parent_semi_unskilled"].to_numpy(),
    }


def true_index(
    kids: pd.DataFrame,
    outcome: str,
    mover: np.ndarray | pd.Series,
    region_effects: dict[str, float],
) -> np.ndarray:
    """The planted latent index of an outcome with the mover indicator set to `mover`."""
    beta = TRUE_COEFFICIENTS[outcome]
    columns = {**{c: kids[c].to_numpy() for c in beta if c in kids}, **_interactions(kids, mover)}
    columns["mover"] = np.asarray(mover)
    index = beta["const"] + sum(beta[c] * columns[c].astype(float) for c in beta if c != "const")
    index = index + kids["child_region"].map(region_effects).to_numpy()
    return index + kids["adult_wave"].map(_YEAR_EFFECTS).to_numpy()


def _outcomes(rng: np.random.Generator, kids: pd.DataFrame) -> dict[str, dict[str, float]]:
    region_effects = {
        outcome: dict(
            zip(REGION_CODES, np.round(rng.normal(0, 0.1, len(REGION_CODES)), 3), strict=True)
        )
        for outcome in TRUE_COEFFICIENTS
    }
    for outcome in TRUE_COEFFICIENTS:
        kids[outcome] = _probit_draw(
            rng, true_index(kids, outcome, kids["mover"], region_effects[outcome])
        )
    n = len(kids)
    never_worked = (kids["employed"] == 0) & (rng.random(n) < 0.3)
    lower = np.where(rng.random(n) < 0.55, 2, 3)
    # Never worked: no occupation whatever the occupation draw, so leaving them out of the
    # occupation sample does not select on its outcome.
    kids["occ_class"] = np.where(
        never_worked, NOT_APPLICABLE, np.where(kids["professional_technical"] == 1, 1, lower)
    )
    kids["econ_activity"] = np.where(kids["employed"] == 1, 1, np.where(rng.random(n) < 0.45, 2, 3))
    return region_effects


def _estimands(
    kids: pd.DataFrame, region_effects: dict[str, dict[str, float]]
) -> dict[str, object]:
    """True average mover contrasts in the analysis sample, overall and within each group."""
    sample = kids[kids["linked"] & (kids["quintile"] == 1)]
    out: dict[str, object] = {"n_analysis_sample": int(len(sample)), "outcomes": {}}
    for outcome in TRUE_COEFFICIENTS:
        ones, zeros = np.ones(len(sample)), np.zeros(len(sample))
        effect = special.ndtr(
            true_index(sample, outcome, ones, region_effects[outcome])
        ) - special.ndtr(true_index(sample, outcome, zeros, region_effects[outcome]))
        groups = {
            char: {
                label: float(effect[sample[col].to_numpy() == 1].mean())
                for label, col in labels.items()
            }
            for char, labels in GROUPS.items()
        }
        raw = sample.groupby("mover")[outcome].mean()
        out["outcomes"][outcome] = {  # type: ignore[index]
            "mover_effect": float(effect.mean()),
            "mover_effect_by_group": groups,
            "raw_mover_minus_stayer": float(raw.get(1, np.nan) - raw.get(0, np.nan)),
        }
    return out


def _filler(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Plausible records for censuses that no analysis uses (other ages of the members)."""
    n, age = len(frame), frame["age"].to_numpy()
    adult = age >= 16
    out = frame.copy()
    out["marital_status"] = np.where(age >= 25, rng.choice([1, 2, 4], n, p=[0.3, 0.6, 0.1]), 1)
    out["degree"] = np.where(age >= 21, out["degree"], np.where(age >= 16, 0, NOT_APPLICABLE))
    employed = adult & (rng.random(n) < np.where(age >= 65, 0.05, 0.75))
    out["econ_activity"] = np.where(
        adult, np.where(employed, 1, rng.choice([2, 3], n)), NOT_APPLICABLE
    )
    out["occ_class"] = np.where(
        employed, rng.choice([1, 2, 3], n, p=[0.2, 0.45, 0.35]), NOT_APPLICABLE
    )
    out["tenure"] = rng.choice([1, 2, 3], n, p=[0.55, 0.3, 0.15])
    out["limiting_illness"] = (rng.random(n) < np.where(age >= 50, 0.15, 0.03)).astype(int)
    return out


RECORD_COLUMNS: tuple[str, ...] = (
    "lsid",
    "census_year",
    "gor",
    "age",
    "sex",
    "ethnic_group",
    "llti",
    "marital_status",
    "degree",
    "tenure",
    "born_outside_uk",
    "econ_activity",
    "occ_class",
    "mother_lsid",
    "father_lsid",
)


def _as_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Put records in the extract's coding: questions not asked before 1991 carry -9."""
    year = frame["census_year"].to_numpy()
    early = year < 1991
    return pd.DataFrame(
        {
            "lsid": frame["lsid"].to_numpy(),
            "census_year": year,
            "gor": frame["gor"].to_numpy(),
            "age": frame["age"].to_numpy(),
            "sex": np.where(frame["male"].to_numpy() == 1, 1, 2),
            "ethnic_group": np.where(early, NOT_ASKED, frame["ethnic_group"].to_numpy()),
            "llti": np.where(early, NOT_ASKED, frame["limiting_illness"].to_numpy()),
            "marital_status": frame["marital_status"].to_numpy(),
            "degree": frame["degree"].to_numpy(),
            "tenure": frame["tenure"].to_numpy(),
            "born_outside_uk": frame["born_outside_uk"].to_numpy(),
            "econ_activity": frame["econ_activity"].to_numpy(),
            "occ_class": frame["occ_class"].to_numpy(),
            "mother_lsid": frame["mother_lsid"].to_numpy(),
            "father_lsid": frame["father_lsid"].to_numpy(),
        }
    )


def _records(rng: np.random.Generator, kids: pd.DataFrame) -> pd.DataFrame:
    """Every census record of the children (all ages) and of their parents."""
    n = len(kids)
    ids = rng.permutation(3 * n) + 10_000_001
    kids["lsid"] = ids[:n].astype(str)
    kids["father_lsid"] = pd.Series(ids[n : 2 * n].astype(str)).where(kids["has_father"])
    kids["mother_lsid"] = ids[2 * n :].astype(str)
    family_tenure = rng.choice([1, 2, 3], n, p=[0.5, 0.38, 0.12])
    parts = []

    child = kids.assign(
        census_year=kids["child_wave"], gor=kids["child_region"], age=kids["child_age"]
    )
    child = child.assign(
        marital_status=1,
        degree=NOT_APPLICABLE,
        tenure=family_tenure,
        econ_activity=NOT_APPLICABLE,
        occ_class=NOT_APPLICABLE,
        limiting_illness=(rng.random(n) < 0.02).astype(int),
    )
    parts.append(_as_records(child))

    adult = kids[kids["linked"]].assign(
        census_year=lambda f: f["adult_wave"], gor=lambda f: f["adult_region"]
    )
    adult = adult.assign(
        marital_status=np.where(
            adult["married"] == 1, 2, rng.choice([1, 4], len(adult), p=[0.8, 0.2])
        ),
        tenure=np.where(adult["owner"] == 1, 1, rng.choice([2, 3], len(adult))),
        mother_lsid=None,
        father_lsid=None,
    )
    parts.append(_as_records(adult))

    for year in CENSUS_YEARS:
        other = kids[(kids["child_wave"] != year) & (kids["adult_wave"] != year)].copy()
        other["age"] = other["child_age"] + year - other["child_wave"]
        other = other[(other["age"] >= 0) & (rng.random(len(other)) < 0.9)]
        k = len(other)
        between = year < other["adult_wave"].to_numpy()
        roam = np.asarray(REGION_CODES)[rng.integers(0, len(REGION_CODES), k)]
        region = np.where(
            year < other["child_wave"].to_numpy(),
            other["child_region"],
            np.where(
                between,
                np.where(rng.random(k) < 0.5, other["child_region"], other["adult_region"]),
                np.where(rng.random(k) < 0.9, other["adult_region"], roam),
            ),
        )
        other = other.assign(census_year=year, gor=region, mother_lsid=None, father_lsid=None)
        parts.append(_as_records(_filler(rng, other)))

    for role, present, cls, male in (
        ("father", kids["has_father"].to_numpy(), "father_class", 1),
        ("mother", np.ones(n, dtype=bool), "mother_class", 0),
    ):
        par = kids[present].copy()
        m = len(par)
        par["lsid"] = par[f"{role}_lsid"]
        par["male"] = male
        par["age"] = par["child_age"] + rng.integers(20, 39, m) - (1 - male) * 2
        par["occ_class"] = par[cls]
        works = rng.random(m) < np.where(male == 1, 0.92, 0.85)
        par["econ_activity"] = np.where(par[cls] > 0, np.where(works, 1, 2), 3)
        par["degree"] = (rng.random(m) < np.where(par[cls] == 1, 0.35, 0.03)).astype(int)
        par["marital_status"] = np.where(kids.loc[present, "has_father"], 2, 4)
        par["tenure"] = family_tenure[present]
        par["limiting_illness"] = (rng.random(m) < 0.08).astype(int)
        par["mother_lsid"], par["father_lsid"] = None, None
        par["census_year"], par["gor"] = par["child_wave"], par["child_region"]
        parts.append(_as_records(par))
        later = par[rng.random(m) < 0.85].copy()
        later["census_year"] = later["census_year"] + 10
        later["age"] = later["age"] + 10
        later["econ_activity"] = np.where(later["age"] >= 65, 3, later["econ_activity"])
        parts.append(_as_records(later))
    return pd.concat(parts, ignore_index=True)


def write_ls_twin(data_dir: Path, seed: int = 20200701, scale: str = "small") -> dict:
    """Write the LS twin under data_dir/ons_ls/ and return the truth written beside it."""
    if scale not in LINKED_PEOPLE:
        raise ValueError(f"scale must be one of {tuple(LINKED_PEOPLE)}, not {scale!r}")
    rng = np.random.default_rng([seed, 1971])
    regions = regional_indicators(rng)
    regions["quintile"] = population_weighted_quintiles(regions)
    kids = _children(rng, int(round(LINKED_PEOPLE[scale] / LINK_RATE)), regions)
    region_effects = _outcomes(rng, kids)
    records = _records(rng, kids)
    out_dir = data_dir / LS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for year, wave in records.groupby("census_year", sort=True):
        path = out_dir / f"ls_census_{year}.csv"
        write_csv(wave.sort_values("lsid").reset_index(drop=True), path)
        files.append(path)
    path = out_dir / "ls_regional_indicators.csv"
    write_csv(regions.drop(columns="quintile"), path)
    files.append(path)
    most_deprived = regions[regions["quintile"] == 1]
    truth: dict[str, object] = {
        "seed": seed,
        "scale": scale,
        "children": int(len(kids)),
        "linked_people": int(kids["linked"].sum()),
        "records": int(len(records)),
        "most_deprived_regions": {
            str(y): sorted(g["gor"]) for y, g in most_deprived.groupby("census_year")
        },
        "coefficients": TRUE_COEFFICIENTS,
        "year_effects": {str(k): v for k, v in _YEAR_EFFECTS.items()},
        "childhood_region_effects": region_effects,
        "mover_share_analysis_sample": float(
            kids.loc[kids["linked"] & (kids["quintile"] == 1), "mover"].mean()
        ),
        **_estimands(kids[kids["linked"]], region_effects),
        "files": [p.relative_to(data_dir).as_posix() for p in files],
    }
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=2))
    return truth
