"""Restricted mode (`--panel-dir`, `--ls-dir`): the release as downloaded, read in place.

The small synthetic panel is laid out as the UK Data Service distributes it, from the release
description (per-study folders, `_protect` suffix, SN 6666 LA files; `.tab`, or Stata `.dta`
with upper-case column names) and the readers must find, read and map it without writing a
byte inside the directories passed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mobility.errors import BadInputError
from mobility.generate.panel_release import write_release_twin
from mobility.panel_release_files import absence_notes, link_panel_files
from mobility.restricted import assemble_work_dir, clean_work_dir
from mobility.warehouse import layer_row_counts
from pipeline.cli import main
from tests.conftest import SEED, copy_data
from tests.test_missing_codes import plant_missing_codes


def checksums(folder: Path) -> dict[str, str]:
    """Every file and link below a folder with its sha256 (links by their target)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = f"link {path.readlink()}"
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


RESTRICTED = {"panel", "ls"}  # analyses of strands B and C
OLD_CODE = "E07000999"  # an LA code of an older vintage, merged into a warehouse LA


def plant_geography(flat: Path, public: Path) -> str:
    """Every BHPS household of one LA gets the LA's old code (crosswalk row added to the
    public files); one UKHLS wave-k household moves to a Scottish council. Returns the LA."""
    lads = {p: read_tab(p) for p in sorted(flat.glob("b?_lad.tab"))}
    column = {p: f"{p.name[:2]}_oslaua" for p in lads}
    merged = pd.concat([f[column[p]] for p, f in lads.items()]).value_counts().index[0]
    for path, frame in lads.items():
        frame.loc[frame[column[path]] == merged, column[path]] = OLD_CODE
        frame.to_csv(path, sep="\t", index=False)
    crosswalk = public / "geography" / "la_crosswalk.csv"
    with crosswalk.open("a") as handle:
        handle.write(f"{OLD_CODE},Old district,2001,{merged},Merged district,1.0\n")
    manifest = json.loads((public / "manifest.json").read_text())  # the row declared too
    manifest["rows"]["geography/la_crosswalk.csv"] += 1
    (public / "manifest.json").write_text(json.dumps(manifest))
    wave_k = read_tab(flat / "k_lad.tab")
    wave_k.loc[0, "k_oslaua"] = "S12000033"
    wave_k.to_csv(flat / "k_lad.tab", sep="\t", index=False)
    return merged


@pytest.fixture(scope="module")
def panel_release(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("release")
    write_release_twin(small_data, dest, "tab")
    return dest


def read_tab(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def test_release_layout_read_in_place_and_mapped(
    small_data: Path, panel_release: Path, tmp_path: Path
) -> None:
    before = checksums(panel_release)
    absences = link_panel_files(panel_release, tmp_path / "ukhls")
    assert absences == []
    assert checksums(panel_release) == before
    # a .tab in bhps/ with the suffix, a .dta LA file and the .dta cross-wave file, upper-case
    # columns: the same values as the flat twin under the mapping's names
    for name in ("bc_indresp.tab", "c_lad.tab", "xwavedat.tab"):
        got, expected = read_tab(tmp_path / "ukhls" / name), read_tab(small_data / "ukhls" / name)
        assert list(got.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(got, expected[list(got.columns)], check_dtype=False)


def test_stata_release_with_upper_case_names_reads_as_the_tab_one(
    small_data: Path, panel_release: Path, tmp_path: Path
) -> None:
    written = write_release_twin(small_data, tmp_path / "dta", "dta", upper_case=True)
    assert all(p.suffix == ".dta" and p.name.endswith("_protect.dta") for p in written)
    assert (tmp_path / "dta/UKDA-6931-stata/stata/stata13_se/bhps/bd_youth_protect.dta").is_file()
    link_panel_files(tmp_path / "dta", tmp_path / "from_dta")
    link_panel_files(panel_release, tmp_path / "from_tab")
    for name in ("ba_indresp.tab", "k_indall.tab", "f_hhresp.tab", "bq_youth.tab", "e_lad.tab"):
        pd.testing.assert_frame_equal(
            read_tab(tmp_path / "from_dta" / name), read_tab(tmp_path / "from_tab" / name)
        )


def test_renamed_variable_names_variable_file_and_wave(panel_release: Path, tmp_path: Path) -> None:
    release = shutil.copytree(panel_release, tmp_path / "release")
    path = release / "UKDA-6931-tab/tab/bhps/bc_indresp_protect.tab"
    frame = read_tab(path).rename(columns={"bc_jbstat": "bc_jbstatus"})
    frame.to_csv(path, sep="\t", index=False)
    with pytest.raises(BadInputError) as info:
        link_panel_files(release, tmp_path / "work")
    message = str(info.value)
    assert "bc_jbstat" in message and str(path) in message and "BHPS wave bc" in message


def test_variable_absent_in_the_release_is_reported_not_fatal(
    panel_release: Path, tmp_path: Path
) -> None:
    release = shutil.copytree(panel_release, tmp_path / "release")
    path = release / "UKDA-6931-tab/tab/bhps/ba_indresp_protect.tab"
    read_tab(path).drop(columns=["ba_istrtdaty"]).to_csv(path, sep="\t", index=False)
    absences = link_panel_files(release, tmp_path / "work")
    assert [(a.variable, a.wave) for a in absences] == [("ba_istrtdaty", "ba")]
    assert absence_notes(absences) == [
        "`interview_year` (indresp file) is not in the release in wave(s) ba (ba_istrtdaty; "
        "release description: absent); the wave's fieldwork year is used instead."
    ]
    staged = read_tab(tmp_path / "work" / "ba_indresp.tab")
    assert set(staged["ba_istrtdaty"]) == {"1991"}  # BHPS wave 1 was fielded in 1991


def test_cli_stops_with_exit_2_before_writing(
    small_data: Path, panel_release: Path, tmp_path: Path
) -> None:
    release = shutil.copytree(panel_release, tmp_path / "release")
    path = release / "UKDA-6931-tab/tab/ukhls/d_indall_protect.tab"
    read_tab(path).drop(columns=["d_fnspid"]).to_csv(path, sep="\t", index=False)
    before = checksums(release)
    wh = tmp_path / "wh" / "wh.duckdb"
    args = ["build", "--scale", "small", "--seed", str(SEED), "--data-dir", str(small_data)]
    args += ["--warehouse", str(wh)]
    code = main([*args, "--out", str(tmp_path / "out"), "--panel-dir", str(release)])
    assert code == 2
    assert not wh.exists()
    assert checksums(release) == before
    copies = wh.with_name(wh.name + ".work") / "ukhls"
    assert [p for p in copies.rglob("*") if p.is_file()] == []  # row-level copies deleted


def test_work_dir_links_public_files_and_cleans_row_level_copies(
    small_data: Path, panel_release: Path, tmp_path: Path
) -> None:
    ls_dir = shutil.copytree(small_data / "ons_ls", tmp_path / "ls")
    work = tmp_path / "wh.duckdb.work"
    assemble_work_dir(small_data, work, panel_release, ls_dir)
    assert (work / "flows").is_symlink() and (work / "ons_ls").resolve() == ls_dir.resolve()
    assert (work / "ukhls" / "a_indresp.tab").is_file()
    clean_work_dir(work)
    left = [p for p in work.rglob("*") if p.is_file() and not p.is_symlink()]
    assert left == []
    with pytest.raises(Exception, match="contains the warehouse"):
        assemble_work_dir(small_data, panel_release / "wh.work", panel_release, None)


@pytest.mark.slow
def test_restricted_run_writes_nothing_in_the_restricted_dirs(
    small_data: Path, panel_release: Path, tmp_path: Path
) -> None:
    flat = copy_data(small_data / "ukhls", tmp_path / "twin" / "ukhls")
    plant_missing_codes(flat)  # sex 0, birth year -20, ethnic group -21, a wave-f age -10
    xwave_person = read_tab(flat / "xwavedat.tab").loc[0, "pidp"]
    path = flat / "ba_indresp.tab"
    read_tab(path).drop(columns=["ba_istrtdaty"]).to_csv(path, sep="\t", index=False)
    merged = plant_geography(flat, public := copy_data(small_data, tmp_path / "public"))
    release = tmp_path / "release"
    write_release_twin(tmp_path / "twin", release, "dta", upper_case=True)  # Stata, end to end
    ls_dir = shutil.copytree(small_data / "ons_ls", tmp_path / "ls")
    before = (checksums(release), checksums(ls_dir))
    wh, out = tmp_path / "wh" / "wh.duckdb", tmp_path / "reports"
    args = ["run", "--scale", "small", "--seed", str(SEED), "--data-dir", str(public)]
    args += ["--warehouse", str(wh), "--out", str(out)]
    assert main([*args, "--panel-dir", str(release), "--ls-dir", str(ls_dir)]) == 0
    assert (checksums(release), checksums(ls_dir)) == before
    con = duckdb.connect(str(wh), read_only=True)
    try:
        sources = con.execute(
            "select distinct data_source from results.estimates where analysis like 'panel%' "
            "or analysis like 'ls%' union select distinct data_source from results.descriptives"
        ).fetchall()
        logged = {
            r[0] for r in con.execute("select analysis from results.disclosure_log").fetchall()
        }
        planted = con.execute(
            "select is_female, birth_year, is_white_british "
            "from intermediate.int_panel_person_waves "
            "where pidp = ?",
            [int(xwave_person)],
        ).fetchall()
        stayers = con.execute(
            "select count(*) filter (where teen_la_code = ? and not is_mover), "
            "count(*) filter (where teen_la_code = ?) from marts.fct_teen_adult_links",
            [merged, OLD_CODE],
        ).fetchone()
        statuses = dict(
            con.execute(
                "select la_status, count(*) from intermediate.int_panel_household_las_harmonised "
                "group by 1"
            ).fetchall()
        )
        ages = con.execute(
            "select min(age) from intermediate.int_panel_person_waves where wave_number = 24"
        ).fetchone()[0]
    finally:
        con.close()
    notes = (out / "run.json").read_text()
    assert sources == [("restricted",)]
    assert planted and all(row == (None, None, None) for row in planted)  # became missing
    assert ages >= 0  # the wave-f -10 is missing, not an age
    # BHPS households of the merged LA carry its old code; after the crosswalk, teenagers there
    # who stayed are stayers (none is left on the old code)
    assert stayers[0] > 0 and stayers[1] == 0
    assert statuses["outside England and Wales"] == 1
    assert statuses["mapped from another vintage"] > 0
    assert "outside England and Wales: fewer than 10" in notes
    assert {a.split("_")[0] for a in logged} >= {"panel", "ls"}  # both passed control
    # no row-level file left beside the warehouse; no id column in anything written to reports
    work = wh.with_name(wh.name + ".work")
    assert [p for p in work.rglob("*") if p.is_file() and not p.is_symlink()] == []
    for table in out.rglob("*.csv"):
        columns = {c.lower() for c in pd.read_csv(table, nrows=0).columns}
        assert not columns & {"pidp", "hidp", "lsid", "mother_lsid", "father_lsid"}, table
    assert "`interview_year` (indresp file) is not in the release in wave(s) ba" in notes
    assert main(["check", *args[1:]]) == 0  # later, without --panel-dir: still rounded
    assert "counts rounded to the nearest 5" in (out / "report.html").read_text()
    assert "observed values withheld" in (out / "gate" / "gate.html").read_text()
    exact = exact_counts(tmp_path / "twin" / "ukhls", ls_dir, wh)
    assert len(exact) >= 10  # enough true counts off the rounding grid for the scan to bite
    leaked = {v: where for v, where in published_integers(out).items() if v in exact}
    assert leaked == {}, {v: (exact[v], where) for v, where in leaked.items()}


def exact_counts(panel_flat: Path, ls_dir: Path, warehouse: Path) -> dict[int, str]:
    """True counts of the restricted inputs that rounding to 5 would change: rows of each
    panel wave file and LS file, per file type over the waves, of the strand B/C marts and
    of each warehouse layer."""
    counts: dict[str, int] = {}
    for path in sorted(panel_flat.glob("*.tab")) + sorted(ls_dir.rglob("*.csv")):
        rows = sum(1 for _ in path.open()) - 1
        counts[path.name] = rows
        wave, _, kind = path.stem.rpartition("_")  # BHPS waves ba-br, UKHLS a-k: summed
        kind = f"{'BHPS' if len(wave) == 2 else 'UKHLS'} {kind}" if wave else path.stem
        counts[kind] = counts.get(kind, 0) + rows
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for mart in ("fct_teen_adult_links", "fct_ls_child_adult_links"):
            counts[mart] = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
        counts |= {
            f"layer {schema}": n
            for schema, n in layer_row_counts(con).items()
            if schema != "results"
        }
    finally:
        con.close()
    # off the rounding grid; a count that reads as a year (file labels name the years) is
    # left out, as the scan cannot tell it from one
    return {n: name for name, n in counts.items() if n % 5 and not 1900 <= n <= 2100}


def published_integers(out: Path) -> dict[int, set[str]]:
    """Every whole number in the text files under out (run.json, report, gate docs, tables),
    read with and without thousands separators, with the files it is in. Strand A's own
    tables and report section (public counts) and the figures (drawn from the controlled
    estimates; SVG glyph numbers) are left out."""
    record = json.loads((out / "run.json").read_text())["analyse"]
    public = {t["key"] for t in record["tables"] if t["analysis"].split("_")[0] not in RESTRICTED}
    found: dict[int, set[str]] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        where = path.relative_to(out)
        if where.parts[0] == "figures" or (where.parts[0] == "tables" and path.stem in public):
            continue
        text = path.read_text()
        if path.name == "report.html":
            for section in ["findings'[^>]*", *public]:
                text = re.sub(f"<section id='{section}'>.*?</section>", "", text, flags=re.S)
        for token in re.findall(r"(?<![\d.])\d+(?:,\d{3})*(?!\.\d)(?!\d)", text):
            for value in {token.replace(",", ""), *token.split(",")}:
                found.setdefault(int(value), set()).add(str(where))
    return found


def test_docs_list_every_mapped_variable_against_the_release() -> None:
    from mobility.release_audit import audit_panel_mapping, markdown_table

    docs = (Path(__file__).resolve().parents[1] / "docs" / "panel.md").read_text()
    table = docs.split("<!-- mapped-variables:start -->\n")[1].split("\n<!-- mapped")[0]
    assert table == markdown_table(audit_panel_mapping()), (
        "run python -m mobility.release_audit --markdown"
    )
