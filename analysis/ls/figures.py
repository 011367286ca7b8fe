"""Coefficient plot of the within-group mover effects (tables 31 and 32) with 95% intervals.

Drawn from the disclosure-controlled estimates only, so a blanked group is simply absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.ls.effects import REPORT_TABLE
from analysis.ls.sample import OUTCOMES
from analysis.outputs import Figure

KEY = "ls_within_group_mover_effects"


def within_group_plot(estimates: pd.DataFrame, out_dir: Path) -> Figure | None:
    """Write figures/<KEY>.png (one panel per outcome); None if there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    effects = estimates[
        estimates["term"].str.startswith("mover_in_") & estimates["estimate"].notna()
    ]
    if effects.empty:
        return None
    fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(11, 5), sharey=True)
    labels = list(dict.fromkeys(effects["label"]))
    for ax, outcome in zip(axes, OUTCOMES, strict=True):
        part = effects[effects["report_table"] == REPORT_TABLE[outcome]].set_index("label")
        part = part.reindex(labels)
        y = range(len(labels))
        ax.errorbar(part["estimate"], y, xerr=1.96 * part["std_error"], fmt="o", color="#1f4e79")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_title(f"Table {REPORT_TABLE[outcome]}: {OUTCOMES[outcome]}", fontsize=10)
        ax.set_xlabel("Mover effect (probability), 95% interval")
        ax.set_yticks(list(y), labels)
    axes[0].invert_yaxis()
    fig.tight_layout()
    relative = Path("figures") / f"{KEY}.png"
    (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_dir / relative, dpi=110)
    plt.close(fig)
    return Figure(
        KEY, "ONS LS: mover effect within each group (most deprived quintile)", str(relative)
    )
