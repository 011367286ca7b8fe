"""Load the release descriptions in warehouse/releases/ (what the real UKDS and LS files hold).

A release description is independent of the column mapping: it records, from public
documentation, which files and variables exist in which waves or censuses, their codings and
missing codes, with a citation for each. The readers and synthetic twins of strands B and C
are to be written from these files, so a mapping error shows up as a disagreement between the
mapping and the release, not as a twin that agrees with whatever the mapping says.

Loading validates the structure and internal consistency (every wave covered, every entry
cited or marked unconfirmed with what was searched, codes are integers, ranges valid) and
raises BadInputError naming the file and the key path of the first problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mobility.errors import BadInputError

RELEASES_DIR = Path(__file__).resolve().parents[1] / "warehouse" / "releases"
PANEL_RELEASE_PATH = RELEASES_DIR / "ukhls_bhps.yml"
LS_RELEASE_PATH = RELEASES_DIR / "ons_ls.yml"

STATUSES = ("confirmed", "absent", "unconfirmed")
FORMATS = ("tab", "dta")
ALL_STUDIES = "all"  # entries of cross-wave files apply to every study
PERSON_KEYS = ("pidp", "pid")  # the only names in per-wave files without a wave prefix


@dataclass(frozen=True)
class MissingCode:
    code: int
    meaning: str
    scope: str


@dataclass(frozen=True)
class Entry:
    """One statement about a concept: its name (or absence) over a range of waves/censuses."""

    concept: str
    status: str
    name: str | None
    scope: tuple[str, ...]  # wave prefixes (panel) or census years as strings (LS); () = all
    study: str | None = None  # panel only
    table: str | None = None  # LS only
    citation: str | None = None
    searched: str | None = None
    coding: dict[int, str] = field(default_factory=dict)
    coding_confirmed: bool | None = None
    missing: tuple[int, ...] = ()
    note: str | None = None

    def column(self, wave: str | None = None) -> str | None:
        """The column name in a given wave's file ({wave} replaced by the prefix)."""
        if self.name is None:
            return None
        return self.name.format(wave=wave) if wave is not None else self.name


@dataclass(frozen=True)
class Concept:
    name: str
    entries: tuple[Entry, ...]
    file: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Study:
    name: str
    first_year: int
    waves: tuple[str, ...]


@dataclass(frozen=True)
class Distribution:
    """Folder and file-name patterns of one way the release is distributed (tab or Stata)."""

    name: str
    study_number: int
    format: str
    wave_file: str
    cross_wave_file: str | None
    status: str
    citation: str

    def wave_path(self, study: str, wave: str, number: int, file: str) -> str:
        return self.wave_file.format(study=study, wave=wave, n=number, file=file)

    def cross_wave_path(self, file: str) -> str | None:
        return self.cross_wave_file.format(file=file) if self.cross_wave_file else None


@dataclass(frozen=True)
class FileSpec:
    name: str
    key: tuple[str, ...]
    studies: tuple[str, ...]
    cross_wave: bool
    first_wave: dict[str, str]
    distribution: str | None
    citation: str


@dataclass(frozen=True)
class PanelRelease:
    path: Path
    studies: dict[str, Study]
    missing_codes: tuple[MissingCode, ...]
    distributions: dict[str, Distribution]
    files: dict[str, FileSpec]
    concepts: dict[str, Concept]

    def waves_of(self, file: str, study: str) -> tuple[str, ...]:
        """The waves of a study in which a per-wave file exists."""
        spec = self.files[file]
        if spec.cross_wave or study not in spec.studies:
            return ()
        waves = self.studies[study].waves
        first = spec.first_wave.get(study)
        return waves[waves.index(first) :] if first else waves

    def entries_for(self, concept: str, study: str, wave: str | None = None) -> tuple[Entry, ...]:
        """What the release says about a concept in one wave of a study (or cross-wave)."""
        return tuple(
            e
            for e in self.concepts[concept].entries
            if e.study in (study, ALL_STUDIES) and (wave is None or not e.scope or wave in e.scope)
        )


@dataclass(frozen=True)
class Census:
    year: int
    member_table: str
    non_member_table: str
    suffix: str


@dataclass(frozen=True)
class LsRelease:
    path: Path
    censuses: tuple[Census, ...]
    missing_codes: tuple[MissingCode, ...]
    member_key: str
    concepts: dict[str, Concept]

    def entries_for(self, concept: str, year: int) -> tuple[Entry, ...]:
        return tuple(e for e in self.concepts[concept].entries if str(year) in e.scope)


class _Checker:
    """Typed access to the parsed YAML with messages naming the file and key path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> BadInputError:
        return BadInputError(f"{self.path}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        return value

    def keys(
        self, value: dict[str, Any], where: str, required: set[str], optional: set[str]
    ) -> None:
        missing = sorted(required - value.keys())
        if missing:
            raise self.fail(where, f"missing key(s) {', '.join(missing)}")
        unknown = sorted(value.keys() - required - optional)
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(map(str, unknown))}")

    def text(self, value: Any, where: str, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected non-empty text, got {value!r}")
        return value

    def integer(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected an integer, got {value!r}")
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, f"expected a non-empty list, got {value!r}")
        items = tuple(self.text(v, f"{where}[{k}]") or "" for k, v in enumerate(value))
        if len(set(items)) != len(items):
            raise self.fail(where, f"duplicate values in {list(items)}")
        return items

    def coding(self, value: Any, where: str) -> dict[int, str]:
        raw = self.mapping(value, where) if value is not None else {}
        return {
            self.integer(k, f"{where} code {k!r}"): self.text(v, f"{where}.{k}") or ""
            for k, v in raw.items()
        }

    def codes(self, value: Any, where: str) -> tuple[int, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of integer codes, got {value!r}")
        return tuple(self.integer(v, f"{where}[{k}]") for k, v in enumerate(value))

    def missing_codes(self, value: Any, where: str) -> tuple[MissingCode, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "expected a non-empty list of {code, meaning, scope}")
        out = []
        for k, item in enumerate(value):
            at = f"{where}[{k}]"
            item = self.mapping(item, at)
            self.keys(item, at, {"code", "meaning", "scope"}, {"citation"})
            code = self.integer(item["code"], f"{at}.code")
            if code >= 0:
                raise self.fail(f"{at}.code", f"missing codes are negative, got {code}")
            out.append(MissingCode(code, self.text(item["meaning"], at) or "", str(item["scope"])))
        codes = [m.code for m in out]
        if len(set(codes)) != len(codes):
            raise self.fail(where, f"duplicate codes in {codes}")
        return tuple(out)


_ENTRY_KEYS = {
    "status",
    "name",
    "citation",
    "searched",
    "coding",
    "coding_confirmed",
    "missing",
    "note",
}


def _entry(
    chk: _Checker, raw: Any, where: str, concept: str, scope: tuple[str, ...], **extra: Any
) -> Entry:
    """Common checks: status rules, citation or search record, integer codes."""
    status = raw.get("status")
    if status not in STATUSES:
        raise chk.fail(f"{where}.status", f"expected one of {', '.join(STATUSES)}, got {status!r}")
    name = chk.text(raw.get("name"), f"{where}.name", optional=True)
    citation = chk.text(raw.get("citation"), f"{where}.citation", optional=True)
    searched = chk.text(raw.get("searched"), f"{where}.searched", optional=True)
    note = chk.text(raw.get("note"), f"{where}.note", optional=True)
    if status == "confirmed" and (name is None or citation is None):
        raise chk.fail(where, "a confirmed entry needs `name` and `citation`")
    if status == "absent" and (name is not None or citation is None):
        raise chk.fail(where, "an absent entry has `name: null` and a `citation` showing absence")
    if status == "unconfirmed" and searched is None:
        raise chk.fail(where, "an unconfirmed entry must say what was `searched`")
    confirmed_coding = raw.get("coding_confirmed")
    if confirmed_coding is not None and not isinstance(confirmed_coding, bool):
        raise chk.fail(
            f"{where}.coding_confirmed", f"expected true/false, got {confirmed_coding!r}"
        )
    coding = chk.coding(raw.get("coding"), f"{where}.coding")
    if coding and confirmed_coding is None:
        raise chk.fail(where, "an entry with `coding` must say `coding_confirmed: true/false`")
    return Entry(
        concept=concept,
        status=status,
        name=name,
        scope=scope,
        citation=citation,
        searched=searched,
        coding=coding,
        coding_confirmed=confirmed_coding,
        missing=chk.codes(raw.get("missing"), f"{where}.missing"),
        note=note,
        **extra,
    )


def _span(chk: _Checker, raw: Any, order: tuple[str, ...], where: str) -> tuple[str, ...]:
    """An inclusive [first, last] range over an ordered list of waves or census years."""
    if not isinstance(raw, list) or len(raw) != 2:
        raise chk.fail(where, f"expected [first, last], got {raw!r}")
    first, last = (str(v) for v in raw)
    for v in (first, last):
        if v not in order:
            raise chk.fail(where, f"{v!r} is not one of {', '.join(order)}")
    i, j = order.index(first), order.index(last)
    if i > j:
        raise chk.fail(where, f"range {first}..{last} runs backwards")
    return order[i : j + 1]


def _check_coverage(
    chk: _Checker, concept: Concept, where: str, study: str | None, expected: tuple[str, ...]
) -> None:
    """Every wave/census is described, and no wave is both absent and confirmed."""
    entries = [e for e in concept.entries if e.study == study]
    covered = {s for e in entries for s in e.scope}
    gaps = [s for s in expected if s not in covered]
    if gaps:
        label = f"study {study} " if study else ""
        raise chk.fail(where, f"no entry for {label}wave(s)/census(es) {', '.join(gaps)}")
    absent = {s for e in entries if e.status == "absent" for s in e.scope}
    present = {s for e in entries if e.status == "confirmed" for s in e.scope}
    clash = sorted(absent & present, key=expected.index)
    if clash:
        raise chk.fail(where, f"both absent and confirmed in {', '.join(clash)}")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise BadInputError(f"{path}: cannot read the release description ({exc}).") from exc
    return _Checker(path).mapping(raw, "top level")


def _distributions(chk: _Checker, raw: Any) -> dict[str, Distribution]:
    if not isinstance(raw, list) or not raw:
        raise chk.fail("distributions", "expected a non-empty list")
    out: dict[str, Distribution] = {}
    for k, item in enumerate(raw):
        at = f"distributions[{k}]"
        item = chk.mapping(item, at)
        chk.keys(
            item,
            at,
            {"name", "study_number", "licence", "format", "wave_file", "citation"},
            {"cross_wave_file", "status", "searched", "note"},
        )
        fmt = item["format"]
        if fmt not in FORMATS:
            raise chk.fail(f"{at}.format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
        wave_file = chk.text(item["wave_file"], f"{at}.wave_file") or ""
        if "{wave}" not in wave_file or not wave_file.endswith(f".{fmt}"):
            raise chk.fail(f"{at}.wave_file", f"needs {{wave}} and the .{fmt} extension")
        cross = chk.text(item.get("cross_wave_file"), f"{at}.cross_wave_file", optional=True)
        if cross is not None and ("{file}" not in cross or not cross.endswith(f".{fmt}")):
            raise chk.fail(f"{at}.cross_wave_file", f"needs {{file}} and the .{fmt} extension")
        status = item.get("status", "confirmed")
        if status not in ("confirmed", "unconfirmed"):
            raise chk.fail(f"{at}.status", f"expected confirmed or unconfirmed, got {status!r}")
        if status == "unconfirmed" and not item.get("searched"):
            raise chk.fail(at, "an unconfirmed distribution must say what was `searched`")
        name = chk.text(item["name"], f"{at}.name") or ""
        if name in out:
            raise chk.fail(at, f"duplicate distribution {name}")
        out[name] = Distribution(
            name=name,
            study_number=chk.integer(item["study_number"], f"{at}.study_number"),
            format=fmt,
            wave_file=wave_file,
            cross_wave_file=cross,
            status=status,
            citation=chk.text(item["citation"], f"{at}.citation") or "",
        )
    return out


def _panel_concept(
    chk: _Checker,
    name: str,
    raw: Any,
    studies: dict[str, Study],
    files: dict[str, FileSpec],
) -> Concept:
    at = f"concepts.{name}"
    raw = chk.mapping(raw, at)
    chk.keys(raw, at, {"file", "entries"}, {"description", "note", "vintage"})
    file = raw["file"]
    if file not in files:
        raise chk.fail(f"{at}.file", f"{file!r} is not one of the `files`")
    spec = files[file]
    if not isinstance(raw["entries"], list) or not raw["entries"]:
        raise chk.fail(f"{at}.entries", "expected a non-empty list")
    entries = []
    for k, item in enumerate(raw["entries"]):
        where = f"{at}.entries[{k}]"
        item = chk.mapping(item, where)
        chk.keys(item, where, {"study", "status"}, _ENTRY_KEYS | {"waves"})
        study = item["study"]
        if spec.cross_wave:
            if "waves" in item:
                raise chk.fail(where, f"{file} is cross-wave: give no `waves`")
            if study != ALL_STUDIES and study not in studies:
                raise chk.fail(f"{where}.study", f"unknown study {study!r}")
            scope: tuple[str, ...] = ()
        else:
            if study not in spec.studies:
                raise chk.fail(f"{where}.study", f"{file} exists for {', '.join(spec.studies)}")
            if "waves" not in item:
                raise chk.fail(where, "missing key(s) waves")
            scope = _span(chk, item["waves"], studies[study].waves, f"{where}.waves")
        entry = _entry(chk, item, where, name, scope, study=study)
        column = entry.name
        if not spec.cross_wave and column and "{wave}" not in column and column not in PERSON_KEYS:
            raise chk.fail(
                f"{where}.name", f"{column!r} in a per-wave file needs a {{wave}} prefix"
            )
        entries.append(entry)
    concept = Concept(name, tuple(entries), file, raw.get("description"))
    if spec.cross_wave:
        return concept
    for study in spec.studies:
        expected = tuple(w for w in _waves_from(studies[study], spec.first_wave.get(study)))
        _check_coverage(chk, concept, at, study, expected)
    return concept


def _waves_from(study: Study, first: str | None) -> tuple[str, ...]:
    return study.waves[study.waves.index(first) :] if first else study.waves


def load_panel_release(path: Path = PANEL_RELEASE_PATH) -> PanelRelease:
    """Parse and check the Understanding Society / BHPS release description."""
    raw = _read_yaml(path)
    chk = _Checker(path)
    chk.keys(
        raw,
        "top level",
        {"release", "title", "studies", "missing_codes", "distributions", "files", "concepts"},
        {"missing_codes_citation", "missing_codes_note"},
    )
    studies: dict[str, Study] = {}
    for name, spec in chk.mapping(raw["studies"], "studies").items():
        at = f"studies.{name}"
        spec = chk.mapping(spec, at)
        chk.keys(spec, at, {"first_year", "waves", "citation"}, set())
        if name == ALL_STUDIES:
            raise chk.fail(at, f"{ALL_STUDIES!r} is reserved for cross-wave entries")
        studies[name] = Study(
            name,
            chk.integer(spec["first_year"], f"{at}.first_year"),
            chk.strings(spec["waves"], f"{at}.waves"),
        )
    distributions = _distributions(chk, raw["distributions"])
    files: dict[str, FileSpec] = {}
    for name, spec in chk.mapping(raw["files"], "files").items():
        at = f"files.{name}"
        spec = chk.mapping(spec, at)
        chk.keys(
            spec,
            at,
            {"description", "key", "citation"},
            {"studies", "cross_wave", "first_wave", "distribution", "columns", "note"},
        )
        cross = spec.get("cross_wave", False) is True
        file_studies = () if cross else chk.strings(spec.get("studies"), f"{at}.studies")
        for s in file_studies:
            if s not in studies:
                raise chk.fail(f"{at}.studies", f"unknown study {s!r}")
        first_wave = {
            str(k): str(v) for k, v in chk.mapping(spec.get("first_wave") or {}, at).items()
        }
        for s, w in first_wave.items():
            if s not in file_studies or w not in studies[s].waves:
                raise chk.fail(f"{at}.first_wave", f"{s}: {w} is not a wave of that study here")
        dist = spec.get("distribution")
        if dist is not None and dist not in distributions:
            raise chk.fail(f"{at}.distribution", f"unknown distribution {dist!r}")
        files[name] = FileSpec(
            name=name,
            key=chk.strings(spec["key"], f"{at}.key"),
            studies=file_studies,
            cross_wave=cross,
            first_wave=first_wave,
            distribution=dist,
            citation=chk.text(spec["citation"], f"{at}.citation") or "",
        )
    concepts = {
        name: _panel_concept(chk, name, spec, studies, files)
        for name, spec in chk.mapping(raw["concepts"], "concepts").items()
    }
    return PanelRelease(
        path=path,
        studies=studies,
        missing_codes=chk.missing_codes(raw["missing_codes"], "missing_codes"),
        distributions=distributions,
        files=files,
        concepts=concepts,
    )


def _ls_concept(chk: _Checker, name: str, raw: Any, censuses: tuple[Census, ...]) -> Concept:
    at = f"concepts.{name}"
    raw = chk.mapping(raw, at)
    chk.keys(raw, at, {"entries"}, {"description"})
    if not isinstance(raw["entries"], list) or not raw["entries"]:
        raise chk.fail(f"{at}.entries", "expected a non-empty list")
    years = tuple(str(c.year) for c in censuses)
    by_year = {str(c.year): c for c in censuses}
    entries = []
    for k, item in enumerate(raw["entries"]):
        where = f"{at}.entries[{k}]"
        item = chk.mapping(item, where)
        chk.keys(item, where, {"censuses", "status"}, _ENTRY_KEYS | {"table"})
        scope = _span(chk, item["censuses"], years, f"{where}.censuses")
        table = item.get("table")
        entry = _entry(chk, item, where, name, scope, table=table)
        if len(scope) == 1:
            census = by_year[scope[0]]
            if table is not None and table not in (census.member_table, census.non_member_table):
                raise chk.fail(
                    f"{where}.table",
                    f"{table!r} is not a {census.year} table "
                    f"({census.member_table} or {census.non_member_table})",
                )
            if entry.name and not entry.name.endswith(census.suffix):
                raise chk.fail(
                    f"{where}.name",
                    f"{entry.name!r} should end in the {census.year} suffix {census.suffix!r}",
                )
        entries.append(entry)
    concept = Concept(name, tuple(entries), None, raw.get("description"))
    _check_coverage(chk, concept, at, None, years)
    return concept


def load_ls_release(path: Path = LS_RELEASE_PATH) -> LsRelease:
    """Parse and check the ONS Longitudinal Study release description."""
    raw = _read_yaml(path)
    chk = _Checker(path)
    chk.keys(
        raw,
        "top level",
        {"release", "title", "citation", "censuses", "missing_codes", "layout", "concepts"},
        {"censuses_citation", "naming_note", "missing_codes_note"},
    )
    if not isinstance(raw["censuses"], list) or not raw["censuses"]:
        raise chk.fail("censuses", "expected a non-empty list")
    censuses = []
    for k, item in enumerate(raw["censuses"]):
        at = f"censuses[{k}]"
        item = chk.mapping(item, at)
        chk.keys(item, at, {"year", "member_table", "non_member_table", "suffix"}, set())
        censuses.append(
            Census(
                year=chk.integer(item["year"], f"{at}.year"),
                member_table=chk.text(item["member_table"], f"{at}.member_table") or "",
                non_member_table=chk.text(item["non_member_table"], f"{at}.non_member_table") or "",
                suffix=str(item["suffix"]),
            )
        )
    years = [c.year for c in censuses]
    if years != sorted(set(years)):
        raise chk.fail("censuses", f"years must be increasing and distinct, got {years}")
    layout = chk.mapping(raw["layout"], "layout")
    member_key = chk.text(layout.get("member_key"), "layout.member_key") or ""
    chk.text(layout.get("member_key_citation"), "layout.member_key_citation")
    concepts = {
        name: _ls_concept(chk, name, spec, tuple(censuses))
        for name, spec in chk.mapping(raw["concepts"], "concepts").items()
    }
    return LsRelease(
        path=path,
        censuses=tuple(censuses),
        missing_codes=chk.missing_codes(raw["missing_codes"], "missing_codes"),
        member_key=member_key,
        concepts=concepts,
    )
