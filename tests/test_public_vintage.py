"""The two LA vintages of public mode: `study` (2011-2018 LAs, 346 units, the default) and
`current` (LAD25-H, 316), and the Census 2021 flows, which exist only on `current`.

Small hand-made lookups for the rules; the real geography and census files (slow, real) for
the numbers the issue pins: 346 study units, moves between two districts of a 2021 merger
kept, the E&W inter-LA total of Census 2021 and the reconciliation of both censuses.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from mobility.errors import BadInputError
from mobility.public.census2021 import inter_la_total, read_census2021_od
from mobility.public.flows import harmonise_flows, read_census_od
from mobility.public.vintage import STUDY_VINTAGE, VINTAGE, load_vintage
from pipeline.cli import parser
from pipeline.stages import Options

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
GEO = REAL / "geography" / "drkane_la_all_codes.csv"
CHANGES = REAL / "geography" / "la_changes_2014_2025.csv"
CENSUS_2011 = REAL / "census2011_od" / "simim_census2011_MM01CUK_ALL_cmlad_od_gb.csv.gz"
CENSUS_2021 = REAL / "census2021_od" / "ODMG01EW_LTLA.csv.gz"
CORBY, KETTERING, NORTH_NORTHANTS = "E07000150", "E07000153", "E06000061"

LOOKUP = [
    ("E07000150", "Corby", "E06000061", "North Northamptonshire", "E12000004", "E Mids", "England"),
    (
        "E07000153",
        "Kettering",
        "E06000061",
        "North Northamptonshire",
        "E12000004",
        "E Mids",
        "England",
    ),
    (
        "E06000061",
        "North Northamptonshire",
        "E06000061",
        "North Northamptonshire",
        "E12000004",
        "E Mids",
        "England",
    ),  # noqa: E501
    ("E06000048", "Northumberland", "E06000057", "Northumberland", "E12000001", "NE", "England"),
    ("E06000057", "Northumberland", "E06000057", "Northumberland", "E12000001", "NE", "England"),
    (
        "E09000001",
        "City of London",
        "E09000001",
        "City of London",
        "E12000007",
        "London",
        "England",
    ),
    ("E09000033", "Westminster", "E09000033", "Westminster", "E12000007", "London", "England"),
    ("E06000052", "Cornwall", "E06000052", "Cornwall", "E12000009", "SW", "England"),
    ("E06000053", "Isles of Scilly", "E06000053", "Isles of Scilly", "E12000009", "SW", "England"),
    ("E08000016", "Barnsley", "E08000038", "Barnsley", "E12000003", "Yorks", "England"),
    ("E08000038", "Barnsley", "E08000038", "Barnsley", "E12000003", "Yorks", "England"),
    ("W06000001", "Isle of Anglesey", "W06000001", "Isle of Anglesey", "W99999999", "", "Wales"),
]


@pytest.fixture()
def lookups(tmp_path: Path) -> tuple[Path, Path]:
    columns = ["LADCD", "LADNM", "LADCD_ACTIVE", "LADNM_ACTIVE", "RGNCD", "RGNNM", "CTRYNM"]
    pd.DataFrame(LOOKUP, columns=columns).to_csv(tmp_path / "codes.csv", index=False)
    pd.DataFrame(
        {
            "oldcd": [CORBY, KETTERING, "E08000016"],
            "newcd": [NORTH_NORTHANTS, NORTH_NORTHANTS, "E08000038"],
            "type": ["merger", "merger", "new_code"],
            "start": ["2021", "2021", "2025"],
        }
    ).to_csv(tmp_path / "changes.csv", index=False)
    return tmp_path / "codes.csv", tmp_path / "changes.csv"


def _flows(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["OutLA", "InLA", "Moves"])
    return frame.assign(Age=30, Sex="F")[["OutLA", "InLA", "Age", "Sex", "Moves"]]


def test_study_units_keep_districts_that_merged_later(lookups: tuple[Path, Path]):
    study = load_vintage("study", *lookups)
    assert study.name == STUDY_VINTAGE
    assert study.codes == {
        CORBY,
        KETTERING,
        "E06000057",
        "E09000033",
        "E06000052",
        "E08000016",
        "W06000001",
    }
    mapping = study.mapping
    assert mapping["E06000048"] == "E06000057"  # 2013 recode
    assert mapping["E08000038"] == "E08000016"  # 2025 recode of the same district
    assert mapping["E09000001"] == "E09000033"  # folded
    assert NORTH_NORTHANTS not in mapping and NORTH_NORTHANTS in study.later_codes
    current = load_vintage("current", *lookups)
    assert current.name == VINTAGE and NORTH_NORTHANTS in current.codes


def test_moves_between_districts_of_a_later_merger_are_kept_on_the_study_units(
    lookups: tuple[Path, Path],
):
    frame = _flows([(CORBY, KETTERING, 5.0), (KETTERING, "E09000001", 2.0)])
    study_flows, study_excl = harmonise_flows(frame, load_vintage("study", *lookups), "f.csv")
    assert study_flows[["OutLA", "InLA", "Moves"]].values.tolist() == [
        [CORBY, KETTERING, 5.0],
        [KETTERING, "E09000033", 2.0],
    ]
    assert study_excl == []
    current_flows, current_excl = harmonise_flows(frame, load_vintage("current", *lookups), "f.csv")
    assert current_flows["Moves"].sum() == 2.0  # Corby -> Kettering is inside one unit now
    assert [e.amount for e in current_excl] == [5.0]


def test_data_on_a_later_la_is_reported_never_split_backwards(lookups: tuple[Path, Path]):
    frame = _flows([(NORTH_NORTHANTS, "E09000033", 7.0), (CORBY, "W06000001", 1.0)])
    flows, excluded = harmonise_flows(frame, load_vintage("study", *lookups), "f.csv")
    assert flows["Moves"].sum() == 1.0
    assert len(excluded) == 1 and excluded[0].amount == 7.0 and "2019-2023" in excluded[0].reason


def test_unknown_vintage_and_missing_change_table_are_errors(lookups: tuple[Path, Path]):
    with pytest.raises(BadInputError, match="Unknown vintage"):
        load_vintage("lad11", *lookups)
    with pytest.raises(BadInputError, match="change table"):
        load_vintage("study", lookups[0], None)


def test_study_is_the_default_vintage_of_the_cli_and_the_pipeline():
    args = parser().parse_args(["run", "--source", "public"])
    assert args.vintage == "study" and Options().vintage == "study"
    assert parser().parse_args(["build", "--vintage", "current"]).vintage == "current"


def test_census2021_rows_outside_england_and_wales_are_reported(
    tmp_path: Path, lookups: tuple[Path, Path]
):
    path = tmp_path / "ODMG01EW_LTLA.csv.gz"
    text = (
        "Migrant LTLA one year ago code,Migrant LTLA one year ago label,"
        "Lower tier local authorities code,Lower tier local authorities label,Count\n"
        "-8,Does not apply,E09000033,Westminster,1000\n"
        "999999999,Outside UK,E09000033,Westminster,40\n"
        "S12000033,Aberdeen City,E09000033,Westminster,3\n"
        "N09000001,Antrim,E09000033,Westminster,2\n"
        "E09000033,Westminster,E09000033,Westminster,50\n"
        "E07000150,Corby,E09000033,Westminster,6\n"
        "E09000001,City of London,E09000033,Westminster,4\n"
    )
    path.write_bytes(gzip.compress(text.encode()))
    flows, excluded = read_census2021_od(path, load_vintage("current", *lookups))
    assert flows[["OutLA", "InLA", "Moves"]].values.tolist() == [
        [NORTH_NORTHANTS, "E09000033", 6.0]
    ]
    amounts = {e.reason.split(",")[0].split(" (")[0]: e.amount for e in excluded}
    assert sorted(amounts.values()) == [2.0, 3.0, 4.0, 40.0, 50.0, 1000.0]
    assert flows["Moves"].sum() + sum(amounts.values()) == 1105.0
    path.write_bytes(gzip.compress(text.replace("E07000150,Corby", "E99999999,X").encode()))
    with pytest.raises(BadInputError, match=r"ODMG01EW_LTLA.csv.gz: data row 6"):
        read_census2021_od(path, load_vintage("current", *lookups))


@pytest.mark.slow
@pytest.mark.real
@pytest.mark.skipif(not GEO.exists(), reason=f"real files not found at {REAL}")
def test_census2011_on_the_study_units_real():
    """Tables 7-20 on Census 2011 flows by default: 346 units; Northamptonshire kept."""
    study = load_vintage("study", GEO, CHANGES)
    assert len(study.codes) == 346
    assert study.lookup.groupby("ctrynm").size().to_dict() == {"England": 324, "Wales": 22}
    flows, excluded = read_census_od(CENSUS_2011, study)
    assert flows["OutLA"].nunique() == 346 and flows["InLA"].nunique() == 346
    raw = pd.read_csv(CENSUS_2011, dtype={"O_GEOGRAPHY_CODE": str, "D_GEOGRAPHY_CODE": str})
    corby_kettering = raw[
        (raw["O_GEOGRAPHY_CODE"] == CORBY) & (raw["D_GEOGRAPHY_CODE"] == KETTERING)
    ]["MIGRATIONS"].sum()
    kept = flows[(flows["OutLA"] == CORBY) & (flows["InLA"] == KETTERING)]["Moves"].sum()
    assert corby_kettering > 0 and kept == corby_kettering
    # read = written + each excluded kind, and more moves kept than on the current units
    assert flows["Moves"].sum() + sum(e.amount for e in excluded) == raw["MIGRATIONS"].sum()
    current, _ = read_census_od(CENSUS_2011, load_vintage("current", GEO, CHANGES))
    assert flows["Moves"].sum() > current["Moves"].sum()


@pytest.mark.slow
@pytest.mark.real
@pytest.mark.skipif(not CENSUS_2021.exists(), reason=f"real files not found at {REAL}")
def test_census2021_inter_la_total_and_reconciliation_real():
    moves, pairs = inter_la_total(CENSUS_2021)
    assert (moves, pairs) == (2_752_607, 88_927)
    flows, excluded = read_census2021_od(CENSUS_2021, load_vintage("current", GEO, CHANGES))
    merged = sum(e.amount for e in excluded if "same unit after merging" in e.reason)
    assert flows["Moves"].sum() + merged == moves
    raw = pd.read_csv(CENSUS_2021, dtype=str)
    assert flows["Moves"].sum() + sum(e.amount for e in excluded) == raw["Count"].astype(int).sum()
    assert {e.reason.split(",")[0] for e in excluded} >= {
        "origin -8",
        "origin 999999999",
        "origin in Scotland (council area)",
        "origin in Northern Ireland (district)",
    }
    assert len(set(flows["OutLA"]) | set(flows["InLA"])) == 316


@pytest.mark.slow
@pytest.mark.real
@pytest.mark.skipif(not GEO.exists(), reason=f"real files not found at {REAL}")
def test_study_preparation_is_complete_and_meets_the_contracts(tmp_path: Path):
    """Every study unit has a centroid, borders and a population in every year; the
    census flows and the reconciliation are on the study units; 2021 flows are refused."""
    from mobility.contracts import validate
    from mobility.layouts import FLOW_CONTRACTS, LA_LOOKUP
    from mobility.public import prepare_public

    prep = prepare_public(REAL, tmp_path, vintage="study")
    applicable = [c for c in FLOW_CONTRACTS if list(tmp_path.glob(c.pattern))]
    rows = validate(tmp_path, applicable, LA_LOOKUP)
    assert rows["LA geography lookup"] == rows["LA centroids"] == 346
    assert rows["LA neighbours (shared borders)"] == 346
    for year in range(2010, 2019):
        frame = pd.read_csv(tmp_path / "population" / f"nomis_NM_2002_1_mid{year}.tsv", sep="\t")
        assert frame["GEOGRAPHY_CODE"].nunique() == 346, year
    reconciliation = pd.read_csv(tmp_path / "flows" / "flow_reconciliation.csv")
    assert set(reconciliation["vintage"]) == {STUDY_VINTAGE}
    census = reconciliation[reconciliation["year"] == 2011].set_index("what")["moves"]
    excluded = census.drop(["moves read", "moves written"]).sum()
    assert census["moves read"] == pytest.approx(census["moves written"] + excluded)
    assert "Census 2021 LA OD flows" in prep.unavailable
    assert not (tmp_path / "census2021" / "census2021_la_od.csv").exists()
    # the real 2014 TFR: every unit matched by name, the proxy tracks it, 2014 is the real
    tfr = pd.read_csv(tmp_path / "covariates" / "tfr_calibration.csv")
    assert tfr["tfr_2014"].notna().sum() == 346
    assert tfr["tfr_2014"].corr(tfr["proxy_30x_gfr_2014"]) > 0.8
    assert any("346 of 346 units (100.0%" in n for n in prep.notes)
    coverage = pd.read_csv(tmp_path / "covariates" / "coverage.csv")
    assert coverage["la_missing"].sum() == 0  # every model covariate for every unit-year
    extras = pd.read_csv(tmp_path / "covariates" / "la_extras.csv")
    per_indicator = extras.groupby("indicator")["la_code"].nunique()
    assert per_indicator[["non_white_pct", "degree_pct"]].tolist() == [346, 346]
    assert extras.loc[extras["indicator"] == "median_weekly_pay", "year"].nunique() == 7
    assert not set(extras["indicator"]) & set(
        pd.read_csv(tmp_path / "covariates" / "la_indicators.csv")["indicator"]
    )
    indicators = pd.read_csv(tmp_path / "covariates" / "la_indicators.csv")
    fertility = indicators[
        (indicators["indicator"] == "total_fertility_rate") & (indicators["year"] == 2014)
    ].set_index("la_code")["value"]
    assert fertility.sort_index().to_numpy() == pytest.approx(
        tfr.set_index("la_code")["tfr_2014"].sort_index().to_numpy()
    )
