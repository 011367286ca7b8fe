"""The strand B synthetic twin: deterministic, in the UKDS layout, with selection into moving."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from mobility.generate.panel import write_panel_twin
from mobility.panel_mapping import load_mapping
from tests.conftest import copy_data


def _digests(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob("*.tab"))
    }


def test_same_seed_same_bytes_other_seed_other_bytes(small_data: Path, tmp_path: Path) -> None:
    first = copy_data(small_data, tmp_path / "first")
    second = copy_data(small_data, tmp_path / "second")
    third = copy_data(small_data, tmp_path / "third")
    truth = write_panel_twin(first, seed=5, scale="small")
    write_panel_twin(second, seed=5, scale="small")
    write_panel_twin(third, seed=6, scale="small")
    assert _digests(first / "ukhls") == _digests(second / "ukhls")
    assert _digests(first / "ukhls")["a_indresp.tab"] != _digests(third / "ukhls")["a_indresp.tab"]
    assert json.loads((first / "ukhls" / "truth.json").read_text()) == truth


def test_layout_waves_missing_codes_and_selection(small_data: Path, tmp_path: Path) -> None:
    data = copy_data(small_data, tmp_path / "data")
    truth = write_panel_twin(data, seed=5, scale="small")
    mapping = load_mapping()
    names = {p.name for p in (data / "ukhls").glob("*.tab")}
    for wave in mapping.waves:
        assert f"{wave.prefix}_indresp.tab" in names
        assert f"{wave.prefix}_lad.tab" in names
    assert "ba_youth.tab" not in names and "bd_youth.tab" in names  # youth from 1994
    bhps = pd.read_csv(data / "ukhls" / "bj_indresp.tab", sep="\t")
    ukhls = pd.read_csv(data / "ukhls" / "c_indresp.tab", sep="\t")
    assert "bj_qfedhi" in bhps.columns and "c_qfhigh_dv" in ukhls.columns
    assert (ukhls["c_jbstat"] == -9).any() and (ukhls["c_fimnlabgrs_dv"] == -9).any()
    xwave = pd.read_csv(data / "ukhls" / "xwavedat.tab", sep="\t")
    assert xwave["pidp"].is_unique
    assert set(xwave["memorig"]) == {1, 3, 4, 8}  # original samples and refreshments
    # attrition: fewer BHPS-origin people in the last BHPS wave than in the first
    assert len(pd.read_csv(data / "ukhls" / "br_indall.tab", sep="\t")) < len(
        pd.read_csv(data / "ukhls" / "ba_indall.tab", sep="\t")
    )
    selection = truth["selection_into_moving"]
    assert selection["mover_share_degree"] > selection["mover_share_no_degree"] + 0.1
