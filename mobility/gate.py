"""The Great Expectations gate between the warehouse and analysis.

Suites are YAML files in `expectations/` (one per concern): a SQL query on the warehouse and
a list of GX expectations to run on its result. Every failure is collected, written to a
readable summary and to GX data docs (HTML), and raised as QualityGateError so nothing is
analysed or written from bad data.
"""

from __future__ import annotations

import html
import json
import logging
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from mobility.errors import BadInputError, QualityGateError
from study.registry import ROUND_TO, round_count

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)

SUITE_DIR = Path(__file__).resolve().parents[1] / "expectations"


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str
    column: str
    success: bool
    detail: str  # for the console; kept out of the docs when withheld
    withheld: bool = False  # a suite on licensed data: no observed value in the docs


@dataclass
class GateReport:
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    rows_checked: dict[str, int] = field(default_factory=dict)
    skipped_suites: list[str] = field(default_factory=list)
    licensed_suites: list[str] = field(default_factory=list)  # rows_checked rounded to 5

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def load_suites(strands: Sequence[str], suite_dir: Path = SUITE_DIR) -> list[dict]:
    """The suites of the given strands, in file-name order."""
    suites = []
    for path in sorted(suite_dir.glob("*.yml")):
        spec = yaml.safe_load(path.read_text())
        if not isinstance(spec, dict) or "query" not in spec or "expectations" not in spec:
            raise BadInputError(f"{path}: a suite needs `suite`, `query` and `expectations`.")
        if spec.get("strand", "flows") in strands:
            spec["_path"] = str(path)
            suites.append(spec)
    return suites


def _expectation_class(name: str) -> type:
    import great_expectations as gx

    class_name = "".join(part.capitalize() for part in name.split("_"))
    try:
        return getattr(gx.expectations, class_name)
    except AttributeError as exc:
        raise BadInputError(f"Unknown Great Expectations expectation {name!r}.") from exc


def _describe(result: dict) -> str:
    """A one-line account of what was unexpected."""
    if not result:
        return ""
    parts = []
    if "unexpected_count" in result:
        parts.append(
            f"{result['unexpected_count']} of {result.get('element_count', '?')} rows unexpected"
        )
    sample = result.get("partial_unexpected_list")
    if sample:
        parts.append("e.g. " + ", ".join(map(str, sample[:5])))
    if "observed_value" in result:
        parts.append(f"observed {result['observed_value']}")
    return "; ".join(parts)


def run_gate(
    con: duckdb.DuckDBPyConnection,
    strands: Sequence[str],
    docs_dir: Path | None = None,
    suite_dir: Path = SUITE_DIR,
    licensed: Collection[str] = (),
) -> GateReport:
    """Run every suite of the strands; raise QualityGateError listing what failed.

    Suites of the `licensed` strands (restricted mode) report their rows checked rounded to
    5 and keep observed values out of the docs (disclosure control, docs/disclosure.md); the
    failure message on the console keeps them, so the researcher can fix the data.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("warehouse")
    report = GateReport()
    for spec in load_suites(strands, suite_dir):
        name = spec["suite"]
        try:
            frame: pd.DataFrame = con.execute(spec["query"]).df()
        except duckdb.CatalogException as exc:
            report.skipped_suites.append(f"{name}: its tables are not in the warehouse ({exc})")
            continue
        withheld = spec.get("strand", "flows") in licensed
        report.rows_checked[name] = round_count(len(frame)) if withheld else len(frame)
        if withheld:
            report.licensed_suites.append(name)
        asset = source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe(f"{name}_batch")
        suite = context.suites.add(gx.ExpectationSuite(name=name))
        for item in spec["expectations"]:
            kwargs = {k: v for k, v in item.items() if k != "expectation"}
            suite.add_expectation(_expectation_class(item["expectation"])(**kwargs))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite)
        )
        result = validation.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
        for outcome in result.results:
            config = outcome.expectation_config
            kwargs = config.kwargs
            column = kwargs.get("column") or ", ".join(
                kwargs.get("column_list")
                or [kwargs.get("column_A", ""), kwargs.get("column_B", "")]
            )
            report.outcomes.append(
                ExpectationOutcome(
                    suite=name,
                    expectation=config.type,
                    column=str(column),
                    success=bool(outcome.success),
                    detail=_describe(outcome.result or {}),
                    withheld=withheld,
                )
            )
    if docs_dir is not None:
        write_gate_docs(report, docs_dir)
    if report.failures:
        raise QualityGateError(gate_failure_message(report, docs_dir))
    return report


def gate_failure_message(report: GateReport, docs_dir: Path | None) -> str:
    lines = [
        f"Data-quality gate failed: {len(report.failures)} of {len(report.outcomes)} "
        "expectations did not hold, so no analysis was run and no results were written."
    ]
    for failure in report.failures[:10]:
        lines.append(
            f"  - {failure.suite}: {failure.expectation} on {failure.column}: {failure.detail}"
        )
    if len(report.failures) > 10:
        lines.append(f"  ... and {len(report.failures) - 10} more")
    if docs_dir is not None:
        lines.append(f"Full report: {docs_dir / 'gate.html'}")
    return "\n".join(lines)


def _published_detail(outcome: ExpectationOutcome) -> str:
    return "withheld (restricted data)" if outcome.withheld and outcome.detail else outcome.detail


def write_gate_docs(report: GateReport, docs_dir: Path) -> Path:
    """A small HTML page and a JSON file of every expectation and its outcome (no observed
    value of a suite on licensed data)."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(
        f"<tr class='{'ok' if o.success else 'fail'}'><td>{html.escape(o.suite)}</td>"
        f"<td>{html.escape(o.expectation)}</td><td>{html.escape(o.column)}</td>"
        f"<td>{'passed' if o.success else 'FAILED'}</td>"
        f"<td>{html.escape(_published_detail(o))}</td></tr>"
        for o in report.outcomes
    )
    licensed = ""
    if report.licensed_suites:
        licensed = (
            f" Suites on restricted data ({html.escape(', '.join(report.licensed_suites))}): "
            f"rows checked rounded to the nearest {ROUND_TO}, observed values withheld."
        )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Quality gate</title>
<style>body{{font-family:sans-serif}} td,th{{padding:2px 8px;border-bottom:1px solid #ddd}}
tr.fail{{background:#fdd}}</style></head><body>
<h1>Great Expectations gate</h1><p>{report.passed} of {len(report.outcomes)} expectations
passed. Rows checked: {html.escape(json.dumps(report.rows_checked))}.{licensed}</p>
<table><tr><th>suite</th><th>expectation</th><th>column</th><th>outcome</th><th>detail</th></tr>
{rows}</table></body></html>"""
    path = docs_dir / "gate.html"
    path.write_text(page)
    published = [o.__dict__ | {"detail": _published_detail(o)} for o in report.outcomes]
    (docs_dir / "gate.json").write_text(json.dumps(published, indent=1, default=str))
    return path
