"""The choke point between the restricted-data analyses and anything stored or rendered.

Strands B and C put their tidy rows through `analysis.disclosure.control` and build every
table and figure from what it returns; `release` attaches the disclosure log (as a report
table too). The pipeline then `admit`s each restricted output before writing a single
`results` row or table file: an output that never went through control, or that shows a
count under the threshold or not rounded, stops the run. `write_disclosure_log` stores the
log in `results.disclosure_log` (docs/disclosure.md).
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from analysis.context import RunContext
from analysis.disclosure import LOG_COLUMNS, Controlled
from analysis.outputs import AnalysisOutput, PublicationTable
from study.registry import MIN_CELL, ROUND_TO

COUNT_LABELS = ("Number of people", "Observations")
PEOPLE_IN_TEXT = re.compile(r"(\d[\d,]*) people")
DDL = """
create schema if not exists results;
create table if not exists results.disclosure_log (
    run_id varchar, data_source varchar, analysis varchar, report_table integer,
    cell varchar, rule varchar
);
"""


class DisclosureError(RuntimeError):
    """A restricted-data output that must not be stored or rendered."""


def suppression_note(source: str, log: pd.DataFrame) -> str | None:
    """The run-report note on how many cells were blanked (None when none was)."""
    blanked = log[~log["rule"].str.startswith("rounding")]
    if blanked.empty:
        return None
    primary = int(blanked["rule"].str.startswith("threshold").sum())
    return (
        f"{source} disclosure control blanked {len(blanked)} cells: {primary} resting on fewer "
        f"than {MIN_CELL} people and {len(blanked) - primary} more that could have been worked "
        "out from them (see the disclosure log)."
    )


def release(output: AnalysisOutput, source: str, controlled: Controlled) -> AnalysisOutput:
    """Attach the log to a restricted output: kept for the warehouse, shown as a table."""
    output.disclosure_log = controlled.log
    note = suppression_note(source, controlled.log)
    if note is not None:
        output.notes.append(note)
    frame = controlled.log.rename(
        columns={"analysis": "Analysis", "report_table": "Table", "cell": "Cell", "rule": "Rule"}
    )
    output.tables.append(
        PublicationTable(
            key=f"disclosure_log_{output.name}",
            title=f"{source}: disclosure control log (what was blanked or rounded, and why)",
            frame=frame.astype(object).where(frame.notna(), ""),
            notes=("Rules: docs/disclosure.md.",),
        )
    )
    return output


def _bad_counts(values: pd.Series) -> list[float]:
    shown = pd.to_numeric(values, errors="coerce").dropna()
    return sorted(set(shown[(shown % ROUND_TO != 0) | (shown < MIN_CELL)].tolist()))


def _table_counts(table: PublicationTable) -> pd.Series:
    """Head counts printed in a table: rows and columns labelled as counts."""
    frame = table.frame
    cells = []
    first = frame.columns[0]
    for label in COUNT_LABELS:
        if label in frame.columns:
            cells.append(frame[label])
        rows = frame[frame[first].astype(str) == label]
        cells += [rows[c] for c in frame.columns[1:]]
    text = pd.concat(cells, ignore_index=True) if cells else pd.Series(dtype=object)
    return text.astype(str).str.replace(",", "").replace("", None)


def note_counts(notes: list[str]) -> list[float]:
    """Head counts quoted in notes ("1,234 people"), for the scan."""
    return [float(m.replace(",", "")) for n in notes for m in PEOPLE_IN_TEXT.findall(n)]


def admit(output: AnalysisOutput) -> None:
    """Refuse a restricted output that did not pass control or shows an unsafe count."""
    published = [output.estimates, output.descriptives, output.tables, output.figures]
    if not any(len(part) for part in published):
        return  # nothing to publish (the analysis was skipped, and says why)
    if output.disclosure_log is None:
        raise DisclosureError(
            f"analysis {output.name!r} works on restricted data but its outputs did not pass "
            "disclosure control (analysis.disclosure.control); nothing was written."
        )
    problems = {
        "results.estimates n_obs": _bad_counts(output.estimates["n_obs"]),
        "results.descriptives n": _bad_counts(output.descriptives["n"]),
    }
    problems |= {f"table {t.key}": _bad_counts(_table_counts(t)) for t in output.tables}
    problems["notes"] = _bad_counts(pd.Series(note_counts(output.notes), dtype=float))
    problems = {where: bad for where, bad in problems.items() if bad}
    if problems:
        raise DisclosureError(
            f"analysis {output.name!r} would publish counts under {MIN_CELL} or not rounded to "
            f"{ROUND_TO}: {problems}; nothing was written."
        )


def write_disclosure_log(
    con: duckdb.DuckDBPyConnection, context: RunContext, outputs: list[AnalysisOutput]
) -> int:
    """Append this run's log rows to results.disclosure_log; return rows written."""
    logs = [o.disclosure_log for o in outputs if o.disclosure_log is not None]
    frame = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)
    frame = frame.loc[:, list(LOG_COLUMNS)].copy()
    frame.insert(0, "data_source", context.data_source)
    frame.insert(0, "run_id", context.run_id)
    con.execute(DDL)
    con.register("new_disclosure_log", frame)
    try:
        con.execute("insert into results.disclosure_log select * from new_disclosure_log")
    finally:
        con.unregister("new_disclosure_log")
    return len(frame)
