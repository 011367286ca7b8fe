"""An intruder with nothing but what a run publishes tries to recover the cells it blanks.

A small twin gets planted small cells (7 movers born abroad, 6 movers whose second aspect of
a job is promotion prospects, 6 LS movers with semi-skilled parents, 8 LS people born
abroad). The pipeline's analyse stage publishes strands B and C from it; the intruder then
reads ONLY the `results` rows of the run and the files under reports/, and tries every
differencing route of issue 11: a share times its rounded n, All minus the parts, 100% minus
the other shares, nested tables (group sizes of the models against the sample table), and
totals across tables of the same sample. A planted cell counts as recovered when a route
leaves exactly one possible value and it is the true one.

With disclosure control on, nothing is recovered. With the test-only switch
MOBILITY_SDC_MODE=primary-only (the behaviour before issue 11: threshold on the cell only,
counts rounded, unrounded shares and means, no secondary suppression, no per-term support)
the same intruder recovers the planted cells, so the suite can fail.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.disclosure import MODE_VARIABLE, DisclosureSwitchError, sdc_mode
from analysis.ls.descriptives import stayers_vs_movers
from analysis.ls.sample import load_sample as load_ls_sample
from analysis.panel.descriptives import MOTIVATION_TABLES, motivation_by_mover, sample_description
from analysis.panel.sample import load_sample as load_panel_sample
from analysis.report import render_report
from pipeline import stages as pipeline

RESTRICTED = ("panel", "ls")
PEOPLE = "Number of people"
GROUPS = ("Stayers", "Movers")
BAND = 2  # a count rounded to the nearest 5 is within 2 of the published value

# Planted: (report table, row, column) -> what the twin is doctored to hold.
BORN_ABROAD = (23, "Born outside the UK", "Movers")
PROMOTION = (26, "Promotion prospects", "Movers")
SEMI_SKILLED = (30, "Parent class: semi-skilled/unskilled", "Movers")
REASONS = [
    "To earn money",
    "Interest or enjoyment",
    "To be independent",
    "To build a career",
    "Something to do",
    "To meet people",
]
ASPECTS = [
    "Good pay",
    "Job security",
    "Interesting work",
    "Promotion prospects",
    "Working with people",
    "Good hours",
]
PANEL_PARENTS = [
    "Parent class: higher managerial and professional",
    "Parent class: intermediate",
    "Parent class: routine and manual",
]
LS_PARENTS = [
    "Parent class: professional and technical",
    "Parent class: skilled",
    "Parent class: semi-skilled/unskilled",
]
# What an intruder reads in the documentation: which model group is which sample row.
GROUP_TERMS = {
    (30, "Parent class: semi-skilled/unskilled"): (
        "ls_mover_effects",
        "employed: model 3 x parent class",
        "mover_in_parent_semi_unskilled",
    ),
    (23, "Parent class: routine and manual"): (
        "panel_employment",
        "model 3 x parent class",
        "mover_in_parent_routine",
    ),
}


# ---------------------------------------------------------------- the twin and its runs


def _true_counts(panel: pd.DataFrame, ls: pd.DataFrame) -> dict[tuple[int, str, str], int]:
    """The people behind every share cell of tables 23, 25, 26 and 30, before control."""
    parts = [sample_description(panel), stayers_vs_movers(ls)]
    parts += [motivation_by_mover(panel, q)[0] for q in MOTIVATION_TABLES]
    raw = pd.concat(parts, ignore_index=True)
    raw = raw[raw["kind"] == "share"]
    keys = zip(raw["report_table"], raw["row_label"], raw["column_label"], strict=True)
    return {(int(t), r, c): int(x) for (t, r, c), x in zip(keys, raw["count"], strict=True)}


def _plant(warehouse: Path) -> tuple[dict[tuple[int, str, str], int], dict]:
    """Doctor the marts of a copied warehouse; return the true counts of the planted cells
    and of every share cell."""
    con = duckdb.connect(str(warehouse))
    try:
        panel = load_panel_sample(con)
        movers = panel[panel["mover"] == 1.0].sort_values("pidp")
        abroad = movers["pidp"].head(7).tolist()
        con.execute(
            "update marts.fct_teen_adult_links set is_born_abroad = list_contains(?, pidp) "
            "where is_mover",
            [abroad],
        )
        promoted = movers.loc[movers["aspect_of_job_2"] == 4, "pidp"].head(6).tolist()
        con.execute(
            "update marts.fct_teen_adult_links set aspect_of_job_2 = 1 "
            "where is_mover and aspect_of_job_2 = 4 and not list_contains(?, pidp)",
            [promoted],
        )
        ls = load_ls_sample(con).frame.sort_values("member_id")
        semi = ls[(ls["mover"] == 1) & (ls["parent_semi_unskilled"] == 1)]["member_id"]
        con.execute(
            "update marts.fct_ls_child_adult_links set parent_class = 'skilled' "
            "where is_mover and parent_class = 'semi-skilled and unskilled' "
            "and not list_contains(?, member_id)",
            [semi.head(6).tolist()],
        )
        con.execute(
            "update marts.fct_ls_child_adult_links "
            "set born_outside_uk = list_contains(?, member_id)",
            [ls["member_id"].head(8).tolist()],
        )
        panel, ls = load_panel_sample(con), load_ls_sample(con).frame
    finally:
        con.close()
    panel_movers = panel[panel["mover"] == 1.0]
    truth = {
        BORN_ABROAD: int(panel_movers["born_abroad"].sum()),
        PROMOTION: int((panel_movers["aspect_of_job_2"] == 4).sum()),
        SEMI_SKILLED: int(ls.loc[ls["mover"] == 1, "parent_semi_unskilled"].sum()),
    }
    assert truth == {BORN_ABROAD: 7, PROMOTION: 6, SEMI_SKILLED: 6}
    assert int(ls["born_outside_uk"].sum()) == 8
    return truth, _true_counts(panel, ls)


@dataclass
class Published:
    """Everything a run makes public: results rows of strands B and C and reports/ files."""

    descriptives: pd.DataFrame
    estimates: pd.DataFrame
    log: pd.DataFrame
    out: Path
    restricted_tables: list[str]


def _publish(root: Path, data: Path, warehouse: Path, mode: str | None) -> Published:
    """Run the pipeline's analyse stage (strands B and C) and collect what it published."""
    out = root / "reports"
    options = pipeline.Options(data_dir=data, warehouse=warehouse, out=out, seed=11, scale="small")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "STRANDS", tuple(s for s in pipeline.STRANDS if s.restricted))
        if mode is not None:
            patch.setenv(MODE_VARIABLE, mode)
        pipeline.stage_analyse(options, pipeline.RunLog.open(out))
    render_report(out)
    record = json.loads((out / "run.json").read_text())["analyse"]
    run_id = record["run_id"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frames = [
            con.execute(f"select * from results.{name} where run_id = ?", [run_id]).df()
            for name in ("descriptives", "estimates", "disclosure_log")
        ]
    finally:
        con.close()
    tables = [t["key"] for t in record["tables"] if t["analysis"] in RESTRICTED]
    return Published(*frames, out=out, restricted_tables=tables)


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory, built: dict[str, Path]) -> dict:
    root = tmp_path_factory.mktemp("intruder")
    original = root / "planted.duckdb"
    shutil.copy(built["warehouse"], original)
    truth, every_cell = _plant(original)
    return {
        "root": root,
        "warehouse": original,
        "truth": truth,
        "every_cell": every_cell,
        "data": built["data"],
    }


def _run(twin: dict, name: str, mode: str | None) -> Published:
    root = twin["root"] / name
    root.mkdir()
    warehouse = root / "wh.duckdb"
    shutil.copy(twin["warehouse"], warehouse)
    return _publish(root, twin["data"], warehouse, mode)


@pytest.fixture(scope="module")
def controlled(twin: dict) -> Published:
    return _run(twin, "controlled", None)


@pytest.fixture(scope="module")
def primary_only(twin: dict) -> Published:
    return _run(twin, "primary_only", "primary-only")


# ---------------------------------------------------------------- the intruder


Pair = tuple[int, int]  # (people counted, people in the base)


class Intruder:
    """Works out what the published descriptives and estimates allow about each cell."""

    def __init__(self, published: Published) -> None:
        d = published.descriptives
        self.cells = d.set_index(["report_table", "row_label", "column_label"])
        self.estimates = published.estimates

    @staticmethod
    def tolerance(value: float) -> float:
        """How far the true share can be from the one printed, read off its decimals."""
        return 0.05 + 1e-9 if abs(value * 10 - round(value * 10)) < 1e-6 else 1e-7

    @staticmethod
    def band(rounded: float) -> set[int]:
        return {int(rounded) + k for k in range(-BAND, BAND + 1) if int(rounded) + k >= 0}

    def _cell(self, key: tuple[int, str, str]) -> pd.Series | None:
        if key not in self.cells.index:
            return None
        row = self.cells.loc[key]
        return None if pd.isna(row["value"]) else row

    def pairs(self, key: tuple[int, str, str]) -> set[Pair] | None:
        """Route 'share x rounded n': counts consistent with a share and its rounded base."""
        row = self._cell(key)
        if row is None:
            return None
        if key[1] == PEOPLE:
            return {(n, n) for n in self.band(row["value"])}
        found = set()
        tolerance = self.tolerance(row["value"])
        for n in self.band(row["n"]):
            low = (row["value"] - tolerance) * n / 100
            high = (row["value"] + tolerance) * n / 100
            found |= {(x, n) for x in range(int(np.ceil(low - 1e-9)), int(high + 1e-9) + 1)}
        return found

    def all_minus_parts(self, key: tuple[int, str, str]) -> set[int] | None:
        """Route 'All minus parts': the hidden group is the All column less the others."""
        table, row, column = key
        other = [g for g in GROUPS if g != column]
        known = [self.pairs((table, row, "All")), *[self.pairs((table, row, g)) for g in other]]
        if any(k is None for k in known):
            return None
        total, *parts = known
        return {
            t[0] - sum(p[0] for p in combo)
            for t in total
            for combo in itertools.product(*parts)
            if t[1] - sum(p[1] for p in combo) > 0
        }

    def hundred_minus_others(
        self, key: tuple[int, str, str], categories: Iterable[str], bases: set[int] | None = None
    ) -> set[int] | None:
        """Route '100% minus the other shares' (and the people row minus the other counts)."""
        table, row, column = key
        others = [self.pairs((table, c, column)) for c in categories if c != row]
        if any(o is None for o in others):
            return None
        people = self.pairs((table, PEOPLE, column))
        candidates = {n for n, _ in people} if people is not None else None
        for other in others:
            ns = {n for _, n in other}
            candidates = ns if candidates is None else candidates & ns
        if bases is not None:
            candidates &= bases
        found = set()
        for n in candidates:
            options = [sorted({x for x, m in other if m == n}) for other in others]
            for combo in itertools.product(*options):
                if n - sum(combo) >= 0:
                    found.add(n - sum(combo))
        return found

    def nested_tables(self, key: tuple[int, str, str]) -> set[int] | None:
        """Route 'nested tables': a model's group size less the other group's count."""
        table, row, column = key
        analysis, model, term = GROUP_TERMS.get((table, row), (None, None, None))
        e = self.estimates
        hit = e[(e["analysis"] == analysis) & (e["model"] == model) & (e["term"] == term)]
        sizes = hit["n_obs"].dropna()
        other = self.pairs((table, row, "Stayers" if column == "Movers" else "Movers"))
        if sizes.empty or other is None:
            return None
        group = self.band(sizes.iloc[0])
        return {g - x for g in group for x, _ in other if g - x >= 0}

    def totals_across_tables(self, key: tuple[int, str, str]) -> set[int] | None:
        """Route 'totals across tables': a model's observations = stayers + movers, which
        pins the base of the hidden column, then 100% minus the other shares."""
        table, row, column = key
        if table != 30 or row not in LS_PARENTS:
            return None
        model1 = self.estimates[self.estimates["model"] == "employed: model 1"]["n_obs"].dropna()
        other = self.pairs((table, PEOPLE, "Stayers" if column == "Movers" else "Movers"))
        if model1.empty or other is None:
            return None
        bases = {total - n for total in self.band(model1.iloc[0]) for n, _ in other}
        return self.hundred_minus_others(key, LS_PARENTS, bases)

    def attempts(self, key: tuple[int, str, str]) -> dict[str, set[int] | None]:
        categories = {23: PANEL_PARENTS, 25: REASONS, 26: ASPECTS, 30: LS_PARENTS}[key[0]]
        routes = {
            "share x rounded n": {x for x, _ in self.pairs(key) or set()} or None,
            "All minus parts": self.all_minus_parts(key),
            "100% minus the other shares": (
                self.hundred_minus_others(key, categories) if key[1] in categories else None
            ),
            "nested tables": self.nested_tables(key),
            "totals across tables": self.totals_across_tables(key),
        }
        found = [s for s in routes.values() if s]
        if found:
            routes["every route together"] = set.intersection(*found)
        return routes


def recovered(published: Published, truth: dict) -> dict[tuple[int, str, str], list[str]]:
    """Planted cells that some route pins to their true value, with the routes that do."""
    intruder = Intruder(published)
    hits = {}
    for key, value in truth.items():
        routes = [name for name, s in intruder.attempts(key).items() if s == {value}]
        if routes:
            hits[key] = routes
    return hits


# ---------------------------------------------------------------- the tests


def test_planted_cells_are_blank_in_both_modes(
    controlled: Published, primary_only: Published, twin: dict
) -> None:
    for published in (controlled, primary_only):
        cells = published.descriptives.set_index(["report_table", "row_label", "column_label"])
        for key in twin["truth"]:
            assert pd.isna(cells.loc[key, "value"]), key


def test_intruder_recovers_nothing_with_disclosure_control(
    controlled: Published, twin: dict
) -> None:
    """Neither the planted cells nor any other blank cell (natural small cells, secondary
    blanks) comes back."""
    cells = controlled.descriptives.set_index(["report_table", "row_label", "column_label"])
    blank = {k: v for k, v in twin["every_cell"].items() if pd.isna(cells.loc[k, "value"])}
    assert set(twin["truth"]) <= set(blank) and len(blank) > len(twin["truth"])
    assert recovered(controlled, blank) == {}


def test_intruder_recovers_the_planted_cells_without_it(
    primary_only: Published, twin: dict
) -> None:
    """Primary suppression alone (today's outputs before issue 11) gives every cell away."""
    hits = recovered(primary_only, twin["truth"])
    assert set(hits) == set(twin["truth"]), hits
    assert "All minus parts" in hits[BORN_ABROAD]
    assert "100% minus the other shares" in hits[PROMOTION]
    assert "100% minus the other shares" in hits[SEMI_SKILLED]


def test_each_blank_relation_hides_at_least_two_cells(controlled: Published) -> None:
    """Secondary suppression: no row with an All column, no set of categories adding to 100%,
    holds exactly one blank."""
    d = controlled.descriptives.set_index(["report_table", "row_label", "column_label"])["value"]
    groups = [
        [(23, r, c) for c in (*GROUPS, "All")] for r in PANEL_PARENTS + ["Born outside the UK"]
    ]
    groups += [[(26, r, c) for r in ASPECTS] for c in GROUPS]
    groups += [[(30, r, c) for r in LS_PARENTS] for c in GROUPS]
    groups += [[(23, r, c) for r in PANEL_PARENTS] for c in (*GROUPS, "All")]
    for cells in groups:
        assert sum(pd.isna(d[k]) for k in cells) != 1, cells


def test_estimates_on_a_rare_dummy_are_blank(
    controlled: Published, primary_only: Published
) -> None:
    """8 people born abroad: the nested models' effect of being born abroad is not shown
    (it was, with the threshold counted over the whole sample)."""

    def born_abroad(published: Published) -> pd.DataFrame:
        e = published.estimates
        return e[(e["analysis"] == "ls_mover_effects") & (e["term"] == "born_outside_uk")]

    assert len(born_abroad(controlled)) == 2  # model 3 of both outcomes
    assert born_abroad(controlled)[["estimate", "std_error", "p_value"]].isna().all().all()
    assert born_abroad(primary_only)["estimate"].notna().all()
    # The models table (which prints the mover term) is still made, with its observations.
    table = pd.read_csv(controlled.out / "tables" / "ls_models_employed.csv", dtype=str)
    table = table.fillna("").set_index(table.columns[0])
    assert (table.loc["Mover"] != "").all() and (table.loc["Observations"] != "").all()
    logged = controlled.log[controlled.log["cell"].str.endswith("/ born_outside_uk")]
    assert set(logged["rule"].str.split(":").str[0]) == {"threshold"}


def test_the_log_names_every_blank_cell(controlled: Published, twin: dict) -> None:
    log = controlled.log
    cells = set(zip(log["report_table"], log["cell"], strict=True))
    for table, row, column in twin["truth"]:
        assert (table, f"{row} / {column}") in cells
    blanks = controlled.descriptives[controlled.descriptives["value"].isna()]
    for row in blanks.itertuples(index=False):
        assert (row.report_table, f"{row.row_label} / {row.column_label}") in cells
    assert log["rule"].str.startswith("secondary").any()
    report = (controlled.out / "report.html").read_text()
    assert "disclosure control log" in report and "secondary: would be derivable" in report


# ------------------------------------------------ the scan: nothing unsafe is published


def _is_safe_count(value: float) -> bool:
    return value % 5 == 0 and value >= 10


def test_no_unsafe_value_in_results(controlled: Published) -> None:
    d = controlled.descriptives
    assert set(d["analysis"].str.split("_").str[0]) == {"panel", "ls"}
    counts = pd.concat(
        [d["n"], d.loc[d["row_label"] == PEOPLE, "value"], controlled.estimates["n_obs"]]
    )
    bad = [v for v in counts.dropna() if not _is_safe_count(v)]
    assert bad == []
    # Shares: the count behind each is a rounded count of at least 10, and so is the rest
    # of the base for the yes/no characteristics of tables 23 and 30.
    shares = d[(d["row_label"] != PEOPLE) & d["value"].notna() & d["n"].notna()]
    shares = shares[~shares["row_label"].str.contains(r"mean|\(mean\)", regex=True)]
    shares = shares[~shares["column_label"].str.startswith("p-value")]
    implied = shares["value"] * shares["n"] / 100
    assert (np.abs(implied - 5 * np.round(implied / 5)) <= 0.05 * shares["n"] / 100 + 1e-9).all()
    assert (implied >= 10 - 0.05 * shares["n"] / 100).all()
    binary = shares[shares["report_table"].isin([23, 30])]
    binary = binary[~binary["row_label"].str.startswith("Parent class")]
    rest = (100 - binary["value"]) * binary["n"] / 100
    assert (rest >= 10 - 0.05 * binary["n"] / 100).all()


COUNT_ROW = re.compile(r"<tr><td>(?:Number of people|Observations)</td>(.*?)</tr>")


def _numbers(text: str) -> list[float]:
    return [float(v.replace(",", "")) for v in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def test_no_unsafe_count_in_reports(controlled: Published) -> None:
    tables = controlled.out / "tables"
    counts: list[float] = []
    for key in controlled.restricted_tables:
        frame = pd.read_csv(tables / f"{key}.csv", dtype=str).fillna("")
        first = frame.columns[0]
        rows = frame[frame[first].isin([PEOPLE, "Observations"])]
        for column in frame.columns[1:]:
            counts += _numbers(" ".join(rows[column]))
        if "Observations" in frame.columns:
            counts += _numbers(" ".join(frame["Observations"]))
        html = (tables / f"{key}.html").read_text()
        for cells in COUNT_ROW.findall(html):
            counts += _numbers(re.sub("<[^>]+>", " ", cells))
    report = (controlled.out / "report.html").read_text()
    for key in controlled.restricted_tables:
        section = re.search(f"<section id='{key}'>(.*?)</section>", report, re.S)
        assert section is not None, key
        for cells in COUNT_ROW.findall(section.group(1)):
            counts += _numbers(re.sub("<[^>]+>", " ", cells))
    for note in re.findall(r"<li>(.*?)</li>", report, re.S):
        counts += _numbers(" ".join(re.findall(r"\d[\d,]* people", note)))
    assert len(counts) > 50
    assert [c for c in counts if not _is_safe_count(c)] == []


def test_the_switch_is_refused_outside_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODE_VARIABLE, "primary-only")
    assert sdc_mode() == "primary-only"
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    with pytest.raises(DisclosureSwitchError, match="only for the intruder tests"):
        sdc_mode()
    monkeypatch.setenv(MODE_VARIABLE, "off")
    with pytest.raises(DisclosureSwitchError):
        sdc_mode()
