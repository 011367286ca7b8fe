"""One LA boundary vintage for every public source, and the crosswalk that maps onto it.

Choice: **LAD25-H**, the April 2025 local authority districts of England and Wales (the
latest vintage: the 2023 districts, with Barnsley and Sheffield recoded to E08000038 and
E08000039 after a minor boundary change in 2025), *harmonised* by folding
the City of London (E09000001) into Westminster (E09000033) and the Isles of Scilly
(E06000053) into Cornwall (E06000052). 294 English + 22 Welsh units = 316.

Why the latest vintage: every boundary change of 2019-2023 is a merger of whole districts,
so mapping older codes forward is a pure sum (weight 1) of flows and populations; mapping
backwards would need splitting weights we do not have. Why fold the two tiny areas: many
publishers combine them (Census 2011 merged LAs E41000052 / E41000324, the Social Mobility
Index 2017 omits both, APS estimates are suppressed for them), and their own
populations (about 7,000 and 2,000) make rates meaningless.

Scotland and Northern Ireland: the ONS detailed estimates carry one aggregate code each
(S92000003, N92000002) as origin or destination. They are not LAs of the vintage; their
rows are kept out of LA pairs and counted in the preparation report (never silently
dropped). Scottish and Northern Irish LA codes in UK-wide tables are excluded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError

VINTAGE = "LAD25-H"
STUDY_VINTAGE = "LAD11-18-H"
VINTAGES = {"study": STUDY_VINTAGE, "current": VINTAGE}
# The 2025 recodes after a minor boundary change: the same district, so mapped back 1:1.
RECODED_2025 = {"E08000038": "E08000016", "E08000039": "E08000019"}
CITY_OF_LONDON, WESTMINSTER = "E09000001", "E09000033"
SCILLY, CORNWALL = "E06000053", "E06000052"
FOLDED = {CITY_OF_LONDON: WESTMINSTER, SCILLY: CORNWALL}
FOLDED_NAMES = {
    WESTMINSTER: "Westminster and City of London",
    CORNWALL: "Cornwall and Isles of Scilly",
}
# Census 2011 merged-LA codes (Nomis CMLAD11) that combine the folded pairs.
COMBINED_CODES = {"E41000052": CORNWALL, "E41000324": WESTMINSTER}
# Aggregate destinations/origins of the ONS detailed estimates outside England and Wales.
AGGREGATE_CODES = {"S92000003": "Scotland", "N92000002": "Northern Ireland"}
# Last vintage in which a recoded (not merged) pre-2019 code was live.
RECODED_LAST_VINTAGE = {
    "E06000048": "LAD12",  # Northumberland -> E06000057 (April 2013)
    "E08000020": "LAD12",  # Gateshead -> E08000037 (April 2013)
    "E07000100": "LAD12",  # St Albans -> E07000240 (April 2013)
    "E07000104": "LAD12",  # Welwyn Hatfield -> E07000241 (April 2013)
    "E07000097": "LAD13",  # East Hertfordshire -> E07000242 (April 2014)
    "E07000101": "LAD13",  # Stevenage -> E07000243 (April 2014)
    "E08000016": "LAD24",  # Barnsley -> E08000038 (April 2025, minor boundary change)
    "E08000019": "LAD24",  # Sheffield -> E08000039 (April 2025, minor boundary change)
}
CROSSWALK_COLUMNS = ["from_code", "from_name", "from_vintage", "to_code", "to_name", "weight"]


@dataclass(frozen=True)
class Vintage:
    """The LA units of the chosen vintage and the crosswalk onto them.

    `lookup` is in the canonical geography/ltla_lookup.csv layout; `crosswalk` maps every
    known code (old, current, folded, combined) to its unit with weight 1 (all changes are
    whole-district mergers, so counts are summed).
    """

    lookup: pd.DataFrame
    crosswalk: pd.DataFrame
    created_by_mergers: frozenset[str] = frozenset()  # codes born in the 2019-2023 mergers
    name: str = VINTAGE
    # Codes of LAs newer than the vintage (the study vintage: 2019-2023 mergers). They are
    # never split backwards: map_codes gives NaN and readers report their rows as excluded.
    later_codes: frozenset[str] = frozenset()
    merged_later: frozenset[str] = frozenset()  # units that merged in 2019-2023

    @property
    def codes(self) -> set[str]:
        return set(self.lookup["ltlacd"])

    @property
    def mapping(self) -> dict[str, str]:
        return dict(zip(self.crosswalk["from_code"], self.crosswalk["to_code"], strict=True))

    def map_codes(self, codes: pd.Series) -> pd.Series:
        """Codes on the vintage; NaN where the code is not an E&W LA code we know.

        A combined code such as 'E06000052, E06000053' maps to a unit when all its parts
        map to that same unit (Cornwall and Scilly, City of London and Westminster).
        """
        mapping = self.mapping
        text = codes.astype(str).str.strip()
        mapped = text.map(mapping)
        combined = mapped.isna() & text.str.contains(r"[,/+&]", regex=True)
        for index, value in text[combined].items():
            units = {mapping.get(part) for part in split_combined(value)}
            if len(units) == 1 and None not in units:
                mapped[index] = units.pop()
        return mapped


def _require(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInputError(
            f"{path}: missing column(s) {', '.join(missing)}; expected the drkane/geo-lookups "
            f"la_all_codes layout with {', '.join(columns)}, found {', '.join(frame.columns)}."
        )


def build_vintage(all_codes_csv: Path, changes_csv: Path | None = None) -> Vintage:
    """Build LAD25-H from the every-LTLA-since-2011 lookup (LADCD -> LADCD_ACTIVE).

    The change table (oldcd, newcd, start) only labels the vintage a merged code was last
    live in; mapping itself comes from LADCD_ACTIVE, which already chains every change.
    """
    try:
        codes = pd.read_csv(all_codes_csv, dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{all_codes_csv}: cannot be read as CSV ({exc}).") from exc
    needed = ["LADCD", "LADNM", "LADCD_ACTIVE", "LADNM_ACTIVE", "RGNCD", "RGNNM", "CTRYNM"]
    _require(codes, needed, all_codes_csv)
    codes = codes[codes["CTRYNM"].isin(["England", "Wales"])].copy()
    current = codes[codes["LADCD"] == codes["LADCD_ACTIVE"]].copy()
    current = current[~current["LADCD"].isin(FOLDED)]
    lookup = pd.DataFrame(
        {
            "ltlacd": current["LADCD"],
            "ltlanm": current["LADCD"].map(FOLDED_NAMES).fillna(current["LADNM"]),
            "rgncd": current["RGNCD"].where(current["CTRYNM"] == "England", "W92000004"),
            "rgnnm": current["RGNNM"].where(current["CTRYNM"] == "England", "Wales"),
            "ctrycd": current["CTRYNM"].map({"England": "E92000001", "Wales": "W92000004"}),
            "ctrynm": current["CTRYNM"],
        }
    ).sort_values("ltlacd", ignore_index=True)

    last_live: dict[str, str] = dict(RECODED_LAST_VINTAGE)
    created: set[str] = set()
    if changes_csv is not None and changes_csv.exists():
        changes = pd.read_csv(changes_csv, dtype=str, encoding="utf-8-sig")
        _require(changes, ["oldcd", "newcd", "type", "start"], changes_csv)
        merged = changes[changes["type"] == "merger"]
        for old, start in zip(merged["oldcd"], merged["start"], strict=True):
            last_live[old] = f"LAD{int(start) - 1 - 2000:02d}"
        created = set(merged.loc[merged["start"].astype(int) >= 2019, "newcd"])
    names = dict(zip(lookup["ltlacd"], lookup["ltlanm"], strict=True))
    rows = []
    for code, name, active in zip(
        codes["LADCD"], codes["LADNM"], codes["LADCD_ACTIVE"], strict=True
    ):
        target = FOLDED.get(active, active)
        vintage = "LAD25" if code == active else last_live.get(code, "pre-LAD25")
        rows.append((code, name, vintage, target, names.get(target), 1.0))
    for code, target in COMBINED_CODES.items():
        rows.append((code, "Census 2011 merged LA", "CMLAD11", target, names[target], 1.0))
    crosswalk = pd.DataFrame(rows, columns=CROSSWALK_COLUMNS).drop_duplicates("from_code")
    unknown = sorted(set(crosswalk["to_code"]) - set(lookup["ltlacd"]))
    if unknown:
        raise BadInputError(
            f"{all_codes_csv}: LADCD_ACTIVE code(s) {', '.join(unknown[:5])} are not current "
            "LAs in the same file; the lookup is inconsistent."
        )
    return Vintage(
        lookup, crosswalk.sort_values("from_code", ignore_index=True), frozenset(created)
    )


def build_study_vintage(all_codes_csv: Path, changes_csv: Path) -> Vintage:
    """The study's units: the 2011-2018 LAs (2011 codes with the 2013/2014 recodes, i.e. the
    348 districts of April 2018), City of London and Scilly folded as in LAD25-H: 346.

    Every E&W code since 2011 maps to the district it was (or is part of) in 2018; the codes
    created by the 2019-2023 mergers (Dorset, BCP, Buckinghamshire, the Northamptonshires,
    North Yorkshire, ...) are `later_codes`: data published on them cannot be placed on the
    study's units and is reported, never split with invented weights.
    """
    changes = pd.read_csv(changes_csv, dtype=str, encoding="utf-8-sig")
    _require(changes, ["oldcd", "newcd", "type", "start"], changes_csv)
    mergers = changes[(changes["type"] == "merger") & (changes["start"].astype(int) >= 2019)]
    later = set(mergers["newcd"])
    merged_away = set(mergers["oldcd"]) - later  # districts live in 2018, merged later
    codes = pd.read_csv(all_codes_csv, dtype=str, encoding="utf-8-sig")
    codes = codes[codes["CTRYNM"].isin(["England", "Wales"])]
    info = codes.set_index("LADCD")

    def unit_of(code: str, active: str) -> str | None:
        if code in later:
            return None
        if code in merged_away:
            return FOLDED.get(code, code)
        target = RECODED_2025.get(active, active)
        return FOLDED.get(target, target)

    rows, units = [], {}
    for code, name, active in zip(
        codes["LADCD"], codes["LADNM"], codes["LADCD_ACTIVE"], strict=True
    ):
        unit = unit_of(code, active)
        if unit is None:
            continue
        units.setdefault(unit, code)
        rows.append((code, name, "LAD11-18" if code == unit else "recoded", unit))
    lookup = pd.DataFrame([_lookup_row(unit, info.loc[unit]) for unit in sorted(units)])
    names = dict(zip(lookup["ltlacd"], lookup["ltlanm"], strict=True))
    for code, target in COMBINED_CODES.items():
        if target in names:
            rows.append((code, "Census 2011 merged LA", "CMLAD11", target))
    crosswalk = pd.DataFrame(
        [(c, n, v, t, names[t], 1.0) for c, n, v, t in rows], columns=CROSSWALK_COLUMNS
    ).drop_duplicates("from_code")
    return Vintage(
        lookup,
        crosswalk.sort_values("from_code", ignore_index=True),
        frozenset(),
        STUDY_VINTAGE,
        frozenset(later),
        frozenset(merged_away - set(FOLDED)),
    )


def _lookup_row(unit: str, row: pd.Series) -> dict[str, str]:
    england = row["CTRYNM"] == "England"
    return {
        "ltlacd": unit,
        "ltlanm": FOLDED_NAMES.get(unit, row["LADNM"]),
        "rgncd": row["RGNCD"] if england else "W92000004",
        "rgnnm": row["RGNNM"] if england else "Wales",
        "ctrycd": "E92000001" if england else "W92000004",
        "ctrynm": row["CTRYNM"],
    }


def load_vintage(choice: str, all_codes_csv: Path, changes_csv: Path | None) -> Vintage:
    """`study` (2011-2018 LAs, the default for the study's tables) or `current` (LAD25-H)."""
    if choice not in VINTAGES:
        raise BadInputError(f"Unknown vintage {choice!r}; expected one of {', '.join(VINTAGES)}.")
    if choice == "current":
        present = changes_csv is not None and changes_csv.exists()
        return build_vintage(all_codes_csv, changes_csv if present else None)
    if changes_csv is None or not changes_csv.exists():
        raise BadInputError(
            f"The study vintage needs the LA change table {changes_csv} (which codes were "
            "created by the 2019-2023 mergers); run `mobility fetch`."
        )
    return build_study_vintage(all_codes_csv, changes_csv)


def split_combined(code: str) -> list[str]:
    """'E09000001/E09000033' or 'E06000052, E06000053' -> the separate codes."""
    for sep in ("/", ",", "+", "&"):
        if sep in code:
            return [c.strip() for c in code.split(sep) if c.strip()]
    return [code.strip()]
