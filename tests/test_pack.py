"""The executive pack (analysis/pack.py): one self-contained HTML file, plotly.js in it once, one
section per team, every number with its n, export text escaped; and `report --format html`."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys

import plotly.offline
import pytest
from conftest import PROJECT_ROOT, SAMPLES

from analysis import metrics, pack
from analysis.headline import organisation_headline, team_headline
from analysis.number_words import p_value_text
from analysis.report import build_report
from analysis.settings import Settings
from analysis.store import Store
from analysis.views import team as team_view
from analysis.views.common import VERDICT_BADGES
from analysis.workspace import DEFAULT_DATA_DIR, open_shared_store

SETTINGS = Settings()
# The banner plotly.js starts with: it appears once per copy of the bundle.
BUNDLE_MARKER = "* plotly.js v"
HOSTILE = '<script>alert("x")</script> & "Pay" <img src=x onerror=alert(1)>'
HOSTILE_CSV = '"' + HOSTILE.replace('"', '""') + '"'  # as a CSV cell


@pytest.fixture(scope="module")
def demo():
    store = open_shared_store()
    report = build_report(store.con, SETTINGS)
    pages = pack.team_pages(store.con, SETTINGS, report)
    yield report, pages
    store.close()


@pytest.fixture(scope="module")
def document(demo):
    report, pages = demo
    return pack.executive_pack(report, pages)


def sections(document: str) -> list[str]:
    """The document's team sections, in order."""
    return re.findall(r'<section class="team".*?</section>', document, flags=re.S)


def test_the_pack_is_one_html_document_with_plotly_js_once(document):
    assert document.startswith("<!DOCTYPE html>") and document.rstrip().endswith("</html>")
    assert plotly.offline.get_plotlyjs()[:40] in document
    assert document.count(BUNDLE_MARKER) == 1
    # The bundle comes before every chart, and no script is loaded from elsewhere (opens offline).
    assert document.index(BUNDLE_MARKER) < document.index("Plotly.newPlot")
    assert not re.search(r"<script[^>]*\bsrc=", document)
    assert "https://" not in document.replace(plotly.offline.get_plotlyjs(), "")


def test_one_section_per_team_with_its_three_charts(demo, document):
    report, _ = demo
    found = sections(document)
    assert len(found) == len(report["teams"]) == 6
    for section, team in zip(found, report["teams"]):
        assert re.search(r"<h2>(.*?)</h2>", section).group(1) == html.escape(team["team"])
        assert section.count("Plotly.newPlot(") == len(metrics.registered()) == 3
        for metric in metrics.registered():
            assert f"<h3>{metric.label}: " in section
        assert "<h3>Caveats</h3>" in section
    assert document.count("Plotly.newPlot(") == 3 * len(report["teams"])
    # Charts are not interactive widgets in print, and have no mode bar anywhere.
    assert '"displayModeBar": false' in document


def test_a_charts_distribution_bars_leave_their_item_keys_to_the_app(demo):
    _, pages = demo
    figure = next(section.figure for section in pages["Checkout"].sections if section.metric != "release_frequency")
    bars = [trace for trace in figure.data if trace.type == "histogram"]
    assert bars and all(trace.customdata is not None for trace in bars)  # the Team page's drill-down
    key = str(bars[0].customdata[0])
    html = pack.chart_html(figure, "chart")
    assert "customdata" in html  # the items' marks keep theirs, for their hover
    assert html.count(f'"{key}"') == 1  # the bar's copy of the key is gone: only the mark's is left
    assert all(trace.customdata is not None for trace in figure.data if trace.type == "histogram")  # a copy


def test_a_charts_selectable_points_stay_in_the_app(demo):
    # The see-through points a click selects on the Team page (a pack has no drill-down): the
    # rolling rate answers the pointer through its own line again, a window's level is its ends.
    _, pages = demo
    release = next(section.figure for section in pages["Checkout"].sections if section.metric == "release_frequency")
    rolling = next(trace for trace in release.data if trace.meta == team_view.ROLLING_RATE)
    shown = pack.shown_figure(release)
    assert not [trace for trace in shown.data if trace.meta == team_view.ROLLING_RATE]
    line = next(trace for trace in shown.data if trace.name == rolling.name)
    assert line.hoverinfo != "skip" and line.hovertemplate == rolling.hovertemplate
    levels = [trace for trace in shown.data if (trace.name or "").startswith(("before:", "after:"))]
    assert len(levels) == 2 and all(trace.mode == "lines" and len(trace.x) == 2 for trace in levels)
    original = [trace for trace in release.data if (trace.name or "").startswith(("before:", "after:"))]
    assert [(t.x[0], t.x[-1], t.y[0]) for t in levels] == [(t.x[0], t.x[-1], t.y[0]) for t in original]
    assert any(trace.meta == team_view.ROLLING_RATE for trace in release.data)  # the app's figure: a copy


def test_every_section_carries_n_verdict_basis_p_and_mde(demo, document):
    report, pages = demo
    for section, team in zip(sections(document), report["teams"]):
        page = pages[team["team"]]
        for metric, shown in zip(metrics.registered(), page.sections):
            m = team["metrics"][metric.name]
            badge, _ = shown.badge(True)
            assert f"{html.escape(metric.label)}: <span class=" in section
            assert html.escape(badge) + "</span>" in section
            # n on both sides, as the numbers table writes them (the row labelled "(n)").
            [(label, before, after)] = [row for row in shown.numbers.itertuples(index=False) if "(n)" in row[0]]
            assert (int(before), int(after)) == (m["before"]["n"], m["after"]["n"])
            assert f"<td>{html.escape(label)}</td><td>{before}</td><td>{after}</td>" in section
            decision = m["decision"]
            if decision["estimate"] is not None:
                assert html.escape(p_value_text(decision["p_value"])) in section
                assert "Minimum detectable effect: " + html.escape(metric.mde_text(decision["mde"])) in section
            assert ("Verdict judged against" if decision["basis"] != "raw" else "Verdict on the raw") in section


def test_the_grid_has_every_team_and_metric_with_n_and_verdict(demo, document):
    report, _ = demo
    grid = re.search(r'<table class="grid">.*?</table>', document, flags=re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", grid.split("<tbody>")[1], flags=re.S)
    assert len(rows) == 3 * len(report["teams"])
    expected = [(team, metric) for team in report["teams"] for metric in metrics.registered()]
    for row, (team, metric) in zip(rows, expected):
        cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
        m = team["metrics"][metric.name]
        assert cells[0].startswith(html.escape(team["team"]))
        assert cells[1] == metric.label
        assert any(text in cells[2] for text, _ in VERDICT_BADGES.values())
        assert cells[4] == f"{m['before']['n']} → {m['after']['n']}"


def test_the_headlines_are_the_pages_own(demo):
    """The pack says what the Overview and the Team page say, for both switch positions."""
    report, _ = demo
    for adjusted in (True, False):
        assert pack.headline_lines(report, None, adjusted) == organisation_headline(report, adjusted, 0.95)
        for team in report["teams"]:
            expected = team_headline(report, team["team"], adjusted, 0.95)
            assert pack.headline_lines(report, team["team"], adjusted) == expected


def test_the_switch_reaches_the_verdicts(demo):
    """Checkout's release frequency is improved on its unadjusted p, not after adjusting."""
    report, pages = demo
    adjusted, unadjusted = pack.executive_pack(report, pages, True), pack.executive_pack(report, pages, False)
    checkout = next(s for s in sections(unadjusted) if "<h2>Checkout</h2>" in s)
    assert 'Release frequency: <span class="verdict improved">▲ improved</span>' in checkout
    checkout = next(s for s in sections(adjusted) if "<h2>Checkout</h2>" in s)
    assert "no clear change (after adjusting for 18 comparisons)" in checkout


def test_an_empty_report_says_there_are_no_teams():
    empty = Store()
    try:
        empty.prepare(SETTINGS)
        report = build_report(empty.con, SETTINGS)
        document = pack.build_pack(empty.con, SETTINGS, report)
    finally:
        empty.close()
    assert "No teams yet" in document and not sections(document)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo with the team Assist renamed to a name full of markup."""
    folder = tmp_path_factory.mktemp("hostile_pack")
    for path in DEFAULT_DATA_DIR.iterdir():
        shutil.copy(path, folder / path.name)
    for name in ("teams.csv", "ownership.csv", "members.csv"):
        text = (folder / name).read_text(encoding="utf-8")
        (folder / name).write_text(
            re.sub(r"(?m)(^|,)Assist(?=,|$)", lambda m: m.group(1) + HOSTILE_CSV, text), encoding="utf-8"
        )
    store = Store()
    store.load_paths([folder])
    report = build_report(store.con, SETTINGS)
    yield report, pack.build_pack(store.con, SETTINGS, report)
    store.close()


def test_export_text_is_escaped(hostile):
    report, document = hostile
    assert HOSTILE in [team["team"] for team in report["teams"]]
    escaped = html.escape(HOSTILE)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in escaped
    assert f"<h2>{escaped}</h2>" in document
    assert f"<td>{escaped}</td>" in document  # the grid
    # Nowhere as markup: not in the text, the headline, the grid, nor the charts' JSON.
    assert HOSTILE not in document
    assert "<script>alert" not in document and "<img src=x" not in document
    assert document.count("<script") == 1 + 3 * len(report["teams"])  # plotly.js, then one per chart


# ---- the command line --------------------------------------------------------------------------


def run_report(*args):
    return subprocess.run(
        [sys.executable, "-m", "analysis", "report", *map(str, args)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_report_format_html_writes_the_pack_to_a_file(tmp_path, demo, document):
    written = tmp_path / "pack.html"
    run = run_report("data/demo", "--format", "html", "--output", written)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    # The same pack as the app's; the charts' data may list the same items in another order.
    shown = written.read_text(encoding="utf-8")
    assert without_scripts(shown) == without_scripts(document)
    assert shown.count("Plotly.newPlot(") == document.count("Plotly.newPlot(") == 18
    assert shown.count(BUNDLE_MARKER) == 1


def without_scripts(document: str) -> str:
    return re.sub(r"<script.*?</script>", "", document, flags=re.S)


def test_output_that_cannot_be_written_is_a_usage_error(tmp_path):
    run = run_report("data/demo", "--format", "csv", "--output", tmp_path)  # a folder
    assert run.returncode == 2
    assert f"error: --output: cannot write {tmp_path}" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.samples
def test_report_format_html_on_real_tags_to_standard_output(tmp_path):
    """Real git tag exports (flask, requests, devlake) with an organisation that names them."""
    tags = sorted((SAMPLES / "git_tags").glob("*__tags.csv")) if SAMPLES.exists() else []
    if not tags:
        pytest.skip("no real samples beside the project")
    for path in tags:
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "teams.csv").write_text(
        f"team,reorg_date,model,leader\n{HOSTILE_CSV},2023-01-01,sto,\nRequests,,,\nDevLake,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "ownership.csv").write_text(
        "kind,value,team,start_date,end_date\n"
        f"github_repo,pallets/flask,{HOSTILE_CSV},,\n"
        "github_repo,psf/requests,Requests,,\ngithub_repo,apache/incubator-devlake,DevLake,,\n",
        encoding="utf-8",
    )
    run = run_report(tmp_path, "--format", "html")
    assert run.returncode == 0, run.stderr
    document = run.stdout
    assert document.count(BUNDLE_MARKER) == 1
    assert [re.search(r"<h2>(.*?)</h2>", s).group(1) for s in sections(document)] == [
        html.escape(HOSTILE),
        "DevLake",
        "Requests",
    ]
    assert HOSTILE not in document
