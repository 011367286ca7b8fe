"""Compare the panel column mapping with the release description, wave by wave.

The mapping (warehouse/panel_variables.yml) says which column the warehouse reads for each of
its staging names; the release description (warehouse/releases/ukhls_bhps.yml) says which
columns the real release has. This audit lists every disagreement, so the plan for the readers
(docs/releases.md, "What the current mapping gets wrong") can be regenerated, not retyped:

    .venv/bin/python -m mobility.release_audit
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from mobility.panel_mapping import PANEL_DIR, PanelMapping, Wave, load_mapping
from mobility.releases import PanelRelease, load_panel_release

# (mapping file type, staging name) -> release concept. Keys (pidp) are checked separately.
MAPPING_CONCEPTS: dict[tuple[str, str], str] = {
    ("indresp", "hidp"): "household_id",
    ("indresp", "pno"): "person_number",
    ("indresp", "interview_year"): "interview_year",
    ("indresp", "age"): "age",
    ("indresp", "employment_status"): "employment_status",
    ("indresp", "current_nssec8"): "current_job_nssec8",
    ("indresp", "last_job_nssec8"): "last_job_nssec8",
    ("indresp", "gross_labour_income"): "gross_labour_income",
    ("indresp", "marital_status"): "marital_status",
    ("indresp", "own_children_under_16"): "own_children",
    ("indresp", "highest_qualification"): "highest_qualification",
    ("indall", "hidp"): "household_id",
    ("indall", "pno"): "person_number",
    ("indall", "age"): "age_household_grid",
    ("indall", "father_pidp"): "father_in_household",
    ("indall", "mother_pidp"): "mother_in_household",
    ("hhresp", "hidp"): "household_id",
    ("hhresp", "tenure"): "tenure",
    ("lad", "hidp"): "household_id",
    ("lad", "la_code"): "la_district",
    ("youth", "hidp"): "household_id",
    ("youth", "age"): "youth_age",
    ("youth", "reason_for_job_1"): "youth_reason_for_wanting_job",
    ("youth", "reason_for_job_2"): "youth_reason_for_wanting_job",
    ("youth", "aspect_of_job_1"): "youth_job_aspect_most_important",
    ("youth", "aspect_of_job_2"): "youth_job_aspect_most_important",
    ("xwavedat", "sex"): "sex",
    ("xwavedat", "birth_year"): "birth_year",
    ("xwavedat", "ethnic_group"): "ethnic_group",
    ("xwavedat", "born_in_uk"): "born_in_uk",
    ("xwavedat", "sample_origin"): "sample_origin",
}

# Mapping file type -> release file stem.
MAPPING_FILES: dict[str, str] = {
    "indresp": "indresp",
    "indall": "indall",
    "hhresp": "hhresp",
    "lad": "oslaua",
    "youth": "youth",
    "xwavedat": "xwavedat",
}

# Verdicts, worst first.
OTHER_NAME = "not seen"  # the release confirms other names for these waves, not the mapped one
ABSENT = "absent in the release"  # the release shows the concept is not in this wave
NOT_FOUND = "not found"  # no source shows the mapped name; the release knows nothing better
UNCONFIRMED = "unconfirmed"  # the mapped name is the release's own unconfirmed candidate
NO_CONCEPT = "no release concept"  # the audit does not know this staging name
CONFIRMED = "confirmed"
PROBLEMS = (OTHER_NAME, ABSENT, NOT_FOUND, UNCONFIRMED)


@dataclass(frozen=True)
class Finding:
    file: str
    variable: str  # staging name
    study: str | None  # None for the cross-wave file
    waves: tuple[str, ...]  # consecutive waves with the same verdict; () = cross-wave
    mapped: str  # the mapped column (with {wave} in place of the prefix)
    verdict: str
    release_names: tuple[str, ...]  # confirmed names in the release for these waves

    def describe(self) -> str:
        where = f"{self.study} {self.waves[0]}-{self.waves[-1]}" if self.waves else "cross-wave"
        names = ", ".join(f"`{n}`" for n in self.release_names)
        better = f"; the release confirms {names}" if names else ""
        return f"{self.file}.{self.variable} ({where}): `{self.mapped}` {self.verdict}{better}"


@dataclass(frozen=True)
class FileFinding:
    """A mapped file path that no distribution of the release produces."""

    file: str
    study: str | None
    mapped: str  # the path the mapping reads, for the study's first wave
    release_paths: tuple[str, ...]  # what the release's distributions have instead

    def describe(self) -> str:
        where = f" ({self.study})" if self.study else ""
        paths = ", ".join(self.release_paths) or "no such file"
        return f"{self.file}{where}: reads {self.mapped}; the release has {paths}"


@dataclass(frozen=True)
class PanelAudit:
    findings: tuple[Finding, ...]
    files: tuple[FileFinding, ...]
    missing_codes_not_mapped: tuple[int, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.verdict in PROBLEMS)


def _template(column: str, wave: Wave | None) -> str:
    return column.replace(f"{wave.prefix}_", "{wave}_", 1) if wave else column


def _verdict(
    release: PanelRelease, concept: str, study: str, wave: str | None, column: str
) -> tuple[str, tuple[str, ...]]:
    entries = release.entries_for(concept, study, wave)
    confirmed = tuple(e.name for e in entries if e.status == "confirmed" and e.name)
    named = {e.status: e for e in entries if e.column(wave) == column}
    if "confirmed" in named:
        return CONFIRMED, confirmed
    if confirmed:
        return OTHER_NAME, confirmed
    if any(e.status == "absent" for e in entries):
        return ABSENT, ()
    return (UNCONFIRMED if "unconfirmed" in named else NOT_FOUND), ()


def audit_panel_mapping(
    mapping: PanelMapping | None = None, release: PanelRelease | None = None
) -> PanelAudit:
    """Every mapped (file, staging name, wave) against what the release says."""
    mapping = mapping or load_mapping()
    release = release or load_panel_release()
    rows: list[Finding] = []
    for file, spec in mapping.files.items():
        waves: tuple[Wave | None, ...] = (None,) if spec.cross_wave else mapping.waves_of(file)
        for variable in spec.variables:
            if variable == "pidp":
                continue
            concept = MAPPING_CONCEPTS.get((file, variable))
            for wave in waves:
                column = mapping.columns(file, wave)[variable]
                study = wave.study if wave else "all"
                prefix = wave.prefix if wave else None
                verdict, names = (
                    _verdict(release, concept, study, prefix, column)
                    if concept
                    else (NO_CONCEPT, ())
                )
                rows.append(
                    Finding(
                        file=file,
                        variable=variable,
                        study=wave.study if wave else None,
                        waves=(prefix,) if prefix else (),
                        mapped=_template(column, wave),
                        verdict=verdict,
                        release_names=names,
                    )
                )
    codes = {m.code for m in release.missing_codes}
    return PanelAudit(
        _merge_runs(rows),
        _file_findings(mapping, release),
        tuple(sorted(codes - set(mapping.missing_codes))),
    )


def _file_findings(mapping: PanelMapping, release: PanelRelease) -> tuple[FileFinding, ...]:
    """Mapped paths (first wave of each study) against every distribution's path."""
    out = []
    for file, spec in mapping.files.items():
        stem = MAPPING_FILES.get(file)
        firsts: list[Wave | None] = (
            [None]
            if spec.cross_wave
            else [
                next(w for w in mapping.waves_of(file) if w.study == s)
                for s in _studies(mapping, file)
            ]
        )
        for wave in firsts:
            mapped = f"{PANEL_DIR}/{mapping.file_name(file, wave)}"
            paths = _release_paths(release, stem, wave) if stem else ()
            if mapped not in paths:
                out.append(FileFinding(file, wave.study if wave else None, mapped, paths))
    return tuple(out)


def _studies(mapping: PanelMapping, file: str) -> list[str]:
    return list(dict.fromkeys(w.study for w in mapping.waves_of(file)))


def _release_paths(release: PanelRelease, stem: str, wave: Wave | None) -> tuple[str, ...]:
    """The file's path in every distribution that carries it (LA files only in SN 6666)."""
    paths = []
    for dist in release.distributions.values():
        if wave is None:
            path = dist.cross_wave_path(stem)
        elif ("{file}" in dist.wave_file) == (stem != "oslaua"):
            number = release.studies[wave.study].waves.index(wave.prefix) + 1
            path = dist.wave_path(wave.study, wave.prefix, number, stem)
        else:
            path = None
        if path:
            paths.append(path)
    return tuple(paths)


def _merge_runs(rows: list[Finding]) -> tuple[Finding, ...]:
    """Collapse consecutive waves with the same verdict into one finding."""

    def key(f: Finding) -> tuple:
        return (f.file, f.variable, f.study, f.mapped, f.verdict, f.release_names)

    merged = []
    for k, run in groupby(rows, key=key):
        waves = tuple(w for f in run for w in f.waves)
        merged.append(Finding(k[0], k[1], k[2], waves, k[3], k[4], k[5]))
    return tuple(merged)


def markdown_table(audit: PanelAudit) -> str:
    """Every mapped variable per study and waves with its verdict (for docs/panel.md)."""
    lines = [
        "| File | Our name | Study, waves | Mapped name | In the release | Release confirms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in audit.findings:
        where = f"{f.study} {f.waves[0]}-{f.waves[-1]}" if f.waves else "cross-wave"
        names = ", ".join(f"`{n}`" for n in f.release_names)
        lines.append(
            f"| {f.file} | `{f.variable}` | {where} | `{f.mapped}` | {f.verdict} | {names} |"
        )
    return "\n".join(lines)


def main() -> None:
    import sys

    audit = audit_panel_mapping()
    if "--markdown" in sys.argv[1:]:
        print(markdown_table(audit))
        return
    for file_finding in audit.files:
        print(file_finding.describe())
    for finding in audit.problems:
        print(finding.describe())
    codes = ", ".join(map(str, audit.missing_codes_not_mapped))
    print(f"missing codes in the release but not in the mapping: {codes or 'none'}")


if __name__ == "__main__":
    main()
