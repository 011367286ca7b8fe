"""`make bench`: wall time and peak memory of each stage at full scale, the strand-A model
suite, and one NB2 fit (ours vs statsmodels). Each measurement runs in its own process so
peak memory (ru_maxrss) is that stage's own."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

STAGES = ("generate", "build", "check", "analyse")


def measure(args: list[str]) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.stage", *args], capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark step {args} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="mobility-bench-"))
    common = [str(work / "data"), str(work / "wh.duckdb"), str(work / "out")]
    print(f"Full-scale synthetic pipeline, one process per stage (scratch: {work})")
    print(f"{'stage':<28}{'wall s':>10}{'peak MiB':>12}")
    for stage in STAGES:
        result = measure([stage, *common])
        print(f"{stage:<28}{result['seconds']:>10.1f}{result['peak_mib']:>12.0f}")
    suite = measure(["flow_suite", *common])
    print(
        f"{'strand-A model suite':<28}{suite['seconds']:>10.1f}{suite['peak_mib']:>12.0f}"
        f"   ({suite['fits']} fits)"
    )
    print()
    subprocess.run([sys.executable, "-m", "benchmarks.bench_count_models"], check=True)
    print()
    subprocess.run([sys.executable, "-m", "benchmarks.bench_coverage"], check=True)


if __name__ == "__main__":
    main()
