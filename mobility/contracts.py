"""Contracts of the raw files, checked before anything is built.

Each FileContract says where a file lives under the data directory, which columns it must
have, their types and allowed values, its key, and which columns hold LA codes. `validate`
reads the files with DuckDB (fast on millions of rows) and raises BadInputError naming the
file, the column or row, and what was expected: the run stops before dbt touches the
warehouse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from mobility.errors import BadInputError, first_line

Kind = Literal["text", "integer", "number"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"
    min_value: float | None = None
    max_value: float | None = None
    allowed: tuple[str, ...] | None = None
    is_la_code: bool = False
    nullable: bool = False
    missing_codes: tuple[float, ...] = ()  # values that mean "missing" (e.g. UKDS -9 ... -1)


@dataclass(frozen=True)
class FileContract:
    name: str  # what the file is, for messages
    pattern: str  # glob relative to the data directory
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    delimiter: str = ","
    year_pattern: str | None = None  # regex with one group giving the year from the file name
    year_range: tuple[int, int] | None = None
    json_map: bool = False  # a JSON object keyed by LA code (the neighbours file)
    extra: dict[str, str] = field(default_factory=dict)


def quote_path(path: Path) -> str:
    """A path as a DuckDB string literal (single quotes doubled), for read_csv and copy."""
    return "'" + path.as_posix().replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """A column name as a DuckDB quoted identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _files(data_dir: Path, contract: FileContract) -> list[Path]:
    files = sorted(data_dir.glob(contract.pattern))
    if not files:
        raise BadInputError(
            f"Missing file: no {contract.name} found at {data_dir / contract.pattern}. "
            "Run `mobility generate` for the synthetic default, or point --data-dir at a "
            "directory laid out as docs/data_layouts.md describes."
        )
    return files


def _check_year(path: Path, contract: FileContract) -> None:
    if contract.year_pattern is None:
        return
    match = re.search(contract.year_pattern, path.name)
    if match is None:
        raise BadInputError(f"{path}: cannot read the year from the file name.")
    year = int(match.group(1))
    if contract.year_range and not contract.year_range[0] <= year <= contract.year_range[1]:
        low, high = contract.year_range
        raise BadInputError(
            f"{path}: year {year} is out of range; {contract.name} must cover {low}-{high}."
        )


def _value_at(con: duckdb.DuckDBPyConnection, column: str, row: int) -> str:
    return con.execute(f"select {column} from raw_file where __row = {row}").fetchone()[0]


@dataclass(frozen=True)
class _Check:
    """One rule on one column: rows matching `condition` break it; `message` says how."""

    column: Column
    condition: str
    message: Callable[[int, str], str]  # (data row, offending value) -> message


def _column_checks(
    path: Path, contract: FileContract, column: Column, known_la_codes: set[str] | None
) -> list[_Check]:
    """The rules for one column, in the order their messages are reported."""
    col = quote_identifier(column.name)
    value = f"trim({col})"
    checks: list[_Check] = []
    if not column.nullable:
        checks.append(
            _Check(
                column,
                f"{col} is null or {value} = ''",
                lambda row, _v: (
                    f"{path}: column {column.name} is empty at data row {row}; "
                    f"{contract.name} needs a value in every row."
                ),
            )
        )
    if column.kind in ("integer", "number"):
        cast = "bigint" if column.kind == "integer" else "double"
        expected = "a whole number" if column.kind == "integer" else "a number"
        not_a_value = f"try_cast({value} as {cast}) is null"
        if column.kind == "number":  # 'nan' and 'inf' cast to doubles but are not numbers
            not_a_value += f" or not isfinite(try_cast({value} as double))"
        if column.kind == "integer":  # try_cast rounds '1.5' to 2; '12.0' is a whole number
            not_a_value += f" or not regexp_full_match({value}, '[+-]?[0-9]+(\\.0*)?')"
        checks.append(
            _Check(
                column,
                f"{value} <> '' and ({not_a_value})",
                lambda row, v: (
                    f"{path}: column {column.name}, data row {row}: {v!r} is not {expected}."
                ),
            )
        )
        number = f"try_cast({value} as double)"
        not_missing = ""
        if column.missing_codes:
            codes = ", ".join(str(c) for c in column.missing_codes)
            not_missing = f" and {number} not in ({codes})"
        for bound, op, word in (
            (column.min_value, "<", "minimum"),
            (column.max_value, ">", "maximum"),
        ):
            if bound is not None:
                checks.append(
                    _Check(
                        column,
                        f"{number} {op} {bound}{not_missing}",
                        lambda row, v, word=word, bound=bound: (
                            f"{path}: column {column.name}, "
                            f"data row {row}: {v} is outside the allowed range ({word} {bound}) "
                            f"for {contract.name}."
                        ),
                    )
                )
    if column.allowed is not None:
        allowed = ", ".join("'" + a.replace("'", "''") + "'" for a in column.allowed)
        checks.append(
            _Check(
                column,
                f"{col} is not null and {value} not in ({allowed})",
                lambda row, v: (
                    f"{path}: column {column.name}, data row {row}: {v!r} is not one "
                    f"of {', '.join(column.allowed or ())}."
                ),
            )
        )
    if column.is_la_code and known_la_codes is not None:
        checks.append(
            _Check(
                column,
                f"{col} is not null and {value} not in (select code from known_la_codes)",
                lambda row, v: "",  # message built by _unknown_codes_message (needs a count)
            )
        )
    return checks


def _unknown_codes_message(
    con: duckdb.DuckDBPyConnection, path: Path, column: Column, first_row: int
) -> str:
    value = f"trim({quote_identifier(column.name)})"
    unknown = [
        r[0]
        for r in con.execute(
            f"select distinct {value} from raw_file where {value} not in "
            "(select code from known_la_codes) order by 1"
        ).fetchall()
    ]
    shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
    return (
        f"{path}: column {column.name} has {len(unknown)} LA code(s) unknown to the geography "
        f"lookup: {shown} (first at data row {first_row}). Every code must appear in "
        "geography/ltla_lookup.csv; map older boundary vintages to the warehouse vintage first."
    )


def _check_columns(con: duckdb.DuckDBPyConnection, path: Path, checks: list[_Check]) -> None:
    """On the numbered copy of a file: the first data row breaking each rule, then the first
    broken rule (in declaration order) is reported."""
    firsts = con.execute(
        "select "
        + ", ".join(f"min(case when {c.condition} then __row end)" for c in checks)
        + " from raw_file"
    ).fetchone()
    for check, row in zip(checks, firsts, strict=True):
        if row is None:
            continue
        if check.column.is_la_code and "known_la_codes" in check.condition:
            raise BadInputError(_unknown_codes_message(con, path, check.column, int(row)))
        value = _value_at(con, quote_identifier(check.column.name), int(row))
        raise BadInputError(check.message(int(row), value))


def validate_file_contract(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    contract: FileContract,
    known_la_codes: set[str] | None,
) -> int:
    """Check one contract; return the number of data rows checked.

    Each file is read once for its column rules, and each year's files once together for the
    key (a key repeated within a file or across the files of one year). Only when a scan finds
    a problem is the file read again, row by row, to name the first offending row."""
    files = _files(data_dir, contract)
    for path in files:
        _check_year(path, contract)
    if contract.json_map:
        return _validate_json_map(con, files[0], contract, known_la_codes)
    rows = 0
    for path in files:
        rows += _validate_csv(con, path, contract, known_la_codes)
    if contract.key:
        for group in _key_groups(files, contract):
            _check_key_in_group(con, group, contract)
    return rows


def _read_csv(path: Path | Sequence[Path], contract: FileContract, filename: bool = False) -> str:
    delimiter = contract.delimiter.replace("\t", "\\t")
    paths = [path] if isinstance(path, Path) else list(path)
    listed = "[" + ", ".join(quote_path(p) for p in paths) + "]"
    extra = ", union_by_name = true" if len(paths) > 1 else ""  # columns matched by name
    extra += ", filename = true" if filename else ""
    return f"read_csv({listed}, header = true, all_varchar = true, delim = E'{delimiter}'{extra})"


def _validate_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: FileContract,
    known_la_codes: set[str] | None,
) -> int:
    try:
        described = con.execute(f"describe select * from {_read_csv(path, contract)}")
        header = [r[0] for r in described.fetchall()]
    except duckdb.Error as exc:
        raise BadInputError(
            f"{path}: cannot be read as a delimited text file ({first_line(exc)})."
        ) from exc
    missing = [c.name for c in contract.columns if c.name not in header]
    if missing:
        raise BadInputError(
            f"{path}: missing column(s) {', '.join(missing)} ({contract.name}); "
            f"expected {', '.join(c.name for c in contract.columns)}, found {', '.join(header)}."
        )
    checks = [
        check
        for column in contract.columns
        for check in _column_checks(path, contract, column, known_la_codes)
    ]
    flags = ", ".join(f"coalesce(bool_or({c.condition}), false)" for c in checks)
    try:
        total, *broken = con.execute(
            f"select count(*){', ' + flags if flags else ''} from {_read_csv(path, contract)}"
        ).fetchone()
        if any(broken):  # read it row by row to name the first offending row
            _load_numbered(con, path, contract)
            _check_columns(con, path, checks)
    except duckdb.Error as exc:
        raise BadInputError(
            f"{path}: cannot be read as a delimited text file ({first_line(exc)})."
        ) from exc
    return int(total)


def _load_numbered(con: duckdb.DuckDBPyConnection, path: Path, contract: FileContract) -> None:
    con.execute(
        "create or replace temp table raw_file as select row_number() over () as __row, * "
        f"from {_read_csv(path, contract)}"
    )


def _key_groups(files: list[Path], contract: FileContract) -> list[list[Path]]:
    """The files whose keys must not repeat: each year's files together, else each file."""
    if contract.year_pattern is None:
        return [[p] for p in files]
    by_year: dict[str, list[Path]] = {}
    for path in files:
        match = re.search(contract.year_pattern, path.name)
        by_year.setdefault(match.group(1) if match else path.name, []).append(path)
    return list(by_year.values())


def _check_key_in_group(
    con: duckdb.DuckDBPyConnection, files: list[Path], contract: FileContract
) -> None:
    """A cheap scan for a repeated key hash; only a hit is checked exactly (per file, then
    across the year's files), so a hash collision costs time, never a false error."""
    key = ", ".join(f"trim({quote_identifier(k)})" for k in contract.key)
    hit = con.execute(
        f"select 1 from {_read_csv(files, contract)} group by hash({key}) "
        "having count(*) > 1 limit 1"
    ).fetchone()
    if not hit:
        return
    for path in files:
        _load_numbered(con, path, contract)
        _check_key(con, path, contract)
    if len(files) > 1:
        _check_key_across_files(con, files, contract)


def _check_key_across_files(
    con: duckdb.DuckDBPyConnection, files: list[Path], contract: FileContract
) -> None:
    key = ", ".join(f"trim({quote_identifier(k)})" for k in contract.key)
    repeated = con.execute(
        f"select {key}, list(distinct filename order by filename) "
        f"from {_read_csv(files, contract, filename=True)} "
        f"group by {key} having count(*) > 1 limit 1"
    ).fetchone()
    if repeated:
        shown = ", ".join(f"{k}={v}" for k, v in zip(contract.key, repeated[:-1], strict=True))
        names = " and ".join(Path(f).name for f in repeated[-1])
        match = re.search(contract.year_pattern or "", files[0].name)
        year = f" of year {match.group(1)}" if match else ""
        raise BadInputError(
            f"Duplicate key across the files{year}: ({shown}) appears in {names} "
            f"({files[0].parent}); each ({', '.join(contract.key)}) must appear once per year "
            f"in {contract.name}."
        )


def _check_key(con: duckdb.DuckDBPyConnection, path: Path, contract: FileContract) -> None:
    key = ", ".join(f"trim({quote_identifier(k)})" for k in contract.key)
    dup = con.execute(
        f"select {key}, count(*) from raw_file group by {key} having count(*) > 1 limit 1"
    ).fetchone()
    if dup:
        shown = ", ".join(f"{k}={v}" for k, v in zip(contract.key, dup[:-1], strict=True))
        raise BadInputError(
            f"{path}: duplicate key ({shown}) appears {dup[-1]} times; each "
            f"({', '.join(contract.key)}) must appear once in {contract.name}."
        )


def _validate_json_map(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: FileContract,
    known_la_codes: set[str] | None,
) -> int:
    import json

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: not valid JSON ({exc}).") from exc
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and v and isinstance(v[0], list) for v in data.values()
    ):
        raise BadInputError(
            f"{path}: expected an object keyed by LA code whose first element is the list of "
            f"bordering LAs ({contract.name})."
        )
    if known_la_codes is not None:
        mentioned = set(data) | {c for v in data.values() for c in v[0]}
        unknown = sorted(mentioned - known_la_codes)
        if unknown:
            raise BadInputError(
                f"{path}: {len(unknown)} LA code(s) unknown to the geography lookup: "
                f"{', '.join(unknown[:5])}."
            )
    return len(data)


def validate(
    data_dir: Path, contracts: Sequence[FileContract], lookup: FileContract | None = None
) -> dict[str, int]:
    """Check every contract; the lookup contract (if given) supplies the known LA codes."""
    if not data_dir.is_dir():
        raise BadInputError(f"Data directory {data_dir} does not exist.")
    con = duckdb.connect()
    try:
        known: set[str] | None = None
        rows: dict[str, int] = {}
        if lookup is not None:
            rows[lookup.name] = validate_file_contract(con, data_dir, lookup, None)
            known = _known_codes(con, data_dir, lookup)
            if not known:
                raise BadInputError(
                    f"{data_dir / lookup.pattern}: the {lookup.name} has a header but no rows; "
                    "every LA code the other files use must be listed in it."
                )
            con.execute("create temp table known_la_codes (code varchar)")
            con.executemany("insert into known_la_codes values (?)", [[c] for c in known])
        for contract in contracts:
            rows[contract.name] = validate_file_contract(con, data_dir, contract, known)
        return rows
    finally:
        con.close()


def _known_codes(con: duckdb.DuckDBPyConnection, data_dir: Path, lookup: FileContract) -> set[str]:
    code_column = next(c.name for c in lookup.columns if c.is_la_code)
    path = _files(data_dir, lookup)[0]
    return {
        r[0]
        for r in con.execute(
            f"select distinct trim({quote_identifier(code_column)}) "
            f"from read_csv({quote_path(path)}, header = true, all_varchar = true)"
        ).fetchall()
    }
