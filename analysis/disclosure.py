"""Statistical disclosure control for outputs from restricted (licensed) microdata.

The rules of docs/disclosure.md, applied to the tidy rows of strands B and C before any
table, figure, note or `results` row is made from them:

1. threshold: a cell resting on fewer than `MIN_CELL` people (its `min_cell`, or for an
   estimate the smallest group its term contrasts, `term_support`) is blanked;
2. rounding: every count is rounded to the nearest `ROUND_TO`; a share is recomputed from
   the rounded counts (`100 * round(x) / round(n)`, one decimal), a mean is given to one
   decimal, a test statistic to two and a p-value to three;
3. secondary suppression: in every additive relation a table publishes (an All column, a
   set of categories adding to 100%), a lone blank cell is joined by a second one, so no
   blank cell is the difference of published ones; a test computed from a row or table
   with a blank cell is blanked too.

Every cell blanked is logged (table, cell, rule) for the output checker. `MOBILITY_SDC_MODE`
= `primary-only` (rule 1 on `min_cell` only, rounding of counts only: the behaviour before
issue 11) exists for the intruder tests alone and is refused outside pytest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from study.registry import MIN_CELL, ROUND_TO, round_count, round_counts

SHARE_DECIMALS = 1
MEAN_DECIMALS = 1
STATISTIC_DECIMALS = 2
P_DECIMALS = 3

# Kinds of tidy descriptive cell (column `kind` of the rows handed to control_descriptives).
SHARE, MEAN, PEOPLE_COUNT, TEST = "share", "mean", "people", "test"
# Estimate rows with kind TEST are tests of a whole descriptive table (same report_table).

THRESHOLD = f"threshold: rests on fewer than {MIN_CELL} people"
TERM_SUPPORT = f"threshold: a group the term contrasts has fewer than {MIN_CELL} people"
SECONDARY = "secondary: would be derivable from {what}"
TEST_OF_BLANK = "secondary: test computed from a blank cell"
ROUNDING = (
    f"rounding: counts to the nearest {ROUND_TO}, shares from rounded counts "
    f"({SHARE_DECIMALS} d.p.), means {MEAN_DECIMALS} d.p., tests {STATISTIC_DECIMALS} d.p., "
    f"p-values {P_DECIMALS} d.p."
)
LOG_COLUMNS = ("analysis", "report_table", "cell", "rule")
SDC_NOTE = (
    f"Disclosure control: cells resting on fewer than {MIN_CELL} people are blank, with a "
    f"second cell blanked wherever a blank could be worked out from a total; counts are rounded "
    f"to the nearest {ROUND_TO} and shares computed from the rounded counts."
)

MODE_VARIABLE = "MOBILITY_SDC_MODE"
FULL, PRIMARY_ONLY = "full", "primary-only"

CellKey = tuple[int, str, str]  # (report_table, row_label, column_label)


class DisclosureSwitchError(RuntimeError):
    """The test-only switch was found in a normal run."""


def sdc_mode() -> str:
    """`full`, unless the intruder tests switched control back to primary suppression only.

    The switch is honoured only inside pytest (which sets PYTEST_CURRENT_TEST); anywhere else
    its presence stops the run, so a normal run can never publish with it.
    """
    value = os.environ.get(MODE_VARIABLE)
    if value is None or value == FULL:
        return FULL
    if value == PRIMARY_ONLY and "PYTEST_CURRENT_TEST" in os.environ:
        return PRIMARY_ONLY
    raise DisclosureSwitchError(
        f"{MODE_VARIABLE}={value!r} is set: that switch weakens disclosure control and exists "
        "only for the intruder tests (tests/test_intruder.py). Unset it and run again."
    )


@dataclass(frozen=True)
class Relation:
    """total = sum(parts) holds for the people behind these cells of one table.

    `what` names the relation for the log (for example "the All column").
    """

    total: CellKey
    parts: tuple[CellKey, ...]
    what: str


@dataclass(frozen=True)
class Controlled:
    """Tidy rows fit to publish, and what was done to them."""

    descriptives: pd.DataFrame
    estimates: pd.DataFrame
    log: pd.DataFrame


def tidy_cell(
    analysis: str,
    table: int,
    row: str,
    column: str,
    value: float,
    n: int,
    min_cell: int,
    kind: str,
    count: float = float("nan"),
) -> dict[str, object]:
    """One tidy descriptive row as `control_descriptives` takes it (contract columns plus
    `min_cell`, `kind` and, for a share, the `count` it is the share of)."""
    return {
        "analysis": analysis,
        "report_table": table,
        "row_label": row,
        "column_label": column,
        "value": value,
        "n": n,
        "min_cell": min_cell,
        "kind": kind,
        "count": count,
    }


def people_phrase(count: int) -> str:
    """A head count for a note: rounded, and never under the threshold."""
    if count < MIN_CELL:
        return f"fewer than {MIN_CELL} people"
    return f"{round_count(count):,} people (rounded to {ROUND_TO})"


def row_relations(
    descriptives: pd.DataFrame, table: int, parts: Sequence[str], total: str
) -> list[Relation]:
    """One relation per row of `table`: the `total` column is the sum of the `parts` columns."""
    rows = descriptives.loc[descriptives["report_table"] == table, "row_label"].unique()
    return [
        Relation((table, row, total), tuple((table, row, p) for p in parts), f"the {total} column")
        for row in rows
    ]


def column_relations(
    table: int, parts: Sequence[str], total: str, columns: Iterable[str], what: str
) -> list[Relation]:
    """One relation per column: row `total` (people) is the sum of the category rows."""
    return [Relation((table, total, c), tuple((table, p, c) for p in parts), what) for c in columns]


def _log(analysis: object, table: object, cell: str, rule: str) -> dict[str, object]:
    return {"analysis": analysis, "report_table": table, "cell": cell, "rule": rule}


def _key(row: pd.Series) -> CellKey:
    return (int(row["report_table"]), str(row["row_label"]), str(row["column_label"]))


def _size(row: pd.Series) -> float:
    """How many people a cell counts (the share's numerator, else its base)."""
    return float(row["count"]) if row["kind"] == SHARE else float(row["n"])


def _secondary(
    frame: pd.DataFrame, hidden: dict[CellKey, str], relations: Sequence[Relation]
) -> dict[CellKey, str]:
    """Blank a second member of every relation with exactly one blank, until none is left.

    The second cell is the smallest part still shown (the total only when no part is), so
    each blank is hidden among at least two unknowns of every relation it belongs to.
    """
    cells = {_key(r): r for _, r in frame.iterrows()}
    hidden = dict(hidden)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = [k for k in (relation.total, *relation.parts) if k in cells]
            if sum(k in hidden for k in members) != 1:
                continue
            shown = [k for k in relation.parts if k in cells and k not in hidden]
            shown = shown or [k for k in members if k not in hidden]
            if not shown:
                continue
            pick = min(shown, key=lambda k: (_size(cells[k]), k))
            hidden[pick] = SECONDARY.format(what=relation.what)
            changed = True
    return hidden


def control_descriptives(
    raw: pd.DataFrame, relations: Sequence[Relation], mode: str = FULL
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Apply the rules to tidy descriptives carrying `min_cell`, `kind` and `count`.

    Returns the rows in the results contract's columns and the log entries.
    """
    frame = raw.reset_index(drop=True)
    hidden: dict[CellKey, str] = {}
    for _, row in frame.iterrows():
        if pd.to_numeric(row["min_cell"]) < MIN_CELL or pd.to_numeric(row["n"]) < MIN_CELL:
            hidden[_key(row)] = THRESHOLD
    if mode == FULL:
        hidden = _secondary(frame, hidden, relations)
        blank_rows = {(t, r) for (t, r, _), rule in hidden.items()}
        for _, row in frame[frame["kind"] == TEST].iterrows():
            key = _key(row)
            if key not in hidden and (key[0], key[1]) in blank_rows:
                hidden[key] = TEST_OF_BLANK
    keys = frame.apply(_key, axis=1)
    blank = keys.isin(list(hidden)).to_numpy()
    out = frame.copy()
    out["n"] = round_counts(out["n"]).where(~blank)
    count = round_counts(out["count"])
    value = out["value"].astype("float64")
    if mode == FULL:
        kind = out["kind"]
        value = value.mask(kind == SHARE, (100 * count / out["n"]).round(SHARE_DECIMALS))
        value = value.mask(kind == MEAN, value.round(MEAN_DECIMALS))
        value = value.mask(kind == TEST, value.round(P_DECIMALS))
    value = value.mask(out["kind"] == PEOPLE_COUNT, out["n"])
    out["value"] = value.where(~blank)
    log = [
        _log(frame.at[i, "analysis"], key[0], f"{key[1]} / {key[2]}", hidden[key])
        for i, key in keys.items()
        if key in hidden
    ]
    log += [
        _log(a, t, "all cells", ROUNDING)
        for a, t in frame[["analysis", "report_table"]].drop_duplicates().itertuples(index=False)
    ]
    return out.drop(columns=["min_cell", "kind", "count"]), log


def control_estimates(
    raw: pd.DataFrame, blank_tables: set[int], mode: str = FULL
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Blank estimates on too few people, and table tests of tables with a blank cell.

    `raw` carries `min_cell` (fewest movers or stayers behind the estimate), optionally
    `term_support` (fewest people in any group the term contrasts) and `kind` (TEST for a
    test of a whole descriptive table).
    """
    if raw.empty:
        return raw.drop(columns=["min_cell", "term_support", "kind"], errors="ignore"), []
    frame = raw.reset_index(drop=True).copy()
    for column in ("term_support", "kind"):
        if column not in frame:
            frame[column] = np.nan
    cell = pd.to_numeric(frame["min_cell"])
    support = pd.to_numeric(frame["term_support"])
    rules = pd.Series("", index=frame.index)
    rules[cell < MIN_CELL] = THRESHOLD
    is_test = frame["kind"] == TEST
    if mode == FULL:
        rules[(rules == "") & (support < MIN_CELL)] = TERM_SUPPORT
        in_blank_table = pd.to_numeric(frame["report_table"]).isin(blank_tables)
        rules[(rules == "") & is_test & in_blank_table] = TEST_OF_BLANK
    blank = (rules != "").to_numpy()
    for column in ("estimate", "std_error", "p_value"):
        frame[column] = frame[column].astype("float64").where(~blank)
    # A term blanked for its own small group keeps the model's observations (safe, rounded).
    frame["n_obs"] = frame["n_obs"].astype("float64").where(~blank | (rules == TERM_SUPPORT))
    frame["n_obs"] = round_counts(frame["n_obs"])
    if mode == FULL:
        frame.loc[is_test, "estimate"] = frame.loc[is_test, "estimate"].round(STATISTIC_DECIMALS)
        frame.loc[is_test, "p_value"] = frame.loc[is_test, "p_value"].round(P_DECIMALS)
    log = [
        _log(row.analysis, row.report_table, f"{row.model} / {row.term}", rules[i])
        for i, row in enumerate(frame.itertuples(index=False))
        if blank[i]
    ]
    log += [
        _log(a, t, "all estimates", f"rounding: observations to the nearest {ROUND_TO}")
        for a, t in frame[["analysis", "report_table"]]
        .astype(object)
        .drop_duplicates()
        .itertuples(index=False)
    ]
    return frame.drop(columns=["min_cell", "term_support", "kind"]), log


def control(
    descriptives: pd.DataFrame, estimates: pd.DataFrame, relations: Sequence[Relation]
) -> Controlled:
    """The one entry point: every rule on both tidy frames, with the log."""
    mode = sdc_mode()
    descr, log = control_descriptives(descriptives, relations, mode)
    blank_tables = {int(t) for t in descr.loc[descr["value"].isna(), "report_table"]}
    est, est_log = control_estimates(estimates, blank_tables, mode)
    frame = pd.DataFrame(log + est_log, columns=list(LOG_COLUMNS))
    frame["report_table"] = pd.to_numeric(frame["report_table"], errors="coerce").astype("Int64")
    return Controlled(descr, est, frame)


def term_support(X: pd.DataFrame) -> dict[str, int]:
    """Per design column: the fewer of the rows at zero and the rows away from zero.

    For a dummy that is the smaller of the two groups it contrasts (e.g. born abroad vs UK
    born); for a count or a distance (zero for stayers) the people at zero vs the rest; a
    column never at zero (age, rates) rests on every row.
    """
    zero = (X == 0).sum()
    return {c: int(min(zero[c], len(X) - zero[c]) or len(X)) for c in X.columns}


def interaction_support(X: pd.DataFrame, interactions: Iterable[str]) -> int:
    """Smallest interaction cell (e.g. movers with a degree) among a model's interactions.

    Every group effect of a mover x characteristic model is built from all the interaction
    coefficients, so each rests on the smallest of those cells.
    """
    support = term_support(X)
    return min((support[c] for c in interactions if c in support), default=len(X))
