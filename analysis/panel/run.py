"""Strand B entry point: do people who moved LA between their teens and adulthood do better?

Reads `marts.fct_teen_adult_links`, fits the models, and hands back tidy estimates,
descriptives and publication tables (report tables 23-28, models 1-3, and planted vs estimated
on the synthetic twin). Everything returned has passed disclosure control: the BHPS/UKHLS
Special Licence data are restricted.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.context import RunContext
from analysis.disclosure import SDC_NOTE, control
from analysis.disclosure_release import release
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
from analysis.panel.descriptives import (
    ALL,
    CHI2,
    GROUPS,
    MEANS,
    MOTIVATION_TABLES,
    PEOPLE,
    SHARES,
    motivation_by_mover,
    relations,
    sample_description,
)
from analysis.panel.effects import (
    ANALYSIS,
    DIFFERENCE_TABLE,
    MOTIVATION_TABLE,
    SE_NOTE,
    WITHIN_TABLE,
    all_effects,
)
from analysis.panel.figures import within_group_plot
from analysis.panel.planted import load_truth, planted_vs_estimated
from analysis.panel.sample import (
    CHARACTERISTICS,
    MOTIVATION_QUESTIONS,
    OUTCOMES,
    load_sample,
)
from analysis.tables import coefficient_cells, regression_table, wide_descriptives

NAME = "panel"
TABLES = (23, 24, 25, 26, 27, 28)
SAMPLE_NOTE = (
    "BHPS and Understanding Society: people seen at 15-19 living with a parent and again at "
    "25-41 (age 30, else the nearest older age up to 41, else the nearest younger down to 25) "
    "in 2000-2019. Mover: adult LA differs from teenage LA."
)


def _sample_table(descriptives: pd.DataFrame) -> PublicationTable:
    rows = [*SHARES.values(), *MEANS.values(), PEOPLE]
    formats = {PEOPLE: lambda v: f"{int(v):,}"}
    formats |= {label: (lambda v: f"{v:,.1f}") for label in MEANS.values()}
    frame = wide_descriptives(
        descriptives[descriptives["report_table"] == 23],
        rows,
        [*GROUPS.values(), ALL],
        formats=formats,
    )
    return PublicationTable(
        key="table_23_panel_sample",
        title="Table 23: the BHPS/UKHLS sample, stayers and movers (% unless stated)",
        frame=frame,
        report_table=23,
        notes=(SAMPLE_NOTE, SDC_NOTE),
    )


def _motivation_table(
    descriptives: pd.DataFrame, tests: pd.DataFrame, question: str
) -> PublicationTable:
    number = MOTIVATION_TABLES[question]
    part = descriptives[descriptives["report_table"] == number]
    rows = [r for r in part["row_label"].unique() if r != PEOPLE] + [PEOPLE]
    frame = wide_descriptives(
        part, rows, list(GROUPS.values()), formats={PEOPLE: lambda v: f"{int(v):,}"}
    )
    test = tests[tests["report_table"] == number]
    notes = [SAMPLE_NOTE]
    if not test.empty and pd.notna(test.iloc[0]["estimate"]):
        t = test.iloc[0]
        notes.append(f"{t['label']}: {t['estimate']:.2f}, p = {t['p_value']:.3f}.")
    notes.append(SDC_NOTE)
    return PublicationTable(
        key=f"table_{number}_panel_{question}",
        title=f"Table {number}: {MOTIVATION_QUESTIONS[question].lower()} at 11-15, stayers vs "
        "movers (%)",
        frame=frame,
        report_table=number,
        notes=tuple(notes),
    )


def _model_table(estimates: pd.DataFrame, outcome: str) -> PublicationTable | None:
    models = estimates[
        (estimates["analysis"] == ANALYSIS[outcome]) & estimates["model"].str.match(r"model \d$")
    ].copy()
    if models.empty or models["n_obs"].isna().any():
        return None
    models["model"] = models["model"].str.removeprefix("model ")
    blocks = {
        "Region effects": ["1", "2", "3"],
        "Year effects": ["1", "2", "3"],
        "LA economy": ["2", "3"],
        "Demographics and parent class": ["3"],
    }
    frame = regression_table(models, ["mover", "distance_miles"], blocks, digits=4)
    return PublicationTable(
        key=f"panel_models_{outcome}",
        title=f"BHPS/UKHLS: mover effect on {OUTCOMES[outcome].lower()}, models 1-3",
        frame=frame,
        notes=(SAMPLE_NOTE, SE_NOTE, SDC_NOTE),
    )


def model_sizes(estimates: pd.DataFrame, motivation: bool) -> pd.Series:
    """People in the model 3 x characteristic fits, per analysis: the sum of the group sizes."""
    suffix = " + motivation" if motivation else ""
    within = estimates[
        estimates["term"].str.startswith("mover_in_") & estimates["model"].str.endswith(suffix)
    ]
    if not motivation:
        within = within[~within["model"].str.endswith(" + motivation")]
    return within.groupby(["analysis", "model"])["n_obs"].sum().groupby("analysis").max()


def by_outcome_table(estimates: pd.DataFrame, report_table: int, motivation: bool) -> pd.DataFrame:
    """One block per characteristic; one row per group (or difference); a column per outcome."""
    suffix = " + motivation" if motivation else ""
    part = estimates[estimates["report_table"] == report_table]
    columns = list(OUTCOMES.values())
    rows: list[list[str]] = []
    for char in CHARACTERISTICS:
        block = part[part["model"] == f"model 3 x {char.name}{suffix}"]
        block = block[block["term"].str.startswith("mover_")]
        if block.empty:
            continue
        rows.append([f"By {char.name}", *[""] * len(columns)])
        for label in block["label"].unique():
            coef_row, se_row = [str(label)], [""]
            for outcome in OUTCOMES:
                hit = block[(block["label"] == label) & (block["analysis"] == ANALYSIS[outcome])]
                cells = (
                    coefficient_cells(*hit.iloc[0][["estimate", "std_error", "p_value"]], 3)
                    if not hit.empty
                    else ["", ""]
                )
                coef_row.append(cells[0])
                se_row.append(cells[1])
            rows += [coef_row, se_row]
    n_obs = model_sizes(estimates, motivation)
    rows.append(
        ["Observations"]
        + [
            f"{int(n_obs[ANALYSIS[o]]):,}" if pd.notna(n_obs.get(ANALYSIS[o])) else ""
            for o in OUTCOMES
        ]
    )
    return pd.DataFrame(rows, columns=["", *columns])


def _group_tables(estimates: pd.DataFrame) -> list[PublicationTable]:
    specs = (
        (WITHIN_TABLE, False, "mover effect within each group"),
        (DIFFERENCE_TABLE, False, "difference in the mover effect between groups"),
        (
            MOTIVATION_TABLE,
            True,
            "mover effects and differences with teenage motivation controlled",
        ),
    )
    tables = []
    for number, motivation, what in specs:
        tables.append(
            PublicationTable(
                key=f"table_{number}_panel_groups",
                title=f"Table {number}: {what} (BHPS/UKHLS)",
                frame=by_outcome_table(estimates, number, motivation),
                report_table=number,
                notes=(
                    SAMPLE_NOTE,
                    "Model 3 (without distance) with the mover x gender, ethnicity, degree and "
                    "parent class terms together"
                    + (", plus the four motivation answers" if motivation else "")
                    + "; differences against the reference group, Wald test (1 d.f.).",
                    SE_NOTE,
                    SDC_NOTE,
                ),
            )
        )
    return tables


def _planted_table(
    estimates: pd.DataFrame, frame: pd.DataFrame, context: RunContext
) -> PublicationTable | None:
    truth = load_truth(context.data_dir) if context.data_source == "synthetic" else None
    if truth is None:
        return None
    return planted_table(
        planted_vs_estimated(estimates, frame, truth, ANALYSIS),
        key="panel_planted_vs_estimated",
        title="BHPS/UKHLS synthetic twin: planted vs estimated mover effects within groups",
        note="Planted: mean over the group of F(x'b | mover) - F(x'b | stayer) with the "
        "generator's coefficients (ukhls/truth.json). Estimated: model 3 x characteristic.",
    )


def run_panel_analysis(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """Report tables 23-28 and models 1-3 from `marts.fct_teen_adult_links`."""
    output = AnalysisOutput(name=NAME)
    try:
        frame = load_sample(con)
    except duckdb.CatalogException:
        reason = "the panel marts are not in the warehouse (no BHPS/UKHLS files were built)"
        return skip_all(output, TABLES, reason)
    if not has_movers_and_stayers(frame):
        return skip_all(output, TABLES, NO_CONTRAST)

    parts, tests = [sample_description(frame)], []
    for question in MOTIVATION_TABLES:
        tidy, test = motivation_by_mover(frame, question)
        parts.append(tidy)
        tests.append(test)
    estimates, skipped = all_effects(frame)
    output.skipped += skipped
    raw = pd.concat(parts, ignore_index=True)
    # Every table, figure and results row below is made from the controlled rows only.
    controlled = control(
        raw, pd.concat([estimates, pd.DataFrame(tests)], ignore_index=True), relations(raw)
    )
    descriptives, estimates = controlled.descriptives, controlled.estimates
    output.notes.append(SE_NOTE)

    output.descriptives = check_columns(descriptives, DESCRIPTIVE_COLUMNS, "panel descriptives")
    output.estimates = check_columns(estimates, ESTIMATE_COLUMNS, "panel estimates")
    test_rows = estimates[estimates["label"].str.startswith(CHI2)]
    output.tables.append(_sample_table(descriptives))
    for outcome in OUTCOMES:
        table = _model_table(estimates, outcome)
        if table is not None:
            output.tables.append(table)
    output.tables += _group_tables(estimates)
    output.tables += [_motivation_table(descriptives, test_rows, q) for q in MOTIVATION_TABLES]
    planted = _planted_table(estimates, frame, context)
    if planted is not None:
        output.tables.append(planted)
    figure = within_group_plot(estimates, context.out_dir)
    if figure is not None:
        output.figures.append(figure)
    return release(output, "BHPS/UKHLS", controlled)
