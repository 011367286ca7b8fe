"""Write tidy results into the warehouse's `results` schema (SPEC, Contracts).

Tables are appended per run; the views `results.latest_estimates` and
`results.latest_descriptives` keep the newest run of each (data_source, analysis).
"""

from __future__ import annotations

import contextlib

import duckdb
import pandas as pd

from analysis.context import RunContext
from analysis.outputs import DESCRIPTIVE_COLUMNS, ESTIMATE_COLUMNS, check_columns
from study.results_schema import DDL


def write_results(
    con: duckdb.DuckDBPyConnection,
    context: RunContext,
    estimates: pd.DataFrame,
    descriptives: pd.DataFrame,
    analyses: list[str],
) -> tuple[int, int]:
    """Append one run's results in a single transaction; return rows written."""
    estimates = check_columns(estimates, ESTIMATE_COLUMNS, "estimates").copy()
    descriptives = check_columns(descriptives, DESCRIPTIVE_COLUMNS, "descriptives").copy()
    for frame in (estimates, descriptives):
        frame.insert(0, "data_source", context.data_source)
        frame.insert(0, "run_id", context.run_id)
        frame["report_table"] = pd.to_numeric(frame["report_table"], errors="coerce").astype(
            "Int64"
        )
    estimates["model"] = estimates["model"].astype(str)
    estimates["converged"] = estimates["converged"].astype("boolean")
    estimates["flag"] = estimates["flag"].astype("string")
    for column in ("std_error_clustered", "p_value_clustered"):
        estimates[column] = pd.to_numeric(estimates[column], errors="coerce").astype("float64")
    con.execute("begin transaction")
    try:
        con.execute(DDL)
        con.execute(
            "insert into results.runs values (?, ?, now(), ?, ?, ?, ?)",
            [
                context.run_id,
                context.data_source,
                context.scale,
                context.seed,
                str(context.data_dir),
                ", ".join(analyses),
            ],
        )
        con.register("new_estimates", estimates)
        con.register("new_descriptives", descriptives)
        con.execute("insert into results.estimates by name select * from new_estimates")
        con.execute("insert into results.descriptives select * from new_descriptives")
        con.execute("commit")
    except Exception:
        # a failed commit has already ended the transaction: keep its error, not rollback's
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    finally:
        con.unregister("new_estimates")
        con.unregister("new_descriptives")
    return len(estimates), len(descriptives)
