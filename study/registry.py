"""The study registry: one home for the study's vocabulary.

What dbt needs too (flow years, typologies, indicators, covariates, census breakdowns) is the
`vars: study:` block of `dbt_project.yml`, which dbt reads as `var('study')` and this module
reads as YAML; what only Python needs (report tables, scale presets, disclosure thresholds) is
defined here. Generators, raw-file contracts, dbt, the gate and the analyses all read it, and
this package imports nothing from `mobility` or `analysis`, so imports run one way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO_ROOT / "dbt_project.yml"
END_NAMES: tuple[str, ...] = ("sending", "receiving")


@cache
def _vars() -> dict[str, Any]:
    return yaml.safe_load(DBT_PROJECT.read_text())["vars"]


def _study() -> dict[str, Any]:
    return _vars()["study"]


# --- Years ------------------------------------------------------------------------------------

FIRST_AREA_YEAR: int = _vars()["first_area_year"]
FIRST_FLOW_YEAR: int = _vars()["first_flow_year"]
LAST_FLOW_YEAR: int = _vars()["last_flow_year"]
FLOW_YEARS: range = range(FIRST_FLOW_YEAR, LAST_FLOW_YEAR + 1)
POPULATION_YEARS: range = range(FIRST_AREA_YEAR, LAST_FLOW_YEAR + 1)
CENSUS_YEAR: int = _study()["census_year"]
FIRST_INDICATOR_YEAR, LAST_INDICATOR_YEAR = _study()["indicator_years"]


# --- Typologies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typology:
    """One area typology and the strand-A sample and report tables its models mirror."""

    name: str
    column: str  # stem of the typology columns (dim_local_authorities; sending_/receiving_)
    title: str
    categories: tuple[str, ...]  # study order; the first is the reference
    descriptions: tuple[str, ...]
    years: tuple[int, int]
    countries: tuple[str, ...]
    outflow_table: int | None
    destination_tables: tuple[int | None, ...]  # one per sending category, in order
    lower_case_labels: bool

    @property
    def reference(self) -> str:
        return self.categories[0]

    @property
    def pooled_countries(self) -> bool:
        return len(self.countries) > 1


def _typology(entry: dict[str, Any]) -> Typology:
    return Typology(
        name=entry["name"],
        column=entry["column"],
        title=entry["title"],
        categories=tuple(c["name"] for c in entry["categories"]),
        descriptions=tuple(c["description"] for c in entry["categories"]),
        years=(int(entry["years"][0]), int(entry["years"][1])),
        countries=tuple(entry["countries"]),
        outflow_table=entry["outflow_table"],
        destination_tables=tuple(entry["destination_tables"]),
        lower_case_labels=entry.get("short_labels") == "lower",
    )


TYPOLOGIES: tuple[Typology, ...] = tuple(_typology(t) for t in _study()["typologies"])
TYPOLOGY_BY_NAME: dict[str, Typology] = {t.name: t for t in TYPOLOGIES}
TYPOLOGY_TITLES: dict[str, str] = {t.name: t.title for t in TYPOLOGIES}
SMI_CATEGORIES = TYPOLOGY_BY_NAME["smi_2017"].categories
SUPERGROUPS = TYPOLOGY_BY_NAME["ons_supergroup"].categories
IMD_QUINTILES = TYPOLOGY_BY_NAME["imd_2010"].categories


# --- Indicators and covariates ----------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """A published LA indicator: a row kind of covariates/la_indicators.csv."""

    name: str  # raw name, in the `indicator` column
    column: str  # column of int_indicators_pivoted_to_la_year
    unit: str
    scale: float  # pivoted value = raw value x scale (percent -> share)
    decimals: int  # decimals the publisher (and so the synthetic twin) prints


@dataclass(frozen=True)
class Covariate:
    """An LA-year covariate of the flow models."""

    column: str  # fct_la_year_covariates column; `<end>_<column>_lag1` in the pair marts
    source: str  # "indicator" (a published indicator) or "population" (the estimates)
    term: str  # model term stem: `<end>_<term>`
    transform: str  # "log" or "identity", applied to the lagged value
    ends: tuple[str, ...]
    model: int  # first nested model that includes it (3 demographic, 4 economic)
    label: str

    def terms(self) -> dict[str, str]:
        """Model term -> row label, one per end, in end order."""
        return {f"{end}_{self.term}": f"{self.label}, {end} area" for end in self.ends}

    def lagged_column(self, end: str) -> str:
        return f"{end}_{self.column}_lag1"


INDICATORS_REGISTERED: tuple[Indicator, ...] = tuple(
    Indicator(
        name=i["name"],
        column=i["column"],
        unit=i["unit"],
        scale=float(i["scale"]),
        decimals=int(i["decimals"]),
    )
    for i in _study()["indicators"]
)
INDICATORS: tuple[str, ...] = tuple(i.name for i in INDICATORS_REGISTERED)
COVARIATES: tuple[Covariate, ...] = tuple(
    Covariate(
        column=c["column"],
        source=c["source"],
        term=c["term"],
        transform=c["transform"],
        ends=tuple(c["ends"]),
        model=int(c["model"]),
        label=c["label"],
    )
    for c in _study()["covariates"]
)
COVARIATE_LABELS: dict[str, str] = {c.column: c.label for c in COVARIATES}


# --- Census breakdowns ------------------------------------------------------------------------

CENSUS_BREAKDOWNS: dict[str, tuple[str, ...]] = {
    b["name"]: tuple(b["categories"]) for b in _study()["census_breakdowns"]
}
CENSUS_BREAKDOWN_TITLES: dict[str, str] = {
    b["name"]: b["title"] for b in _study()["census_breakdowns"]
}


# --- Scale presets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How big a synthetic twin is: `small` for quick tests, `full` for the study's size."""

    name: str
    panel_households: int
    ls_linked_people: int


SCALES: dict[str, Scale] = {
    "small": Scale("small", panel_households=2000, ls_linked_people=6_000),
    "full": Scale("full", panel_households=9000, ls_linked_people=30_000),
}
DEFAULT_SCALE = "full"  # `mobility run` and `make run`; tests ask for `small` explicitly


# --- Disclosure thresholds (docs/disclosure.md) -------------------------------------------------

MIN_CELL = 10  # no published cell rests on fewer people
ROUND_TO = 5  # every published count is rounded to a multiple of this


def round_counts(values: pd.Series, round_to: int = ROUND_TO) -> pd.Series:
    """Round counts to the nearest multiple of round_to (halves away from zero)."""
    numeric = pd.to_numeric(values, errors="coerce")
    return np.sign(numeric) * np.floor(np.abs(numeric) / round_to + 0.5) * round_to


def round_count(count: int) -> int:
    """One count rounded as `round_counts` does (run facts and gate docs of restricted runs)."""
    return int(round_counts(pd.Series([count])).iloc[0])
