"""The reconciliation of a census's moves, from public-mode preparation, as a report table.

`flows/flow_reconciliation.csv` (written by mobility.public.prepare_public) holds, per flow
year and source file: moves read, moves written as pair flows, and each excluded kind
(same address, abroad, Scotland, Northern Ireland, within one LA, within a merged unit).
The table shows them with the check read = written + excluded, on the run's LA vintage.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.outputs import PublicationTable

RECONCILIATION = "flows/flow_reconciliation.csv"


def census_reconciliation(data_dir: Path, year: int, key: str) -> PublicationTable | None:
    """The year's reconciliation table, or None when the data directory has none (synthetic)."""
    path = Path(data_dir) / RECONCILIATION
    if not path.exists():
        return None
    frame = pd.read_csv(path)
    rows = frame[(frame["year"] == year) & (frame["source"].str.contains("census"))]
    if rows.empty:
        return None
    read = float(rows.loc[rows["what"] == "moves read", "moves"].sum())
    written = float(rows.loc[rows["what"] == "moves written", "moves"].sum())
    excluded = rows[~rows["what"].isin(["moves read", "moves written"])]
    table = pd.DataFrame(
        {
            "What": ["Moves read", *excluded["what"], "Moves written as LA-pair flows"],
            "Rows": [pd.NA, *excluded["rows"], *rows.loc[rows["what"] == "moves written", "rows"]],
            "Moves": [read, *excluded["moves"], written],
        }
    )
    gap = read - written - float(excluded["moves"].sum())
    vintage = ", ".join(sorted(set(rows["vintage"]))) if "vintage" in rows else "unknown"
    return PublicationTable(
        key=key,
        title=f"Census {year} flows: moves read = moves written + each excluded kind "
        f"(LA vintage {vintage})",
        frame=table,
        notes=(
            f"Source: {', '.join(sorted(set(rows['source'])))}. Read - written - excluded = "
            f"{gap:,.0f}.",
        ),
    )
