"""Raw-file contracts of strand C, the ONS Longitudinal Study extract (docs/ls.md).

One contract per census file, so a missing wave is reported by name; each also pins the
`census_year` inside the file to the year in its name, and the member id is the key (two
records of one member in one wave are refused). `validate_ls` adds the check a per-file
contract cannot make: every region has a regional-indicator row in every census.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from mobility.contracts import Column, FileContract, validate
from mobility.errors import BadInputError
from mobility.generate.geography import REGIONS

LS_CENSUS_YEARS: tuple[int, ...] = (1971, 1981, 1991, 2001, 2011)
LS_REGION_CODES: tuple[str, ...] = tuple(r[0] for r in REGIONS)


def _codes(*values: int) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _census_contract(year: int) -> FileContract:
    return FileContract(
        name=f"ONS LS census {year} records",
        pattern=f"ons_ls/ls_census_{year}.csv",
        columns=(
            Column("lsid"),
            Column("census_year", allowed=(str(year),)),
            Column("gor", allowed=LS_REGION_CODES),
            Column("age", "integer", min_value=0, max_value=115),
            Column("sex", allowed=_codes(1, 2)),
            Column("ethnic_group", allowed=_codes(1, 2, 3, 4, -9)),
            Column("llti", allowed=_codes(0, 1, -9)),
            Column("marital_status", allowed=_codes(1, 2, 3, 4, -9)),
            Column("degree", allowed=_codes(0, 1, -8, -9)),
            Column("tenure", allowed=_codes(1, 2, 3, -9)),
            Column("born_outside_uk", allowed=_codes(0, 1, -9)),
            Column("econ_activity", allowed=_codes(1, 2, 3, -8, -9)),
            Column("occ_class", allowed=_codes(1, 2, 3, -8, -9)),
            Column("mother_lsid", nullable=True),
            Column("father_lsid", nullable=True),
        ),
        key=("lsid",),
    )


LS_REGIONAL_INDICATORS = FileContract(
    name="ONS LS regional indicators",
    pattern="ons_ls/ls_regional_indicators.csv",
    columns=(
        Column("census_year", allowed=_codes(*LS_CENSUS_YEARS)),
        Column("gor", allowed=LS_REGION_CODES),
        Column("region_name"),
        Column("pct_prof_tech", "number", min_value=0, max_value=100),
        Column("unemployment_rate", "number", min_value=0, max_value=100),
        Column("population", "integer", min_value=1),
    ),
    key=("census_year", "gor"),
)

LS_CONTRACTS: tuple[FileContract, ...] = (
    *(_census_contract(year) for year in LS_CENSUS_YEARS),
    LS_REGIONAL_INDICATORS,
)


def check_ls_completeness(data_dir: Path) -> None:
    """Every census file has rows and the regional table covers every region in every wave."""
    con = duckdb.connect()
    try:
        for year in LS_CENSUS_YEARS:
            path = data_dir / f"ons_ls/ls_census_{year}.csv"
            rows = con.execute(
                "select count(*) from read_csv(?, header = true, all_varchar = true)",
                [path.as_posix()],
            ).fetchone()[0]
            if rows == 0:
                raise BadInputError(
                    f"{path}: census wave {year} has no records; the ONS LS extract needs "
                    f"every census {', '.join(map(str, LS_CENSUS_YEARS))}."
                )
        path = data_dir / LS_REGIONAL_INDICATORS.pattern
        present = set(
            con.execute(
                "select trim(census_year), trim(gor) from "
                "read_csv(?, header = true, all_varchar = true)",
                [path.as_posix()],
            ).fetchall()
        )
    finally:
        con.close()
    missing = [
        (str(y), c) for y in LS_CENSUS_YEARS for c in LS_REGION_CODES if (str(y), c) not in present
    ]
    if missing:
        shown = ", ".join(f"{c} in {y}" for y, c in missing[:5])
        raise BadInputError(
            f"{path}: {len(missing)} region-census row(s) missing ({shown}"
            f"{' ...' if len(missing) > 5 else ''}); the deprivation quintiles need every "
            "region in every census."
        )


def validate_ls(data_dir: Path) -> dict[str, int]:
    """Check the LS extract against its contracts; raise BadInputError on the first problem."""
    rows = validate(data_dir, LS_CONTRACTS)
    check_ls_completeness(data_dir)
    return rows
