"""Bad LS input stops the run with a message naming the file and the problem (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.errors import BadInputError
from mobility.generate.ls import write_ls_twin
from mobility.layouts_ls import validate_ls


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ls_good")
    write_ls_twin(folder, seed=11, scale="small")
    return folder


def _copy(extract: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    (target / "ons_ls").mkdir(parents=True)
    for path in (extract / "ons_ls").iterdir():
        (target / "ons_ls" / path.name).write_bytes(path.read_bytes())
    return target


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def test_good_extract_passes(extract: Path) -> None:
    assert validate_ls(extract)["ONS LS census 2011 records"] > 0


def test_missing_census_wave(extract: Path, tmp_path: Path) -> None:
    data = _copy(extract, tmp_path)
    (data / "ons_ls" / "ls_census_1981.csv").unlink()
    with pytest.raises(BadInputError, match=r"Missing file: no ONS LS census 1981 records") as e:
        validate_ls(data)
    assert e.value.exit_code == 2


def test_empty_census_wave(extract: Path, tmp_path: Path) -> None:
    data = _copy(extract, tmp_path)
    path = data / "ons_ls" / "ls_census_2001.csv"
    path.write_text(_lines(path)[0])
    with pytest.raises(BadInputError, match=r"census wave 2001 has no records"):
        validate_ls(data)


def test_member_with_two_records_in_one_wave(extract: Path, tmp_path: Path) -> None:
    data = _copy(extract, tmp_path)
    path = data / "ons_ls" / "ls_census_1991.csv"
    lines = _lines(path)
    member = lines[5].split(",")[0]
    path.write_text("".join([*lines, lines[5]]))
    with pytest.raises(BadInputError) as e:
        validate_ls(data)
    message = str(e.value)
    assert "ls_census_1991.csv" in message
    assert f"duplicate key (lsid={member}) appears 2 times" in message
    assert e.value.exit_code == 2


def test_unknown_region_code(extract: Path, tmp_path: Path) -> None:
    data = _copy(extract, tmp_path)
    path = data / "ons_ls" / "ls_census_2011.csv"
    lines = _lines(path)
    fields = lines[3].split(",")
    fields[2] = "E12000099"
    lines[3] = ",".join(fields)
    path.write_text("".join(lines))
    with pytest.raises(BadInputError) as e:
        validate_ls(data)
    message = str(e.value)
    assert "ls_census_2011.csv: column gor, data row 3: 'E12000099' is not one of" in message
    assert e.value.exit_code == 2


def test_region_missing_from_regional_table(extract: Path, tmp_path: Path) -> None:
    data = _copy(extract, tmp_path)
    path = data / "ons_ls" / "ls_regional_indicators.csv"
    lines = _lines(path)
    path.write_text("".join(line for line in lines if not line.startswith("1981,W92000004")))
    with pytest.raises(
        BadInputError, match=r"1 region-census row\(s\) missing \(W92000004 in 1981"
    ):
        validate_ls(data)
