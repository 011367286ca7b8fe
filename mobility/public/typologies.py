"""The three area typologies on the vintage: IMD 2010, ONS 2011 classification, SMI 2017.

IMD 2010 LA summary, rebuilt: the official LA "average score" is the population-weighted
mean of its LSOA scores. No LSOA 2001 populations are among the public files, so we use the
**simple mean of LSOA01 IMD scores** over all LSOAs of each unit (LSOA01 -> LAD11 from the
ONS lookup, LAD11 -> vintage from the crosswalk), then rank (1 = most deprived, i.e. the
highest score). Within an LA LSOAs have similar populations (about 1,500 people by design),
so the two means are close; the difference is documented in docs/public_data.md.

ONS 2011 area classification: published for 2011 LAs. A merged unit whose constituents
belong to different supergroups takes the supergroup of the constituents with the largest
combined mid-2011 population (reported). Rows for post-2019 codes and "*_COMBINED" rows in
the community file are someone else's assignment, not ONS, and are ignored.

Social Mobility Index 2017: not among the public files. A user may supply it (`--smi-file`)
as a CSV with columns la_code, la_name, overall_score (higher = better prospects) and
optionally overall_rank. Merged units take the mid-2011-population-weighted mean score of
the constituents present; ranks are recomputed (1 = best).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError
from mobility.public.report import Exclusion
from mobility.public.vintage import Vintage, split_combined
from mobility.public.workbooks import read_publisher_csv
from mobility.vocabulary import SUPERGROUPS

CLASSIFICATION_COLUMNS = [
    "la_code",
    "supergroup",
    "supergroup_code",
    "group",
    "group_code",
    "subgroup",
    "subgroup_code",
]


def build_imd2010(
    lsoa_scores_csv: Path, lsoa_lookup_csv: Path, vintage: Vintage
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """IMD 2010 LA summary (la_code, la_name, imd_average_score, rank, n_lsoa) on the vintage."""
    scores = read_publisher_csv(
        lsoa_scores_csv, ["lsoa01_code", "IMD_score"], "IMD 2010 LSOA scores"
    )
    lookup = read_publisher_csv(lsoa_lookup_csv, ["LSOA01CD", "LAD11CD"], "LSOA01 to LAD11 lookup")
    pairs = lookup[["LSOA01CD", "LAD11CD"]].drop_duplicates()
    split = pairs["LSOA01CD"].duplicated(keep=False)
    if split.any():
        raise BadInputError(
            f"{lsoa_lookup_csv}: {int(split.sum())} LSOA01 code(s) map to more than one LAD11; "
            "the simple-average method needs each LSOA in one LA."
        )
    merged = scores.merge(pairs, left_on="lsoa01_code", right_on="LSOA01CD", how="left")
    exclusions = []
    unmatched = merged["LAD11CD"].isna()
    if unmatched.any():
        exclusions.append(
            Exclusion(
                lsoa_scores_csv.name, "LSOA01 not in the LSOA-LAD lookup", int(unmatched.sum())
            )
        )
    merged = merged[~unmatched]
    merged["la_code"] = vintage.map_codes(merged["LAD11CD"])
    if merged["la_code"].isna().any():
        bad = sorted(set(merged.loc[merged["la_code"].isna(), "LAD11CD"]))
        raise BadInputError(f"{lsoa_lookup_csv}: LAD11 code(s) {', '.join(bad[:5])} unknown.")
    merged["score"] = pd.to_numeric(merged["IMD_score"], errors="coerce")
    if merged["score"].isna().any():
        raise BadInputError(f"{lsoa_scores_csv}: column IMD_score has non-numeric values.")
    summary = merged.groupby("la_code", as_index=False).agg(
        imd_average_score=("score", "mean"), n_lsoa=("score", "size")
    )
    # Rank on the unrounded mean; exact ties (none on the real files) go to code order so
    # ranks stay unique, as in the published table.
    summary = summary.sort_values("la_code", ignore_index=True)
    summary["imd_rank_of_average_score"] = (
        summary["imd_average_score"].rank(ascending=False, method="first").astype(int)
    )
    summary["imd_average_score"] = summary["imd_average_score"].round(3)
    names = vintage.lookup.set_index("ltlacd")["ltlanm"]
    summary.insert(1, "la_name", summary["la_code"].map(names))
    return summary.sort_values("la_code", ignore_index=True), exclusions


def _population_weights(vintage: Vintage, weights: pd.Series, codes: pd.Series) -> pd.Series:
    return codes.map(weights).fillna(0.0)


def build_area_classification(
    classification_csv: Path, vintage: Vintage, weights: pd.Series
) -> tuple[pd.DataFrame, list[Exclusion], list[str]]:
    """ONS 2011 LA classification on the vintage; returns table, exclusions, notes."""
    frame = read_publisher_csv(
        classification_csv, CLASSIFICATION_COLUMNS, "ONS 2011 area classification"
    )
    exclusions, notes = [], []
    rows = []
    for record in frame.to_dict("records"):
        for code in split_combined(str(record["la_code"])):
            rows.append({**record, "la_code": code})
    expanded = pd.DataFrame(rows)
    expanded["supergroup"] = expanded["supergroup"].str.strip()
    bad = ~expanded["supergroup"].isin(SUPERGROUPS)
    if bad.any():
        raise BadInputError(
            f"{classification_csv}: supergroup {expanded.loc[bad, 'supergroup'].iloc[0]!r} is not "
            f"one of the eight ONS 2011 supergroups."
        )
    post_2018 = expanded["la_code"].isin(vintage.created_by_mergers)
    not_code = ~expanded["la_code"].str.match(r"^[EW]\d{8}$")
    dropped = not_code | post_2018
    if dropped.any():
        exclusions.append(
            Exclusion(
                classification_csv.name,
                "rows for codes created by the 2019-2023 mergers, *_COMBINED rows or "
                "Scottish/NI codes "
                "(not ONS England and Wales assignments)",
                int(dropped.sum()),
            )
        )
    outside = ~dropped & vintage.map_codes(expanded["la_code"]).isna()
    if outside.any():
        exclusions.append(
            Exclusion(
                classification_csv.name, "Scottish or NI LA (outside vintage)", int(outside.sum())
            )
        )
    kept = expanded[~dropped & ~outside].copy()
    kept["unit"] = vintage.map_codes(kept["la_code"])
    kept["weight"] = _population_weights(vintage, weights, kept["la_code"])
    result = []
    for unit, group in kept.groupby("unit", sort=True):
        by_sg = group.groupby("supergroup")["weight"].sum().sort_values(ascending=False)
        if len(by_sg) > 1:
            notes.append(
                f"area classification: {unit} merges LAs of supergroups "
                f"{', '.join(by_sg.index)}; assigned {by_sg.index[0]} (largest mid-2011 population)"
            )
        best = group[group["supergroup"] == by_sg.index[0]].sort_values("weight").iloc[-1]
        result.append({**best[CLASSIFICATION_COLUMNS].to_dict(), "la_code": unit})
    return pd.DataFrame(result, columns=CLASSIFICATION_COLUMNS), exclusions, notes


def build_smi(
    smi_csv: Path, vintage: Vintage, weights: pd.Series
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """User-supplied SMI 2017 (la_code, la_name, overall_score[, overall_rank]) on the vintage."""
    frame = read_publisher_csv(smi_csv, ["la_code", "overall_score"], "Social Mobility Index 2017")
    frame["score"] = pd.to_numeric(frame["overall_score"], errors="coerce")
    exclusions = []
    missing = frame["score"].isna()
    if missing.any():
        exclusions.append(
            Exclusion(smi_csv.name, "overall_score missing or not a number", int(missing.sum()))
        )
    frame = frame[~missing].copy()
    frame["unit"] = vintage.map_codes(frame["la_code"])
    england = frame["unit"].str.startswith("E", na=False)
    if (~england).any():
        unknown = sorted(set(frame.loc[~england, "la_code"]))
        raise BadInputError(
            f"{smi_csv}: la_code value(s) {', '.join(unknown[:5])} are not English LA codes "
            "known to the crosswalk (the SMI 2017 covers English LAs)."
        )
    frame["weight"] = _population_weights(vintage, weights, frame["la_code"]).clip(lower=1.0)
    frame["weighted"] = frame["score"] * frame["weight"]
    grouped = frame.groupby("unit", as_index=False)[["weighted", "weight"]].sum()
    grouped["overall_score"] = grouped["weighted"] / grouped["weight"]
    grouped = grouped.sort_values("unit", ignore_index=True)
    grouped["overall_rank"] = (
        grouped["overall_score"].rank(ascending=False, method="first").astype(int)
    )
    grouped["overall_score"] = grouped["overall_score"].round(4)
    names = vintage.lookup.set_index("ltlacd")["ltlanm"]
    out = pd.DataFrame(
        {
            "la_code": grouped["unit"],
            "la_name": grouped["unit"].map(names),
            "overall_score": grouped["overall_score"],
            "overall_rank": grouped["overall_rank"],
        }
    )
    return out.sort_values("la_code", ignore_index=True), exclusions


def build_imd_alternative(
    iod_csv: Path, vintage: Vintage, weights: pd.Series
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """IMD 2015 or 2019 LA summary (Trafford Data Lab layout, LAD19 codes) on the vintage.

    Same columns as the IMD 2010 file. Units merged after 2019 take the population-weighted
    (`weights`: mid-2019 population by LAD19 code) mean of the published LA average scores;
    ranks are recomputed on the vintage (1 = most deprived).
    """
    frame = read_publisher_csv(
        iod_csv, ["lad19cd", "index_domain", "average_score"], "IoD LA summary (LAD19)"
    )
    frame = frame[frame["index_domain"].str.strip() == "Index of Multiple Deprivation"].copy()
    if frame.empty:
        raise BadInputError(f"{iod_csv}: no 'Index of Multiple Deprivation' rows in index_domain.")
    frame["score"] = pd.to_numeric(frame["average_score"], errors="coerce")
    frame["unit"] = vintage.map_codes(frame["lad19cd"])
    exclusions = []
    bad = frame["score"].isna() | frame["unit"].isna()
    if bad.any():
        exclusions.append(
            Exclusion(iod_csv.name, "score missing or LA code unknown", int(bad.sum()))
        )
    frame = frame[~bad]
    frame["w"] = frame["lad19cd"].map(weights).fillna(1.0)
    frame["ws"] = frame["w"] * frame["score"]
    grouped = frame.groupby("unit", as_index=False)[["ws", "w"]].sum().sort_values("unit")
    grouped["imd_average_score"] = grouped["ws"] / grouped["w"]
    grouped["imd_rank_of_average_score"] = (
        grouped["imd_average_score"].rank(ascending=False, method="first").astype(int)
    )
    names = vintage.lookup.set_index("ltlacd")["ltlanm"]
    out = pd.DataFrame(
        {
            "la_code": grouped["unit"],
            "la_name": grouped["unit"].map(names),
            "imd_average_score": grouped["imd_average_score"].round(3),
            "imd_rank_of_average_score": grouped["imd_rank_of_average_score"],
        }
    )
    return out.reset_index(drop=True), exclusions
