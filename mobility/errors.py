"""Errors the `mobility` command turns into one-paragraph messages and exit codes.

0 success; 1 a data-quality gate failed; 2 bad input or usage; 3 anything else (SPEC,
Contracts).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path


class MobilityError(Exception):
    """A failure with a message meant for the person running the pipeline."""

    exit_code = 3


class BadInputError(MobilityError):
    """Raw input that does not meet its contract (missing file or column, bad value...)."""

    exit_code = 2


class UsageError(MobilityError):
    exit_code = 2


class QualityGateError(MobilityError):
    """dbt tests or the Great Expectations gate found data that must not reach analysis."""

    exit_code = 1


class BuildError(MobilityError):
    """dbt could not build a model (not a data-quality failure: exit 3)."""

    exit_code = 3


class WarehouseInUseError(MobilityError):
    """Another process holds the warehouse."""

    exit_code = 3


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an error message: DuckDB appends dialect dumps and hints below it
    that bury the cause (the full text goes to --debug)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


class DiskFullError(MobilityError):
    """The disk filled up; nothing half-written was kept."""

    exit_code = 3


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC from Python, or DuckDB's IO error wrapping it."""
    return getattr(exc, "errno", None) == errno.ENOSPC or "No space left on device" in str(exc)


def disk_full_error(path: Path, kept: str) -> DiskFullError:
    """Name the disk (its mount point and free space) and the file that could not be written."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    mount = existing.resolve()
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    try:
        free = f"{shutil.disk_usage(existing).free / 1e6:,.0f} MB free"
    except OSError:
        free = "free space unknown"
    return DiskFullError(
        f"Disk full: the disk mounted at {mount} ({free}) could not take {path}. "
        f"{kept + ' ' if kept else ''}Free some space (or point --warehouse/--out at "
        "another disk) and run again."
    )
