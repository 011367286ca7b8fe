"""Coefficient plot of the within-group mover effects (tables 31 and 32) with 95% intervals.

Drawn by `analysis.figures.within_group_plot` from the disclosure-controlled estimates only,
so a blanked group is simply absent; this module says which panels and labels strand C uses.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import figures
from analysis.ls.effects import REPORT_TABLE
from analysis.ls.sample import OUTCOMES
from analysis.outputs import Figure

KEY = "ls_within_group_mover_effects"


def within_group_plot(estimates: pd.DataFrame, out_dir: Path) -> Figure | None:
    """Write figures/<KEY>.png (one panel per outcome); None if there is nothing to draw."""
    panels = [
        figures.EffectPanel(
            "report_table",
            REPORT_TABLE[outcome],
            f"Table {REPORT_TABLE[outcome]}: {label}",
            "Mover effect (probability), 95% interval",
        )
        for outcome, label in OUTCOMES.items()
    ]
    return figures.within_group_plot(
        estimates,
        panels,
        KEY,
        "ONS LS: mover effect within each group (most deprived quintile)",
        out_dir,
        width=11,
    )
