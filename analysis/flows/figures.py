"""Coefficient plots of the model-4 type effects, one figure per typology."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.figures import Z_95, errorbar_panel, pyplot, save_figure
from analysis.flows.regressions import ModelFit
from analysis.flows.specifications import Sample
from analysis.labels import TYPOLOGY_TITLES
from analysis.outputs import Figure


def coefficient_plot(sample: Sample, fits: list[ModelFit], out_dir: Path) -> Figure | None:
    """Dot-and-whisker plot (95% intervals) of the type effects in every model-4 fit."""
    panels = [f for f in fits if f.model == 4]
    if not panels:
        return None
    columns = 3
    rows = int(np.ceil(len(panels) / columns))
    figure, axes = pyplot().subplots(rows, columns, figsize=(13, 3.2 * rows), squeeze=False)
    for axis, item in zip(axes.flat, panels, strict=False):
        prefix = f"{item.spec.end}_type["
        picks = [i for i, t in enumerate(item.design.terms) if t.startswith(prefix)]
        errorbar_panel(
            axis,
            item.fit.params[picks],
            Z_95 * item.fit.std_errors[picks],
            [item.design.labels[i].split(": ", 1)[1] for i in picks],
            color="#1f5f8b",
            zero_color="#999",
            capsize=2,
            label_size=7,
            invert=True,
        )
        title = (
            "Outflows: sending type"
            if item.spec.kind == "outflows"
            else f"From {item.spec.sending_category}: receiving type"
        )
        axis.set_title(title, fontsize=8)
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.suptitle(
        f"Model 4 type effects (log rate ratios vs {sample.reference}), "
        f"{TYPOLOGY_TITLES[sample.typology]}",
        fontsize=10,
    )
    figure.tight_layout()
    key = f"coefficients_{sample.typology}"
    return Figure(
        key=key,
        title=f"Coefficient plot, {TYPOLOGY_TITLES[sample.typology]}",
        path=save_figure(figure, out_dir, key).as_posix(),
    )
