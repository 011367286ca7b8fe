"""Run one pipeline stage (or the strand-A model suite) and print its wall time and peak
memory as JSON on the last line. Used by benchmarks.run_all."""

from __future__ import annotations

import io
import json
import resource
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

from mobility import pipeline
from mobility import warehouse as wh


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
        elif stage == "build":
            pipeline.stage_build(options, log)
        elif stage == "check":
            pipeline.stage_check(options, log)
        elif stage == "analyse":
            pipeline.stage_analyse(options, log, gate_just_passed=True)
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
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"stage": stage, "seconds": seconds, "peak_mib": peak_mib, "fits": fits}))


if __name__ == "__main__":
    main(*sys.argv[1:])
