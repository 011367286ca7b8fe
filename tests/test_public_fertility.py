"""The real 2014 TFR (ONS birth summary tables, table 3): name matching, the layout checks,
and the calibration of the births-based proxy, on a file written in the published layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mobility.errors import BadInputError
from mobility.public.fertility import calibrate, match_tfr, name_key
from mobility.public.vintage import build_vintage

HEAD = (
    "Contents,,,,\n,,,,\n"
    '"Table 3 Live births by area of usual residence of mother, numbers, General Fertility '
    'Rates and Total Fertility Rates, 2014",,,,\n,,,,\n'
    "Area of usual residence,Live births,     GFR1,TFR2,\n,,,,\n"
)
BODY = (
    '"ENGLAND, WALES AND ELSEWHERE ","695,233",62.1,1.83,\n,,,,\n'
    'NORTH EAST,"28,456",57.6,1.72,\n'
    'Hartlepool UA,"1,043",60.9,1.82,\n'
    'Poole UA ,"1,600",60.0,1.80,\n'
    'Bournemouth UA,"2,000",50.0,1.60,\n'
    'King\u2019s Lynn and West Norfolk,"1,500",65.0,2.00,\n'
    'Dorset,"3,000",55.0,1.75,\n'
    'Westminster LB,"2,500",45.0,1.30,\n'
    'Cornwall UA  and Isles of Scilly UA,"5,000",60.0,1.95,\n'
    "Usual residence outside England and Wales,193,:,:,\n,,,,\n"
    '"Notes:   A birth to a mother whose usual residence is outside England and Wales...",,,,\n'
)
CODES = [
    ("E06000001", "Hartlepool", "E06000001"),
    ("E06000028", "Bournemouth", "E06000058"),
    ("E06000029", "Poole", "E06000058"),
    ("E06000058", "Bournemouth, Christchurch and Poole", "E06000058"),
    ("E07000146", "King's Lynn and West Norfolk", "E07000146"),
    ("E06000059", "Dorset", "E06000059"),
    ("E07000049", "East Dorset", "E06000059"),
    ("E09000033", "Westminster", "E09000033"),
    ("E06000052", "Cornwall", "E06000052"),
]


@pytest.fixture()
def vintage(tmp_path: Path):
    frame = pd.DataFrame(
        [(c, n, a, n, "E12000001", "NE", "England") for c, n, a in CODES],
        columns=["LADCD", "LADNM", "LADCD_ACTIVE", "LADNM_ACTIVE", "RGNCD", "RGNNM", "CTRYNM"],
    )
    frame.to_csv(tmp_path / "codes.csv", index=False)
    pd.DataFrame(
        {
            "oldcd": ["E06000028", "E06000029", "E07000049"],
            "newcd": ["E06000058", "E06000058", "E06000059"],
            "type": ["merger"] * 3,
            "start": ["2019"] * 3,
        }
    ).to_csv(tmp_path / "changes.csv", index=False)
    return build_vintage(tmp_path / "codes.csv", tmp_path / "changes.csv")


def test_names_match_codes_live_in_2014_and_misses_are_listed(tmp_path: Path, vintage):
    path = tmp_path / "table3.csv"
    path.write_text(HEAD + BODY, encoding="utf-8")
    match = match_tfr(path, vintage)
    values = match.values.set_index("la_code")["tfr"]
    # BCP: women-weighted TFR of Bournemouth and Poole (women = births x 1000 / GFR)
    women = np.array([2000 / 50.0, 1600 / 60.0])
    assert values["E06000058"] == pytest.approx((1.60 * women[0] + 1.80 * women[1]) / women.sum())
    assert values["E07000146"] == 2.00 and values["E09000033"] == 1.30
    # the county row "Dorset" is not the 2019 unitary Dorset: unmatched, and said so
    assert "E06000059" not in values.index and match.unmatched_units == ["E06000059 Dorset"]
    assert "Dorset" in match.rows_not_las and "NORTH EAST" in match.rows_not_las
    assert values["E06000052"] == pytest.approx(1.95) and match.match_rate == pytest.approx(5 / 6)


def test_name_key_removes_suffixes_footnotes_and_odd_characters():
    assert name_key("Cornwall UA  and Isles of Scilly UA") == "cornwall"
    assert name_key("The Vale of Glamorgan") == "vale of glamorgan"
    assert name_key("Rhondda\u201a Cynon\u201a Taff") == "rhondda cynon taf"
    assert name_key("Bristol, City of UA 3") == "bristol city of"
    assert name_key("Tyne and Wear (Met County)") == "tyne and wear"


def test_a_moved_or_renamed_header_is_an_error_naming_the_file(tmp_path: Path, vintage):
    path = tmp_path / "table3.csv"
    path.write_text(HEAD.replace("Area of usual residence", "Area") + BODY)
    with pytest.raises(BadInputError, match=r"table3.csv: no header row"):
        match_tfr(path, vintage)
    path.write_text(HEAD.replace("TFR2", "Rate") + BODY)
    with pytest.raises(BadInputError, match=r"table3.csv: row 5: columns"):
        match_tfr(path, vintage)


def test_calibration_recovers_a_planted_line():
    rng = np.random.default_rng(3)
    proxy = rng.uniform(1.4, 2.4, 200)
    tfr = 0.5 + 0.75 * proxy + rng.normal(0, 0.02, 200)
    codes = [f"E{i:08d}" for i in range(200)]
    calibration = calibrate(
        pd.DataFrame({"la_code": codes, "value": proxy}),
        pd.DataFrame({"la_code": codes, "tfr": tfr}),
    )
    assert calibration.slope == pytest.approx(0.75, abs=0.02)
    assert calibration.intercept == pytest.approx(0.5, abs=0.04)
    assert calibration.correlation > 0.99 and calibration.n == 200
    with pytest.raises(BadInputError, match="at least 10"):
        calibrate(
            pd.DataFrame({"la_code": codes[:5], "value": proxy[:5]}),
            pd.DataFrame({"la_code": codes[:5], "tfr": tfr[:5]}),
        )
