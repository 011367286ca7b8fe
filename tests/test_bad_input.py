"""Bad raw input: a clear message naming the file and what was expected, exit 2, and the
previous warehouse left exactly as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from tests.conftest import cli_args, copy_data


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove_population_year(data: Path) -> None:
    for path in (data / "population").glob("*.tsv"):
        path.unlink()


def _drop_moves_column(data: Path) -> None:
    path = data / "flows" / "Detailed_Estimates_2014_Dataset_1.csv"
    pd.read_csv(path).drop(columns="Moves").to_csv(path, index=False)


def _unknown_la(data: Path) -> None:
    path = data / "flows" / "Detailed_Estimates_2016_Dataset_2.csv"
    frame = pd.read_csv(path)
    frame.loc[3, "InLA"] = "E07999999"
    frame.to_csv(path, index=False)


def _duplicate_key(data: Path) -> None:
    path = data / "flows" / "Detailed_Estimates_2012_Dataset_1.csv"
    frame = pd.read_csv(path)
    pd.concat([frame, frame.iloc[[7]]]).to_csv(path, index=False)


def _negative_moves(data: Path) -> None:
    path = data / "flows" / "Detailed_Estimates_2017_Dataset_2.csv"
    frame = pd.read_csv(path)
    frame.loc[10, "Moves"] = -2.5
    frame.to_csv(path, index=False)


def _text_population(data: Path) -> None:
    path = data / "population" / "nomis_NM_2002_1_mid2013.tsv"
    frame = pd.read_csv(path, sep="\t", dtype=str)
    frame.loc[5, "OBS_VALUE"] = "1,2O4"
    frame.to_csv(path, sep="\t", index=False)


def _year_out_of_range(data: Path) -> None:
    source = data / "flows" / "Detailed_Estimates_2018_Dataset_1.csv"
    source.rename(data / "flows" / "Detailed_Estimates_2031_Dataset_1.csv")


CASES: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "missing file": (_remove_population_year, ("Missing file", "population/nomis_NM_2002_1_mid")),
    "missing column": (
        _drop_moves_column,
        ("Detailed_Estimates_2014_Dataset_1.csv", "missing column", "Moves"),
    ),
    "unknown LA code": (
        _unknown_la,
        ("Detailed_Estimates_2016_Dataset_2.csv", "InLA", "E07999999"),
    ),
    "duplicate key": (
        _duplicate_key,
        ("Detailed_Estimates_2012_Dataset_1.csv", "duplicate key", "OutLA="),
    ),
    "negative moves": (
        _negative_moves,
        ("Detailed_Estimates_2017_Dataset_2.csv", "Moves", "-2.5", "data row 11"),
    ),
    "non-numeric population": (
        _text_population,
        ("mid2013.tsv", "OBS_VALUE", "1,2O4", "not a number"),
    ),
    "year out of range": (_year_out_of_range, ("2031", "out of range", "2011-2018")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_rejected_and_the_warehouse_kept(
    case: str, tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt, expected_words = CASES[case]
    data = copy_data(built["data"], tmp_path / "data")
    corrupt(data)
    warehouse = tmp_path / "wh.duckdb"
    warehouse.write_bytes(built["warehouse"].read_bytes())
    before = _sha(warehouse)
    paths = {"data": data, "warehouse": warehouse, "out": tmp_path / "out"}
    capsys.readouterr()

    code = main(cli_args("build", paths))

    message = capsys.readouterr().err
    assert code == 2, message
    for word in expected_words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "Traceback" not in message
    assert _sha(warehouse) == before
