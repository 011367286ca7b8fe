"""LA centroids and shared borders on the chosen vintage, from ONS geography files.

Centroids come from the attribute table of the ONS LAD December 2019 boundary file (official
bng_e/bng_n/long/lat); units created after 2019 take the mid-2011-population-weighted mean
of their constituents' centroids. Shared borders come from the ONSvisual LAD 2021 neighbour
list (first element = LAs sharing a border), mapped to the vintage: a merged unit borders
everything any constituent bordered, minus itself; the relation is made symmetric.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError
from mobility.public.dbf import read_dbf
from mobility.public.vintage import Vintage

CENTROID_COLUMNS = ["lad19cd", "lad19nm", "bng_e", "bng_n", "long", "lat"]


def build_centroids(dbf_path: Path, vintage: Vintage, weights: pd.Series) -> pd.DataFrame:
    """One centroid per unit of the vintage (canonical lad_centroids.csv layout).

    `weights` is population by any known code (mid-2011), used only for merged units.
    """
    table = read_dbf(dbf_path)
    missing = [c for c in CENTROID_COLUMNS if c not in table.columns]
    if missing:
        raise BadInputError(
            f"{dbf_path}: attribute table lacks {', '.join(missing)}; expected the ONS LAD "
            f"December 2019 boundary attributes ({', '.join(CENTROID_COLUMNS)})."
        )
    table = table.set_index("lad19cd")
    crosswalk = vintage.crosswalk
    rows = []
    for code, name in zip(vintage.lookup["ltlacd"], vintage.lookup["ltlanm"], strict=True):
        if code in table.index:
            point = table.loc[code, ["bng_e", "bng_n", "long", "lat"]].astype(float)
        else:
            parts = crosswalk.loc[crosswalk["to_code"] == code, "from_code"]
            parts = [p for p in parts if p in table.index]
            if not parts:
                raise BadInputError(
                    f"{dbf_path}: no centroid for {code} ({name}) nor for any code that maps "
                    "to it; the boundary file does not cover the vintage."
                )
            w = weights.reindex(parts).fillna(0.0)
            w = w if w.sum() > 0 else pd.Series(1.0, index=parts)
            point = (
                (table.loc[parts, ["bng_e", "bng_n", "long", "lat"]].astype(float))
                .mul(w / w.sum(), axis=0)
                .sum()
            )
        rows.append(
            {
                "lad19cd": code,
                "lad19nm": name,
                "bng_e": round(float(point["bng_e"])),
                "bng_n": round(float(point["bng_n"])),
                "long": round(float(point["long"]), 5),
                "lat": round(float(point["lat"]), 5),
            }
        )
    return pd.DataFrame(rows, columns=CENTROID_COLUMNS)


def build_neighbours(neighbours_json: Path, vintage: Vintage) -> dict[str, list[list[str]]]:
    """Shared-border lists on the vintage in the ONSvisual layout {code: [[borders...]]}."""
    try:
        data = json.loads(neighbours_json.read_text())
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{neighbours_json}: not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise BadInputError(f"{neighbours_json}: expected an object keyed by LA code.")
    mapping = vintage.mapping
    borders: dict[str, set[str]] = {code: set() for code in vintage.lookup["ltlacd"]}
    for code, entry in data.items():
        if isinstance(entry, list) and entry and entry[0] is None:
            entry = [[], *entry[1:]]  # islands (Isle of Wight, Scilly): no land border
        if not (isinstance(entry, list) and entry and isinstance(entry[0], list)):
            raise BadInputError(
                f"{neighbours_json}: entry {code} should start with the list of bordering LAs."
            )
        unit = mapping.get(code)
        if unit is None:
            continue  # Scotland / Northern Ireland: outside the vintage
        for other in entry[0]:
            target = mapping.get(other)
            if target is not None and target != unit:
                borders[unit].add(target)
                borders[target].add(unit)
    return {code: [sorted(b)] for code, b in sorted(borders.items())}
