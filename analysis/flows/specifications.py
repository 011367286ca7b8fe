"""The study's strand-A regression specifications: samples, nested models, term labels.

Pure data, no computation: which typology, years and countries each sample uses, which
report table each specification mirrors, which regressors enter models 1-4, and how each
term is printed.
"""

from __future__ import annotations

from dataclasses import dataclass

from study.registry import IMD_QUINTILES, SMI_CATEGORIES, SUPERGROUPS


@dataclass(frozen=True)
class Sample:
    """One typology's estimation sample and the report tables its models mirror."""

    typology: str
    column: str  # stem of the typology columns in fct_la_pair_flows (sending_/receiving_)
    categories: tuple[str, ...]  # study order; the first is the reference
    years: tuple[int, int]
    countries: tuple[str, ...]
    outflow_table: int | None
    destination_tables: tuple[int | None, ...]  # one per sending category, in order

    @property
    def reference(self) -> str:
        return self.categories[0]

    @property
    def pooled_countries(self) -> bool:
        return len(self.countries) > 1


SAMPLES: tuple[Sample, ...] = (
    Sample("smi_2017", "smi_category", SMI_CATEGORIES, (2017, 2018), ("England",), 2, (3, 4, 5)),
    Sample(
        "ons_supergroup",
        "supergroup",
        SUPERGROUPS,
        (2011, 2018),
        ("England", "Wales"),
        7,
        (8, 9, 10, 11, 12, 13, 14, 15),
    ),
    Sample(
        "imd_2010",
        "imd_quintile",
        IMD_QUINTILES,
        (2011, 2018),
        ("England",),
        None,
        (16, 17, 18, 19, 20),
    ),
)

# Regressors added at each model (cumulative): column in the sample frame -> (term, label).
DISTANCE_TERMS: dict[str, str] = {
    "shares_border": "Share border",
    "log_distance": "Distance between sending and receiving areas",
}
DEMOGRAPHIC_TERMS: dict[str, str] = {
    "sending_log_share_aged_15_29": "Young population ratio aged 15-29, sending area",
    "sending_dependency_ratio": "Dependency ratio, sending area",
    "sending_non_uk_born_share": "Non-UK born ratio, sending area",
    "sending_total_fertility_rate": "Fertility rate, sending area",
}
ECONOMIC_TERMS: dict[str, str] = {
    "sending_unemployment_rate": "Unemployment rate, sending area",
    "receiving_unemployment_rate": "Unemployment rate, receiving area",
    "sending_log_gva_per_head": "GVA per capita, sending area",
    "receiving_log_gva_per_head": "GVA per capita, receiving area",
    "sending_log_mean_house_price": "House prices, sending area",
    "receiving_log_mean_house_price": "House prices, receiving area",
}
MODEL_BLOCKS: dict[int, tuple[dict[str, str], ...]] = {
    1: (),
    2: (DISTANCE_TERMS,),
    3: (DISTANCE_TERMS, DEMOGRAPHIC_TERMS),
    4: (DISTANCE_TERMS, DEMOGRAPHIC_TERMS, ECONOMIC_TERMS),
}
CONTROL_BLOCKS: dict[str, tuple[int, ...]] = {
    "Distance and border": (2, 3, 4),
    "Demographic structure of sending": (3, 4),
    "Economic conditions of sending and receiving": (4,),
    "Year effects": (1, 2, 3, 4),
}


def type_term(end: str, category: str) -> str:
    return f"{end}_type[{category}]"


def type_label(end: str, category: str, typology: str) -> str:
    """`Sending: cold spot`, `Receiving: London Cosmopolitan`, `Receiving: 2nd quintile`."""
    shown = category.lower() if typology == "smi_2017" else category
    return f"{end.capitalize()}: {shown}"


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_").replace("__", "_")
