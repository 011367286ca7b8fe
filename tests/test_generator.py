"""The synthetic default: deterministic, in the published layouts, geographically coherent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.contracts import validate
from mobility.generate.geography import distance_miles
from mobility.generate.synthetic import generate_synthetic
from mobility.layouts import FLOW_CONTRACTS, LA_LOOKUP
from tests.conftest import SEED


def _digests(folder: Path) -> dict[str, str]:
    """Every generated file; `ukhls/_staged` is written later by `build`, not by generate."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "_staged" not in p.parts
    }


def test_same_seed_gives_identical_files(tmp_path: Path, small_data: Path) -> None:
    again = tmp_path / "again"
    generate_synthetic(again, seed=SEED, scale="small")
    assert _digests(again) == _digests(small_data)


def test_another_seed_gives_other_flows(tmp_path: Path, small_data: Path) -> None:
    other = tmp_path / "other"
    generate_synthetic(other, seed=SEED + 1, scale="small")
    name = "flows/Detailed_Estimates_2015_Dataset_1.csv"
    assert _digests(other)[name] != _digests(small_data)[name]


def test_files_meet_their_contracts(small_data: Path) -> None:
    rows = validate(small_data, FLOW_CONTRACTS, LA_LOOKUP)
    assert rows["ONS internal migration detailed estimates"] > 10_000


def test_flow_file_looks_like_the_ons_release(small_data: Path) -> None:
    flows = pd.read_csv(small_data / "flows" / "Detailed_Estimates_2013_Dataset_1.csv")
    assert list(flows.columns) == ["OutLA", "InLA", "Age", "Sex", "Moves"]
    assert (flows["Moves"] > 0).all()  # ONS publishes no zero rows
    assert (flows["OutLA"] != flows["InLA"]).all()
    assert set(flows["Sex"]) == {"M", "F"}
    assert flows["Age"].between(0, 90).all()
    assert (flows["Moves"] % 1 != 0).mean() > 0.5  # fractional, as published


def test_truth_is_written_beside_the_data(small_data: Path) -> None:
    truth = json.loads((small_data / "truth.json").read_text())["flows"]
    assert truth["coefficients"]["log_distance"] < 0
    assert truth["reference_category"] == "Affluent England"
    assert truth["receiving_type_effects"]["Affluent England"] == 0.0
    assert truth["alpha"] > 0


def test_borders_are_symmetric_short_and_connect_everyone(small_data: Path) -> None:
    neighbours = json.loads((small_data / "geography" / "lad_neighbours.json").read_text())
    centroids = pd.read_csv(small_data / "geography" / "lad_centroids.csv").set_index("lad19cd")
    pairs = {(a, b) for a, lists in neighbours.items() for b in lists[0]}
    assert all((b, a) in pairs for a, b in pairs)
    assert all(lists[0] for lists in neighbours.values())
    codes = list(centroids.index)
    a = centroids.loc[[p[0] for p in pairs]]
    b = centroids.loc[[p[1] for p in pairs]]
    border_distance = distance_miles(
        a["lat"].values, a["long"].values, b["lat"].values, b["long"].values
    )
    all_a = centroids.loc[np.repeat(codes, len(codes))]
    all_b = centroids.loc[np.tile(codes, len(codes))]
    every_distance = distance_miles(
        all_a["lat"].values, all_a["long"].values, all_b["lat"].values, all_b["long"].values
    )
    # neighbours are near each other: planar adjacency, not random pairs
    assert np.median(border_distance) < 0.5 * np.median(every_distance[every_distance > 0])
