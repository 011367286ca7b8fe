"""Raw-file contracts of strand B (BHPS + UKHLS files in the UK Data Service layout).

One FileContract per wave and file type, with the variable names of warehouse/panel_variables.yml,
so a missing wave file, a duplicate key, an unknown LA code or an impossible value is reported
per wave file before dbt runs. `prepare_panel` is the single entry point for the pipeline:
mapping check (a renamed variable names the wave file, the variable and the mapping file), then
the contracts, then the stacked files dbt reads.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from mobility.contracts import Column, FileContract, validate
from mobility.layouts import LA_LOOKUP
from mobility.missing_codes import concept_missing_codes, panel_missing_codes
from mobility.panel_mapping import (
    PANEL_DIR,
    PanelMapping,
    Wave,
    check_wave_file,
    load_mapping,
    stage_panel_files,
)

__all__ = [
    "PANEL_CONTRACTS",
    "check_panel_mapping",
    "has_panel",
    "panel_contracts",
    "prepare_panel",
    "stage_panel_files",
]

MISSING = tuple(float(c) for c in panel_missing_codes())  # from the release description
_SEX_CODES = (1, 2, *concept_missing_codes("sex"), *panel_missing_codes())
_MAPPING_NOTE = "variable names from warehouse/panel_variables.yml"

# Staging name -> how its values are checked (ids must be whole numbers; codes in range).
# LA codes are not checked against the LA lookup: UKHLS covers the UK and codes come in
# several vintages; int_panel_household_las_harmonised maps, counts and reports them.
_CHECKS: dict[str, dict[str, object]] = {
    "pidp": {"kind": "integer", "min_value": 1},
    "hidp": {"kind": "integer", "min_value": 1},
    "interview_year": {"kind": "integer", "min_value": 1990, "max_value": 2021},
    "age": {"kind": "integer", "min_value": 0, "max_value": 110, "missing_codes": MISSING},
    "sex": {"allowed": tuple(str(c) for c in _SEX_CODES)},  # 0 and missing codes -> null
    "birth_year": {
        "kind": "integer",
        "min_value": 1890,
        "max_value": 2021,
        "missing_codes": MISSING,
    },
    "gross_labour_income": {"kind": "number", "min_value": 0, "missing_codes": MISSING},
}


def _column(name: str, variable: str) -> Column:
    """Checked columns per _CHECKS; the rest only need to be present (cheap on 150 files)."""
    spec = _CHECKS.get(name)
    if spec is None:
        return Column(variable, nullable=True)
    return Column(variable, **spec)  # type: ignore[arg-type]


def _contract(mapping: PanelMapping, file_type: str, wave: Wave | None) -> FileContract:
    columns = mapping.columns(file_type, wave)
    label = f"{wave.study.upper()} wave {wave.prefix} ({wave.year})" if wave else "cross-wave"
    return FileContract(
        name=f"{label} {file_type} file ({_MAPPING_NOTE})",
        pattern=f"{PANEL_DIR}/{mapping.file_name(file_type, wave)}",
        columns=tuple(_column(name, variable) for name, variable in columns.items()),
        key=tuple(columns[k] for k in mapping.files[file_type].key),
        delimiter="\t",
    )


def panel_contracts(mapping: PanelMapping) -> tuple[FileContract, ...]:
    """Every wave file the mapping lists, plus the cross-wave file."""
    contracts = []
    for file_type, spec in mapping.files.items():
        waves: tuple[Wave | None, ...] = (None,) if spec.cross_wave else mapping.waves_of(file_type)
        contracts += [_contract(mapping, file_type, wave) for wave in waves]
    return tuple(contracts)


PANEL_CONTRACTS: tuple[FileContract, ...] = panel_contracts(load_mapping())


def has_panel(data_dir: Path) -> bool:
    """Strand B runs only when the data directory holds the panel files."""
    return (data_dir / PANEL_DIR).is_dir()


def check_panel_mapping(data_dir: Path, mapping: PanelMapping | None = None) -> None:
    """Every wave file exists and has every mapped variable (messages name the mapping file)."""
    mapping = mapping or load_mapping()
    con = duckdb.connect()
    try:
        for file_type, spec in mapping.files.items():
            waves: tuple[Wave | None, ...] = (
                (None,) if spec.cross_wave else mapping.waves_of(file_type)
            )
            for wave in waves:
                check_wave_file(con, data_dir, mapping, file_type, wave)
    finally:
        con.close()


def prepare_panel(data_dir: Path, mapping_path: Path | None = None) -> dict[str, int]:
    """Check the panel files (mapping, then contracts) and stage them for dbt; rows per file type.

    Raises BadInputError (exit 2) before anything is written to the warehouse.
    """
    mapping = load_mapping(mapping_path) if mapping_path else load_mapping()
    check_panel_mapping(data_dir, mapping)
    contracts = PANEL_CONTRACTS if mapping_path is None else panel_contracts(mapping)
    validate(data_dir, contracts, lookup=LA_LOOKUP)
    return stage_panel_files(data_dir, mapping)
