"""Synthetic Census 2011 LA origin-destination flows, in total and by NS-SEC and ethnicity.

Two files under `census2011/` (layouts in docs/data_layouts.md, contracts in
mobility/layouts.py):

- `census2011_la_od.csv` (`OutLA,InLA,Moves,source`): the same layout the public reader writes
  from the real MM01CUK_ALL matrix, so the dbt models read both unchanged.
- `census2011_la_od_by_group.csv` (`OutLA,InLA,breakdown,category,Moves`): our canonical
  long layout, modelled on the Nomis census OD tables by NS-SEC and by ethnicity (the real
  tables are not among the public files).

The census counts moves in the year before census day (27 March 2011), a window that overlaps
the ONS mid-2010 to mid-2011 estimates but is a different count (one address a year ago,
movers who died or emigrated missed, whole persons). So the census flows are derived from the
2011 synthetic pair totals with a coverage factor and pair-level noise, not copied from them,
and the breakdowns are drawn so that deprived ends send and receive more routine and manual
and never-worked movers, and ethnically diverse supergroups more non-white movers: the
descriptive then has something real to find. A stream of its own (seeded from the run's seed)
keeps every other synthetic file byte-identical to what it was before this file existed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mobility.generate.files import write_csv
from mobility.layouts import CENSUS_BREAKDOWNS, CENSUS_OD_BY_GROUP_COLUMNS, CENSUS_YEAR

CENSUS_DIR = "census2011"
OD_FILE = f"{CENSUS_DIR}/census2011_la_od.csv"
BY_GROUP_FILE = f"{CENSUS_DIR}/census2011_la_od_by_group.csv"
SOURCE = "Synthetic Census 2011 LA OD (year before 27 March 2011)"
COVERAGE = 0.93  # census movers per ONS-estimated mover (infants, deaths, emigrants missed)
PAIR_NOISE_SD = 0.12  # log-normal pair-level noise around the coverage factor

# NS-SEC shares of movers from an average-deprivation LA, in CENSUS_BREAKDOWNS order, and how
# the log-odds of each category move with the deprivation z-score of both ends.
NSSEC_BASE = np.array([0.30, 0.22, 0.28, 0.05, 0.15])
NSSEC_DEPRIVATION = np.array([-0.35, -0.05, 0.30, 0.45, 0.0])
RECEIVING_WEIGHT = 0.4  # the destination's deprivation counts for less than the origin's
# Share of non-white movers by supergroup of the origin (the destination's counts half).
NON_WHITE_SHARE: dict[str, float] = {
    "Affluent England": 0.05,
    "Business, Education and Heritage Centres": 0.18,
    "Countryside Living": 0.03,
    "Ethnically Diverse Metropolitan Living": 0.30,
    "London Cosmopolitan": 0.40,
    "Services and Industrial Legacy": 0.05,
    "Town and Country Living": 0.04,
    "Urban Settlements": 0.07,
}


def census_pair_moves(rng: np.random.Generator, moves_2011: pd.DataFrame) -> pd.DataFrame:
    """Whole-person census moves per pair from the 2011 detailed moves (OutLA, InLA, Moves)."""
    totals = moves_2011.groupby(["OutLA", "InLA"], as_index=False, sort=True)["Moves"].sum()
    noise = rng.lognormal(-0.5 * PAIR_NOISE_SD**2, PAIR_NOISE_SD, size=len(totals))
    counts = rng.poisson(totals["Moves"].to_numpy() * COVERAGE * noise)
    census = totals.loc[counts > 0, ["OutLA", "InLA"]].reset_index(drop=True)
    census["Moves"] = counts[counts > 0].astype("int64")
    census["source"] = SOURCE
    return census


def _deprivation_z(codes: pd.Series, imd_score: pd.Series) -> np.ndarray:
    """Standardised IMD 2010 score of each LA; 0 (average) where there is none (Wales)."""
    z = (imd_score - imd_score.mean()) / imd_score.std()
    return z.reindex(codes).fillna(0.0).to_numpy()


def census_moves_by_group(
    rng: np.random.Generator,
    census: pd.DataFrame,
    imd_score: pd.Series,
    supergroups: pd.Series,
) -> pd.DataFrame:
    """Split every pair's census moves across NS-SEC and, separately, ethnicity categories.

    Each breakdown partitions the pair's moves exactly (multinomial); zero cells are left
    out, as in the other flow files.
    """
    n = census["Moves"].to_numpy()
    z = _deprivation_z(census["OutLA"], imd_score) + RECEIVING_WEIGHT * _deprivation_z(
        census["InLA"], imd_score
    )
    logits = np.log(NSSEC_BASE)[None, :] + z[:, None] * NSSEC_DEPRIVATION[None, :]
    nssec_p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    share = supergroups.map(NON_WHITE_SHARE)
    non_white = (
        share.reindex(census["OutLA"]).to_numpy() + 0.5 * share.reindex(census["InLA"]).to_numpy()
    ) / 1.5
    ethnicity_p = np.column_stack([1.0 - non_white, non_white])
    frames = []
    for breakdown, probabilities in (("nssec", nssec_p), ("ethnicity", ethnicity_p)):
        categories = CENSUS_BREAKDOWNS[breakdown]
        counts = rng.multinomial(n, probabilities)
        row, cell = np.nonzero(counts)
        frames.append(
            pd.DataFrame(
                {
                    "OutLA": census["OutLA"].to_numpy()[row],
                    "InLA": census["InLA"].to_numpy()[row],
                    "breakdown": breakdown,
                    "category": np.asarray(categories, dtype=object)[cell],
                    "Moves": counts[row, cell].astype("int64"),
                }
            )
        )
    # pair, then breakdown and category in the published order (np.nonzero is row-major)
    by_group = pd.concat(frames, ignore_index=True)
    by_group["_breakdown_order"] = by_group["breakdown"].map({"nssec": 0, "ethnicity": 1})
    by_group = by_group.sort_values(["OutLA", "InLA", "_breakdown_order"], kind="stable")
    return by_group[list(CENSUS_OD_BY_GROUP_COLUMNS)].reset_index(drop=True)


def write_census_od(
    data_dir: Path,
    seed: int,
    moves_2011: pd.DataFrame,
    imd_score: pd.Series,
    supergroups: pd.Series,
) -> list[Path]:
    """Write both census files; the same seed and inputs give the same bytes."""
    rng = np.random.default_rng([seed, CENSUS_YEAR])
    census = census_pair_moves(rng, moves_2011)
    by_group = census_moves_by_group(rng, census, imd_score, supergroups)
    paths = [data_dir / OD_FILE, data_dir / BY_GROUP_FILE]
    write_csv(census, paths[0])
    write_csv(by_group, paths[1])
    return paths
