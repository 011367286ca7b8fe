"""Real published files (../shared/real): prepare_public end to end, facts, fetch mirror.

The repository is /work/main and CI clones it beside a copy of shared/, so the real files
are found relative to this file. Nothing derived from them is written outside tmp dirs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mobility.contracts import validate
from mobility.fetch import fetch
from mobility.layouts import FLOW_CONTRACTS, LA_LOOKUP
from mobility.public import PublicPreparation, prepare_public
from mobility.public.flows import read_detailed_estimates

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
pytestmark = [
    pytest.mark.real,
    pytest.mark.skipif(
        not (REAL / "SOURCES.md").exists(),
        reason=f"real published files not found at {REAL} (clone beside shared/ to run)",
    ),
]
UK_MID_2011 = 63_285_145  # SOURCES.md, Nomis NM_2002_1 mid-2011, all UK LAs
EW_MID_2011 = 56_170_927  # ONS mid-2011 estimate for England and Wales
FLOW_SLICE = "flows/ons_detailed_estimates_age18_subset_rintro.csv"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> PublicPreparation:
    out = tmp_path_factory.mktemp("public")
    return prepare_public(REAL, out, vintage="current")


@pytest.mark.slow
def test_la_counts_per_country_on_the_vintage(prepared: PublicPreparation):
    lookup = pd.read_csv(prepared.out_dir / "geography" / "ltla_lookup.csv")
    assert lookup.groupby("ctrynm").size().to_dict() == {"England": 294, "Wales": 22}
    assert lookup["rgnnm"].nunique() == 10  # nine English regions + Wales
    crosswalk = pd.read_csv(prepared.out_dir / "geography" / "la_crosswalk.csv")
    assert set(crosswalk["to_code"]) == set(lookup["ltlacd"])
    # the 2019-2023 mergers are all present and sum (weight 1)
    merged = crosswalk[crosswalk["from_vintage"].isin(["LAD18", "LAD19", "LAD20", "LAD22"])]
    assert len(merged) == 42 and (merged["weight"] == 1).all()


@pytest.mark.slow
def test_england_and_wales_mid_2011_population_as_published(prepared: PublicPreparation):
    raw = pd.read_csv(
        REAL / "population" / "mye_mid2011_uk_lad_sya_sex_nomis_NM_2002_1.tsv", sep="\t"
    )
    assert raw["OBS_VALUE"].sum() == UK_MID_2011
    ew_raw = raw[raw["GEOGRAPHY_CODE"].str[0].isin(["E", "W"])]["OBS_VALUE"].sum()
    assert ew_raw == EW_MID_2011
    out = pd.read_csv(prepared.out_dir / "population" / "nomis_NM_2002_1_mid2011.tsv", sep="\t")
    assert out["OBS_VALUE"].sum() == pytest.approx(EW_MID_2011)
    assert out["GEOGRAPHY_CODE"].nunique() == 316


@pytest.mark.slow
def test_every_flow_row_maps_and_no_moves_are_lost(prepared: PublicPreparation):
    raw = read_detailed_estimates(REAL / FLOW_SLICE)
    lookup = set(pd.read_csv(prepared.out_dir / "geography" / "ltla_lookup.csv")["ltlacd"])
    out = pd.concat(
        pd.read_csv(p) for p in sorted((prepared.out_dir / "flows").glob("Detailed_Estimates_*"))
    )
    assert set(out["OutLA"]) <= lookup and set(out["InLA"]) <= lookup
    excluded = [e for e in prepared.excluded if e.source == FLOW_SLICE]
    aggregate = sum(e.amount for e in excluded if "aggregate code" in e.reason)
    internal = sum(e.amount for e in excluded if "same unit" in e.reason)
    assert aggregate > 0 and all(e.rows > 0 for e in excluded)
    # totals before = after + explicitly reported Scotland/NI rows + moves inside merged units
    assert out["Moves"].sum() + aggregate + internal == pytest.approx(raw["Moves"].sum(), abs=0.01)
    reconciliation = pd.read_csv(prepared.out_dir / "flows" / "flow_reconciliation.csv")
    assert set(reconciliation["what"]) >= {"moves read", "moves written"}


@pytest.mark.slow
def test_prepared_directory_passes_the_contracts(prepared: PublicPreparation):
    applicable = [c for c in FLOW_CONTRACTS if list(prepared.out_dir.glob(c.pattern))]
    skipped = {c.name for c in FLOW_CONTRACTS} - {c.name for c in applicable}
    assert skipped == {"Social Mobility Index 2017"}
    assert "Social Mobility Index 2017" in prepared.unavailable
    rows = validate(prepared.out_dir, applicable, LA_LOOKUP)
    assert rows["LA geography lookup"] == 316 and rows["IMD 2010 LA summary"] == 294


@pytest.mark.slow
def test_imd_coverage_and_preparation_report(prepared: PublicPreparation):
    imd = pd.read_csv(prepared.out_dir / "typologies" / "imd2010_la_summary.csv")
    assert imd["n_lsoa"].sum() == 32_482  # every English LSOA01 used once
    assert imd["imd_rank_of_average_score"].min() == 1
    coverage = pd.read_csv(prepared.out_dir / "covariates" / "coverage.csv")
    assert {"unemployment_rate", "mean_house_price", "gva_per_head_real"} <= set(
        coverage["indicator"]
    )
    assert coverage["filled_by_rule"].any()
    report = json.loads((prepared.out_dir / "preparation.json").read_text())
    assert report["vintage"] == "LAD25-H" and report["unavailable"]


def test_smi_file_is_used_when_supplied(tmp_path: Path):
    raw = tmp_path / "raw"
    for rel in ("geography/drkane_la_all_codes.csv", "geography/la_changes_2014_2025.csv"):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REAL / rel, raw / rel)
    smi = tmp_path / "smi.csv"
    smi.write_text(
        "la_code,la_name,overall_score\nE06000028,Bournemouth,0.2\nE06000029,Poole,0.4\n"
        "E09000033,Westminster,1.5\n"
    )
    prep = prepare_public(raw, tmp_path / "out", smi_file=smi, vintage="current")
    table = pd.read_csv(tmp_path / "out" / "typologies" / "social_mobility_index_2017.csv")
    assert table.set_index("la_code").loc["E09000033", "overall_rank"] == 1
    assert set(table["la_code"]) == {"E06000058", "E09000033"}
    assert "Social Mobility Index 2017" not in prep.unavailable
    assert "population" in prep.unavailable  # honest about what was not given


def test_fetch_from_a_mirror(tmp_path: Path):
    mirror = tmp_path / "mirror"
    chosen = [
        "geography/drkane_la_all_codes.csv",
        "geography/lad21_neighbours.json",
        FLOW_SLICE,
    ]
    for rel in chosen:
        (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REAL / rel, mirror / rel)
    dest = tmp_path / "dest"
    written = fetch(dest, mirror=mirror)
    assert sorted(p.relative_to(dest).as_posix() for p in written) == sorted(chosen)
    for rel in chosen:
        assert (dest / rel).read_bytes() == (REAL / rel).read_bytes()
    manifest = json.loads((dest / "fetch_manifest.json").read_text())
    assert (
        manifest["mode"] == "mirror"
        and "geography/la_changes_2014_2025.csv" in manifest["missing_from_mirror"]
    )


@pytest.mark.slow
def test_public_build_and_gate_end_to_end(prepared: PublicPreparation, tmp_path: Path):
    """dbt build and the quality gate on the prepared real files (SMI placeholder only)."""
    from mobility.public import write_smi_placeholder
    from pipeline import stages as pipeline

    data = tmp_path / "data"
    shutil.copytree(prepared.out_dir, data)
    write_smi_placeholder(data)
    options = pipeline.Options(
        source="public", data_dir=data, warehouse=tmp_path / "wh.duckdb", out=tmp_path / "out"
    )
    log = pipeline.RunLog.open(options.out)
    built = pipeline.stage_build(options, log)
    assert built["raw_rows"]["LA geography lookup"] == 316
    pipeline.stage_check(options, log)  # raises QualityGateError if an expectation fails
    import duckdb

    con = duckdb.connect(str(options.warehouse), read_only=True)
    try:
        moves = con.execute("select sum(moves) from marts.fct_la_pair_flows").fetchone()[0]
        las = con.execute("select count(*) from marts.dim_local_authorities").fetchone()[0]
    finally:
        con.close()
    written = pd.concat(pd.read_csv(p) for p in sorted((data / "flows").glob("Detailed_*")))
    assert moves == pytest.approx(written["Moves"].sum()) and las == 316


@pytest.mark.slow
def test_population_years_agree_with_published_la_totals(prepared: PublicPreparation):
    """Every year written (read or filled) sums to the MYE5 E&W LA totals of that year."""
    from mobility.public.population import read_mye5_totals

    totals = read_mye5_totals(REAL / "population" / "ukmidyearestimates20192019ladcodes.xls")
    la_rows = totals[totals["code"].str.match(r"^(E0[6789]|W06)")]
    coverage = pd.read_csv(prepared.out_dir / "population" / "population_coverage.csv")
    assert coverage.set_index("year").loc[[2010, 2012, 2013], "filled_by_rule"].all()
    for year in range(2010, 2019):
        path = prepared.out_dir / "population" / f"nomis_NM_2002_1_mid{year}.tsv"
        written = pd.read_csv(path, sep="\t")["OBS_VALUE"].sum()
        published = la_rows.loc[la_rows["year"] == year, "total"].sum()
        assert written == pytest.approx(published, abs=5), year


def test_fetch_records_a_mirror_file_that_differs_from_the_catalogue(tmp_path: Path):
    mirror = tmp_path / "mirror"
    rel = "geography/la_changes_2014_2025.csv"
    (mirror / rel).parent.mkdir(parents=True)
    (mirror / rel).write_text((REAL / rel).read_text() + "E99999999,x,E99999998,y,merger,2030\n")
    fetch(tmp_path / "dest", mirror=mirror)
    manifest = json.loads((tmp_path / "dest" / "fetch_manifest.json").read_text())
    assert manifest["checksum_differs_from_catalogue"] == [rel]


def test_catalogue_checksums_match_the_reference_mirror():
    from mobility.fetch import _sha256_16
    from mobility.public.catalogue import CATALOGUE, checksum

    for item in CATALOGUE:
        assert checksum(item) == _sha256_16(REAL / item.local), item.local
