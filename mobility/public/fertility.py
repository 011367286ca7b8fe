"""The real 2014 total fertility rate by LA, and the calibration of the births-based proxy.

ONS birth summary tables 2014, table 3 (live births, GFR and TFR by area of usual residence
of mother) lists areas by NAME only: regions, counties, unitary authorities ("... UA"),
districts, London boroughs ("... LB"), Welsh LAs and Welsh health boards. LA rows are
matched to the codes live in 2014 (the crosswalk's names, suffixes and footnote digits
removed, known renames aliased); every LA of the vintage without a match is listed, and the
rows that match no LA (regions, counties, health boards) are counted, never dropped silently.

The proxy the warehouse has for other years is 30 x GFR (births / women 15-44). TFR and the
proxy differ in scale (TFR weights every age equally; the GFR weights by the age structure of
women 15-44), so we fit TFR = a + b x proxy across the matched units of 2014, report the
correlation and the scale, and calibrate the proxy of every year by that line. TFR is not
additive: a unit merging several 2014 LAs takes their TFRs weighted by women aged 15-44
(births x 1000 / GFR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.errors import BadInputError
from mobility.public.population import NAME_ALIASES
from mobility.public.vintage import Vintage
from mobility.public.workbooks import to_number

HEADER = "area of usual residence"
_SUFFIX = re.compile(r"\s+(lb|\(met county\))$")
# Names of table 3 that differ from the register's: Scilly is combined with Cornwall in the
# table (and folded into Cornwall on both vintages); a spelling of Rhondda Cynon Taf.
TFR_ALIASES = {
    "cornwall and isles of scilly": "cornwall",
    "rhondda cynon taff": "rhondda cynon taf",
}


def name_key(name: object) -> str:
    """Lower case, commas and footnote digits dropped, UA/LB suffixes removed."""
    text = str(name).lower().replace("\u2019", "'").replace("\u201a", ",").replace("&", "and")
    text = " ".join(text.replace(",", " ").split())
    text = re.sub(r"\d+$", "", text).strip()
    text = _SUFFIX.sub("", re.sub(r"\bua\b", "", text)).strip()
    text = " ".join(re.sub(r"^the ", "", text).split())
    return TFR_ALIASES.get(text, NAME_ALIASES.get(text, text))


def read_tfr_table(path: Path) -> pd.DataFrame:
    """area, births, gfr, tfr for every named row under the header (':' cells missing)."""
    try:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot be read as CSV ({exc}).") from exc
    first = raw.iloc[:, 0].str.strip().str.lower()
    header = np.flatnonzero(first == HEADER)
    if not len(header):
        raise BadInputError(
            f"{path}: no header row starting 'Area of usual residence'; expected ONS birth "
            "summary tables 2014, table 3 (area, live births, GFR, TFR)."
        )
    start = int(header[0])
    labels = [str(c).strip().lower() for c in raw.iloc[start, :4]]
    if not (labels[1].startswith("live births") and "gfr" in labels[2] and "tfr" in labels[3]):
        raise BadInputError(
            f"{path}: row {start + 1}: columns {labels} are not area, live births, GFR, TFR."
        )
    body = raw.iloc[start + 1 :, :4]
    body.columns = ["area", "births", "gfr", "tfr"]
    body = body[body["area"].str.strip().ne("") & body["births"].str.strip().ne("")]
    return pd.DataFrame(
        {
            "area": body["area"].str.strip(),
            "births": to_number(body["births"]),
            "gfr": to_number(body["gfr"]),
            "tfr": to_number(body["tfr"]),
        }
    ).reset_index(drop=True)


@dataclass
class TfrMatch:
    """The 2014 TFR on the vintage's units and how the names matched."""

    values: pd.DataFrame  # la_code, tfr
    units_matched: int
    units_total: int
    unmatched_units: list[str] = field(default_factory=list)  # "code name"
    rows_not_las: list[str] = field(default_factory=list)  # regions, counties, health boards

    @property
    def match_rate(self) -> float:
        return self.units_matched / self.units_total if self.units_total else 0.0


def match_tfr(path: Path, vintage: Vintage) -> TfrMatch:
    """Match the table's LA rows to codes live in 2014 and put the TFR on the vintage."""
    table = read_tfr_table(path)
    crosswalk = vintage.crosswalk[~vintage.crosswalk["from_code"].isin(vintage.created_by_mergers)]
    by_name: dict[str, set[tuple[str, str]]] = {}
    for code, name, unit in zip(
        crosswalk["from_code"], crosswalk["from_name"], crosswalk["to_code"], strict=True
    ):
        by_name.setdefault(name_key(name), set()).add((code, unit))
    rows, not_las, seen = [], [], set()
    for area, births, gfr, tfr in table.itertuples(index=False):
        key = name_key(area)
        units = {u for _, u in by_name.get(key, set())}
        if len(units) != 1 or key in seen:
            if key not in seen:
                not_las.append(area)
            continue
        seen.add(key)
        rows.append((units.pop(), births, gfr, tfr))
    frame = pd.DataFrame(rows, columns=["la_code", "births", "gfr", "tfr"]).dropna()
    frame["women"] = frame["births"] * 1000 / frame["gfr"]
    frame["weighted"] = frame["tfr"] * frame["women"]
    grouped = frame.groupby("la_code", as_index=False)[["weighted", "women"]].sum()
    grouped["tfr"] = grouped["weighted"] / grouped["women"]
    names = vintage.lookup.set_index("ltlacd")["ltlanm"]
    unmatched = sorted(vintage.codes - set(grouped["la_code"]))
    return TfrMatch(
        grouped[["la_code", "tfr"]],
        len(grouped),
        len(vintage.codes),
        [f"{c} {names.get(c, '')}" for c in unmatched],
        not_las,
    )


@dataclass(frozen=True)
class Calibration:
    """TFR = intercept + slope x proxy, fitted on the units with both in 2014."""

    intercept: float
    slope: float
    correlation: float
    mean_ratio: float  # mean of TFR / proxy: the raw scale difference
    n: int

    def apply(self, proxy: pd.Series) -> pd.Series:
        return self.intercept + self.slope * proxy


def calibrate(proxy_2014: pd.DataFrame, real: pd.DataFrame) -> Calibration:
    """Least-squares line of the real TFR on the proxy (both keyed by la_code)."""
    both = proxy_2014.merge(real, on="la_code").dropna(subset=["value", "tfr"])
    if len(both) < 10:
        raise BadInputError(
            f"Only {len(both)} LA(s) have both the real 2014 TFR and the births-based proxy; "
            "the calibration needs at least 10."
        )
    slope, intercept = np.polyfit(both["value"], both["tfr"], 1)
    return Calibration(
        float(intercept),
        float(slope),
        float(np.corrcoef(both["value"], both["tfr"])[0, 1]),
        float((both["tfr"] / both["value"]).mean()),
        len(both),
    )
