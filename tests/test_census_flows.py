"""Census 2011 OD flows as a flow source of their own: files, contracts, marts, analyses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from mobility.contracts import validate
from mobility.errors import BadInputError
from mobility.layouts import CENSUS_BREAKDOWNS, CENSUS_OD, CENSUS_OD_BY_GROUP, LA_LOOKUP

OD = "census2011/census2011_la_od.csv"
BY_GROUP = "census2011/census2011_la_od_by_group.csv"
ALL = "All areas"


@pytest.fixture(scope="module")
def con(built: dict[str, Path]):
    connection = duckdb.connect(str(built["warehouse"]), read_only=True)
    yield connection
    connection.close()


def test_census_files_are_whole_persons_and_breakdowns_partition_each_pair(
    small_data: Path,
) -> None:
    od = pd.read_csv(small_data / OD)
    groups = pd.read_csv(small_data / BY_GROUP)
    assert list(od.columns) == ["OutLA", "InLA", "Moves", "source"]
    assert (od["Moves"] > 0).all() and (od["OutLA"] != od["InLA"]).all()
    assert np.array_equal(od["Moves"], od["Moves"].round())
    assert set(groups["breakdown"]) == set(CENSUS_BREAKDOWNS)
    for breakdown, categories in CENSUS_BREAKDOWNS.items():
        subset = groups[groups["breakdown"] == breakdown]
        assert set(subset["category"]) == set(categories)
        summed = subset.groupby(["OutLA", "InLA"])["Moves"].sum()
        expected = od.set_index(["OutLA", "InLA"])["Moves"]
        pd.testing.assert_series_equal(
            summed.reindex(expected.index).fillna(0).astype("int64"),
            expected.astype("int64"),
            check_names=False,
        )
    # derived from the 2011 detailed moves: close in total, not a copy
    detailed = pd.concat(
        pd.read_csv(p) for p in sorted((small_data / "flows").glob("Detailed_Estimates_2011_*"))
    )
    ratio = od["Moves"].sum() / detailed["Moves"].sum()
    assert 0.85 < ratio < 1.0


def test_deprived_origins_send_more_routine_and_manual_movers(small_data: Path) -> None:
    """The planted gradient: the descriptive has something to find."""
    imd = pd.read_csv(small_data / "typologies" / "imd2010_la_summary.csv")
    most = set(imd.nlargest(len(imd) // 5, "imd_average_score")["la_code"])
    least = set(imd.nsmallest(len(imd) // 5, "imd_average_score")["la_code"])
    groups = pd.read_csv(small_data / BY_GROUP).query("breakdown == 'nssec'")

    def routine_share(origins: set[str]) -> float:
        rows = groups[groups["OutLA"].isin(origins)]
        routine = rows["category"] == "Routine and manual occupations"
        return rows.loc[routine, "Moves"].sum() / rows["Moves"].sum()

    assert routine_share(most) > routine_share(least) + 0.05


def test_census_pair_mart_keeps_every_census_move_per_pair(
    con: duckdb.DuckDBPyConnection, built: dict[str, Path]
) -> None:
    raw = pd.read_csv(built["data"] / OD).set_index(["OutLA", "InLA"])["Moves"]
    mart = con.execute(
        "select sending_la_code, receiving_la_code, year, flow_source, has_observed_moves, moves "
        "from marts.fct_census_la_pair_flows"
    ).df()
    n_las = con.execute("select count(*) from marts.dim_local_authorities").fetchone()[0]
    assert len(mart) == n_las * (n_las - 1)
    assert set(mart["year"]) == {2011} and set(mart["flow_source"]) == {"census_2011"}
    observed = mart[mart["has_observed_moves"]].set_index(["sending_la_code", "receiving_la_code"])[
        "moves"
    ]
    assert len(observed) == len(raw)
    np.testing.assert_allclose(observed.reindex(raw.index).to_numpy(), raw.to_numpy())
    assert (mart.loc[~mart["has_observed_moves"], "moves"] == 0).all()


def test_ons_pair_mart_holds_only_the_detailed_estimates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Census moves never leak into the ONS mart (summing it by year must not count 2011
    twice) and the rates mart rests on it alone."""
    sources = con.execute("select distinct flow_source from marts.fct_la_pair_flows").fetchall()
    assert sources == [("ons_detailed_estimates",)]
    rate_moves = con.execute(
        "select sum(moves) from marts.fct_type_pair_migration_rates where typology = "
        "'ons_supergroup' and period = '2011' and sex = 'persons' and age_band = 'all ages'"
    ).fetchone()[0]
    ons_2011 = con.execute(
        "select sum(moves) from marts.fct_la_pair_flows where year = 2011"
    ).fetchone()[0]
    assert rate_moves == pytest.approx(ons_2011)
    # same exposure and lagged covariates as the ONS rows of 2011, pair by pair
    differing = con.execute(
        "select count(*) from marts.fct_census_la_pair_flows as c "
        "join marts.fct_la_pair_flows as o using (sending_la_code, receiving_la_code, year) "
        "where c.sending_population <> o.sending_population "
        "or c.sending_unemployment_rate_lag1 <> o.sending_unemployment_rate_lag1 "
        "or c.receiving_mean_house_price_lag1 <> o.receiving_mean_house_price_lag1"
    ).fetchone()[0]
    assert differing == 0


def _by_group_in_pandas(data: Path, las: pd.DataFrame) -> pd.DataFrame:
    groups = pd.read_csv(data / BY_GROUP)
    frames = []
    for typology, column in (
        ("smi_2017", "smi_category"),
        ("ons_supergroup", "supergroup"),
        ("imd_2010", "imd_quintile"),
    ):
        types = las.set_index("la_code")[column]
        typed = groups.assign(
            sending_type=groups["OutLA"].map(types), receiving_type=groups["InLA"].map(types)
        ).dropna(subset=["sending_type", "receiving_type"])
        for sending_all, receiving_all in (
            (False, False),
            (False, True),
            (True, False),
            (True, True),
        ):
            frame = typed.assign(
                sending_type=ALL if sending_all else typed["sending_type"],
                receiving_type=ALL if receiving_all else typed["receiving_type"],
            )
            summed = frame.groupby(
                ["sending_type", "receiving_type", "breakdown", "category"], as_index=False
            )["Moves"].sum()
            summed["typology"] = typology
            frames.append(summed)
    out = pd.concat(frames, ignore_index=True)
    total = out.groupby(["typology", "sending_type", "receiving_type", "breakdown"])[
        "Moves"
    ].transform("sum")
    out["share"] = out["Moves"] / total
    return out.rename(columns={"Moves": "moves"})


def test_by_group_mart_equals_an_independent_pandas_computation(
    con: duckdb.DuckDBPyConnection, built: dict[str, Path]
) -> None:
    las = con.execute(
        "select la_code, smi_category, supergroup, imd_quintile from marts.dim_local_authorities"
    ).df()
    expected = _by_group_in_pandas(built["data"], las)
    mart = con.execute("select * from marts.fct_census_type_pair_flows_by_group").df()
    key = ["typology", "sending_type", "receiving_type", "breakdown", "category"]
    merged = expected.merge(mart, on=key, how="outer", suffixes=("_pandas", "_mart"))
    assert len(merged) == len(expected) == len(mart)
    np.testing.assert_allclose(merged["moves_mart"], merged["moves_pandas"])
    np.testing.assert_allclose(merged["share_mart"], merged["share_pandas"], rtol=1e-12)


def test_census_analysis_runs_under_the_same_report_tables(
    con: duckdb.DuckDBPyConnection, built: dict[str, Path]
) -> None:
    census = con.execute(
        "select analysis, report_table, n_obs, data_source from results.latest_estimates "
        "where analysis like 'flows_nb2_census2011_%'"
    ).df()
    assert set(census["data_source"]) == {"synthetic"}
    assert set(census["report_table"].dropna().astype(int)) == set(range(7, 21))  # no SMI 2-5
    assert "flows_nb2_census2011_imd_2010_destinations_from_high_deprivation" in set(
        census["analysis"]
    )
    # the default analysis still reads the ONS detailed estimates (2011-2018): more rows
    ons = con.execute(
        "select max(n_obs) from results.latest_estimates "
        "where analysis = 'flows_nb2_ons_supergroup_outflows'"
    ).fetchone()[0]
    census_n = census.loc[
        census["analysis"] == "flows_nb2_census2011_ons_supergroup_outflows", "n_obs"
    ].max()
    observed_2011 = con.execute(
        "select count(*) from marts.fct_census_la_pair_flows where has_observed_moves"
    ).fetchone()[0]
    assert census_n == observed_2011 and ons > 2 * census_n
    run = json.loads((built["out"] / "run.json").read_text())["analyse"]
    assert any(s.startswith("Tables 2-5 on Census 2011 flows") for s in run["skipped"])
    titles = [t["title"] for t in run["tables"] if t["analysis"] == "census_flow_models"]
    assert titles and all("(Census 2011 flows)" in t for t in titles)
    assert (built["out"] / "tables" / "table_07_census2011_ons_supergroup_outflows.md").exists()


def test_by_group_descriptive_is_written(
    con: duckdb.DuckDBPyConnection, built: dict[str, Path]
) -> None:
    rows = con.execute(
        "select analysis, report_table, row_label, column_label, value, n "
        "from results.latest_descriptives where analysis like 'census2011_flows_by_%'"
    ).df()
    assert set(rows["analysis"]) == {
        "census2011_flows_by_nssec_imd_2010",
        "census2011_flows_by_ethnicity_imd_2010",
    }
    assert rows["report_table"].isna().all()
    shares = rows.groupby(["analysis", "row_label"])["value"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    assert {"Out of High deprivation", "Into High deprivation", "All moves"} <= set(
        rows["row_label"]
    )
    table = built["out"] / "tables" / "census2011_flows_by_group_imd_2010.csv"
    assert table.exists()


def _contract_dir(source: Path, destination: Path) -> Path:
    for relative in (LA_LOOKUP.pattern, OD, BY_GROUP):
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / relative, destination / relative)
    return destination


def _validate(data: Path) -> dict[str, int]:
    return validate(data, (CENSUS_OD, CENSUS_OD_BY_GROUP), LA_LOOKUP)


def test_contracts_reject_negative_census_moves(small_data: Path, tmp_path: Path) -> None:
    data = _contract_dir(small_data, tmp_path)
    assert _validate(data)[CENSUS_OD.name] > 0
    od = pd.read_csv(data / OD)
    od.loc[3, "Moves"] = -4
    od.to_csv(data / OD, index=False)
    with pytest.raises(BadInputError) as error:
        _validate(data)
    message = str(error.value)
    assert "census2011_la_od.csv" in message and "column Moves, data row 4" in message
    assert "minimum 0" in message


def test_contracts_reject_an_unknown_breakdown_category(small_data: Path, tmp_path: Path) -> None:
    data = _contract_dir(small_data, tmp_path)
    groups = pd.read_csv(data / BY_GROUP)
    groups.loc[0, "category"] = "Asian"
    groups.to_csv(data / BY_GROUP, index=False)
    with pytest.raises(BadInputError, match=r"column category, data row 1: 'Asian' is not one"):
        _validate(data)


def test_header_only_breakdown_file_is_accepted(small_data: Path, tmp_path: Path) -> None:
    """Public mode writes the by-group file header-only: a valid, empty input."""
    data = _contract_dir(small_data, tmp_path)
    header = (data / BY_GROUP).read_text().splitlines()[0]
    (data / BY_GROUP).write_text(header + "\n")
    assert _validate(data)[CENSUS_OD_BY_GROUP.name] == 0
