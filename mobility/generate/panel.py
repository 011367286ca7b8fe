"""Synthetic twin of the BHPS + Understanding Society Special Licence files (strand B).

Families enter with the BHPS 1991 sample, the 1999 Welsh booster, the UKHLS 2009 sample or the
2015 immigrant and ethnic minority boost (refreshment); households drop out each year
(attrition), children leave home at 19-26 and are followed into their own households. Leaving
home, some move to another LA (more often with a degree, from a professional family, or with
career-minded teenage answers: selection into moving). Adult outcomes follow probit / linear
models with a mover effect that differs by gender, degree and parent class; the coefficients are
written to ukhls/truth.json. That true model is not the study's group model (one mover
interaction per regression, distance, region and year effects), so the planted-effect check
compares each estimate with the study's estimand computed from these coefficients
(`analysis/panel/planted.py`), not with the group's average contrast. Employment and
occupation have their own person and LA effects, and people who never worked (no occupation)
are drawn among the non-employed whatever their occupation draw, so the occupation sample
(people with an occupation) is not selected on its outcome. Files are written in the UKDS
layout with the variable names of warehouse/panel_variables.yml, so generator and reader
cannot drift apart.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.special import ndtr

from mobility.contracts import quote_path
from mobility.generate.geography import distance_miles
from mobility.panel_mapping import PANEL_DIR, STAGED_DIR, PanelMapping, Wave, load_mapping

CPI_SEED = Path(__file__).resolve().parents[2] / "warehouse" / "seeds" / "panel" / "cpi_annual.csv"
HOUSEHOLDS = {"small": 2000, "full": 9000}
# (memorig code, entry wave number, share of households): BHPS 1991, BHPS Wales booster 1999,
# UKHLS general population 2009, UKHLS immigrant and ethnic minority boost 2015.
ORIGINS = ((3, 1, 0.36), (4, 9, 0.08), (1, 19, 0.46), (8, 25, 0.10))
HOUSEHOLD_ATTRITION = 0.04  # per wave
OWN_HOUSEHOLD_ATTRITION = 0.03
YOUTH_FIRST_WAVE = 4  # bd, 1994
PERSON_SD, LA_SD = 0.5, 0.2  # random effects in the probit indices (error variance 1)
INDEX_TERMS = (
    "const",
    "mover",
    "female",
    "degree",
    "parent_intermediate",
    "parent_routine",
    "mover_x_female",
    "mover_x_degree",
    "mover_x_parent_intermediate",
    "mover_x_parent_routine",
    "age_minus_30",
    "la_unemployment_rate",
    "white_british",
)
# Structural coefficients per outcome, in INDEX_TERMS order.
STRUCTURAL = {
    "employed": (1.0, 0.10, -0.30, 0.45, -0.10, -0.25, 0.20, -0.15, 0.10, 0.25, 0.01, -0.06, 0.10),
    "higher_professional": (
        -1.1,
        0.15,
        -0.15,
        0.90,
        -0.20,
        -0.45,
        0.10,
        0.15,
        -0.05,
        0.10,
        0.015,
        -0.03,
        0.0,
    ),
    "real_income": (
        2000.0,
        150.0,
        -450.0,
        700.0,
        -120.0,
        -250.0,
        100.0,
        200.0,
        0.0,
        50.0,
        25.0,
        -40.0,
        0.0,
    ),
}
INCOME_PERSON_SD, INCOME_SD = 400.0, 500.0
REASONS_BASE = (0.35, 0.20, 0.15, 0.15, 0.10, 0.05)
REASONS_AMBITION = (-0.3, 0.2, 0.0, 0.5, -0.2, 0.0)
ASPECTS_BASE = (0.30, 0.20, 0.20, 0.10, 0.12, 0.08)
ASPECTS_AMBITION = (-0.2, -0.1, 0.3, 0.5, 0.0, -0.2)
MOVE_INDEX = {"const": -0.75, "degree": 0.55, "parent_professional": 0.25, "ambition": 0.25}


def write_panel_twin(data_dir: Path, seed: int, scale: str) -> dict:
    """Write the UKDS-layout panel files under data_dir/ukhls/ and return the truth."""
    rng = np.random.default_rng([seed, 2])
    mapping = load_mapping()
    las, unemployment = _read_area_frame(data_dir)
    people = _draw_people(rng, las, HOUSEHOLDS[scale])
    waves = _person_waves(rng, people, mapping)
    waves = _adult_outcomes(rng, waves, people, las, unemployment)
    out_dir = data_dir / PANEL_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out_dir / STAGED_DIR, ignore_errors=True)  # staged from older files
    files = _write_files(rng, out_dir, mapping, people, waves)
    truth = _truth(seed, scale, people, files)
    written = sorted(p.name for p in out_dir.glob("*.tab")) + ["truth.json"]
    truth["files"] = [f"{PANEL_DIR}/{name}" for name in written]
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=2))
    return truth


# --------------------------------------------------------------------------- #
# Areas
# --------------------------------------------------------------------------- #


def _read_area_frame(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """LAs with centroids and country, and the unemployment rate per LA-year (strand A files)."""
    lookup = pd.read_csv(data_dir / "geography" / "ltla_lookup.csv")
    centroids = pd.read_csv(data_dir / "geography" / "lad_centroids.csv")
    las = lookup.merge(centroids, left_on="ltlacd", right_on="lad19cd")[
        ["ltlacd", "ctrynm", "lat", "long"]
    ].rename(columns={"ltlacd": "la_code", "ctrynm": "country"})
    las = las.sort_values("la_code").reset_index(drop=True)
    indicators = pd.read_csv(data_dir / "covariates" / "la_indicators.csv")
    unemployment = (
        indicators[indicators["indicator"] == "unemployment_rate"]
        .pivot(index="year", columns="la_code", values="value")
        .reindex(columns=las["la_code"])
    )
    return las, unemployment


def _destinations(rng: np.random.Generator, las: pd.DataFrame, origin: np.ndarray) -> np.ndarray:
    """Another LA for each mover, nearer LAs more likely (gravity-like)."""
    lat, lon = las["lat"].to_numpy(), las["long"].to_numpy()
    dist = distance_miles(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    weights = np.exp(-dist / 80.0) + 0.02
    np.fill_diagonal(weights, 0.0)
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(origin.size)
    picks = (cum[origin] < u[:, None]).sum(axis=1)
    return np.minimum(picks, len(las) - 1)


# --------------------------------------------------------------------------- #
# People
# --------------------------------------------------------------------------- #


def _three_class(rng: np.random.Generator, latent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Three-class NS-SEC from a latent status, and an NS-SEC 8-class code within it."""
    klass = np.where(latent > 0.5, 1, np.where(latent < -0.4, 3, 2))
    eight = np.select(
        [klass == 1, klass == 2],
        [rng.choice([1, 2, 3], latent.size, p=[0.1, 0.35, 0.55]), rng.choice([4, 5], latent.size)],
        rng.choice([6, 7, 8], latent.size),
    )
    return klass, eight


def _draw_people(rng: np.random.Generator, las: pd.DataFrame, n_households: int) -> pd.DataFrame:
    """One row per person: parents and children of each sampled household."""
    origin_idx = rng.choice(len(ORIGINS), n_households, p=[o[2] for o in ORIGINS])
    memorig = np.array([o[0] for o in ORIGINS])[origin_idx]
    entry_wave = np.array([o[1] for o in ORIGINS])[origin_idx]
    wales = np.flatnonzero(las["country"].eq("Wales").to_numpy())
    la = rng.integers(0, len(las), n_households)
    booster = memorig == 4
    la[booster] = rng.choice(wales, booster.sum())
    ses = rng.normal(size=n_households)
    entry_year = np.where(entry_wave <= 18, 1990 + entry_wave, 2009 + entry_wave - 19)
    n_children = 1 + rng.binomial(2, 0.45, n_households)
    oldest_age = rng.integers(0, 20, n_households)
    oldest_birth = entry_year - oldest_age
    has_father = rng.random(n_households) < 0.8
    dropout = entry_wave + 1 + rng.geometric(HOUSEHOLD_ATTRITION, n_households)
    ethnic_minority = rng.random(n_households) < np.where(memorig == 8, 0.7, 0.1)

    frames = []
    for role, present, birth in (
        ("father", has_father, oldest_birth - rng.integers(24, 38, n_households)),
        ("mother", np.ones(n_households, bool), oldest_birth - rng.integers(21, 36, n_households)),
    ):
        klass, eight = _three_class(rng, ses + rng.normal(0, 0.6, n_households))
        frames.append(
            pd.DataFrame(
                {
                    "household": np.arange(n_households)[present],
                    "role": role,
                    "pno": 1 if role == "father" else 2,
                    "birth_year": birth[present],
                    "female": role == "mother",
                    "nssec3": klass[present],
                    "nssec8": eight[present],
                    "leave_age": 200,
                }
            )
        )
    child_household = np.repeat(np.arange(n_households), n_children)
    order = np.concatenate([np.arange(k) for k in n_children])
    gaps = rng.integers(1, 5, child_household.size) * (order > 0)
    birth = oldest_birth[child_household] + np.cumsum(gaps) - _group_start_cumsum(gaps, order)
    frames.append(
        pd.DataFrame(
            {
                "household": child_household,
                "role": "child",
                "pno": 3 + order,
                "birth_year": birth,
                "female": rng.random(child_household.size) < 0.5,
                "nssec3": 0,
                "nssec8": 0,
                "leave_age": rng.integers(19, 27, child_household.size),
            }
        )
    )
    people = pd.concat(frames, ignore_index=True).sort_values(["household", "pno"])
    people = people.reset_index(drop=True)
    h = people["household"].to_numpy()
    people["pidp"] = 68_000_001 + 4 * np.arange(len(people))
    people["memorig"] = memorig[h]
    people["entry_wave"] = entry_wave[h]
    people["household_dropout"] = dropout[h]
    people["origin_la"] = la[h]
    people["has_father"] = has_father[h]
    people["white_british"] = ~ethnic_minority[h] & (rng.random(len(people)) < 0.95)
    people["born_in_uk"] = rng.random(len(people)) < np.where(ethnic_minority[h], 0.55, 0.95)
    people["person_effect_employed"] = rng.normal(0, 1, len(people))
    people["person_effect_higher_professional"] = rng.normal(0, 1, len(people))
    people["income_effect"] = rng.normal(0, INCOME_PERSON_SD, len(people))
    return _child_paths(rng, people, las, ses[h])


def _group_start_cumsum(gaps: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Cumulative gap at each family's first child, so birth years restart per family."""
    csum = np.cumsum(gaps)
    start = np.where(order == 0, csum, 0)
    return np.maximum.accumulate(start)


def _child_paths(
    rng: np.random.Generator, people: pd.DataFrame, las: pd.DataFrame, ses: np.ndarray
) -> pd.DataFrame:
    """Parent class, degree, teenage ambition, move on leaving home, return, own attrition."""
    parents = people[people["role"] != "child"]
    best = parents.groupby("household")["nssec3"].min()
    people["parent_class"] = people["household"].map(best).where(people["role"] == "child", 0)
    child = people["role"].eq("child").to_numpy()
    pc = people["parent_class"].to_numpy()
    female = people["female"].to_numpy()
    ambition = 0.4 * ses + rng.normal(0, 0.9, len(people))
    degree_index = -0.7 + 0.8 * (pc == 1) - 0.5 * (pc == 3) + 0.2 * female + 0.3 * ambition
    degree = rng.random(len(people)) < ndtr(degree_index)
    degree[~child] = rng.random((~child).sum()) < ndtr(-0.8 + 0.6 * ses[~child])
    move_index = (
        MOVE_INDEX["const"]
        + MOVE_INDEX["degree"] * degree
        + MOVE_INDEX["parent_professional"] * (pc == 1)
        + MOVE_INDEX["ambition"] * ambition
    )
    mover = child & (rng.random(len(people)) < ndtr(move_index))
    origin = people["origin_la"].to_numpy()
    dest = origin.copy()
    dest[mover] = _destinations(rng, las, origin[mover])
    leave = people["leave_age"].to_numpy()
    returns = mover & (rng.random(len(people)) < 0.12)
    return_age = np.where(returns, leave + rng.integers(2, 15, len(people)), 200)
    leave_wave = _wave_of_year(people["birth_year"].to_numpy() + leave)
    followed = rng.random(len(people)) < 0.85
    own_dropout = leave_wave + np.where(
        followed, rng.geometric(OWN_HOUSEHOLD_ATTRITION, len(people)), 0
    )
    hh_dropout = people["household_dropout"].to_numpy()
    people["dropout"] = np.where(child & (hh_dropout > leave_wave), own_dropout, hh_dropout)
    people["degree"] = degree
    people["ambition"] = ambition
    people["moves_on_leaving"] = mover
    people["dest_la"] = dest
    people["return_age"] = return_age
    people["own_household"] = len(people) + np.arange(len(people))
    return people


def _wave_of_year(year: np.ndarray) -> np.ndarray:
    return np.where(year <= 2008, year - 1990, 19 + year - 2009)


# --------------------------------------------------------------------------- #
# Person-waves
# --------------------------------------------------------------------------- #


def _person_waves(
    rng: np.random.Generator, people: pd.DataFrame, mapping: PanelMapping
) -> pd.DataFrame:
    """One row per person per wave enumerated (household grid), with household and LA."""
    n_waves = len(mapping.waves)
    first = people["entry_wave"].to_numpy()
    last = np.minimum(people["dropout"].to_numpy(), n_waves + 1)
    born_wave = _wave_of_year(people["birth_year"].to_numpy()).clip(1)
    first = np.maximum(first, born_wave)
    counts = np.clip(last - first, 0, None)
    idx = np.repeat(np.arange(len(people)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    wave = first[idx] + offsets
    frame = people.iloc[idx].reset_index(drop=True)
    frame["wave_number"] = wave
    bhps_sample = frame["memorig"].isin([3, 4]).to_numpy()
    frame = frame[~(bhps_sample & (wave == 19))].reset_index(drop=True)  # BHPS joined at b
    wave = frame["wave_number"].to_numpy()
    wave_year = np.where(wave <= 18, 1990 + wave, 2009 + wave - 19)
    age_at_wave = wave_year - frame["birth_year"].to_numpy()
    frame["at_home"] = age_at_wave < frame["leave_age"].to_numpy()
    household = np.where(frame["at_home"], frame["household"], frame["own_household"])
    frame["hidp"] = wave * 10_000_000 + 1_000 + household
    hidps, first_row = np.unique(frame["hidp"].to_numpy(), return_inverse=True)
    late = rng.random(hidps.size)[first_row] < 0.4  # UKHLS waves span two years
    frame["interview_year"] = wave_year + ((wave >= 19) & late)
    frame["age"] = frame["interview_year"] - frame["birth_year"]
    frame = frame[frame["age"] >= 0].reset_index(drop=True)
    frame["pno"] = np.where(frame["at_home"], frame["pno"], 1)
    away = (~frame["at_home"]) & frame["moves_on_leaving"] & (frame["age"] < frame["return_age"])
    frame["la"] = np.where(away, frame["dest_la"], frame["origin_la"])
    frame["mover_now"] = frame["la"] != frame["origin_la"]
    return frame


def _adult_outcomes(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    people: pd.DataFrame,
    las: pd.DataFrame,
    unemployment: pd.DataFrame,
) -> pd.DataFrame:
    """Employment, occupation and income from the planted models (ages 22+), simpler below."""
    n = len(frame)
    years = frame["interview_year"].clip(unemployment.index.min(), unemployment.index.max())
    unemp = unemployment.to_numpy()[
        years.to_numpy() - unemployment.index.min(), frame["la"].to_numpy()
    ]
    frame["la_unemployment_rate"] = unemp
    design = _design(frame)
    child = frame["role"].eq("child").to_numpy()
    adult = frame["age"].to_numpy() >= 22
    for outcome in ("employed", "higher_professional"):
        # Person and LA effects of their own per outcome: who has no occupation (never
        # worked, tied to employment) is then unrelated to the occupation shock, so leaving
        # them out of the occupation sample does not select on its outcome.
        la_effect = rng.normal(0, LA_SD, len(las))[frame["la"].to_numpy()]
        index = design @ np.array(STRUCTURAL[outcome])
        person = frame[f"person_effect_{outcome}"].to_numpy()
        shock = PERSON_SD * person + la_effect + rng.normal(0, 1, n)
        frame[outcome] = (index + shock) > 0
    young = ~adult
    frame.loc[young, "employed"] = rng.random(young.sum()) < 0.45
    frame.loc[young, "higher_professional"] = False
    parent = ~child
    frame.loc[parent, "employed"] = rng.random(parent.sum()) < 0.82
    frame.loc[parent, "higher_professional"] = frame.loc[parent, "nssec8"].isin([1, 2, 3])
    income = (
        design @ np.array(STRUCTURAL["real_income"])
        + frame["income_effect"].to_numpy()
        + rng.normal(0, INCOME_SD, n)
    )
    frame["real_income"] = np.where(frame["employed"], np.maximum(income, 50.0), 0.0)
    frame.loc[young, "real_income"] *= 0.4
    return frame


def _design(frame: pd.DataFrame) -> np.ndarray:
    """The true index regressors (INDEX_TERMS order) for each row."""
    pc = frame["parent_class"].to_numpy()
    mover = frame["mover_now"].to_numpy().astype(float)
    columns = {
        "const": np.ones(len(frame)),
        "mover": mover,
        "female": frame["female"].to_numpy().astype(float),
        "degree": frame["degree"].to_numpy().astype(float),
        "parent_intermediate": (pc == 2).astype(float),
        "parent_routine": (pc == 3).astype(float),
        "age_minus_30": frame["age"].to_numpy() - 30.0,
        "la_unemployment_rate": frame["la_unemployment_rate"].to_numpy(),
        "white_british": frame["white_british"].to_numpy().astype(float),
    }
    for char in ("female", "degree", "parent_intermediate", "parent_routine"):
        columns[f"mover_x_{char}"] = mover * columns[char]
    return np.column_stack([columns[t] for t in INDEX_TERMS])


# --------------------------------------------------------------------------- #
# Files
# --------------------------------------------------------------------------- #


def _missing(rng: np.random.Generator, values: np.ndarray, rates: dict[int, float]) -> np.ndarray:
    """Replace a random share of values by each UKDS missing code."""
    out = values.astype(float).copy()
    u = rng.random(out.size)
    low = 0.0
    for code, rate in rates.items():
        out[(u >= low) & (u < low + rate)] = code
        low += rate
    return out


def _codes(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("int64")


def _indresp(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame[(frame["age"] >= 16) & (rng.random(len(frame)) > 0.03)].reset_index(drop=True)
    n = len(rows)
    employed = rows["employed"].to_numpy()
    hp = rows["higher_professional"].to_numpy()
    # The occupation outcome is the top three-class NS-SEC (8-class codes 1-3).
    nssec_job = np.where(hp, rng.choice([1, 2, 3], n), rng.choice([4, 5, 6, 7, 8], n))
    parent = rows["role"].ne("child").to_numpy()
    nssec_job = np.where(parent, rows["nssec8"].to_numpy(), nssec_job)
    # Never worked: no current or last occupation, whatever the occupation draw (so the
    # occupation sample is not selected on its outcome).
    never_worked = ~employed & ~parent & (rng.random(n) < 0.2)
    current = np.where(employed, nssec_job, -8)
    last = np.where(employed | never_worked, -8, nssec_job)
    status = np.where(
        employed,
        rng.choice([2, 1], n, p=[0.88, 0.12]),
        rng.choice([3, 6, 7, 8, 4], n, p=[0.4, 0.25, 0.15, 0.15, 0.05]),
    )
    cpi = pd.read_csv(CPI_SEED).set_index("year")["cpi_index_2015"]
    nominal = rows["real_income"].to_numpy() * cpi.reindex(rows["interview_year"]).to_numpy() / 100
    age = rows["age"].to_numpy()
    degree = rows["degree"].to_numpy() & (age >= 22)
    qualification = np.where(
        degree, rng.choice([1, 2], n, p=[0.25, 0.75]), rng.choice([3, 4, 5, 6, 7, 9, 96], n)
    )
    married = rng.random(n) < np.clip((age - 20) / 25, 0, 0.65)
    marital = np.where(married, rng.choice([2, 3], n, p=[0.97, 0.03]), rng.choice([1, 4, 5], n))
    children = np.clip(rng.poisson(np.clip((age - 24) * 0.08, 0, 1.6)), 0, 5)
    return pd.DataFrame(
        {
            "pidp": rows["pidp"],
            "hidp": rows["hidp"],
            "pno": rows["pno"],
            "interview_year": rows["interview_year"],
            "age": age,
            "employment_status": _codes(_missing(rng, status, {-9: 0.01, -1: 0.002})),
            "current_nssec8": _codes(np.where(rng.random(n) < 0.01, -9, current)),
            "last_job_nssec8": _codes(last),
            "gross_labour_income": np.where(
                employed, _missing(rng, np.round(nominal, 2), {-9: 0.02, -7: 0.01, -2: 0.005}), 0.0
            ),
            "marital_status": _codes(_missing(rng, marital, {-9: 0.005})),
            "own_children_under_16": _codes(_missing(rng, children, {-9: 0.005})),
            "highest_qualification": _codes(_missing(rng, qualification, {-9: 0.01})),
            "wave_number": rows["wave_number"],
        }
    )


def _indall(frame: pd.DataFrame) -> pd.DataFrame:
    at_home_child = frame["role"].eq("child") & frame["at_home"]
    present = frame[["household", "wave_number", "role", "pidp"]]
    father = present[present["role"] == "father"].set_index(["household", "wave_number"])["pidp"]
    mother = present[present["role"] == "mother"].set_index(["household", "wave_number"])["pidp"]
    key = pd.MultiIndex.from_arrays([frame["household"], frame["wave_number"]])
    fnspid = father.reindex(key).to_numpy()
    mnspid = mother.reindex(key).to_numpy()
    return pd.DataFrame(
        {
            "pidp": frame["pidp"],
            "hidp": frame["hidp"],
            "pno": frame["pno"],
            "age": frame["age"],
            "father_pidp": _codes(np.where(at_home_child & ~np.isnan(fnspid), fnspid, -8)),
            "mother_pidp": _codes(np.where(at_home_child & ~np.isnan(mnspid), mnspid, -8)),
            "wave_number": frame["wave_number"],
        }
    )


def _youth(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame[
        frame["role"].eq("child")
        & frame["at_home"]
        & frame["age"].between(11, 15)
        & (frame["wave_number"] >= YOUTH_FIRST_WAVE)
        & (rng.random(len(frame)) > 0.05)
    ].reset_index(drop=True)
    ambition = rows["ambition"].to_numpy()
    out = pd.DataFrame({"pidp": rows["pidp"], "hidp": rows["hidp"], "age": rows["age"]})
    for stem, base, slope in (
        ("reason_for_job", REASONS_BASE, REASONS_AMBITION),
        ("aspect_of_job", ASPECTS_BASE, ASPECTS_AMBITION),
    ):
        first, second = _two_choices(rng, ambition, np.array(base), np.array(slope))
        first = _missing(rng, first, {-9: 0.02, -1: 0.03})
        second = np.where(first < 0, -8, _missing(rng, second, {-9: 0.02, -1: 0.02}))
        out[f"{stem}_1"] = _codes(first)
        out[f"{stem}_2"] = _codes(second)
    out["wave_number"] = rows["wave_number"]
    return out


def _two_choices(
    rng: np.random.Generator, ambition: np.ndarray, base: np.ndarray, slope: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Most and second most important of six categories (codes 1-6), tilted by ambition."""
    weights = base[None, :] * np.exp(slope[None, :] * ambition[:, None])
    keys = np.log(rng.random(weights.shape)) / weights  # weighted sampling without replacement
    order = np.argsort(-keys, axis=1)
    return order[:, 0] + 1, order[:, 1] + 1


def _households(rng: np.random.Generator, frame: pd.DataFrame, las: np.ndarray) -> pd.DataFrame:
    first = frame.drop_duplicates("hidp")
    owner_p = np.where(first["at_home"], 0.68, np.clip(0.15 + 0.03 * (first["age"] - 22), 0, 0.8))
    owned = rng.random(len(first)) < owner_p
    tenure = np.where(
        owned, rng.choice([1, 2], len(first), p=[0.3, 0.7]), rng.choice([3, 4, 5, 6, 7], len(first))
    )
    return pd.DataFrame(
        {
            "hidp": first["hidp"].to_numpy(),
            "tenure": _codes(_missing(rng, tenure, {-9: 0.01, -1: 0.003})),
            "la_code": las[first["la"].to_numpy()],
            "wave_number": first["wave_number"].to_numpy(),
        }
    )


def _xwavedat(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    n = len(people)
    ethnic = np.where(people["white_british"], 1, rng.choice(np.arange(2, 18), n))
    return pd.DataFrame(
        {
            "pidp": people["pidp"],
            "sex": np.where(people["female"], 2, 1),
            "birth_year": people["birth_year"],
            "ethnic_group": _codes(_missing(rng, ethnic, {-9: 0.005, -2: 0.003})),
            "born_in_uk": _codes(_missing(rng, np.where(people["born_in_uk"], 1, 2), {-9: 0.005})),
            "sample_origin": people["memorig"],
        }
    ).sort_values("pidp")


def _write_files(
    rng: np.random.Generator,
    out_dir: Path,
    mapping: PanelMapping,
    people: pd.DataFrame,
    frame: pd.DataFrame,
) -> dict[str, int]:
    """Write every wave file with the mapping's variable names; rows written per file type."""
    las = np.array(sorted(pd.read_csv(out_dir.parent / "geography" / "ltla_lookup.csv")["ltlacd"]))
    households = _households(rng, frame, las)
    tables = {
        "indresp": _indresp(rng, frame),
        "indall": _indall(frame),
        "youth": _youth(rng, frame),
        "hhresp": households.drop(columns="la_code"),
        "lad": households.drop(columns="tenure"),
    }
    rows = {}
    con = duckdb.connect()  # one connection for ~150 files: connecting dominates small writes
    try:
        for file_type, table in tables.items():
            rows[file_type] = 0
            by_wave = dict(tuple(table.groupby("wave_number")))
            for wave in mapping.waves_of(file_type):
                part = by_wave.get(wave.number, table.iloc[0:0]).drop(columns="wave_number")
                _write_wave(con, out_dir, mapping, file_type, wave, part)
                rows[file_type] += len(part)
        xwave = _xwavedat(rng, people[people["pidp"].isin(frame["pidp"])])
        _write_wave(con, out_dir, mapping, "xwavedat", None, xwave)
    finally:
        con.close()
    rows["xwavedat"] = len(xwave)
    return rows


def _write_wave(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    mapping: PanelMapping,
    file_type: str,
    wave: Wave | None,
    table: pd.DataFrame,
) -> None:
    """One tab-delimited file in the UKDS layout, byte-reproducible (DuckDB's writer)."""
    names = mapping.columns(file_type, wave)
    table = table.sort_values(list(table.columns[:1]))[list(names)].rename(columns=names)
    path = out_dir / mapping.file_name(file_type, wave)
    con.register("wave_table", table)
    con.execute(f"copy wave_table to {quote_path(path)} (header true, delimiter '\t')")
    con.unregister("wave_table")


def _truth(seed: int, scale: str, people: pd.DataFrame, rows: dict[str, int]) -> dict:
    """Planted parameters; probit ones also on the population-averaged scale the fit recovers."""
    scale_factor = float(np.sqrt(1.0 + PERSON_SD**2 + LA_SD**2))
    children = people[people["role"] == "child"]
    return {
        "seed": seed,
        "scale": scale,
        "rows": rows,
        "index_terms": list(INDEX_TERMS),
        "note": (
            "Outcomes at ages 22+: probit indices (employed, higher_professional) with person and "
            "LA random effects of sd "
            f"{PERSON_SD} and {LA_SD}; 'population_averaged' divides by sqrt(1 + sd^2 + sd^2), "
            "the scale a one-observation-per-person probit recovers. Income is real (2015 "
            "prices, CPI seed) monthly gross labour income of workers, linear. age_minus_30 is "
            "the adult age minus 30; la_unemployment_rate is in percent. Motivation answers do "
            "not affect outcomes; they shift the chance of moving through ambition. The "
            "occupation outcome is the top three-class NS-SEC (8-class codes 1-3); people who "
            "never worked have no occupation code. The estimand of the study's specification "
            "(one mover interaction per model, with distance, region and year effects) is "
            "computed from these coefficients on the analysis rows by analysis/panel/planted.py."
        ),
        "structural": {k: dict(zip(INDEX_TERMS, v, strict=True)) for k, v in STRUCTURAL.items()},
        "population_averaged": {
            k: dict(zip(INDEX_TERMS, np.array(v) / scale_factor, strict=True))
            for k, v in STRUCTURAL.items()
            if k != "real_income"
        }
        | {"real_income": dict(zip(INDEX_TERMS, STRUCTURAL["real_income"], strict=True))},
        "selection_into_moving": {
            "probit_index": MOVE_INDEX,
            "mover_share_degree": float(
                children.loc[children["degree"], "moves_on_leaving"].mean()
            ),
            "mover_share_no_degree": float(
                children.loc[~children["degree"], "moves_on_leaving"].mean()
            ),
        },
        "people": int(len(people)),
        "children": int(len(children)),
    }
