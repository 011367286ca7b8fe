"""Then and now: Census 2011 and Census 2021 flows compared for each typology.

Beyond the study (which had no 2021 data). Both censuses on the same LA units (the current
vintage, LAD25-H), the same typologies (of 2010/2011) and the same NB2 outflow model, so the
differences are those of the flows. For each typology: type-to-type migration rates of both
years side by side, the model-4 type effects of both years (table of what changed and a
coefficient plot). 2021 is a pandemic year; every output says so.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.context import RunContext
from analysis.estimators.count_models import fit_nb2
from analysis.figures import Z_95, pyplot, save_figure
from analysis.flows.regressions import (
    CENSUS_2021_FLOWS,
    CENSUS_FLOWS,
    FLOW_TABLES,
    ModelFit,
    Specification,
    fit_nested_models,
    load_sample,
)
from analysis.flows.specifications import SAMPLES, Sample
from analysis.labels import TYPOLOGY_TITLES
from analysis.outputs import AnalysisOutput, Figure, PublicationTable

YEARS = {CENSUS_FLOWS: 2011, CENSUS_2021_FLOWS: 2021}
PANDEMIC = (
    "2021 is a pandemic year: the census counts moves in the year to 21 March 2021, which "
    "includes lockdowns, students recorded away from term-time addresses and an unusual "
    "housing market; differences from 2011 mix lasting change with the pandemic."
)
UNITS = (
    "Both censuses on the current LA units (LAD25-H, 316 units), so moves within a unit merged "
    "in 2019-2023 are not pair flows in either year; typologies of 2010/2011 in both years."
)


def type_rates(con: duckdb.DuckDBPyConnection, sample: Sample) -> pd.DataFrame:
    """Moves from type to type per 1,000 residents of the sending type, per census year.

    Residents: the sending population of the pair rows (mid-2011 for 2011; for 2021 the
    nearest year the warehouse has, see fct_covariate_coverage), counted once per LA.
    """
    table = FLOW_TABLES[CENSUS_FLOWS]
    countries = ", ".join(f"'{c}'" for c in sample.countries)
    return con.execute(
        f"""
        with flows as (
            select * from {table}
            where sending_country in ({countries}) and receiving_country in ({countries})
                and sending_{sample.column} is not null
                and receiving_{sample.column} is not null
        ),
        residents as (
            select year, sending_type, sum(sending_population) as residents
            from (
                select distinct year, sending_la_code, sending_{sample.column} as sending_type,
                    sending_population
                from flows
            )
            group by all
        ),
        moves as (
            select year, sending_{sample.column} as sending_type,
                receiving_{sample.column} as receiving_type, sum(moves) as moves
            from flows
            group by all
        )
        select moves.year, moves.sending_type, moves.receiving_type, moves.moves,
            residents.residents, 1000 * moves.moves / residents.residents as rate
        from moves join residents using (year, sending_type)
        order by moves.year, moves.sending_type, moves.receiving_type
        """
    ).df()


def rates_side_by_side(rates: pd.DataFrame, sample: Sample) -> pd.DataFrame:
    """One row per type pair: the two years' rates, the change and the ratio."""
    wide = rates.pivot_table(
        index=["sending_type", "receiving_type"], columns="year", values="rate"
    ).reindex(columns=[2011, 2021])
    order = {c: i for i, c in enumerate(sample.categories)}
    wide = wide.reset_index()
    wide = wide.sort_values(
        ["sending_type", "receiving_type"], key=lambda s: s.map(order).fillna(len(order))
    )
    return pd.DataFrame(
        {
            "From type": wide["sending_type"],
            "To type": wide["receiving_type"],
            "Rate 2011 (per 1,000)": wide[2011].round(3),
            "Rate 2021 (per 1,000)": wide[2021].round(3),
            "Change": (wide[2021] - wide[2011]).round(3),
            "Ratio 2021/2011": (wide[2021] / wide[2011]).round(3),
        }
    ).reset_index(drop=True)


def _type_effects(fit: ModelFit) -> pd.DataFrame:
    prefix = f"{fit.spec.end}_type["
    picks = [i for i, t in enumerate(fit.design.terms) if t.startswith(prefix)]
    return pd.DataFrame(
        {
            "term": [fit.design.terms[i] for i in picks],
            "label": [fit.design.labels[i].split(": ", 1)[-1] for i in picks],
            "estimate": fit.fit.params[picks],
            "std_error": fit.fit.std_errors[picks],
        }
    )


def what_changed(fits: dict[int, ModelFit]) -> pd.DataFrame:
    """Model-4 outflow type effects of both years, their difference and its z (the two
    censuses are treated as independent samples)."""
    first, second = (_type_effects(fits[y]).set_index("term") for y in (2011, 2021))
    both = first.join(second, lsuffix="_2011", rsuffix="_2021", how="outer")
    diff = both["estimate_2021"] - both["estimate_2011"]
    se = np.sqrt(both["std_error_2011"] ** 2 + both["std_error_2021"] ** 2)
    return pd.DataFrame(
        {
            "Sending type (vs reference)": both["label_2011"].fillna(both["label_2021"]),
            "2011 estimate": both["estimate_2011"].round(4),
            "2011 std. error": both["std_error_2011"].round(4),
            "2021 estimate": both["estimate_2021"].round(4),
            "2021 std. error": both["std_error_2021"].round(4),
            "Change": diff.round(4),
            "z of change": (diff / se).round(2),
        }
    ).reset_index(drop=True)


def coefficient_plot(sample: Sample, fits: dict[int, ModelFit], out_dir: Path) -> Figure:
    """The two years' model-4 outflow type effects (95% intervals), side by side."""
    figure, axis = pyplot().subplots(figsize=(8, 0.5 * len(sample.categories) + 1.8))
    for offset, year, color in ((-0.15, 2011, "#1f5f8b"), (0.15, 2021, "#c0392b")):
        effects = _type_effects(fits[year])
        positions = np.arange(len(effects)) + offset
        axis.errorbar(
            effects["estimate"],
            positions,
            xerr=Z_95 * effects["std_error"],
            fmt="o",
            color=color,
            capsize=2,
            label=f"Census {year}",
        )
        labels = effects["label"].tolist()
    axis.set_yticks(np.arange(len(labels)), labels, fontsize=8)
    axis.axvline(0, color="#999", linewidth=0.8)
    axis.invert_yaxis()
    axis.legend(fontsize=8)
    axis.set_title(
        f"Outflows by sending type, model 4, Census 2011 vs 2021\n"
        f"{TYPOLOGY_TITLES[sample.typology]}; vs {sample.reference}; 2021 a pandemic year",
        fontsize=9,
    )
    figure.tight_layout()
    key = f"then_and_now_coefficients_{sample.typology}"
    return Figure(
        key=key,
        title=f"Then and now: model-4 outflow type effects, 2011 and 2021, "
        f"{TYPOLOGY_TITLES[sample.typology]}",
        path=save_figure(figure, out_dir, key).as_posix(),
    )


def run_then_and_now(con: duckdb.DuckDBPyConnection, context: RunContext) -> AnalysisOutput:
    """For each typology: rates side by side, what changed, a coefficient plot of both years."""
    output = AnalysisOutput(name="flows_then_and_now")
    years = {
        row[0]
        for row in con.execute(
            f"select distinct year from {FLOW_TABLES[CENSUS_FLOWS]} where has_observed_moves"
        ).fetchall()
    }
    if not {2011, 2021} <= years:
        output.skipped.append(
            "Then and now (Census 2011 vs 2021): the warehouse holds census flows of "
            f"{', '.join(map(str, sorted(years))) or 'no year'}; the 2021 flows exist only on "
            "the current LA vintage (--source public --vintage current)"
        )
        return output
    for sample in SAMPLES:
        title = TYPOLOGY_TITLES[sample.typology]
        rates = type_rates(con, sample)
        if set(rates["year"]) != {2011, 2021}:
            output.skipped.append(f"Then and now ({title}): the typology is not available")
            continue
        output.tables.append(
            PublicationTable(
                key=f"then_and_now_rates_{sample.typology}",
                title=f"Then and now: type-to-type migration rates, Census 2011 and 2021 ({title})",
                frame=rates_side_by_side(rates, sample),
                notes=(
                    "Moves from LAs of one type to LAs of another in the year before census "
                    "day, per 1,000 residents of the sending type (2011: mid-2011 population; "
                    "2021: the nearest population year in the warehouse, see "
                    "fct_covariate_coverage).",
                    UNITS,
                    PANDEMIC,
                ),
            )
        )
        fits: dict[int, ModelFit] = {}
        for source, year in YEARS.items():
            frame = load_sample(con, replace(sample, years=(year, year)), flow_source=source)
            fitted = fit_nested_models(frame, Specification(sample, "outflows"), fit_nb2, (4,))
            fits[year] = fitted[0]
            output.notes += list(fitted[0].warnings)
        output.tables.append(
            PublicationTable(
                key=f"then_and_now_changes_{sample.typology}",
                title=f"Then and now: what changed in the model-4 outflow type effects, "
                f"2011 to 2021 ({title})",
                frame=what_changed(fits),
                notes=(
                    "NB2 model 4 of LA-pair moves on each census (log rate ratios vs "
                    f"{sample.reference}; robust standard errors); z of change treats the "
                    "two censuses as independent.",
                    UNITS,
                    PANDEMIC,
                ),
            )
        )
        output.figures.append(coefficient_plot(sample, fits, context.out_dir))
    output.notes.append("Then and now (Census 2011 vs 2021): " + PANDEMIC)
    return output
