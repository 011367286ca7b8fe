"""`prepare_public`: publishers' files -> the canonical raw layouts, on one LA vintage.

After this runs, `out_dir` looks like the synthetic default (same file names and columns),
so contract validation, dbt build, the gate and the analyses run unchanged. What could not
be produced is listed in the returned PublicPreparation (and in preparation.json), never
papered over. Derived tables go to `out_dir` only; nothing is written into the repository.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError
from mobility.layouts import CENSUS_OD as CENSUS_OD_CONTRACT
from mobility.layouts import (
    CENSUS_OD_BY_GROUP,
    CENSUS_OD_BY_GROUP_COLUMNS,
    FIRST_FLOW_YEAR,
    LAST_FLOW_YEAR,
    LAST_INDICATOR_YEAR,
)
from mobility.public import covariates as cov
from mobility.public import extras
from mobility.public.catalogue import CATALOGUE
from mobility.public.census2021 import read_census2021_od
from mobility.public.coverage import fill_from_neighbours, fill_nearest_year, summarise
from mobility.public.fertility import calibrate, match_tfr
from mobility.public.flows import (
    harmonise_flows,
    read_census_od,
    read_detailed_estimates,
    write_flow_year,
)
from mobility.public.geography import build_centroids, build_neighbours
from mobility.public.ons_today import DETAILED_SHEET, read_detailed_sheet
from mobility.public.population import (
    harmonise_population,
    read_mye2,
    read_mye5_totals,
    read_named_population,
    read_nomis,
    scale_to_total,
    write_population,
)
from mobility.public.report import Exclusion, PublicPreparation
from mobility.public.typologies import (
    build_area_classification,
    build_imd2010,
    build_imd_alternative,
    build_smi,
)
from mobility.public.vintage import Vintage, load_vintage
from mobility.public.workbooks import sheet_names

POPULATION_YEARS = range(FIRST_FLOW_YEAR - 1, LAST_FLOW_YEAR + 1)  # contract: 2010-2018
INDICATOR_YEARS = list(range(FIRST_FLOW_YEAR - 1, LAST_INDICATOR_YEAR + 1))  # 2010-2019
GEO = "geography/drkane_la_all_codes.csv"
CHANGES = "geography/la_changes_2014_2025.csv"
DBF = "geography/lad19_buc/Local_Authority_Districts__December_2019__Boundaries_UK_BUC.dbf"
NEIGHBOURS = "geography/lad21_neighbours.json"
DISTRICTS_2016 = "geography/ltla16_bsc.geojson"
LSOA_LOOKUP = "geography/LSOA01_LSOA11_LAD11_lookup_EW.csv"
IMD_LSOA = "imd/humaniverse_rda/imd2010_england_lsoa01.csv"
CLASSIFICATION = "area_classification/area_classification_354.csv"
NOMIS_2011 = "population/mye_mid2011_uk_lad_sya_sex_nomis_NM_2002_1.tsv"
MYE5_SOURCE = "population/ukmidyearestimates20192019ladcodes.xls"
NAMED_2014 = "population/demdata_england_wales_popn_mid2014_lad14.csv"
FLOW_SLICE = "flows/ons_detailed_estimates_age18_subset_rintro.csv"
CENSUS_OD = "census2011_od/simim_census2011_MM01CUK_ALL_cmlad_od_gb.csv.gz"
CENSUS_OD_FILE = CENSUS_OD_CONTRACT.pattern
CENSUS_2021_OD = "census2021_od/ODMG01EW_LTLA.csv.gz"
CENSUS_2021_FILE = "census2021/census2021_la_od.csv"
CENSUS_OD_COLUMNS = [c.name for c in CENSUS_OD_CONTRACT.columns]
CENSUS_OD_BY_GROUP_FILE = CENSUS_OD_BY_GROUP.pattern
HPSSA = "covariates/house_prices/hpssadataset9medianpricepaidforadministrativegeographies.xls"
MODEL_UNEMP = "covariates/labour_market/matteolarrode_unemployment_ltla_modelbased_2015_2020.csv"
LI01 = "covariates/labour_market/LI01_local_labour_market_indicators_*.xls"
COB = "covariates/country_of_birth/populationbycountryofbirthandnationality*.xls"
GVA = "covariates/gva/simim_ons_gva_1997_2015_lad.csv"
BIRTHS = "covariates/births/centreforcities_data_birthsummary2014-22.xlsx"
ETHNICITY = "ethnicity/census2011_qs201ew_ethnic_group_la.csv"
QUALIFICATIONS = "qualifications/census2011_ks501ew_level4plus_la_nomis.xlsx"
ASHE = "earnings/ashe_workplace_table7_1a_weekly_pay_gross_*.xls"
TFR_2014 = "fertility/birthsummarytables2014_table3_births_gfr_tfr_by_area.csv"
# IMD 2019 as an alternative deprivation typology. (The IoD 2015 LAD19 file among the
# public files has ranks only, no average scores, so merged units cannot be re-scored.)
IOD_ALTERNATIVES = {2019: "imd/trafford_IoD2019_lad19.csv"}
OFFICIAL_FLOWS = re.compile(r"Detailed_Estimates_(\d{4})_Dataset_(\d+)\.csv$")


def write_smi_placeholder(out_dir: Path) -> Path:
    """A header-only SMI 2017 file, for runs without `--smi-file`.

    The dbt source reads the file unconditionally; with this placeholder the staging model
    has zero rows, the SMI typology is null for every LA, and the hot/cold-spot analyses
    have no sample (they must be reported as skipped: `PublicPreparation.unavailable`
    says why). Call it only after prepare_public reported the SMI as unavailable.
    """
    path = Path(out_dir) / "typologies" / "social_mobility_index_2017.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("la_code,la_name,overall_score,overall_rank\n")
    return path


def _write_csv(prep: PublicPreparation, frame: pd.DataFrame, relative: str) -> Path:
    path = prep.out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    prep.add_file(path, len(frame))
    return path


def prepare_public(
    raw_dir: Path, out_dir: Path, smi_file: Path | None = None, vintage: str = "study"
) -> PublicPreparation:
    """Convert the public files under raw_dir into canonical layouts under out_dir, on the
    `study` units (2011-2018 LAs, the default) or the `current` ones (LAD25-H)."""
    start = time.perf_counter()
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise BadInputError(f"Raw data directory {raw_dir} does not exist.")
    if out_dir.resolve() == raw_dir.resolve():
        raise BadInputError("The output directory must differ from the raw data directory.")
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (raw_dir / GEO).exists():
        raise BadInputError(
            f"Missing file: {raw_dir / GEO} (every LA code since 2011 -> current LAD) is needed "
            "to place every source on one LA vintage. Run `mobility fetch --dest DIR`."
        )
    changes = raw_dir / CHANGES
    units = load_vintage(vintage, raw_dir / GEO, changes)
    prep = PublicPreparation(raw_dir, out_dir, units.name)
    return _prepare(prep, units, smi_file, start)


def _prepare(
    prep: PublicPreparation, vintage: Vintage, smi_file: Path | None, start: float
) -> PublicPreparation:
    out_dir = prep.out_dir
    _write_csv(prep, vintage.lookup, "geography/ltla_lookup.csv")
    _write_csv(prep, vintage.crosswalk, "geography/la_crosswalk.csv")

    populations, weights = _population(prep, vintage)
    _flows(prep, vintage)
    neighbours = _geography(prep, vintage, weights)
    _typologies(prep, vintage, weights, smi_file)
    _covariates(prep, vintage, weights, populations, neighbours)
    _extras(prep, vintage)
    prep.seconds = time.perf_counter() - start
    report = out_dir / "preparation.json"
    report.write_text(prep.to_json())
    return prep


def _population(
    prep: PublicPreparation, vintage: Vintage
) -> tuple[dict[int, pd.DataFrame], pd.Series]:
    """Harmonised population by year (all years read, incl. filled) and mid-2011 weights."""
    raw = prep.raw_dir
    by_year: dict[int, pd.DataFrame] = {}
    sources: dict[int, str] = {}
    weights = pd.Series(dtype="float64")
    if (raw / NOMIS_2011).exists():
        nomis = read_nomis(raw / NOMIS_2011)
        weights = nomis.groupby("GEOGRAPHY_CODE")["OBS_VALUE"].sum()
        by_year[2011], excl = harmonise_population(nomis, vintage, NOMIS_2011)
        prep.excluded += excl
        sources[2011] = NOMIS_2011
    for item in CATALOGUE:
        if item.role.endswith("(MYE2)") or "(MYE2) and MYE5" in item.role:
            path = raw / item.local
            if not path.exists() or item.year is None or item.year in by_year:
                continue
            by_year[item.year], excl = harmonise_population(read_mye2(path), vintage, item.local)
            prep.excluded += excl
            sources[item.year] = item.local
    if (raw / NAMED_2014).exists() and 2014 not in by_year:
        by_year[2014], excl = harmonise_population(
            read_named_population(raw / NAMED_2014, vintage), vintage, NAMED_2014
        )
        prep.excluded += excl
        sources[2014] = NAMED_2014
    if not by_year:
        prep.unavailable["population"] = "no mid-year population file among the raw files"
        return by_year, weights
    if weights.empty:
        first = by_year[min(by_year)]
        weights = first.groupby("GEOGRAPHY_CODE")["OBS_VALUE"].sum()
        prep.notes.append("merge weights: population of the earliest year read (no mid-2011 file)")
    totals = _mye5_totals(prep, vintage)
    borrowed = _fill_missing_units(by_year, vintage)
    coverage_rows = []
    for year in sorted(set(POPULATION_YEARS) | set(by_year)):
        if year in by_year:
            method = "published by single year of age and sex"
            if borrowed.get(year):
                method += (
                    f"; {len(borrowed[year])} unit(s) published only on later merged LAs "
                    f"({', '.join(borrowed[year][:3])}...) take the nearest year with own rows"
                )
            coverage_rows.append((year, sources[year], year, bool(borrowed.get(year)), method))
            continue
        if totals is None or year not in set(totals["year"]):
            prep.unavailable[f"population mid-{year}"] = (
                "no single-year-of-age estimate and no MYE5 total for this year"
            )
            continue
        nearest = min((y for y in by_year if y in sources), key=lambda y: (abs(y - year), y))
        year_totals = totals[totals["year"] == year].set_index("la_code")["total"]
        # units whose MYE5 total is only on a later merged LA keep the nearest year's total
        own = by_year[nearest].groupby("GEOGRAPHY_CODE")["OBS_VALUE"].sum()
        year_totals = year_totals.reindex(own.index).fillna(own)
        by_year[year] = scale_to_total(by_year[nearest], year_totals)
        method = f"age-sex structure of mid-{nearest} scaled to the MYE5 LA total of mid-{year}"
        coverage_rows.append((year, MYE5_SOURCE, nearest, True, method))
    for year in POPULATION_YEARS:
        if year in by_year:
            path = write_population(prep.out_dir, year, by_year[year])
            prep.add_file(path, len(by_year[year]))
    coverage = pd.DataFrame(
        coverage_rows, columns=["year", "source_file", "source_year", "filled_by_rule", "method"]
    )
    _write_csv(prep, coverage, "population/population_coverage.csv")
    return by_year, weights


def _fill_missing_units(by_year: dict[int, pd.DataFrame], vintage: Vintage) -> dict[int, list[str]]:
    """Units a year's source lacks (on the study vintage: districts that source publishes
    only as a later merged LA) take their rows from the nearest year that has them."""
    borrowed: dict[int, list[str]] = {}
    present = {y: set(f["GEOGRAPHY_CODE"]) for y, f in by_year.items()}
    for year, frame in list(by_year.items()):
        missing = sorted(vintage.codes - present[year])
        if not missing:
            continue
        parts = [frame]
        for unit in missing:
            donors = [y for y in present if unit in present[y]]
            if not donors:
                continue
            nearest = min(donors, key=lambda y: (abs(y - year), y))
            parts.append(by_year[nearest][by_year[nearest]["GEOGRAPHY_CODE"] == unit])
            borrowed.setdefault(year, []).append(unit)
        by_year[year] = pd.concat(parts, ignore_index=True)
    return borrowed


def _mye5_totals(prep: PublicPreparation, vintage: Vintage) -> pd.DataFrame | None:
    path = prep.raw_dir / MYE5_SOURCE
    if not path.exists():
        return None
    totals = read_mye5_totals(path)
    totals["la_code"] = vintage.map_codes(totals["code"])
    totals = totals.dropna(subset=["la_code", "total"])
    return totals.groupby(["la_code", "year"], as_index=False)["total"].sum()


def _mye5_totals_by_source_code(prep: PublicPreparation) -> pd.Series:
    """Mid-2019 population by LAD19 code (MYE5), the weights for LAD19-based tables."""
    path = prep.raw_dir / MYE5_SOURCE
    if not path.exists():
        return pd.Series(dtype="float64")
    totals = read_mye5_totals(path)
    return totals[totals["year"] == 2019].set_index("code")["total"]


def _flows(prep: PublicPreparation, vintage: Vintage) -> None:
    raw = prep.raw_dir
    official: dict[int, list[Path]] = {}
    for path in sorted((raw / "flows").glob("Detailed_Estimates_*_Dataset_*.csv")):
        match = OFFICIAL_FLOWS.search(path.name)
        if match:
            official.setdefault(int(match.group(1)), []).append(path)
    workbooks = _detailed_workbook_years(raw, set(official))
    if (raw / FLOW_SLICE).exists() and 2017 not in official and 2017 not in workbooks:
        official[2017] = [raw / FLOW_SLICE]
        prep.notes.append(
            "flows 2017: only the real age-18 slice of the ONS detailed estimates is available "
            f"({FLOW_SLICE}); rates for other ages cannot be computed from it."
        )
    reconciliation = []
    for year, paths in sorted({**official, **workbooks}.items()):
        if not FIRST_FLOW_YEAR <= year <= LAST_FLOW_YEAR:
            prep.notes.append(f"flows {year}: outside {FIRST_FLOW_YEAR}-{LAST_FLOW_YEAR}, skipped")
            continue
        frames, moves_in = [], 0.0
        for path in paths:
            if isinstance(path, tuple):  # (workbook, sheet) of today's detailed estimates
                source = f"{path[0].relative_to(raw).as_posix()}, sheet {path[1]}"
                frame = read_detailed_sheet(*path)
            else:
                source = path.relative_to(raw).as_posix()
                frame = read_detailed_estimates(path)
            moves_in += float(frame["Moves"].sum())
            flows, excl = harmonise_flows(frame, vintage, source)
            prep.excluded += excl
            frames.append(flows)
            for e in excl:
                reconciliation.append((year, source, e.reason, e.rows, e.amount))
        combined = (
            pd.concat(frames)
            .groupby(["OutLA", "InLA", "Age", "Sex"], as_index=False, sort=True)["Moves"]
            .sum()
        )
        for path, rows in write_flow_year(prep.out_dir, year, combined):
            prep.add_file(path, rows)
        reconciliation.append((year, "all", "moves read", 0, moves_in))
        reconciliation.append(
            (year, "all", "moves written", len(combined), combined["Moves"].sum())
        )
    official = {**official, **workbooks}
    if not official:
        prep.unavailable["flows (ONS detailed estimates)"] = (
            "no flows/Detailed_Estimates_<year>_Dataset_<n>.csv files among the raw files"
        )
    else:
        missing = sorted(set(range(FIRST_FLOW_YEAR, LAST_FLOW_YEAR + 1)) - set(official))
        if missing:
            prep.unavailable["flows years " + ", ".join(map(str, missing))] = (
                "the ONS detailed estimates for these years are not among the raw files; "
                "download them (see docs/public_data.md) into flows/"
            )
    if (raw / CENSUS_OD).exists():
        census, excl = read_census_od(raw / CENSUS_OD, vintage)
        prep.excluded += excl
        _write_csv(prep, census, CENSUS_OD_FILE)
        reconciliation += _census_reconciliation(2011, CENSUS_OD, census, excl)
    else:
        prep.unavailable["Census 2011 LA OD flows"] = (
            f"{CENSUS_OD} not among the raw files (header-only file written; the Census 2011 "
            "flow models are skipped)"
        )
        _write_csv(prep, pd.DataFrame(columns=CENSUS_OD_COLUMNS), CENSUS_OD_FILE)
    # The dbt sources read both census files unconditionally: a header-only by-group file
    # gives an empty staging model and mart, and the descriptive reports itself as skipped.
    prep.unavailable["Census 2011 OD flows by NS-SEC and by ethnicity"] = (
        "only the all-persons matrix (MM01CUK_ALL) is among the public files (header-only "
        "census2011/census2011_la_od_by_group.csv written; the NS-SEC/ethnicity tables are not "
        "produced)"
    )
    _write_csv(prep, pd.DataFrame(columns=CENSUS_OD_BY_GROUP_COLUMNS), CENSUS_OD_BY_GROUP_FILE)
    reconciliation += _census_2021(prep, vintage)
    if reconciliation:
        frame = pd.DataFrame(reconciliation, columns=["year", "source", "what", "rows", "moves"])
        frame.insert(0, "vintage", vintage.name)
        _write_csv(prep, frame, "flows/flow_reconciliation.csv")


def _detailed_workbook_years(raw: Path, have: set[int]) -> dict[int, list[tuple[Path, str]]]:
    """Years of today's detailed-estimates workbooks (flows/detailedestimates*.xlsx) that no
    2017-era CSV covers; for each year the sheet on the earliest boundaries (fewest mergers)."""
    chosen: dict[int, tuple[int, Path, str]] = {}
    for path in sorted((raw / "flows").glob("detailedestimates*.xlsx")):
        for name in sheet_names(path):
            match = DETAILED_SHEET.match(name.strip())
            if not match:
                continue
            year, boundaries = int(match.group(1)), int(match.group(2))
            if year not in have and (year not in chosen or boundaries < chosen[year][0]):
                chosen[year] = (boundaries, path, name)
    return {year: [(path, sheet)] for year, (_, path, sheet) in chosen.items()}


def _census_reconciliation(
    year: int, source: str, written: pd.DataFrame, excluded: list[Exclusion]
) -> list[tuple]:
    """Moves read = moves written + each excluded kind, for one census file."""
    rows = [(year, source, e.reason, e.rows, e.amount) for e in excluded]
    total = float(written["Moves"].sum()) + sum(e.amount for e in excluded)
    rows.append((year, source, "moves read", 0, total))
    rows.append((year, source, "moves written", len(written), float(written["Moves"].sum())))
    return rows


def _census_2021(prep: PublicPreparation, vintage: Vintage) -> list[tuple]:
    """Census 2021 flows on the current vintage; on the study vintage they cannot be placed
    (2021 LAs include the 2019-2021 mergers), so a header-only file is written and said so."""
    path = prep.raw_dir / CENSUS_2021_OD
    (prep.out_dir / CENSUS_2021_FILE).unlink(missing_ok=True)  # never a stale other vintage
    if not path.exists():
        prep.unavailable["Census 2021 LA OD flows"] = f"{CENSUS_2021_OD} not among the raw files"
        return []
    if vintage.later_codes:
        prep.unavailable["Census 2021 LA OD flows"] = (
            f"on 2021 LAs, which include the 2019-2021 mergers and are never split back onto "
            f"the study's units ({vintage.name}); run with --vintage current for the 2021 "
            "flow models and the then-and-now comparison"
        )
        return []
    census, excl = read_census2021_od(path, vintage)
    prep.excluded += excl
    _write_csv(prep, census, CENSUS_2021_FILE)
    read_total = float(census["Moves"].sum()) + sum(e.amount for e in excl)
    prep.notes.append(
        f"Census 2021 flows: {read_total:,.0f} people counted in the file, "
        f"{census['Moves'].sum():,.0f} moves written as pair flows between E&W units; the rest "
        "reported as excluded (flows/flow_reconciliation.csv)"
    )
    return _census_reconciliation(2021, CENSUS_2021_OD, census, excl)


def _complete_totals(totals: pd.DataFrame, populations: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """MYE5 LA totals, plus the harmonised population's totals for the unit-years MYE5 lacks
    (on the study vintage: districts MYE5 publishes only as later merged LAs)."""
    own = [
        frame.groupby("GEOGRAPHY_CODE", as_index=False)["OBS_VALUE"]
        .sum()
        .rename(columns={"GEOGRAPHY_CODE": "la_code", "OBS_VALUE": "total"})
        .assign(year=year)
        for year, frame in populations.items()
    ]
    if not own:
        return totals
    combined = pd.concat([totals[["la_code", "year", "total"]], *own], ignore_index=True)
    return combined.drop_duplicates(["la_code", "year"], keep="first")


def _extras(prep: PublicPreparation, vintage: Vintage) -> None:
    """Documented extra covariates (not in the study's models): covariates/la_extras.csv."""
    raw = prep.raw_dir
    tables = []
    if (raw / ETHNICITY).exists():
        tables.append(extras.non_white_pct(raw / ETHNICITY, vintage))
    if (raw / QUALIFICATIONS).exists():
        table, note = extras.degree_pct(raw / QUALIFICATIONS, vintage)
        tables.append(table)
        prep.notes.append(note)
    for path in sorted(raw.glob(ASHE)):
        tables.append(extras.median_weekly_pay(path, vintage))
    if not tables:
        prep.unavailable["extra covariates"] = "no ethnicity, qualification or ASHE file"
        return
    frame = pd.concat(tables, ignore_index=True)
    frame["value"] = frame["value"].round(4)
    _write_csv(prep, frame, "covariates/la_extras.csv")
    counts = frame.groupby(["indicator", "year"]).size()
    prep.notes.append(
        "extra covariates (covariates/la_extras.csv; not in the study's models), units with a "
        f"value of {len(vintage.codes)}: "
        + "; ".join(f"{i} {y}: {n}" for (i, y), n in counts.items())
    )


def _calibrated_fertility(
    prep: PublicPreparation, vintage: Vintage, proxy: pd.DataFrame
) -> pd.DataFrame:
    """The real 2014 TFR where it exists; every other LA-year the proxy calibrated to it."""
    match = match_tfr(prep.raw_dir / TFR_2014, vintage)
    calibration = calibrate(proxy[proxy["year"] == 2014], match.values)
    out = proxy.copy()
    out["value"] = calibration.apply(out["value"]).round(4)
    real = match.values.set_index("la_code")["tfr"]
    in_2014 = (out["year"] == 2014) & out["la_code"].isin(real.index)
    out.loc[in_2014, "value"] = out.loc[in_2014, "la_code"].map(real)
    table = proxy[proxy["year"] == 2014].merge(match.values, on="la_code", how="outer")
    table = table.rename(columns={"value": "proxy_30x_gfr_2014", "tfr": "tfr_2014"})
    table["calibrated_proxy_2014"] = calibration.apply(table["proxy_30x_gfr_2014"]).round(4)
    _write_csv(
        prep,
        table[["la_code", "proxy_30x_gfr_2014", "tfr_2014", "calibrated_proxy_2014"]],
        "covariates/tfr_calibration.csv",
    )
    unmatched = ", ".join(match.unmatched_units) or "none"
    prep.notes.append(
        f"TFR 2014 ({TFR_2014}): names matched to codes for {match.units_matched} of "
        f"{match.units_total} units ({match.match_rate:.1%}; unmatched: {unmatched}); "
        f"{len(match.rows_not_las)} rows are not LAs (countries, regions, counties, Welsh "
        f"health boards: {', '.join(match.rows_not_las[:6])}, ...). City of London births are "
        "counted with Hackney in this table."
    )
    prep.notes.append(
        f"TFR calibration: the births-based proxy (30 x GFR) tracks the real 2014 TFR with "
        f"correlation {calibration.correlation:.3f} over {calibration.n} units; mean TFR/proxy "
        f"{calibration.mean_ratio:.3f}; fitted TFR = {calibration.intercept:.3f} + "
        f"{calibration.slope:.3f} x proxy, applied to every other year."
    )
    return out


def _geography(
    prep: PublicPreparation, vintage: Vintage, weights: pd.Series
) -> dict[str, list[list[str]]]:
    raw = prep.raw_dir
    if (raw / DBF).exists():
        _write_csv(
            prep,
            build_centroids(raw / DBF, vintage, weights, raw / DISTRICTS_2016),
            "geography/lad_centroids.csv",
        )
    else:
        prep.unavailable["LA centroids"] = f"{DBF} not among the raw files"
    if (raw / NEIGHBOURS).exists():
        neighbours = build_neighbours(raw / NEIGHBOURS, vintage, raw / DISTRICTS_2016)
        path = prep.out_dir / "geography" / "lad_neighbours.json"
        path.write_text(json.dumps(neighbours, indent=1))
        prep.add_file(path, len(neighbours))
        return neighbours
    prep.unavailable["LA shared borders"] = f"{NEIGHBOURS} not among the raw files"
    return {}


def _typologies(
    prep: PublicPreparation, vintage: Vintage, weights: pd.Series, smi_file: Path | None
) -> None:
    raw = prep.raw_dir
    if (raw / IMD_LSOA).exists() and (raw / LSOA_LOOKUP).exists():
        imd, excl = build_imd2010(raw / IMD_LSOA, raw / LSOA_LOOKUP, vintage)
        prep.excluded += excl
        _write_csv(prep, imd, "typologies/imd2010_la_summary.csv")
        prep.notes.append(
            "IMD 2010 LA score = simple mean of LSOA01 scores (no LSOA populations available); "
            "rank 1 = most deprived"
        )
    else:
        prep.unavailable["IMD 2010 LA summary"] = f"needs {IMD_LSOA} and {LSOA_LOOKUP}"
    alternatives = [(y, rel) for y, rel in IOD_ALTERNATIVES.items() if (raw / rel).exists()]
    if alternatives:
        totals = _mye5_totals_by_source_code(prep)
        for year, rel in alternatives:
            table, excl = build_imd_alternative(raw / rel, vintage, totals)
            prep.excluded += excl
            _write_csv(prep, table, f"typologies/imd{year}_la_summary.csv")
    prep.unavailable["IMD 2015 LA summary (alternative)"] = (
        "the IoD 2015 LA file among the public files has ranks only (no average scores), so "
        "merged units cannot be re-scored"
    )
    if (raw / CLASSIFICATION).exists():
        table, excl, notes = build_area_classification(raw / CLASSIFICATION, vintage, weights)
        prep.excluded += excl
        prep.notes += notes
        _write_csv(prep, table, "typologies/area_classification_2011.csv")
    else:
        prep.unavailable["ONS 2011 area classification"] = f"{CLASSIFICATION} not among the files"
    if smi_file is None:
        prep.unavailable["Social Mobility Index 2017"] = (
            "not among the public files; pass --smi-file with columns la_code, la_name, "
            "overall_score[, overall_rank] (hot/cold-spot analyses, report tables 2-5, skipped)"
        )
    else:
        smi, excl = build_smi(Path(smi_file), vintage, weights)
        prep.excluded += excl
        _write_csv(prep, smi, "typologies/social_mobility_index_2017.csv")


def _covariates(
    prep: PublicPreparation,
    vintage: Vintage,
    weights: pd.Series,
    populations: dict[int, pd.DataFrame],
    neighbours: dict[str, list[list[str]]],
) -> None:
    raw = prep.raw_dir
    units = sorted(vintage.codes)
    filled_tables: list[pd.DataFrame] = []
    coverage: list[pd.DataFrame] = []

    def add(indicator: str, observed: pd.DataFrame, source: str, note: str = "") -> None:
        observed = observed[observed["la_code"].isin(units)]
        filled = fill_nearest_year(observed, units, INDICATOR_YEARS)
        filled = fill_from_neighbours(filled, neighbours)
        filled["indicator"] = indicator
        filled_tables.append(filled)
        coverage.append(summarise(indicator, filled, source, note))

    # unemployment: model-based first, LI01 fills LA-years it lacks
    unemployment = []
    if (raw / MODEL_UNEMP).exists():
        unemployment.append(
            cov.harmonise_rate(
                cov.read_model_based_unemployment(raw / MODEL_UNEMP), vintage, weights
            )
        )
    li01_files = sorted(raw.glob(LI01))
    for path in li01_files:
        unemployment.append(cov.harmonise_rate(cov.read_li01(path), vintage, weights))
    if unemployment:
        combined = pd.concat(unemployment).drop_duplicates(["la_code", "year"], keep="first")
        sources = ([MODEL_UNEMP] if (raw / MODEL_UNEMP).exists() else []) + [
            p.relative_to(raw).as_posix() for p in li01_files
        ]
        add("unemployment_rate", combined, "; ".join(sources), "APS model-based, then LI01")
    else:
        prep.unavailable["covariate unemployment_rate"] = "no labour-market file"

    if (raw / HPSSA).exists():
        prices = cov.harmonise_rate(cov.read_hpssa(raw / HPSSA), vintage, weights)
        add("mean_house_price", prices, HPSSA, "MEDIAN price paid (HPSSA 9), year ending Dec")
    else:
        prep.unavailable["covariate mean_house_price"] = f"{HPSSA} not among the files"

    cob_files = sorted(raw.glob(COB))
    if cob_files:
        frames = [
            cov.harmonise_rate(cov.read_country_of_birth(p), vintage, weights) for p in cob_files
        ]
        share = pd.concat(frames).drop_duplicates(["la_code", "year"], keep="last")
        add(
            "non_uk_born_pct",
            share,
            "; ".join(p.relative_to(raw).as_posix() for p in cob_files),
            "APS; period end year",
        )
    else:
        prep.unavailable["covariate non_uk_born_pct"] = "no country-of-birth file"

    totals = _mye5_totals(prep, vintage)
    if (raw / GVA).exists() and totals is not None:
        totals = _complete_totals(totals, populations)
        gva = cov.harmonise_total(cov.read_gva(raw / GVA), vintage)
        per_head = gva.merge(totals, on=["la_code", "year"])
        per_head["value"] = per_head["value"] * 1e6 / per_head["total"]
        add(
            "gva_per_head_real",
            per_head[["la_code", "year", "value"]],
            GVA,
            "GVA(I) current prices / MYE5 population; NOT deflated (a national deflator is "
            "absorbed by year effects)",
        )
    else:
        prep.unavailable["covariate gva_per_head_real"] = f"needs {GVA} and {MYE5_SOURCE}"

    if (raw / BIRTHS).exists() and populations:
        births = cov.harmonise_total(cov.read_births(raw / BIRTHS), vintage)
        women = []
        for year, frame in populations.items():
            sel = frame[(frame["GENDER"] == "2") & frame["C_AGE"].between(101 + 15, 101 + 44)]
            part = sel.groupby("GEOGRAPHY_CODE", as_index=False)["OBS_VALUE"].sum()
            women.append(part.assign(year=year))
        women_df = pd.concat(women).rename(
            columns={"GEOGRAPHY_CODE": "la_code", "OBS_VALUE": "women"}
        )
        rate = births.merge(women_df, on=["la_code", "year"])
        rate["value"] = 30 * rate["value"] / rate["women"]
        fertility = rate[["la_code", "year", "value"]]
        note = "APPROXIMATION: 30 x general fertility rate (births / women 15-44); not a true TFR"
        source = BIRTHS
        if (raw / TFR_2014).exists():
            fertility = _calibrated_fertility(prep, vintage, fertility)
            note = (
                "real ONS TFR for 2014; other years 30 x GFR (births / women 15-44) "
                "calibrated to the 2014 TFR by a straight line (covariates/tfr_calibration.csv)"
            )
            source = f"{TFR_2014}; {BIRTHS}"
        add("total_fertility_rate", fertility, source, note)
    else:
        prep.unavailable["covariate total_fertility_rate"] = f"needs {BIRTHS} and population"

    prep.unavailable["covariate professional_share_pct"] = (
        "no APS occupation (SOC 2010 major groups 1-2) table among the public files"
    )
    if not filled_tables:
        prep.unavailable["covariates/la_indicators.csv"] = "no covariate source found"
        return
    allrows = pd.concat(filled_tables, ignore_index=True)
    present = allrows.dropna(subset=["value"])
    _write_csv(
        prep,
        present[["la_code", "year", "indicator", "value"]].sort_values(
            ["la_code", "year", "indicator"]
        ),
        "covariates/la_indicators.csv",
    )
    _write_csv(
        prep,
        allrows[["la_code", "year", "indicator", "source_year", "filled_by_rule", "fill_method"]],
        "covariates/la_indicators_provenance.csv",
    )
    _write_csv(prep, pd.concat(coverage, ignore_index=True), "covariates/coverage.csv")
