"""Printing, in a real browser: the executive pack downloaded from the Overview and each app page,
printed to PDF by headless Chromium (page.pdf() prints with the print stylesheet, as a visitor's
"Save as PDF" does), then read back page by page with pypdf.

The pack prints one page for the organisation and one per team, on A4 and on Letter; every page
carries its n and verdicts. The app's pages print without the sidebar, buttons or inputs, the
Overview's grid whole (n and verdict in every row), and the Team page in a handful of pages.
The PDFs are kept in tests/screenshots/print/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from browser import PROJECT_DIR, open_app
from conftest import SAMPLES

from analysis import metrics, pack
from analysis.headline import team_headline
from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import dependencies as dependencies_view
from analysis.views.overview import verdict_grid
from analysis.workspace import open_shared_store

pytestmark = pytest.mark.browser

PRINTED = Path(__file__).resolve().parent / "screenshots" / "print"
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT = 120_000  # ms: the first run of a server loads the demo and computes its report
MARGINS = {side: "10mm" for side in ("top", "right", "bottom", "left")}  # a browser's default, about
TEAM_PAGE_MOST_PAGES = 6  # "a handful": it printed on 9 before the print stylesheet, 5 with it
SIDEBAR_TEXT = ("Settings (kept in the link)", "Window (days)", "Badges: adjusted")


@pytest.fixture(scope="module")
def demo():
    store = open_shared_store()
    report = build_report(store.con, Settings())
    pages = pack.team_pages(store.con, Settings(), report)
    yield report, pages
    store.close()


@pytest.fixture(scope="module")
def visitor(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    yield page
    context.close()


def printed(page, name: str, paper: str = "A4") -> list[str]:
    """The page printed to PDF (kept under PRINTED), as each page's text with spaces collapsed."""
    import pypdf

    PRINTED.mkdir(parents=True, exist_ok=True)
    path = PRINTED / f"{name}.pdf"
    page.pdf(path=str(path), format=paper, margin=MARGINS, print_background=True)
    # NFKC: the PDF's fonts write "ffi" and the like as one ligature character.
    return [flat(unicodedata.normalize("NFKC", sheet.extract_text())) for sheet in pypdf.PdfReader(path).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def print_pack(browser, path: Path, charts: int, paper: str) -> list[str]:
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(path.as_uri())
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}")
        return printed(page, f"{path.stem}-{paper}", paper)
    finally:
        page.close()


# ---- the executive pack ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def downloaded_pack(visitor, server, tmp_path_factory):
    """The pack as the Overview's button gives it."""
    open_app(visitor, server, TIMEOUT)
    with visitor.expect_download(timeout=TIMEOUT) as download:
        visitor.get_by_role("button", name="Download the executive pack (HTML)").click()
    path = tmp_path_factory.mktemp("pack") / "threadline-executive-pack.html"
    download.value.save_as(path)
    assert download.value.suggested_filename == "threadline-executive-pack.html"
    return path


def test_the_downloaded_pack_is_the_pack_of_the_pages_report(downloaded_pack, demo):
    report, _ = demo
    document = downloaded_pack.read_text(encoding="utf-8")
    assert document.count("* plotly.js v") == 1
    assert document.count('<section class="team"') == len(report["teams"]) == 6
    assert len(document.encode("utf-8")) < 8_000_000  # one plotly.js (4.8 MB) and 18 charts


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_pack_prints_one_page_for_the_organisation_and_one_per_team(browser, downloaded_pack, demo, paper):
    report, pages = demo
    teams = report["teams"]
    sheets = print_pack(browser, downloaded_pack, 3 * len(teams), paper)
    assert len(sheets) == 1 + len(teams)
    first = sheets[0]
    assert "Threadline executive pack" in first
    # Every row of the grid: its n on both sides and its verdict in words.
    grid = verdict_grid(report, adjusted=True)
    for row in grid.itertuples(index=False):
        assert row[GRID_N] in first
    for verdict in set(grid["verdict"]):
        assert first.count(flat(verdict)) >= (grid["verdict"] == verdict).sum()
    for sheet, team in zip(sheets[1:], teams):
        assert sheet.startswith(team["team"] + " ")
        for metric, section in zip(metrics.registered(), pages[team["team"]].sections):
            badge, _ = section.badge(True)
            assert f"{metric.label}: {flat(badge)}" in sheet
            [(label, before, after)] = [row for row in section.numbers.itertuples(index=False) if "(n)" in row[0]]
            assert f"{label} {before} {after}" in sheet
            assert (int(before), int(after)) == (
                team["metrics"][metric.name]["before"]["n"],
                team["metrics"][metric.name]["after"]["n"],
            )
        assert "Caveats" in sheet


GRID_N = list(verdict_grid({"teams": []}).columns).index("n before → after")


def test_a_pack_of_real_exports_prints_one_page_per_team(browser, tmp_path):
    """Real git tag exports with an organisation: teams with little data have long caveats, and
    still print on a page each."""
    tags = sorted((SAMPLES / "git_tags").glob("*__tags.csv")) if SAMPLES.exists() else []
    if not tags:
        pytest.skip("no real samples beside the project")
    folder = tmp_path / "exports"
    folder.mkdir()
    for path in tags:
        shutil.copy(path, folder / path.name)
    (folder / "teams.csv").write_text("team,reorg_date,model,leader\nFlask,2023-01-01,sto,\nRequests,,,\nDevLake,,,\n")
    (folder / "ownership.csv").write_text(
        "kind,value,team,start_date,end_date\ngithub_repo,pallets/flask,Flask,,\n"
        "github_repo,psf/requests,Requests,,\ngithub_repo,apache/incubator-devlake,DevLake,,\n"
    )
    written = tmp_path / "real-tags-pack.html"
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "report", str(folder), "--format", "html", "--output", str(written)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    for paper in ("A4", "Letter"):
        sheets = print_pack(browser, written, 9, paper)
        assert len(sheets) == 4, paper
        assert [sheet.split(" ")[0] for sheet in sheets[1:]] == ["Flask", "DevLake", "Requests"]
        assert all("insufficient data" in sheet and "(n)" in sheet for sheet in sheets[1:])


# ---- the app's own pages -----------------------------------------------------------------------


def open_page(visitor, server, path: str) -> None:
    open_app(visitor, f"{server}/{path}", TIMEOUT)
    visitor.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))"
    )
    # The tables drawn for paper alone (containers keyed print_only_*) have cells before printing:
    # in one CI run, under load, the Dependencies page printed without its totals table.
    visitor.wait_for_function(
        "[...document.querySelectorAll('[class*=\"st-key-print_only_\"]')].every(c => c.querySelector('td'))"
    )


def assert_no_chrome(sheets: list[str]) -> None:
    text = " ".join(sheets)
    for shown in (*SIDEBAR_TEXT, "Download CSV", "Download the executive pack"):
        assert shown not in text


def test_the_overview_prints_the_whole_grid_without_the_sidebar(visitor, server, demo):
    report, pages = demo
    open_page(visitor, server, "")
    sheets = printed(visitor, "app-overview")
    text = " ".join(sheets)
    assert_no_chrome(sheets)
    assert len(sheets) <= 4
    grid = verdict_grid(report, adjusted=True)
    # Each row whole: its team, metric, verdict and n, in the order of the grid's columns.
    for row in grid.to_dict("records"):
        assert re.search(
            re.escape(row["team"]) + r" " + re.escape(flat(row["verdict"])) + r" " + re.escape(row["metric"]), text
        ), row
        assert row["n before → after"] in text
    # The plain words, with their n, for every team.
    for team in report["teams"]:
        assert team["team"] in text


def test_the_team_page_prints_in_a_handful_of_pages(visitor, server, demo):
    report, pages = demo
    open_page(visitor, server, "team?team=Checkout")
    sheets = printed(visitor, "app-team")
    assert_no_chrome(sheets)
    assert 1 <= len(sheets) <= TEAM_PAGE_MOST_PAGES
    text = " ".join(sheets)
    page = pages["Checkout"]
    assert text.startswith("Checkout ")
    for sentence in team_headline(report, "Checkout"):  # n on both sides and the verdict, per metric
        assert flat(sentence) in text
    for section in page.sections:
        badge, _ = section.badge(True)
        assert flat(badge.split(" (")[0]) in text
    # The comparison table whole: the last column's header and values too.
    assert "Minimum detectable effect" in text
    assert "Search Key, title" not in text and "Items and releases" not in text  # left out of print


def test_the_dependencies_page_prints_its_totals_whole(visitor, server, demo):
    report, _ = demo
    open_page(visitor, server, "dependencies")
    sheets = printed(visitor, "app-dependencies")
    assert_no_chrome(sheets)
    assert "Before and after Before After" not in " ".join(sheets)  # the period switch is not printed
    text = " ".join(sheets)
    totals = dependencies_view.totals_table(report)
    for row in totals.itertuples(index=False):
        assert re.search(re.escape(row[0]) + r" \w+ " + str(int(row[2])), text), row  # team, comparison, n before
    assert flat(totals.columns[-1]) in text  # the last column is not cut


def test_the_methods_page_prints_without_the_sidebar(visitor, server):
    open_page(visitor, server, "methods")
    sheets = printed(visitor, "app-methods")
    assert_no_chrome(sheets)
    text = " ".join(sheets)
    assert "Methods" in text and "insufficient data" in text and "improved" in text
