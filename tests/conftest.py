"""Shared fixtures: a small synthetic data set and a warehouse built from it (once per session)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("MPLBACKEND", "Agg")

from mobility.generate.synthetic import generate_synthetic  # noqa: E402
from pipeline.cli import main  # noqa: E402

SEED = 11


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small synthetic raw files; treat as read-only (copy before corrupting)."""
    data_dir = tmp_path_factory.mktemp("raw") / "small"
    generate_synthetic(data_dir, seed=SEED, scale="small")
    return data_dir


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, small_data: Path) -> dict[str, Path]:
    """A warehouse after a full `mobility run` on the small data (read-only for tests)."""
    root = tmp_path_factory.mktemp("run")
    paths = {"data": small_data, "warehouse": root / "wh.duckdb", "out": root / "reports"}
    code = main(cli_args("run", paths))
    assert code == 0
    return paths


def cli_args(command: str, paths: dict[str, Path], *extra: str) -> list[str]:
    return [
        command,
        "--scale",
        "small",
        "--seed",
        str(SEED),
        "--data-dir",
        str(paths["data"]),
        "--warehouse",
        str(paths["warehouse"]),
        "--out",
        str(paths["out"]),
        *extra,
    ]


def copy_data(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination
