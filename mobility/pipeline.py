"""The stages of a run: generate, build, check, analyse, report.

Each stage records what it did in `<out>/run.json` so that `mobility report` (or a later
stage run on its own) can say where the data came from, how many rows each layer holds and
which checks passed.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from analysis.context import RunContext
from analysis.disclosure_release import admit, write_disclosure_log
from analysis.flows.descriptives import run_flow_descriptives
from analysis.flows.models import (
    run_census2021_flow_models,
    run_census_flow_models,
    run_flow_models,
    run_flow_robustness,
)
from analysis.flows.then_and_now import run_then_and_now
from analysis.ls import run_ls_analysis
from analysis.outputs import AnalysisOutput, empty_descriptives, empty_estimates
from analysis.panel import run_panel_analysis
from analysis.results import write_results
from analysis.tables import write_table
from mobility import warehouse as wh
from mobility.contracts import FileContract, validate
from mobility.errors import UsageError
from mobility.gate import run_gate
from mobility.generate.synthetic import GENERATOR_VERSION, MANIFEST, generate_synthetic
from mobility.layouts import FLOW_CONTRACTS, LA_LOOKUP
from mobility.layouts_ls import LS_CONTRACTS, check_ls_completeness
from mobility.layouts_panel import PANEL_CONTRACTS, check_panel_mapping, stage_panel_files
from mobility.panel_notes import panel_notes
from mobility.public import prepare_public, write_smi_placeholder
from mobility.restricted import (
    RESTRICTED_SOURCE,
    assemble_work_dir,
    check_restricted_dirs,
    clean_work_dir,
    work_dir_for,
)

Analysis = Callable[[duckdb.DuckDBPyConnection, RunContext], AnalysisOutput]


@dataclass(frozen=True)
class Strand:
    name: str  # dbt tag and gate strand
    title: str
    marker_dir: str | None  # the strand runs when this folder exists under the data dir
    contracts: tuple[FileContract, ...]
    analyses: tuple[tuple[str, Analysis], ...]
    restricted: bool = False  # licensed data: outputs must pass disclosure control (admit)


STRANDS: tuple[Strand, ...] = (
    Strand(
        name="flows",
        title="A: LA-pair flows",
        marker_dir=None,
        contracts=FLOW_CONTRACTS,
        analyses=(
            ("flow_descriptives", run_flow_descriptives),
            ("flow_models", run_flow_models),
            ("flow_robustness", run_flow_robustness),
            ("census_flow_models", run_census_flow_models),
            ("census2021_flow_models", run_census2021_flow_models),
            ("flows_then_and_now", run_then_and_now),
        ),
    ),
    Strand(
        name="panel",
        title="B: BHPS/UKHLS teenager-to-adult panel",
        marker_dir="ukhls",
        contracts=PANEL_CONTRACTS,
        analyses=(("panel", run_panel_analysis),),
        restricted=True,
    ),
    Strand(
        name="ls",
        title="C: ONS Longitudinal Study",
        marker_dir="ons_ls",
        contracts=LS_CONTRACTS,
        analyses=(("ls", run_ls_analysis),),
        restricted=True,
    ),
)


@dataclass
class Options:
    source: str = "synthetic"
    data_dir: Path | None = None
    warehouse: Path = wh.DEFAULT_WAREHOUSE
    out: Path = wh.REPO_ROOT / "reports"
    seed: int = 20200701
    scale: str = "small"
    smi_file: Path | None = None
    vintage: str = "study"  # public LA units: study (2011-2018 LAs) or current (LAD25)
    panel_dir: Path | None = None  # restricted mode: the BHPS/UKHLS release, read in place
    ls_dir: Path | None = None  # restricted mode: the ONS LS extract, read in place

    @property
    def restricted(self) -> bool:
        return self.panel_dir is not None or self.ls_dir is not None

    @property
    def data_source(self) -> str:
        return RESTRICTED_SOURCE if self.restricted else self.source

    @property
    def build_dir(self) -> Path:
        """What dbt reads: raw_dir, or in restricted mode the warehouse's working folder."""
        return work_dir_for(self.warehouse) if self.restricted else self.raw_dir

    @property
    def source_dir(self) -> Path:
        """Where the source's own files are: the synthetic files, or the publishers'."""
        if self.data_dir is not None:
            return self.data_dir
        if self.source == "public":
            return wh.REPO_ROOT / "data" / "public" / "raw"
        return wh.REPO_ROOT / "data" / "synthetic" / self.scale

    @property
    def public_is_prepared(self) -> bool:
        """--data-dir already holds public files in the canonical layouts (a prepared copy)."""
        return self.source == "public" and (self.source_dir / LA_LOOKUP.pattern).exists()

    @property
    def raw_dir(self) -> Path:
        """The files in the canonical layouts that dbt reads."""
        if self.source == "public" and not self.public_is_prepared:
            return wh.REPO_ROOT / "data" / "public" / "prepared"
        return self.source_dir


@dataclass
class RunLog:
    """What the stages did; saved as <out>/run.json."""

    path: Path
    record: dict = field(default_factory=dict)

    @classmethod
    def open(cls, out: Path) -> RunLog:
        path = out / "run.json"
        record = json.loads(path.read_text()) if path.exists() else {}
        return cls(path, record)

    def save(self, stage: str, facts: dict) -> None:
        self.record[stage] = facts
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.record, indent=2, default=str))


def say(message: str) -> None:
    print(message, flush=True)


def active_strands(raw_dir: Path) -> list[Strand]:
    return [s for s in STRANDS if s.marker_dir is None or (raw_dir / s.marker_dir).is_dir()]


def stage_generate(options: Options, force: bool = False) -> dict:
    if options.source != "synthetic":
        raise UsageError(
            "`mobility generate` writes the synthetic default; use --source synthetic."
        )
    raw_dir = options.raw_dir
    manifest = raw_dir / MANIFEST
    if manifest.exists() and not force:
        facts = json.loads(manifest.read_text())
        if (facts.get("seed"), facts.get("scale"), facts.get("version")) == (
            options.seed,
            options.scale,
            GENERATOR_VERSION,
        ):
            say(f"generate  synthetic files already in {raw_dir} (seed {options.seed}), kept")
            return {"data_dir": str(raw_dir), "reused": True}
    start = time.perf_counter()
    summary = generate_synthetic(raw_dir, seed=options.seed, scale=options.scale)
    seconds = time.perf_counter() - start
    say(
        f"generate  {summary.local_authorities} LAs, {summary.flow_rows:,} flow rows, "
        f"{summary.files} files in {raw_dir} ({seconds:.1f} s)"
    )
    return {"data_dir": str(raw_dir), "flow_rows": summary.flow_rows, "seconds": seconds}


def stage_build(options: Options, log: RunLog) -> dict:
    if not options.restricted:
        return _build(options, log, options.raw_dir, [])
    work_dir = options.build_dir
    check_restricted_dirs(work_dir, options.panel_dir, options.ls_dir)  # before any cleaning
    try:
        notes = assemble_work_dir(options.raw_dir, work_dir, options.panel_dir, options.ls_dir)
        return _build(options, log, work_dir, notes)
    finally:
        clean_work_dir(work_dir)  # staged row-level files live only in the warehouse


def _build(options: Options, log: RunLog, raw_dir: Path, release_notes: list[str]) -> dict:
    strands = active_strands(raw_dir)
    start = time.perf_counter()
    contracts = tuple(c for s in strands for c in s.contracts)
    names = {s.name for s in strands}
    if "panel" in names:
        check_panel_mapping(raw_dir)  # a renamed variable or missing wave, named clearly
    rows = validate(raw_dir, contracts, LA_LOOKUP)
    if "ls" in names:
        check_ls_completeness(raw_dir)
    if "panel" in names:
        stage_panel_files(raw_dir)  # the mapped, wave-stacked files dbt reads
    seconds = time.perf_counter() - start
    say(f"validate  {len(rows)} raw file sets meet their contracts ({seconds:.1f} s)")
    excluded = [s.name for s in STRANDS if s not in strands]
    with wh.exclusive(options.warehouse):
        result = wh.build_warehouse(raw_dir, options.warehouse, exclude_tags=excluded)
    say(
        f"build     {result.models} models, {result.tests} dbt tests passed "
        f"({result.seconds:.1f} s): "
        + ", ".join(f"{k} {v:,} rows" for k, v in result.rows_per_layer.items())
    )
    facts = {
        "data_dir": str(raw_dir),
        "source": options.source,
        "strands": [s.name for s in strands],
        "raw_rows": rows,
        "models": result.models,
        "dbt_tests": result.tests,
        "seconds": result.seconds,
        "rows_per_layer": result.rows_per_layer,
        "release_notes": release_notes,
    }
    log.save("build", facts)
    return facts


def _require_warehouse(options: Options) -> None:
    if not options.warehouse.exists():
        raise UsageError(
            f"No warehouse at {options.warehouse}: run `mobility build` (or `mobility run`) first."
        )


def stage_check(options: Options, log: RunLog) -> dict:
    _require_warehouse(options)
    strands = [s.name for s in active_strands(options.build_dir)]
    start = time.perf_counter()
    con = wh.connect(options.warehouse, read_only=True)
    try:
        report = run_gate(con, strands, docs_dir=options.out / "gate")
    finally:
        con.close()
    say(
        f"check     {report.passed} of {len(report.outcomes)} expectations passed "
        f"({time.perf_counter() - start:.1f} s)"
    )
    facts = {
        "expectations": len(report.outcomes),
        "passed": report.passed,
        "rows_checked": report.rows_checked,
        "skipped_suites": report.skipped_suites,
    }
    log.save("check", facts)
    return facts


def new_run_id(source: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{source}-{uuid.uuid4().hex[:6]}"


def stage_analyse(options: Options, log: RunLog, gate_just_passed: bool = False) -> dict:
    """Analyse the warehouse; the gate runs first unless it passed a moment ago in this run."""
    _require_warehouse(options)
    if not gate_just_passed:
        stage_check(options, log)  # raises QualityGateError: nothing analysed, nothing written
    context = RunContext(
        run_id=new_run_id(options.data_source),
        data_source=options.data_source,
        data_dir=options.build_dir,
        out_dir=options.out,
        seed=options.seed,
        scale=options.scale,
    )
    outputs: list[AnalysisOutput] = []
    with wh.exclusive(options.warehouse):
        con = wh.connect(options.warehouse)
        try:
            for strand in active_strands(options.build_dir):
                for name, analysis in strand.analyses:
                    start = time.perf_counter()
                    output = analysis(con, context)
                    if strand.name == "panel":  # what the release lacks, said in the report
                        release_notes = log.record.get("build", {}).get("release_notes", [])
                        output.notes.extend(panel_notes(con, release_notes))
                    if strand.restricted:
                        admit(output)  # nothing unsafe is stored or rendered
                    outputs.append(output)
                    say(
                        f"analyse   {name}: {len(output.estimates)} estimates, "
                        f"{len(output.descriptives)} descriptives, {len(output.tables)} tables "
                        f"({time.perf_counter() - start:.1f} s)"
                    )
            estimates = pd.concat([empty_estimates(), *[o.estimates for o in outputs]])
            descriptives = pd.concat([empty_descriptives(), *[o.descriptives for o in outputs]])
            n_est, n_desc = write_results(
                con, context, estimates, descriptives, [o.name for o in outputs]
            )
            write_disclosure_log(con, context, outputs)
        finally:
            con.close()
    tables = []
    for output in outputs:
        for table in output.tables:
            write_table(table, options.out)
            tables.append(
                {
                    "key": table.key,
                    "title": table.title,
                    "report_table": table.report_table,
                    "analysis": output.name,
                }
            )
    facts = {
        "run_id": context.run_id,
        "estimates": n_est,
        "descriptives": n_desc,
        "tables": tables,
        "figures": [f.__dict__ for o in outputs for f in o.figures],
        "notes": [n for o in outputs for n in o.notes],
        "skipped": [s for o in outputs for s in o.skipped],
    }
    log.save("analyse", facts)
    return facts


def ensure_data(options: Options, log: RunLog) -> None:
    """The synthetic default is generated when absent; public files are put into the
    canonical layouts; anything else must already exist."""
    if options.source == "public":
        if not options.public_is_prepared:
            stage_prepare_public(options, log)
        return
    raw_dir = options.raw_dir
    holds_other_files = raw_dir.is_dir() and any(raw_dir.iterdir())
    if (raw_dir / MANIFEST).exists() or not holds_other_files:
        stage_generate(options)  # reuses files generated with the same seed and scale


def stage_prepare_public(options: Options, log: RunLog) -> dict:
    """Read the publishers' files and write them, on one LA vintage, in canonical layouts."""
    preparation = prepare_public(
        options.source_dir, options.raw_dir, options.smi_file, options.vintage
    )
    unavailable = dict(preparation.unavailable)
    if any("Social Mobility Index" in name for name in unavailable):
        write_smi_placeholder(options.raw_dir)
    say(
        f"prepare   {len(preparation.files_written)} canonical files from "
        f"{options.source_dir} on vintage {preparation.vintage} ({preparation.seconds:.1f} s)"
    )
    for name, reason in unavailable.items():
        say(f"          not available: {name}: {reason}")
    facts = json.loads(preparation.to_json())
    log.save("prepare_public", facts)
    return facts
