"""Options checked before anything is built, generated or swapped (exit 2 when wrong).

A mistyped `--data-dir` must not become a place to generate data, an `--out` that cannot be
written must not be discovered after the warehouse was replaced, and a seed the generator
or the results table cannot hold must not reach them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mobility.errors import UsageError

MAX_SEED = 2**31 - 1  # results.runs.seed is a 32-bit integer
WRITES_OUT = ("generate", "build", "check", "analyse", "report", "run")
WRITES_WAREHOUSE = ("build", "analyse", "run")
READS_DATA = ("build", "check", "analyse", "run")


def check_options(
    command: str, data_dir: Path | None, warehouse: Path, out: Path, seed: int
) -> None:
    """Raise UsageError naming the option and what is wrong with it."""
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"--seed {seed}: the seed must be a whole number from 0 to {MAX_SEED}.")
    if data_dir is not None and command in READS_DATA and not data_dir.is_dir():
        what = "is not a directory" if data_dir.exists() else "does not exist"
        raise UsageError(
            f"--data-dir {data_dir} {what}. Nothing was generated or built; check the path "
            "(`mobility generate --data-dir DIR` writes the synthetic files to a new folder)."
        )
    if warehouse.is_dir():
        raise UsageError(
            f"--warehouse {warehouse} is a directory; give the DuckDB file, e.g. "
            f"{warehouse / 'mobility.duckdb'}."
        )
    if command in WRITES_WAREHOUSE:
        _check_writable_dir(warehouse.parent, f"--warehouse {warehouse}")
    if command in WRITES_OUT:
        _check_writable_dir(out, f"--out {out}")


def _check_writable_dir(directory: Path, option: str) -> None:
    """The folder exists (created if need be) and a file can be written in it."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{option}: {directory} is a file, not a folder.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(
            f"{option}: cannot write in {directory} ({reason}). Nothing was built; choose a "
            "folder you can write to."
        ) from exc
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{option}: {directory} is read-only. Nothing was built.")
