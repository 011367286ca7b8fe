"""Readers for the internal-migration files ONS publishes today, on fixtures written here in
the published layouts (file names, sheet names, header rows, notes rows, code columns):

- detailed estimates on 2021/2023 LAs (`detailedestimates2024on2023las.xlsx`, sheet
  "IM2024 on 2023 LAs": outla, inla, sex, Age_0 ... Age_100+);
- LA square matrices: a 2012-2016 zip with a "lasquarematrix..." CSV member, and a 2017-on
  workbook with a "...-T7" sheet (layout as read by amastrosavvas/REPL-Social-Networks-and-
  Brexit, scripts/4b_prep_migration_data.R).

Each is read correctly, and each bad variant (sheet renamed, header moved, notes rows,
suppressed cells, a row that is not data) is handled or rejected naming file, sheet and row.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from mobility.errors import BadInputError
from mobility.public.flows import harmonise_flows
from mobility.public.ons_today import (
    read_detailed_sheet,
    read_detailed_workbook,
    read_square_matrix_workbook,
    read_square_matrix_zip,
)

AGES = [f"Age_{a}" for a in range(100)] + ["Age_100+"]
ROWS = [
    ("E06000001", "E06000002", 1, {18: 4, 19: 2.5, 95: 1, 100: 2}),
    ("E06000001", "E06000002", 2, {18: 3}),
    ("E06000002", "W06000001", "F", {0: 1, 45: 7}),
]


def _detailed_sheet(ws, header_at: int = 1, notes_above: int = 0, suppress: bool = False):
    for i in range(notes_above):
        ws.cell(row=i + 1, column=1, value=f"Note {i + 1}: estimates are rounded")
    header = ["outla", "inla", "sex", *AGES]
    for j, label in enumerate(header, start=1):
        ws.cell(row=header_at, column=j, value=label)
    for i, (out_la, in_la, sex, moves) in enumerate(ROWS, start=header_at + 1):
        ws.cell(row=i, column=1, value=out_la)
        ws.cell(row=i, column=2, value=in_la)
        ws.cell(row=i, column=3, value=sex)
        for age in range(101):
            ws.cell(row=i, column=4 + age, value=moves.get(age, 0))
    if suppress:
        ws.cell(row=header_at + 1, column=4 + 18, value="[c]")
    return header_at + len(ROWS)


def _detailed_workbook(path: Path, sheet: str = "IM2024 on 2023 LAs", **layout) -> Path:
    book = Workbook()
    book.active.title = "Cover sheet"
    book.active["A1"] = "Internal migration: detailed estimates by origin and destination"
    last = _detailed_sheet(book.create_sheet(sheet), **layout)
    notes = book[sheet]
    notes.cell(row=last + 2, column=1, value="Source: Office for National Statistics")
    book.save(path)
    return path


def test_detailed_estimates_workbook_is_read_in_the_flow_layout(tmp_path: Path):
    path = _detailed_workbook(tmp_path / "detailedestimates2024on2023las.xlsx")
    years = read_detailed_workbook(path)
    assert list(years) == [2024]
    flows = years[2024].set_index(["OutLA", "InLA", "Sex", "Age"])["Moves"]
    assert flows[("E06000001", "E06000002", "M", 18)] == 4
    assert flows[("E06000001", "E06000002", "M", 19)] == 2.5
    assert flows[("E06000001", "E06000002", "M", 90)] == 3  # ages 95 and 100+ -> 90
    assert flows[("E06000001", "E06000002", "F", 18)] == 3
    assert flows[("E06000002", "W06000001", "F", 45)] == 7
    assert years[2024]["Moves"].sum() == pytest.approx(4 + 2.5 + 1 + 2 + 3 + 1 + 7)


def test_one_boundary_set_of_a_workbook_with_two(tmp_path: Path):
    path = tmp_path / "detailedestimates2022on2021and2023las.xlsx"
    book = Workbook()
    book.active.title = "Contents"
    _detailed_sheet(book.create_sheet("2022 on 2021 LAs"))
    _detailed_sheet(book.create_sheet("2022 on 2023 LAs"))
    book.save(path)
    assert list(read_detailed_workbook(path, boundaries=2023)) == [2022]
    assert list(read_detailed_workbook(path, boundaries=2021)) == [2022]


def test_header_moved_below_notes_rows_is_found(tmp_path: Path):
    path = _detailed_workbook(tmp_path / "d.xlsx", header_at=4, notes_above=3)
    assert read_detailed_workbook(path)[2024]["Moves"].sum() == pytest.approx(20.5)


def test_renamed_sheet_is_an_error_listing_the_sheets(tmp_path: Path):
    path = _detailed_workbook(tmp_path / "detailedestimates2024on2023las.xlsx", sheet="Data")
    with pytest.raises(BadInputError, match=r"detailedestimates2024on2023las.xlsx: no sheet named"):
        read_detailed_workbook(path)


def test_suppressed_cells_are_missing_and_counted_not_zero(tmp_path: Path):
    path = _detailed_workbook(tmp_path / "d.xlsx", suppress=True)
    flows = read_detailed_sheet(path, "IM2024 on 2023 LAs")
    cell = flows[(flows["Sex"] == "M") & (flows["Age"] == 18)]["Moves"]
    assert cell.isna().all()
    vintage = _vintage(tmp_path)
    _, excluded = harmonise_flows(flows, vintage, "d.xlsx")
    assert [e.rows for e in excluded if "suppressed" in e.reason] == [1]


def test_a_notes_row_inside_the_data_names_file_sheet_and_row(tmp_path: Path):
    path = _detailed_workbook(tmp_path / "d.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["IM2024 on 2023 LAs"].cell(row=3, column=1, value="Note: provisional")
    book.save(path)
    with pytest.raises(BadInputError, match=r"d.xlsx, sheet 'IM2024 on 2023 LAs', row 3: outla"):
        read_detailed_workbook(path)


def test_a_missing_age_block_names_the_header_row(tmp_path: Path):
    path = tmp_path / "d.xlsx"
    book = Workbook()
    sheet = book.create_sheet("IM2023 on 2023 LAs")
    sheet.append(["outla", "inla", "sex", "All ages"])
    sheet.append(["E06000001", "E06000002", 1, 5])
    book.save(path)
    with pytest.raises(BadInputError, match=r"sheet 'IM2023 on 2023 LAs', row 1: no single-year"):
        read_detailed_workbook(path)


# --- square matrices ------------------------------------------------------------------

MATRIX = [
    ["Table 2a: Internal migration between local authorities in England and Wales", "", "", ""],
    ["Moves within the UK during the year ending June 2014", "", "", ""],
    ["", "", "", "", "", ""],
    ["", "", "E06000001", "E06000002", "W06000001", "S92000003", "Total"],
    ["Destination", "", "Hartlepool", "Middlesbrough", "Isle of Anglesey", "Scotland", "Total"],
    ["E06000001", "Hartlepool", "-", "120", "3", "5", "128"],
    ["E06000002", "Middlesbrough", "1,140", "-", "..", "2", "1,142"],
    ["W06000001", "Isle of Anglesey", "4", "-", "-", "1", "5"],
    ["S92000003", "Scotland", "7", "8", "9", "-", "24"],
    ["Total", "", "1,151", "128", "12", "8", "1,299"],
    ["", "", "", "", "", ""],
    ["Notes: figures are rounded", "", "", ""],
]


def _csv(rows: list[list[str]]) -> str:
    return "\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows) + "\n"


def _zip(path: Path, member: str, rows: list[list[str]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Metadata.txt", "Internal migration, year ending June 2014")
        archive.writestr(member, _csv(rows))
    return path


def _check_matrix(year: int, matrix) -> None:
    assert year == 2014
    moves = matrix.set_index(["OutLA", "InLA"])["Moves"]
    assert moves[("E06000002", "E06000001")] == 120  # column = from, row = to
    assert moves[("E06000001", "E06000002")] == 1140  # thousands separator
    assert moves[("E06000002", "W06000001")] == 0  # '-' means none
    assert np.isnan(moves[("W06000001", "E06000002")])  # '..' suppressed, kept as missing
    assert not matrix["OutLA"].str.startswith("S").any()  # Scotland and totals are not LAs
    assert not matrix["InLA"].str.startswith("S").any() and len(matrix) == 6


def test_square_matrix_zip_2012_2016(tmp_path: Path):
    path = _zip(tmp_path / "lasquarematrix2014.zip", "lasquarematrix2014.csv", MATRIX)
    _check_matrix(*read_square_matrix_zip(path))


def test_square_matrix_zip_without_the_member_names_the_members(tmp_path: Path):
    path = _zip(tmp_path / "im2014.zip", "Table 1 flows.csv", MATRIX)
    with pytest.raises(BadInputError, match=r"im2014.zip: no member named .*Table 1 flows.csv"):
        read_square_matrix_zip(path)


def test_square_matrix_without_a_title_names_the_member(tmp_path: Path):
    rows = [r for r in MATRIX if not r[0].startswith(("Table 2a", "Moves"))]
    path = _zip(tmp_path / "la.zip", "LA square matrix 2014.csv", rows)
    with pytest.raises(BadInputError, match=r"la.zip, member LA square matrix 2014.csv: no title"):
        read_square_matrix_zip(path)


def _matrix_workbook(path: Path, sheet: str, rows: list[list[str]]) -> Path:
    book = Workbook()
    book.active.title = "Contents"
    book.create_sheet("IM2017-T1").append(["Summary"])
    matrix = book.create_sheet(sheet)
    for row in rows:
        matrix.append(row)
    book.save(path)
    return path


def test_square_matrix_workbook_2017_on_with_new_code_rows(tmp_path: Path):
    rows = [list(r) for r in MATRIX]
    rows[1][0] = "Moves within the UK during the year ending June 2017"
    # releases showing old and new codes: a "New code" row and column repeat the codes
    for row in rows:
        row.insert(2, "E06000098" if row[0].startswith(("E0", "W0")) else "")
    rows.insert(3, ["", "", "New code", "E06000098", "E06000098", "W06000098", "", ""])
    rows.insert(9, ["E06000099", "Moved area", "New code", "1", "1", "1", "1", "1"])
    path = _matrix_workbook(tmp_path / "laandregionalsquarematrices2017.xlsx", "IM2017-T7", rows)
    year, matrix = read_square_matrix_workbook(path)
    assert year == 2017 and "E06000099" not in set(matrix["InLA"])
    _check_matrix(2014, matrix)


def test_square_matrix_workbook_with_the_sheet_renamed(tmp_path: Path):
    path = _matrix_workbook(tmp_path / "squares2018.xlsx", "Matrix", MATRIX)
    with pytest.raises(BadInputError, match=r"squares2018.xlsx: no sheet whose name ends '-T7'"):
        read_square_matrix_workbook(path)


def _vintage(tmp_path: Path):
    import pandas as pd

    from mobility.public.vintage import build_vintage

    codes = [
        ("E06000001", "Hartlepool"),
        ("E06000002", "Middlesbrough"),
        ("W06000001", "Isle of Anglesey"),
        ("E09000033", "Westminster"),
        ("E06000052", "Cornwall"),
    ]
    pd.DataFrame(
        [(c, n, c, n, "E12000001", "NE", "Wales" if c[0] == "W" else "England") for c, n in codes],
        columns=["LADCD", "LADNM", "LADCD_ACTIVE", "LADNM_ACTIVE", "RGNCD", "RGNNM", "CTRYNM"],
    ).to_csv(tmp_path / "codes.csv", index=False)
    return build_vintage(tmp_path / "codes.csv")


REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


@pytest.mark.slow
@pytest.mark.real
@pytest.mark.skipif(not (REAL / "SOURCES.md").exists(), reason=f"real files not found at {REAL}")
def test_prepare_and_fetch_take_todays_detailed_workbook(tmp_path: Path):
    """A downloaded 2023-LA workbook becomes flow files on the study units: rows on LAs born
    in the 2019-2023 mergers are reported (never split), the rest reconcile."""
    import shutil

    import pandas as pd

    from mobility.fetch import fetch
    from mobility.public import prepare_public

    mirror = tmp_path / "mirror"
    for rel in ("geography/drkane_la_all_codes.csv", "geography/la_changes_2014_2025.csv"):
        (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REAL / rel, mirror / rel)
    (mirror / "flows").mkdir()
    book = Workbook()
    sheet = book.active
    sheet.title = "IM2016 on 2023 LAs"
    _detailed_sheet(sheet)
    sheet.append(["E06000061", "E06000001", 1, *([1] * len(AGES))])  # North Northamptonshire
    book.save(mirror / "flows" / "detailedestimates2016on2023las.xlsx")
    raw = tmp_path / "raw"
    fetch(raw, mirror=mirror)
    assert (raw / "flows" / "detailedestimates2016on2023las.xlsx").exists()
    prepare_public(raw, tmp_path / "out", vintage="study")
    written = pd.concat(
        pd.read_csv(p) for p in (tmp_path / "out" / "flows").glob("Detailed_Estimates_2016_*")
    )
    assert written["Moves"].sum() == pytest.approx(20.5)
    recon = pd.read_csv(tmp_path / "out" / "flows" / "flow_reconciliation.csv").set_index("what")
    later = recon[recon.index.str.contains("2019-2023")]
    assert later["moves"].sum() == len(AGES)
    assert recon.loc["moves read", "moves"] == pytest.approx(20.5 + len(AGES))
