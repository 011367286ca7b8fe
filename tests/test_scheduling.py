"""What a scheduled job relies on besides the build: `dbt source freshness` flags a stale or
missing raw source, and every selector of selectors.yml selects something
(docs/operations.md)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from mobility import warehouse as wh
from tests.conftest import SEED, copy_data

DAY = 24 * 3600


def invoke_dbt(args: list[str], data_dir: Path, warehouse: Path, monkeypatch) -> object:
    """dbt in-process with the environment `mobility` gives it; returns dbt's own result."""
    from dbt.cli.main import dbtRunner

    for key, value in wh.dbt_environment(data_dir, warehouse).items():
        monkeypatch.setenv(key, value)
    try:
        outcome = dbtRunner().invoke(
            [*args, "--project-dir", str(wh.REPO_ROOT), "--quiet", "--log-level-file", "info"]
        )
    finally:
        wh._release_dbt_duckdb()
    assert outcome.exception is None, outcome.exception
    return outcome


def age_files(paths: list[Path], days: float) -> None:
    stamp = time.time() - days * DAY
    for path in paths:
        os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def freshness(
    small_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[str, str]]:
    """Freshness of every source after ageing the flows (stale: warn), the population
    (very stale: error) and deleting the SMI file (missing: error)."""
    root = tmp_path_factory.mktemp("freshness")
    data = copy_data(small_data, root / "data")
    age_files(sorted((data / "flows").iterdir()), 500)
    age_files(sorted((data / "population").iterdir()), 900)
    (data / "typologies" / "social_mobility_index_2017.csv").unlink()
    with pytest.MonkeyPatch.context() as monkeypatch:
        outcome = invoke_dbt(["source", "freshness"], data, root / "wh.duckdb", monkeypatch)
    return {
        f"{r.node.source_name}.{r.node.name}": (str(r.status), r.message or "")
        for r in outcome.result.results
    }


def test_freshness_checks_every_raw_source(freshness: dict[str, tuple[str, str]]) -> None:
    sources = set()
    for path in (wh.REPO_ROOT / "warehouse" / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source["name"] != "raw_files":  # file metadata, not a source of data
                sources |= {
                    f"{source['name']}.{t['name']}"
                    for t in source["tables"]
                    if t.get("config", {}).get("freshness", "checked") is not None  # optional
                }
    assert set(freshness) == sources


def test_freshness_reports_stale_and_missing_sources(
    freshness: dict[str, tuple[str, str]],
) -> None:
    assert freshness["ons_migration.detailed_estimates"][0] == "warn"
    assert freshness["ons_population.nomis_mid_year_estimates"][0] == "error"
    status, message = freshness["smc.social_mobility_index_2017"]
    assert status == "runtime error" and "social_mobility_index_2017.csv" in message
    untouched = {k: v[0] for k, v in freshness.items() if k.split(".")[0] == "ons_geography"}
    assert untouched and set(untouched.values()) == {"pass"}


def test_every_selector_selects_models(
    small_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    selectors = yaml.safe_load((wh.REPO_ROOT / "selectors.yml").read_text())["selectors"]
    names = [s["name"] for s in selectors]
    assert {"flows", "panel", "ls", "flows_marts"} <= set(names)
    selected: dict[str, set[str]] = {}
    for name in names:
        outcome = invoke_dbt(
            ["ls", "--selector", name, *("--resource-type", "model", "source")]
            + ["--output", "name"],
            small_data,
            tmp_path / "wh.duckdb",
            monkeypatch,
        )
        selected[name] = set(outcome.result)
        assert selected[name], name
    assert {"fct_teen_adult_links", "ukhls.indresp"} <= selected["panel"]
    assert {"fct_ls_child_adult_links", "ons_ls.census_records"} <= selected["ls"]
    assert "ons_migration.detailed_estimates" in selected["flows"]  # freshness of strand A
    assert not selected["flows"] & (selected["panel"] | selected["ls"])
    assert {"fct_la_pair_flows", "fct_flow_file_loads"} <= selected["flows_marts"]
    assert selected["flows_marts"] <= selected["flows"]


def test_nightly_job_alerts_bad_input_as_exit_2(small_data: Path, tmp_path: Path) -> None:
    """deploy/nightly.sh warns of a stale source, passes `mobility run`'s exit status on
    and names its kind."""
    data = copy_data(small_data, tmp_path / "data")
    flows = sorted((data / "flows").glob("Detailed_Estimates_2013_*.csv"))[0]
    lines = flows.read_text().splitlines()
    lines[5] = ",".join(lines[5].split(",")[:3] + ["X"] + lines[5].split(",")[4:])
    flows.write_text("\n".join(lines) + "\n")
    age_files(sorted((data / "population").iterdir()), 500)  # stale: a warning first
    alerts = tmp_path / "alerts.txt"
    notifier = tmp_path / "notify.sh"
    notifier.write_text(f'#!/bin/sh\necho "$1" >> {alerts}\n')
    notifier.chmod(0o755)
    environment = {
        **os.environ,
        "ALERT": str(notifier),
        "MOBILITY_DATA_DIR": str(data),
        "MOBILITY_WAREHOUSE": str(tmp_path / "wh.duckdb"),
    }
    completed = subprocess.run(
        [
            str(wh.REPO_ROOT / "deploy" / "nightly.sh"),
            *("--scale", "small", "--seed", str(SEED), "--data-dir", str(data)),
            *("--warehouse", str(tmp_path / "wh.duckdb"), "--out", str(tmp_path / "out")),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    sent = alerts.read_text()
    assert "SOURCE STALE (warning)" in sent and "nomis_mid_year_estimates" in sent
    assert "BAD INPUT (exit 2)" in sent and "DATA QUALITY" not in sent
    assert "Detailed_Estimates_2013" in completed.stdout + completed.stderr
