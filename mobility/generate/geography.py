"""Synthetic local-authority geography: codes, names, regions, centroids and shared borders.

LAs are points scattered around real region centres; shared borders are the edges of their
Delaunay triangulation (minus implausibly long edges), so adjacency is planar and consistent
with the centroids, as it is for real boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import Delaunay

EARTH_RADIUS_MILES = 3958.8

# (region code, region name, country code, centre lat, centre long, spread in degrees,
#  LAs at full scale, LAs at small scale, metropolitan share)
REGIONS: tuple[tuple[str, str, str, float, float, float, int, int, float], ...] = (
    ("E12000001", "North East", "E92000001", 54.90, -1.75, 0.35, 12, 2, 0.4),
    ("E12000002", "North West", "E92000001", 53.75, -2.65, 0.45, 39, 4, 0.4),
    ("E12000003", "Yorkshire and The Humber", "E92000001", 53.85, -1.25, 0.45, 21, 3, 0.3),
    ("E12000004", "East Midlands", "E92000001", 52.85, -0.95, 0.45, 40, 3, 0.0),
    ("E12000005", "West Midlands", "E92000001", 52.50, -2.20, 0.40, 30, 3, 0.25),
    ("E12000006", "East of England", "E92000001", 52.20, 0.45, 0.50, 45, 3, 0.0),
    ("E12000007", "London", "E92000001", 51.51, -0.12, 0.14, 33, 4, 0.0),
    ("E12000008", "South East", "E92000001", 51.20, -0.80, 0.50, 67, 4, 0.0),
    ("E12000009", "South West", "E92000001", 50.90, -3.20, 0.65, 30, 3, 0.0),
    ("W92000004", "Wales", "W92000004", 52.30, -3.70, 0.50, 22, 5, 0.0),
)
COUNTRY_NAMES = {"E92000001": "England", "W92000004": "Wales"}

_NAME_STARTS = (
    "Ash",
    "Brad",
    "Carl",
    "Dun",
    "Elm",
    "Fair",
    "Glen",
    "Hart",
    "Ivy",
    "Kings",
    "Lang",
    "Mar",
    "North",
    "Oak",
    "Pen",
    "Queens",
    "Ros",
    "Stan",
    "Thorn",
    "Up",
    "Wolver",
    "Wey",
    "Bram",
    "Chel",
    "Dray",
    "Fen",
    "Gos",
    "Hol",
    "Kirk",
    "Lyd",
    "Mel",
    "Nor",
    "Ox",
    "Pol",
    "Red",
    "Sand",
    "Tre",
    "Wal",
    "Yar",
    "Abber",
    "Bel",
    "Cas",
    "Der",
    "Ever",
    "Fal",
)
_NAME_ENDS = (
    "ford",
    "ton",
    "bury",
    "ham",
    "wick",
    "ley",
    "field",
    "mouth",
    "by",
    "stow",
    "well",
    "minster",
    "chester",
    "borough",
    "dale",
    "more",
    "port",
    "bridge",
    "combe",
    "thorpe",
)


@dataclass(frozen=True)
class Geography:
    """The generated LAs (one row each) and their shared borders (one row per ordered pair)."""

    local_authorities: pd.DataFrame
    borders: pd.DataFrame


def _names(rng: np.random.Generator, count: int) -> list[str]:
    pool = [start + end for start in _NAME_STARTS for end in _NAME_ENDS]
    chosen = rng.choice(len(pool), size=count, replace=False)
    return [pool[i] for i in sorted(chosen)]


def _spaced_points(
    rng: np.random.Generator,
    placed: list[tuple[float, float]],
    lat0: float,
    lon0: float,
    spread: float,
    count: int,
    min_miles: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Scatter centroids around a region centre, no two closer than min_miles (like real LAs)."""
    lats: list[float] = []
    lons: list[float] = []
    tries = 0
    while len(lats) < count:
        lat = lat0 + rng.normal(0.0, spread * 0.6)
        lon = lon0 + rng.normal(0.0, spread)
        tries += 1
        if tries % 2000 == 0:
            min_miles *= 0.9  # a crowded region: relax the spacing rather than loop forever
        if placed:
            others = np.array(placed)
            nearest = distance_miles(
                np.full(len(others), lat), np.full(len(others), lon), others[:, 0], others[:, 1]
            ).min()
            if nearest < min_miles:
                continue
        placed.append((lat, lon))
        lats.append(lat)
        lons.append(lon)
    return np.array(lats), np.array(lons)


def _code_prefix(region_name: str, metropolitan: bool, unitary: bool) -> str:
    if region_name == "Wales":
        return "W06"
    if region_name == "London":
        return "E09"
    if metropolitan:
        return "E08"
    return "E06" if unitary else "E07"


def generate_geography(rng: np.random.Generator, scale: str) -> Geography:
    """Lay out LAs by region and derive their borders from a Delaunay triangulation."""
    rows: list[dict[str, object]] = []
    placed: list[tuple[float, float]] = []
    for rgn_cd, rgn_nm, ctry_cd, lat0, lon0, spread, n_full, n_small, metro in REGIONS:
        count = n_full if scale == "full" else n_small
        min_miles = 2.5 if rgn_nm == "London" else 7.0
        lat, lon = _spaced_points(rng, placed, lat0, lon0, spread, count, min_miles)
        is_metro = rng.random(count) < metro
        is_unitary = rng.random(count) < 0.2
        for k in range(count):
            rows.append(
                {
                    "region_code": rgn_cd,
                    "region_name": rgn_nm,
                    "country_code": ctry_cd,
                    "country_name": COUNTRY_NAMES[ctry_cd],
                    "lat": float(lat[k]),
                    "long": float(lon[k]),
                    "prefix": _code_prefix(rgn_nm, bool(is_metro[k]), bool(is_unitary[k])),
                }
            )
    las = pd.DataFrame(rows)
    las["la_name"] = _names(rng, len(las))
    serial = las.groupby("prefix").cumcount() + 1
    las["la_code"] = las["prefix"] + serial.map(lambda n: f"{n:06d}")
    las["is_metropolitan"] = las["prefix"].isin(["E08", "E09"])
    # British National Grid-like eastings/northings (metres), good enough for a synthetic file.
    las["bng_e"] = ((las["long"] + 7.56) * 69_000).round().astype("int64")
    las["bng_n"] = ((las["lat"] - 49.77) * 111_000).round().astype("int64")
    las = las.drop(columns="prefix").sort_values("la_code").reset_index(drop=True)
    return Geography(local_authorities=las, borders=_borders(las))


def _borders(las: pd.DataFrame) -> pd.DataFrame:
    """Delaunay edges between centroids, dropping the longest (coastlines, estuaries)."""
    xy = np.column_stack([las["long"].to_numpy() * np.cos(np.radians(53.0)), las["lat"].to_numpy()])
    triangulation = Delaunay(xy)
    edges: set[tuple[int, int]] = set()
    for simplex in triangulation.simplices:
        for a in range(3):
            i, j = int(simplex[a]), int(simplex[(a + 1) % 3])
            edges.add((min(i, j), max(i, j)))
    edge_list = np.array(sorted(edges))
    lengths = np.hypot(*(xy[edge_list[:, 0]] - xy[edge_list[:, 1]]).T)
    keep = edge_list[lengths <= 2.5 * np.median(lengths)]
    codes = las["la_code"].to_numpy()
    one_way = pd.DataFrame({"la_code": codes[keep[:, 0]], "neighbour_code": codes[keep[:, 1]]})
    both = pd.concat(
        [
            one_way,
            one_way.rename(columns={"la_code": "neighbour_code", "neighbour_code": "la_code"}),
        ]
    )
    return both.sort_values(["la_code", "neighbour_code"]).reset_index(drop=True)


def distance_miles(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle (haversine) distance in miles; the warehouse computes the same in SQL."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(h))
