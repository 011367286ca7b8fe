"""Coefficient plots shared by the strands: dot-and-whisker panels and the within-group plot.

The flow models (strand A) and the mover effects (strands B and C) draw the same kind of
picture, estimates with 95% intervals against a zero line, so the panel, the file layout
(`figures/<key>.png` at 110 dpi, and `.svg`) and the within-group plot are written once,
here. Strands choose only what to draw and how to label it. Matplotlib is imported on first
use with the non-interactive Agg backend, so importing an analysis stays cheap and never
needs a display.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.mover_effects import TREATMENT
from analysis.outputs import Figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

Z_95 = 1.96
DPI = 110
MOVER_COLOR = "#1f4e79"


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (files only, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def errorbar_panel(
    axis: Axes,
    estimates: Sequence[float] | np.ndarray | pd.Series,
    half_widths: Sequence[float] | np.ndarray | pd.Series,
    labels: Sequence[str],
    color: str,
    zero_color: str,
    capsize: float | None = None,
    label_size: float | None = None,
    invert: bool = False,
) -> None:
    """Estimates as dots with horizontal whiskers, one labelled row each, and a zero line."""
    positions = np.arange(len(labels))
    caps = {} if capsize is None else {"capsize": capsize}
    axis.errorbar(estimates, positions, xerr=half_widths, fmt="o", color=color, **caps)
    axis.axvline(0, color=zero_color, linewidth=0.8)
    size = {} if label_size is None else {"fontsize": label_size}
    axis.set_yticks(positions, labels, **size)
    if invert:
        axis.invert_yaxis()


def save_figure(figure: MplFigure, out_dir: Path, key: str) -> Path:
    """Write figures/<key>.png and .svg under out_dir, close the figure, return the PNG's
    relative path (the report shows the PNG and links the SVG, which scales for print)."""
    relative = Path("figures") / f"{key}.png"
    (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out_dir / relative, dpi=DPI)
    # Text stays text in the SVG (searchable, small, and fast to write: no glyph paths).
    with pyplot().rc_context({"svg.fonttype": "none"}):
        figure.savefig((out_dir / relative).with_suffix(".svg"))
    pyplot().close(figure)
    return relative


@dataclass(frozen=True)
class EffectPanel:
    """One outcome's panel of a within-group plot: the estimates where `column` == `value`."""

    column: str
    value: object
    title: str
    xlabel: str
    xlabel_size: float | None = None


def within_group_plot(
    estimates: pd.DataFrame,
    panels: Sequence[EffectPanel],
    key: str,
    title: str,
    out_dir: Path,
    width: float,
) -> Figure | None:
    """Mover effect in each group with 95% intervals, one panel per outcome, groups shared.

    Drawn from disclosure-controlled estimates only, so a blanked group is simply absent.
    Writes figures/<key>.png; None if there is nothing to draw.
    """
    effects = estimates[
        estimates["term"].str.startswith(f"{TREATMENT}_in_") & estimates["estimate"].notna()
    ]
    if effects.empty:
        return None
    plt = pyplot()
    labels = list(dict.fromkeys(effects["label"]))
    fig, axes = plt.subplots(1, len(panels), figsize=(width, 5), sharey=True)
    for ax, panel in zip(axes, panels, strict=True):
        part = effects[effects[panel.column] == panel.value].set_index("label").reindex(labels)
        errorbar_panel(ax, part["estimate"], Z_95 * part["std_error"], labels, MOVER_COLOR, "grey")
        ax.set_title(panel.title, fontsize=10)
        size = {} if panel.xlabel_size is None else {"fontsize": panel.xlabel_size}
        ax.set_xlabel(panel.xlabel, **size)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return Figure(key, title, save_figure(fig, out_dir, key).as_posix())
