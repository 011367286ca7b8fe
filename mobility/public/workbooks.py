"""Reading publishers' spreadsheets: find the sheet and header row, clean the cells.

ONS workbooks put titles, blank rows and notes above and below the table, mark suppressed
or unreliable cells with symbols (`..`, `:`, `x`, `c`, `*`, `-`), and move the header row
between releases. These helpers locate the table by its labels rather than by fixed row
numbers, turn symbols into missing values (counted, never silently zero), and raise
BadInputError naming the file, the sheet and what was expected when the layout changed.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.errors import BadInputError, first_line

GSS_CODE = re.compile(r"^[A-Z]\d{8}$")
SUPPRESSED = {"..", ":", "x", "c", "*", "-", "!", "#", "z", "u", "n/a", "na", ""}
_FOOTNOTE = re.compile(r"\s*\[(?:note|x)\s*\d*\]\s*$", re.IGNORECASE)


def _norm(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).replace("\n", " ").strip().lower()
    return re.sub(r"\s+", " ", text)


def _quiet(path: Path) -> dict[str, object]:
    """xlrd prints warnings about damaged .xls files to stdout; keep them off the console."""
    return {"logfile": io.StringIO()} if path.suffix.lower() == ".xls" else {}


def sheet_names(path: Path) -> list[str]:
    """Sheet names of a .xls/.xlsx workbook (BadInputError if unreadable)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(pd.ExcelFile(path, engine_kwargs=_quiet(path)).sheet_names)
    except Exception as exc:  # noqa: BLE001 - xlrd/openpyxl raise IndexError, BadZipFile...
        raise BadInputError(
            f"{path}: cannot be opened as a workbook; it may be truncated or not a "
            f"spreadsheet ({type(exc).__name__}: {first_line(exc)})."
        ) from exc


def find_sheet(path: Path, candidates: Iterable[str]) -> str:
    """The first sheet whose name (trimmed, case-insensitive) is one of the candidates."""
    wanted = [_norm(c) for c in candidates]
    names = sheet_names(path)
    by_norm = {_norm(n): n for n in names}
    for want in wanted:
        if want in by_norm:
            return by_norm[want]
    raise BadInputError(
        f"{path}: no sheet named {' or '.join(repr(c) for c in candidates)}; the workbook has "
        f"sheets {', '.join(repr(n) for n in names)}. The publisher may have changed the layout."
    )


def read_raw_sheet(path: Path, sheet: str) -> pd.DataFrame:
    """The whole sheet as objects, no header interpretation."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_excel(
                path, sheet_name=sheet, header=None, dtype=object, engine_kwargs=_quiet(path)
            )
    except Exception as exc:  # noqa: BLE001 - a truncated file fails in many ways
        raise BadInputError(
            f"{path}, sheet {sheet!r}: cannot be read; the file may be truncated "
            f"({type(exc).__name__}: {first_line(exc)})."
        ) from exc


def locate_table(
    raw: pd.DataFrame,
    path: Path,
    sheet: str,
    required: Iterable[str],
    search_rows: int = 40,
) -> tuple[int, dict[str, int]]:
    """Find the header row containing every required label; return it and label -> column.

    Labels match after trimming, lower-casing and dropping trailing footnote digits, so
    'Area Code10' matches 'area code'. The first matching column wins.
    """
    required = list(required)
    for i in range(min(search_rows, len(raw))):
        cells = [_norm(v) for v in raw.iloc[i].tolist()]
        stripped = [re.sub(r"\d+$", "", c).strip() for c in cells]
        positions: dict[str, int] = {}
        for label in required:
            want = _norm(label)
            for j, (cell, bare) in enumerate(zip(cells, stripped, strict=True)):
                if cell == want or bare == want:
                    positions[label] = j
                    break
        if len(positions) == len(required):
            return i, positions
    raise BadInputError(
        f"{path}, sheet {sheet!r}: no header row with the columns "
        f"{', '.join(repr(r) for r in required)} in the first {search_rows} rows. "
        "The publisher may have changed the sheet layout; the reader expects these labels in "
        "one row above the data."
    )


def to_number(values: pd.Series) -> pd.Series:
    """Numbers from published cells; suppression symbols and notes become NaN.

    Handles thousands separators and trailing footnote markers ('1,234 [note 3]').
    """

    def convert(value: object) -> float:
        if value is None:
            return np.nan
        if isinstance(value, int | float | np.integer | np.floating):
            return float(value)
        text = _FOOTNOTE.sub("", str(value)).strip().replace(",", "")
        if text.lower() in SUPPRESSED:
            return np.nan
        try:
            return float(text)
        except ValueError:
            return np.nan

    return pd.Series([convert(v) for v in values], index=values.index, dtype="float64")


def is_suppressed(values: pd.Series) -> pd.Series:
    """True where a cell holds a suppression symbol (not merely blank)."""
    return values.map(lambda v: isinstance(v, str) and v.strip().lower() in SUPPRESSED - {""})


def code_rows(raw: pd.DataFrame, header_row: int, code_col: int) -> pd.DataFrame:
    """Rows below the header whose code cell is a GSS code (titles and notes rows dropped)."""
    body = raw.iloc[header_row + 1 :]
    codes = body.iloc[:, code_col].map(lambda v: str(v).strip() if v is not None else "")
    keep = codes.str.match(GSS_CODE.pattern) | codes.str.contains(r"^[A-Z]\d{8}\s*[,/]")
    out = body[keep.fillna(False)].copy()
    out.iloc[:, code_col] = codes[keep.fillna(False)]
    return out


def read_publisher_csv(
    path: Path, needed: list[str], what: str, **read_options: object
) -> pd.DataFrame:
    """A publisher's CSV with its header cleaned, or a BadInputError naming the file and the
    columns it lacks (`read_options` go to pandas.read_csv; text by default)."""
    options: dict[str, object] = {"dtype": str, "encoding": "utf-8-sig", **read_options}
    try:
        frame = pd.read_csv(path, **options)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot be read as CSV ({exc}).") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise BadInputError(
            f"{path}: missing column(s) {', '.join(missing)} for {what}; expected "
            f"{', '.join(needed)}, found {', '.join(frame.columns)}."
        )
    return frame
