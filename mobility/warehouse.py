"""The DuckDB warehouse file: one process at a time, built aside and swapped in atomically.

`dbt build` runs into a fresh file beside the warehouse; only when every model and test
passed is the `results` schema given to it (today's tables, keys and views, then everything
the old warehouse's results hold) and the new file renamed over the old one. A failed or
interrupted build therefore leaves the previous warehouse exactly as it was, and removes the
fresh file and its WAL. dbt's console output goes to `<warehouse>.dbt.log`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mobility.contracts import quote_identifier, quote_path
from mobility.errors import (
    BadInputError,
    BuildError,
    MobilityError,
    QualityGateError,
    WarehouseInUseError,
    disk_full_error,
    first_line,
    is_disk_full,
)
from study.results_schema import DDL

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
            raise WarehouseInUseError(in_use_message(warehouse, exc, read_only)) from exc
        raise


def in_use_message(warehouse: Path, exc: BaseException, read_only: bool) -> str:
    """Who holds the file and how: a reader blocks writers, so when we wanted to write the
    holder may only be reading (an analyst's read-only connection)."""
    pid = re.search(r"PID (\d+)", str(exc))
    holder = f"another program (process {pid.group(1)})" if pid else "another program"
    how = "open for writing" if read_only else "open (for reading or writing)"
    return (
        f"Warehouse in use: {holder}, perhaps a DuckDB shell or notebook, has {warehouse} "
        f"{how}. Close that connection and run the command again."
    )


@dataclass
class BuildResult:
    seconds: float
    models: int
    tests: int
    seeds: int
    failures: list[str] = field(default_factory=list)  # every node that errored or failed
    errors: list[str] = field(default_factory=list)  # nodes that could not run (not tests failing)
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


def run_dbt(args: Sequence[str], env: dict[str, str], log_file: Path | None = None) -> BuildResult:
    """Run dbt in-process and summarise what ran and what failed.

    With `log_file`, dbt's console output (uncoloured, info level) goes to that file instead
    of stdout, so the person running `mobility` sees one paragraph and the file holds the
    rest; without it dbt prints as usual (--debug)."""
    from dbt.cli.main import dbtRunner

    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    start = time.perf_counter()
    flags = ["--project-dir", str(REPO_ROOT), "--log-level-file", "info"]
    try:
        if log_file is None:
            outcome = dbtRunner().invoke([*args, *flags])
        else:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            with log_file.open("w") as handle, contextlib.redirect_stdout(handle):
                outcome = dbtRunner().invoke([*args, *flags, "--no-use-colors"])
    finally:
        _release_dbt_duckdb()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - start
    if isinstance(outcome.exception, KeyboardInterrupt):
        raise KeyboardInterrupt
    if outcome.exception is not None:
        where = f"; full dbt log: {log_file}" if log_file else ""
        raise BuildError(f"dbt could not run: {first_line(outcome.exception)}{where}")
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
        status = str(node_result.status)
        if status in {"error", "fail", "runtime error"}:
            message = _ANSI.sub("", node_result.message or "").strip().splitlines()
            line = f"{kind} {node.name}: {message[0] if message else 'failed'}"
            result.failures.append(line)
            if status != "fail":
                result.errors.append(line)
    return result


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# DuckDB errors that mean a raw file could not be read as its layout says (bad input)
_BAD_INPUT = re.compile(
    r"Conversion Error|Invalid Input Error|No files found|Could not open file|CSV Error|"
    r"sniff|Malformed JSON|Invalid unicode|not a valid|Binder Error: Referenced column",
    re.IGNORECASE,
)


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


def dbt_log_path(warehouse: Path) -> Path:
    """Where the last build's full dbt output is kept (beside the warehouse)."""
    return warehouse.with_name(warehouse.name + ".dbt.log")


def build_warehouse(
    data_dir: Path, warehouse: Path, exclude_tags: Sequence[str] = (), debug: bool = False
) -> BuildResult:
    """dbt build into a fresh file; swap it in only if everything passed. Whatever happens
    (a failure, a full disk, Ctrl-C), the fresh file and its WAL do not outlive the call
    unless they became the warehouse."""
    building = warehouse.with_name(warehouse.name + ".building")
    leftovers = (building, building.with_name(building.name + ".wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    args = ["build"]
    if exclude_tags:
        args += ["--exclude", *[f"tag:{t}" for t in exclude_tags]]
    log_file = None if debug else dbt_log_path(warehouse)
    try:
        result = run_dbt(args, dbt_environment(data_dir, building), log_file)
        if result.failures:
            raise _build_failure(result, warehouse, log_file)
        con = connect(building)
        try:
            _carry_results(con, warehouse if warehouse.exists() else None)
            result.rows_per_layer = layer_row_counts(con)
            con.execute("checkpoint")
        finally:
            con.close()
        # a WAL left by a killed writer belongs to the old file (whose results were carried
        # over above); replayed onto the new file it would corrupt it
        warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
        os.replace(building, warehouse)
    except (OSError, duckdb.Error) as exc:
        if is_disk_full(exc):
            raise disk_full_error(building, KEPT) from exc
        raise
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
    return result


KEPT = "The previous warehouse was left untouched and the partial build removed."


def _build_failure(result: BuildResult, warehouse: Path, log_file: Path | None) -> MobilityError:
    """One paragraph: what failed first, how many more, and where the full log is. Nodes
    that could not run are a build failure (bad input when DuckDB could not read a raw
    file, a full disk named as such); tests that ran and failed are a quality failure."""
    log = f"Full dbt log: {log_file or REPO_ROOT / 'warehouse' / 'logs' / 'dbt.log'}."
    first = (result.errors or result.failures)[0]
    more = len(result.errors or result.failures) - 1
    also = f" (and {more} more)" if more else ""
    if any(is_disk_full(Exception(e)) for e in result.errors):
        return disk_full_error(warehouse.with_name(warehouse.name + ".building"), f"{KEPT} {log}")
    if result.errors:
        kind = BadInputError if _BAD_INPUT.search(first) else BuildError
        what = "a raw file could not be read" if kind is BadInputError else "dbt build failed"
        return kind(f"{what}: {first}{also}. {KEPT} {log}")
    return QualityGateError(
        f"dbt tests failed: {first}{also}; no analysis can run on these data. {KEPT} {log}"
    )


def _carry_results(con: duckdb.DuckDBPyConnection, old_warehouse: Path | None) -> None:
    """Give the new file the `results` schema: today's tables, keys and views, then every row,
    column, table and view of the old warehouse's results (whatever columns they have)."""
    con.execute(DDL)
    if old_warehouse is None:
        return
    try:
        con.execute(f"attach {quote_path(old_warehouse)} as previous (read_only)")
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():  # someone writes to the old file: its results may move
            raise WarehouseInUseError(in_use_message(old_warehouse, exc, True)) from exc
        raise
    try:
        for table, create in con.execute(
            "select table_name, sql from duckdb_tables() where database_name = 'previous' "
            "and schema_name = 'results' order by table_name"
        ).fetchall():
            target = f"results.{quote_identifier(table)}"
            present = _columns(con, None, table)
            if not present:
                con.execute(create)  # the old definition, keys included
                present = _columns(con, None, table)
            for column, kind in _columns(con, "previous", table).items():
                if column not in present:
                    con.execute(
                        f"alter table {target} add column {quote_identifier(column)} {kind}"
                    )
            source = f"previous.results.{quote_identifier(table)}"
            con.execute(f"insert into {target} by name select * from {source}")
        for (create,) in con.execute(
            "select sql from duckdb_views() where database_name = 'previous' "
            "and schema_name = 'results' and view_name not in (select view_name from "
            "duckdb_views() where database_name = current_database() and schema_name = 'results')"
        ).fetchall():
            con.execute(create)
    finally:
        con.execute("detach previous")


def _columns(con: duckdb.DuckDBPyConnection, database: str | None, table: str) -> dict[str, str]:
    """Column name -> type of results.<table> in `database` (default: the current one)."""
    rows = con.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = 'results' "
        "and table_name = ? and database_name = coalesce(?, current_database()) "
        "order by column_index",
        [table, database],
    ).fetchall()
    return dict(rows)
