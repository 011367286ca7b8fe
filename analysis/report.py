"""One HTML report per run: where the data came from, rows per layer, checks, every table."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from analysis import progress

STYLE = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}
td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:0.85em}.skipped{color:#a33}
nav a{margin-right:1em}
"""


def _facts_table(facts: dict[str, object]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
        for k, v in facts.items()
    )
    return f"<table>{rows}</table>"


def _grouped_raw_rows(raw_rows: dict[str, int]) -> dict[str, str]:
    """One line per kind of file: the panel's wave files collapse into one row per type."""
    groups: dict[str, list[int]] = {}
    for name, rows in raw_rows.items():
        groups.setdefault(re.sub(r" wave \w+ \(\d{4}\)", "", name), []).append(rows)
    return {
        (f"{name} ({len(rows)} waves)" if len(rows) > 1 else name): f"{sum(rows):,}"
        for name, rows in groups.items()
    }


@progress.staged("report")
def render_report(out_dir: Path) -> Path:
    """Assemble <out>/report.html from run.json and the tables the analyses wrote."""
    record = json.loads((out_dir / "run.json").read_text())
    build = record.get("build", {})
    check = record.get("check", {})
    analyse = record.get("analyse", {})
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Mobility warehouse report"
        f"</title><style>{STYLE}</style></head><body>",
        "<h1>Mobility warehouse: run report</h1>",
        _facts_table(
            {
                "run id": analyse.get("run_id", "(no analysis yet)"),
                "data source": build.get("source", "?"),
                "raw data directory": build.get("data_dir", "?"),
                "strands built": ", ".join(build.get("strands", [])),
                "dbt models / tests passed": (
                    f"{build.get('models', '?')} / {build.get('dbt_tests', '?')}"
                ),
                "quality gate": f"{check.get('passed', '?')} of {check.get('expectations', '?')} "
                "expectations passed",
                "results written": f"{analyse.get('estimates', 0)} estimates, "
                f"{analyse.get('descriptives', 0)} descriptives",
            }
        ),
        "<h2>Rows per layer</h2>",
        _facts_table({k: f"{v:,}" for k, v in build.get("rows_per_layer", {}).items()}),
        "<h2>Raw rows checked against their contracts</h2>",
        _facts_table(_grouped_raw_rows(build.get("raw_rows", {}))),
    ]
    prepared = record.get("prepare_public", {})
    if prepared:
        parts.append("<h2>Public data preparation</h2>")
        parts.append(
            _facts_table(
                {
                    "publishers' files": prepared.get("raw_dir"),
                    "canonical files": prepared.get("out_dir"),
                    "LA vintage": prepared.get("vintage"),
                    "files written": len(prepared.get("files_written", [])),
                }
            )
        )
        excluded = prepared.get("excluded", [])
        if excluded:
            parts.append("<h3>Rows kept out of the warehouse</h3>")
            parts.append(
                _facts_table(
                    {
                        f"{e['source']}: {e['reason']}": f"{e['rows']:,} rows"
                        + (f" ({e['amount']:,.1f})" if e.get("amount") else "")
                        for e in excluded
                    }
                )
            )
    skipped = [f"{k}: {v}" for k, v in prepared.get("unavailable", {}).items()]
    skipped += analyse.get("skipped", [])
    if skipped:
        parts.append("<h2>Tables not produced</h2><ul>")
        parts += [f"<li class='skipped'>{html.escape(s)}</li>" for s in skipped]
        parts.append("</ul>")
    if prepared.get("notes"):
        parts.append("<h2>Data notes</h2><ul>")
        parts += [f"<li>{html.escape(n)}</li>" for n in prepared["notes"]]
        parts.append("</ul>")
    if analyse.get("notes"):
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{html.escape(n)}</li>" for n in analyse["notes"]]
        parts.append("</ul>")
    tables = sorted(
        analyse.get("tables", []),
        key=lambda t: (t.get("report_table") is None, t.get("report_table") or 0, t["key"]),
    )
    if tables:
        parts.append("<h2>Tables</h2><nav>")
        parts += [f"<a href='#{t['key']}'>{html.escape(t['key'])}</a>" for t in tables]
        parts.append("</nav>")
    for figure in analyse.get("figures", []):
        parts.append(
            f"<h3>{html.escape(figure['title'])}</h3><img src='{html.escape(figure['path'])}' "
            "style='max-width:100%'>"
        )
    for table in tables:
        fragment = out_dir / "tables" / f"{table['key']}.html"
        if fragment.exists():
            parts.append(f"<section id='{table['key']}'>{fragment.read_text()}</section>")
    parts.append("</body></html>")
    path = out_dir / "report.html"
    path.write_text("\n".join(parts))
    return path
