"""`make bench`: wall time and peak memory of each stage at full scale, the strand-A model
suite, one NB2 fit (ours vs statsmodels), and NB2/PPML quiet and with a busy core. Each
measurement runs in its own process so peak memory (ru_maxrss) is that stage's own. The
machine's load average is printed with the figures: on a shared machine they are inflated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

STAGES = ("generate", "validate", "build", "check", "analyse", "report")
#: The pipeline of `make run` (validate is inside build, so it is not added twice).
PIPELINE = ("generate", "build", "check", "analyse", "report")
PEAK_LIMIT_MIB = 3 * 1024


def measure(args: list[str]) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.stage", *args], capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark step {args} failed:\n{completed.stderr[-2000:]}")
    # The figures are the last JSON object printed (a library may print after them).
    return json.loads(completed.stdout[completed.stdout.rindex('{"stage"') :].splitlines()[0])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="mobility-bench-"))
    common = [str(work / "data"), str(work / "wh.duckdb"), str(work / "out")]
    print(f"Full-scale synthetic pipeline, one process per stage (scratch: {work})")
    print(f"load average at start: {_load()} on {os.cpu_count()} cpus")
    print(f"{'stage':<28}{'wall s':>10}{'peak MiB':>12}")
    results = {}
    for stage in STAGES:
        result = results[stage] = measure([stage, *common])
        print(f"{stage:<28}{result['seconds']:>10.1f}{result['peak_mib']:>12.0f}")
    total = sum(results[s]["seconds"] for s in PIPELINE)
    peak = max(r["peak_mib"] for r in results.values())
    print(
        f"{'pipeline (make run)':<28}{total:>10.1f}{peak:>12.0f}   "
        f"(peak {'under' if peak < PEAK_LIMIT_MIB else 'OVER'} {PEAK_LIMIT_MIB} MiB)"
    )
    suite = measure(["flow_suite", *common])
    print(
        f"{'strand-A model suite':<28}{suite['seconds']:>10.1f}{suite['peak_mib']:>12.0f}"
        f"   ({suite['fits']} fits)"
    )
    print(f"load average at end: {_load()}")
    print()
    subprocess.run([sys.executable, "-m", "benchmarks.bench_count_models"], check=True)
    print()
    subprocess.run([sys.executable, "-m", "benchmarks.bench_coverage"], check=True)
    print()
    subprocess.run([sys.executable, "-m", "benchmarks.bench_load"], check=True)


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


if __name__ == "__main__":
    main()
