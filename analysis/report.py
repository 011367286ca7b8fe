"""One HTML report per run, laid out as an analyst's front page.

Order: the findings in words and numbers (read from `results`), navigation by strand and
table, then per strand the type-to-type rate heatmaps, the maps and the coefficient plots
before its tables, and last where the data came from, rows per layer and the checks. The
heatmaps and maps are drawn here from the warehouse the run wrote (analysis.heatmaps,
analysis.maps); every figure is a PNG shown in the page with its SVG linked beside it.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import duckdb

from analysis import progress
from analysis.findings import Finding, findings
from analysis.heatmaps import rate_heatmaps
from analysis.maps import la_maps
from analysis.outputs import Figure

STYLE = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:0 auto 3em;padding:0 1em;color:#222}
header{border-bottom:3px solid #1f4e79;margin-bottom:1em}
.meta{color:#555;font-size:0.9em}
nav.top{position:sticky;top:0;background:#fff;padding:0.5em 0;border-bottom:1px solid #ddd}
nav a{margin-right:1.2em}
.findings{background:#f4f7fb;border-left:4px solid #1f4e79;padding:0.5em 1.2em}
.findings li{margin:0.35em 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:1em}
figure{margin:0;border:1px solid #e3e3e3;padding:0.5em}
figure img{width:100%;height:auto}
figcaption{font-size:0.85em;color:#444}
details{margin:0.3em 0 1em}
details a{display:inline-block;margin:0.1em 1em 0.1em 0;font-size:0.9em}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}
td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:0.85em}.skipped{color:#a33}
"""
#: Strands in report order: (name in run.json build facts, anchor, title).
STRANDS: tuple[tuple[str, str, str], ...] = (
    ("flows", "strand-a", "A: LA-pair flows"),
    ("panel", "strand-b", "B: BHPS/UKHLS teenager-to-adult panel"),
    ("ls", "strand-c", "C: ONS Longitudinal Study"),
)
FINDING_STRAND = {"A": "flows", "B": "panel", "C": "ls"}


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


def _strand_of(name: str) -> str:
    """Strand of an analysis or figure key: panel_* is B, ls_* is C, the rest (flows) A."""
    for prefix, strand in (("panel", "panel"), ("ls", "ls")):
        if name == prefix or name.startswith(prefix + "_"):
            return strand
    return "flows"


def _figure_html(figure: Figure) -> str:
    png = html.escape(figure.path)
    svg = html.escape(str(Path(figure.path).with_suffix(".svg").as_posix()))
    title = html.escape(figure.title)
    return (
        f"<figure id='{html.escape(figure.key)}'><img src='{png}' alt='{title}'>"
        f"<figcaption>{title} (<a href='{svg}'>SVG</a>, <a href='{png}'>PNG</a>)</figcaption>"
        "</figure>"
    )


def _figure_block(anchor: str, title: str, figures: list[Figure]) -> list[str]:
    if not figures:
        return []
    return [
        f"<h3 id='{anchor}'>{html.escape(title)}</h3><div class='grid'>",
        *[_figure_html(f) for f in figures],
        "</div>",
    ]


def _findings_html(found: list[Finding], strands: list[str]) -> list[str]:
    parts = ["<section id='findings' class='findings'><h2>Findings</h2>"]
    if not found:
        parts.append("<p>No results to summarise (run `mobility analyse`).</p>")
    for name, _anchor, title in STRANDS:
        items = [f for f in found if FINDING_STRAND[f.strand] == name]
        if items and name in strands:
            parts.append(f"<h3>{html.escape(title)}</h3><ul>")
            parts += [f"<li>{html.escape(f.text)}</li>" for f in items]
            parts.append("</ul>")
    parts.append(
        "<p class='note'>Rate ratios are exp(coefficient) with 95% confidence intervals from "
        "robust standard errors; mover effects are differences between movers and stayers on "
        "the outcome's scale. *** p&lt;0.01, ** p&lt;0.05, * p&lt;0.1.</p></section>"
    )
    return parts


def _warehouse_figures(
    warehouse: Path | None, run_id: str | None, out_dir: Path, publishers_dir: Path | None
) -> tuple[list[Finding], list[Figure], list[Figure]]:
    """Findings, heatmaps and maps from the warehouse the run wrote (empty without one)."""
    if warehouse is None or run_id is None or not warehouse.exists():
        return [], [], []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        progress.describe("findings")
        found = findings(con, run_id)
        progress.describe("heatmaps")
        heatmaps = rate_heatmaps(con, run_id, out_dir)
        progress.describe("maps")
        maps = la_maps(con, out_dir, publishers_dir)
    finally:
        con.close()
    return found, heatmaps, maps


def _data_and_checks(record: dict) -> list[str]:
    """Where the data came from, rows per layer, checks, public preparation, notes."""
    build = record.get("build", {})
    check = record.get("check", {})
    analyse = record.get("analyse", {})
    parts = [
        "<section id='data'><h2>Data and checks</h2>",
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
        *(
            [f"<p class='note'>Restricted data: counts rounded to the nearest {rounded}.</p>"]
            if (rounded := build.get("counts_rounded_to"))
            else []
        ),
        "<h3>Rows per layer</h3>",
        _facts_table({k: f"{v:,}" for k, v in build.get("rows_per_layer", {}).items()}),
        "<h3>Raw rows checked against their contracts</h3>",
        _facts_table(_grouped_raw_rows(build.get("raw_rows", {}))),
    ]
    prepared = record.get("prepare_public", {})
    if prepared:
        parts.append("<h3>Public data preparation</h3>")
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
        parts.append("<h3>Tables not produced</h3><ul>")
        parts += [f"<li class='skipped'>{html.escape(s)}</li>" for s in skipped]
        parts.append("</ul>")
    if prepared.get("notes"):
        parts.append("<h3>Data notes</h3><ul>")
        parts += [f"<li>{html.escape(n)}</li>" for n in prepared["notes"]]
        parts.append("</ul>")
    if analyse.get("notes"):
        parts.append("<h3>Notes</h3><ul>")
        parts += [f"<li>{html.escape(n)}</li>" for n in analyse["notes"]]
        parts.append("</ul>")
    parts.append("</section>")
    return parts


@progress.staged("report")
def render_report(out_dir: Path, warehouse: Path | None = None) -> Path:
    """Assemble <out>/report.html from run.json, the tables the analyses wrote and, when the
    warehouse is given, the findings, heatmaps and maps drawn from it."""
    record = json.loads((out_dir / "run.json").read_text())
    build = record.get("build", {})
    check = record.get("check", {})
    analyse = record.get("analyse", {})
    publishers = record.get("prepare_public", {}).get("raw_dir")
    found, heatmaps, maps = _warehouse_figures(
        warehouse, analyse.get("run_id"), out_dir, Path(publishers) if publishers else None
    )
    strands = build.get("strands") or [name for name, _, _ in STRANDS]
    tables = sorted(
        analyse.get("tables", []),
        key=lambda t: (t.get("report_table") is None, t.get("report_table") or 0, t["key"]),
    )
    figures = [Figure(**f) for f in analyse.get("figures", [])]
    shown = [(name, anchor, title) for name, anchor, title in STRANDS if name in strands]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Mobility warehouse report</title><style>{STYLE}</style></head><body>",
        "<header><h1>Mobility warehouse: findings</h1><p class='meta'>"
        + html.escape(
            f"Run {analyse.get('run_id', '(no analysis yet)')}; data source "
            f"{build.get('source', '?')}; quality gate {check.get('passed', '?')} of "
            f"{check.get('expectations', '?')} expectations passed; "
            f"{analyse.get('estimates', 0)} estimates, {analyse.get('descriptives', 0)} "
            "descriptives."
        )
        + "</p></header>",
        "<nav class='top'><a href='#findings'>Findings</a>"
        + "".join(f"<a href='#{anchor}'>{html.escape(title)}</a>" for _, anchor, title in shown)
        + "<a href='#data'>Data and checks</a></nav>",
        *_findings_html(found, strands),
    ]
    for name, anchor, title in shown:
        own_tables = [t for t in tables if _strand_of(t.get("analysis", "")) == name]
        own_figures = [f for f in figures if _strand_of(f.key) == name]
        blocks = []
        if name == "flows":
            blocks += _figure_block(
                f"{anchor}-heatmaps", "Migration rates between area types", heatmaps
            )
            blocks += _figure_block(f"{anchor}-maps", "Maps", maps)
        blocks += _figure_block(f"{anchor}-figures", "Coefficient plots", own_figures)
        if not blocks and not own_tables:
            continue
        links = [
            f"<a href='#{a}'>{t}</a>"
            for a, t, present in (
                (f"{anchor}-heatmaps", "Heatmaps", name == "flows" and heatmaps),
                (f"{anchor}-maps", "Maps", name == "flows" and maps),
                (f"{anchor}-figures", "Coefficient plots", own_figures),
            )
            if present
        ]
        parts.append(f"<section id='{anchor}'><h2>{html.escape(title)}</h2>")
        parts.append("<nav>" + "".join(links) + "</nav>")
        if own_tables:
            parts.append(
                f"<details><summary>{len(own_tables)} tables</summary>"
                + "".join(
                    f"<a href='#{html.escape(t['key'])}'>{html.escape(t['key'])}</a>"
                    for t in own_tables
                )
                + "</details>"
            )
        parts += blocks
        if own_tables:
            parts.append(f"<h3 id='{anchor}-tables'>Tables</h3>")
        for table in own_tables:
            fragment = out_dir / "tables" / f"{table['key']}.html"
            if fragment.exists():
                parts.append(f"<section id='{table['key']}'>{fragment.read_text()}</section>")
        parts.append("</section>")
    parts += _data_and_checks(record)
    parts.append("</body></html>")
    path = out_dir / "report.html"
    path.write_text("\n".join(parts))
    return path
