"""The raw-file contracts of strand A (flows, population, geography, typologies, covariates).

docs/data_layouts.md describes the same layouts for people; the synthetic generator writes
them and the public-data readers convert the publishers' files into them.
"""

from __future__ import annotations

from mobility.contracts import Column, FileContract
from mobility.vocabulary import INDICATORS, SUPERGROUPS

FIRST_FLOW_YEAR, LAST_FLOW_YEAR = 2011, 2018
CENSUS_YEAR = 2011
# Census 2011 OD breakdowns (our canonical layout, modelled on the Nomis census OD tables):
# NS-SEC in the study's three classes plus the two groups outside them, and ethnicity in two.
CENSUS_BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "nssec": (
        "Higher managerial, administrative and professional occupations",
        "Intermediate occupations",
        "Routine and manual occupations",
        "Never worked and long-term unemployed",
        "Full-time students",
    ),
    "ethnicity": ("White", "Non-white"),
}
FIRST_INDICATOR_YEAR, LAST_INDICATOR_YEAR = 2000, 2019

LA_LOOKUP = FileContract(
    name="LA geography lookup",
    pattern="geography/ltla_lookup.csv",
    columns=(
        Column("ltlacd", is_la_code=True),
        Column("ltlanm"),
        Column("rgncd"),
        Column("rgnnm"),
        Column("ctrycd"),
        Column("ctrynm", allowed=("England", "Wales")),
    ),
    key=("ltlacd",),
)

CENSUS_OD = FileContract(
    name="Census 2011 LA origin-destination flows",
    pattern="census2011/census2011_la_od.csv",
    columns=(
        Column("OutLA", is_la_code=True),
        Column("InLA", is_la_code=True),
        Column("Moves", "number", min_value=0),  # whole numbers; the public reader writes 12.0
        Column("source"),
    ),
    key=("OutLA", "InLA"),
)
# Required in every mode: the real public files lack the breakdowns, so the public preparation
# writes this file header-only (zero rows) and reports the NS-SEC/ethnicity tables as not
# produced; the contract still checks the layout (and every row when there are rows).
CENSUS_OD_BY_GROUP = FileContract(
    name="Census 2011 LA origin-destination flows by NS-SEC and by ethnicity",
    pattern="census2011/census2011_la_od_by_group.csv",
    columns=(
        Column("OutLA", is_la_code=True),
        Column("InLA", is_la_code=True),
        Column("breakdown", allowed=tuple(CENSUS_BREAKDOWNS)),
        Column(
            "category",
            allowed=tuple(c for categories in CENSUS_BREAKDOWNS.values() for c in categories),
        ),
        Column("Moves", "integer", min_value=0),
    ),
    key=("OutLA", "InLA", "breakdown", "category"),
)
CENSUS_OD_BY_GROUP_COLUMNS: tuple[str, ...] = tuple(c.name for c in CENSUS_OD_BY_GROUP.columns)

FLOW_CONTRACTS: tuple[FileContract, ...] = (
    FileContract(
        name="ONS internal migration detailed estimates",
        pattern="flows/Detailed_Estimates_*_Dataset_*.csv",
        columns=(
            Column("OutLA", is_la_code=True),
            Column("InLA", is_la_code=True),
            Column("Age", "integer", min_value=0, max_value=90),
            Column("Sex", allowed=("M", "F")),
            Column("Moves", "number", min_value=0),
        ),
        key=("OutLA", "InLA", "Age", "Sex"),
        year_pattern=r"Detailed_Estimates_(\d{4})_",
        year_range=(FIRST_FLOW_YEAR, LAST_FLOW_YEAR),
    ),
    FileContract(
        name="ONS mid-year population estimates (Nomis NM_2002_1)",
        pattern="population/nomis_NM_2002_1_mid*.tsv",
        columns=(
            Column("GEOGRAPHY_CODE", is_la_code=True),
            Column("GENDER", allowed=("1", "2")),
            Column("C_AGE", "integer", min_value=101, max_value=191),
            Column("OBS_VALUE", "number", min_value=0),
        ),
        key=("GEOGRAPHY_CODE", "GENDER", "C_AGE"),
        delimiter="\t",
        year_pattern=r"mid(\d{4})",
        year_range=(FIRST_FLOW_YEAR - 1, LAST_FLOW_YEAR),
    ),
    FileContract(
        name="LA centroids",
        pattern="geography/lad_centroids.csv",
        columns=(
            Column("lad19cd", is_la_code=True),
            Column("lat", "number", min_value=49.0, max_value=61.0),
            Column("long", "number", min_value=-9.0, max_value=2.5),
        ),
        key=("lad19cd",),
    ),
    FileContract(
        name="LA code crosswalk",
        pattern="geography/la_crosswalk.csv",
        columns=(
            Column("from_code"),
            Column("from_vintage"),
            Column("to_code", is_la_code=True),
            Column("weight", "number", min_value=0, max_value=1),
        ),
        key=("from_code", "to_code"),
    ),
    FileContract(
        name="Covariate coverage",
        pattern="covariates/coverage.csv",
        columns=(
            Column("indicator"),
            Column(
                "year", "integer", min_value=FIRST_INDICATOR_YEAR, max_value=LAST_INDICATOR_YEAR
            ),
            Column("source_file", nullable=True),
            Column("source_year", "integer", nullable=True),
            Column("filled_by_rule", allowed=("True", "False", "true", "false")),
        ),
        key=("indicator", "year"),
    ),
    FileContract(
        name="LA neighbours (shared borders)",
        pattern="geography/lad_neighbours.json",
        columns=(),
        json_map=True,
    ),
    FileContract(
        name="Social Mobility Index 2017",
        pattern="typologies/social_mobility_index_2017.csv",
        columns=(
            Column("la_code", is_la_code=True),
            Column("overall_score", "number"),
            Column("overall_rank", "integer", min_value=1),
        ),
        key=("la_code",),
    ),
    FileContract(
        name="ONS 2011 area classification",
        pattern="typologies/area_classification_2011.csv",
        columns=(
            Column("la_code", is_la_code=True),
            Column("supergroup", allowed=SUPERGROUPS),
        ),
        key=("la_code",),
    ),
    FileContract(
        name="IMD 2010 LA summary",
        pattern="typologies/imd2010_la_summary.csv",
        columns=(
            Column("la_code", is_la_code=True),
            Column("imd_average_score", "number"),
            Column("imd_rank_of_average_score", "integer", min_value=1),
        ),
        key=("la_code",),
    ),
    FileContract(
        name="LA indicators",
        pattern="covariates/la_indicators.csv",
        columns=(
            Column("la_code", is_la_code=True),
            Column(
                "year", "integer", min_value=FIRST_INDICATOR_YEAR, max_value=LAST_INDICATOR_YEAR
            ),
            Column("indicator", allowed=INDICATORS),
            Column("value", "number", min_value=0),
        ),
        key=("la_code", "year", "indicator"),
    ),
    CENSUS_OD,
    CENSUS_OD_BY_GROUP,
)
