"""Strand C end to end on the small twin: dbt models, the gate, and the analysis.

The warehouse is built once (dbt, LS models only) and then checked against computations
written here independently in pandas: the population-weighted quintiles, the child-adult
links, and the recovery of the planted mover effects.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.context import RunContext
from analysis.ls import run_ls_analysis
from analysis.ls.effects import all_effects, within_group_effects
from analysis.ls.planted import load_truth, planted_vs_estimated
from analysis.ls.sample import CHARACTERISTICS, load_sample, outcome_rows
from mobility.generate.ls import write_ls_twin

REPO = Path(__file__).resolve().parents[1]
CLASS_RANK = {"1": 1, "2": 2, "3": 3}


def _build(root: Path, scale: str) -> tuple[Path, Path]:
    """Write the twin under root/data and dbt-build the LS models into root/ls.duckdb."""
    data, warehouse = root / "data", root / "ls.duckdb"
    write_ls_twin(data, seed=20200701, scale=scale)
    env = {
        **os.environ,
        "MOBILITY_DATA_DIR": str(data),
        "MOBILITY_WAREHOUSE": str(warehouse),
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "build", "--select", "tag:ls+", "--quiet"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return data, warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _build(tmp_path_factory.mktemp("ls_wh"), "small")


def _query(warehouse: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _pandas_quintiles(regions: pd.DataFrame) -> dict[tuple[int, str], int]:
    """Walk each census's regions from the lowest skill share, placing each by its midpoint."""
    out = {}
    for year in sorted(regions["census_year"].unique()):
        wave = regions[regions["census_year"] == year]
        total = float(wave["population"].sum())
        ordered = sorted(zip(wave["pct_prof_tech"], wave["gor"], wave["population"], strict=True))
        covered = 0.0
        for _, code, population in ordered:
            middle = (covered + population / 2) / total
            out[(int(year), code)] = min(5, int(middle * 5) + 1)
            covered += population
    return out


def test_quintiles_match_independent_pandas(built: tuple[Path, Path]) -> None:
    data, warehouse = built
    regions = pd.read_csv(data / "ons_ls" / "ls_regional_indicators.csv")
    expected = _pandas_quintiles(regions)
    mart = _query(
        warehouse,
        "select census_year, region_code, deprivation_quintile from marts.dim_ls_region_waves",
    )
    got = {
        (int(r.census_year), r.region_code): int(r.deprivation_quintile)
        for r in mart.itertuples(index=False)
    }
    assert got == expected
    for year in regions["census_year"].unique():  # quintile 1 holds about a fifth of people
        wave = regions[regions["census_year"] == year]
        q1 = wave[[expected[(int(year), g)] == 1 for g in wave["gor"]]]
        assert 0.1 < q1["population"].sum() / wave["population"].sum() < 0.3
    links = _query(
        warehouse,
        "select child_census_year, childhood_region_code, childhood_region_quintile "
        "from marts.fct_ls_child_adult_links",
    )
    judged = [
        expected[(int(y), g)]
        for y, g in zip(links["child_census_year"], links["childhood_region_code"], strict=True)
    ]
    assert links["childhood_region_quintile"].astype(int).tolist() == judged


def test_links_match_independent_pandas(built: tuple[Path, Path]) -> None:
    data, warehouse = built
    waves = {
        y: pd.read_csv(data / "ons_ls" / f"ls_census_{y}.csv", dtype=str).set_index("lsid")
        for y in (1971, 1981, 1991, 2001, 2011)
    }
    expected = {}
    for year in (1971, 1981, 1991):
        wave, later = waves[year], waves[year + 20]
        children = wave[wave["age"].astype(int).between(10, 16)]
        adults = later[later["age"].astype(int).between(30, 36)]
        for lsid in children.index.intersection(adults.index):
            ranks = [
                CLASS_RANK.get(wave.at[p, "occ_class"])
                for p in (children.at[lsid, "mother_lsid"], children.at[lsid, "father_lsid"])
                if isinstance(p, str) and p in wave.index
            ]
            ranks = [r for r in ranks if r is not None]
            expected[lsid] = (
                children.at[lsid, "gor"] != adults.at[lsid, "gor"],
                min(ranks) if ranks else None,
                adults.at[lsid, "econ_activity"] == "1",
                # the study's occupation outcome: professional/technical (class 1) versus
                # skilled and semi/unskilled; missing without a current or last occupation
                (adults.at[lsid, "occ_class"] == "1")
                if adults.at[lsid, "occ_class"] in CLASS_RANK
                else None,
            )
    mart = _query(
        warehouse,
        "select member_id, is_mover, parent_class, is_employed, is_professional_technical "
        "from marts.fct_ls_child_adult_links",
    )
    names = {"professional and technical": 1, "skilled": 2, "semi-skilled and unskilled": 3}
    got = {
        r.member_id: (
            bool(r.is_mover),
            names.get(r.parent_class),
            bool(r.is_employed),
            None if pd.isna(r.is_professional_technical) else bool(r.is_professional_technical),
        )
        for r in mart.itertuples(index=False)
    }
    assert got == expected
    assert sum(v[3] is None for v in got.values()) > 0  # people who never worked


def test_outcome_samples_and_the_studys_differences(built: tuple[Path, Path]) -> None:
    """Rows dropped per outcome, not jointly; differences are first minus second group."""
    con = duckdb.connect(str(built[1]), read_only=True)
    try:
        frame = load_sample(con).frame
    finally:
        con.close()
    employment = outcome_rows(frame, "employed")
    occupation = outcome_rows(frame, "professional_technical")
    assert len(occupation) < len(employment) == len(frame)
    assert (occupation["employed"] == 0).sum() > 0  # last job counts
    estimates = within_group_effects(frame, "professional_technical", CHARACTERISTICS[0])
    by_label = estimates.set_index("label")
    assert by_label.loc["Male", "n_obs"] + by_label.loc["Female", "n_obs"] == len(occupation)
    gap = by_label.loc["Male", "estimate"] - by_label.loc["Female", "estimate"]
    assert np.isclose(by_label.loc["Male versus female", "estimate"], gap)
    labels = [
        char.difference_label(group) for char in CHARACTERISTICS for group in char.compared_groups()
    ]
    assert labels == [
        "Male versus female",
        "White versus non-white",
        "Degree holder versus no degree",
        "Parent: skilled occ. vs semi/unskilled occ.",
        "Parent: professional/technical occ. vs semi/unskilled occ.",
    ]


def _check_recovery(data: Path, warehouse: Path) -> None:
    truth = load_truth(data)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sample = load_sample(con)
    finally:
        con.close()
    assert len(sample.frame) == truth["n_analysis_sample"]
    estimates, skipped = all_effects(sample.frame)
    assert skipped == []
    check = planted_vs_estimated(estimates, sample.frame, truth)
    assert len(check) == 30  # 2 outcomes x (overall + 9 groups + 5 differences)
    assert check["Gap (SEs)"].abs().max() <= 3, check.to_string()
    assert np.isfinite(check["Standard error"]).all() and (check["Standard error"] > 0).all()


def test_planted_effects_recovered_within_three_se(built: tuple[Path, Path]) -> None:
    _check_recovery(*built)


@pytest.mark.slow
def test_planted_effects_recovered_at_full_scale(tmp_path: Path) -> None:
    _check_recovery(*_build(tmp_path, "full"))


def test_gate_passes_on_good_links(built: tuple[Path, Path]) -> None:
    from mobility.gate import run_gate

    _, warehouse = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        report = run_gate(con, ["ls"])
    finally:
        con.close()
    assert report.failures == [] and report.passed >= 15
    assert report.rows_checked["ls_links"] > 1000


def test_analysis_fills_tables_30_to_32_with_disclosure(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    data, warehouse = built
    context = RunContext("test", "synthetic", data, tmp_path, 20200701, "small")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        output = run_ls_analysis(con, context)
    finally:
        con.close()
    assert output.skipped == []
    assert {30, 31, 32} <= {t.report_table for t in output.tables}
    assert "ls_planted_vs_estimated" in {t.key for t in output.tables}
    assert [f.key for f in output.figures] == ["ls_within_group_mover_effects"]
    assert (tmp_path / output.figures[0].path).stat().st_size > 10_000
    assert set(output.estimates["report_table"].dropna()) == {31, 32}
    assert set(output.descriptives["report_table"]) == {30}
    for counts in (output.estimates["n_obs"], output.descriptives["n"]):
        shown = counts.dropna().to_numpy(dtype=float)
        assert (shown % 5 == 0).all()
    mover = output.estimates[
        (output.estimates["model"] == "employed: model 3") & (output.estimates["term"] == "mover")
    ]
    assert mover["label"].tolist() == ["Mover"]


def test_groups_under_ten_people_are_suppressed(built: tuple[Path, Path], tmp_path: Path) -> None:
    data, warehouse = built
    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse}' as built (read_only)")
        con.execute("create schema marts")
        # Keep only 6 non-white movers: their within-group effects must not be shown.
        con.execute(
            """
            create table marts.fct_ls_child_adult_links as
            select * from built.marts.fct_ls_child_adult_links
            where not (is_mover and not is_white and is_most_deprived_quintile)
                or member_id in (
                    select member_id from built.marts.fct_ls_child_adult_links
                    where is_mover and not is_white and is_most_deprived_quintile
                    order by member_id limit 6
                )
            """
        )
        context = RunContext("test", "synthetic", data, tmp_path, 20200701, "small")
        output = run_ls_analysis(con, context)
    finally:
        con.close()
    est = output.estimates.set_index(["model", "term"])
    non_white = est.loc[("employed: model 3 x ethnicity", "mover_in_non_white")]
    assert pd.isna(non_white["estimate"]) and pd.isna(non_white["std_error"])
    assert not pd.isna(est.loc[("employed: model 3 x ethnicity", "mover_in_white"), "estimate"])
    desc = output.descriptives.set_index(["row_label", "column_label"])
    assert pd.isna(desc.loc[("White", "Movers"), "value"])
    assert any("disclosure control blanked" in note for note in output.notes)


def test_gate_stops_duplicate_links_and_bad_ages(built: tuple[Path, Path]) -> None:
    from mobility.errors import QualityGateError
    from mobility.gate import run_gate

    _, warehouse = built
    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse}' as built (read_only)")
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.fct_ls_child_adult_links as
            select * from built.marts.fct_ls_child_adult_links
            union all
            select * replace (9 as child_age, 6 as childhood_region_quintile)
            from (select * from built.marts.fct_ls_child_adult_links limit 1)
            """
        )
        with pytest.raises(QualityGateError) as failure:
            run_gate(con, ["ls"])
    finally:
        con.close()
    message = str(failure.value)
    for column in ("member_id", "child_age", "childhood_region_quintile"):
        assert column in message
