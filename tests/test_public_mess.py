"""Real-world mess in publishers' files, on small hand-made fixtures (no real data needed).

Each test builds a tiny file in the publisher's layout with one kind of mess: suppressed
cells and notes rows, codes from an older vintage, Scotland/NI aggregate codes, combined
codes, a changed sheet layout; and checks it is handled or rejected with a clear message.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mobility.errors import BadInputError
from mobility.public import covariates as cov
from mobility.public.coverage import fill_from_neighbours, fill_nearest_year, summarise
from mobility.public.flows import harmonise_flows, read_detailed_estimates
from mobility.public.population import harmonise_population, read_mye2
from mobility.public.typologies import build_area_classification
from mobility.public.vintage import Vintage, build_vintage

# A miniature drkane/geo-lookups la_all_codes.csv: old codes point at their current LAD.
LOOKUP_ROWS = [
    # LADCD, LADNM, LADCD_ACTIVE, LADNM_ACTIVE, RGNCD, RGNNM, CTRYNM
    ("E06000028", "Bournemouth", "E06000058", "BCP", "E12000009", "South West", "England"),
    ("E06000029", "Poole", "E06000058", "BCP", "E12000009", "South West", "England"),
    ("E07000048", "Christchurch", "E06000058", "BCP", "E12000009", "South West", "England"),
    ("E06000058", "BCP", "E06000058", "BCP", "E12000009", "South West", "England"),
    (
        "E06000048",
        "Northumberland",
        "E06000057",
        "Northumberland",
        "E12000001",
        "North East",
        "England",
    ),
    (
        "E06000057",
        "Northumberland",
        "E06000057",
        "Northumberland",
        "E12000001",
        "North East",
        "England",
    ),
    ("E06000052", "Cornwall", "E06000052", "Cornwall", "E12000009", "South West", "England"),
    (
        "E06000053",
        "Isles of Scilly",
        "E06000053",
        "Isles of Scilly",
        "E12000009",
        "South West",
        "England",
    ),
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
    ("W06000001", "Isle of Anglesey", "W06000001", "Isle of Anglesey", "W99999999", "", "Wales"),
    ("S12000033", "Aberdeen City", "S12000033", "Aberdeen City", "S99999999", "", "Scotland"),
]


@pytest.fixture()
def vintage(tmp_path: Path) -> Vintage:
    frame = pd.DataFrame(
        LOOKUP_ROWS,
        columns=["LADCD", "LADNM", "LADCD_ACTIVE", "LADNM_ACTIVE", "RGNCD", "RGNNM", "CTRYNM"],
    )
    path = tmp_path / "la_all_codes.csv"
    frame.to_csv(path, index=False)
    changes = pd.DataFrame(
        {
            "oldcd": ["E06000028", "E06000029", "E07000048"],
            "newcd": ["E06000058"] * 3,
            "type": ["merger"] * 3,
            "start": ["2019"] * 3,
        }
    )
    changes.to_csv(tmp_path / "changes.csv", index=False)
    return build_vintage(path, tmp_path / "changes.csv")


def test_vintage_folds_city_and_scilly_and_keeps_only_england_and_wales(vintage: Vintage):
    assert vintage.codes == {"E06000058", "E06000057", "E06000052", "E09000033", "W06000001"}
    mapping = vintage.mapping
    assert mapping["E09000001"] == "E09000033" and mapping["E06000053"] == "E06000052"
    assert mapping["E41000052"] == "E06000052"  # Census 2011 merged LA code
    assert "S12000033" not in mapping
    cw = vintage.crosswalk.set_index("from_code")
    assert cw.loc["E06000028", "from_vintage"] == "LAD18"
    assert cw.loc["E06000048", "from_vintage"] == "LAD12"
    assert (vintage.crosswalk["weight"] == 1.0).all()
    assert vintage.lookup.set_index("ltlacd").loc["W06000001", "rgncd"] == "W92000004"


def _flows_file(tmp_path: Path, rows: list[tuple]) -> Path:
    path = tmp_path / "Detailed_Estimates_2017_Dataset_1.csv"
    pd.DataFrame(rows, columns=["OutLA", "InLA", "Age", "Sex", "Moves"]).to_csv(path, index=False)
    return path


def test_flows_from_older_vintage_are_summed_and_exclusions_reconcile(
    vintage: Vintage, tmp_path: Path
):
    path = _flows_file(
        tmp_path,
        [
            ("E06000028", "E06000048", 18, "M", 1.5),  # Bournemouth -> old Northumberland
            ("E07000048", "E06000048", 18, "M", 2.0),  # Christchurch -> same unit pair
            ("E06000028", "E07000048", 18, "F", 3.0),  # within BCP after merging
            ("E06000052", "S92000003", 18, "F", 4.0),  # to Scotland aggregate
            ("N92000002", "E09000001", 20, "F", 5.0),  # from NI aggregate
            ("E09000001", "E06000053", 30, "M", 0.25),  # combined pairs -> Westminster/Cornwall
        ],
    )
    frame = read_detailed_estimates(path)
    flows, exclusions = harmonise_flows(frame, vintage, path.name)
    key = flows.set_index(["OutLA", "InLA", "Age", "Sex"])["Moves"]
    assert key[("E06000058", "E06000057", 18, "M")] == pytest.approx(3.5)
    assert key[("E09000033", "E06000052", 30, "M")] == pytest.approx(0.25)
    reasons = {e.reason.split(" ")[0]: e for e in exclusions}
    assert reasons["Scotland"].amount == 4.0 and reasons["Northern"].amount == 5.0
    assert reasons["both"].amount == 3.0
    total_excluded = sum(e.amount for e in exclusions)
    assert flows["Moves"].sum() + total_excluded == pytest.approx(frame["Moves"].sum())
    assert set(flows["OutLA"]) | set(flows["InLA"]) <= vintage.codes


def test_unknown_flow_code_is_a_clear_error(vintage: Vintage, tmp_path: Path):
    path = _flows_file(tmp_path, [("E06000028", "E99999999", 18, "M", 1.0)])
    with pytest.raises(BadInputError, match=r"E99999999.*data row 1"):
        harmonise_flows(read_detailed_estimates(path), vintage, path.name)


def test_flow_file_missing_column_names_file_and_columns(tmp_path: Path):
    path = tmp_path / "Detailed_Estimates_2017_Dataset_1.csv"
    path.write_text("OutLA,InLA,Age,Moves\nE06000028,E06000029,18,1\n")
    with pytest.raises(BadInputError, match=r"Detailed_Estimates_2017_Dataset_1.csv.*Sex"):
        read_detailed_estimates(path)


def _mye2_workbook(path: Path, code_label: str = "Code") -> None:
    """An MYE2-style workbook: title rows, header, a country row, LAs, a notes row."""
    header = [code_label, "Name", "All ages", *[float(a) for a in range(91)]]
    rows = [
        ["MYE2: Population estimates, mid-2017"] + [None] * 93,
        [None] * 94,
        header,
        ["E92000001", "ENGLAND", 300, *[3] * 91],  # country total: must not be summed
        ["E06000028", "Bournemouth", 182, *[2] * 91],
        ["E07000048", "Christchurch", 91, *[1] * 91],
        ["S12000033", "Aberdeen City", 91, *[1] * 91],
        ["Note 1: figures may not sum because of rounding", *[None] * 93],
    ]
    with pd.ExcelWriter(path) as writer:
        for sheet in ("MYE2 - Males", "MYE2 - Females"):
            pd.DataFrame(rows).to_excel(writer, sheet_name=sheet, header=False, index=False)


def test_mye2_workbook_notes_and_total_rows_are_left_out(vintage: Vintage, tmp_path: Path):
    path = tmp_path / "ukmidyearestimates2017.xlsx"
    _mye2_workbook(path)
    frame, exclusions = harmonise_population(read_mye2(path), vintage, path.name)
    assert set(frame["GEOGRAPHY_CODE"]) == {"E06000058"}
    assert frame["OBS_VALUE"].sum() == pytest.approx(2 * 91 * 3)  # both sexes, BCP = 2 + 1
    assert {e.reason.split(" ")[0] for e in exclusions} == {"Scottish", "country,"}


def test_changed_sheet_layout_names_file_sheet_and_expectation(tmp_path: Path):
    path = tmp_path / "ukmidyearestimates2017.xlsx"
    _mye2_workbook(path, code_label="Area identifier")
    with pytest.raises(BadInputError) as info:
        read_mye2(path)
    message = str(info.value)
    assert "ukmidyearestimates2017.xlsx" in message and "MYE2 - Males" in message
    assert "'code'" in message and "layout" in message


def test_renamed_sheet_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "ukmidyearestimates2017.xlsx"
    pd.DataFrame([[1]]).to_excel(path, sheet_name="Table 9", header=False, index=False)
    with pytest.raises(BadInputError, match=r"no sheet named .*'Table 9'"):
        read_mye2(path)


def test_suppressed_cells_become_missing_not_zero(vintage: Vintage, tmp_path: Path):
    """Country-of-birth table 1.1 with ':' 'x' '..' and 'z' cells and footnoted names."""
    rows = [
        [None] * 9,
        ["Table 1.1: Population by country of birth", *[None] * 8],
        ["January 2015 to December 2015", *[None] * 8],
        [None, None, "Total", None, None, "United Kingdom", None, "Non-United Kingdom", None],
        [
            "Area Code10",
            "Area Name",
            "estimate",
            "CI +/-",
            None,
            "estimate",
            "CI",
            "estimate",
            "CI",
        ],
        ["E06000028", "Bournemouth12", 200, "z", None, 180, 5, 20, 3],
        ["E07000048", "Christchurch", ":", ":", None, ":", ":", ":", ":"],
        ["E06000048", "Northumberland", 300, 5, None, "x", 4, "..", 2],
        ["E09000033", "Westminster", 250, "z", None, 125, 20, 125, 19],
        ["E09000001", "City of London22", ":", ":", None, ":", ":", ":", ":"],
        ["22. City of London estimates are included with Westminster", *[None] * 8],
    ]
    path = tmp_path / "populationbycountryofbirth2015.xlsx"
    pd.DataFrame(rows).to_excel(path, sheet_name="1.1", header=False, index=False)
    observed = cov.read_country_of_birth(path)
    assert observed["year"].unique().tolist() == [2015]
    by_code = observed.set_index("code")["value"]
    assert by_code["E06000028"] == pytest.approx(10.0)
    assert pd.isna(by_code["E07000048"]) and pd.isna(by_code["E06000048"])
    weights = pd.Series({"E06000028": 180_000, "E07000048": 48_000, "E09000033": 219_000})
    share = cov.harmonise_rate(observed, vintage, weights).set_index("la_code")["value"]
    assert share["E06000058"] == pytest.approx(10.0)  # Christchurch missing, not zero
    assert share["E09000033"] == pytest.approx(50.0)  # City suppressed: Westminster's value
    assert "E06000057" not in share.index  # Northumberland suppressed entirely


def test_li01_hash_cells_and_period_year(vintage: Vintage, tmp_path: Path):
    rows = [
        [None] * 8,
        [None, "LI01 Local labour market indicators", *[None] * 6],
        [None, None, None, "July 2018 to June 2019", *[None] * 4],
        [None, None, "Population", "Labour supply", None, None, None, None],
        [None, None, None, "Employment", None, "Unemployment3", None, None],
        [None, None, "16-64", "Total 16+", "16-64 Rate", "Total 16+", "Rate4 (%)", "Total"],
        ["E09000001", "City of London", 5811, "#", "#", "#", "#", "#"],
        ["E09000033", "Westminster", 181102, 1, 1, 5900, 4.45, 1],
        ["# Sample size too small to provide estimates.", *[None] * 7],
    ]
    path = tmp_path / "li01.xlsx"
    pd.DataFrame(rows).to_excel(path, sheet_name="LI01", header=False, index=False)
    observed = cov.read_li01(path).set_index("code")
    assert observed.loc["E09000033", "value"] == pytest.approx(4.45)
    assert observed.loc["E09000033", "year"] == 2019
    assert pd.isna(observed.loc["E09000001", "value"])


def test_combined_codes_in_a_source_map_to_the_folded_unit(vintage: Vintage):
    births = pd.DataFrame(
        {
            "code": ["E06000052, E06000053", "E09000001/E09000033", "E06000028", "E06000058"],
            "year": [2018, 2018, 2018, 2019],
            "value": [5000.0, 3000.0, 1800.0, 3500.0],
        }
    )
    totals = cov.harmonise_total(births, vintage).set_index(["la_code", "year"])["value"]
    assert totals[("E06000052", 2018)] == 5000.0
    assert totals[("E09000033", 2018)] == 3000.0


def test_merged_unit_row_wins_over_its_former_districts(vintage: Vintage):
    """Some compilations list a new merged LA and its former districts in one year."""
    births = pd.DataFrame(
        {
            "code": ["E06000058", "E06000028", "E06000029", "E07000048"],
            "year": [2019] * 4,
            "value": [3500.0, 1800.0, 1300.0, 400.0],
        }
    )
    totals = cov.harmonise_total(births, vintage).set_index("la_code")["value"]
    assert totals["E06000058"] == 3500.0


def test_area_classification_combined_and_post_merger_rows(vintage: Vintage, tmp_path: Path):
    columns = [
        "la_code",
        "supergroup",
        "supergroup_code",
        "group",
        "group_code",
        "subgroup",
        "subgroup_code",
    ]
    rows = [
        ("E09000001/E09000033", "London Cosmopolitan", "5", "g", "5a", "s", "5a1"),
        ("E06000028", "Business, Education and Heritage Centres", "2", "g", "2a", "s", "2a1"),
        ("E06000029", "Town and Country Living", "7", "g", "7a", "s", "7a1"),
        ("E07000048", "Town and Country Living", "7", "g", "7a", "s", "7a1"),
        ("E06000058", "Countryside Living", "3", "g", "3a", "s", "3a1"),  # not an ONS row
        ("DORSET_COMBINED", "Countryside Living", "3", "g", "3a", "s", "3a1"),
    ]
    path = tmp_path / "classification.csv"
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    weights = pd.Series({"E06000028": 183_000, "E06000029": 148_000, "E07000048": 48_000})
    table, exclusions, notes = build_area_classification(path, vintage, weights)
    by_code = table.set_index("la_code")["supergroup"]
    assert by_code["E09000033"] == "London Cosmopolitan"
    # BCP: Bournemouth 183k vs Poole + Christchurch 196k -> Town and Country Living
    assert by_code["E06000058"] == "Town and Country Living"
    assert exclusions[0].rows == 2 and any("E06000058" in n for n in notes)


def test_nearest_year_rule_flags_every_filled_value():
    observed = pd.DataFrame(
        {"la_code": ["A", "A", "B"], "year": [2012, 2016, 2015], "value": [1.0, 3.0, 7.0]}
    )
    filled = fill_nearest_year(observed, ["A", "B", "C"], [2010, 2014, 2016])
    a = filled[filled["la_code"] == "A"].set_index("year")
    assert a.loc[2014, "value"] == 1.0 and a.loc[2014, "source_year"] == 2012  # tie -> earlier
    assert bool(a.loc[2014, "filled_by_rule"]) and not bool(a.loc[2016, "filled_by_rule"])
    coverage = summarise("x", filled, "f.csv").set_index("year")
    assert coverage.loc[2016, "la_missing"] == 1  # C never observed: visible, not dropped
    assert coverage.loc[2016, "la_observed"] == 1 and coverage.loc[2016, "la_filled"] == 1


def test_never_observed_la_takes_its_neighbours_mean_and_is_flagged():
    observed = pd.DataFrame({"la_code": ["A", "B"], "year": [2015, 2015], "value": [2.0, 4.0]})
    neighbours = {"A": [["C"]], "B": [["C"]], "C": [["A", "B"]], "D": [[]]}
    filled = fill_from_neighbours(
        fill_nearest_year(observed, ["A", "B", "C", "D"], [2015]), neighbours
    )
    c = filled.set_index("la_code").loc["C"]
    assert c["value"] == 3.0 and c["fill_method"] == "neighbour_mean" and c["filled_by_rule"]
    assert pd.isna(filled.set_index("la_code").loc["D", "value"])  # an island: stays missing
    coverage = summarise("x", filled, "f.csv").iloc[0]
    assert coverage["la_filled_from_neighbours"] == 1 and coverage["la_missing"] == 1
