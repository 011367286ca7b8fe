"""ONS internal-migration detailed estimates (and Census 2011 OD) onto the vintage.

Each ONS year comes as Detailed_Estimates_<year>_Dataset_1.csv and _2.csv with columns
OutLA, InLA, Age, Sex, Moves, on the LA codes of that year. We map both ends to the vintage
and sum. Rows are never dropped silently: rows with a Scotland or Northern Ireland
aggregate code, rows whose two ends fall in the same merged unit, and suppressed cells are
returned as Exclusion records with their moves, so totals reconcile exactly
(moves in = moves out + moves excluded). A code we cannot place is an error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mobility.errors import BadInputError
from mobility.public.report import Exclusion
from mobility.public.vintage import AGGREGATE_CODES, COMBINED_CODES, Vintage
from mobility.public.workbooks import read_publisher_csv, to_number

FLOW_COLUMNS = ["OutLA", "InLA", "Age", "Sex", "Moves"]
LATER_LA_REASON = (
    "an end on an LA created by the 2019-2023 mergers (not split back onto the study's "
    "2011-2018 LAs; use --vintage current)"
)


def read_detailed_estimates(path: Path) -> pd.DataFrame:
    """One publisher file, checked for its columns; codes and sex as text, moves as float."""
    frame = read_publisher_csv(path, FLOW_COLUMNS, "ONS detailed estimates", keep_default_na=False)[
        FLOW_COLUMNS
    ].copy()
    for col in ("OutLA", "InLA", "Sex"):
        frame[col] = frame[col].str.strip()
    frame["Sex"] = frame["Sex"].str.upper().replace({"1": "M", "2": "F", "MALE": "M"})
    frame["Sex"] = frame["Sex"].replace({"FEMALE": "F"})
    bad_sex = ~frame["Sex"].isin(["M", "F"])
    if bad_sex.any():
        row = int(np.flatnonzero(bad_sex)[0])
        raise BadInputError(
            f"{path}: column Sex, data row {row + 1}: {frame['Sex'].iloc[row]!r} is not M or F."
        )
    age = pd.to_numeric(frame["Age"].str.replace("+", "", regex=False), errors="coerce")
    if age.isna().any():
        row = int(np.flatnonzero(age.isna())[0])
        raise BadInputError(
            f"{path}: column Age, data row {row + 1}: {frame['Age'].iloc[row]!r} is not an age."
        )
    frame["Age"] = age.clip(upper=90).astype(int)
    frame["Moves"] = to_number(frame["Moves"])
    return frame


def harmonise_flows(
    frame: pd.DataFrame, vintage: Vintage, source: str
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Map both ends to the vintage and sum; return the flows and what was excluded."""
    exclusions: list[Exclusion] = []
    suppressed = frame["Moves"].isna()
    if suppressed.any():
        exclusions.append(
            Exclusion(source, "moves cell suppressed or not a number", int(suppressed.sum()))
        )
    frame = frame[~suppressed]
    for code, country in AGGREGATE_CODES.items():
        hit = (frame["OutLA"] == code) | (frame["InLA"] == code)
        if hit.any():
            exclusions.append(
                Exclusion(
                    source,
                    f"{country} aggregate code {code} (not an LA of the England and Wales "
                    "vintage; kept out of LA pairs)",
                    int(hit.sum()),
                    float(frame.loc[hit, "Moves"].sum()),
                )
            )
            frame = frame[~hit]
    later = frame["OutLA"].isin(vintage.later_codes) | frame["InLA"].isin(vintage.later_codes)
    if later.any():
        exclusions.append(
            Exclusion(
                source, LATER_LA_REASON, int(later.sum()), float(frame.loc[later, "Moves"].sum())
            )
        )
        frame = frame[~later]
    out_la = vintage.map_codes(frame["OutLA"])
    in_la = vintage.map_codes(frame["InLA"])
    unknown = out_la.isna() | in_la.isna()
    if unknown.any():
        codes = sorted(
            set(frame.loc[out_la.isna(), "OutLA"]) | set(frame.loc[in_la.isna(), "InLA"])
        )
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        raise BadInputError(
            f"{source}: {len(codes)} LA code(s) not in the crosswalk to {vintage.name}: "
            f"{', '.join(codes[:5])} (first at data row {first + 1}). Only England and Wales LA "
            f"codes since 2011, the combined codes {', '.join(COMBINED_CODES)} and the aggregate "
            f"codes {', '.join(AGGREGATE_CODES)} are understood."
        )
    mapped = pd.DataFrame(
        {
            "OutLA": out_la.to_numpy(),
            "InLA": in_la.to_numpy(),
            "Age": frame["Age"].to_numpy(),
            "Sex": frame["Sex"].to_numpy(),
            "Moves": frame["Moves"].to_numpy(),
        }
    )
    internal = mapped["OutLA"] == mapped["InLA"]
    if internal.any():
        exclusions.append(
            Exclusion(
                source,
                "both ends in the same unit after merging (moves within a merged LA, e.g. "
                "Christchurch -> Poole, or City of London -> Westminster)",
                int(internal.sum()),
                float(mapped.loc[internal, "Moves"].sum()),
            )
        )
    summed = (
        mapped[~internal]
        .groupby(["OutLA", "InLA", "Age", "Sex"], as_index=False, sort=True)["Moves"]
        .sum()
    )
    summed["Moves"] = summed["Moves"].round(4)
    return summed, exclusions


def write_flow_year(out_dir: Path, year: int, flows: pd.DataFrame) -> list[tuple[Path, int]]:
    """Split one year in two files at the middle sending code, as ONS does (Dataset_1/_2)."""
    codes = np.sort(flows["OutLA"].unique())
    cut = codes[len(codes) // 2] if len(codes) else ""
    paths = []
    for part, frame in ((1, flows[flows["OutLA"] < cut]), (2, flows[flows["OutLA"] >= cut])):
        path = out_dir / "flows" / f"Detailed_Estimates_{year}_Dataset_{part}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
        paths.append((path, len(frame)))
    return paths


def read_census_od(path: Path, vintage: Vintage) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Census 2011 LA OD matrix (Nomis MM01CUK_ALL, all ages and sexes) onto the vintage.

    Returns OutLA, InLA, Moves, source: moves in the year before census day 2011. Scottish
    and Northern Irish ends and the diagonal (people who moved within their LA) are excluded
    and reported.
    """
    frame = read_publisher_csv(
        path,
        ["O_GEOGRAPHY_CODE", "D_GEOGRAPHY_CODE", "MIGRATIONS"],
        "the Nomis MM01CUK_ALL long layout",
        dtype={"O_GEOGRAPHY_CODE": str, "D_GEOGRAPHY_CODE": str},
    )
    source = path.name
    exclusions = []
    moves = to_number(frame["MIGRATIONS"])
    out_la = vintage.map_codes(frame["O_GEOGRAPHY_CODE"])
    in_la = vintage.map_codes(frame["D_GEOGRAPHY_CODE"])
    outside = out_la.isna() | in_la.isna()
    if outside.any():
        exclusions.append(
            Exclusion(
                source,
                "origin or destination outside England and Wales (Scottish LA codes)",
                int(outside.sum()),
                float(moves[outside].sum()),
            )
        )
    same = ~outside & (out_la == in_la)
    diagonal = same & (frame["O_GEOGRAPHY_CODE"] == frame["D_GEOGRAPHY_CODE"])
    for reason, hit in (
        ("moves within one LA (diagonal of the matrix)", diagonal),
        (
            "both ends in the same unit after merging or folding (e.g. Corby -> Kettering, "
            "now North Northamptonshire)",
            same & ~diagonal,
        ),
    ):
        if hit.any():
            exclusions.append(Exclusion(source, reason, int(hit.sum()), float(moves[hit].sum())))
    keep = ~outside & ~same & (moves > 0)
    title = "Census 2011 MM01CUK_ALL (year before 27 March 2011)"
    return census_pairs(out_la[keep], in_la[keep], moves[keep], title), exclusions


def census_pairs(out_la: pd.Series, in_la: pd.Series, moves: pd.Series, title: str) -> pd.DataFrame:
    """The census OD layout (OutLA, InLA, Moves, source): moves summed per pair of units."""
    result = (
        pd.DataFrame({"OutLA": out_la, "InLA": in_la, "Moves": moves})
        .groupby(["OutLA", "InLA"], as_index=False, sort=True)["Moves"]
        .sum()
    )
    result["source"] = title
    return result
