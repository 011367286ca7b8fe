"""Strand C entry point: the ONS LS analysis of people from the most deprived regions.

Reads the marts, fits the probit models, and hands back tidy estimates, descriptives and the
publication tables (report tables 30-32, models 1-3, and planted-vs-estimated on the
synthetic twin). Everything returned has passed disclosure control: the LS is restricted, and
the same code runs inside the ONS secure environment.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.context import RunContext
from analysis.disclosure import SDC_NOTE, control, people_phrase
from analysis.disclosure_release import release
from analysis.ls.descriptives import (
    AGE,
    GROUP_LABELS,
    P_VALUE,
    PEOPLE,
    SHARES,
    relations,
    stayers_vs_movers,
)
from analysis.ls.effects import REPORT_TABLE, SE_NOTE, all_effects
from analysis.ls.figures import within_group_plot
from analysis.ls.planted import load_truth, planted_vs_estimated
from analysis.ls.sample import CHARACTERISTICS, MODEL_BLOCKS, OUTCOMES, load_sample
from analysis.mover_effects import (
    NO_CONTRAST,
    has_movers_and_stayers,
    planted_table,
    skip_all,
)
from analysis.outputs import (
    DESCRIPTIVE_COLUMNS,
    ESTIMATE_COLUMNS,
    AnalysisOutput,
    PublicationTable,
    check_columns,
)
from analysis.tables import group_effects_table, regression_table, wide_descriptives

NAME = "ls"
TABLES = (30, 31, 32)
SAMPLE_NOTE = (
    "People aged 10-16 at the 1971, 1981 or 1991 census whose region was in the most deprived "
    "population-weighted quintile of the share of professional and technical jobs, seen again "
    "aged 30-36 twenty years later. Mover: adult region differs from childhood region."
)


def _descriptive_table(descriptives: pd.DataFrame) -> PublicationTable:
    rows = [*SHARES.values(), AGE, PEOPLE]
    frame = wide_descriptives(
        descriptives,
        rows,
        [*GROUP_LABELS.values(), P_VALUE],
        formats={PEOPLE: lambda v: f"{int(v):,}"},
    )
    # p-values are printed with three decimals, shares and the mean age with one.
    p_values = descriptives[descriptives["column_label"] == P_VALUE].set_index("row_label")["value"]
    frame[P_VALUE] = [
        "" if row == PEOPLE or pd.isna(p_values.get(row)) else f"{p_values[row]:.3f}"
        for row in frame[""]
    ]
    return PublicationTable(
        key="table_30_ls_stayers_movers",
        title="Table 30: stayers and movers from the most deprived quintile of regions (ONS LS), %",
        frame=frame,
        report_table=30,
        notes=(SAMPLE_NOTE, SDC_NOTE),
    )


def _model_table(estimates: pd.DataFrame, outcome: str) -> PublicationTable | None:
    prefix = f"{outcome}: model "
    models = estimates[estimates["model"].isin([f"{prefix}{m}" for m in MODEL_BLOCKS])].copy()
    if models.empty or models["n_obs"].isna().any():
        return None
    models["model"] = models["model"].str.removeprefix(prefix)
    blocks = {
        "Childhood region effects": ["1", "2", "3"],
        "Census year effects": ["1", "2", "3"],
        "Regional economy": ["2", "3"],
        "Demographics and parent class": ["3"],
    }
    frame = regression_table(models, ["mover"], blocks)
    return PublicationTable(
        key=f"ls_models_{outcome}",
        title=f"ONS LS, most deprived quintile: mover effect on {OUTCOMES[outcome].lower()}, "
        "models 1-3",
        frame=frame,
        notes=(SAMPLE_NOTE, SE_NOTE, SDC_NOTE),
    )


def _group_table(estimates: pd.DataFrame, outcome: str) -> PublicationTable:
    titles = {f"{outcome}: model 3 x {c.name}": f"By {c.name}" for c in CHARACTERISTICS}
    number = REPORT_TABLE[outcome]
    return PublicationTable(
        key=f"table_{number}_ls_{outcome}_within_group",
        title=f"Table {number}: mover effect on {OUTCOMES[outcome].lower()} within each group "
        "(ONS LS, most deprived quintile)",
        frame=group_effects_table(estimates, titles),
        report_table=number,
        notes=(
            SAMPLE_NOTE,
            "Model 3 with mover x characteristic terms, one model per characteristic (the other "
            "characteristics stay in as controls); differences are the first group's mover "
            "effect minus the second's (e.g. male minus female), Wald test (1 d.f.).",
            SE_NOTE,
            SDC_NOTE,
        ),
    )


def _planted_table(
    estimates: pd.DataFrame, frame: pd.DataFrame, context: RunContext
) -> PublicationTable | None:
    truth = load_truth(context.data_dir)
    if truth is None:
        return None
    return planted_table(
        planted_vs_estimated(estimates, frame, truth),
        key="ls_planted_vs_estimated",
        title="ONS LS synthetic twin: planted vs estimated mover effects",
        note="Planted: the study's estimand, i.e. the model 3 AME or model 3 x characteristic "
        "effect fitted to the expected outcomes the generator's probit implies for these people "
        "(ons_ls/truth.json). Estimated: the same model fitted to the observed outcomes.",
    )


def run_ls_analysis(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """Report tables 30-32 and models 1-3 from `marts.fct_ls_child_adult_links`."""
    output = AnalysisOutput(name=NAME)
    try:
        sample = load_sample(con)
    except duckdb.CatalogException:
        reason = "the ONS LS marts are not in the warehouse (no LS extract was built)"
        return skip_all(output, TABLES, reason)
    frame = sample.frame
    if sample.dropped:
        output.notes.append(
            f"ONS LS: {people_phrase(sample.dropped)} from the most deprived quintile left out "
            "for a missing control (parent class, ethnicity or illness); the occupation models "
            "also leave out people with no current or last occupation."
        )
    if not has_movers_and_stayers(frame):
        return skip_all(output, TABLES, NO_CONTRAST)

    estimates, skipped = all_effects(frame)
    output.skipped += skipped
    # Every table, figure and results row below is made from the controlled rows only.
    controlled = control(stayers_vs_movers(frame), estimates, relations())
    descriptives, estimates = controlled.descriptives, controlled.estimates
    output.notes.append(SE_NOTE)

    output.descriptives = check_columns(descriptives, DESCRIPTIVE_COLUMNS, "LS descriptives")
    output.tables.append(_descriptive_table(descriptives))
    if not estimates.empty:
        output.estimates = check_columns(estimates, ESTIMATE_COLUMNS, "LS estimates")
        for outcome in OUTCOMES:
            table = _model_table(estimates, outcome)
            if table is not None:
                output.tables.append(table)
            output.tables.append(_group_table(estimates, outcome))
        figure = within_group_plot(estimates, context.out_dir)
        if figure is not None:
            output.figures.append(figure)
        if context.data_source == "synthetic":
            planted = _planted_table(estimates, frame, context)
            if planted is not None:
                output.tables.append(planted)
    return release(output, "ONS LS", controlled)
