"""Bad strand B input is rejected before dbt, with a message naming the file and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mobility.errors import BadInputError
from mobility.generate.panel import write_panel_twin
from mobility.layouts_panel import prepare_panel
from mobility.panel_mapping import MAPPING_PATH
from tests.conftest import copy_data


@pytest.fixture(scope="module")
def panel_data(tmp_path_factory: pytest.TempPathFactory, small_data: Path) -> Path:
    data = copy_data(small_data, tmp_path_factory.mktemp("panel_bad") / "data")
    write_panel_twin(data, seed=3, scale="small")
    return data


def _copy(panel_data: Path, tmp_path: Path) -> Path:
    return copy_data(panel_data, tmp_path / "data")


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


def _rejects(data: Path, *fragments: str, mapping: Path | None = None) -> str:
    with pytest.raises(BadInputError) as info:
        prepare_panel(data, mapping)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert info.value.exit_code == 2
    assert not (data / "ukhls" / "_staged").exists()  # nothing staged for dbt
    return message


def test_missing_wave_file(panel_data: Path, tmp_path: Path) -> None:
    data = _copy(panel_data, tmp_path)
    (data / "ukhls" / "bf_indresp.tab").unlink()
    _rejects(data, "Missing file", "bf_indresp.tab", "BHPS wave bf (1996)", "panel_variables.yml")


def test_renamed_variable_without_mapping_entry(panel_data: Path, tmp_path: Path) -> None:
    data = _copy(panel_data, tmp_path)
    _edit(data / "ukhls" / "c_indresp.tab", "\tc_jbstat\t", "\tc_jbstat_v2\t")
    _rejects(
        data,
        "c_indresp.tab",
        "variable c_jbstat",
        "employment_status",
        "c_jbstat_v2",  # suggested as the likely new name
        "panel_variables.yml",
        "wave_overrides.c",
    )


def test_renamed_variable_with_mapping_entry_is_accepted(panel_data: Path, tmp_path: Path) -> None:
    data = _copy(panel_data, tmp_path)
    _edit(data / "ukhls" / "c_indresp.tab", "\tc_jbstat\t", "\tc_jbstat_v2\t")
    mapping = yaml.safe_load(MAPPING_PATH.read_text())
    mapping["files"]["indresp"]["wave_overrides"] = {"c": {"employment_status": "c_jbstat_v2"}}
    edited = tmp_path / "panel_variables.yml"
    edited.write_text(yaml.safe_dump(mapping))
    rows = prepare_panel(data, edited)
    assert rows["indresp"] > 1000
    staged = (data / "ukhls" / "_staged" / "indresp.tab").read_text().splitlines()[0]
    assert "employment_status" in staged.split("\t")


def test_duplicate_cross_wave_person(panel_data: Path, tmp_path: Path) -> None:
    data = _copy(panel_data, tmp_path)
    path = data / "ukhls" / "xwavedat.tab"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    pidp = lines[1].split("\t")[0]
    _rejects(data, "xwavedat.tab", f"duplicate key (pidp={pidp})", "2 times")


def test_unknown_or_scottish_la_code_is_not_fatal(panel_data: Path, tmp_path: Path) -> None:
    """UKHLS covers the UK and codes come in several vintages: such codes are counted and
    reported (int_panel_household_las_harmonised, tests/test_restricted.py), not refused."""
    data = _copy(panel_data, tmp_path)
    path = data / "ukhls" / "e_lad.tab"
    first_code = path.read_text().splitlines()[1].split("\t")[1]
    _edit(path, f"\t{first_code}\n", "\tE09999999\n")
    _edit(path, f"\t{first_code}\n", "\tS12000033\n")
    rows = prepare_panel(data)
    assert rows["lad"] > 0
