"""The release descriptions in warehouse/releases/ load, are internally consistent, and the
loader rejects malformed descriptions with a message naming the file and key path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mobility import release_audit as ra
from mobility.errors import BadInputError
from mobility.panel_mapping import load_mapping
from mobility.releases import (
    LS_RELEASE_PATH,
    PANEL_RELEASE_PATH,
    load_ls_release,
    load_panel_release,
)


@pytest.fixture(scope="module")
def panel():
    return load_panel_release()


@pytest.fixture(scope="module")
def ls():
    return load_ls_release()


def _all_entries(release):
    return [e for c in release.concepts.values() for e in c.entries]


def test_every_panel_wave_of_every_file_has_a_pattern(panel):
    tab = panel.distributions["sn6931_tab"]
    for file, spec in panel.files.items():
        for study in spec.studies:
            for n, wave in enumerate(panel.waves_of(file, study), start=1):
                path = tab.wave_path(study, wave, n, file)
                assert path.endswith(f"/{study}/{wave}_{file}_protect.tab"), path
    assert tab.cross_wave_path("xwavedat") == "UKDA-6931-tab/tab/ukhls/xwavedat_protect.tab"
    lad = panel.distributions["sn6666_stata"]
    assert (
        lad.wave_path("bhps", "ba", 1, "oslaua")
        == "UKDA-6666-stata/stata/stata13/bhps/ba_oslaua_protect.dta"
    )
    old = panel.distributions["older_per_wave_folders"]
    assert old.wave_path("ukhls", "a", 1, "indresp") == "ukhls_w1/a_indresp_protect.dta"


def test_youth_file_starts_at_bhps_wave_d(panel):
    assert panel.waves_of("youth", "bhps")[0] == "bd"
    assert panel.waves_of("youth", "ukhls")[0] == "a"
    assert panel.waves_of("xwavedat", "bhps") == ()


@pytest.mark.parametrize("which", ["panel", "ls"])
def test_every_entry_is_cited_or_records_the_search(which, request):
    release = request.getfixturevalue(which)
    for entry in _all_entries(release):
        if entry.status == "unconfirmed":
            assert entry.searched, entry
        else:
            assert entry.citation and re.search(r"https?://|code:", entry.citation), entry
        if entry.status == "confirmed":
            assert entry.name


@pytest.mark.parametrize("which", ["panel", "ls"])
def test_codes_are_integers(which, request):
    release = request.getfixturevalue(which)
    for m in release.missing_codes:
        assert isinstance(m.code, int) and m.code < 0
    for entry in _all_entries(release):
        assert all(isinstance(k, int) and not isinstance(k, bool) for k in entry.coding)
        assert all(isinstance(k, int) for k in entry.missing)


def test_panel_missing_codes_include_the_ukhls_specific_ones(panel):
    codes = {m.code: m.scope for m in panel.missing_codes}
    assert set(codes) == {-1, -2, -7, -8, -9, -10, -11, -20, -21}
    assert codes[-20] == codes[-21] == "xwavedat"
    assert "wave f" in codes[-10]


def test_panel_facts_the_mapping_gets_wrong_are_recorded(panel):
    # BHPS wave 1 has no interview year; later waves do.
    (ba,) = panel.entries_for("interview_year", "bhps", "ba")
    assert ba.status == "absent" and ba.column("ba") is None
    assert [e.column("bb") for e in panel.entries_for("interview_year", "bhps", "bb")] == [
        "bb_istrtdaty"
    ]
    # BHPS marital status is mastat, with its own coding; BHPS parents hold the BHPS pid.
    (mastat,) = panel.entries_for("marital_status", "bhps", "bc")
    assert mastat.column("bc") == "bc_mastat" and mastat.coding[2] == "living as couple"
    (father,) = panel.entries_for("father_in_household", "bhps", "bq")
    assert father.column("bq") == "bq_fnpid_bh" and "xwaveid_bh" in (father.note or "")
    assert panel.files["xwaveid_bh"].cross_wave
    # No youth variable name is claimed as confirmed.
    for concept in panel.concepts:
        if concept.startswith("youth_"):
            assert all(e.status != "confirmed" for e in panel.concepts[concept].entries)


def test_ls_standard_regions_and_class_codings_differ_by_census(ls):
    (region91,) = ls.entries_for("region", 1991)
    assert region91.name == "SRGUAEA9" and region91.coding[5] == "South East"
    assert len(region91.coding) == 9 and region91.coding_confirmed
    (sc71,) = ls.entries_for("social_class", 1971)
    (sc91,) = ls.entries_for("social_class", 1991)
    assert sc71.coding[0].startswith("I ") and sc91.coding[1].startswith("I ")
    (nssec91,) = ls.entries_for("nssec", 1991)
    assert nssec91.status == "absent"
    assert {m.code for m in ls.missing_codes} == {-6, -7, -8, -9}
    assert ls.member_key == "CORENO"


# --- malformed descriptions are rejected with the file and key path ---------------------------


def _write(tmp_path: Path, source: Path, edit) -> Path:
    raw = yaml.safe_load(source.read_text())
    edit(raw)
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(raw, sort_keys=False))
    return target


def _first_entry(raw, concept):
    return raw["concepts"][concept]["entries"][0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda r: _first_entry(r, "age").pop("citation"),
            r"concepts\.age\.entries\[0\]: a confirmed entry needs `name` and `citation`",
        ),
        (
            lambda r: _first_entry(r, "youth_age").pop("searched"),
            r"concepts\.youth_age\.entries\[0\]: an unconfirmed entry must say what was `searched`",
        ),
        (
            lambda r: _first_entry(r, "marital_status")["coding"].update({"x": "bad"}),
            r"concepts\.marital_status\.entries\[0\]\.coding code 'x': expected an integer",
        ),
        (
            lambda r: r["missing_codes"].append({"code": "-3", "meaning": "m", "scope": "all"}),
            r"missing_codes\[9\]\.code: expected an integer, got '-3'",
        ),
        (
            lambda r: _first_entry(r, "tenure").update({"waves": ["a", "j"]}),
            r"concepts\.tenure: no entry for study ukhls wave\(s\)/census\(es\) k",
        ),
        (
            lambda r: _first_entry(r, "tenure").update({"waves": ["k", "a"]}),
            r"concepts\.tenure\.entries\[0\]\.waves: range k\.\.a runs backwards",
        ),
        (
            lambda r: _first_entry(r, "tenure").update({"waves": ["a", "z"]}),
            r"concepts\.tenure\.entries\[0\]\.waves: 'z' is not one of a, b",
        ),
        (
            lambda r: _first_entry(r, "age").update({"name": "age_dv"}),
            r"concepts\.age\.entries\[0\]\.name: 'age_dv' in a per-wave file needs a \{wave\}",
        ),
        (
            lambda r: _first_entry(r, "interview_year").update({"waves": ["ba", "bb"]}),
            r"concepts\.interview_year: both absent and confirmed in bb",
        ),
        (
            lambda r: r["distributions"][0].update({"wave_file": "tab/{study}/indresp.tab"}),
            r"distributions\[0\]\.wave_file: needs \{wave\} and the \.tab extension",
        ),
        (
            lambda r: r["concepts"]["age"].update({"file": "indresps"}),
            r"concepts\.age\.file: 'indresps' is not one of the `files`",
        ),
        (
            lambda r: _first_entry(r, "age").update({"statsu": "confirmed"}),
            r"concepts\.age\.entries\[0\]: unknown key\(s\) statsu",
        ),
    ],
)
def test_malformed_panel_release_is_rejected(tmp_path, edit, message):
    path = _write(tmp_path, PANEL_RELEASE_PATH, edit)
    with pytest.raises(BadInputError, match=message) as err:
        load_panel_release(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda r: _first_entry(r, "social_class").update({"name": "SOCC8"}),
            r"concepts\.social_class\.entries\[0\]\.name: 'SOCC8' should end in the 1971 suffix",
        ),
        (
            lambda r: _first_entry(r, "social_class").update({"table": "ME81"}),
            r"concepts\.social_class\.entries\[0\]\.table: 'ME81' is not a 1971 table",
        ),
        (
            lambda r: r["concepts"]["tenure"]["entries"][0].update({"censuses": [1971, 2001]}),
            r"concepts\.tenure: no entry for wave\(s\)/census\(es\) 2011",
        ),
        (
            lambda r: r["censuses"].reverse(),
            r"censuses: years must be increasing and distinct",
        ),
    ],
)
def test_malformed_ls_release_is_rejected(tmp_path, edit, message):
    path = _write(tmp_path, LS_RELEASE_PATH, edit)
    with pytest.raises(BadInputError, match=message):
        load_ls_release(path)


def test_unreadable_release_names_the_file(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("concepts: [unclosed")
    with pytest.raises(BadInputError, match="broken.yml: cannot read the release description"):
        load_panel_release(path)


# --- the mapping audit ------------------------------------------------------------------------

FIXTURE_MAPPING = """
studies:
  bhps: {first_year: 1991, waves: [ba, bb, bc]}
  ukhls: {first_year: 2009, waves: [a, b]}
missing_codes: [-1, -2, -7, -8, -9, -10, -11]
files:
  indresp:
    file: "{wave}_indresp.tab"
    key: [pidp]
    variables:
      pidp: pidp
      interview_year: "{wave}_istrtdaty"
      age: {bhps: "{wave}_age_dv", ukhls: "{wave}_dvage"}
      foo: "{wave}_foo"
    wave_overrides: {}
  indall:
    file: "{wave}_indall.tab"
    key: [pidp]
    variables:
      pidp: pidp
      father_pidp: "{wave}_fnspid"
    wave_overrides:
      bb: {father_pidp: bb_fnpid_bh}
  lad:
    file: "{wave}_lad.tab"
    key: [hidp]
    variables:
      hidp: "{wave}_hidp"
      la_code: "{wave}_oslaua"
    wave_overrides: {}
  xwavedat:
    file: xwavedat.tab
    cross_wave: true
    key: [pidp]
    variables:
      pidp: pidp
      sex: sex
"""


def _verdicts(audit, file, variable):
    return [
        (f.study, f.waves, f.verdict, f.release_names)
        for f in audit.findings
        if (f.file, f.variable) == (file, variable)
    ]


def test_audit_compares_each_mapped_name_wave_by_wave(tmp_path, panel):
    path = tmp_path / "mapping.yml"
    path.write_text(FIXTURE_MAPPING)
    audit = ra.audit_panel_mapping(load_mapping(path), panel)

    assert _verdicts(audit, "indresp", "interview_year") == [
        ("bhps", ("ba",), ra.ABSENT, ()),
        ("bhps", ("bb", "bc"), ra.CONFIRMED, ("{wave}_istrtdaty",)),
        ("ukhls", ("a", "b"), ra.OTHER_NAME, ("{wave}_intdaty_dv",)),
    ]
    assert _verdicts(audit, "indresp", "age") == [
        ("bhps", ("ba", "bb", "bc"), ra.CONFIRMED, ("{wave}_age_dv",)),
        ("ukhls", ("a", "b"), ra.OTHER_NAME, ("{wave}_age_dv",)),
    ]
    # A per-wave override fixes one wave only: BHPS parents are fnpid_bh.
    assert [
        (f.waves, f.verdict)
        for f in audit.findings
        if f.variable == "father_pidp" and f.study == "bhps"
    ] == [(("ba",), ra.OTHER_NAME), (("bb",), ra.CONFIRMED), (("bc",), ra.OTHER_NAME)]
    assert _verdicts(audit, "xwavedat", "sex") == [(None, (), ra.CONFIRMED, ("sex",))]
    assert {f.verdict for f in audit.findings if f.variable == "foo"} == {ra.NO_CONCEPT}
    assert ra.CONFIRMED not in {f.verdict for f in audit.problems}
    # the mapping's own missing-code list (here lacking -20, -21) is no longer read: the
    # codes come from the release description (mobility/missing_codes.py)
    assert audit.missing_codes_not_mapped == ()


def test_audit_reports_file_paths_the_release_does_not_have(tmp_path, panel):
    path = tmp_path / "mapping.yml"
    path.write_text(FIXTURE_MAPPING)
    files = {(f.file, f.study): f for f in ra.audit_panel_mapping(load_mapping(path), panel).files}
    lad = files[("lad", "bhps")]
    assert lad.mapped == "ukhls/ba_lad.tab"
    assert "UKDA-6666-stata/stata/stata13/bhps/ba_oslaua_protect.dta" in lad.release_paths
    assert (
        "UKDA-6931-tab/tab/ukhls/a_indresp_protect.tab" in files[("indresp", "ukhls")].release_paths
    )
    assert "ukhls_wx/xwavedat_protect.dta" in files[("xwavedat", None)].release_paths


def test_audit_of_the_project_mapping_runs(capsys):
    ra.main()
    out = capsys.readouterr().out
    assert "missing codes in the release but not in the mapping" in out


@pytest.mark.parametrize("which", ["panel", "ls"])
def test_docs_list_every_named_variable(which, request):
    """docs/releases.md is the readable copy: every name in the description appears in it."""
    release = request.getfixturevalue(which)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "releases.md").read_text()
    missing = sorted(
        {e.name for e in _all_entries(release) if e.name} - set(re.findall(r"`([^`]+)`", doc))
    )
    assert not missing, f"docs/releases.md does not list {missing}"
