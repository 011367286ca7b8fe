"""Publication layouts of tidy results that strand B can share (nothing here is LS-specific).

`group_effects_table` lays out within-group treatment effects (one block per characteristic)
and `wide_descriptives` pivots tidy descriptives; both format cells the way
`analysis.tables.regression_table` does (coefficient with stars, SE in parentheses), so the
two panel strands print alike. Candidates to move into `analysis/tables.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from analysis.tables import stars


def coefficient_cells(estimate: float, std_error: float, p_value: float, digits: int) -> list[str]:
    """The coefficient-with-stars cell and the (SE) cell; blank when suppressed."""
    if pd.isna(estimate):
        return ["", ""]
    return [f"{estimate:.{digits}f}{stars(p_value)}", f"({std_error:.{digits}f})"]


def _count(value: object) -> str:
    return "" if pd.isna(value) else f"{int(value):,}"


def group_effects_table(
    estimates: pd.DataFrame,
    block_titles: Mapping[str, str],
    effect_column: str = "Mover effect",
    digits: int = 3,
) -> pd.DataFrame:
    """One block per model in `block_titles` order: a title row, then each term's effect.

    `estimates` needs model, label, estimate, std_error, p_value, n_obs (tidy contract).
    """
    rows: list[list[str]] = []
    for model, title in block_titles.items():
        block = estimates[estimates["model"] == model]
        if block.empty:
            continue
        rows.append([title, "", ""])
        for est in block.itertuples(index=False):
            coef, se = coefficient_cells(est.estimate, est.std_error, est.p_value, digits)
            rows += [[str(est.label), coef, _count(est.n_obs)], ["", se, ""]]
    return pd.DataFrame(rows, columns=["", effect_column, "Observations"])


def wide_descriptives(
    descriptives: pd.DataFrame,
    row_order: Sequence[str],
    column_order: Sequence[str],
    formats: Mapping[str, Callable[[float], str]] | None = None,
    default: Callable[[float], str] = lambda v: f"{v:.1f}",
) -> pd.DataFrame:
    """Rows x columns of tidy descriptives as text; `formats` by row label, blank if missing."""
    formats = formats or {}
    values = descriptives.set_index(["row_label", "column_label"])["value"]
    rows = []
    for row in row_order:
        fmt = formats.get(row, default)
        cells = []
        for column in column_order:
            value = values.get((row, column), float("nan"))
            cells.append("" if pd.isna(value) else fmt(float(value)))
        rows.append([row, *cells])
    return pd.DataFrame(rows, columns=["", *column_order])
