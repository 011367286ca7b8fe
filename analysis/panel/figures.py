"""Coefficient plot of the within-group mover effects (report table 27) with 95% intervals.

Drawn by `analysis.figures.within_group_plot` from the disclosure-controlled estimates only,
so a blanked group is simply absent; this module says which panels and labels strand B uses.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import figures
from analysis.outputs import Figure
from analysis.panel.effects import ANALYSIS, WITHIN_TABLE
from analysis.panel.sample import BINARY_OUTCOMES, OUTCOMES

KEY = "panel_within_group_mover_effects"
SHORT_TITLES = {
    "employed": "Employed",
    "higher_professional": "Higher managerial/professional",
    "real_income": "Real monthly labour income",
}


def within_group_plot(estimates: pd.DataFrame, out_dir: Path) -> Figure | None:
    """Write figures/<KEY>.png (one panel per outcome); None if there is nothing to draw."""
    panels = [
        figures.EffectPanel(
            "analysis",
            ANALYSIS[outcome],
            SHORT_TITLES[outcome],
            "Mover effect ({}), 95% CI".format(
                "probability" if outcome in BINARY_OUTCOMES else "2015 pounds"
            ),
            xlabel_size=9,
        )
        for outcome in OUTCOMES
    ]
    return figures.within_group_plot(
        estimates[estimates["report_table"] == WITHIN_TABLE],
        panels,
        KEY,
        "BHPS/UKHLS: mover effect within each group (table 27)",
        out_dir,
        width=13,
    )
