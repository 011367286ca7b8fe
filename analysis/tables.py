"""Render publication tables to Markdown, HTML and CSV, and lay out tidy results.

Every layout prints an estimate the study's way: a coefficient with stars (*** p<0.01,
** p<0.05, * p<0.1) over its standard error in parentheses. `regression_table` puts models in
columns with control-block rows YES/NO and the number of observations; `group_effects_table`
stacks within-group effects in one block per model; `wide_descriptives` pivots tidy
descriptives. They live here so that every strand prints alike.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from analysis.outputs import PublicationTable


def stars(p_value: float | None) -> str:
    if p_value is None or pd.isna(p_value):
        return ""
    if p_value < 0.01:
        return "***"
    if p_value < 0.05:
        return "**"
    if p_value < 0.1:
        return "*"
    return ""


def _estimate_cells(estimate: float, std_error: float, p_value: float, digits: int) -> list[str]:
    """Coefficient with stars and (SE): the one place the study's cell format is written."""
    return [f"{estimate:.{digits}f}{stars(p_value)}", f"({std_error:.{digits}f})"]


def coefficient_cells(estimate: float, std_error: float, p_value: float, digits: int) -> list[str]:
    """The coefficient-with-stars cell and the (SE) cell; blank when suppressed."""
    if pd.isna(estimate):
        return ["", ""]
    return _estimate_cells(estimate, std_error, p_value, digits)


def is_flagged(row: Mapping[str, object]) -> bool:
    """True when an estimate row carries a flag (results.estimates.flag not null)."""
    flag = row.get("flag")
    return flag is not None and not pd.isna(flag)


def flagged_cells_note(estimates: pd.DataFrame) -> str | None:
    """The note under a table whose flagged cells are blank: which estimates, and why.

    Covers every flagged row of the table's fits, including those not printed (e.g. alpha at
    its zero boundary), so the reader learns of each problem from the table itself.
    """
    if "flag" not in estimates.columns:
        return None
    shown = estimates[estimates["flag"].notna()]
    if shown.empty:
        return None
    parts = []
    for flag, group in shown.groupby("flag", sort=True):
        cells = ", ".join(
            f"{label} ({model})"
            for label, model in zip(group["label"], group["model"], strict=True)
        )
        parts.append(f"'{flag}': {cells}")
    return (
        "Flagged estimates, blank in the table (not to be read as estimates) and kept in "
        "results.estimates with their flag: " + "; ".join(parts) + "."
    )


def regression_table(
    estimates: pd.DataFrame,
    term_order: Sequence[str],
    control_blocks: Mapping[str, Sequence[int]] | None = None,
    digits: int = 3,
    clustered: bool = False,
) -> pd.DataFrame:
    """Models as columns; for each term a coefficient row and a standard-error row.

    `estimates` needs columns model, term, label, estimate, std_error, p_value, n_obs (and
    std_error_clustered, p_value_clustered when `clustered`). Rows with a `flag` are blank.
    `control_blocks` maps a block label (e.g. "Distance and border") to the models that
    include it; those rows read YES/NO.
    """
    se_column, p_column = (
        ("std_error_clustered", "p_value_clustered") if clustered else ("std_error", "p_value")
    )
    models = sorted(estimates["model"].unique(), key=str)
    columns = [f"({m})" for m in models]
    rows: list[list[str]] = []
    labels = estimates.drop_duplicates("term").set_index("term")["label"]
    for term in term_order:
        if term not in labels.index:
            continue
        coef_row, se_row = [labels[term]], [""]
        for model in models:
            hit = estimates[(estimates["model"] == model) & (estimates["term"] == term)]
            if hit.empty:
                coef_row.append("")
                se_row.append("")
                continue
            est = hit.iloc[0]
            if is_flagged(est):
                coef_row.append("")
                se_row.append("")
                continue
            coef, se = coefficient_cells(est["estimate"], est[se_column], est[p_column], digits)
            coef_row.append(coef)
            se_row.append(se)
        rows += [coef_row, se_row]
    for block, included in (control_blocks or {}).items():
        shown = {str(m) for m in included}
        rows.append([block] + ["YES" if str(m) in shown else "NO" for m in models])
    n_obs = estimates.groupby("model")["n_obs"].max()
    rows.append(["Observations"] + [f"{int(n_obs[m]):,}" for m in models])
    return pd.DataFrame(rows, columns=["", *columns])


def _count(value: object) -> str:
    """A head count with thousands separators; blank when suppressed."""
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


def to_markdown(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def to_html(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def write_table(table: PublicationTable, out_dir: Path) -> dict[str, Path]:
    """Write one table as .md, .html and .csv under out_dir/tables/."""
    folder = out_dir / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    notes = "\n".join(f"_{n}_" for n in table.notes)
    paths = {
        "md": folder / f"{table.key}.md",
        "html": folder / f"{table.key}.html",
        "csv": folder / f"{table.key}.csv",
    }
    paths["md"].write_text(f"### {table.title}\n\n{to_markdown(table.frame)}\n\n{notes}\n")
    paths["html"].write_text(
        f"<h3>{html.escape(table.title)}</h3>\n{to_html(table.frame)}\n"
        + "".join(f"<p class='note'>{html.escape(n)}</p>" for n in table.notes)
    )
    table.frame.to_csv(paths["csv"], index=False)
    return paths
