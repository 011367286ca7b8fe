"""The strand B analysis sample and its design matrices (models 1-3, interactions, motivation).

Reads `marts.fct_teen_adult_links` and turns the mart's booleans and codes into the 0/1 and
numeric columns the estimators take. Links with every model-3 control known serve models 1-3
(so the nested models are comparable); each model then keeps the rows with its own outcome
known (`outcome_rows`): occupation models leave out people with no current or last
occupation, income models keep workers. Rows are never dropped jointly over outcomes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from analysis.mover_effects import Characteristic, add_interactions, indicator_columns
from analysis.mover_effects import binary_columns as _binary_columns

LINKS = "marts.fct_teen_adult_links"
CLUSTER = "adult_la_code"
OUTCOMES: dict[str, str] = {
    "employed": "Employed",
    "higher_professional": "Higher managerial or professional occupation",
    "real_income": "Monthly gross real labour income (2015 pounds)",
}
BINARY_OUTCOMES = ("employed", "higher_professional")
BASE: tuple[str, ...] = ("mover", "distance_miles")
LA_ECONOMY: tuple[str, ...] = ("la_unemployment_rate", "la_professional_share")
DEMOGRAPHICS: tuple[str, ...] = (
    "female",
    "age",
    "white_british",
    "married",
    "has_children",
    "n_children",
    "degree",
    "home_owner",
    "born_abroad",
    "parent_intermediate",
    "parent_routine",
)
TERM_LABELS: dict[str, str] = {
    "mover": "Mover",
    "distance_miles": "Distance moved (miles)",
    "la_unemployment_rate": "LA unemployment rate (%)",
    "la_professional_share": "LA share of professionals (SOC 1-2)",
    "female": "Female",
    "age": "Age",
    "white_british": "White British",
    "married": "Married or civil partner",
    "has_children": "Has own children under 16",
    "n_children": "Number of own children under 16",
    "degree": "Degree",
    "home_owner": "Home owner",
    "born_abroad": "Born outside the UK",
    "parent_intermediate": "Parent class: intermediate",
    "parent_routine": "Parent class: routine and manual",
}
MODEL_BLOCKS: dict[int, tuple[str, ...]] = {1: BASE, 2: BASE + LA_ECONOMY}
MODEL_BLOCKS[3] = MODEL_BLOCKS[2] + DEMOGRAPHICS
# Left out of the joint-interactions robustness model (not the study's group models).
JOINT_MODEL_EXCLUDES: tuple[str, ...] = ("distance_miles",)
# How the motivation answers enter table 28: the study's complete cases (respondents to all
# four items), or everyone with non-response flags (a robustness analysis).
Motivation = Literal["complete", "indicators"]
MOTIVATION_QUESTIONS: dict[str, str] = {
    "reason_for_job_1": "Most important reason for wanting a job",
    "reason_for_job_2": "Second most important reason for wanting a job",
    "aspect_of_job_1": "Most important aspect of a job",
    "aspect_of_job_2": "Second most important aspect of a job",
}
MOTIVATION_CATEGORIES: dict[str, dict[int, str]] = {
    "reason_for_job": {
        1: "To earn money",
        2: "Interest or enjoyment",
        3: "To be independent",
        4: "To build a career",
        5: "Something to do",
        6: "To meet people",
    },
    "aspect_of_job": {
        1: "Good pay",
        2: "Job security",
        3: "Interesting work",
        4: "Promotion prospects",
        5: "Working with people",
        6: "Good hours",
    },
}


# The study's differences: the first group's mover effect minus the second's, labelled in
# its wording (table 24 of the study: men 0.077 - women 0.042 = 0.034).
CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic(
        "gender",
        {"mover_x_female": "female"},
        {"Male": "male", "Female": "female"},
        "Female",
        {"Male": "Male versus female"},
    ),
    Characteristic(
        "ethnicity",
        {"mover_x_white_british": "white_british"},
        {"White British": "white_british", "Other ethnic groups": "not_white_british"},
        "Other ethnic groups",
        {"White British": "White versus non-white"},
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
            "mover_x_parent_intermediate": "parent_intermediate",
            "mover_x_parent_routine": "parent_routine",
        },
        {
            "Parent class: higher managerial and professional": "parent_higher",
            "Parent class: intermediate": "parent_intermediate",
            "Parent class: routine and manual": "parent_routine",
        },
        "Parent class: routine and manual",
        {
            "Parent class: intermediate": "Parent: intermediate occ. vs routine/manual occ.",
            "Parent class: higher managerial and professional": (
                "Parent: higher managerial occ. vs routine/manual occ."
            ),
        },
    ),
)


# Every mover x characteristic interaction, for the joint-interactions robustness model (not
# the study's: it fits one characteristic's interaction per regression).
ALL_INTERACTIONS: dict[str, str] = {
    inter: char for c in CHARACTERISTICS for inter, char in c.interactions.items()
}


def with_all_interactions(characteristic: Characteristic) -> Characteristic:
    """The characteristic's groups, compared in the model with every mover interaction."""
    return replace(characteristic, interactions=dict(ALL_INTERACTIONS))


def load_sample(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The links with every model-3 control known, as model-ready columns."""
    raw = con.execute(f"select * from {LINKS} order by pidp").df()  # reproducible sums
    return prepare(raw)


def prepare(raw: pd.DataFrame) -> pd.DataFrame:
    """Booleans to 0/1, parent class to dummies; drop rows missing a control (not an outcome)."""
    frame = pd.DataFrame(
        {
            "pidp": raw["pidp"],
            "adult_la_code": raw["adult_la_code"].astype(str),
            "adult_region_name": raw["adult_region_name"].astype(str),
            "adult_year": raw["adult_year"].astype(int),
            "mover": _flag(raw["is_mover"]),
            "distance_miles": raw["distance_miles"].astype(float),
            "la_unemployment_rate": raw["la_unemployment_rate"].astype(float),
            "la_professional_share": raw["la_professional_share"].astype(float),
            "female": _flag(raw["is_female"]),
            "age": raw["adult_age"].astype(float),
            "white_british": _flag(raw["is_white_british"]),
            "married": _flag(raw["is_married"]),
            "has_children": _flag(raw["has_children_under_16"]),
            "n_children": pd.to_numeric(raw["n_children_under_16"]).astype(float),
            "degree": _flag(raw["has_degree"]),
            "home_owner": _flag(raw["is_home_owner"]),
            "born_abroad": _flag(raw["is_born_abroad"]),
            "parent_class": pd.to_numeric(raw["parent_class"]).astype(float),
            "employed": _flag(raw["is_employed"]),
            "higher_professional": _flag(raw["is_higher_professional"]),
            "real_income": pd.to_numeric(raw["real_monthly_labour_income"]).astype(float),
        }
    )
    for question in MOTIVATION_QUESTIONS:
        frame[question] = pd.to_numeric(raw[question]).astype(float)
    controls = [c for c in DEMOGRAPHICS if not c.startswith("parent_")] + ["parent_class"]
    frame = frame.dropna(subset=[*controls, *BASE, *LA_ECONOMY]).reset_index(drop=True)
    frame["parent_higher"] = (frame["parent_class"] == 1).astype(float)
    frame["parent_intermediate"] = (frame["parent_class"] == 2).astype(float)
    frame["parent_routine"] = (frame["parent_class"] == 3).astype(float)
    frame["male"] = 1.0 - frame["female"]
    frame["not_white_british"] = 1.0 - frame["white_british"]
    frame["no_degree"] = 1.0 - frame["degree"]
    return frame


def _flag(values: pd.Series) -> pd.Series:
    """Nullable boolean to float 1/0 with NaN for missing."""
    return values.map({True: 1.0, False: 0.0}).astype(float)


def year_groups(years: pd.Series, outcome: pd.Series, binary: bool) -> pd.Series:
    """The adult interview year as the year effect, one per year.

    The only pooling: a year in which the outcome never varies (for a probit, every link of
    the year employed, say) has no information on its effect and its dummy would predict
    perfectly, so it is merged with the next year (the last such year with the previous
    one). Linear outcomes never pool. Labels are "2005" or "2000-2001".
    """
    groups: dict[int, str] = {}
    current: list[int] = []
    for year in sorted(years.unique()):
        current.append(int(year))
        values = outcome[years.isin(current)].unique()
        if not binary or len(values) >= 2:
            groups.update(dict.fromkeys(current, _year_label(current)))
            current = []
    if current:  # trailing years without variation join the previous group
        previous = [y for y in groups if groups[y] == groups[max(groups)]] if groups else []
        merged = previous + current
        groups.update(dict.fromkeys(merged, _year_label(merged)))
    return years.map(groups)


def _year_label(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def pooled_years(frame: pd.DataFrame) -> list[str]:
    """The year groups of a model's rows that pool more than one year."""
    return sorted(g for g in frame["year_group"].unique() if "-" in g)


def outcome_rows(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The outcome's own sample, with its year effects.

    Rows with the outcome known: occupation models leave out people with no current or last
    occupation; income models keep workers with income known.
    """
    keep = frame[outcome].notna()
    if outcome == "real_income":
        keep &= frame["employed"] == 1.0
    return with_year_groups(frame[keep].reset_index(drop=True), outcome)


def with_year_groups(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The rows with `year_group` set for this outcome (after any further row selection)."""
    out = frame.copy()
    out["year_group"] = year_groups(out["adult_year"], out[outcome], outcome in BINARY_OUTCOMES)
    return out


def motivation_rows(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Table 28's sample: the outcome's rows whose teenager answered all four items."""
    rows = outcome_rows(frame, outcome)
    answered = rows[list(MOTIVATION_QUESTIONS)].notna().all(axis=1)
    return with_year_groups(rows[answered].reset_index(drop=True), outcome)


def year_effects_note(frame: pd.DataFrame) -> str:
    """The table note on year effects: one per adult interview year, and any year pooled."""
    pooled = []
    for outcome, label in OUTCOMES.items():
        for what, rows in (("", outcome_rows), (" (table 28)", motivation_rows)):
            groups = pooled_years(rows(frame, outcome))
            if groups:
                pooled.append(f"{label.split(' (')[0].lower()}{what}: {', '.join(groups)}")
    note = "Year effects: one per adult interview year."
    if pooled:
        note += (
            " Pooled with the next year (the outcome did not vary within the year, so its own "
            "effect is not identified): " + "; ".join(pooled) + "."
        )
    return note


def _effects(frame: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    """Dummies for every level but the most common (the reference)."""
    return indicator_columns(frame[column], prefix, frame[column].value_counts().idxmax())


def motivation_dummies(frame: pd.DataFrame, how: Motivation) -> pd.DataFrame:
    """Each answer as dummies (reference: the first category).

    "complete": the rows are respondents to all four items (table 28 as the study fits it).
    "indicators" (robustness): everyone stays in, with one flag for no answers at all and
    one for some answers missing; a missing item otherwise falls in the reference category
    (per-question "not answered" dummies would be nearly collinear: most people without
    answers had no youth interview, and a missing first answer makes the second inapplicable).
    """
    answers = frame[list(MOTIVATION_QUESTIONS)]
    if how == "complete" and answers.isna().any(axis=None):
        raise ValueError("complete-case motivation model given rows with unanswered items")
    columns = {}
    for question in MOTIVATION_QUESTIONS:
        stem = question.rsplit("_", 1)[0]
        for code in list(MOTIVATION_CATEGORIES[stem])[1:]:
            columns[f"{question}_{code}"] = (answers[question] == code).astype(float)
    if how == "indicators":
        none = answers.isna().all(axis=1)
        columns["motivation_none"] = none.astype(float)
        columns["motivation_some_missing"] = (answers.isna().any(axis=1) & ~none).astype(float)
    return pd.DataFrame(columns, index=frame.index)


def motivation_labels() -> dict[str, str]:
    labels = {}
    for question, text in MOTIVATION_QUESTIONS.items():
        stem = question.rsplit("_", 1)[0]
        for code, category in list(MOTIVATION_CATEGORIES[stem].items())[1:]:
            labels[f"{question}_{code}"] = f"{text}: {category}"
    labels["motivation_none"] = "No youth questionnaire answers"
    labels["motivation_some_missing"] = "Some youth questionnaire answers missing"
    return labels


def design(
    frame: pd.DataFrame,
    model: int,
    characteristic: Characteristic | None = None,
    motivation: Motivation | None = None,
    drop: tuple[str, ...] = (),
) -> pd.DataFrame:
    """const, the model's regressors less `drop`, interactions, motivation, region and year.

    The study's group models are model 3 (distance in) plus one characteristic's mover
    interactions; `frame` must carry the outcome's `year_group` (`outcome_rows`).
    """
    X = pd.DataFrame({"const": np.ones(len(frame))}, index=frame.index)
    for column in MODEL_BLOCKS[model]:
        if column not in drop:
            X[column] = frame[column].astype(float)
    if characteristic is not None:
        add_interactions(X, characteristic, frame)
    if motivation is not None:
        X = X.join(motivation_dummies(frame, motivation))
    X = X.join(_effects(frame, "adult_region_name", "region: "))
    X = X.join(_effects(frame, "year_group", "year: "))
    return X.loc[:, X.std(ddof=0).gt(0) | (X.columns == "const")]


def binary_columns(X: pd.DataFrame) -> list[str]:
    """Columns that are 0/1 dummies; the number of children is a count even if only 0/1."""
    return _binary_columns(X, counts=("n_children",))
