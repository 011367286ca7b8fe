"""The LS synthetic twin: deterministic, in its documented layout, and honest about its truth."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from mobility.generate.ls import CENSUS_YEARS, write_ls_twin
from mobility.layouts_ls import validate_ls


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = write_ls_twin(tmp_path / "a", seed=7, scale="small")
    write_ls_twin(tmp_path / "b", seed=7, scale="small")
    write_ls_twin(tmp_path / "c", seed=8, scale="small")
    a, b, c = (_digest(tmp_path / x / "ons_ls") for x in "abc")
    assert a == b
    assert a["ls_census_1971.csv"] != c["ls_census_1971.csv"]
    assert json.loads((tmp_path / "a" / "ons_ls" / "truth.json").read_text()) == first


def test_layout_meets_its_contracts_and_links_add_up(tmp_path: Path) -> None:
    truth = write_ls_twin(tmp_path, seed=3, scale="small")
    rows = validate_ls(tmp_path)
    assert set(rows) >= {f"ONS LS census {y} records" for y in CENSUS_YEARS}
    assert rows["ONS LS regional indicators"] == 50
    assert 5_000 <= truth["linked_people"] <= 7_000
    wave = pd.read_csv(tmp_path / "ons_ls" / "ls_census_1971.csv", dtype=str)
    assert wave["ethnic_group"].eq("-9").all()  # not asked before 1991
    children = wave[wave["mother_lsid"].notna()]
    assert children["age"].astype(int).between(10, 16).all()
    assert set(children["mother_lsid"]) <= set(wave["lsid"])  # parents are members too
    for outcome in ("employed", "professional_technical"):
        planted = truth["outcomes"][outcome]
        # Selection on observables: the raw gap overstates the planted effect.
        assert planted["raw_mover_minus_stayer"] > planted["mover_effect"]
