"""Census 2021 origin-destination migration (ODMG01EW, LTLA 2021) onto the current vintage.

The file has one row per origin (address one year before census day, 21 March 2021) and
destination (usual address on census day) with a Count. Destinations are the 331 LTLAs of
England and Wales; origins also include Scottish council areas, Northern Irish districts,
`999999999` (outside the UK a year before) and `-8` ("does not apply": same address). Only
moves between two E&W LAs become pair flows; every other row is returned as an Exclusion
with its count (read = written + each excluded kind), never dropped silently.

The 2021 LTLAs include the 2019-2021 mergers (Dorset, Buckinghamshire, the Northamptonshires,
...), so the flows exist only on the `current` vintage: they are never split back onto the
study's 2011-2018 districts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mobility.errors import BadInputError
from mobility.public.flows import census_pairs
from mobility.public.report import Exclusion
from mobility.public.vintage import Vintage
from mobility.public.workbooks import read_publisher_csv, to_number

ORIGIN = "Migrant LTLA one year ago code"
DESTINATION = "Lower tier local authorities code"
COUNT = "Count"
SAME_ADDRESS, ABROAD = "-8", "999999999"
SOURCE_TITLE = "Census 2021 ODMG01EW (year before census day, 21 March 2021)"


def read_census2021_od(path: Path, vintage: Vintage) -> tuple[pd.DataFrame, list[Exclusion]]:
    """OutLA, InLA, Moves, source on the vintage, and what was excluded (rows and moves)."""
    frame = read_publisher_csv(
        path, [ORIGIN, DESTINATION, COUNT], "the Census 2021 ODMG01EW LTLA layout", dtype=str
    )
    source = path.name
    origin = frame[ORIGIN].str.strip()
    destination = frame[DESTINATION].str.strip()
    moves = to_number(frame[COUNT])
    if moves.isna().any():
        row = int(np.flatnonzero(moves.isna().to_numpy())[0])
        raise BadInputError(
            f"{path}: column {COUNT}, data row {row + 1}: {frame[COUNT].iloc[row]!r} is not a "
            "count (the census OD tables have no suppressed cells)."
        )
    kinds = {
        "origin -8, same address a year before (not a move)": origin == SAME_ADDRESS,
        "origin 999999999, outside the UK a year before": origin == ABROAD,
        "origin in Scotland (council area)": origin.str.startswith("S"),
        "origin in Northern Ireland (district)": origin.str.startswith("N"),
    }
    exclusions: list[Exclusion] = []
    taken = pd.Series(False, index=frame.index)
    for reason, hit in kinds.items():
        hit = hit & ~taken
        taken |= hit
        if hit.any():
            exclusions.append(Exclusion(source, reason, int(hit.sum()), float(moves[hit].sum())))
    out_la = vintage.map_codes(origin[~taken])
    in_la = vintage.map_codes(destination[~taken])
    unknown = out_la.isna() | in_la.isna()
    if unknown.any():
        first = unknown[unknown].index[0]
        raise BadInputError(
            f"{path}: data row {first + 1}: origin {origin[first]!r} or destination "
            f"{destination[first]!r} is not an England and Wales LA code known to the "
            f"crosswalk to {vintage.name}, nor -8, 999999999 or a Scottish/NI code."
        )
    kept = moves[~taken]
    same_la = origin[~taken] == destination[~taken]
    merged = ~same_la & (out_la == in_la)
    for reason, hit in (
        ("moves within one LA (origin = destination)", same_la),
        (
            "both ends in the same unit after merging (e.g. Allerdale -> Carlisle, now Cumberland)",
            merged,
        ),
    ):
        if hit.any():
            exclusions.append(Exclusion(source, reason, int(hit.sum()), float(kept[hit].sum())))
    keep = ~same_la & ~merged & (kept > 0)
    return census_pairs(out_la[keep], in_la[keep], kept[keep], SOURCE_TITLE), exclusions


def inter_la_total(path: Path) -> tuple[float, int]:
    """Moves and pairs between two different E&W LTLA21s, as published (a check figure)."""
    frame = read_publisher_csv(path, [ORIGIN, DESTINATION, COUNT], "ODMG01EW", dtype=str)
    origin, destination = frame[ORIGIN].str.strip(), frame[DESTINATION].str.strip()
    moves = to_number(frame[COUNT])
    ew = origin.str.match(r"^[EW]\d{8}$") & destination.str.match(r"^[EW]\d{8}$")
    inter = ew & (origin != destination) & (moves > 0)
    return float(moves[inter].sum()), int(inter.sum())
