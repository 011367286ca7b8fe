"""Missing codes live in one place (the release description) and drive contracts and SQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mobility.contracts import validate
from mobility.errors import BadInputError
from mobility.layouts import LA_LOOKUP
from mobility.layouts_panel import MISSING, PANEL_CONTRACTS
from mobility.missing_codes import MACRO_PATH, panel_missing_codes, render_macro
from mobility.panel_mapping import load_mapping
from tests.conftest import copy_data

STAGING = Path(__file__).resolve().parents[1] / "warehouse" / "models" / "staging" / "ukhls"


def test_macro_file_is_generated_from_the_release_description() -> None:
    assert MACRO_PATH.read_text() == render_macro(), "run: python -m mobility.missing_codes"
    assert {-10, -11, -20, -21} <= set(panel_missing_codes())


def test_contracts_and_mapping_use_the_release_codes() -> None:
    assert set(MISSING) == {float(c) for c in panel_missing_codes()}
    assert load_mapping().missing_codes == panel_missing_codes()
    sex = next(c for k in PANEL_CONTRACTS for c in k.columns if c.name == "sex")
    assert {"0", "-20", "-21"} <= set(sex.allowed) and "3" not in sex.allowed


def test_no_staging_model_lists_codes_of_its_own() -> None:
    for model in STAGING.glob("*.sql"):
        text = model.read_text()
        assert "-9" not in text and "-8" not in text, model.name


def plant_missing_codes(panel: Path) -> None:
    """Person 1 of xwavedat: sex 0, birth year -20, ethnic group -21; one wave-f age -10."""
    xwave = panel / "xwavedat.tab"
    frame = pd.read_csv(xwave, sep="\t", dtype=str)
    frame.loc[0, ["sex", "birthy", "racel_dv"]] = ["0", "-20", "-21"]
    frame.to_csv(xwave, sep="\t", index=False)
    wave_f = panel / "f_indresp.tab"
    frame = pd.read_csv(wave_f, sep="\t", dtype=str)
    frame.loc[0, "f_age_dv"] = "-10"
    frame.to_csv(wave_f, sep="\t", index=False)


def test_contracts_accept_the_release_missing_codes(small_data: Path, tmp_path: Path) -> None:
    data = copy_data(small_data, tmp_path / "data")
    plant_missing_codes(data / "ukhls")
    validate(data, PANEL_CONTRACTS, LA_LOOKUP)  # sex 0, -10, -20, -21: no BadInputError
    frame = pd.read_csv(data / "ukhls" / "xwavedat.tab", sep="\t", dtype=str)
    frame.loc[1, "sex"] = "3"
    frame.to_csv(data / "ukhls" / "xwavedat.tab", sep="\t", index=False)
    with pytest.raises(BadInputError, match="column sex, data row"):
        validate(data, PANEL_CONTRACTS, LA_LOOKUP)
