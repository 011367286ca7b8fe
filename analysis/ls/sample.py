"""The strand C analysis sample and its design matrices (models 1-3 and mover interactions).

Reads `marts.fct_ls_child_adult_links`, keeps people whose childhood region was in the most
deprived quintile with every control known, and turns the mart's booleans into the 0/1
columns the estimators take. Each outcome's models then use the rows with that outcome known
(`outcome_rows`): the occupation models leave out people with no current or last occupation;
rows are not dropped jointly over the two outcomes.
Column names are shared with the synthetic generator's planted coefficients, so the
planted-vs-estimated check compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis.mover_effects import TREATMENT, Characteristic, add_interactions, indicator_columns

LINKS = "marts.fct_ls_child_adult_links"
OUTCOMES: dict[str, str] = {
    "employed": "Employed",
    "professional_technical": "Professional and technical occupation",
}
REGIONAL_ECONOMY: tuple[str, ...] = (
    "adult_region_pct_prof_tech",
    "adult_region_unemployment_rate",
)
DEMOGRAPHICS: tuple[str, ...] = (
    "male",
    "age",
    "white",
    "limiting_illness",
    "married",
    "degree",
    "owner",
    "born_outside_uk",
    "parent_skilled",
    "parent_semi_unskilled",
)
TERM_LABELS: dict[str, str] = {
    "mover": "Mover",
    "adult_region_pct_prof_tech": "Regional share of professional and technical jobs (%)",
    "adult_region_unemployment_rate": "Regional unemployment rate (%)",
    "male": "Male",
    "age": "Age",
    "white": "White",
    "limiting_illness": "Limiting long-term illness",
    "married": "Married",
    "degree": "Degree",
    "owner": "Owner occupier",
    "born_outside_uk": "Born outside the UK",
    "parent_skilled": "Parent class: skilled",
    "parent_semi_unskilled": "Parent class: semi-skilled/unskilled",
}
# Model -> control blocks it includes (region and year effects are in every model).
MODEL_BLOCKS: dict[int, tuple[str, ...]] = {
    1: (),
    2: REGIONAL_ECONOMY,
    3: REGIONAL_ECONOMY + DEMOGRAPHICS,
}


# Differences as the study reports them: the first group's mover effect minus the second's.
CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic(
        "gender",
        {"mover_x_male": "male"},
        {"Female": "female", "Male": "male"},
        "Female",
        {"Male": "Male versus female"},
    ),
    Characteristic(
        "ethnicity",
        {"mover_x_white": "white"},
        {"White": "white", "Non-white": "non_white"},
        "Non-white",
        {"White": "White versus non-white"},
    ),
    Characteristic(
        "degree",
        {"mover_x_degree": "degree"},
        {"Degree": "degree", "No degree": "no_degree"},
        "No degree",
        {"Degree": "Degree holder versus no degree"},
    ),
    Characteristic(
        "parent class",
        {
            "mover_x_parent_skilled": "parent_skilled",
            "mover_x_parent_semi_unskilled": "parent_semi_unskilled",
        },
        {
            "Parent professional and technical": "parent_professional",
            "Parent skilled": "parent_skilled",
            "Parent semi-skilled and unskilled": "parent_semi_unskilled",
        },
        "Parent semi-skilled and unskilled",
        {
            "Parent skilled": "Parent: skilled occ. vs semi/unskilled occ.",
            "Parent professional and technical": (
                "Parent: professional/technical occ. vs semi/unskilled occ."
            ),
        },
    ),
)

_QUERY = f"""
select
    member_id,
    childhood_region_code,
    adult_census_year,
    is_mover::integer as mover,
    is_employed::integer as employed,
    is_professional_technical::integer as professional_technical,
    adult_region_pct_professional_technical as adult_region_pct_prof_tech,
    adult_region_unemployment_rate,
    is_male::integer as male,
    adult_age as age,
    is_white::integer as white,
    has_limiting_illness::integer as limiting_illness,
    is_married::integer as married,
    has_degree::integer as degree,
    is_owner::integer as owner,
    born_outside_uk::integer as born_outside_uk,
    parent_class
from {LINKS}
where is_most_deprived_quintile
order by member_id
"""


@dataclass(frozen=True)
class Sample:
    frame: pd.DataFrame
    dropped: int  # people of the most deprived quintile left out for a missing control


def load_sample(con: duckdb.DuckDBPyConnection) -> Sample:
    """People from the most deprived quintile with every control known (outcomes may not be)."""
    raw = con.execute(_QUERY).df()
    needed = [c for c in raw.columns if c not in ("member_id", *OUTCOMES)]
    frame = raw.dropna(subset=needed).reset_index(drop=True)
    for column in ("mover", "male", "white", "degree"):
        frame[column] = frame[column].astype(int)
    for column in OUTCOMES:
        frame[column] = frame[column].astype(float)
    frame["parent_professional"] = (frame["parent_class"] == "professional and technical").astype(
        int
    )
    frame["parent_skilled"] = (frame["parent_class"] == "skilled").astype(int)
    frame["parent_semi_unskilled"] = (frame["parent_class"] == "semi-skilled and unskilled").astype(
        int
    )
    frame["female"] = 1 - frame["male"]
    frame["non_white"] = 1 - frame["white"]
    frame["no_degree"] = 1 - frame["degree"]
    return Sample(frame, int(len(raw) - len(frame)))


def outcome_rows(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The outcome's own sample: rows with it known (occupation: people with an occupation)."""
    return frame[frame[outcome].notna()].reset_index(drop=True)


def _dummies(values: pd.Series, prefix: str) -> pd.DataFrame:
    """Indicators for every level but the first (sorted), as floats."""
    text = values.astype(str)
    return indicator_columns(text, f"{prefix}_", min(text.unique(), default=None))


def fixed_effect_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Childhood-region and adult-census (year) effects."""
    return pd.concat(
        [
            _dummies(frame["childhood_region_code"], "region"),
            _dummies(frame["adult_census_year"], "year"),
        ],
        axis=1,
    )


def design(
    frame: pd.DataFrame, model: int, characteristic: Characteristic | None = None
) -> pd.DataFrame:
    """The design of model 1, 2 or 3 (optionally with mover x characteristic terms)."""
    columns = [TREATMENT, *MODEL_BLOCKS[model]]
    X = pd.concat(
        [
            pd.DataFrame({"const": np.ones(len(frame))}, index=frame.index),
            frame[columns].astype(float),
            fixed_effect_columns(frame),
        ],
        axis=1,
    )
    if characteristic is not None:
        add_interactions(X, characteristic, X)
    return X
