"""The report in a real browser (headless Chromium), and the maps on the real ONS boundaries.

The browser test opens a copy of reports/report.html with a small script appended that, once
the page has loaded, records every image's natural size; Chromium's --dump-dom returns the
page after that script ran. It checks that the page renders (a non-blank screenshot), that
the findings come first, that every image loads and that every link resolves (an anchor to
an element of the page, a file to a file beside the report). Chromium is installed by
.ci/run; without it the test is skipped, never installed from here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from analysis.maps import BOUNDARY_FILE, la_maps
from analysis.report import render_report

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PROBE = """
<script>
window.addEventListener('load', () => {
  const images = [...document.images].map(i => ({src: i.getAttribute('src'),
    width: i.naturalWidth, complete: i.complete}));
  const out = document.createElement('pre');
  out.id = 'browser-check';
  out.textContent = JSON.stringify(images);
  document.body.appendChild(out);
});
</script>
"""


def _browser() -> str | None:
    return next((found for b in BROWSERS if (found := shutil.which(b))), None)


class _Links(HTMLParser):
    """Every id, href and img src of a page, and the order of the top-level sections."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))
        if tag == "section" and values.get("id"):
            self.sections.append(str(values["id"]))


def _chromium(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_report_renders_in_headless_chromium(built: dict[str, Path], tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium on PATH (.ci/run installs it with apt-get install chromium)")
    out = shutil.copytree(built["out"], tmp_path / "reports")
    report = out / "report.html"
    probe = out / "report_probe.html"
    probe.write_text(report.read_text().replace("</body>", PROBE + "</body>"))

    dom = _chromium(browser, "--dump-dom", probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r"<pre id=\"browser-check\">(.*?)</pre>", dom.stdout, re.S)
    assert found, "the page's load event never ran:\n" + dom.stdout[-2000:]
    images = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    sources = [i["src"] for i in images]
    assert any("heatmap_rates_" in s for s in sources), sources
    assert any(s.startswith("figures/map_") for s in sources), sources
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"images that did not load: {broken}"

    page = _Links()
    page.feed(report.read_text())
    assert page.sections[0] == "findings", page.sections
    unresolved = [
        h
        for h in page.hrefs
        if (h.startswith("#") and h[1:] not in page.ids)
        or (not h.startswith(("#", "http")) and not (out / h).is_file())
    ]
    assert not unresolved, f"links that do not resolve: {unresolved}"
    assert any(h.endswith(".svg") for h in page.hrefs)

    shot = tmp_path / "report.png"
    taken = _chromium(browser, f"--screenshot={shot}", "--window-size=1280,2400", report.as_uri())
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        low, high = image.convert("L").getextrema()
    assert high - low > 100, "the screenshot is blank"


@pytest.mark.skipif(
    not (REAL / BOUNDARY_FILE).exists(), reason=f"real boundary file not found under {REAL}"
)
def test_maps_use_the_real_boundaries_when_the_run_has_them(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """Public runs draw the ONS polygons; without the file the synthetic Voronoi cells."""
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        real = la_maps(con, tmp_path, REAL)
        drawn = la_maps(con, tmp_path / "synthetic", None)
    finally:
        con.close()
    assert [f.key for f in real] == [f.key for f in drawn]
    assert {"map_smi_2017", "map_ons_supergroup", "map_imd_2010", "map_out_migration_rate"} <= {
        f.key for f in real
    }
    assert all("ONS LAD December 2019 boundaries" in f.title for f in real)
    assert all("Voronoi" in f.title for f in drawn)
    for figure in real:
        assert (tmp_path / figure.path).stat().st_size > 10_000
        assert (tmp_path / figure.path).with_suffix(".svg").is_file()


@pytest.mark.skipif(
    not (REAL / BOUNDARY_FILE).exists(), reason=f"real boundary file not found under {REAL}"
)
def test_public_run_report_draws_maps_from_the_publishers_files(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """A run prepared from the publishers' files (run.json prepare_public.raw_dir) gets maps
    on their boundaries, and the report opens with the findings."""
    out = shutil.copytree(built["out"], tmp_path / "reports")
    record = json.loads((out / "run.json").read_text())
    record["prepare_public"] = {"raw_dir": str(REAL), "out_dir": str(tmp_path), "vintage": "t"}
    (out / "run.json").write_text(json.dumps(record))
    page = render_report(out, built["warehouse"]).read_text()
    assert page.index("id='findings'") < page.index("id='strand-a'") < page.index("id='data'")
    assert "Social Mobility Index 2017 hot and cold spots, NB2 model 4" in page
    captions = re.findall(r"<figcaption>([^<]*)", page)
    assert sum("(ONS LAD December 2019 boundaries)" in c for c in captions) == 4, captions
    assert "Voronoi" not in page
