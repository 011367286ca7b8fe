"""Run one pipeline stage (or the strand-A model suite) and print its wall time and peak
memory (this process or any child it waited for) as JSON on the last line. Used by
benchmarks.run_all; `validate` is the contract check alone, `build` is validate + dbt build."""

from __future__ import annotations

import io
import json
import resource
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

from mobility import warehouse as wh
from pipeline import stages as pipeline


def main(stage: str, data_dir: str, warehouse: str, out: str) -> None:
    options = pipeline.Options(
        data_dir=Path(data_dir), warehouse=Path(warehouse), out=Path(out), scale="full"
    )
    log = pipeline.RunLog.open(options.out)
    fits = 0
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        if stage == "generate":
            pipeline.stage_generate(options, force=True)
        elif stage == "validate":
            from mobility.contracts import validate
            from mobility.layouts import LA_LOOKUP

            strands = pipeline.active_strands(options.raw_dir)
            validate(options.raw_dir, tuple(c for s in strands for c in s.contracts), LA_LOOKUP)
        elif stage == "build":
            pipeline.stage_build(options, log)
        elif stage == "check":
            pipeline.stage_check(options, log)
        elif stage == "analyse":
            pipeline.stage_analyse(options, log)
        elif stage == "report":
            from analysis.report import render_report

            render_report(options.out, options.warehouse)
        elif stage == "flow_suite":
            from analysis.context import RunContext
            from analysis.flows.models import run_flow_models, run_flow_robustness

            context = RunContext("bench", "synthetic", options.raw_dir, options.out, 0, "full")
            con = wh.connect(options.warehouse, read_only=True)
            try:
                for analysis in (run_flow_models, run_flow_robustness):
                    output = analysis(con, context)
                    fits += output.estimates.drop_duplicates(["analysis", "model"]).shape[0]
            finally:
                con.close()
    seconds = time.perf_counter() - start
    peak_mib = max(
        resource.getrusage(who).ru_maxrss / 1024
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    print(json.dumps({"stage": stage, "seconds": seconds, "peak_mib": peak_mib, "fits": fits}))


if __name__ == "__main__":
    main(*sys.argv[1:])
