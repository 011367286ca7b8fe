"""`mobility`: one command for every stage (SPEC, Contracts).

Exit status: 0 success; 1 a data-quality gate failed; 2 bad input or usage; 3 any other
failure. Every failure prints one paragraph, never a bare traceback (use --debug for one).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from mobility.errors import (  # noqa: E402
    MobilityError,
    UsageError,
    disk_full_error,
    first_line,
    is_disk_full,
)

COMMANDS = ("generate", "fetch", "build", "check", "analyse", "report", "run")


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--source", choices=("synthetic", "public"), default="synthetic")
    common.add_argument("--data-dir", type=Path, help="raw files (default data/<source>/<scale>)")
    common.add_argument(
        "--warehouse", type=Path, help="DuckDB file (default warehouse/mobility.duckdb)"
    )
    common.add_argument("--out", type=Path, help="tables and report (default reports/)")
    common.add_argument("--seed", type=int, default=20200701)
    common.add_argument("--scale", choices=("small", "full"), default=None)
    common.add_argument(
        "--smi-file",
        type=Path,
        help="Social Mobility Index 2017 CSV for --source public "
        "(columns la_code, la_name, overall_score[, overall_rank])",
    )
    common.add_argument(
        "--vintage",
        choices=("study", "current"),
        default="study",
        help="LA units for --source public: study = 2011-2018 LAs (346, default), "
        "current = LAD25 (316; needed for Census 2021 flows); see docs/public_data.md",
    )
    common.add_argument(
        "--panel-dir",
        type=Path,
        help="restricted mode: the BHPS/UKHLS release as downloaded (UKDS SN 6931 + SN 6666), "
        "read in place; see docs/restricted.md",
    )
    common.add_argument(
        "--ls-dir",
        type=Path,
        help="restricted mode: the ONS LS extract, read in place; see docs/restricted.md",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    top = argparse.ArgumentParser(
        prog="mobility",
        description="Build the mobility warehouse, check it, analyse it and report.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    help_text = {
        "generate": "write the synthetic raw files",
        "fetch": "get the public files from the publishers or a mirror",
        "build": "validate raw files and run dbt build",
        "check": "run the Great Expectations gate",
        "analyse": "fit the models and write results",
        "report": "write the HTML report",
        "run": "all of the above in order",
    }
    for name in COMMANDS:
        cmd = sub.add_parser(name, parents=[common], help=help_text[name])
        if name == "generate":
            cmd.add_argument("--force", action="store_true", help="rewrite existing files")
        if name == "fetch":
            cmd.add_argument("--dest", type=Path, help="where to put the files")
            cmd.add_argument("--mirror", type=Path, help="copy from this directory instead")
    return top


def default_scale() -> str:
    return os.environ.get("MOBILITY_SCALE", "full")


def options_from(args: argparse.Namespace):  # -> pipeline.Options
    from mobility.warehouse import DEFAULT_WAREHOUSE, REPO_ROOT
    from pipeline import stages as pipeline

    return pipeline.Options(
        source=args.source,
        data_dir=args.data_dir,
        warehouse=args.warehouse or DEFAULT_WAREHOUSE,
        out=args.out or REPO_ROOT / "reports",
        seed=args.seed,
        scale=args.scale or default_scale(),
        smi_file=args.smi_file,
        vintage=args.vintage,
        debug=args.debug,
        panel_dir=args.panel_dir,
        ls_dir=args.ls_dir,
    )


def dispatch(args: argparse.Namespace) -> None:
    from analysis.report import render_report
    from mobility.preflight import check_options
    from pipeline import stages as pipeline

    options = options_from(args)
    check_options(args.command, args.data_dir, options.warehouse, options.out, options.seed)
    log = pipeline.RunLog.open(options.out)
    if args.command == "generate":
        pipeline.stage_generate(options, force=args.force)
    elif args.command == "fetch":
        from mobility.fetch import fetch

        destination = args.dest or options.source_dir
        files = fetch(destination, mirror=args.mirror)
        pipeline.say(f"fetch     {len(files)} files in {destination}")
    elif args.command == "build":
        pipeline.ensure_data(options, log)
        pipeline.stage_build(options, log)
    elif args.command == "check":
        pipeline.stage_check(options, log)
    elif args.command == "analyse":
        pipeline.stage_analyse(options, log)
    elif args.command == "report":
        if "analyse" not in log.record:
            raise UsageError(
                f"Nothing to report: {log.path} records no analysis. Run `mobility analyse` "
                "(or `mobility run`) first."
            )
        pipeline.say(f"report    {render_report(options.out, options.warehouse)}")
    elif args.command == "run":
        start = time.perf_counter()
        log.record.clear()
        pipeline.ensure_data(options, log)
        pipeline.stage_build(options, log)
        facts = pipeline.stage_analyse(options, log)  # the gate runs inside, under the lock
        path = render_report(options.out, options.warehouse)
        pipeline.say(
            f"done      run {facts['run_id']} in {time.perf_counter() - start:.0f} s; "
            f"warehouse {options.warehouse}; report {path}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed its usage message already
        return 0 if exc.code == 0 else 2
    try:
        dispatch(args)
    except MobilityError as exc:
        print(f"mobility {args.command}: {exc}", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return exc.exit_code
    except KeyboardInterrupt:
        print("mobility: interrupted; the previous warehouse is unchanged.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the contract is one paragraph, not a traceback
        if is_disk_full(exc):  # a full disk outside the warehouse (tables, report, run.json)
            where = Path(getattr(exc, "filename", None) or args.out or Path.cwd())
            print(f"mobility {args.command}: {disk_full_error(where, '')}", file=sys.stderr)
            return 3
        print(
            f"mobility {args.command}: unexpected failure: {type(exc).__name__}: "
            f"{first_line(exc)}. "
            "Nothing was written to the results; rerun with --debug for the traceback and "
            "report it.",
            file=sys.stderr,
        )
        if args.debug:
            traceback.print_exc()
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
