"""Readers for the internal-migration files ONS publishes today (not the 2017-era CSVs).

1. Detailed estimates re-based to 2021 and 2023 LAs: workbooks such as
   `detailedestimates2024on2023las.xlsx` or `detailedestimates2022on2021and2023las.xlsx`,
   one sheet per year and boundary set ("IM2024 on 2023 LAs", "2022 on 2023 LAs",
   "2021 on 2021 LAs"), one row per outla x inla x sex, one column per single year of age
   (`Age_0` ... `Age_100+`). Layout as read by public code, e.g. `pd.read_excel(path,
   sheet_name="IM2024 on 2023 LAs")` then the `Age_` columns summed, `outla`/`inla` as codes
   (search of public repositories; no project code copied).
2. LA "square matrices" (moves from the LA of a column to the LA of a row): 2012-2016 as a
   zip whose member starts "Table 2a", "lasquarematrix" or "LA square matrix" (a CSV with
   title rows, a row of codes and a row of names above the data, code and name in the first
   two columns); 2017 on as a workbook whose matrix sheet name contains "-T7" ("...2017-T7",
   "...-T7b"); the year is in a title starting "Moves within the UK during the year ending",
   "Registered during the year ending" or "Internal migration between"; rows/columns marked
   "New code" repeat the matrix on new codes and are dropped; "-" means no moves; totals,
   Scotland and Northern Ireland are not LA cells. This follows the migration preparation
   script of amastrosavvas/REPL-Social-Networks-and-Brexit (scripts/4b_prep_migration_data.R).

Every reader finds its table by labels, never by fixed row numbers, and raises BadInputError
naming the file, the sheet (or zip member) and the row when the layout is not what it expects.
Suppressed cells become missing (NaN) and are counted by the flow harmonisation downstream.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.errors import BadInputError
from mobility.public.workbooks import (
    GSS_CODE,
    locate_table,
    read_raw_sheet,
    sheet_names,
    to_number,
)

DETAILED_SHEET = re.compile(r"^(?:IM)?\s*(\d{4}) on (\d{4}) LAs$", re.IGNORECASE)
AGE_COLUMN = re.compile(r"^age_(\d+)\+?$", re.IGNORECASE)
SEXES = {"1": "M", "2": "F", "M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
MATRIX_MEMBER = re.compile(r"^(table 2a|lasquarematrix|la square matrix)", re.IGNORECASE)
MATRIX_SHEET = re.compile(r"-T7b?$", re.IGNORECASE)
TITLE = re.compile(
    r"^(moves within the uk during the year ending|registered during the year ending|"
    r"internal migration between)",
    re.IGNORECASE,
)


def _cell(value: object) -> str:
    """A cell as trimmed text ('' for empty), whatever type the reader gave it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def detailed_sheets(path: Path, boundaries: int | None = None) -> dict[int, str]:
    """Year -> sheet name of a detailed-estimates workbook (optionally one boundary set)."""
    found: dict[int, str] = {}
    for name in sheet_names(path):
        match = DETAILED_SHEET.match(name.strip())
        if match and (boundaries is None or int(match.group(2)) == boundaries):
            found.setdefault(int(match.group(1)), name)
    if not found:
        raise BadInputError(
            f"{path}: no sheet named like 'IM2024 on 2023 LAs' or '2021 on 2021 LAs' (a sheet "
            f"per year of the detailed estimates); the workbook has "
            f"{', '.join(repr(n) for n in sheet_names(path))}."
        )
    return found


def read_detailed_sheet(path: Path, sheet: str) -> pd.DataFrame:
    """One year's sheet in the long FLOW_COLUMNS layout (OutLA, InLA, Age, Sex, Moves).

    Ages above 90 are summed into 90 (the warehouse's top age); suppressed cells are NaN.
    """
    raw = read_raw_sheet(path, sheet)
    header, where = locate_table(raw, path, sheet, ["outla", "inla", "sex"])
    labels = [str(v).strip() for v in raw.iloc[header].tolist()]
    ages = {j: int(m.group(1)) for j, c in enumerate(labels) if (m := AGE_COLUMN.match(c))}
    if not ages:
        raise BadInputError(
            f"{path}, sheet {sheet!r}, row {header + 1}: no single-year-of-age columns "
            "(Age_0, Age_1, ... Age_100+) beside outla, inla and sex."
        )
    body = raw.iloc[header + 1 :]
    blank = body.isna().all(axis=1).to_numpy()
    end = int(np.argmax(blank)) if blank.any() else len(body)
    body = body.iloc[:end]  # rows below the first blank row are notes
    out_la = body.iloc[:, where["outla"]].map(_cell)
    in_la = body.iloc[:, where["inla"]].map(_cell)
    sex = body.iloc[:, where["sex"]].map(lambda v: SEXES.get(_cell(v).upper().removesuffix(".0")))
    bad = ~out_la.str.match(GSS_CODE.pattern) | ~in_la.str.match(GSS_CODE.pattern) | sex.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise BadInputError(
            f"{path}, sheet {sheet!r}, row {header + row + 2}: outla {out_la.iloc[row]!r}, "
            f"inla {in_la.iloc[row]!r}, sex {body.iloc[row, where['sex']]!r}; expected two GSS "
            "codes and a sex (1/2, M/F)."
        )
    frames = []
    for j, age in ages.items():
        frames.append(
            pd.DataFrame(
                {
                    "OutLA": out_la.to_numpy(),
                    "InLA": in_la.to_numpy(),
                    "Age": min(age, 90),
                    "Sex": sex.to_numpy(),
                    "Moves": to_number(body.iloc[:, j]).to_numpy(),
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    keys = ["OutLA", "InLA", "Age", "Sex"]
    return long.groupby(keys, as_index=False, sort=True)["Moves"].sum(min_count=1)


def read_detailed_workbook(path: Path, boundaries: int | None = None) -> dict[int, pd.DataFrame]:
    """Every year of a detailed-estimates workbook (FLOW_COLUMNS layout), by year."""
    return {
        year: read_detailed_sheet(path, sheet)
        for year, sheet in sorted(detailed_sheets(path, boundaries).items())
    }


def parse_square_matrix(raw: pd.DataFrame, where: str) -> tuple[int, pd.DataFrame]:
    """The year and the LA-to-LA moves (OutLA = column, InLA = row, Moves) of one matrix.

    Cells outside the E&W LA block (totals, Scotland, Northern Ireland) are not returned;
    '-' is 0; other symbols are NaN (suppressed) and stay in the output to be counted.
    """
    text = raw.map(_cell)
    titles = [v for v in text.to_numpy().ravel() if TITLE.match(v)]
    years = re.findall(r"(\d{4})", titles[0]) if titles else []
    if not years:
        raise BadInputError(
            f"{where}: no title 'Moves within the UK during the year ending <month> <year>' "
            "(or 'Registered during the year ending', 'Internal migration between') above "
            "the matrix, so the year is unknown."
        )
    year = int(years[-1])
    new_rows = (text == "New code").any(axis=1).to_numpy()
    new_cols = (text == "New code").any(axis=0).to_numpy()
    text = text.loc[~new_rows, ~new_cols]
    raw = raw.loc[~new_rows, ~new_cols]
    is_code = text.map(lambda v: bool(GSS_CODE.match(v)))
    header = int(is_code.iloc[:, 2:].sum(axis=1).to_numpy().argmax())
    if is_code.iloc[header, 2:].sum() < 2:
        raise BadInputError(
            f"{where}: no row of LA codes above the matrix (the column header); the layout "
            "has changed."
        )
    code_cols = [j for j in range(2, text.shape[1]) if is_code.iat[header, j]]
    rows = [
        i
        for i in range(header + 1, text.shape[0])
        if is_code.iat[i, 0] and not text.iat[i, 0].startswith(("S92", "N92", "K0"))
    ]
    if not rows:
        raise BadInputError(
            f"{where}: no data rows with an LA code in the first column below row {header + 1}."
        )
    cols = [j for j in code_cols if not text.iat[header, j].startswith(("S92", "N92", "K0"))]
    frames = []
    for j in cols:
        values = raw.iloc[rows, j].map(lambda v: 0 if str(v).strip() == "-" else v)
        frames.append(
            pd.DataFrame(
                {
                    "OutLA": text.iat[header, j],
                    "InLA": text.iloc[rows, 0].to_numpy(),
                    "Moves": to_number(values).to_numpy(),
                }
            )
        )
    matrix = pd.concat(frames, ignore_index=True)
    return year, matrix[matrix["OutLA"] != matrix["InLA"]].reset_index(drop=True)


def read_square_matrix_zip(path: Path) -> tuple[int, pd.DataFrame]:
    """2012-2016: the CSV square matrix inside the published zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if MATRIX_MEMBER.match(Path(m).name)]
            if not members:
                raise BadInputError(
                    f"{path}: no member named 'Table 2a...', 'lasquarematrix...' or 'LA square "
                    f"matrix...'; the zip holds {', '.join(archive.namelist())}."
                )
            member = members[0]
            data = archive.read(member)
    except zipfile.BadZipFile as exc:
        raise BadInputError(f"{path}: not a zip archive ({exc}).") from exc
    if not member.lower().endswith(".csv"):
        raise BadInputError(f"{path}, member {member}: expected a CSV square matrix.")
    try:  # title and notes rows have fewer cells than the matrix: pad, do not fail
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace"))))
    except csv.Error as exc:
        raise BadInputError(f"{path}, member {member}: cannot be read as CSV ({exc}).") from exc
    width = max((len(r) for r in rows), default=0)
    raw = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    return parse_square_matrix(raw, f"{path}, member {member}")


def read_square_matrix_workbook(path: Path) -> tuple[int, pd.DataFrame]:
    """2017 on: the matrix sheet ('...-T7' or '...-T7b') of the published workbook."""
    sheets = [s for s in sheet_names(path) if MATRIX_SHEET.search(s.strip())]
    if not sheets:
        raise BadInputError(
            f"{path}: no sheet whose name ends '-T7' or '-T7b' (the LA square matrix); the "
            f"workbook has {', '.join(repr(s) for s in sheet_names(path))}."
        )
    return parse_square_matrix(read_raw_sheet(path, sheets[0]), f"{path}, sheet {sheets[0]!r}")
