"""Read warehouse/panel_variables.yml and stack the UKDS wave files under our staging names.

Real releases rename variables between waves and studies; the mapping file holds those names
so code never does. `stage_panel_files` checks each wave file against the mapping (a missing
variable names the wave file, the variable and the mapping file), then writes one stacked,
renamed file per file type under <data dir>/ukhls/_staged/ for dbt. Raw files are read in
place and never copied.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from mobility.contracts import quote_identifier, quote_path
from mobility.errors import BadInputError, first_line
from mobility.missing_codes import panel_missing_codes

MAPPING_PATH = Path(__file__).resolve().parents[1] / "warehouse" / "panel_variables.yml"
PANEL_DIR = "ukhls"
STAGED_DIR = "_staged"


@dataclass(frozen=True)
class Wave:
    prefix: str  # file and variable prefix, e.g. "ba" or "a"
    study: str  # "bhps" or "ukhls"
    number: int  # 1 = BHPS 1991 ... 29 = UKHLS k
    year: int  # year fieldwork started (a label; analysis uses the interview year)


@dataclass(frozen=True)
class FileType:
    name: str  # e.g. "indresp"
    file: str  # template, e.g. "{wave}_indresp.tab"
    key: tuple[str, ...]  # staging names
    variables: dict[str, str | dict[str, str]]
    wave_overrides: dict[str, dict[str, str]]
    cross_wave: bool = False
    first_wave: str | None = None


@dataclass(frozen=True)
class PanelMapping:
    path: Path
    waves: tuple[Wave, ...]
    files: dict[str, FileType]
    missing_codes: tuple[int, ...]  # from the release description, not the mapping

    def waves_of(self, file_type: str) -> tuple[Wave, ...]:
        """The waves in which a file type exists (none for the cross-wave file)."""
        spec = self.files[file_type]
        if spec.cross_wave:
            return ()
        prefixes = [w.prefix for w in self.waves]
        start = prefixes.index(spec.first_wave) if spec.first_wave else 0
        return self.waves[start:]

    def file_name(self, file_type: str, wave: Wave | None) -> str:
        return self.files[file_type].file.format(wave=wave.prefix if wave else "")

    def columns(self, file_type: str, wave: Wave | None) -> dict[str, str]:
        """Staging name -> this wave's variable name, overrides applied."""
        spec = self.files[file_type]
        out: dict[str, str] = {}
        for name, template in spec.variables.items():
            if isinstance(template, dict):
                if wave is None or wave.study not in template:
                    raise BadInputError(
                        f"{self.path}: files.{file_type}.variables.{name} has no entry for "
                        f"study {wave.study if wave else '?'}."
                    )
                template = template[wave.study]
            out[name] = template.format(wave=wave.prefix if wave else "")
        if wave is not None:
            out.update(spec.wave_overrides.get(wave.prefix, {}))
        return out


def load_mapping(path: Path = MAPPING_PATH) -> PanelMapping:
    """Parse the mapping file, with a clear message if it is malformed."""
    try:
        raw = yaml.safe_load(path.read_text())
        waves: list[Wave] = []
        for study, spec in raw["studies"].items():
            for k, prefix in enumerate(spec["waves"]):
                waves.append(Wave(prefix, study, len(waves) + 1, int(spec["first_year"]) + k))
        files = {
            name: FileType(
                name=name,
                file=spec["file"],
                key=tuple(spec.get("key", ())),
                variables=dict(spec["variables"]),
                wave_overrides=dict(spec.get("wave_overrides") or {}),
                cross_wave=bool(spec.get("cross_wave", False)),
                first_wave=spec.get("first_wave"),
            )
            for name, spec in raw["files"].items()
        }
        return PanelMapping(path, tuple(waves), files, panel_missing_codes())
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot read the panel column mapping ({exc!r}).") from exc


def read_header(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        rel = con.sql(
            f"select * from read_csv({quote_path(path)}, delim = '\\t', header = true, "
            "all_varchar = true) limit 0"
        )
    except duckdb.Error as exc:
        raise BadInputError(
            f"{path}: cannot be read as a tab-delimited file ({first_line(exc)})."
        ) from exc
    return list(rel.columns)


def check_wave_file(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    mapping: PanelMapping,
    file_type: str,
    wave: Wave | None,
) -> tuple[Path, dict[str, str]]:
    """The wave file's path and column map, or BadInputError naming what is missing."""
    path = data_dir / PANEL_DIR / mapping.file_name(file_type, wave)
    label = f"{wave.study.upper()} wave {wave.prefix} ({wave.year})" if wave else "cross-wave"
    if not path.is_file():
        raise BadInputError(
            f"Missing file: {path} ({label} {file_type}). Every wave listed under `studies` in "
            f"{mapping.path} must be present; remove waves you do not hold from that list."
        )
    header = read_header(con, path)
    columns = mapping.columns(file_type, wave)
    for name, variable in columns.items():
        if variable not in header:
            close = difflib.get_close_matches(variable, header, n=3, cutoff=0.6)
            hint = f" Similar variables in the file: {', '.join(close)}." if close else ""
            where = f"wave_overrides.{wave.prefix}" if wave else "variables"
            raise BadInputError(
                f"{path}: variable {variable} (our `{name}`) is not in this {label} "
                f"{file_type} file.{hint} If your release names it differently, map it in "
                f"{mapping.path} under files.{file_type}.{where}: {{{name}: <its name>}}."
            )
    return path, columns


def stage_panel_files(data_dir: Path, mapping: PanelMapping | None = None) -> dict[str, int]:
    """Write one stacked file per file type (staging names, plus wave columns); rows per type."""
    mapping = mapping or load_mapping()
    out_dir = data_dir / PANEL_DIR / STAGED_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    con = duckdb.connect()
    try:
        for file_type, spec in mapping.files.items():
            waves: tuple[Wave | None, ...] = (
                (None,) if spec.cross_wave else mapping.waves_of(file_type)
            )
            selects = []
            for wave in waves:
                path, columns = check_wave_file(con, data_dir, mapping, file_type, wave)
                wave_cols = (
                    f"'{wave.prefix}' as wave, {wave.number} as wave_number, "
                    f"'{wave.study}' as study, {wave.year} as wave_year, "
                    if wave
                    else ""
                )
                renamed = ", ".join(
                    f"{quote_identifier(v)} as {quote_identifier(k)}" for k, v in columns.items()
                )
                selects.append(
                    f"select {wave_cols}{renamed} from read_csv({quote_path(path)}, delim = '\\t', "
                    "header = true, all_varchar = true)"
                )
            target = out_dir / f"{file_type}.tab"
            con.execute(
                f"copy ({' union all '.join(selects)}) to {quote_path(target)} "
                "(header true, delimiter '\\t')"
            )
            rows[file_type] = int(
                con.execute(
                    f"select count(*) from read_csv({quote_path(target)}, delim = '\\t', "
                    "header = true, all_varchar = true)"
                ).fetchone()[0]
            )
    finally:
        con.close()
    return rows
