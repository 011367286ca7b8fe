"""Report table 30: stayers and movers from the most deprived quintile, side by side.

Shares (%) of each characteristic among stayers and movers, the mean age, and a two-sided
test of equality (two-sample z-test of proportions; Welch t-test for age). Each cell carries
`min_cell`, the fewer of the people with and without the characteristic, so disclosure
control can blank a share that would reveal fewer than ten people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis import disclosure as sdc
from analysis.ls.sample import DEMOGRAPHICS, OUTCOMES, TERM_LABELS
from analysis.mover_effects import PEOPLE

ANALYSIS = "ls_stayers_movers"
REPORT_TABLE = 30
# The model's 0/1 controls under the model's labels, with the reference parent class added.
_PERSON = [c for c in DEMOGRAPHICS if c != "age" and not c.startswith("parent_")]
_PARENT = [c for c in DEMOGRAPHICS if c.startswith("parent_")]
SHARES: dict[str, str] = {
    **{column: TERM_LABELS[column] for column in _PERSON},
    "parent_professional": "Parent class: professional and technical",
    **{column: TERM_LABELS[column] for column in _PARENT},
    **OUTCOMES,
}
GROUP_LABELS = {0: "Stayers", 1: "Movers"}
P_VALUE = "p-value (stayers = movers)"
AGE = "Age (mean)"


def _proportion_test(x1: int, n1: int, x0: int, n0: int) -> float:
    pooled = (x1 + x0) / (n1 + n0)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se == 0:
        return float("nan")
    return float(2 * stats.norm.sf(abs(x1 / n1 - x0 / n0) / se))


def stayers_vs_movers(frame: pd.DataFrame) -> pd.DataFrame:
    """Tidy descriptives (contract columns plus `min_cell`) before disclosure control."""
    rows: list[dict[str, object]] = []
    groups = {label: frame[frame["mover"] == code] for code, label in GROUP_LABELS.items()}

    def add(
        row: str, column: str, value: float, n: int, min_cell: int, kind: str, count: float
    ) -> None:
        rows.append(
            sdc.tidy_cell(ANALYSIS, REPORT_TABLE, row, column, value, n, min_cell, kind, count)
        )

    for column, label in SHARES.items():
        counts = {}
        for group, part in groups.items():
            known = part[column].dropna()  # occupation: people with an occupation
            x, n = int(known.sum()), len(known)
            counts[group] = (x, n)
            add(label, group, 100 * x / n if n else float("nan"), n, min(x, n - x), sdc.SHARE, x)
        (x0, n0), (x1, n1) = counts["Stayers"], counts["Movers"]
        p = _proportion_test(x1, n1, x0, n0) if n0 and n1 else float("nan")
        add(label, P_VALUE, p, n0 + n1, min(x0, n0 - x0, x1, n1 - x1), sdc.TEST, float("nan"))
    for group, part in groups.items():
        add(AGE, group, float(part["age"].mean()), len(part), len(part), sdc.MEAN, float("nan"))
    ages = [groups[g]["age"].to_numpy(dtype=float) for g in ("Stayers", "Movers")]
    p_age = float(stats.ttest_ind(ages[0], ages[1], equal_var=False).pvalue)
    add(AGE, P_VALUE, p_age, len(frame), min(len(a) for a in ages), sdc.TEST, float("nan"))
    for group, part in groups.items():
        add(PEOPLE, group, float(len(part)), len(part), len(part), sdc.PEOPLE_COUNT, float("nan"))
    return pd.DataFrame(rows)


def relations() -> list[sdc.Relation]:
    """The three parent classes add up to the people of each column (table 30)."""
    parents = [label for column, label in SHARES.items() if column.startswith("parent_")]
    groups = list(GROUP_LABELS.values())
    return sdc.column_relations(REPORT_TABLE, parents, PEOPLE, groups, "the other parent classes")
