"""Coefficient plots of the model-4 type effects, one figure per typology, and the HC0 vs
clustered standard-error comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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


def standard_error_comparison(estimates: pd.DataFrame, out_dir: Path) -> Figure | None:
    """The study's HC0 standard errors beside the two-way clustered ones, for the model-4
    specification where the clustered errors exceed HC0 the most (median ratio over its
    unflagged terms). Why: the type dummies vary by LA only, so HC0 intervals are too narrow."""
    usable = estimates[
        (estimates["model"].astype(str) == "4")
        & (estimates["term"] != "const")
        & (estimates["term"] != "alpha")
        & estimates["flag"].isna()
    ].copy()
    usable["ratio"] = usable["std_error_clustered"] / usable["std_error"]
    usable = usable[np.isfinite(usable["ratio"].astype(float))]
    if usable.empty:
        return None
    ratios = usable.groupby("analysis")["ratio"].median()
    analysis = str(ratios.idxmax())
    part = usable[usable["analysis"] == analysis].sort_values("ratio", ascending=False).head(20)
    figure, axis = pyplot().subplots(figsize=(10, 0.32 * len(part) + 1.8))
    positions = np.arange(len(part))
    for column, colour, marker, name in (
        ("std_error", "#999999", "o", "HC0 (the study's)"),
        ("std_error_clustered", "#1f5f8b", "D", "two-way clustered by sending and receiving LA"),
    ):
        axis.scatter(part[column].astype(float), positions, color=colour, marker=marker, label=name)
    axis.hlines(
        positions, part["std_error"], part["std_error_clustered"], color="#cccccc", zorder=0
    )
    axis.set_xscale("log")
    axis.set_xlabel("standard error (log scale)")
    labels = [f"{lab} (x{r:.1f})" for lab, r in zip(part["label"], part["ratio"], strict=True)]
    axis.set_yticks(positions, labels, fontsize=7)
    axis.invert_yaxis()
    axis.legend(fontsize=7, loc="lower right")
    axis.set_title(
        f"Standard errors, {analysis}, model 4\n(ratio clustered / HC0 in brackets)", fontsize=9
    )
    figure.tight_layout()
    figure.subplots_adjust(left=0.34)  # long term labels
    key = "flows_standard_errors_hc0_vs_clustered"
    return Figure(
        key=key,
        title=(
            f"Standard errors, HC0 (the study's) vs two-way clustered by sending and receiving LA "
            f"({analysis}, model 4; ratio clustered/HC0 in brackets)"
        ),
        path=save_figure(figure, out_dir, key).as_posix(),
    )
