"""Report tables 23, 25 and 26: the panel sample, and teenage motivation of stayers vs movers.

Table 23 gives shares (%) of each characteristic and outcome, and mean age, distance and
income, for stayers, movers and everyone. Tables 25 and 26 give the distribution (%) of the
second most important reason for wanting a job / aspect of a job among stayers and movers
with a Pearson chi-squared test of independence (people who did not answer left out). Every
cell carries `min_cell` (the people it rests on, or the fewer of those with and without a
characteristic) so disclosure control can blank it, its `kind` and, for a share, the `count`
of people it is the share of (analysis.disclosure: shares are recomputed from rounded counts).
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from analysis.disclosure import (
    MEAN,
    PEOPLE_COUNT,
    SHARE,
    TEST,
    Relation,
    column_relations,
    row_relations,
    tidy_cell,
)
from analysis.mover_effects import PEOPLE
from analysis.panel.sample import MOTIVATION_CATEGORIES

SAMPLE_ANALYSIS = "panel_sample"
MOTIVATION_ANALYSIS = "panel_motivation"
GROUPS = {0.0: "Stayers", 1.0: "Movers"}
ALL = "All"
SHARES: dict[str, str] = {
    "employed": "Employed",
    "higher_professional": "Higher managerial or professional occupation",
    "female": "Female",
    "white_british": "White British",
    "married": "Married or civil partner",
    "has_children": "Has own children under 16",
    "degree": "Degree",
    "home_owner": "Home owner",
    "born_abroad": "Born outside the UK",
    "parent_higher": "Parent class: higher managerial and professional",
    "parent_intermediate": "Parent class: intermediate",
    "parent_routine": "Parent class: routine and manual",
}
MEANS: dict[str, str] = {
    "age": "Age (mean)",
    "distance_miles": "Distance moved, miles (mean)",
    "real_income": "Monthly gross real labour income, workers, 2015 pounds (mean)",
}
MOTIVATION_TABLES = {"reason_for_job_2": 25, "aspect_of_job_2": 26}
CHI2 = "Pearson chi-squared"


def sample_description(frame: pd.DataFrame) -> pd.DataFrame:
    """Table 23, tidy, before disclosure control."""
    rows = []
    parts = {label: frame[frame["mover"] == code] for code, label in GROUPS.items()}
    parts[ALL] = frame
    for group, part in parts.items():
        for column, label in SHARES.items():
            known = part[column].dropna()
            x, n = int(known.sum()), len(known)
            share = 100 * x / n if n else float("nan")
            rows.append(
                tidy_cell(SAMPLE_ANALYSIS, 23, label, group, share, n, min(x, n - x), SHARE, x)
            )
        for column, label in MEANS.items():
            known = part[column].dropna()
            if column == "real_income":
                known = part.loc[part["employed"] == 1.0, column].dropna()
            n = len(known)
            rows.append(
                tidy_cell(SAMPLE_ANALYSIS, 23, label, group, float(known.mean()), n, n, MEAN)
            )
        size = len(part)
        rows.append(
            tidy_cell(SAMPLE_ANALYSIS, 23, PEOPLE, group, float(size), size, size, PEOPLE_COUNT)
        )
    return pd.DataFrame(rows)


def motivation_by_mover(frame: pd.DataFrame, question: str) -> tuple[pd.DataFrame, dict]:
    """Tables 25/26, tidy, and the chi-squared test of independence of answer and moving."""
    table = MOTIVATION_TABLES[question]
    categories = MOTIVATION_CATEGORIES[question.rsplit("_", 1)[0]]
    answered = frame[frame[question].notna()]
    counts = pd.crosstab(answered[question], answered["mover"]).reindex(
        index=list(categories), columns=list(GROUPS), fill_value=0
    )
    rows = []
    for code, label in categories.items():
        for mover, group in GROUPS.items():
            x, n = int(counts.loc[code, mover]), int(counts[mover].sum())
            share = 100 * x / n if n else float("nan")
            rows.append(tidy_cell(MOTIVATION_ANALYSIS, table, label, group, share, n, x, SHARE, x))
    for mover, group in GROUPS.items():
        n = int(counts[mover].sum())
        rows.append(
            tidy_cell(MOTIVATION_ANALYSIS, table, PEOPLE, group, float(n), n, n, PEOPLE_COUNT)
        )
    observed = counts.loc[counts.sum(axis=1) > 0]
    chi2, p, dof, _ = stats.chi2_contingency(observed.to_numpy())
    test = {
        "analysis": MOTIVATION_ANALYSIS,
        "report_table": table,
        "model": "stayers vs movers",
        "term": f"chi2_{question}",
        "label": f"{CHI2} ({dof} d.f.)",
        "estimate": float(chi2),
        "std_error": float("nan"),
        "p_value": float(p),
        "n_obs": int(observed.to_numpy().sum()),
        "min_cell": int(observed.to_numpy().sum()),
        "kind": TEST,  # a test of the whole table: blanked with any of its cells
    }
    return pd.DataFrame(rows), test


def relations(descriptives: pd.DataFrame) -> list[Relation]:
    """What the tables add up to: All = Stayers + Movers (table 23), and the categories of
    parent class (table 23) and of each motivation answer (tables 25, 26) = the people."""
    groups = list(GROUPS.values())
    parents = [v for k, v in SHARES.items() if k.startswith("parent_")]
    found = row_relations(descriptives, 23, groups, ALL)
    found += column_relations(23, parents, PEOPLE, [*groups, ALL], "the other parent classes")
    for question, table in MOTIVATION_TABLES.items():
        categories = MOTIVATION_CATEGORIES[question.rsplit("_", 1)[0]].values()
        found += column_relations(table, list(categories), PEOPLE, groups, "the other answers")
    return found
