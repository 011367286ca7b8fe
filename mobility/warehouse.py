"""The DuckDB warehouse file: one process at a time, built aside and swapped in atomically.

`dbt build` runs into a fresh file beside the warehouse; only when every model and test
passed is the `results` schema of the old warehouse copied in and the new file renamed over
the old one. A failed build therefore leaves the previous warehouse exactly as it was.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mobility.errors import MobilityError, QualityGateError, WarehouseInUseError

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "mobility.duckdb"


@contextmanager
def exclusive(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse's lock file; a second `mobility` process is told, not blocked."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise WarehouseInUseError(
            f"Warehouse in use: {warehouse} is being written by {holder}. Wait for it to "
            "finish (or stop it) and run the command again."
        ) from exc
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"mobility process {os.getpid()}")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def connect(warehouse: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, turning DuckDB's lock error into a plain message."""
    try:
        return duckdb.connect(str(warehouse), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseInUseError(
                f"Warehouse in use: another program (a DuckDB shell or notebook?) has "
                f"{warehouse} open for writing. Close it and run the command again."
            ) from exc
        raise


@dataclass
class BuildResult:
    seconds: float
    models: int
    tests: int
    seeds: int
    failures: list[str] = field(default_factory=list)
    rows_per_layer: dict[str, int] = field(default_factory=dict)


def dbt_environment(data_dir: Path, warehouse: Path) -> dict[str, str]:
    return {
        "MOBILITY_DATA_DIR": str(data_dir.resolve()),
        "MOBILITY_WAREHOUSE": str(warehouse.resolve()),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "DBT_PROJECT_DIR": str(REPO_ROOT),
        "DBT_TARGET_PATH": str(REPO_ROOT / "warehouse" / "target"),
        "DBT_LOG_PATH": str(REPO_ROOT / "warehouse" / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "true",
    }


def run_dbt(args: Sequence[str], env: dict[str, str]) -> BuildResult:
    """Run dbt in-process and summarise what ran and what failed."""
    from dbt.cli.main import dbtRunner

    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    start = time.perf_counter()
    try:
        outcome = dbtRunner().invoke(
            [*args, "--project-dir", str(REPO_ROOT), "--quiet", "--log-level-file", "info"]
        )
    finally:
        _release_dbt_duckdb()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - start
    if outcome.exception is not None:
        raise MobilityError(f"dbt could not run: {outcome.exception}")
    result = BuildResult(seconds=seconds, models=0, tests=0, seeds=0)
    node_results = getattr(outcome.result, "results", None) or []  # docs returns a catalog
    for node_result in node_results:
        node = node_result.node
        kind = node.resource_type
        if kind == "model":
            result.models += 1
        elif kind == "test":
            result.tests += 1
        elif kind == "seed":
            result.seeds += 1
        if str(node_result.status) in {"error", "fail", "runtime error"}:
            message = (node_result.message or "").strip().splitlines()
            result.failures.append(f"{kind} {node.name}: {message[0] if message else 'failed'}")
    return result


def _release_dbt_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB handle open across in-process invocations; close it so
    the file can be renamed and the next build opens the file it is pointed at."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        try:
            environment.close()
        finally:
            DuckDBConnectionManager.close_all_connections()


def layer_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per schema (tables only; staging views are read through, not stored)."""
    counts: dict[str, int] = {}
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database()"
    ).fetchall()
    for schema, table in tables:
        n = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
        counts[schema] = counts.get(schema, 0) + int(n)
    return counts


def build_warehouse(
    data_dir: Path, warehouse: Path, exclude_tags: Sequence[str] = ()
) -> BuildResult:
    """dbt build into a fresh file; swap it in only if everything passed."""
    building = warehouse.with_name(warehouse.name + ".building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    args = ["build"]
    if exclude_tags:
        args += ["--exclude", *[f"tag:{t}" for t in exclude_tags]]
    result = run_dbt(args, dbt_environment(data_dir, building))
    if result.failures:
        building.unlink(missing_ok=True)
        shown = "\n".join(f"  - {f}" for f in result.failures[:12])
        raise QualityGateError(
            f"dbt build failed ({len(result.failures)} node(s)); the previous warehouse was "
            f"left untouched.\n{shown}\nLogs: {REPO_ROOT / 'warehouse' / 'logs' / 'dbt.log'}"
        )
    con = connect(building)
    try:
        if warehouse.exists():
            _carry_results(con, warehouse)
        result.rows_per_layer = layer_row_counts(con)
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(building, warehouse)
    return result


def _carry_results(con: duckdb.DuckDBPyConnection, old_warehouse: Path) -> None:
    """Copy the results schema (every run's estimates) from the old warehouse."""
    con.execute(f"attach '{old_warehouse.as_posix()}' as previous (read_only)")
    try:
        tables = con.execute(
            "select table_name from duckdb_tables() where database_name = 'previous' "
            "and schema_name = 'results'"
        ).fetchall()
        if tables:
            con.execute("create schema if not exists results")
        for (table,) in tables:
            con.execute(
                f'create table results."{table}" as select * from previous.results."{table}"'
            )
    finally:
        con.execute("detach previous")
