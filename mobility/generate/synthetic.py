"""`mobility generate`: write the synthetic default in the publishers' file layouts.

The layouts are documented in docs/data_layouts.md; the same dbt models read these files and
the real ones (after the public-data readers have put them in the same layouts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.completeness import MANIFEST, manifest_rows
from mobility.generate.areas import generate_areas
from mobility.generate.census import write_census_od
from mobility.generate.files import write_csv
from mobility.generate.flows import draw_flows
from mobility.generate.geography import generate_geography
from mobility.generate.ls import write_ls_twin
from mobility.generate.panel import write_panel_twin
from mobility.layouts import CENSUS_YEAR
from mobility.vocabulary import COVERAGE_COLUMNS, SUPERGROUPS

POPULATION_YEARS = range(2010, 2019)  # 2010 gives the lagged demography of 2011 flows
INDICATOR_YEARS = range(2000, 2020)  # the panel strand needs adult-LA economies 2000-2019
FLOW_YEARS = range(2011, 2019)
# Bump when a generated layout or the data-generating process changes: `mobility run`
# regenerates rather than reuse files written by another version.
GENERATOR_VERSION = 4  # 3: LA effects in flows; 4: panel names confirmed by the release description
SCALES = ("small", "full")


@dataclass(frozen=True)
class GenerationSummary:
    data_dir: Path
    files: int
    flow_rows: int
    local_authorities: int


def generate_synthetic(
    data_dir: Path, seed: int = 20200701, scale: str = "small"
) -> GenerationSummary:
    """Write every synthetic raw file under data_dir; the same seed gives the same bytes."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")
    rng = np.random.default_rng(seed)
    geography = generate_geography(rng, scale)
    las = geography.local_authorities
    areas = generate_areas(rng, las, POPULATION_YEARS, INDICATOR_YEARS, scale)
    draws, truth = draw_flows(
        rng,
        las,
        geography.borders,
        areas.supergroups,
        areas.population,
        areas.covariates,
        FLOW_YEARS,
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    written += _write_geography(data_dir, las, geography.borders)
    written += _write_typologies(data_dir, las, areas.supergroups, areas.smi_score, areas.imd_score)
    written += _write_population(data_dir, areas.population)
    covariates_path = data_dir / "covariates" / "la_indicators.csv"
    write_csv(areas.covariates, covariates_path)
    written.append(covariates_path)
    written.append(_write_coverage(data_dir, areas.covariates))
    flow_rows = 0
    for draw in draws:
        flow_rows += len(draw.moves)
        written += _write_flow_year(data_dir, draw.year, draw.moves)
    census_moves = next(d.moves for d in draws if d.year == CENSUS_YEAR)
    written += write_census_od(data_dir, seed, census_moves, areas.imd_score, areas.supergroups)

    ls_truth = write_ls_twin(data_dir, seed=seed, scale=scale)
    written += [data_dir / f for f in ls_truth.get("files", [])]
    panel_truth = write_panel_twin(data_dir, seed=seed, scale=scale)
    written += [data_dir / f for f in panel_truth.get("files", [])]

    truth_path = data_dir / "truth.json"
    truth_path.write_text(json.dumps({"seed": seed, "scale": scale, "flows": truth}, indent=2))
    manifest = {
        "generator": "mobility synthetic default",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "files": sorted(p.relative_to(data_dir).as_posix() for p in written + [truth_path]),
        "rows": manifest_rows(data_dir, written),  # checked before every build
    }
    (data_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return GenerationSummary(data_dir, len(written) + 1, flow_rows, len(las))


def _write_geography(data_dir: Path, las: pd.DataFrame, borders: pd.DataFrame) -> list[Path]:
    lookup = pd.DataFrame(
        {
            "ltlacd": las["la_code"],
            "ltlanm": las["la_name"],
            "rgncd": las["region_code"],
            "rgnnm": las["region_name"],
            "ctrycd": las["country_code"],
            "ctrynm": las["country_name"],
        }
    )
    centroids = pd.DataFrame(
        {
            "lad19cd": las["la_code"],
            "lad19nm": las["la_name"],
            "bng_e": las["bng_e"],
            "bng_n": las["bng_n"],
            "long": las["long"].round(5),
            "lat": las["lat"].round(5),
        }
    )
    neighbours: dict[str, list[object]] = {code: [[]] for code in las["la_code"]}
    for code, neighbour in zip(borders["la_code"], borders["neighbour_code"], strict=True):
        neighbours[code][0].append(neighbour)  # type: ignore[union-attr]
    crosswalk = pd.DataFrame(
        {
            "from_code": las["la_code"],
            "from_name": las["la_name"],
            "from_vintage": "synthetic",
            "to_code": las["la_code"],
            "to_name": las["la_name"],
            "weight": 1.0,
        }
    )
    paths = [
        data_dir / "geography" / "ltla_lookup.csv",
        data_dir / "geography" / "lad_centroids.csv",
        data_dir / "geography" / "lad_neighbours.json",
        data_dir / "geography" / "la_crosswalk.csv",
    ]
    write_csv(lookup, paths[0])
    write_csv(centroids, paths[1])
    paths[2].write_text(json.dumps(neighbours, indent=1))
    write_csv(crosswalk, paths[3])
    return paths


def _write_typologies(
    data_dir: Path,
    las: pd.DataFrame,
    supergroups: pd.Series,
    smi_score: pd.Series,
    imd_score: pd.Series,
) -> list[Path]:
    names = las.set_index("la_code")["la_name"]
    codes = {name: str(k + 1) for k, name in enumerate(SUPERGROUPS)}
    classification = pd.DataFrame(
        {
            "la_code": supergroups.index,
            "supergroup": supergroups.to_numpy(),
            "supergroup_code": supergroups.map(codes).to_numpy(),
        }
    )
    classification["group"] = classification["supergroup"] + " (group)"
    classification["group_code"] = classification["supergroup_code"] + "a"
    classification["subgroup"] = classification["supergroup"] + " (subgroup)"
    classification["subgroup_code"] = classification["supergroup_code"] + "a1"
    smi = pd.DataFrame(
        {
            "la_code": smi_score.index,
            "la_name": names.reindex(smi_score.index).to_numpy(),
            "overall_score": smi_score.to_numpy(),
        }
    )
    smi["overall_rank"] = smi["overall_score"].rank(ascending=False, method="first").astype(int)
    imd = pd.DataFrame(
        {
            "la_code": imd_score.index,
            "la_name": names.reindex(imd_score.index).to_numpy(),
            "imd_average_score": imd_score.to_numpy(),
        }
    )
    imd["imd_rank_of_average_score"] = (
        imd["imd_average_score"].rank(ascending=False, method="first").astype(int)
    )
    paths = [
        data_dir / "typologies" / "area_classification_2011.csv",
        data_dir / "typologies" / "social_mobility_index_2017.csv",
        data_dir / "typologies" / "imd2010_la_summary.csv",
    ]
    for frame, path in zip((classification, smi, imd), paths, strict=True):
        write_csv(frame.sort_values("la_code"), path)
    return paths


def _write_coverage(data_dir: Path, covariates: pd.DataFrame) -> Path:
    """Every synthetic indicator-year is observed for every LA: no fill rule applies."""
    coverage = (
        covariates.groupby(["indicator", "year"], sort=True)["la_code"]
        .nunique()
        .rename("la_observed")
        .reset_index()
    )
    coverage["source_file"] = "covariates/la_indicators.csv"
    coverage["source_year"] = coverage["year"]
    coverage["filled_by_rule"] = False
    coverage["la_filled"] = 0
    coverage["la_filled_from_neighbours"] = 0
    coverage["la_missing"] = 0
    coverage["note"] = "synthetic"
    path = data_dir / "covariates" / "coverage.csv"
    write_csv(coverage[list(COVERAGE_COLUMNS)], path)
    return path


def _write_population(data_dir: Path, population: pd.DataFrame) -> list[Path]:
    paths = []
    for year, frame in population.groupby("year", sort=True):
        nomis = pd.DataFrame(
            {
                "GEOGRAPHY_CODE": frame["la_code"].to_numpy(),
                "GENDER": frame["sex"].astype(str).to_numpy(),
                "C_AGE": (101 + frame["age"]).astype(str).to_numpy(),
                "OBS_VALUE": frame["population"].to_numpy(),
            }
        )
        path = data_dir / "population" / f"nomis_NM_2002_1_mid{year}.tsv"
        write_csv(nomis, path, delimiter="\t")
        paths.append(path)
    return paths


def _write_flow_year(data_dir: Path, year: int, moves: pd.DataFrame) -> list[Path]:
    """ONS splits each year in two files; we split at the middle sending LA code."""
    codes = np.sort(moves["OutLA"].unique())
    cut = codes[len(codes) // 2]
    paths = []
    for part, frame in ((1, moves[moves["OutLA"] < cut]), (2, moves[moves["OutLA"] >= cut])):
        path = data_dir / "flows" / f"Detailed_Estimates_{year}_Dataset_{part}.csv"
        write_csv(frame.sort_values(["OutLA", "InLA", "Age", "Sex"]), path)
        paths.append(path)
    return paths
