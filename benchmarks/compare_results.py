"""Compare the results of two warehouses: every estimate and descriptive of the newest run,
row for row, to a relative tolerance (default 1e-9).

A refactor that should not change outputs is checked by running the pipeline before and after
into two warehouses and comparing them:

    python -m benchmarks.compare_results before.duckdb after.duckdb [--tolerance 1e-9]

Rows are matched on their labels (data source, analysis, table, model, term or row/column);
run ids and timestamps are ignored. Prints what differs and exits 1 when anything does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

KEYS: dict[str, tuple[str, ...]] = {
    "latest_estimates": ("data_source", "analysis", "report_table", "model", "term"),
    "latest_descriptives": ("data_source", "analysis", "report_table", "row_label", "column_label"),
}
TEXT: dict[str, tuple[str, ...]] = {
    "latest_estimates": ("label", "flag"),
    "latest_descriptives": (),
}
NUMBERS: dict[str, tuple[str, ...]] = {
    "latest_estimates": (
        "estimate",
        "std_error",
        "p_value",
        "n_obs",
        "std_error_clustered",
        "p_value_clustered",
        "converged",
    ),
    "latest_descriptives": ("value", "n"),
}


def read(path: Path, view: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.execute(f"select * from results.{view}").df()
    keys = list(KEYS[view])
    frame[keys] = frame[keys].astype("string").fillna("<null>")
    return frame.set_index(keys).sort_index()


def differences(
    before: pd.DataFrame, after: pd.DataFrame, view: str, tolerance: float
) -> list[str]:
    problems: list[str] = []
    only_before = before.index.difference(after.index)
    only_after = after.index.difference(before.index)
    for label, index in (("only before", only_before), ("only after", only_after)):
        if len(index):
            shown = "; ".join("/".join(map(str, key)) for key in index[:5])
            problems.append(f"{view}: {len(index)} rows {label} (e.g. {shown})")
    if before.index.has_duplicates or after.index.has_duplicates:
        problems.append(f"{view}: duplicate keys, rows cannot be matched one to one")
        return problems
    common = before.index.intersection(after.index)
    left, right = before.loc[common], after.loc[common]
    for column in TEXT[view]:
        a, b = left[column].astype("string").fillna(""), right[column].astype("string").fillna("")
        changed = a != b
        if changed.any():
            key = "/".join(map(str, a[changed].index[0]))
            problems.append(
                f"{view}.{column}: {int(changed.sum())} rows differ "
                f"(e.g. {key}: {a[changed].iloc[0]!r} -> {b[changed].iloc[0]!r})"
            )
    for column in NUMBERS[view]:
        a = pd.to_numeric(left[column], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(right[column], errors="coerce").to_numpy(dtype=float)
        both_nan = np.isnan(a) & np.isnan(b)
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
        with np.errstate(invalid="ignore"):
            changed = ~both_nan & ~(np.abs(a - b) <= tolerance * scale)
        if changed.any():
            worst = int(np.nanargmax(np.where(changed, np.abs(a - b) / scale, -1.0)))
            key = "/".join(map(str, common[worst]))
            problems.append(
                f"{view}.{column}: {int(changed.sum())} of {len(a)} rows differ beyond "
                f"{tolerance:g} (largest at {key}: {a[worst]!r} -> {b[worst]!r})"
            )
    return problems


def compare(before: Path, after: Path, tolerance: float) -> list[str]:
    problems: list[str] = []
    for view in KEYS:
        left, right = read(before, view), read(after, view)
        print(f"{view}: {len(left)} rows before, {len(right)} after")
        problems += differences(left, right, view, tolerance)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not path.is_file():
            print(f"compare_results: {path} is not a warehouse file", file=sys.stderr)
            return 2
    problems = compare(args.before, args.after, args.tolerance)
    for problem in problems:
        print(problem)
    print("equal" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
