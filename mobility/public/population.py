"""ONS mid-year population estimates onto the vintage, in the Nomis NM_2002_1 layout.

Readers: the Nomis extract (long: GEOGRAPHY_CODE, GENDER, C_AGE, OBS_VALUE) and the ONS
MYE2 workbook sheets (wide: Code, Name, [Geography], All ages, 0 ... 90), whose sheet names
and header rows move between releases (located by label, see workbooks.py). Country,
region and county rows of the workbooks are left out (they would double count); Scottish
and Northern Irish LAs are outside the vintage and reported. MYE5 (totals for every year
on one geography) lets missing years be filled by a declared rule: the age-sex structure
of the nearest year with single-year-of-age data, scaled to that year's published total.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError
from mobility.public.report import Exclusion
from mobility.public.vintage import Vintage
from mobility.public.workbooks import find_sheet, locate_table, read_raw_sheet, to_number

POP_COLUMNS = ["GEOGRAPHY_CODE", "GENDER", "C_AGE", "OBS_VALUE"]
MALE_SHEETS = ("MYE2 - M", "MYE2 - Males", "MYE2-M", "MYE2 - Male", "Males UK", "Males")
FEMALE_SHEETS = (
    "MYE2 - F",
    "MYE2 - Females",
    "MYE2-F",
    "MYE2 - Female",
    "Females UK",
    "Females",
)
MYE5_SHEETS = ("MYE 5", "MYE5")


def read_nomis(path: Path) -> pd.DataFrame:
    """The Nomis NM_2002_1 extract: code, gender 1/2, C_AGE 101..191, value."""
    try:
        frame = pd.read_csv(path, sep="\t", dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot be read as a tab-separated file ({exc}).") from exc
    missing = [c for c in POP_COLUMNS if c not in frame.columns]
    if missing:
        raise BadInputError(
            f"{path}: missing column(s) {', '.join(missing)}; the Nomis NM_2002_1 extract has "
            f"{', '.join(POP_COLUMNS)}, found {', '.join(frame.columns)}."
        )
    frame = frame[POP_COLUMNS].copy()
    frame["OBS_VALUE"] = to_number(frame["OBS_VALUE"])
    frame["C_AGE"] = pd.to_numeric(frame["C_AGE"], errors="coerce")
    frame = frame[frame["C_AGE"].between(101, 191)]  # 200-codes are age bands, not ages
    frame["C_AGE"] = frame["C_AGE"].astype(int)
    return frame[frame["GENDER"].isin(["1", "2"])]


def _age_of(label: object) -> int | None:
    text = str(label).strip().replace("+", "")
    try:
        age = float(text)
    except ValueError:
        return None
    return int(age) if age == int(age) and 0 <= age <= 90 else None


def read_mye2_sheet(path: Path, sheet: str, gender: str) -> pd.DataFrame:
    """One MYE2 sex sheet as Nomis-style long rows (all geographies, ages 0..90)."""
    raw = read_raw_sheet(path, sheet)
    header, cols = locate_table(raw, path, sheet, ["code", "all ages"])
    labels = raw.iloc[header].tolist()
    ages = {j: _age_of(labels[j]) for j in range(cols["all ages"] + 1, len(labels))}
    ages = {j: a for j, a in ages.items() if a is not None}
    if sorted(ages.values()) != list(range(91)):
        raise BadInputError(
            f"{path}, sheet {sheet!r}: expected single-year-of-age columns 0 to 90 after "
            f"'All ages' in header row {header + 1}; found {sorted(ages.values())[:5]}..."
        )
    body = raw.iloc[header + 1 :]
    codes = body.iloc[:, cols["code"]].astype(str).str.strip()
    body = body[codes.str.match(r"^[A-Z]\d{8}$")]
    parts = []
    for j, age in ages.items():
        parts.append(
            pd.DataFrame(
                {
                    "GEOGRAPHY_CODE": body.iloc[:, cols["code"]].astype(str).str.strip(),
                    "GENDER": gender,
                    "C_AGE": 101 + age,
                    "OBS_VALUE": to_number(body.iloc[:, j]),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def read_mye2(path: Path) -> pd.DataFrame:
    males = read_mye2_sheet(path, find_sheet(path, MALE_SHEETS), "1")
    females = read_mye2_sheet(path, find_sheet(path, FEMALE_SHEETS), "2")
    return pd.concat([males, females], ignore_index=True)


def read_mye5_totals(path: Path) -> pd.DataFrame:
    """MYE5: population of every geography for every mid-year (columns code, year, total)."""
    sheet = find_sheet(path, MYE5_SHEETS)
    raw = read_raw_sheet(path, sheet)
    header, cols = locate_table(raw, path, sheet, ["code"])
    labels = [str(v) for v in raw.iloc[header].tolist()]
    years = {}
    for j, label in enumerate(labels):
        match = re.search(r"population\s+mid-(\d{4})", label, re.IGNORECASE)
        if match:
            years[j] = int(match.group(1))
    if not years:
        raise BadInputError(
            f"{path}, sheet {sheet!r}: no 'Estimated Population mid-<year>' columns in header "
            f"row {header + 1}."
        )
    body = raw.iloc[header + 1 :]
    codes = body.iloc[:, cols["code"]].astype(str).str.strip()
    body, codes = body[codes.str.match(r"^[A-Z]\d{8}$")], codes[codes.str.match(r"^[A-Z]\d{8}$")]
    frames = [
        pd.DataFrame({"code": codes.to_numpy(), "year": y, "total": to_number(body.iloc[:, j])})
        for j, y in years.items()
    ]
    return pd.concat(frames, ignore_index=True)


def harmonise_population(
    frame: pd.DataFrame, vintage: Vintage, source: str
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Sum LA rows onto the vintage; report non-LA and non-E&W rows."""
    exclusions = []
    mapped = vintage.map_codes(frame["GEOGRAPHY_CODE"])
    codes = frame["GEOGRAPHY_CODE"]
    la_like = codes.str.match(r"^(E0[6789]|W06|S12|N09)")
    later = codes.isin(vintage.later_codes)
    if later.any():
        exclusions.append(
            Exclusion(
                source,
                "LA created by the 2019-2023 mergers (not split back onto the study's "
                "2011-2018 LAs; its districts take the nearest year with their own rows)",
                int(later.sum()),
                float(frame.loc[later, "OBS_VALUE"].sum()),
            )
        )
    outside = mapped.isna() & la_like & ~later
    aggregate = mapped.isna() & ~la_like
    if outside.any():
        exclusions.append(
            Exclusion(
                source,
                "Scottish or Northern Irish LA (outside the England and Wales vintage)",
                int(outside.sum()),
                float(frame.loc[outside, "OBS_VALUE"].sum()),
            )
        )
    if aggregate.any():
        exclusions.append(
            Exclusion(
                source,
                "country, region or county total rows (would double count LAs)",
                int(aggregate.sum()),
            )
        )
    suppressed = mapped.notna() & frame["OBS_VALUE"].isna()
    if suppressed.any():
        bad = frame.loc[suppressed, "GEOGRAPHY_CODE"].iloc[0]
        raise BadInputError(
            f"{source}: {int(suppressed.sum())} LA population cell(s) are missing or suppressed "
            f"(first for {bad}); a population estimate must be complete."
        )
    out = frame[mapped.notna()].assign(GEOGRAPHY_CODE=mapped[mapped.notna()])
    out = out.groupby(["GEOGRAPHY_CODE", "GENDER", "C_AGE"], as_index=False, sort=True)[
        "OBS_VALUE"
    ].sum()
    return out, exclusions


def scale_to_total(structure: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Scale each LA's age-sex counts so they sum to the given total (code -> people)."""
    current = structure.groupby("GEOGRAPHY_CODE")["OBS_VALUE"].transform("sum")
    target = structure["GEOGRAPHY_CODE"].map(totals)
    if target.isna().any():
        missing = sorted(set(structure.loc[target.isna(), "GEOGRAPHY_CODE"]))
        raise BadInputError(f"MYE5 totals lack LA(s) {', '.join(missing[:5])}.")
    scaled = structure.copy()
    scaled["OBS_VALUE"] = (structure["OBS_VALUE"] * target / current).round(4)
    return scaled


def write_population(out_dir: Path, year: int, frame: pd.DataFrame) -> Path:
    path = out_dir / "population" / f"nomis_NM_2002_1_mid{year}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[POP_COLUMNS].to_csv(path, sep="\t", index=False)
    return path


NAME_ALIASES = {
    "kings lynn and west norfolk": "king's lynn and west norfolk",
    "shepway": "folkestone and hythe",  # renamed 2018, same code E07000112
}


def _name_key(name: str) -> str:
    return " ".join(str(name).lower().replace(",", " ").split())


def read_named_population(path: Path, vintage: Vintage) -> pd.DataFrame:
    """Mid-2014 E&W population keyed by LA *name* (age, sex, lad14nm, count), onto codes.

    This is the StatisticsNZ/demdata conversion of the ONS MYE2 2014 table, which lost the
    codes. Names are matched to the crosswalk's names (case, commas and spacing ignored,
    two known renames aliased); a name that matches nothing, or two different units, is an
    error naming it.
    """
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot be read as CSV ({exc}).") from exc
    needed = ["age", "sex", "lad14nm", "count"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise BadInputError(f"{path}: missing column(s) {', '.join(missing)}; expected {needed}.")
    by_name: dict[str, set[str]] = {}
    for name, unit in zip(
        vintage.crosswalk["from_name"], vintage.crosswalk["to_code"], strict=True
    ):
        by_name.setdefault(_name_key(name), set()).add(unit)
    units = {}
    for name in frame["lad14nm"].unique():
        key = _name_key(name)
        found = by_name.get(NAME_ALIASES.get(key, key), set())
        if len(found) != 1:
            problem = "matches no LA" if not found else f"matches {sorted(found)}"
            raise BadInputError(f"{path}: LA name {name!r} {problem} in the crosswalk.")
        units[name] = found.pop()
    age = frame["age"].str.replace("+", "", regex=False).astype(int).clip(upper=90)
    gender = (
        frame["sex"].str.lower().map({"males": "1", "male": "1", "females": "2", "female": "2"})
    )
    if gender.isna().any():
        raise BadInputError(f"{path}: column sex has values other than Males/Females.")
    return pd.DataFrame(
        {
            "GEOGRAPHY_CODE": frame["lad14nm"].map(units),
            "GENDER": gender,
            "C_AGE": 101 + age,
            "OBS_VALUE": to_number(frame["count"]),
        }
    )
