"""Strand B sample rules that need no warehouse: year effects per year."""

from __future__ import annotations

import pandas as pd

from analysis.panel.sample import year_groups


def test_year_effects_are_per_year_and_pool_only_years_without_variation() -> None:
    years = pd.Series([2000, 2000, 2001, 2001, 2002, 2002, 2003, 2005, 2005])
    binary = pd.Series([1, 1, 0, 1, 1, 0, 1, 1, 1])
    groups = year_groups(years, binary, binary=True)
    # 2000 (all 1) joins 2001; 2003 and 2005 (all 1, the last years) join 2002.
    assert groups.tolist() == ["2000-2001"] * 4 + ["2002-2005"] * 5
    linear = year_groups(years, binary.astype(float), binary=False)
    assert linear.tolist() == [str(y) for y in years]
    varied = pd.Series([1, 0, 0, 1, 1, 0, 1, 0, 1])
    assert year_groups(years[:6], varied[:6], binary=True).tolist() == [str(y) for y in years[:6]]
