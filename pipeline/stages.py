"""The stages of a run: generate, build, check, analyse, report.

Each stage records what it did in `<out>/run.json` so that `mobility report` (or a later
stage run on its own) can say where the data came from, how many rows each layer holds and
which checks passed.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from analysis import progress
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
from analysis.runner import run_analyses, run_analyses_on, workers_for
from analysis.tables import write_table
from mobility import warehouse as wh
from mobility.completeness import MANIFEST, check_completeness
from mobility.contracts import FileContract, validate
from mobility.errors import UsageError, disk_full_error, is_disk_full
from mobility.gate import run_gate
from mobility.generate.synthetic import GENERATOR_VERSION, generate_synthetic
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
from study.registry import ROUND_TO, round_count

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
    debug: bool = False  # dbt prints to the console instead of its log file
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
        """The record so far; an unreadable one is moved aside (and named) and started anew."""
        path = out / "run.json"
        if not path.exists():
            return cls(path, {})
        try:
            record = json.loads(path.read_text())
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            aside = path.with_name("run.json.unreadable")
            path.replace(aside)
            say(f"note      {path} was unreadable ({exc}); moved to {aside}, starting afresh")
            record = {}
        return cls(path, record)

    def save(self, stage: str, facts: dict) -> None:
        self.record[stage] = facts
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.record, indent=2, default=str))


def say(message: str) -> None:
    print(message, flush=True)


def active_strands(raw_dir: Path) -> list[Strand]:
    return [s for s in STRANDS if s.marker_dir is None or (raw_dir / s.marker_dir).is_dir()]


@progress.staged("generate")
def stage_generate(options: Options, force: bool = False) -> dict:
    if options.source != "synthetic":
        raise UsageError(
            "`mobility generate` writes the synthetic default; use --source synthetic."
        )
    raw_dir = options.raw_dir
    manifest = raw_dir / MANIFEST
    if manifest.exists() and not force:
        try:
            facts = json.loads(manifest.read_text())
        except (OSError, ValueError):
            facts = {}  # unreadable: regenerate
        if (facts.get("seed"), facts.get("scale"), facts.get("version"), "rows" in facts) == (
            options.seed,
            options.scale,
            GENERATOR_VERSION,
            True,
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


@progress.staged("build")
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
    progress.describe("validate raw files against their contracts")
    rows = validate(raw_dir, contracts, LA_LOOKUP)
    check_completeness(raw_dir, contracts)  # every year, no key in two files, manifest rows
    if "ls" in names:
        check_ls_completeness(raw_dir)
    if "panel" in names:
        stage_panel_files(raw_dir)  # the mapped, wave-stacked files dbt reads
    seconds = time.perf_counter() - start
    say(f"validate  {len(rows)} raw file sets meet their contracts ({seconds:.1f} s)")
    if options.restricted:  # counts from licensed files are rounded before they are shown
        licensed = {c.name for s in strands if s.restricted for c in s.contracts}
        rows = {k: round_count(n) if k in licensed else n for k, n in rows.items()}
    excluded = [s.name for s in STRANDS if s not in strands]
    progress.describe("dbt build")
    with wh.exclusive(options.warehouse):
        result = wh.build_warehouse(
            raw_dir, options.warehouse, exclude_tags=excluded, debug=options.debug
        )
    if options.restricted:  # every layer mixes in the licensed strands' rows
        result.rows_per_layer = {k: round_count(n) for k, n in result.rows_per_layer.items()}
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
        "counts_rounded_to": ROUND_TO if options.restricted else None,
    }
    log.save("build", facts)
    return facts


def _require_warehouse(options: Options) -> None:
    if not options.warehouse.exists():
        raise UsageError(
            f"No warehouse at {options.warehouse}: run `mobility build` (or `mobility run`) first."
        )


@progress.staged("check")
def stage_check(options: Options, log: RunLog) -> dict:
    """`mobility check` on its own: the gate on a read-only connection (nothing is written)."""
    _require_warehouse(options)
    con = wh.connect(options.warehouse, read_only=True)
    try:
        return _gate(con, options, log)
    finally:
        con.close()


def _gate(con: duckdb.DuckDBPyConnection, options: Options, log: RunLog) -> dict:
    """Run the gate on `con`; QualityGateError (nothing analysed, nothing written) if it fails."""
    active = active_strands(options.build_dir)
    # a warehouse built from licensed files stays licensed when checked without --panel-dir
    restricted = options.restricted or bool(log.record.get("build", {}).get("counts_rounded_to"))
    licensed = [s.name for s in active if s.restricted] if restricted else []
    start = time.perf_counter()
    report = run_gate(con, [s.name for s in active], options.out / "gate", licensed=licensed)
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


def _analysed(name: str, output: AnalysisOutput, seconds: float) -> None:
    say(
        f"analyse   {name}: {len(output.estimates)} estimates, "
        f"{len(output.descriptives)} descriptives, {len(output.tables)} tables ({seconds:.1f} s)"
    )


@progress.staged("analyse")
def stage_analyse(options: Options, log: RunLog) -> dict:
    """Gate, analyse and write results under one exclusive lock, so what is analysed is
    exactly what passed the gate (a build finishing meanwhile is refused).

    In one process (the default) the gate, every analysis and the results write share one
    read-write connection, which also keeps any other process (a plain `dbt build`) out of
    the file. With MOBILITY_WORKERS > 1 the analyses run on read-only connections of their
    own after the gate; the mobility lock still holds, but a plain dbt run could then slip in.
    """
    _require_warehouse(options)
    context = RunContext(
        run_id=new_run_id(options.data_source),
        data_source=options.data_source,
        data_dir=options.build_dir,
        out_dir=options.out,
        seed=options.seed,
        scale=options.scale,
    )
    active = active_strands(options.build_dir)
    jobs = [job for strand in active for job in strand.analyses]
    restricted = {name for strand in active if strand.restricted for name, _ in strand.analyses}
    panel_jobs = {
        name for strand in active if strand.name == "panel" for name, _ in strand.analyses
    }

    with wh.exclusive(options.warehouse):
        con = wh.connect(options.warehouse)
        try:
            _gate(con, options, log)  # QualityGateError: nothing analysed, nothing written
            if workers_for(len(jobs)) > 1:
                con.close()  # the workers' read-only connections cannot share the file with it
                outputs = run_analyses(options.warehouse, jobs, context, _analysed)
                con = wh.connect(options.warehouse)
            else:
                outputs = run_analyses_on(con, jobs, context, _analysed)
            release_notes = log.record.get("build", {}).get("release_notes", [])
            for (name, _), output in zip(jobs, outputs, strict=True):
                if name in panel_jobs:  # what the release lacks, said in the report
                    output.notes.extend(panel_notes(con, release_notes))
                if name in restricted:
                    admit(output)  # nothing unsafe is stored or rendered
            estimates = pd.concat([empty_estimates(), *[o.estimates for o in outputs]])
            descriptives = pd.concat([empty_descriptives(), *[o.descriptives for o in outputs]])
            # The log goes first: results are never stored without their disclosure record.
            write_disclosure_log(con, context, outputs)
            n_est, n_desc = write_results(
                con, context, estimates, descriptives, [o.name for o in outputs]
            )
        except (OSError, duckdb.Error) as exc:
            if is_disk_full(exc):
                raise disk_full_error(
                    options.warehouse, "No results of this run were written (rolled back)."
                ) from exc
            raise
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


@progress.staged("prepare")
def stage_prepare_public(options: Options, log: RunLog) -> dict:
    """Read the publishers' files and write them, on one LA vintage, in canonical layouts."""
    target = options.raw_dir
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:  # prepared aside and swapped in whole: a failure leaves no half-prepared folder
        preparation = prepare_public(options.source_dir, partial, options.smi_file, options.vintage)
        unavailable = dict(preparation.unavailable)
        if any("Social Mobility Index" in name for name in unavailable):
            write_smi_placeholder(partial)
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        partial.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    say(
        f"prepare   {len(preparation.files_written)} canonical files from "
        f"{options.source_dir} on vintage {preparation.vintage} ({preparation.seconds:.1f} s)"
    )
    for name, reason in unavailable.items():
        say(f"          not available: {name}: {reason}")
    preparation.files_written = [target / p.relative_to(partial) for p in preparation.files_written]
    preparation.out_dir = target
    facts = json.loads(preparation.to_json())
    log.save("prepare_public", facts)
    return facts
