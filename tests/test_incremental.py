"""Incremental flow marts: adding a year of raw flows loads that year only, a full refresh
gives the same rows, a revised, removed or shared input file is picked up (docs/operations.md).

One warehouse goes through a schedule's life with plain dbt commands (the flows-marts
selector, as a scheduled job would run it), and each test looks at one step of it.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from mobility import warehouse as wh
from tests.conftest import copy_data

pytestmark = pytest.mark.slow  # five dbt runs of the flow marts: about 2 minutes

FLOWS_MARTS = ["--selector", "flows_marts"]
ADDED_YEAR = 2018
REVISED_YEAR = 2014
FACTS = {
    "int_moves": "intermediate.int_moves_summed_to_pairs where flow_source = "
    "'ons_detailed_estimates'",
    "pair_flows": "marts.fct_la_pair_flows",
    "rates": "marts.fct_type_pair_migration_rates",
}


def dbt(command: list[str], data_dir: Path, warehouse: Path) -> None:
    result = wh.run_dbt(command, wh.dbt_environment(data_dir, warehouse))
    assert not result.failures, result.failures


def year_files(data_dir: Path, year: int) -> list[Path]:
    return sorted((data_dir / "flows").glob(f"Detailed_Estimates_{year}_Dataset_*.csv"))


def snapshot(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Per-year rows and loaded_at of each incremental model, the marts' rows, the load log."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out: dict[str, pd.DataFrame] = {}
        for name, relation in FACTS.items():
            year = "period" if name == "rates" else "cast(year as varchar)"
            out[f"{name}_years"] = (
                con.execute(
                    f"select {year} as period, count(*) as n_rows, "
                    "min(loaded_at) as first_loaded, max(loaded_at) as last_loaded "
                    f"from {relation} group by all order by 1"
                )
                .df()
                .set_index("period")
            )
        for name in ("pair_flows", "rates"):
            frame = con.execute(f"select * exclude (loaded_at) from {FACTS[name]}").df()
            out[name] = frame.sort_values(list(frame.columns[:6])).reset_index(drop=True)
        out["log"] = con.execute("select * from marts.fct_flow_file_loads").df()
        out["raw_moves"] = con.execute(
            "select year, sum(moves) as moves from staging.stg_ons_migration__moves group by year"
        ).df()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def life(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Build without the last flow year, add it, refresh in full, revise an earlier year,
    then touch a file every year uses and withdraw the last year; snapshot after each step."""
    root = tmp_path_factory.mktemp("incremental")
    data = copy_data(small_data, root / "data")
    warehouse = root / "wh.duckdb"
    held = root / "held"
    held.mkdir()
    for path in year_files(data, ADDED_YEAR):
        shutil.move(path, held / path.name)
    steps: dict[str, dict] = {}

    dbt(["run", *FLOWS_MARTS], data, warehouse)
    steps["without_last_year"] = snapshot(warehouse)

    for path in held.iterdir():
        shutil.copy2(path, data / "flows" / path.name)
    dbt(["build", *FLOWS_MARTS], data, warehouse)
    steps["year_added"] = snapshot(warehouse)

    dbt(["run", "--full-refresh", *FLOWS_MARTS], data, warehouse)
    steps["full_refresh"] = snapshot(warehouse)

    revised = year_files(data, REVISED_YEAR)[0]
    flows = pd.read_csv(revised, dtype={"Age": str})
    flows.loc[flows.index[:40], "Moves"] = flows["Moves"].iloc[:40] * 3 + 1
    flows.to_csv(revised, index=False)
    dbt(["run", *FLOWS_MARTS], data, warehouse)
    steps["year_revised"] = snapshot(warehouse)

    shared = sorted((data / "population").iterdir())[0]
    later = time.time() + 60
    os.utime(shared, (later, later))
    for path in year_files(data, ADDED_YEAR):
        path.unlink()
    dbt(["run", *FLOWS_MARTS], data, warehouse)
    steps["shared_touched_year_withdrawn"] = snapshot(warehouse)
    return steps


def years_loaded(step: dict, name: str) -> pd.Series:
    return step[f"{name}_years"]["last_loaded"]


def test_adding_a_year_loads_that_year_only(life: dict[str, dict]) -> None:
    before, after = life["without_last_year"], life["year_added"]
    added = str(ADDED_YEAR)
    for name in ("int_moves", "pair_flows", "rates"):
        old, new = before[f"{name}_years"], after[f"{name}_years"]
        assert added not in old.index and added in new.index, name
        kept = old.index
        # Older years: same rows, and not rewritten (loaded_at untouched).
        pd.testing.assert_series_equal(new.loc[kept, "n_rows"], old["n_rows"], obj=name)
        pd.testing.assert_series_equal(
            new.loc[kept.drop("all years", errors="ignore"), "first_loaded"],
            old.loc[kept.drop("all years", errors="ignore"), "first_loaded"],
            obj=name,
        )
        assert new.loc[added, "first_loaded"] > old["last_loaded"].max(), name
    pair_years = after["pair_flows_years"]
    assert pair_years.loc[str(ADDED_YEAR), "n_rows"] == pair_years.loc["2011", "n_rows"]
    # The pooled rates are recomputed with the new year in them.
    rates = after["rates_years"]
    assert rates.loc["all years", "first_loaded"] == rates.loc[added, "first_loaded"]
    log = after["log"]
    newest = log[log["loaded_at"] == log["loaded_at"].max()]
    assert set(newest["year"]) == {ADDED_YEAR} and set(newest["change"]) == {"new"}
    assert len(newest) == 2  # the year's two files


def test_full_refresh_gives_the_same_rows(life: dict[str, dict]) -> None:
    incremental, full = life["year_added"], life["full_refresh"]
    for name in ("pair_flows", "rates"):
        assert len(incremental[name]) == len(full[name]) > 0
        pd.testing.assert_frame_equal(incremental[name], full[name], rtol=1e-12, obj=name)
    # ... and were rebuilt (every row newly loaded).
    assert (
        full["pair_flows_years"]["first_loaded"].min()
        > incremental["pair_flows_years"]["last_loaded"].max()
    )


def test_revised_earlier_year_is_reloaded(life: dict[str, dict]) -> None:
    before, after = life["full_refresh"], life["year_revised"]
    revised = str(REVISED_YEAR)
    for name in ("int_moves", "pair_flows", "rates"):
        old, new = years_loaded(before, name), years_loaded(after, name)
        changed = sorted(new.index[new != old])
        expected = [revised, "all years"] if name == "rates" else [revised]
        assert changed == expected, name
    raw = after["raw_moves"].set_index("year")["moves"]
    mart = after["pair_flows"].groupby("year")["moves"].sum()
    np.testing.assert_allclose(mart.loc[raw.index], raw, rtol=1e-9)
    old_raw = before["raw_moves"].set_index("year")["moves"]
    assert raw.loc[REVISED_YEAR] > old_raw.loc[REVISED_YEAR]
    log = after["log"]
    newest = log[log["loaded_at"] == log["loaded_at"].max()]
    assert list(newest["change"]) == ["revised"] and list(newest["year"]) == [REVISED_YEAR]


def test_shared_file_reloads_every_year_and_withdrawn_year_is_deleted(
    life: dict[str, dict],
) -> None:
    before, after = life["year_revised"], life["shared_touched_year_withdrawn"]
    gone = str(ADDED_YEAR)
    for name in ("int_moves", "pair_flows", "rates"):
        assert gone in before[f"{name}_years"].index, name
        assert gone not in after[f"{name}_years"].index, name
        assert (years_loaded(after, name) > years_loaded(before, name).max()).all(), name
    kept = before["pair_flows"][before["pair_flows"]["year"] != ADDED_YEAR]
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), after["pair_flows"], rtol=1e-12)
    log = after["log"]
    newest = log[log["loaded_at"] == log["loaded_at"].max()].set_index("file_path")
    removed = newest[newest["change"] == "removed"]
    assert set(removed["year"]) == {ADDED_YEAR} and len(removed) == 2
    revised = newest[newest["change"] == "revised"]
    assert len(revised) == 1 and revised["year"].isna().all()
