"""Report notes on what the panel release lacked or held outside the warehouse's geography.

Both kinds are facts about the files, not errors: a variable the release description marks
absent in a wave (written by `panel_release_files`), and LA codes that are Scottish, Northern
Irish, of another vintage or unknown (counted in `int_panel_household_las_harmonised`).
Counts are rounded and small ones withheld, as for every restricted output.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from study.registry import MIN_CELL, round_counts

TABLE = "intermediate.int_panel_household_las_harmonised"
STATUSES = ("outside England and Wales", "mapped from another vintage", "unknown code")


def _count(n: int) -> str:
    if n < MIN_CELL:
        return f"fewer than {MIN_CELL}"
    return f"about {int(round_counts(pd.Series([n])).iloc[0]):,}"


def geography_note(con: duckdb.DuckDBPyConnection) -> str | None:
    """One sentence on household-waves whose LA code was not on the warehouse vintage."""
    try:
        counts = dict(con.execute(f"select la_status, count(*) from {TABLE} group by 1").fetchall())
    except duckdb.CatalogException:
        return None  # the panel strand was not built
    if not any(counts.get(s, 0) for s in STATUSES):
        return None
    return (
        "LA codes in the panel release, per household and wave: "
        + "; ".join(f"{s}: {_count(int(counts.get(s, 0)))}" for s in STATUSES)
        + ". Codes of another vintage were put on the warehouse vintage through the LA "
        "crosswalk before movers were identified (a merged LA is not a move); households "
        "outside England and Wales or with unknown codes have no LA in those waves and are "
        "not in the analysis for them."
    )


def panel_notes(con: duckdb.DuckDBPyConnection, release_notes: list[str]) -> list[str]:
    note = geography_note(con)
    return [*release_notes, *([note] if note else [])]
