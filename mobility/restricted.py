"""Restricted mode: strands B and C on licensed files read in place (`--panel-dir`, `--ls-dir`).

The researcher's directories are never written to. dbt reads one data directory, so the run
assembles a working folder beside the warehouse file (`<warehouse>.work/`): symbolic links to
the public strand-A files, to the LS extract and to each panel file found (or a tab copy of
a Stata file), and the stacked panel files staged for dbt. Copies and staged files hold
row-level restricted data, so `clean_work_dir` deletes them once dbt has loaded them into the
warehouse; only the links remain.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from mobility.completeness import MANIFEST
from mobility.errors import UsageError
from mobility.panel_mapping import PANEL_DIR
from mobility.panel_release_files import absence_notes, link_panel_files

LS_DIR = "ons_ls"
RESTRICTED_DIRS = (PANEL_DIR, LS_DIR)  # never taken from the public data directory
RESTRICTED_SOURCE = "restricted"


def work_dir_for(warehouse: Path) -> Path:
    """The warehouse's own working folder (beside the warehouse file, never in a data dir)."""
    return warehouse.with_name(warehouse.name + ".work")


def _require_dir(path: Path, option: str) -> Path:
    if not path.is_dir():
        raise UsageError(f"{option} {path}: no such directory.")
    return path.resolve()


def _ls_folder(ls_dir: Path) -> Path:
    """The folder with the LS census files: the directory given, or its `ons_ls/`."""
    nested = ls_dir / LS_DIR
    return nested if nested.is_dir() else ls_dir


def check_restricted_dirs(
    work_dir: Path, panel_dir: Path | None, ls_dir: Path | None
) -> tuple[Path | None, Path | None]:
    """Both directories exist and neither holds the working folder (it is emptied)."""
    panel = _require_dir(panel_dir, "--panel-dir") if panel_dir else None
    ls = _require_dir(ls_dir, "--ls-dir") if ls_dir else None
    for given, option in ((panel, "--panel-dir"), (ls, "--ls-dir")):
        if given is not None and work_dir.resolve().is_relative_to(given):
            raise UsageError(
                f"{option} {given} contains the warehouse's working folder {work_dir}; put the "
                "warehouse (--warehouse) outside the restricted directory."
            )
    return panel, ls


def assemble_work_dir(
    public_dir: Path, work_dir: Path, panel_dir: Path | None, ls_dir: Path | None
) -> list[str]:
    """Build the folder dbt reads (public files linked, restricted files from their own
    dirs); return notes for the report on variables the release lacks."""
    panel, ls = check_restricted_dirs(work_dir, panel_dir, ls_dir)
    if work_dir.is_symlink() or work_dir.is_file():
        work_dir.unlink()
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    if public_dir.is_dir():
        for entry in sorted(public_dir.iterdir()):
            if entry.name == MANIFEST:
                _public_manifest(entry, work_dir / MANIFEST)
            elif entry.name not in RESTRICTED_DIRS:
                (work_dir / entry.name).symlink_to(entry.resolve())
    if ls is not None:
        (work_dir / LS_DIR).symlink_to(_ls_folder(ls), target_is_directory=True)
    if panel is None:
        return []
    return absence_notes(link_panel_files(panel, work_dir / PANEL_DIR))


def _public_manifest(source: Path, target: Path) -> None:
    """The data dir's manifest without the files of the restricted strands, which here come
    from the release (a synthetic manifest would call its own panel and LS files missing)."""
    try:
        manifest = json.loads(source.read_text())
    except (OSError, ValueError):
        target.symlink_to(source.resolve())  # unreadable: the completeness check says so
        return

    def public(relative: str) -> bool:
        return Path(relative).parts[0] not in RESTRICTED_DIRS

    manifest["files"] = [f for f in manifest.get("files", []) if public(f)]
    if isinstance(manifest.get("rows"), dict):
        manifest["rows"] = {f: n for f, n in manifest["rows"].items() if public(f)}
    target.write_text(json.dumps(manifest, indent=1))


def clean_work_dir(work_dir: Path) -> None:
    """Delete every regular file and folder of row-level data; keep the links."""
    for root, dirs, files in os.walk(work_dir, topdown=False):  # links are not followed
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                path.unlink()
        for name in dirs:
            path = Path(root) / name
            if not path.is_symlink() and not any(path.iterdir()) and name != PANEL_DIR:
                path.rmdir()
