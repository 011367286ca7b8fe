"""Coefficient plot of the within-group mover effects (report table 27) with 95% intervals.

Drawn from the disclosure-controlled estimates only, so a blanked group is simply absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    effects = estimates[
        (estimates["report_table"] == WITHIN_TABLE)
        & estimates["term"].str.startswith("mover_in_")
        & estimates["estimate"].notna()
    ]
    if effects.empty:
        return None
    labels = list(dict.fromkeys(effects["label"]))
    fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(13, 5), sharey=True)
    for ax, outcome in zip(axes, OUTCOMES, strict=True):
        part = effects[effects["analysis"] == ANALYSIS[outcome]].set_index("label").reindex(labels)
        y = range(len(labels))
        ax.errorbar(part["estimate"], y, xerr=1.96 * part["std_error"], fmt="o", color="#1f4e79")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_title(SHORT_TITLES[outcome], fontsize=10)
        unit = "probability" if outcome in BINARY_OUTCOMES else "2015 pounds"
        ax.set_xlabel(f"Mover effect ({unit}), 95% CI", fontsize=9)
        ax.set_yticks(list(y), labels)
    axes[0].invert_yaxis()
    fig.tight_layout()
    relative = Path("figures") / f"{KEY}.png"
    (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_dir / relative, dpi=110)
    plt.close(fig)
    return Figure(KEY, "BHPS/UKHLS: mover effect within each group (table 27)", str(relative))
