"""Render publication tables to Markdown, HTML and CSV, and lay out regression tables.

`regression_table` turns tidy estimates into the study's layout: a coefficient with stars
(*** p<0.01, ** p<0.05, * p<0.1) over its standard error in parentheses, one column per
model, control-block rows YES/NO and the number of observations.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
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


def regression_table(
    estimates: pd.DataFrame,
    term_order: Sequence[str],
    control_blocks: Mapping[str, Sequence[int]] | None = None,
    digits: int = 3,
) -> pd.DataFrame:
    """Models as columns; for each term a coefficient row and a standard-error row.

    `estimates` needs columns model, term, label, estimate, std_error, p_value, n_obs.
    `control_blocks` maps a block label (e.g. "Distance and border") to the models that
    include it; those rows read YES/NO.
    """
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
            coef_row.append(f"{est['estimate']:.{digits}f}{stars(est['p_value'])}")
            se_row.append(f"({est['std_error']:.{digits}f})")
        rows += [coef_row, se_row]
    for block, included in (control_blocks or {}).items():
        shown = {str(m) for m in included}
        rows.append([block] + ["YES" if str(m) in shown else "NO" for m in models])
    n_obs = estimates.groupby("model")["n_obs"].max()
    rows.append(["Observations"] + [f"{int(n_obs[m]):,}" for m in models])
    return pd.DataFrame(rows, columns=["", *columns])


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
