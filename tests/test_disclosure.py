"""The disclosure rules on hand-made tables whose right answer is worked out here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.disclosure import (
    MEAN,
    PEOPLE_COUNT,
    PRIMARY_ONLY,
    SHARE,
    TEST,
    column_relations,
    control_descriptives,
    control_estimates,
    interaction_support,
    people_phrase,
    row_relations,
    term_support,
    tidy_cell,
)
from analysis.disclosure_release import DisclosureError, admit
from analysis.outputs import AnalysisOutput, PublicationTable

PEOPLE = "Number of people"


def _cell(row: str, column: str, count: float, n: int, kind: str = SHARE) -> dict:
    value = {SHARE: 100 * count / n, MEAN: count, PEOPLE_COUNT: float(n)}.get(kind, count)
    cell = min(count, n - count) if kind == SHARE else n
    return tidy_cell("a", 1, row, column, value, n, cell, kind, count if kind == SHARE else np.nan)


def _table() -> pd.DataFrame:
    """Stayers / Movers / All with three categories adding to the people of each column."""
    counts = {"A": (300, 7), "B": (200, 40), "C": (112, 53)}
    rows = []
    for category, (stayers, movers) in counts.items():
        rows.append(_cell(category, "Stayers", stayers, 612))
        rows.append(_cell(category, "Movers", movers, 100))
        rows.append(_cell(category, "All", stayers + movers, 712))
    for column, n in (("Stayers", 612), ("Movers", 100), ("All", 712)):
        rows.append(_cell(PEOPLE, column, n, n, PEOPLE_COUNT))
    rows.append(_cell("Age", "Stayers", 31.234, 612, MEAN))
    rows.append({**_cell("A", "p-value", 0.01234, 712, TEST), "min_cell": 7, "count": float("nan")})
    rows.append({**_cell("B", "p-value", 0.5678, 712, TEST), "count": float("nan")})
    return pd.DataFrame(rows)


def _relations(frame: pd.DataFrame) -> list:
    return row_relations(frame, 1, ["Stayers", "Movers"], "All") + column_relations(
        1, ["A", "B", "C"], PEOPLE, ["Stayers", "Movers", "All"], "the other categories"
    )


def _value(out: pd.DataFrame, row: str, column: str) -> float:
    return out.set_index(["row_label", "column_label"]).loc[(row, column), "value"]


def test_a_small_cell_takes_a_second_one_with_it_in_every_relation() -> None:
    frame = _table()
    out, log = control_descriptives(frame, _relations(frame))
    blank = {(r.row_label, r.column_label) for r in out.itertuples() if pd.isna(r.value)}
    # A/Movers (7) is primary; secondary suppression goes on until no row or column holds
    # exactly one blank (so no blank is a total less the cells shown).
    assert ("A", "Movers") in blank and ("A", "p-value") in blank
    rows = {r: [(r, c) in blank for c in ("Stayers", "Movers", "All")] for r in "ABC"}
    columns = {c: [(r, c) in blank for r in "ABC"] for c in ("Stayers", "Movers", "All")}
    for pattern in [*rows.values(), *columns.values()]:
        assert sum(pattern) != 1, (rows, columns)
    assert ("B", "p-value") in blank  # a test computed from a row with a blank cell
    rules = {entry["cell"]: entry["rule"] for entry in log}
    assert rules["A / Movers"].startswith("threshold")
    assert rules["B / Movers"].startswith("secondary")


def test_shares_come_from_rounded_counts_and_means_are_rounded() -> None:
    frame = _table()
    out, _ = control_descriptives(frame, [])
    # B/Stayers: 200 of 612 -> 200 of 610 = 32.8%; not 32.68%.
    assert _value(out, "B", "Stayers") == pytest.approx(32.8)
    assert _value(out, "C", "Stayers") == pytest.approx(round(100 * 110 / 610, 1))
    assert _value(out, PEOPLE, "Stayers") == 610
    assert _value(out, "Age", "Stayers") == pytest.approx(31.2)
    assert _value(out, "B", "p-value") == pytest.approx(0.568)
    assert (out["n"].dropna() % 5 == 0).all()


def test_primary_only_mode_leaves_the_old_behaviour() -> None:
    frame = _table()
    out, _ = control_descriptives(frame, _relations(frame), PRIMARY_ONLY)
    assert pd.isna(_value(out, "A", "Movers"))
    assert _value(out, "B", "Movers") == pytest.approx(40.0)
    assert _value(out, "B", "Stayers") == pytest.approx(100 * 200 / 612)


def test_estimates_blank_on_term_support_and_table_tests() -> None:
    raw = pd.DataFrame(
        {
            "analysis": ["m", "m", "m", "t"],
            "report_table": [None, None, 27, 25],
            "model": ["model 3", "model 3", "model 3 x g", "chi2"],
            "term": ["mover", "born_abroad", "mover_in_f", "chi2_q"],
            "label": ["Mover", "Born abroad", "Female", "Chi2"],
            "estimate": [0.1, 0.2, 0.3, 12.3456],
            "std_error": [0.01, 0.02, 0.03, float("nan")],
            "p_value": [0.001, 0.2, 0.3, 0.04567],
            "n_obs": [1003, 1003, 498, 401],
            "min_cell": [300, 300, 12, 401],
            "term_support": [300, 8, float("nan"), float("nan")],
            "kind": [None, None, None, TEST],
        }
    )
    out, log = control_estimates(raw, blank_tables={25})
    assert out["estimate"].isna().tolist() == [False, True, False, True]
    assert out["n_obs"].notna().tolist() == [True, True, True, False]  # model size kept
    assert out["n_obs"].tolist()[0] == 1005 and out["n_obs"].tolist()[2] == 500
    kept, _ = control_estimates(raw, blank_tables=set())
    assert kept["estimate"].iloc[3] == pytest.approx(12.35)
    assert kept["p_value"].iloc[3] == pytest.approx(0.046)
    assert {entry["cell"] for entry in log if "rounding" not in entry["rule"]} == {
        "model 3 / born_abroad",
        "chi2 / chi2_q",
    }
    old, _ = control_estimates(raw, blank_tables={25}, mode=PRIMARY_ONLY)
    assert old["estimate"].notna().all()


def test_term_support_counts_the_smaller_group_of_each_term() -> None:
    X = pd.DataFrame(
        {
            "const": [1.0] * 12,
            "born_abroad": [1.0] * 3 + [0.0] * 9,
            "distance": [0.0] * 8 + [5.0, 7.0, 9.0, 2.0],
            "age": [30.0 + i for i in range(12)],
            "mover": [1.0] * 4 + [0.0] * 8,
            "mover_x_female": [1.0, 0.0, 0.0, 0.0] + [0.0] * 8,
        }
    )
    support = term_support(X)
    assert support == {
        "const": 12,
        "born_abroad": 3,
        "distance": 4,
        "age": 12,
        "mover": 4,
        "mover_x_female": 1,
    }
    assert interaction_support(X, ["mover_x_female"]) == 1


def _output(n_obs: float, log: pd.DataFrame | None) -> AnalysisOutput:
    estimates = pd.DataFrame({"n_obs": [n_obs]})
    descriptives = pd.DataFrame({"n": [20.0]})
    table = PublicationTable("t", "t", pd.DataFrame({"": ["Observations"], "(1)": ["1,005"]}))
    output = AnalysisOutput("panel", estimates=estimates, descriptives=descriptives)
    output.tables.append(table)
    output.disclosure_log = log
    return output


def test_admit_refuses_uncontrolled_or_unrounded_outputs() -> None:
    log = pd.DataFrame(columns=["analysis", "report_table", "cell", "rule"])
    admit(_output(1005.0, log))
    admit(AnalysisOutput("panel", skipped=["table 23: no movers and stayers to compare"]))
    with pytest.raises(DisclosureError, match="did not pass disclosure control"):
        admit(_output(1005.0, None))
    with pytest.raises(DisclosureError, match="not rounded"):
        admit(_output(1003.0, log))
    bad_table = _output(1005.0, log)
    bad_table.tables[0] = PublicationTable(
        "t", "t", pd.DataFrame({"": ["Observations"], "(1)": ["7"]})
    )
    with pytest.raises(DisclosureError, match="table t"):
        admit(bad_table)
    bad_note = _output(1005.0, log)
    bad_note.notes.append("ONS LS: 7 people left out for missing values.")
    with pytest.raises(DisclosureError, match="notes"):
        admit(bad_note)
    assert people_phrase(7) == "fewer than 10 people"
    assert people_phrase(1233) == "1,235 people (rounded to 5)"
