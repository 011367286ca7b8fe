"""The facts about a run that every analysis needs (and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunContext:
    run_id: str  # e.g. 20261126T153000Z-synthetic-1a2b3c
    data_source: str  # "synthetic" or "public"
    data_dir: Path  # raw files (read in place, never copied)
    out_dir: Path  # tables, figures and the report of this run
    seed: int
    scale: str  # "small" or "full"
