"""The code lists in Python and the seed dbt uses must not drift apart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mobility.vocabulary import IMD_QUINTILES, SMI_CATEGORIES, SUPERGROUPS

SEED = Path(__file__).resolve().parents[1] / "warehouse" / "seeds" / "typology_categories.csv"


def test_seed_lists_the_same_categories_in_the_same_order() -> None:
    seed = pd.read_csv(SEED).sort_values(["typology", "category_order"])
    for typology, categories in (
        ("smi_2017", SMI_CATEGORIES),
        ("ons_supergroup", SUPERGROUPS),
        ("imd_2010", IMD_QUINTILES),
    ):
        rows = seed[seed["typology"] == typology]
        assert tuple(rows["category"]) == categories
        assert rows["is_reference"].tolist() == [True] + [False] * (len(categories) - 1)
