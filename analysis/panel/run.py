"""Strand B entry point: do people who moved LA between their teens and adulthood do better?

Reads `marts.fct_teen_adult_links`, fits the models, and hands back tidy estimates,
descriptives and publication tables (report tables 23-28, models 1-3, and planted vs estimated
on the synthetic twin). Everything returned has passed disclosure control: the BHPS/UKHLS
Special Licence data are restricted.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    INDICATORS_ANALYSIS,
    JOINT_ANALYSIS,
    MOTIVATION_SUFFIX,
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
    year_effects_note,
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


def _model_table(estimates: pd.DataFrame, outcome: str, year_note: str) -> PublicationTable | None:
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
        notes=(SAMPLE_NOTE, year_note, SE_NOTE, SDC_NOTE),
    )


def model_sizes(estimates: pd.DataFrame, names: Mapping[str, str], suffix: str) -> pd.Series:
    """People in the group models of each analysis: the sum of one model's group sizes."""
    motivated = estimates["model"].str.endswith(MOTIVATION_SUFFIX)
    within = estimates[
        estimates["analysis"].isin(names.values())
        & estimates["term"].str.startswith("mover_in_")
        & (motivated if suffix else ~motivated)
    ]
    return within.groupby(["analysis", "model"])["n_obs"].sum().groupby("analysis").max()


def by_outcome_table(
    part: pd.DataFrame, sizes: pd.Series, names: Mapping[str, str], suffix: str
) -> pd.DataFrame:
    """One block per characteristic; one row per group (or difference); a column per outcome.

    `part` holds the rows to show, `names` maps each outcome to its analysis name, and
    `sizes` (from `model_sizes`) gives the observations row.
    """
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
                hit = block[(block["label"] == label) & (block["analysis"] == names[outcome])]
                cells = (
                    coefficient_cells(*hit.iloc[0][["estimate", "std_error", "p_value"]], 3)
                    if not hit.empty
                    else ["", ""]
                )
                coef_row.append(cells[0])
                se_row.append(cells[1])
            rows += [coef_row, se_row]
    rows.append(
        ["Observations"]
        + [f"{int(sizes[names[o]]):,}" if pd.notna(sizes.get(names[o])) else "" for o in OUTCOMES]
    )
    return pd.DataFrame(rows, columns=["", *columns])


STUDY_GROUP_NOTE = (
    "Model 3 (mover, distance, LA economy, demographics and parent class, region and year "
    "effects) plus one characteristic's mover interactions, one regression per characteristic "
    "(the other characteristics stay in as controls). Within a group: the average over its "
    "members of the mover-vs-stayer contrast. Differences: the first group's mover effect minus "
    "the second's (e.g. male minus female), Wald test (1 d.f.)."
)
MOTIVATION_NOTE = (
    "Plus the most and second most important reason for wanting a job and aspect of a job "
    "(dummies; reference: the first category), on respondents to all four items (complete "
    "cases)."
)
JOINT_NOTE = (
    "Robustness analysis, not the study's specification (analyses *_joint_interactions): one "
    "model 3 holding the mover interactions with gender, ethnicity, degree and parent class at "
    "once, without distance. A group's effect then averages its own members' effects over "
    "their mix of the other characteristics (the study's one-interaction model weights that mix "
    "by the variance of moving), and switching the mover dummy holds no distance fixed."
)
INDICATORS_NOTE = (
    "Robustness analysis for table 28 (analyses *_motivation_missing_indicators): everyone "
    "stays in; one flag for no youth answers at all, one for some answers missing, and a "
    "missing item otherwise counts as the reference answer."
)


def _group_tables(estimates: pd.DataFrame, year_note: str) -> list[PublicationTable]:
    study = (
        (WITHIN_TABLE, "", "mover effect within each group", (STUDY_GROUP_NOTE,)),
        (
            DIFFERENCE_TABLE,
            "",
            "difference in the mover effect between groups",
            (STUDY_GROUP_NOTE,),
        ),
        (
            MOTIVATION_TABLE,
            MOTIVATION_SUFFIX,
            "mover effects and differences with teenage motivation controlled",
            (STUDY_GROUP_NOTE, MOTIVATION_NOTE),
        ),
    )
    tables = []
    for number, suffix, what, notes in study:
        tables.append(
            PublicationTable(
                key=f"table_{number}_panel_groups",
                title=f"Table {number}: {what} (BHPS/UKHLS)",
                frame=by_outcome_table(
                    estimates[estimates["report_table"] == number],
                    model_sizes(estimates, ANALYSIS, suffix),
                    ANALYSIS,
                    suffix,
                ),
                report_table=number,
                notes=(SAMPLE_NOTE, *notes, year_note, SE_NOTE, SDC_NOTE),
            )
        )
    robustness = (
        (
            "panel_groups_joint_interactions",
            JOINT_ANALYSIS,
            "",
            "all mover interactions in one model, no distance",
            JOINT_NOTE,
        ),
        (
            "panel_motivation_missing_indicators",
            INDICATORS_ANALYSIS,
            MOTIVATION_SUFFIX,
            "table 28 with non-respondents kept through missing-answer flags",
            INDICATORS_NOTE,
        ),
    )
    for key, names, suffix, what, note in robustness:
        part = estimates[estimates["analysis"].isin(names.values())]
        if part.empty:
            continue
        tables.append(
            PublicationTable(
                key=key,
                title=f"Robustness (BHPS/UKHLS): group mover effects and differences, {what}",
                frame=by_outcome_table(part, model_sizes(estimates, names, suffix), names, suffix),
                notes=(SAMPLE_NOTE, note, year_note, SE_NOTE, SDC_NOTE),
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
        title="BHPS/UKHLS synthetic twin: planted vs estimated mover effects within groups and "
        "differences (tables 24 and 27)",
        note="Planted: the study's estimand, i.e. the group contrast of the study's group "
        "model fitted to the expected outcomes the generator's coefficients imply for these "
        "people (ukhls/truth.json). Estimated: the same model fitted to the observed outcomes.",
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
    year_note = year_effects_note(frame)
    for outcome in OUTCOMES:
        table = _model_table(estimates, outcome, year_note)
        if table is not None:
            output.tables.append(table)
    output.tables += _group_tables(estimates, year_note)
    output.tables += [_motivation_table(descriptives, test_rows, q) for q in MOTIVATION_TABLES]
    planted = _planted_table(estimates, frame, context)
    if planted is not None:
        output.tables.append(planted)
    figure = within_group_plot(estimates, context.out_dir)
    if figure is not None:
        output.figures.append(figure)
    return release(output, "BHPS/UKHLS", controlled)
