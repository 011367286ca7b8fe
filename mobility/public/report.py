"""What a public-data preparation did: files, rows, exclusions, and tables it could not make.

Readers append Exclusion records instead of dropping rows quietly, so the run report can say
how many rows (and how many moves or people) were left out and why.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Exclusion:
    source: str  # file (relative to the raw directory) the rows came from
    reason: str  # why they are not in the canonical output
    rows: int
    amount: float = 0.0  # moves or people in those rows, where that makes sense


@dataclass
class PublicPreparation:
    """Result of `prepare_public`: written files, their rows, exclusions and gaps."""

    raw_dir: Path
    out_dir: Path
    vintage: str
    files_written: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # canonical path -> data rows
    excluded: list[Exclusion] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # table -> why not produced
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add_file(self, path: Path, rows: int) -> None:
        self.files_written.append(path)
        self.rows[path.relative_to(self.out_dir).as_posix()] = rows

    def to_json(self) -> str:
        data = asdict(self)
        data["raw_dir"] = str(self.raw_dir)
        data["out_dir"] = str(self.out_dir)
        data["files_written"] = [str(p.relative_to(self.out_dir)) for p in self.files_written]
        return json.dumps(data, indent=2, default=str)

    def summary(self) -> str:
        """A short human-readable account, for the CLI and the run report."""
        lines = [
            f"Public data prepared from {self.raw_dir} into {self.out_dir} on vintage "
            f"{self.vintage} in {self.seconds:.1f}s: {len(self.files_written)} files."
        ]
        for name, n in sorted(self.rows.items()):
            lines.append(f"  {name}: {n:,} rows")
        if self.excluded:
            lines.append("Excluded rows:")
            for e in self.excluded:
                amount = f" ({e.amount:,.1f})" if e.amount else ""
                lines.append(f"  {e.source}: {e.rows:,} rows{amount} - {e.reason}")
        if self.unavailable:
            lines.append("Not produced:")
            for table, why in sorted(self.unavailable.items()):
                lines.append(f"  {table}: {why}")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)
