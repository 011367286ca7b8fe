"""Then and now (Census 2011 vs 2021): rates side by side and the model-4 changes, on a small
planted pair grid in an in-memory DuckDB with the columns of marts.fct_census_la_pair_flows.

The 2021 outflow effect of one supergroup is planted 0.5 above its 2011 value; the table of
what changed must recover that change (and no change elsewhere) within 3 standard errors.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.context import RunContext
from analysis.flows.reconciliation import census_reconciliation
from analysis.flows.then_and_now import run_then_and_now
from mobility.vocabulary import SUPERGROUPS

PLANTED_CHANGE = {"Countryside Living": 0.5}
BASE_EFFECT = {c: 0.1 * i for i, c in enumerate(SUPERGROUPS)}
COVARIATES = (
    "share_aged_15_29",
    "dependency_ratio",
    "unemployment_rate",
    "gva_per_head_real",
    "mean_house_price",
    "total_fertility_rate",
    "non_uk_born_share",
)


def _grid(seed: int = 7, per_type: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = per_type * len(SUPERGROUPS)
    types = np.repeat(SUPERGROUPS, per_type)
    x, y = rng.uniform(0, 300, n), rng.uniform(0, 300, n)
    population = rng.uniform(50_000, 300_000, n)
    rows = []
    for year in (2011, 2021):
        covariates = {
            "share_aged_15_29": rng.uniform(0.15, 0.25, n),
            "dependency_ratio": rng.uniform(0.5, 0.7, n),
            "unemployment_rate": rng.uniform(3, 9, n),
            "gva_per_head_real": rng.uniform(15_000, 40_000, n),
            "mean_house_price": rng.uniform(120_000, 500_000, n),
            "total_fertility_rate": rng.uniform(1.5, 2.1, n),
            "non_uk_born_share": rng.uniform(0.02, 0.4, n),
        }
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                distance = max(np.hypot(x[i] - x[j], y[i] - y[j]), 1.0)
                effect = BASE_EFFECT[types[i]] + (
                    PLANTED_CHANGE.get(types[i], 0.0) if year == 2021 else 0.0
                )
                mu = population[i] * np.exp(-7.0 + effect - 0.9 * np.log(distance))
                moves = rng.poisson(mu * rng.gamma(5.0, 0.2))
                row = {
                    "year": year,
                    "sending_la_code": f"E{i:08d}",
                    "receiving_la_code": f"E{j:08d}",
                    "has_observed_moves": True,
                    "moves": float(moves),
                    "sending_population": population[i],
                    "shares_border": int(distance < 40),
                    "log_distance": np.log(distance),
                    "sending_country": "England",
                    "receiving_country": "England",
                    "sending_supergroup": types[i],
                    "receiving_supergroup": types[j],
                    "sending_imd_quintile": None,
                    "receiving_imd_quintile": None,
                    "sending_smi_category": None,
                    "receiving_smi_category": None,
                }
                for name in COVARIATES:
                    row[f"sending_{name}_lag1"] = covariates[name][i]
                    row[f"receiving_{name}_lag1"] = covariates[name][j]
                rows.append(row)
    return pd.DataFrame(rows)


def _connect(grid: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.register("grid_frame", grid)
    con.execute("create table marts.fct_census_la_pair_flows as select * from grid_frame")
    return con


def _context(tmp_path: Path) -> RunContext:
    return RunContext("test", "public", tmp_path, tmp_path / "out", 1, "small")


def test_then_and_now_recovers_a_planted_change(tmp_path: Path):
    grid = _grid()
    output = run_then_and_now(_connect(grid), _context(tmp_path))
    tables = {t.key: t for t in output.tables}
    changes = tables["then_and_now_changes_ons_supergroup"].frame.set_index(
        "Sending type (vs reference)"
    )
    se = np.hypot(changes["2011 std. error"], changes["2021 std. error"])
    for category in SUPERGROUPS[1:]:
        planted = PLANTED_CHANGE.get(category, 0.0)
        assert abs(changes.loc[category, "Change"] - planted) <= 3 * se[category], category
    assert changes.loc["Countryside Living", "z of change"] > 3
    # rates side by side equal a direct computation from the grid
    rates = tables["then_and_now_rates_ons_supergroup"].frame
    pick = grid[
        (grid["sending_supergroup"] == "Countryside Living")
        & (grid["receiving_supergroup"] == "Urban Settlements")
    ]
    for year in (2011, 2021):
        part = pick[pick["year"] == year]
        residents = part.drop_duplicates("sending_la_code")["sending_population"].sum()
        row = rates[
            (rates["From type"] == "Countryside Living") & (rates["To type"] == "Urban Settlements")
        ]
        assert row[f"Rate {year} (per 1,000)"].iloc[0] == pytest.approx(
            1000 * part["moves"].sum() / residents, abs=1e-3
        )
    assert any("pandemic" in n for n in tables["then_and_now_rates_ons_supergroup"].notes)
    assert [f.key for f in output.figures] == ["then_and_now_coefficients_ons_supergroup"]
    assert (tmp_path / "out" / output.figures[0].path).exists()
    assert any("IMD 2010" in s for s in output.skipped)


def test_then_and_now_is_skipped_without_2021_flows(tmp_path: Path):
    grid = _grid(per_type=2)
    output = run_then_and_now(_connect(grid[grid["year"] == 2011]), _context(tmp_path))
    assert output.tables == [] and "--vintage current" in output.skipped[0]


def test_census_reconciliation_table_adds_up(tmp_path: Path):
    (tmp_path / "flows").mkdir()
    pd.DataFrame(
        [
            ("LAD25-H", 2021, "census2021_od/x.csv.gz", "origin -8, same address", 3, 900.0),
            ("LAD25-H", 2021, "census2021_od/x.csv.gz", "origin in Scotland", 2, 40.0),
            ("LAD25-H", 2021, "census2021_od/x.csv.gz", "moves read", 0, 1000.0),
            ("LAD25-H", 2021, "census2021_od/x.csv.gz", "moves written", 5, 60.0),
            ("LAD25-H", 2017, "flows/x.csv", "moves read", 0, 7.0),
        ],
        columns=["vintage", "year", "source", "what", "rows", "moves"],
    ).to_csv(tmp_path / "flows" / "flow_reconciliation.csv", index=False)
    table = census_reconciliation(tmp_path, 2021, "k")
    assert table is not None and "LAD25-H" in table.title
    assert table.frame["Moves"].tolist() == [1000.0, 900.0, 40.0, 60.0]
    assert "= 0." in table.notes[0]
    assert census_reconciliation(tmp_path, 2011, "k") is None
    assert census_reconciliation(tmp_path / "none", 2021, "k") is None
