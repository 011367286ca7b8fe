"""Descriptive migration rates between area types, covariate means by typology, and Census
2011 flows into and out of deprived areas by NS-SEC and by ethnicity.

The rates come straight from `marts.fct_type_pair_migration_rates` (rate = moves from type k
to type m / population of type k, ONS detailed estimates) and the census shares from
`marts.fct_census_type_pair_flows_by_group`; this module only shapes them into tidy
descriptives and reader-facing tables.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.context import RunContext
from analysis.labels import COVARIATE_LABELS, TYPOLOGY_TITLES
from analysis.outputs import AnalysisOutput, PublicationTable, empty_descriptives
from study.registry import CENSUS_BREAKDOWNS, IMD_QUINTILES

ALL_AREAS = "All areas"  # the margin label of fct_census_type_pair_flows_by_group
BREAKDOWN_TITLES = {"nssec": "NS-SEC", "ethnicity": "Ethnicity"}

RATE_VIEWS: dict[str, tuple[str, str]] = {
    # view: (column the breakdown varies over, the SQL filter that selects it)
    "overall": (
        "receiving_type",
        "period = 'all years' and sex = 'persons' and age_band = 'all ages'",
    ),
    "by_year": ("period", "period <> 'all years' and sex = 'persons' and age_band = 'all ages'"),
    "by_sex": ("sex", "period = 'all years' and age_band = 'all ages'"),
    "by_age_band": ("age_band", "period = 'all years' and sex = 'persons'"),
}


def _category_order(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    rows = con.execute(
        "select typology, category, category_order from reference.typology_categories"
    ).fetchall()
    return {(t, c): o for t, c, o in rows}


# Typologies whose study sample is a few flow years: their pooled rows pool only those years
# (the hot/cold spots were measured on 2017-2018 moves, as the study's tables 2-5).
STUDY_YEARS: dict[str, tuple[int, ...]] = {"smi_2017": (2017, 2018)}


def study_years_only(rates: pd.DataFrame) -> pd.DataFrame:
    """Rates with each `STUDY_YEARS` typology restricted to its years and re-pooled over them.

    The mart pools all flow years ('all years'); for such a typology the per-year rows of
    other years are dropped and the pooled rows recomputed as moves / population summed over
    its own years (no pooled row when none of them is in the data).
    """
    keep = ~rates["typology"].isin(STUDY_YEARS)
    parts = [rates[keep]]
    for typology, years in STUDY_YEARS.items():
        per_year = rates[
            (rates["typology"] == typology) & rates["period"].isin([str(y) for y in years])
        ]
        if per_year.empty:
            continue
        keys = ["typology", "sending_type", "receiving_type", "sex", "age_band"]
        pooled = per_year.groupby(keys, as_index=False)[["moves", "sending_population"]].sum()
        pooled["period"] = "all years"
        population = pooled["sending_population"]
        pooled["rate"] = (pooled["moves"] / population).where(population > 0)
        parts += [per_year, pooled[rates.columns]]
    return pd.concat(parts, ignore_index=True)


def migration_rate_descriptives(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Tidy rows: analysis migration_rates_<typology>_<view>, rate as value, moves as n."""
    rates = con.execute(
        "select typology, period, sending_type, receiving_type, sex, age_band, moves, "
        "sending_population, rate from marts.fct_type_pair_migration_rates "
        "order by typology, period, sending_type, receiving_type, sex, age_band"  # one order
    ).df()
    rates = study_years_only(rates)
    frames = []
    for view, (column, condition) in RATE_VIEWS.items():
        subset = rates.query(_pandas_condition(condition))
        row_label = (
            subset["sending_type"]
            if view == "overall"
            else subset["sending_type"] + " to " + subset["receiving_type"]
        )
        frames.append(
            pd.DataFrame(
                {
                    "analysis": "migration_rates_" + subset["typology"] + "_" + view,
                    "report_table": pd.NA,
                    "row_label": row_label,
                    "column_label": subset[column].astype(str),
                    "value": subset["rate"],
                    "n": subset["moves"].round().astype("int64"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _pandas_condition(sql_condition: str) -> str:
    return sql_condition.replace(" = ", " == ").replace(" and ", " and ").replace("<>", "!=")


def rate_tables(
    descriptives: pd.DataFrame, order: dict[tuple[str, str], int]
) -> list[PublicationTable]:
    """Reader-facing rate tables, percent with two decimals, types in the study's order."""
    tables = []
    for typology, title in TYPOLOGY_TITLES.items():
        for view in RATE_VIEWS:
            subset = descriptives[descriptives["analysis"] == f"migration_rates_{typology}_{view}"]
            if subset.empty:
                continue
            wide = subset.pivot(index="row_label", columns="column_label", values="value") * 100
            wide = wide.round(2)
            if view == "overall":
                rank = {c: order.get((typology, c), 99) for c in wide.index.union(wide.columns)}
                wide = wide.loc[
                    sorted(wide.index, key=rank.get), sorted(wide.columns, key=rank.get)
                ]
                wide.index.name = "Sending type"
            else:
                wide.index.name = "Sending type to receiving type"
            tables.append(
                PublicationTable(
                    key=f"rates_{typology}_{view}",
                    title=f"Migration rates (%), {title}, {view.replace('_', ' ')}",
                    frame=wide.reset_index(),
                    notes=(
                        "Rate = moves from LAs of the sending type to LAs of the receiving type "
                        "/ mid-year population of the sending type, in percent.",
                        *_years_note(typology),
                    ),
                )
            )
    return tables


def _years_note(typology: str) -> tuple[str, ...]:
    years = STUDY_YEARS.get(typology)
    if years is None:
        return ()
    span = f"{years[0]}-{years[-1]}"
    return (
        f"Moves of {span} only (the study's hot/cold-spot sample); pooled rates are over {span}.",
    )


def covariate_means(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Mean of each covariate over LA-years of the flow years, by category of each typology."""
    columns = list(COVARIATE_LABELS)
    frames = []
    for typology, column in (
        ("ons_supergroup", "supergroup"),
        ("smi_2017", "smi_category"),
        ("imd_2010", "imd_quintile"),
    ):
        selects = ", ".join(f"avg(covariates.{c}) as {c}" for c in columns)
        frame = con.execute(
            f"""
            select las.{column} as category, count(*) as la_years, {selects}
            from marts.fct_la_year_covariates as covariates
            inner join marts.dim_local_authorities as las on covariates.la_code = las.la_code
            where las.{column} is not null
              and covariates.year in (select distinct year from marts.fct_la_pair_flows)
            group by las.{column}
            order by las.{column}
            """
        ).df()
        long = frame.melt(
            id_vars=["category", "la_years"], var_name="covariate", value_name="value"
        )
        frames.append(
            pd.DataFrame(
                {
                    "analysis": f"covariate_means_{typology}",
                    "report_table": 6 if typology == "ons_supergroup" else pd.NA,
                    "row_label": long["covariate"].map(COVARIATE_LABELS),
                    "column_label": long["category"],
                    "value": long["value"],
                    "n": long["la_years"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def covariate_table(means: pd.DataFrame, order: dict[tuple[str, str], int]) -> PublicationTable:
    subset = means[means["analysis"] == "covariate_means_ons_supergroup"]
    wide = subset.pivot(index="row_label", columns="column_label", values="value")
    wide = wide.reindex(list(COVARIATE_LABELS.values()))
    wide = wide[sorted(wide.columns, key=lambda c: order.get(("ons_supergroup", c), 99))]
    wide.index.name = "Covariate"
    return PublicationTable(
        key="table_06_covariate_means",
        title="Table 6: mean of each covariate by ONS supergroup (LA-years of the flow years)",
        frame=wide.round(3).reset_index(),
        report_table=6,
        notes=(
            "Shares are fractions; unemployment rate in percent; GVA per head and house prices in "
            "pounds.",
        ),
    )


def _direction(sending_type: str, receiving_type: str) -> str:
    """`Out of High deprivation`, `Into 2nd quintile` or `All moves`, for a margin row."""
    if sending_type == ALL_AREAS and receiving_type == ALL_AREAS:
        return "All moves"
    if receiving_type == ALL_AREAS:
        return f"Out of {sending_type}"
    return f"Into {receiving_type}"


def census_group_descriptives(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Tidy rows: Census 2011 moves into and out of each IMD 2010 quintile by NS-SEC and by
    ethnicity (analysis census2011_flows_by_<breakdown>_imd_2010; value = share of the
    direction's moves in the category, n = moves). Empty without the census breakdowns."""
    groups = con.execute(
        """
        select sending_type, receiving_type, breakdown, category, moves, share
        from marts.fct_census_type_pair_flows_by_group
        where typology = 'imd_2010'
            and (sending_type = 'All areas' or receiving_type = 'All areas')
        order by sending_type, receiving_type, breakdown, category
        """
    ).df()
    groups["direction"] = [
        _direction(s, r)
        for s, r in zip(groups["sending_type"], groups["receiving_type"], strict=True)
    ]
    return pd.DataFrame(
        {
            "analysis": "census2011_flows_by_" + groups["breakdown"] + "_imd_2010",
            "report_table": pd.NA,
            "row_label": groups["direction"],
            "column_label": groups["category"],
            "value": groups["share"],
            "n": groups["moves"].round().astype("int64"),
        }
    )


def census_group_table(descriptives: pd.DataFrame) -> PublicationTable:
    """Percent of each direction's census moves in each NS-SEC class and ethnic group."""
    rows = [f"{way} {q}" for q in IMD_QUINTILES for way in ("Out of", "Into")] + ["All moves"]
    columns = []
    for breakdown, categories in CENSUS_BREAKDOWNS.items():
        subset = descriptives[
            descriptives["analysis"] == f"census2011_flows_by_{breakdown}_imd_2010"
        ]
        wide = subset.pivot(index="row_label", columns="column_label", values="value")
        wide = wide.reindex(index=rows, columns=list(categories)).fillna(0.0) * 100
        wide.columns = [f"{BREAKDOWN_TITLES[breakdown]}: {c}" for c in wide.columns]
        columns.append(wide)
    moves = (
        descriptives[descriptives["analysis"] == "census2011_flows_by_ethnicity_imd_2010"]
        .groupby("row_label")["n"]
        .sum()
        .reindex(rows)
        .fillna(0)
        .astype("int64")
        .rename("Moves")
    )
    frame = pd.concat([*[c.round(1) for c in columns], moves], axis=1)
    frame.index.name = "Direction (IMD 2010 quintile)"
    return PublicationTable(
        key="census2011_flows_by_group_imd_2010",
        title="Census 2011 flows into and out of deprived areas (IMD 2010 quintiles) by NS-SEC "
        "and by ethnicity (% of the direction's moves)",
        frame=frame.reset_index(),
        notes=(
            "Flow source: Census 2011 origin-destination flows by NS-SEC and by ethnicity "
            "(moves in the year before census day, 27 March 2011), English LAs at both ends. "
            "'Out of' = moves from LAs of the quintile to any English LA; 'Into' = moves into "
            "LAs of the quintile from any English LA. Each breakdown adds up to 100%.",
        ),
    )


def run_flow_descriptives(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """Strand A descriptives: rates by type pair, covariate means (report table 6), and the
    Census 2011 flows into and out of deprived areas by NS-SEC and by ethnicity."""
    order = _category_order(con)
    rates = migration_rate_descriptives(con)
    means = covariate_means(con)
    census = census_group_descriptives(con)
    output = AnalysisOutput(name="flow_descriptives")
    output.descriptives = pd.concat([empty_descriptives(), rates, means, census], ignore_index=True)
    output.tables = [covariate_table(means, order), *rate_tables(rates, order)]
    if census.empty:
        output.skipped.append(
            "Census 2011 flows into and out of deprived areas by NS-SEC and by ethnicity: the "
            "census OD breakdowns are not among the input files "
            "(census2011/census2011_la_od_by_group.csv has no rows)"
        )
    else:
        output.tables.append(census_group_table(census))
    return output
