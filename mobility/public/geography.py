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

import numpy as np
import pandas as pd

from mobility.errors import BadInputError
from mobility.public.dbf import read_dbf
from mobility.public.vintage import Vintage

CENTROID_COLUMNS = ["lad19cd", "lad19nm", "bng_e", "bng_n", "long", "lat"]


def build_centroids(
    dbf_path: Path, vintage: Vintage, weights: pd.Series, districts_2016: Path | None = None
) -> pd.DataFrame:
    """One centroid per unit of the vintage (canonical lad_centroids.csv layout).

    `weights` is population by any known code (mid-2011), used only for merged units.
    `districts_2016` (LAD December 2016 boundaries, GeoJSON) gives the centroids of districts
    merged away in 2019-2020, which the 2019 file lacks (the study vintage needs them).
    """
    table = read_dbf(dbf_path)
    missing = [c for c in CENTROID_COLUMNS if c not in table.columns]
    if missing:
        raise BadInputError(
            f"{dbf_path}: attribute table lacks {', '.join(missing)}; expected the ONS LAD "
            f"December 2019 boundary attributes ({', '.join(CENTROID_COLUMNS)})."
        )
    table = table.set_index("lad19cd")
    lacking = sorted(vintage.codes - set(table.index))
    if vintage.later_codes and lacking and districts_2016 is not None:
        table = pd.concat([table, _centroids_2016(districts_2016, lacking, table)])
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


def _polygon_centroid(geometry: dict) -> tuple[float, float]:
    """Area-weighted centroid (lon, lat) of the outer rings of a (Multi)Polygon."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    area_sum = cx = cy = 0.0
    for polygon in polygons:
        ring = np.asarray(polygon[0], dtype=float)
        x, y = ring[:, 0], ring[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        area = cross.sum() / 2
        if area == 0:
            continue
        cx += ((x[:-1] + x[1:]) * cross).sum() / 6
        cy += ((y[:-1] + y[1:]) * cross).sum() / 6
        area_sum += area
    return cx / area_sum, cy / area_sum


def _centroids_2016(path: Path, codes: list[str], known: pd.DataFrame) -> pd.DataFrame:
    """Centroids of 2016 districts from their boundaries; British National Grid from a
    quadratic fit of bng_e/bng_n on long/lat over the 2019 centroids (error well under 1 km
    within England and Wales, against distances of tens of miles)."""
    try:
        features = json.loads(path.read_text())["features"]
    except (OSError, ValueError, KeyError) as exc:
        raise BadInputError(f"{path}: not a GeoJSON FeatureCollection ({exc}).") from exc
    shapes = {f["properties"].get("areacd"): f for f in features}
    absent = [c for c in codes if c not in shapes]
    if absent:
        raise BadInputError(
            f"{path}: no boundary for {', '.join(absent[:5])}; expected LAD December 2016 "
            "boundaries with an areacd property."
        )
    fit = known[["long", "lat", "bng_e", "bng_n"]].astype(float)
    fit = fit[fit.index.str.match(r"^[EW]")]

    def terms(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones_like(lon), lon, lat, lon * lat, lon**2, lat**2])

    design = terms(fit["long"].to_numpy(), fit["lat"].to_numpy())
    coef, *_ = np.linalg.lstsq(design, fit[["bng_e", "bng_n"]].to_numpy(), rcond=None)
    points = np.array([_polygon_centroid(shapes[c]["geometry"]) for c in codes])
    grid = terms(points[:, 0], points[:, 1]) @ coef
    return pd.DataFrame(
        {
            "lad19nm": [shapes[c]["properties"].get("areanm", c) for c in codes],
            "bng_e": grid[:, 0],
            "bng_n": grid[:, 1],
            "long": points[:, 0],
            "lat": points[:, 1],
        },
        index=pd.Index(codes, name="lad19cd"),
    )


def build_neighbours(
    neighbours_json: Path, vintage: Vintage, districts_2016: Path | None = None
) -> dict[str, list[list[str]]]:
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
    if vintage.later_codes and districts_2016 is not None and districts_2016.exists():
        for a, b in _shared_vertices_2016(districts_2016, vintage):
            borders[a].add(b)
            borders[b].add(a)
    return {code: [sorted(b)] for code, b in sorted(borders.items())}


def _shared_vertices_2016(path: Path, vintage: Vintage) -> set[tuple[str, str]]:
    """Borders of the districts that the 2021 list only knows as later merged LAs: two
    2016 districts border when their boundaries share at least two vertices (the ONS
    generalised boundaries are cut from one topology, so shared edges share vertices)."""
    mapping = vintage.mapping
    later_parts = vintage.merged_later
    owners: dict[tuple[float, float], set[str]] = {}
    for feature in json.loads(path.read_text())["features"]:
        code = feature["properties"].get("areacd")
        unit = mapping.get(code)
        if unit is None:
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for ring in polygon:
                for x, y in ring:
                    owners.setdefault((round(x, 4), round(y, 4)), set()).add(unit)
    counts: dict[tuple[str, str], int] = {}
    for units in owners.values():
        if len(units) < 2:
            continue
        for a in units:
            for b in units:
                if a < b and (a in later_parts or b in later_parts):
                    counts[(a, b)] = counts.get((a, b), 0) + 1
    return {pair for pair, n in counts.items() if n >= 2}
