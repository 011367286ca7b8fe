"""The hostile trial (issue 16): every case that once let bad data through or lost something,
and every case that held, each asserting the exit code, the key words of the message and the
warehouse's sha256 before and after. Small scale; one built warehouse is shared and copied
before anything is corrupted."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.context import RunContext
from analysis.outputs import AnalysisOutput
from mobility import warehouse as wh
from mobility.errors import WarehouseInUseError
from pipeline import stages as pipeline
from pipeline.cli import main
from tests.conftest import cli_args

README = Path(__file__).resolve().parents[1] / "README.md"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_warehouse(built: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    warehouse = tmp_path / "wh.duckdb"
    shutil.copyfile(built["warehouse"], warehouse)
    return {"data": built["data"], "warehouse": warehouse, "out": tmp_path / "out"}


def _fail_the_gate(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update marts.fct_la_pair_flows set moves = -1 where year = 2014")
    finally:
        con.close()


def _scalar(warehouse: Path, sql: str) -> object:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def readme_query() -> str:
    """The analyst's query exactly as the README prints it."""
    match = re.search(r'c\.sql\(\\"(.+?)\\"\)', README.read_text())
    assert match, "README lost its query example"
    return match.group(1)


def _count_flows(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """A stand-in analysis (the real ones take a minute): one descriptive read from the marts."""
    flows = con.execute("select count(*) from marts.fct_la_pair_flows").fetchone()[0]
    row = {"analysis": "count_flows", "report_table": 0, "row_label": "flows"}
    frame = pd.DataFrame([{**row, "column_label": "rows", "value": float(flows), "n": flows}])
    return AnalysisOutput(name="count_flows", descriptives=frame)


@pytest.fixture
def quick_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    strand = dataclasses.replace(pipeline.STRANDS[0], analyses=(("count_flows", _count_flows),))
    monkeypatch.setattr(pipeline, "STRANDS", (strand,))


# --- 1. gate bypass ------------------------------------------------------------------------


def test_a_build_finishing_between_gate_and_analysis_is_never_analysed(
    tmp_path: Path, built: dict[str, Path], monkeypatch: pytest.MonkeyPatch, quick_analysis: None
) -> None:
    """A build of gate-failing data tries to swap its file in right after the gate passed:
    the swap must wait (the gate holds the lock), so what is analysed is what was gated."""
    paths = _copy_warehouse(built, tmp_path)
    bad = tmp_path / "bad.duckdb"
    shutil.copyfile(built["warehouse"], bad)
    _fail_the_gate(bad)
    runs_before = _scalar(paths["warehouse"], "select count(*) from results.runs")
    real_gate = pipeline.run_gate
    swaps: list[str] = []

    def gate_then_a_build_finishes(*args: object, **kwargs: object) -> object:
        report = real_gate(*args, **kwargs)
        try:
            with wh.exclusive(paths["warehouse"]):  # what `mobility build` does to swap
                os.replace(bad, paths["warehouse"])
                swaps.append("swapped")
        except WarehouseInUseError:
            swaps.append("refused")
        return report

    monkeypatch.setattr(pipeline, "run_gate", gate_then_a_build_finishes)
    assert main(cli_args("analyse", paths)) == 0  # `run` analyses through the same stage
    assert swaps == ["refused"]
    negative = "select count(*) from marts.fct_la_pair_flows where moves < 0"
    assert _scalar(paths["warehouse"], negative) == 0
    assert _scalar(paths["warehouse"], "select count(*) from results.runs") == runs_before + 1


# --- 3. the results schema survives builds; paths reach SQL quoted ------------------------


def test_readme_query_works_after_build_failed_build_and_failed_gate(
    tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The one real dbt build of this module, from a data directory whose path has `'`, `$`
    and `;` (every path reaches SQL quoted, dbt sources included) and whose lookup has a
    name with quotes and `<script>` (stored as it is): the README query keeps its rows, and
    keeps them after a failed build and a failed gate."""
    query = f"select count(*) from ({readme_query()})"
    paths = _copy_warehouse(built, tmp_path)
    expected = _scalar(paths["warehouse"], query)
    assert expected > 0
    paths["data"] = tmp_path / "it's $HOME; data"
    shutil.copytree(built["data"], paths["data"])
    _quotes_and_script_in_values(paths["data"])
    capsys.readouterr()
    assert main(cli_args("build", paths)) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out and " START " not in out and "validate  " in out  # no dbt lines
    assert wh.dbt_log_path(paths["warehouse"]).read_text().count("OK created") > 10
    names = "select count(*) from marts.dim_local_authorities where la_name like '%<script>%'"
    assert _scalar(paths["warehouse"], names) == 1
    assert _scalar(paths["warehouse"], query) == expected  # a new file, results carried over
    con = duckdb.connect(str(paths["warehouse"]), read_only=True)
    try:
        keys = con.execute(
            "select count(*) from duckdb_constraints() where schema_name = 'results' "
            "and table_name = 'runs' and constraint_type = 'PRIMARY KEY'"
        ).fetchone()[0]
        views = {
            r[0]
            for r in con.execute(
                "select view_name from duckdb_views() where schema_name = 'results'"
            ).fetchall()
        }
    finally:
        con.close()
    assert keys == 1 and {"latest_estimates", "latest_descriptives"} <= views
    # a failed build (bad raw data) and a failed gate leave the query working
    flow = paths["data"] / "flows" / "Detailed_Estimates_2015_Dataset_1.csv"
    flow.write_text(flow.read_text().replace(",M,", ",X,", 1))
    assert main(cli_args("build", paths)) == 2
    assert _scalar(paths["warehouse"], query) == expected
    _fail_the_gate(paths["warehouse"])
    assert main(cli_args("analyse", paths)) == 1
    assert _scalar(paths["warehouse"], query) == expected


def test_a_first_build_creates_the_results_views(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "new.duckdb"))
    try:
        wh._carry_results(con, None)  # no previous warehouse: the schema and views, no rows
        assert con.execute(f"select count(*) from ({readme_query()})").fetchone()[0] == 0
    finally:
        con.close()


# --- 2. raw files: completeness and contracts, before dbt ----------------------------------

FLOWS = "flows/Detailed_Estimates_{}_Dataset_{}.csv"


def _rewrite(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(edit(lines)))


def _set_cell(path: Path, row: int, column: str, value: str, sep: str = ",") -> None:
    """Set one cell of data row `row` (1-based) without any CSV library normalising it."""

    def edit(lines: list[str]) -> list[str]:
        header = lines[0].rstrip("\r\n").split(sep)
        cells = lines[row].rstrip("\r\n").split(sep)
        cells[header.index(column)] = value
        lines[row] = sep.join(cells) + "\n"
        return lines

    _rewrite(path, edit)


def _delete_year(data: Path) -> None:
    for part in (1, 2):
        (data / FLOWS.format(2013, part)).unlink()


def _key_in_both_files_of_a_year(data: Path) -> None:
    first = (data / FLOWS.format(2012, 1)).read_text().splitlines(keepends=True)
    _rewrite(data / FLOWS.format(2012, 2), lambda lines: [*lines, first[5]])


def _cut_at_a_line_boundary(data: Path) -> None:
    _rewrite(data / FLOWS.format(2016, 2), lambda lines: lines[:-25])


def _header_only_lookup(data: Path) -> None:
    _rewrite(data / "geography/ltla_lookup.csv", lambda lines: lines[:1])


def _crlf(data: Path) -> None:
    path = data / FLOWS.format(2014, 1)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def _bom(data: Path) -> None:
    path = data / FLOWS.format(2014, 1)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _utf16(data: Path) -> None:
    path = data / FLOWS.format(2014, 1)
    path.write_bytes(path.read_text().encode("utf-16"))


def _truncated_gzip(data: Path) -> None:
    path = data / FLOWS.format(2014, 1)
    path.write_bytes(gzip.compress(path.read_bytes())[:300])


def _directory_for_a_file(data: Path) -> None:
    path = data / "geography/lad_centroids.csv"
    path.unlink()
    path.mkdir()


def _symlink_loop(data: Path) -> None:
    path = data / "geography/lad_centroids.csv"
    path.unlink()
    path.symlink_to(path)


def _quotes_and_script_in_values(data: Path) -> None:
    path = data / "geography/ltla_lookup.csv"
    _set_cell(path, 3, "ltlanm", '"O\'Brien; drop table x; <script>alert(1)</script>"')


# name -> (corruption, exit code, words the message must hold)
RAW_CASES: dict[str, tuple[Callable[[Path], None], int, tuple[str, ...]]] = {
    # failures of the trial
    "missing year": (_delete_year, 2, ("Missing year 2013", "Detailed_Estimates")),
    "key in both files of a year": (
        _key_in_both_files_of_a_year,
        2,
        ("year 2012", "Dataset_1.csv and", "Dataset_2.csv", "OutLA="),
    ),
    "file cut at a line boundary": (
        _cut_at_a_line_boundary,
        2,
        ("Detailed_Estimates_2016_Dataset_2.csv", "year 2016", "manifest.json declares"),
    ),
    "age 1.5": (
        lambda d: _set_cell(d / FLOWS.format(2015, 1), 4, "Age", "1.5"),
        2,
        ("Dataset_1.csv", "Age", "data row 4", "'1.5' is not a whole number"),
    ),
    "header-only lookup": (_header_only_lookup, 2, ("ltla_lookup.csv", "no rows")),
    # what held
    "missing file": (
        lambda d: (d / "geography/lad_centroids.csv").unlink(),
        2,
        ("Missing file", "lad_centroids.csv"),
    ),
    "missing column": (
        lambda d: _rewrite(
            d / "typologies/imd2010_la_summary.csv",
            lambda lines: [lines[0].replace("imd_average_score", "score"), *lines[1:]],
        ),
        2,
        ("imd2010_la_summary.csv", "missing column", "imd_average_score"),
    ),
    "bad number": (
        lambda d: _set_cell(d / FLOWS.format(2017, 1), 9, "Moves", "12O4"),
        2,
        ("Dataset_1.csv", "Moves", "'12O4' is not a number"),
    ),
    "negative moves": (
        lambda d: _set_cell(d / FLOWS.format(2017, 2), 11, "Moves", "-2.5"),
        2,
        ("Dataset_2.csv", "Moves", "-2.5", "data row 11", "minimum 0"),
    ),
    "empty key": (
        lambda d: _set_cell(d / FLOWS.format(2011, 1), 2, "OutLA", ""),
        2,
        ("Dataset_1.csv", "OutLA is empty at data row 2"),
    ),
    "NaN key": (
        lambda d: _set_cell(d / FLOWS.format(2011, 2), 2, "InLA", "NaN"),
        2,
        ("Dataset_2.csv", "InLA", "unknown", "NaN"),
    ),
    "duplicate within a file": (
        lambda d: _rewrite(d / FLOWS.format(2012, 1), lambda lines: [*lines, lines[7]]),
        2,
        ("Detailed_Estimates_2012_Dataset_1.csv", "duplicate key"),
    ),
    "unknown LA code": (
        lambda d: _set_cell(d / FLOWS.format(2016, 2), 3, "InLA", "E07999999"),
        2,
        ("Dataset_2.csv", "InLA", "E07999999"),
    ),
    "year out of range": (
        lambda d: (d / FLOWS.format(2018, 1)).rename(d / FLOWS.format(2031, 1)),
        2,
        ("2031", "out of range", "2011-2018"),
    ),
    "nan and inf": (
        lambda d: _set_cell(d / FLOWS.format(2013, 1), 6, "Moves", "inf"),
        2,
        ("Dataset_1.csv", "Moves", "data row 6", "'inf' is not a number"),
    ),
    "UTF-16": (_utf16, 2, ("Detailed_Estimates_2014_Dataset_1.csv",)),
    "truncated gzip": (_truncated_gzip, 2, ("Detailed_Estimates_2014_Dataset_1.csv",)),
    "directory for a file": (_directory_for_a_file, 2, ("lad_centroids.csv",)),
    "symlink loop": (_symlink_loop, 2, ("lad_centroids.csv",)),
    "CRLF line ends": (_crlf, 0, ("validate",)),
    "byte-order mark": (_bom, 0, ("validate",)),
    "quotes and <script> in values": (_quotes_and_script_in_values, 0, ("validate",)),
}


@pytest.mark.parametrize("case", list(RAW_CASES))
def test_raw_files_are_checked_before_dbt(
    case: str,
    tmp_path: Path,
    built: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Bad raw files stop `build` before dbt with exit 2, naming file, year or row, and the
    warehouse is byte-for-byte the same; files that are fine reach dbt (stubbed here)."""
    corrupt, code, words = RAW_CASES[case]
    paths = _copy_warehouse(built, tmp_path)
    paths["data"] = tmp_path / "data"
    shutil.copytree(built["data"], paths["data"], symlinks=True)
    corrupt(paths["data"])
    before = _sha(paths["warehouse"])
    reached_dbt: list[Path] = []

    def stub_build(raw_dir: Path, warehouse: Path, **_: object) -> wh.BuildResult:
        reached_dbt.append(raw_dir)
        return wh.BuildResult(seconds=0.0, models=0, tests=0, seeds=0)

    monkeypatch.setattr(wh, "build_warehouse", stub_build)
    capsys.readouterr()
    assert main(cli_args("build", paths)) == code
    out, err = capsys.readouterr()
    message = err if code else out
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "Traceback" not in message and len(err.strip().splitlines()) <= 1
    assert bool(reached_dbt) == (code == 0)
    assert _sha(paths["warehouse"]) == before


# --- 4. dbt errors and a full disk --------------------------------------------------------


def _stub_dbt(monkeypatch: pytest.MonkeyPatch, error: str, status: str = "error") -> None:
    """dbt as if one node ended with `error`, after creating the fresh file and its WAL."""

    def run_dbt(args: object, env: dict[str, str], log_file: Path | None = None) -> object:
        building = Path(env["MOBILITY_WAREHOUSE"])
        building.write_bytes(b"half")
        building.with_name(building.name + ".wal").write_bytes(b"half")
        if log_file is not None:
            log_file.write_text(f"the whole dbt output\n{error}\n")
        line = f"model stg_ons_migration__moves: {error}"
        result = wh.BuildResult(seconds=1.0, models=1, tests=0, seeds=0, failures=[line])
        if status == "error":
            result.errors.append(line)
        return result

    monkeypatch.setattr(wh, "run_dbt", run_dbt)


DBT_CASES = {
    "a model error is a build failure": (
        "Catalog Error: Table with name nowhere does not exist!",
        "error",
        3,
        ("dbt build failed", "stg_ons_migration__moves", "Catalog Error", "dbt.log"),
    ),
    "a raw file dbt cannot read is bad input": (
        "Conversion Error: Could not convert string 'x' to INT32",
        "error",
        2,
        ("raw file could not be read", "Conversion Error", "dbt.log"),
    ),
    "a failing dbt test is a quality failure": (
        "Got 3 results, configured to fail if != 0",
        "fail",
        1,
        ("dbt tests failed", "Got 3 results", "dbt.log"),
    ),
    "disk full during dbt": (
        'IO Error: Could not write file "wh.duckdb.building": No space left on device',
        "error",
        3,
        ("Disk full", "disk mounted at /", "wh.duckdb.building", "dbt.log"),
    ),
}


@pytest.mark.parametrize("case", list(DBT_CASES))
def test_dbt_failures_are_one_paragraph_with_their_cause_and_log(
    case: str,
    tmp_path: Path,
    built: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error, status, code, words = DBT_CASES[case]
    paths = _copy_warehouse(built, tmp_path)
    before = _sha(paths["warehouse"])
    _stub_dbt(monkeypatch, error, status)
    capsys.readouterr()
    assert main(cli_args("build", paths)) == code
    out, err = capsys.readouterr()
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "gate" not in err.lower() or code == 1
    assert _sha(paths["warehouse"]) == before
    assert sorted(p.name for p in tmp_path.iterdir() if "building" in p.name) == []


def test_disk_full_while_carrying_results_over(
    tmp_path: Path,
    built: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = _copy_warehouse(built, tmp_path)
    before = _sha(paths["warehouse"])

    def run_dbt(args: object, env: dict[str, str], log_file: Path | None = None) -> object:
        duckdb.connect(env["MOBILITY_WAREHOUSE"]).close()  # dbt "succeeded"
        return wh.BuildResult(seconds=1.0, models=1, tests=1, seeds=0)

    def no_space(*_: object) -> None:
        raise duckdb.IOException(
            'Could not write to file "wh.duckdb.building": No space left on device'
        )

    monkeypatch.setattr(wh, "run_dbt", run_dbt)
    monkeypatch.setattr(wh, "layer_row_counts", no_space)
    assert main(cli_args("build", paths)) == 3
    err = capsys.readouterr().err
    assert "Disk full" in err and "wh.duckdb.building" in err and "untouched" in err
    assert _sha(paths["warehouse"]) == before
    assert not [p for p in tmp_path.iterdir() if "building" in p.name]


def test_disk_full_while_writing_results_names_it_and_writes_nothing(
    tmp_path: Path,
    built: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    quick_analysis: None,
) -> None:
    """A commit that fails for want of space ends the transaction; the message must be the
    full disk, not DuckDB's 'cannot rollback - no transaction is active'."""
    paths = _copy_warehouse(built, tmp_path)
    runs_before = _scalar(paths["warehouse"], "select count(*) from results.runs")
    real_write = pipeline.write_results

    class CommitFails:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.con = con

        def execute(self, sql: str, *args: object) -> object:
            if sql == "commit":
                self.con.execute("rollback")  # DuckDB ends the transaction as the write fails
                raise duckdb.IOException("Could not write file: No space left on device")
            return self.con.execute(sql, *args)

        def __getattr__(self, name: str) -> object:
            return getattr(self.con, name)

    monkeypatch.setattr(pipeline, "write_results", lambda con, *a: real_write(CommitFails(con), *a))
    assert main(cli_args("analyse", paths)) == 3
    err = capsys.readouterr().err
    assert "Disk full" in err and str(paths["warehouse"]) in err and "rollback" not in err
    assert _scalar(paths["warehouse"], "select count(*) from results.runs") == runs_before


# --- 5. options checked before anything is built ------------------------------------------


OPTION_CASES: dict[
    str, tuple[str, Callable[[Path, dict[str, Path]], list[str]], tuple[str, ...]]
] = {
    "data dir that does not exist": (
        "run",
        lambda tmp, p: cli_args("run", {**p, "data": tmp / "mistyped"}),
        ("--data-dir", "mistyped", "does not exist"),
    ),
    "negative seed": (
        "run",
        lambda tmp, p: [*cli_args("run", p), "--seed", "-1"],
        ("--seed -1", "0 to"),
    ),
    "out is a file": (
        "build",
        lambda tmp, p: cli_args("build", {**p, "out": tmp / "wh.duckdb"}),
        ("--out", "is a file"),
    ),
    "out cannot be written": (
        "build",
        lambda tmp, p: cli_args("build", {**p, "out": Path("/sys/mobility-out")}),
        ("--out", "cannot write"),
    ),
    "warehouse is a folder": (
        "analyse",
        lambda tmp, p: cli_args("analyse", {**p, "warehouse": tmp}),
        ("--warehouse", "is a directory"),
    ),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_options_are_checked_before_anything_is_built(
    case: str, tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, arguments, words = OPTION_CASES[case]
    paths = _copy_warehouse(built, tmp_path)
    before = _sha(paths["warehouse"])
    capsys.readouterr()
    assert main(arguments(tmp_path, paths)) == 2
    out, err = capsys.readouterr()
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    assert out == "" and len(err.strip().splitlines()) == 1
    assert _sha(paths["warehouse"]) == before
    assert not (tmp_path / "mistyped").exists()


@pytest.mark.parametrize("state", ["missing", "corrupt"])
def test_a_missing_or_corrupt_run_json_is_named(
    state: str, tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _copy_warehouse(built, tmp_path)
    paths["out"].mkdir()
    if state == "corrupt":
        (paths["out"] / "run.json").write_text('{"build": {"models": 3')
    before = _sha(paths["warehouse"])
    capsys.readouterr()
    assert main(cli_args("report", paths)) == 2
    out, err = capsys.readouterr()
    assert "Nothing to report" in err and "run.json" in err and "mobility analyse" in err
    if state == "corrupt":
        assert "run.json.unreadable" in out
        assert (paths["out"] / "run.json.unreadable").exists()
    assert _sha(paths["warehouse"]) == before


# --- 6. interruptions, other processes, public workbooks -------------------------------------

CHILD = """
import sys, time, dataclasses
from pipeline import stages as pipeline

def stall(con, context):
    print("analysing", flush=True)
    time.sleep(300)

strand = dataclasses.replace(pipeline.STRANDS[0], analyses=(("stall", stall),))
pipeline.STRANDS = (strand,)
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _start(arguments: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 600
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the child never got there"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("command", "signal_number"),
    [("build", signal.SIGINT), ("build", signal.SIGKILL), ("analyse", signal.SIGKILL)],
    ids=["ctrl-c during dbt", "kill -9 during build", "kill -9 during analyse"],
)
def test_interrupted_runs_leave_the_warehouse_intact(
    command: str, signal_number: int, tmp_path: Path, built: dict[str, Path]
) -> None:
    paths = _copy_warehouse(built, tmp_path)
    before = _sha(paths["warehouse"])
    runs_before = _scalar(paths["warehouse"], "select count(*) from results.runs")
    building = paths["warehouse"].with_name("wh.duckdb.building")
    child = _start(cli_args(command, paths), tmp_path)
    if command == "build":
        _wait_until(building.exists, child)  # dbt is writing the fresh file
    else:
        assert child.stdout is not None
        _wait_until(lambda: "analysing" in child.stdout.readline(), child)
    child.send_signal(signal_number)
    out, err = child.communicate(timeout=300)
    if signal_number == signal.SIGINT:
        assert child.returncode == 130
        assert err.strip().splitlines() == [
            "mobility: interrupted; the previous warehouse is unchanged."
        ]
        assert not building.exists() and not building.with_name(building.name + ".wal").exists()
    else:
        assert child.returncode == -signal.SIGKILL
    assert _sha(paths["warehouse"]) == before
    assert _scalar(paths["warehouse"], "select count(*) from results.runs") == runs_before


def test_two_builds_at_once(
    tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _copy_warehouse(built, tmp_path)
    before = _sha(paths["warehouse"])
    with wh.exclusive(paths["warehouse"]):
        assert main(cli_args("build", paths)) == 3
    err = capsys.readouterr().err
    assert "Warehouse in use" in err and "mobility process" in err
    assert _sha(paths["warehouse"]) == before


def test_an_analyst_reading_the_warehouse_is_described_as_reading(
    tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _copy_warehouse(built, tmp_path)
    before = _sha(paths["warehouse"])
    analyst = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(300)",
            str(paths["warehouse"]),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert analyst.stdout is not None and analyst.stdout.readline().strip() == "open"
        assert main(cli_args("analyse", paths)) == 3
    finally:
        analyst.kill()
        analyst.wait()
    err = capsys.readouterr().err
    assert "Warehouse in use" in err and f"process {analyst.pid}" in err
    assert "open (for reading or writing)" in err and "open for writing" not in err
    assert _sha(paths["warehouse"]) == before


def test_a_gate_failure_is_exit_1_and_changes_nothing(
    tmp_path: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _copy_warehouse(built, tmp_path)
    _fail_the_gate(paths["warehouse"])
    before = _sha(paths["warehouse"])
    assert main(cli_args("check", paths)) == 1
    err = capsys.readouterr().err
    assert "Data-quality gate failed" in err and "gate.html" in err
    assert _sha(paths["warehouse"]) == before


REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
MYE5 = "population/ukmidyearestimates20192019ladcodes.xls"
GEO = "geography/drkane_la_all_codes.csv"


@pytest.mark.skipif(not (REAL / MYE5).exists(), reason="needs the public files")
def test_a_truncated_workbook_in_a_mirror_is_named_and_nothing_half_prepared(
    tmp_path: Path,
    built: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "geography").mkdir(parents=True)
    (mirror / "population").mkdir()
    shutil.copyfile(REAL / GEO, mirror / GEO)
    changes = "geography/la_changes_2014_2025.csv"  # the study vintage needs it first
    shutil.copyfile(REAL / changes, mirror / changes)
    workbook = (REAL / MYE5).read_bytes()
    (mirror / MYE5).write_bytes(workbook[: len(workbook) // 3])
    prepared = tmp_path / "prepared"
    monkeypatch.setattr(pipeline.Options, "raw_dir", property(lambda self: prepared))
    paths = {**_copy_warehouse(built, tmp_path), "data": mirror}
    before = _sha(paths["warehouse"])
    capsys.readouterr()
    assert main([*cli_args("build", paths), "--source", "public"]) == 2
    out, err = capsys.readouterr()
    assert MYE5 in err and "truncated" in err and len(err.strip().splitlines()) == 1
    assert "WARNING" not in out + err
    assert not prepared.exists() and not prepared.with_name("prepared.partial").exists()
    assert _sha(paths["warehouse"]) == before


def test_a_truncated_xlsx_is_bad_input_naming_the_file(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from mobility.errors import BadInputError
    from mobility.public.workbooks import sheet_names

    path = tmp_path / "births.xlsx"
    book = Workbook()
    book.active["A1"] = "area code"
    book.save(path)
    path.write_bytes(path.read_bytes()[:900])
    with pytest.raises(BadInputError, match=r"births\.xlsx.*truncated"):
        sheet_names(path)
