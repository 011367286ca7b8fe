"""Row labels as the study prints them, and typology metadata shared by the flow analyses."""

from __future__ import annotations

TYPOLOGY_TITLES: dict[str, str] = {
    "smi_2017": "Social Mobility Index 2017 hot and cold spots",
    "ons_supergroup": "ONS 2011 area classification supergroups",
    "imd_2010": "IMD 2010 deprivation quintiles",
}

COVARIATE_LABELS: dict[str, str] = {
    "share_aged_15_29": "Young population ratio aged 15-29",
    "dependency_ratio": "Dependency ratio",
    "total_fertility_rate": "Fertility rate",
    "non_uk_born_share": "Non-UK born ratio",
    "unemployment_rate": "Unemployment rate",
    "gva_per_head_real": "GVA per capita",
    "mean_house_price": "House prices",
}
