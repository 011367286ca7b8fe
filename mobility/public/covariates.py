"""Readers for the LA covariate sources, each returning long rows (code, year, value).

Values stay on the publisher's LA codes here; `harmonise_rate` and `harmonise_total` put
them on the vintage. Publisher specifics handled (each tested):
- HPSSA dataset 9, sheet 2a: median price paid, columns "Year ending <Mon> <year>"; we take
  the year ending December. NB it is a *median*: it fills the `mean_house_price` indicator
  (the only house-price table among the files), declared in the coverage file.
- APS LI01 workbooks: multi-row headers; the rate column is found under "Unemployment";
  '#' (sample too small) and '~' cells are missing. Period "July 2018 to June 2019" -> 2019.
- ONS model-based unemployment (LTLA21, a CSV conversion): ltla21_code, year,
  unemployment_perc.
- APS population by country of birth, table 1.1 (thousands): non-UK share =
  non-UK / all * 100; ':' and 'z' cells missing; names carry footnote digits.
- Regional GVA(I) by LA, GBP million, current prices (1997-2015).
- Live births by LA of usual residence (sheets data14 ... data22, Centre for Cities
  compilation of ONS birth summary tables).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError
from mobility.public.vintage import Vintage
from mobility.public.workbooks import (
    GSS_CODE,
    find_sheet,
    locate_table,
    read_publisher_csv,
    read_raw_sheet,
    sheet_names,
    to_number,
)

LONG = ["code", "year", "value"]
_PERIOD = re.compile(r"([A-Za-z]+)\s+(\d{4})\s+to\s+([A-Za-z]+)\s+(\d{4})")


def _gss_rows(raw: pd.DataFrame, start: int, code_col: int) -> pd.DataFrame:
    body = raw.iloc[start:]
    codes = body.iloc[:, code_col].astype(str).str.strip()
    keep = codes.str.match(GSS_CODE.pattern) | codes.str.match(r"^[A-Z]\d{8}\s*[,/]\s*[A-Z]\d{8}$")
    out = body[keep].copy()
    out["__code"] = codes[keep]
    return out


def _period_end_year(raw: pd.DataFrame, path: Path, sheet: str, rows: int = 8) -> int:
    for value in raw.iloc[:rows].to_numpy().ravel():
        match = _PERIOD.search(str(value))
        if match:
            return int(match.group(4))
    raise BadInputError(
        f"{path}, sheet {sheet!r}: no period such as 'July 2018 to June 2019' in the first "
        f"{rows} rows; cannot tell which year the estimates are for."
    )


def read_hpssa(path: Path) -> pd.DataFrame:
    """Median price paid, all dwellings, year ending December, by LA."""
    sheet = find_sheet(path, ["2a"])
    raw = read_raw_sheet(path, sheet)
    header, cols = locate_table(raw, path, sheet, ["local authority code"])
    labels = [str(v) for v in raw.iloc[header].tolist()]
    years = {
        j: int(m.group(1))
        for j, label in enumerate(labels)
        if (m := re.search(r"year ending dec\w*\s+(\d{4})", label, re.IGNORECASE))
    }
    if not years:
        raise BadInputError(
            f"{path}, sheet {sheet!r}: no 'Year ending Dec <year>' columns in header row "
            f"{header + 1}."
        )
    body = _gss_rows(raw, header + 1, cols["local authority code"])
    frames = [
        pd.DataFrame({"code": body["__code"], "year": y, "value": to_number(body.iloc[:, j])})
        for j, y in years.items()
    ]
    return pd.concat(frames, ignore_index=True)[LONG]


def read_li01(path: Path) -> pd.DataFrame:
    """APS unemployment rate (16+, %) from an LI01 local labour market indicators workbook."""
    sheet = find_sheet(path, ["LI01"] + sheet_names(path)[:1])
    raw = read_raw_sheet(path, sheet)
    year = _period_end_year(raw, path, sheet)
    rate_col = None
    for i in range(min(15, len(raw) - 1)):
        for j, value in enumerate(raw.iloc[i].tolist()):
            if str(value).strip().lower().startswith("unemployment"):
                for k in range(j, min(j + 4, raw.shape[1])):
                    if str(raw.iloc[i + 1, k]).strip().lower().startswith("rate"):
                        rate_col = k
                        break
            if rate_col is not None:
                break
        if rate_col is not None:
            header = i + 1
            break
    if rate_col is None:
        raise BadInputError(
            f"{path}, sheet {sheet!r}: no 'Unemployment' heading with a 'Rate' column beneath "
            "it in the first 15 rows; the LI01 layout has changed."
        )
    body = _gss_rows(raw, header + 1, 0)
    return pd.DataFrame(
        {"code": body["__code"], "year": year, "value": to_number(body.iloc[:, rate_col])}
    )[LONG]


def read_model_based_unemployment(path: Path) -> pd.DataFrame:
    frame = read_publisher_csv(
        path, ["ltla21_code", "year", "unemployment_perc"], "model-based unemployment"
    )
    return pd.DataFrame(
        {
            "code": frame["ltla21_code"].str.strip(),
            "year": pd.to_numeric(frame["year"]).astype(int),
            "value": to_number(frame["unemployment_perc"]),
        }
    )[LONG]


def read_country_of_birth(path: Path) -> pd.DataFrame:
    """Share of residents born outside the UK (%), APS table 1.1."""
    sheet = find_sheet(path, ["1.1"])
    raw = read_raw_sheet(path, sheet)
    year = _period_end_year(raw, path, sheet)
    header, cols = locate_table(raw, path, sheet, ["area code"])
    groups: dict[str, int] = {}
    for i in range(max(0, header - 5), header):
        for j, value in enumerate(raw.iloc[i].tolist()):
            text = str(value).strip().lower()
            if text in ("all", "total"):
                groups.setdefault("all", j)  # the first group; later "Total"s are subgroups
            elif text == "non-united kingdom":
                groups.setdefault("non_uk", j)
    if set(groups) != {"all", "non_uk"}:
        raise BadInputError(
            f"{path}, sheet {sheet!r}: expected 'All' (or 'Total') and 'Non-United Kingdom' "
            f"column groups above header row {header + 1}; found {sorted(groups)}."
        )
    body = _gss_rows(raw, header + 1, cols["area code"])
    total = to_number(body.iloc[:, groups["all"]])
    non_uk = to_number(body.iloc[:, groups["non_uk"]])
    share = (non_uk / total * 100).where(total > 0)
    return pd.DataFrame({"code": body["__code"], "year": year, "value": share})[LONG]


def read_gva(path: Path) -> pd.DataFrame:
    """GVA(I), GBP million current prices, wide years -> long."""
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot be read as CSV ({exc}).") from exc
    if "GEOGRAPHY_CODE" not in frame.columns:
        raise BadInputError(f"{path}: missing column GEOGRAPHY_CODE (regional GVA by LA).")
    years = [c for c in frame.columns if re.fullmatch(r"\d{4}", c.strip())]
    if not years:
        raise BadInputError(f"{path}: no year columns (1997 ...) found.")
    frames = [
        pd.DataFrame(
            {
                "code": frame["GEOGRAPHY_CODE"].str.strip(),
                "year": int(y),
                "value": to_number(frame[y]),
            }
        )
        for y in years
    ]
    return pd.concat(frames, ignore_index=True)[LONG]


def read_births(path: Path) -> pd.DataFrame:
    """Live births by LA from the dataYY sheets (LA Code, Number_of_live_births)."""
    frames = []
    for sheet in sheet_names(path):
        match = re.fullmatch(r"data(\d{2})", sheet.strip())
        if not match:
            continue
        raw = read_raw_sheet(path, sheet)
        header, cols = locate_table(raw, path, sheet, ["la code"])
        labels = [str(v).strip().lower() for v in raw.iloc[header].tolist()]
        births_col = next((j for j, t in enumerate(labels) if "births" in t), None)
        if births_col is None:
            raise BadInputError(
                f"{path}, sheet {sheet!r}: no births column ('Live births' or "
                f"'Number_of_live_births') in header row {header + 1}; found {labels}."
            )
        body = _gss_rows(raw, header + 1, cols["la code"])
        frames.append(
            pd.DataFrame(
                {
                    "code": body["__code"],
                    "year": 2000 + int(match.group(1)),
                    "value": to_number(body.iloc[:, births_col]),
                }
            )
        )
    if not frames:
        raise BadInputError(
            f"{path}: no sheets named data14 ... data22 with live births by LA; the workbook "
            f"has {', '.join(sheet_names(path))}."
        )
    return pd.concat(frames, ignore_index=True)[LONG]


def _on_units(frame: pd.DataFrame, vintage: Vintage) -> pd.DataFrame:
    """Attach the vintage unit; where a source year has a row for a unit created by a
    2019-2023 merger *and* rows for its former districts (some compilations carry both),
    keep the merged unit's own row so nothing is counted twice."""
    frame = frame.dropna(subset=["value"]).copy()
    frame["unit"] = vintage.map_codes(frame["code"])
    frame = frame.dropna(subset=["unit"])
    own = frame["code"].isin(vintage.created_by_mergers) & (frame["code"] == frame["unit"])
    has_own = set(zip(frame.loc[own, "unit"], frame.loc[own, "year"], strict=True))
    if has_own:
        pairs = pd.Series(list(zip(frame["unit"], frame["year"], strict=True)), index=frame.index)
        frame = frame[own | ~pairs.isin(has_own)]
    return frame


def harmonise_rate(frame: pd.DataFrame, vintage: Vintage, weights: pd.Series) -> pd.DataFrame:
    """Rates/prices onto the vintage: mid-2011-population-weighted mean of the constituents
    with a value (a missing constituent is left out, not counted as zero)."""
    frame = _on_units(frame, vintage)
    frame["w"] = frame["code"].map(weights).fillna(1.0)
    frame["wv"] = frame["w"] * frame["value"]
    out = frame.groupby(["unit", "year"], as_index=False)[["wv", "w"]].sum()
    out["value"] = out["wv"] / out["w"]
    return out.rename(columns={"unit": "la_code"})[["la_code", "year", "value"]]


def harmonise_total(frame: pd.DataFrame, vintage: Vintage) -> pd.DataFrame:
    """Counts onto the vintage: sum over constituents (codes outside E&W dropped)."""
    frame = _on_units(frame, vintage)
    # A code and its successor can both appear in one source year (e.g. the old and new
    # code of a recoded LA); keep one value per source code before summing.
    frame = frame.drop_duplicates(["code", "year"])
    out = frame.groupby(["unit", "year"], as_index=False)["value"].sum()
    return out.rename(columns={"unit": "la_code"})
