"""Find and read the panel files as the UK Data Service distributes them (restricted mode).

The folder and file-name patterns come from the release description
(warehouse/releases/ukhls_bhps.yml): per-study folders (`ukhls/`, `bhps/`), the `_protect`
suffix, the older `ukhls_w1/` folders, `.tab` or Stata `.dta`; the mapping's own flat name
(`ukhls/{wave}_indresp.tab`) is the last resort. Column names are matched case-insensitively.

Each mapped file is written, with only the mapped columns under the mapping's names, to the
warehouse's working folder, where the contracts and staging of `panel_mapping` read it. A
mapped variable that is not in the file stops the run naming the variable, the real file and
the wave; one the release description marks absent in that wave becomes an empty column and
a note for the report.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from mobility.contracts import quote_identifier, quote_path
from mobility.errors import BadInputError
from mobility.panel_mapping import PanelMapping, Wave, load_mapping
from mobility.release_audit import MAPPING_CONCEPTS, MAPPING_FILES
from mobility.releases import PanelRelease, load_panel_release

RELEASE_STEM = MAPPING_FILES  # mapping file type -> the release's file stem
# What an absent variable becomes, where the release description states an alternative:
# BHPS wave 1 has no interview year and all its fieldwork was in 1991 (the wave's year).
ALTERNATIVES = {"interview_year": "the wave's fieldwork year"}
EXTENSIONS = (".tab", ".dta")


@dataclass(frozen=True)
class Absence:
    """A mapped variable the release does not have in one wave (the field is null there)."""

    variable: str
    staging_name: str
    file_type: str
    wave: str
    citation: str | None


def absence_notes(absences: list[Absence]) -> list[str]:
    """One report note per mapped variable, listing the waves the release lacks it in."""
    grouped: dict[tuple[str, str], list[Absence]] = {}
    for absence in absences:
        grouped.setdefault((absence.file_type, absence.staging_name), []).append(absence)
    notes = []
    for (file_type, name), group in grouped.items():
        instead = ALTERNATIVES.get(name)
        notes.append(
            f"`{name}` ({file_type} file) is not in the release in wave(s) "
            f"{', '.join(a.wave for a in group)} ({', '.join(a.variable for a in group)}; "
            "release description: absent); "
            + (f"{instead} is used instead." if instead else "the field is empty there.")
        )
    return notes


def _index(panel_dir: Path) -> dict[str, list[Path]]:
    """Every file below the directory by lower-case name (links not followed, no writes)."""
    found: dict[str, list[Path]] = {}
    for root, _dirs, files in os.walk(panel_dir):
        for name in files:
            found.setdefault(name.lower(), []).append(Path(root) / name)
    return found


def _candidates(release: PanelRelease, stem: str, wave: Wave | None) -> list[PurePosixPath]:
    """Relative paths, best first, from every distribution's pattern (both extensions)."""
    paths: list[str] = []
    for dist in release.distributions.values():
        pattern = dist.wave_file if wave else dist.cross_wave_file
        if pattern is None or ("{file}" not in pattern and stem not in pattern):
            continue
        if wave is not None:
            number = release.studies[wave.study].waves.index(wave.prefix) + 1
            path = dist.wave_path(wave.study, wave.prefix, number, stem)
        else:
            path = dist.cross_wave_path(stem) or ""
        base = path.rsplit(".", 1)[0]
        paths += [base + ext for ext in EXTENSIONS]
    return [PurePosixPath(p.lower()) for p in dict.fromkeys(paths)]


def find_release_file(
    index: dict[str, list[Path]],
    panel_dir: Path,
    release: PanelRelease,
    mapping: PanelMapping,
    file_type: str,
    wave: Wave | None,
) -> Path | None:
    """The file of this type and wave: a release pattern's folder/file, else the mapped name."""
    stem = RELEASE_STEM.get(file_type, file_type)
    for candidate in _candidates(release, stem, wave):
        for path in index.get(candidate.name, []):
            rel = PurePosixPath(path.relative_to(panel_dir).as_posix().lower())
            if len(rel.parts) == 1 or rel.parts[-2] == candidate.parts[-2]:
                return path
    flat = mapping.file_name(file_type, wave).lower()
    matches = index.get(flat, [])
    return matches[0] if matches else None


def read_header(path: Path) -> list[str]:
    """Column names of a .tab or .dta file."""
    try:
        if path.suffix.lower() == ".dta":
            with pd.read_stata(path, iterator=True) as reader:
                return list(reader.variable_labels())
        con = duckdb.connect()
        try:
            rel = con.sql(
                f"select * from read_csv({quote_path(path)}, delim = '\\t', header = true, "
                "all_varchar = true) limit 0"
            )
            return list(rel.columns)
        finally:
            con.close()
    except (duckdb.Error, ValueError, OSError) as exc:
        raise BadInputError(
            f"{path}: cannot be read as a .tab or Stata .dta file ({exc})."
        ) from exc


def _absence(release: PanelRelease, file_type: str, wave: Wave | None, name: str) -> Absence | None:
    """The release's `absent` entry for this staging name's concept in this wave, if any."""
    concept = MAPPING_CONCEPTS.get((file_type, name))
    if wave is None or concept is None:
        return None
    here = release.entries_for(concept, wave.study, wave.prefix)
    if here and all(e.status == "absent" for e in here):
        return Absence("", name, file_type, wave.prefix, here[0].citation)
    return None


def _write_mapped(
    source: Path, target: Path, selected: dict[str, str | None], constants: dict[str, int]
) -> None:
    """Write the mapped columns (None = empty, or a constant) as a tab file, mapped names."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix.lower() == ".dta":
        real = [c for c in selected.values() if c is not None]
        frame = pd.read_stata(source, columns=real, convert_categoricals=False)
        out = pd.DataFrame(index=frame.index)
        for name, column in selected.items():
            if column is None:
                out[name] = pd.Series(constants.get(name, pd.NA), index=frame.index, dtype="Int64")
                continue
            values = frame[column]
            if values.dtype.kind == "f" and values.dropna().mod(1).eq(0).all():
                values = values.astype("Int64")  # Stata doubles holding whole numbers
            out[name] = values
        out.to_csv(target, sep="\t", index=False, na_rep="")
        return
    columns = ", ".join(
        f"{quote_identifier(c) if c else constants.get(n, 'null')} as {quote_identifier(n)}"
        for n, c in selected.items()
    )
    con = duckdb.connect()
    try:
        con.execute(
            f"copy (select {columns} from read_csv({quote_path(source)}, delim = '\\t', "
            f"header = true, all_varchar = true)) to {quote_path(target)} "
            "(header true, delimiter '\\t')"
        )
    finally:
        con.close()


def _label(wave: Wave | None) -> str:
    return f"{wave.study.upper()} wave {wave.prefix} ({wave.year})" if wave else "cross-wave"


def link_panel_files(
    panel_dir: Path,
    target_dir: Path,
    mapping: PanelMapping | None = None,
    release: PanelRelease | None = None,
) -> list[Absence]:
    """Write every mapped wave file, mapped columns only, to target_dir; return the absences."""
    mapping = mapping or load_mapping()
    release = release or load_panel_release()
    index = _index(panel_dir)
    absences: list[Absence] = []
    for file_type, spec in mapping.files.items():
        waves: tuple[Wave | None, ...] = (None,) if spec.cross_wave else mapping.waves_of(file_type)
        for wave in waves:
            source = find_release_file(index, panel_dir, release, mapping, file_type, wave)
            if source is None:
                raise BadInputError(
                    f"{panel_dir}: no {_label(wave)} {file_type} file (looked for "
                    f"{RELEASE_STEM.get(file_type, file_type)} in the layouts of "
                    f"{release.path.name}, .tab or .dta, and for "
                    f"{mapping.file_name(file_type, wave)}). Every wave listed under `studies` "
                    f"in {mapping.path} must be present; remove waves you do not hold there."
                )
            header = {c.lower(): c for c in read_header(source)}
            selected: dict[str, str | None] = {}
            constants: dict[str, int] = {}
            for name, variable in mapping.columns(file_type, wave).items():
                if variable.lower() in header:
                    selected[variable] = header[variable.lower()]
                    continue
                absence = _absence(release, file_type, wave, name)
                if absence is None:
                    close = difflib.get_close_matches(variable.lower(), list(header), n=3)
                    hint = f" Similar variables in the file: {', '.join(close)}." if close else ""
                    raise BadInputError(
                        f"{source}: variable {variable} (our `{name}`) is not in this "
                        f"{_label(wave)} {file_type} file.{hint} If your release names it "
                        f"differently, map it in {mapping.path} under files.{file_type}."
                    )
                selected[variable] = None
                if name in ALTERNATIVES and wave is not None:
                    constants[variable] = wave.year
                absences.append(Absence(variable, name, file_type, absence.wave, absence.citation))
            target = target_dir / mapping.file_name(file_type, wave)
            _write_mapped(source, target, selected, constants)
    return absences
