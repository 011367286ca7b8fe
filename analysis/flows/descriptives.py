"""Descriptive migration rates between area types, and covariate means by typology.

The rates come straight from `marts.fct_type_pair_migration_rates` (rate = moves from type k
to type m / population of type k); this module only shapes them into tidy descriptives and
reader-facing tables.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.context import RunContext
from analysis.labels import COVARIATE_LABELS, TYPOLOGY_TITLES
from analysis.outputs import AnalysisOutput, PublicationTable, empty_descriptives

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


def migration_rate_descriptives(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Tidy rows: analysis migration_rates_<typology>_<view>, rate as value, moves as n."""
    rates = con.execute(
        "select * from marts.fct_type_pair_migration_rates order by typology, period"
    ).df()
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
                    ),
                )
            )
    return tables


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


def run_flow_descriptives(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """Strand A descriptives: rates by type pair and covariate means (report table 6)."""
    order = _category_order(con)
    rates = migration_rate_descriptives(con)
    means = covariate_means(con)
    output = AnalysisOutput(name="flow_descriptives")
    output.descriptives = pd.concat([empty_descriptives(), rates, means], ignore_index=True)
    output.tables = [covariate_table(means, order), *rate_tables(rates, order)]
    return output
