"""Coefficient plots of the model-4 type effects, one figure per typology."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from analysis.flows.regressions import ModelFit  # noqa: E402
from analysis.flows.specifications import Sample  # noqa: E402
from analysis.labels import TYPOLOGY_TITLES  # noqa: E402
from analysis.outputs import Figure  # noqa: E402


def coefficient_plot(sample: Sample, fits: list[ModelFit], out_dir: Path) -> Figure | None:
    """Dot-and-whisker plot (95% intervals) of the type effects in every model-4 fit."""
    panels = [f for f in fits if f.model == 4]
    if not panels:
        return None
    columns = 3
    rows = int(np.ceil(len(panels) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(13, 3.2 * rows), squeeze=False)
    for axis, item in zip(axes.flat, panels, strict=False):
        prefix = f"{item.spec.end}_type["
        picks = [i for i, t in enumerate(item.design.terms) if t.startswith(prefix)]
        estimates = item.fit.params[picks]
        errors = 1.96 * item.fit.std_errors[picks]
        labels = [item.design.labels[i].split(": ", 1)[1] for i in picks]
        positions = np.arange(len(picks))
        axis.errorbar(estimates, positions, xerr=errors, fmt="o", color="#1f5f8b", capsize=2)
        axis.axvline(0, color="#999", linewidth=0.8)
        axis.set_yticks(positions, labels, fontsize=7)
        axis.invert_yaxis()
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
    relative = Path("figures") / f"coefficients_{sample.typology}.png"
    (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out_dir / relative, dpi=110)
    plt.close(figure)
    return Figure(
        key=f"coefficients_{sample.typology}",
        title=f"Coefficient plot, {TYPOLOGY_TITLES[sample.typology]}",
        path=relative.as_posix(),
    )
