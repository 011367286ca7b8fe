"""The marts against independent pandas computations from the raw files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from mobility.generate.geography import distance_miles


@pytest.fixture(scope="module")
def con(built: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(built["warehouse"]), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def raw_flows(built: dict[str, Path]) -> pd.DataFrame:
    frames = []
    for path in sorted((built["data"] / "flows").glob("Detailed_Estimates_*.csv")):
        frame = pd.read_csv(path)
        frame["year"] = int(path.name.split("_")[2])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def raw_population(built: dict[str, Path]) -> pd.DataFrame:
    frames = []
    for path in sorted((built["data"] / "population").glob("*.tsv")):
        frame = pd.read_csv(path, sep="\t")
        frame["year"] = int(path.stem[-4:])
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["age"] = out["C_AGE"] - 101
    return out.rename(columns={"GEOGRAPHY_CODE": "la_code", "OBS_VALUE": "population"})


def test_pair_mart_keeps_every_move(
    con: duckdb.DuckDBPyConnection, raw_flows: pd.DataFrame
) -> None:
    mart = (
        con.execute(
            "select year, sum(moves) as moves, sum(moves_female) as female, "
            "sum(moves_aged_20_24) as aged_20_24 from marts.fct_la_pair_flows group by year"
        )
        .df()
        .set_index("year")
        .sort_index()
    )
    raw = raw_flows.groupby("year")["Moves"].sum().sort_index()
    np.testing.assert_allclose(mart["moves"], raw, rtol=1e-9)
    female = raw_flows[raw_flows["Sex"] == "F"].groupby("year")["Moves"].sum()
    np.testing.assert_allclose(mart["female"], female.sort_index(), rtol=1e-9)
    band = raw_flows[raw_flows["Age"].between(20, 24)].groupby("year")["Moves"].sum()
    np.testing.assert_allclose(mart["aged_20_24"], band.sort_index(), rtol=1e-9)


def test_pair_grid_is_complete(con: duckdb.DuckDBPyConnection, raw_flows: pd.DataFrame) -> None:
    n_las = con.execute("select count(*) from marts.dim_local_authorities").fetchone()[0]
    rows, observed = con.execute(
        "select count(*), count(*) filter (where has_observed_moves) from marts.fct_la_pair_flows"
    ).fetchone()
    years = raw_flows["year"].nunique()
    assert rows == n_las * (n_las - 1) * years
    assert observed == len(raw_flows.drop_duplicates(["OutLA", "InLA", "year"]))


def _typology_of(data_dir: Path) -> pd.DataFrame:
    """Hot/cold spots and supergroups recomputed from the raw files, independently of dbt."""
    smi = pd.read_csv(data_dir / "typologies" / "social_mobility_index_2017.csv")
    smi = smi.sort_values("overall_rank").reset_index(drop=True)
    n = len(smi)
    # SQL ntile(5) puts the larger groups first; reproduce that rule (0 = top fifth)
    sizes = [n // 5 + (1 if k < n % 5 else 0) for k in range(5)]
    fifth = np.repeat(np.arange(5), sizes)
    smi["smi"] = np.select([fifth == 0, fifth == 4], ["Hot spot", "Cold spot"], "Medium")
    groups = pd.read_csv(data_dir / "typologies" / "area_classification_2011.csv")
    return groups[["la_code", "supergroup"]].merge(smi[["la_code", "smi"]], how="left")


def test_rates_equal_an_independent_pandas_computation(
    con: duckdb.DuckDBPyConnection,
    built: dict[str, Path],
    raw_flows: pd.DataFrame,
    raw_population: pd.DataFrame,
) -> None:
    types = _typology_of(built["data"]).set_index("la_code")
    flows = raw_flows.assign(
        s=raw_flows["OutLA"].map(types["smi"]), r=raw_flows["InLA"].map(types["smi"])
    ).dropna(subset=["s", "r"])
    population = raw_population.assign(s=raw_population["la_code"].map(types["smi"]))
    population = population[population["year"].isin(flows["year"].unique())].dropna(subset=["s"])

    # by year, persons
    moves = flows.groupby(["year", "s", "r"])["Moves"].sum()
    pop = population.groupby(["year", "s"])["population"].sum()
    expected = (moves / pop.reindex(moves.index.droplevel("r")).to_numpy()).rename("rate")
    mart = (
        con.execute(
            "select cast(period as bigint) as year, sending_type as s, receiving_type as r, rate "
            "from marts.fct_type_pair_migration_rates where typology = 'smi_2017' "
            "and period <> 'all years' and sex = 'persons' and age_band = 'all ages'"
        )
        .df()
        .set_index(["year", "s", "r"])["rate"]
    )
    pd.testing.assert_series_equal(
        mart.sort_index(),
        expected.sort_index(),
        check_names=False,
        check_index_type=False,
        rtol=1e-9,
    )

    # all years pooled, women aged any age: female moves / female population-years
    f_moves = flows[flows["Sex"] == "F"].groupby(["s", "r"])["Moves"].sum()
    f_pop = population[population["GENDER"] == 2].groupby("s")["population"].sum()
    f_expected = f_moves / f_pop.reindex(f_moves.index.get_level_values("s")).to_numpy()
    f_mart = (
        con.execute(
            "select sending_type as s, receiving_type as r, rate "
            "from marts.fct_type_pair_migration_rates "
            "where typology = 'smi_2017' and period = 'all years' and sex = 'female'"
        )
        .df()
        .set_index(["s", "r"])["rate"]
    )
    pd.testing.assert_series_equal(
        f_mart.sort_index(),
        f_expected.sort_index(),
        check_names=False,
        check_index_type=False,
        rtol=1e-9,
    )


def test_lags_are_the_previous_years_values(
    con: duckdb.DuckDBPyConnection, built: dict[str, Path]
) -> None:
    raw = pd.read_csv(built["data"] / "covariates" / "la_indicators.csv")
    unemployment = raw[raw["indicator"] == "unemployment_rate"].set_index(["la_code", "year"])[
        "value"
    ]
    mart = con.execute(
        "select sending_la_code, year, sending_unemployment_rate_lag1, "
        "receiving_la_code, receiving_mean_house_price_lag1 from marts.fct_la_pair_flows"
    ).df()
    expected = unemployment.reindex(
        pd.MultiIndex.from_arrays([mart["sending_la_code"], mart["year"] - 1])
    ).to_numpy()
    np.testing.assert_allclose(mart["sending_unemployment_rate_lag1"], expected)
    prices = raw[raw["indicator"] == "mean_house_price"].set_index(["la_code", "year"])["value"]
    expected_prices = prices.reindex(
        pd.MultiIndex.from_arrays([mart["receiving_la_code"], mart["year"] - 1])
    ).to_numpy()
    np.testing.assert_allclose(mart["receiving_mean_house_price_lag1"], expected_prices)


def test_distance_and_borders_match_the_geography_files(
    con: duckdb.DuckDBPyConnection, built: dict[str, Path]
) -> None:
    pairs = con.execute("select * from marts.dim_la_pairs").df()
    centroids = pd.read_csv(built["data"] / "geography" / "lad_centroids.csv").set_index("lad19cd")
    s = centroids.loc[pairs["sending_la_code"]]
    r = centroids.loc[pairs["receiving_la_code"]]
    expected = distance_miles(s["lat"].values, s["long"].values, r["lat"].values, r["long"].values)
    np.testing.assert_allclose(pairs["distance_miles"], expected, rtol=1e-9)
    neighbours = json.loads((built["data"] / "geography" / "lad_neighbours.json").read_text())
    borders = {(a, b) for a, lists in neighbours.items() for b in lists[0]}
    flagged = set(
        pairs.loc[pairs["shares_border"] == 1, ["sending_la_code", "receiving_la_code"]].itertuples(
            index=False, name=None
        )
    )
    assert flagged == borders


def test_marts_are_documented_column_by_column(built: dict[str, Path]) -> None:
    import yaml

    root = Path(__file__).resolve().parents[1] / "warehouse" / "models" / "marts"
    documented = {}
    for path in list((root / "flows").glob("*.yml")) + list((root / "areas").glob("*.yml")):
        for model in yaml.safe_load(path.read_text())["models"]:
            documented[model["name"]] = {
                c["name"] for c in model["columns"] if c.get("description")
            }
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        for table, columns in documented.items():
            actual = {r[0] for r in con.execute(f"describe marts.{table}").fetchall()}
            assert actual == columns, (
                f"{table}: undocumented {actual - columns}, stale {columns - actual}"
            )
    finally:
        con.close()
