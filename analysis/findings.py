"""The report's front page: the few headline results of each strand, in words and numbers.

Why: a reader should learn what the run found before wading through 90 tables. Every number
is read from the run's `results` rows (estimates and descriptives after disclosure control),
never recomputed, so the summary cannot disagree with the tables below it.

* Strand A: for each typology, the sending type with the highest and lowest out-migration rate
  (descriptives), and the model-4 outflow rate ratios against the reference type (NB2).
* Strands B and C: for each outcome, the mover effect without controls (first model) and with
  all controls (last model).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis.flows.specifications import SAMPLES
from analysis.labels import TYPOLOGY_TITLES
from analysis.mover_effects import TREATMENT

Z_95 = 1.96


@dataclass(frozen=True)
class Finding:
    strand: str  # "A", "B" or "C"
    text: str


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def flow_rate_findings(descriptives: pd.DataFrame) -> list[Finding]:
    """Highest and lowest out-migration rate by sending type, per typology."""
    findings = []
    for sample in SAMPLES:
        analysis = f"migration_rates_{sample.typology}_overall"
        rows = descriptives[descriptives["analysis"] == analysis]
        if rows.empty:
            continue
        out = rows.groupby("row_label")["value"].sum().mul(1_000).sort_values()
        if out.empty:
            continue
        findings.append(
            Finding(
                "A",
                f"{TYPOLOGY_TITLES[sample.typology]}: the highest out-migration rate is from "
                f"{out.index[-1]} areas ({out.iloc[-1]:.1f} moves per 1,000 residents), the "
                f"lowest from {out.index[0]} areas ({out.iloc[0]:.1f}).",
            )
        )
    return findings


def flow_model_findings(estimates: pd.DataFrame) -> list[Finding]:
    """Model-4 outflow rate ratios of each sending type against the reference type."""
    findings = []
    for sample in SAMPLES:
        rows = estimates[
            (estimates["analysis"] == f"flows_nb2_{sample.typology}_outflows")
            & (estimates["model"] == "4")
            & estimates["term"].str.startswith("sending_type[")
            & estimates["estimate"].notna()
        ]
        if rows.empty:
            continue
        parts = []
        for row in rows.itertuples():
            category = row.term.removeprefix("sending_type[").removesuffix("]")
            ratio = np.exp(row.estimate)
            if np.isfinite(row.std_error):
                low = np.exp(row.estimate - Z_95 * row.std_error)
                high = np.exp(row.estimate + Z_95 * row.std_error)
                interval = f" (95% CI {low:.2f}-{high:.2f})"
            else:
                interval = ""
            parts.append(f"{category} {ratio:.2f}{interval}{_stars(row.p_value)}")
        findings.append(
            Finding(
                "A",
                f"{TYPOLOGY_TITLES[sample.typology]}, NB2 model 4 (distance, demographic and "
                f"economic controls): out-migration rate ratio against {sample.reference} "
                f"areas: " + "; ".join(parts) + ".",
            )
        )
    return findings


def mover_findings(estimates: pd.DataFrame) -> list[Finding]:
    """Mover effect per outcome: first model (no controls) and last model (all controls)."""
    rows = estimates[(estimates["term"] == TREATMENT) & estimates["estimate"].notna()].copy()
    if rows.empty:
        return []
    rows["outcome"] = [
        f"{a}: {m.split(':')[0]}" if ":" in m else a
        for a, m in zip(rows["analysis"], rows["model"], strict=True)
    ]
    rows["model_name"] = [m.split(":")[-1].strip() for m in rows["model"]]
    findings = []
    for outcome, part in rows.groupby("outcome", sort=True):
        part = part.sort_values("model_name")
        strand = "C" if str(outcome).startswith("ls") else "B"
        described = [
            f"{r.model_name}: {r.estimate:+.3g}{_stars(r.p_value)} (SE {r.std_error:.3g}, "
            f"n={int(r.n_obs):,})"
            for r in (part.iloc[0], part.iloc[-1])[: 1 if len(part) == 1 else 2]
        ]
        findings.append(
            Finding(
                strand,
                f"{outcome.replace('_', ' ')}: movers against stayers, "
                + "; with all controls, ".join(described)
                + ".",
            )
        )
    return findings


def findings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Finding]:
    """All headline findings of one run, strand by strand."""
    estimates = con.execute(
        "select analysis, model, term, estimate, std_error, p_value, n_obs "
        "from results.estimates where run_id = ?",
        [run_id],
    ).df()
    descriptives = con.execute(
        "select analysis, row_label, column_label, value from results.descriptives "
        "where run_id = ?",
        [run_id],
    ).df()
    estimates["model"] = estimates["model"].astype(str)
    return [
        *flow_rate_findings(descriptives),
        *flow_model_findings(estimates),
        *mover_findings(estimates),
    ]
