"""Completeness of the raw files, checked after the per-file contracts and before dbt.

A per-file contract cannot see what is absent or what is repeated between files. Here:
every year the registry expects (`FileContract.year_range`) has its files, and every
file the source's manifest lists is present with the number of data rows it declares (the
synthetic generator's `manifest.json`; a public preparation's `preparation.json` lists the
files it wrote and declares the years it could not find, so its years are not required).
A key repeated in two files of one year (ONS splits a year into `_Dataset_1` and
`_Dataset_2`) is found by `contracts.validate`, which reads each year's files together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from mobility.contracts import FileContract
from mobility.errors import BadInputError

MANIFEST = "manifest.json"  # {"files": [...], "rows": {relative path: data rows}}
PREPARATION = "preparation.json"  # {"files_written": [...], "rows": {...}}
DELIMITED = (".csv", ".tsv", ".tab")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def count_data_rows(path: Path) -> int:
    """Data rows of a delimited text file: its lines less the header (a last line without a
    final newline counts). The generator records it; the check recounts it the same way."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(lines + (last != b"\n") - 1, 0)


def manifest_rows(data_dir: Path, files: Sequence[Path]) -> dict[str, int]:
    """The `rows` entry of a manifest for the delimited files among `files`."""
    return {
        p.relative_to(data_dir).as_posix(): count_data_rows(p)
        for p in sorted(files)
        if p.suffix in DELIMITED
    }


def _year_of(name: str) -> str:
    match = _YEAR.search(name)
    return f" (year {match.group(1)})" if match else ""


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BadInputError(
            f"{path}: the manifest cannot be read ({exc}); regenerate the files "
            "(`mobility generate --force`) or remove the manifest."
        ) from exc
    if not isinstance(manifest, dict):
        raise BadInputError(f"{path}: the manifest is not a JSON object.")
    return manifest


def check_manifest(data_dir: Path) -> None:
    """Every file the manifest lists is there, with the data rows it declares."""
    for name, listed in ((MANIFEST, "files"), (PREPARATION, "files_written")):
        path = data_dir / name
        if not path.is_file():
            continue
        manifest = _read_manifest(path)
        rows = manifest.get("rows") if name == MANIFEST else {}
        for relative in [*manifest.get(listed, []), *(rows or {})]:
            if not (data_dir / relative).is_file():
                raise BadInputError(
                    f"Missing file: {data_dir / relative}{_year_of(relative)} is listed in "
                    f"{path} but is not there. Restore it or regenerate the files."
                )
        for relative, declared in (rows or {}).items():
            actual = count_data_rows(data_dir / relative)
            if actual != declared:
                raise BadInputError(
                    f"{data_dir / relative}{_year_of(relative)}: {actual:,} data rows, but "
                    f"{path} declares {declared:,}; the file was cut short or changed after "
                    "it was written."
                )


def _files_by_year(data_dir: Path, contract: FileContract) -> dict[int, list[Path]]:
    by_year: dict[int, list[Path]] = {}
    for path in sorted(data_dir.glob(contract.pattern)):
        match = re.search(contract.year_pattern or "", path.name)
        if match:
            by_year.setdefault(int(match.group(1)), []).append(path)
    return by_year


def check_completeness(data_dir: Path, contracts: Sequence[FileContract]) -> None:
    """Raise BadInputError (exit 2) naming the file and year of the first problem found: a
    year of the registry missing, then a file of the manifest missing or of another length.
    (A key repeated across the files of one year is caught by `contracts.validate`, which
    reads each year's files together.)"""
    dated = [c for c in contracts if c.year_pattern is not None]
    files = {c.name: _files_by_year(data_dir, c) for c in dated}
    if not (data_dir / PREPARATION).is_file():  # a public preparation declares its years
        for contract in dated:
            _check_years(data_dir, contract, files[contract.name])
    check_manifest(data_dir)


def _check_years(data_dir: Path, contract: FileContract, by_year: dict[int, list[Path]]) -> None:
    if contract.year_range is None:
        return
    low, high = contract.year_range
    missing = [y for y in range(low, high + 1) if y not in by_year]
    if missing:
        also = f" (also missing: {', '.join(map(str, missing[1:]))})" if missing[1:] else ""
        raise BadInputError(
            f"Missing year {missing[0]}: no {contract.name} file for {missing[0]} at "
            f"{data_dir / contract.pattern}{also}; every year {low}-{high} is needed."
        )
