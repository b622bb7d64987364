"""Real-browser tests of the drill-downs and the who-moved-where diagram (issue 16).

A person clicks a cell of the Overview's verdict grid, a cell of the Dependencies page's wait
matrix and points of the Team page's charts; the rows shown (their caption's n and the keys of
the table's CSV download) are checked against the metric's own rows, computed here in the test
process from the same demo (`metrics.rows.compute`, the report's n and waits_on). The Sankey
diagram must draw the demo's moves: 4 old teams, 3 new ones, 6 flows, counts on hover and no
names (the setting is off by default).
"""

import io
import re

import pandas as pd
import pytest
from browser import (
    PageWatch,
    open_app,
    wait_for_script,
)

from analysis import metrics
from analysis.metrics.rows import PERIODS, compute
from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import dependencies as dependencies_view
from analysis.views import overview as overview_view
from analysis.views import team as team_view
from analysis.workspace import open_shared_store

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT = 90_000
ROW_PIXELS = 35  # st.dataframe's row height, the header's too
TIMELINE = next(m for m in metrics.registered() if hasattr(m, "on_time"))
WAITS = next(m for m in metrics.registered() if m.waits_on)


@pytest.fixture(scope="module")
def demo():
    store = open_shared_store()
    try:
        report = build_report(store.con, Settings())
        checkout = team_view.load_team(
            store.con, Settings(), next(t for t in report["teams"] if t["team"] == "Checkout")
        )
        yield report, compute(store.con, Settings()), checkout
    finally:
        store.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    watch = PageWatch(page)
    yield page
    problems = watch.problems()
    context.close()
    assert not problems, "browser problems:\n" + "\n".join(problems)


def click_row(page, table, row: int) -> None:
    """Click the first column of a table's row (st.dataframe draws on a canvas)."""
    table.scroll_into_view_if_needed()
    box = table.locator("canvas").first.bounding_box()
    page.mouse.click(box["x"] + 10, box["y"] + ROW_PIXELS * (row + 1) + ROW_PIXELS / 2)
    wait_for_script(page)


def downloaded_csv(page, box) -> pd.DataFrame:
    """The drill-down box's table, through its CSV download (every row, not only those drawn)."""
    with page.expect_download() as download:
        box.locator("[data-testid=stDownloadButton] button").click(timeout=15_000)
    return pd.read_csv(io.BytesIO(download.value.path().read_bytes()))


def test_a_grid_cell_shows_the_items_the_metric_counted(page, server, demo):
    report, everyone, _ = demo
    grid = overview_view.verdict_grid(report)
    row = int(grid.index[(grid["team"] == "Checkout") & (grid["metric"] == TIMELINE.label)][0])
    open_app(page, server)
    click_row(page, page.locator(".st-key-verdict_grid"), row)
    box = page.locator(".st-key-grid_drill")
    entry = next(t for t in report["teams"] if t["team"] == "Checkout")
    n = {p: entry["metrics"][TIMELINE.name][p]["n"] for p in PERIODS}
    expected = f"Checkout, {TIMELINE.label}: before n={n['before']}, after n={n['after']} items"
    assert box.get_by_text(expected).count() == 1, box.inner_text()[:300]
    shown = downloaded_csv(page, box)
    assert len(shown) == sum(n.values())
    for period in PERIODS:
        counted = everyone.rows(TIMELINE.chart.table, "Checkout", period)
        assert sorted(shown.loc[shown["period"] == period, "item_key"]) == sorted(counted["item_key"])
    # A link to the team's page goes with it.
    link = page.locator("a[data-testid=stPageLink-NavLink]").filter(has_text="Open the Team page of Checkout")
    assert link.count() == 1 and "team=Checkout" in link.get_attribute("href")


def test_a_wait_matrix_cell_shows_the_blocking_links_behind_it(page, server, demo):
    report, everyone, _ = demo
    table = dependencies_view.matrix_table(report, "after", "wait_days")
    row = int(table.index[table["waiting team"] == "Checkout"][0])
    blocker = "Assist"
    column = list(table.columns).index(blocker)
    cell = next(
        c
        for c in next(t for t in report["teams"] if t["team"] == "Checkout")["metrics"][WAITS.name]["after"]["waits_on"]
        if c["team"] == blocker
    )
    open_app(page, f"{server}/dependencies")
    click_row(page, page.locator(".st-key-wait_matrix_after"), row)  # the row's label: nothing yet
    assert page.locator(".st-key-links_after").count() == 0
    for _ in range(column):  # then along the row to the blocking team's column
        page.keyboard.press("ArrowRight")
    wait_for_script(page)
    box = page.locator(".st-key-links_after")
    expected = f"Checkout waited on {blocker}: after n={cell['items']} items waiting"
    assert box.get_by_text(expected).count() == 1, box.inner_text()[:300]
    shown = downloaded_csv(page, box)
    assert shown["blocked_key"].nunique() == cell["items"]
    assert round(shown["wait_days"].sum(), 2) == pytest.approx(cell["wait_days"], abs=0.01)
    waited = set(everyone.rows(WAITS.chart.table, "Checkout", "after")["item_key"])
    assert set(shown["blocked_key"]) <= waited


def test_a_team_chart_point_and_the_item_filter(page, server, demo):
    _, everyone, checkout = demo
    open_app(page, f"{server}/team?team=Checkout")
    chart = page.locator(f".st-key-chart_{TIMELINE.name}")
    chart.scroll_into_view_if_needed()
    # The after window's last item (the window levels' see-through points come after it).
    scatter = [trace for trace in team_view.metric_figure(checkout, TIMELINE.name).data if trace.type == "scatter"]
    after = next(i for i, trace in enumerate(scatter) if trace.name == "after")
    chart.locator(".scatterlayer .trace").nth(after).locator(".points path").last.click(force=True)
    wait_for_script(page)
    box = page.locator(f".st-key-chart_drill_{TIMELINE.name}")
    assert box.get_by_text(re.compile(r": items selected: 1 \(1 row\)\.")).count() == 1, box.inner_text()[:300]
    shown = downloaded_csv(page, box)
    # The point is one commitment the metric counted over the team's whole span, with its slip.
    assert len(shown) == 1
    whole_span = checkout.rows.rows(TIMELINE.chart.table, "Checkout", team_view.WHOLE_SPAN).set_index("item_key")
    key = shown["item_key"].iloc[0]
    assert shown["slip_days"].iloc[0] == whole_span.loc[key, "slip_days"]
    # The item table's outcome filter: late = the commitments the metric counted as late.
    late = sum(
        int((everyone.rows(TIMELINE.chart.table, "Checkout", p)["slip_days"] > Settings().tolerance_days).sum())
        for p in PERIODS
    )
    outcome = page.locator("[data-testid=stMultiSelect]").filter(has_text="Outcome")
    outcome.scroll_into_view_if_needed()
    outcome.click()
    page.get_by_role("option", name="late", exact=True).click()
    wait_for_script(page)
    page.keyboard.press("Escape")
    caption = page.get_by_text(re.compile(r"^Work items resolved in the windows"))
    assert caption.inner_text() == f"Work items resolved in the windows: showing {late} of {late} matching."


# The screen point of a drawn line (a trace's path) at its highest point, or a share along it.
LINE_POINT = """([path, share]) => {
    const length = path.getTotalLength(), matrix = path.getScreenCTM();
    if (share !== null) {
        const point = path.getPointAtLength(share * length).matrixTransform(matrix);
        return [point.x, point.y];
    }
    let best = null;
    for (let at = 0; at <= length; at += 1) {
        const point = path.getPointAtLength(at).matrixTransform(matrix);
        if (best === null || point.y < best[1]) best = [point.x, point.y];
    }
    return best;
}"""


def test_a_click_on_the_rolling_rate_or_a_window_level_shows_its_releases(page, server, demo):
    # Plotly selects no point of a trace drawn as a line alone: these clicks showed nothing.
    report, _, checkout = demo
    release = next(m for m in metrics.registered() if hasattr(m.chart, "day_column"))
    open_app(page, f"{server}/team?team=Checkout")
    chart = page.locator(f".st-key-chart_{release.name}")
    chart.scroll_into_view_if_needed()
    lines = chart.locator(".scatterlayer .trace .js-line")
    box = page.locator(f".st-key-chart_drill_{release.name}")
    rate = team_view.rolling_release_rate(checkout)
    x, y = page.evaluate(LINE_POINT, [lines.first.element_handle(), None])  # the rolling rate's peak
    page.mouse.click(x, y)
    wait_for_script(page)
    peak = int(rate["rate"].max())
    assert box.get_by_text(re.compile(rf": release days selected: {peak} \(")).count() == 1, box.inner_text()[:300]
    # The after window's level (the last line drawn), clicked a third of the way along.
    x, y = page.evaluate(LINE_POINT, [lines.last.element_handle(), 1 / 3])
    page.mouse.click(x, y)
    wait_for_script(page)
    n = next(t for t in report["teams"] if t["team"] == "Checkout")["metrics"][release.name]["after"]["n"]
    assert box.get_by_text(re.compile(rf": release days selected: {n} \(")).count() == 1, box.inner_text()[:300]


# A Sankey ribbon's outline runs along its top edge, down, and back along its bottom edge: the
# mean of the points a quarter and three quarters along it is the ribbon's middle, on screen.
RIBBON_MIDDLE = """path => {
    const length = path.getTotalLength(), matrix = path.getScreenCTM();
    const [a, b] = [0.25, 0.75].map(share => path.getPointAtLength(share * length).matrixTransform(matrix));
    return [(a.x + b.x) / 2, (a.y + b.y) / 2];
}"""


def test_the_sankey_draws_the_demos_moves_with_counts_only(page, server):
    open_app(page, server)
    diagram = page.locator(".st-key-moves_2025-10-01")
    diagram.scroll_into_view_if_needed()
    diagram.locator(".sankey .sankey-node").first.wait_for(state="visible", timeout=TIMEOUT)
    assert diagram.locator(".sankey .sankey-node").count() == 7  # Agents, Infra, Mobile, Web -> 3 teams
    assert diagram.locator(".sankey .sankey-link").count() == 6
    svg_texts = "elements => elements.map(element => element.textContent)"  # SVG has no inner text
    labels = diagram.locator(".sankey .sankey-node .node-label").evaluate_all(svg_texts)
    assert sorted(labels) == sorted(["Agents", "Infra", "Mobile", "Web", "Assist", "Checkout", "Onboarding"])
    # Hover a flow: a count, no names (show_roster_names is off by default).
    links = diagram.locator(".sankey .sankey-link")
    shown = set()
    for index in range(links.count()):
        # The middle of the ribbon itself (the centre of its box may lie on another flow).
        x, y = links.nth(index).evaluate(RIBBON_MIDDLE)
        page.mouse.move(x, y)
        hover = page.locator(".hoverlayer .hovertext").first
        hover.wait_for(state="visible", timeout=10_000)
        text = hover.text_content()
        assert not re.search(r"Ana Lima|Ben Carter|Hugo Martin|Elif Demir|Kai Tanaka", text), text
        shown.add(text)
        page.mouse.move(0, 0)
    # By hand from data/demo/members.csv (as tests/test_roster.py).
    assert shown == {
        "Agents → Assist: 3 people",
        "Infra → Assist: 1 person",
        "Infra → Checkout: 2 people",
        "Mobile → Onboarding: 4 people",
        "Web → Checkout: 3 people",
        "Web → Onboarding: 1 person",
    }
