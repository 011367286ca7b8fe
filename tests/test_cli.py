"""The `mobility` command end to end: results contract, idempotence, locking, the gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from mobility import warehouse as wh
from pipeline.cli import main
from tests.conftest import cli_args


def test_run_writes_results_tables_and_report(built: dict[str, Path]) -> None:
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        columns = [r[0] for r in con.execute("describe results.descriptives").fetchall()]
        assert columns == [
            "run_id",
            "data_source",
            "analysis",
            "report_table",
            "row_label",
            "column_label",
            "value",
            "n",
        ]
        table6 = con.execute(
            "select count(*), count(distinct column_label) from results.latest_descriptives "
            "where report_table = 6 and data_source = 'synthetic'"
        ).fetchone()
        assert table6 == (7 * 8, 8)  # seven covariates x eight supergroups
        estimate_columns = [r[0] for r in con.execute("describe results.estimates").fetchall()]
        assert estimate_columns[:2] == ["run_id", "data_source"]
        assert "n_obs" in estimate_columns
    finally:
        con.close()
    report = (built["out"] / "report.html").read_text()
    assert "Table 6" in report and "Rows per layer" in report and "expectations passed" in report
    for suffix in ("md", "html", "csv"):
        assert (built["out"] / "tables" / f"table_06_covariate_means.{suffix}").exists()


def test_rerun_is_idempotent(tmp_path: Path, built: dict[str, Path]) -> None:
    # A second run over a copy of the fixture's warehouse (the first run) and its outputs.
    paths = {"data": built["data"], "warehouse": tmp_path / "wh.duckdb", "out": tmp_path / "out"}
    shutil.copyfile(built["warehouse"], paths["warehouse"])
    shutil.copytree(built["out"], paths["out"])
    assert main(cli_args("run", paths)) == 0
    con = duckdb.connect(str(paths["warehouse"]), read_only=True)
    try:
        runs = con.execute("select count(*) from results.runs").fetchone()[0]
        latest = con.execute(
            "select count(distinct run_id), count(*) from results.latest_descriptives"
        ).fetchone()
        first = con.execute(
            "select count(*) from results.descriptives "
            "where run_id = (select min(run_id) from results.runs)"
        ).fetchone()[0]
        marts = con.execute("select count(*) from marts.fct_la_pair_flows").fetchone()[0]
    finally:
        con.close()
    assert runs == 2  # both runs kept, appended
    assert latest == (1, first)  # the views show one run, as large as each run
    reference = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        assert (
            marts == reference.execute("select count(*) from marts.fct_la_pair_flows").fetchone()[0]
        )
    finally:
        reference.close()


def test_second_process_is_told_the_warehouse_is_in_use(
    tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "wh.duckdb"
    warehouse.write_bytes(built["warehouse"].read_bytes())
    paths = {"data": built["data"], "warehouse": warehouse, "out": tmp_path / "out"}
    capsys.readouterr()
    with wh.exclusive(warehouse):
        code = main(cli_args("build", paths))
    message = capsys.readouterr().err
    assert code == 3
    assert "Warehouse in use" in message and "Traceback" not in message


def test_gate_failure_exits_1_and_writes_no_results(
    tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "wh.duckdb"
    warehouse.write_bytes(built["warehouse"].read_bytes())
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.fct_la_pair_flows set moves = -1 where year = 2014 and moves > 0")
    runs_before = con.execute("select count(*) from results.runs").fetchone()[0]
    con.close()
    paths = {"data": built["data"], "warehouse": warehouse, "out": tmp_path / "out"}
    capsys.readouterr()

    assert main(cli_args("check", paths)) == 1
    message = capsys.readouterr().err
    assert "la_pair_flows" in message and "moves" in message
    assert (tmp_path / "out" / "gate" / "gate.html").exists()
    assert main(cli_args("analyse", paths)) == 1  # analysis runs the gate first and stops
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from results.runs").fetchone()[0] == runs_before
    finally:
        con.close()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--scale", "huge"]) == 2
    assert main(["frobnicate"]) == 2


def test_dbt_docs_generate(tmp_path: Path, built: dict[str, Path]) -> None:
    env = wh.dbt_environment(built["data"], built["warehouse"])
    env["DBT_TARGET_PATH"] = str(tmp_path / "target")
    result = wh.run_dbt(["docs", "generate", "--exclude", "tag:panel", "tag:ls"], env)
    assert not result.failures
    assert (tmp_path / "target" / "catalog.json").exists()


def test_public_source_reads_a_prepared_copy_in_place_and_prepares_raw_files(
    tmp_path: Path, small_data: Path
) -> None:
    from pipeline.stages import Options

    publishers = tmp_path / "publishers"
    publishers.mkdir()
    raw = Options(source="public", data_dir=publishers)
    assert raw.raw_dir == wh.REPO_ROOT / "data" / "public" / "prepared"  # will be prepared
    prepared = Options(source="public", data_dir=small_data)  # canonical layouts already
    assert prepared.raw_dir == small_data
