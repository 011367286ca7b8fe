"""Code lists shared by the generators, the raw-file contracts, the readers and the analyses.

One definition each; warehouse/seeds/typology_categories.csv holds the same categories for
SQL (a test keeps the two in step).
"""

from __future__ import annotations

SMI_CATEGORIES: tuple[str, ...] = ("Hot spot", "Medium", "Cold spot")
SUPERGROUPS: tuple[str, ...] = (
    "Affluent England",
    "Business, Education and Heritage Centres",
    "Countryside Living",
    "Ethnically Diverse Metropolitan Living",
    "London Cosmopolitan",
    "Services and Industrial Legacy",
    "Town and Country Living",
    "Urban Settlements",
)
IMD_QUINTILES: tuple[str, ...] = (
    "High deprivation",
    "2nd quintile",
    "3rd quintile",
    "4th quintile",
    "Low deprivation",
)
INDICATORS: tuple[str, ...] = (
    "unemployment_rate",
    "gva_per_head_real",
    "mean_house_price",
    "total_fertility_rate",
    "non_uk_born_pct",
    "professional_share_pct",
)
COVERAGE_COLUMNS: tuple[str, ...] = (
    "indicator",
    "year",
    "source_file",
    "source_year",
    "filled_by_rule",
    "la_observed",
    "la_filled",
    "la_filled_from_neighbours",
    "la_missing",
    "note",
)
