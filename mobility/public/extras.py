"""Extra LA covariates offered beside the study's (NOT in the study's models).

- `non_white_pct` (2011): Census 2011 QS201EW, 100 x (all - White) / all usual residents,
  by 2011 LA code (counts summed onto the vintage).
- `degree_pct` (2011): Census 2011 KS501EW (Nomis extract, LA names only), 100 x residents
  16+ with Level 4+ qualifications / all residents 16+; names matched to codes with the
  match rate reported.
- `median_weekly_pay` (2013-2019): ASHE table 7.1a, workplace-based median gross weekly pay,
  all employee jobs (sheet "All"); a unit merging several LAs takes their medians weighted by
  the number of jobs (an approximation: a median of a union is not a mean of medians).
  Suppressed cells are missing.

They go to `covariates/la_extras.csv` (la_code, year, indicator, value), which no dbt model
reads: analysts may join them for their own variants, named as such.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError
from mobility.public.fertility import name_key
from mobility.public.vintage import Vintage
from mobility.public.workbooks import (
    code_rows,
    find_sheet,
    locate_table,
    read_publisher_csv,
    read_raw_sheet,
    to_number,
)

ALL = "Ethnic Group: All categories: Ethnic group; measures: Value"
WHITE = "Ethnic Group: White; measures: Value"


def non_white_pct(path: Path, vintage: Vintage) -> pd.DataFrame:
    frame = read_publisher_csv(path, ["geography code", ALL, WHITE], "Census 2011 QS201EW")
    units = vintage.map_codes(frame["geography code"])
    counts = pd.DataFrame(
        {"la_code": units, "all": to_number(frame[ALL]), "white": to_number(frame[WHITE])}
    ).dropna()
    summed = counts.groupby("la_code", as_index=False)[["all", "white"]].sum()
    summed["value"] = 100 * (summed["all"] - summed["white"]) / summed["all"]
    return summed.assign(year=2011, indicator="non_white_pct")[
        ["la_code", "year", "indicator", "value"]
    ]


def degree_pct(path: Path, vintage: Vintage) -> tuple[pd.DataFrame, str]:
    """The share with Level 4+ and a sentence on how the names matched."""
    sheet = find_sheet(path, ["Data", "Sheet1", "KS501EW"])
    raw = read_raw_sheet(path, sheet)
    first = raw.iloc[:, 0].map(lambda v: "" if pd.isna(v) else str(v).strip().lower())
    header = [i for i, v in enumerate(first) if v.startswith("local authority")]
    if not header:
        raise BadInputError(
            f"{path}, sheet {sheet!r}: no header row starting 'local authority' above the "
            "Nomis KS501EW table."
        )
    body = raw.iloc[header[0] + 2 :, [0, 1, 3]].dropna()
    body.columns = ["name", "all", "level4"]
    by_name: dict[str, set[str]] = {}
    for name, unit in zip(
        vintage.crosswalk["from_name"], vintage.crosswalk["to_code"], strict=True
    ):
        by_name.setdefault(name_key(name), set()).add(unit)
    units = body["name"].map(lambda n: _single(by_name.get(name_key(n), set())))
    unmatched = sorted(str(n) for n in body.loc[units.isna(), "name"])
    counts = pd.DataFrame(
        {"la_code": units, "all": to_number(body["all"]), "level4": to_number(body["level4"])}
    ).dropna()
    summed = counts.groupby("la_code", as_index=False)[["all", "level4"]].sum()
    summed["value"] = 100 * summed["level4"] / summed["all"]
    note = (
        f"degree_pct ({path.name}): {len(body) - len(unmatched)} of {len(body)} LA names "
        f"matched to codes; {len(summed)} of {len(vintage.codes)} units have a value; "
        f"unmatched: {', '.join(unmatched) or 'none'}"
    )
    table = summed.assign(year=2011, indicator="degree_pct")
    return table[["la_code", "year", "indicator", "value"]], note


def _single(units: set[str]) -> str | None:
    return next(iter(units)) if len(units) == 1 else None


def median_weekly_pay(path: Path, vintage: Vintage) -> pd.DataFrame:
    match = re.search(r"(\d{4})\.xls", path.name)
    if not match:
        raise BadInputError(f"{path}: the year is not in the file name (..._<year>.xls).")
    sheet = find_sheet(path, ["All"])
    raw = read_raw_sheet(path, sheet)
    header, where = locate_table(raw, path, sheet, ["Code", "Median"])
    rows = code_rows(raw, header, where["Code"])
    frame = pd.DataFrame(
        {
            "code": rows.iloc[:, where["Code"]].to_numpy(),
            "median": to_number(rows.iloc[:, where["Median"]]).to_numpy(),
            "jobs": to_number(rows.iloc[:, where["Code"] + 1]).fillna(1.0).to_numpy(),
        }
    )
    frame["la_code"] = vintage.map_codes(frame["code"]).to_numpy()
    frame = frame.dropna(subset=["la_code", "median"]).drop_duplicates("code")
    frame["weighted"] = frame["median"] * frame["jobs"]
    summed = frame.groupby("la_code", as_index=False)[["weighted", "jobs"]].sum()
    summed["value"] = summed["weighted"] / summed["jobs"]
    return summed.assign(year=int(match.group(1)), indicator="median_weekly_pay")[
        ["la_code", "year", "indicator", "value"]
    ]
