"""The declared gap rule for LA covariates and the coverage table that records it.

Rule (declared, never silent), per indicator, LA and target year:
1. the value observed for that year (`fill_method = observed`);
2. else the LA's value from the **nearest year with a value** (ties go to the earlier
   year; `nearest_year`);
3. else, for an LA with no value in any year (e.g. suppressed every time), the unweighted
   mean of its bordering LAs' values for that year (`neighbour_mean`);
4. else missing, counted as `la_missing` in coverage.csv.
Steps 2 and 3 set `filled_by_rule`.

coverage.csv has one row per (indicator, year): the source file(s), the source year used
(the most common one when LAs differ), whether any LA was filled by the rule, and how many
LAs were observed, filled (of which from neighbours) and missing.
la_indicators_provenance.csv gives the same per LA.
"""

from __future__ import annotations

import pandas as pd

from mobility.vocabulary import COVERAGE_COLUMNS as VOCABULARY_COVERAGE_COLUMNS

COVERAGE_COLUMNS = list(VOCABULARY_COVERAGE_COLUMNS)
FILLED_COLUMNS = ["la_code", "year", "value", "source_year", "filled_by_rule", "fill_method"]


def fill_nearest_year(
    observed: pd.DataFrame, la_codes: list[str], years: list[int]
) -> pd.DataFrame:
    """Steps 1-2: a complete (la_code, year) grid with value, source_year and fill flags.

    `observed` has la_code, year, value (one indicator). LAs with no value in any year come
    back with value NaN and fill_method 'missing' so the gap stays visible.
    """
    observed = observed.dropna(subset=["value"])
    by_la = {code: group.set_index("year")["value"] for code, group in observed.groupby("la_code")}
    rows = []
    for code in la_codes:
        series = by_la.get(code)
        for year in years:
            if series is None or series.empty:
                rows.append((code, year, float("nan"), pd.NA, False, "missing"))
            elif year in series.index:
                rows.append((code, year, float(series[year]), year, False, "observed"))
            else:
                nearest = min(series.index, key=lambda y: (abs(y - year), y))
                value = float(series[nearest])
                rows.append((code, year, value, int(nearest), True, "nearest_year"))
    return pd.DataFrame(rows, columns=FILLED_COLUMNS)


def fill_from_neighbours(
    filled: pd.DataFrame, neighbours: dict[str, list[list[str]]]
) -> pd.DataFrame:
    """Step 3: LAs still missing take the mean of their bordering LAs' values that year."""
    filled = filled.copy()
    values = filled.set_index(["la_code", "year"])["value"].to_dict()
    for index in filled.index[filled["value"].isna()]:
        code, year = filled.at[index, "la_code"], filled.at[index, "year"]
        borders = neighbours.get(code, [[]])[0]
        around = [values.get((b, year)) for b in borders]
        around = [v for v in around if v is not None and not pd.isna(v)]
        if around:
            filled.at[index, "value"] = sum(around) / len(around)
            filled.at[index, "filled_by_rule"] = True
            filled.at[index, "fill_method"] = "neighbour_mean"
    return filled


def summarise(
    indicator: str, filled: pd.DataFrame, source_file: str, note: str = ""
) -> pd.DataFrame:
    """One coverage row per year for an indicator filled by the rule."""
    rows = []
    for year, group in filled.groupby("year", sort=True):
        present = group["value"].notna()
        source_years = group.loc[present, "source_year"].dropna()
        rows.append(
            {
                "indicator": indicator,
                "year": int(year),
                "source_file": source_file,
                "source_year": int(source_years.mode().iloc[0]) if len(source_years) else pd.NA,
                "filled_by_rule": bool(group["filled_by_rule"].any()),
                "la_observed": int((group["fill_method"] == "observed").sum()),
                "la_filled": int(group["filled_by_rule"].sum()),
                "la_filled_from_neighbours": int((group["fill_method"] == "neighbour_mean").sum()),
                "la_missing": int((~present).sum()),
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
