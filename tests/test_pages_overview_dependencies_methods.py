"""The Overview, Dependencies and Methods pages through Streamlit's AppTest, on the demo organisation.

Each page must render without an exception, show exactly what analysis/ computes for the same
settings, and react to one widget. (AppTest cannot see the widgets' sync with the URL; a real
browser can.)
"""

import base64
import datetime as dt
import json
import re
import shutil
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from conftest import demo_with_team_renamed
from streamlit.testing.v1 import AppTest

from analysis.headline import organisation_headline
from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import dependencies as dependencies_view
from analysis.views import methods as methods_view
from analysis.views import overview as overview_view
from analysis.views.common import METRIC_LABELS, markdown_list, markdown_literal
from analysis.workspace import DATA_DIR_VARIABLE, DEFAULT_DATA_DIR, open_shared_store

PROJECT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # the first run loads the demo organisation and computes its report


@pytest.fixture(scope="module")
def store():
    return open_shared_store()


@pytest.fixture(scope="module")
def report(store):
    return build_report(store.con, Settings())


def unlinked(shown):
    """The Overview's grid as drawn, with each team link turned back into the name it shows
    (LinkColumn's display_text: the link's team parameter, URL-decoded)."""
    names = [
        urllib.parse.unquote(re.search(overview_view.TEAM_LINK_TEXT, url).group(1).replace("+", "%20"))
        for url in shown["team"]
    ]
    return shown.assign(team=names)


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=TIMEOUT).run()
    app.switch_page(f"app_pages/{page}.py").run()
    assert_clean(app)
    return app


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]


def plotly_spec(app: AppTest, index: int = 0) -> dict:
    return json.loads(app.get("plotly_chart")[index].proto.spec)


def array(value) -> np.ndarray:
    """A Plotly JSON array: a list, or numpy's typed-array form {"dtype", "bdata", "shape"}."""
    if isinstance(value, dict):
        shape = [int(part) for part in str(value.get("shape", "-1")).split(",")]
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).reshape(shape)
    return np.asarray(value, dtype=float)


# ---- Overview -----------------------------------------------------------------------------------


def test_overview_shows_the_reports_verdict_grid_and_summaries(report):
    app = open_page("overview")
    assert [title.value for title in app.title] == ["Overview"]
    shown = app.dataframe[0].value
    assert unlinked(shown).equals(overview_view.verdict_grid(report))
    assert all(url.startswith("team?") for url in shown["team"])
    # Every column: its header in words and a help text (hover), the verdict right after the team.
    config = json.loads(app.dataframe[0].proto.columns)
    headers = overview_view.grid_headers(Settings().confidence, adjusted=True)
    for column, (label, text) in headers.items():
        assert config[column]["label"] == label and config[column]["help"] == text
    assert config["team"]["type_config"]["display_text"] == overview_view.TEAM_LINK_TEXT
    assert list(shown.columns[:2]) == ["team", "verdict"]
    markdown = [element.value for element in app.markdown]
    # The headline first, then each team's sentences (escaped for Markdown).
    assert markdown[0] == markdown_list(organisation_headline(report, True, Settings().confidence))
    for _, sentences in overview_view.summaries(report, Settings().confidence):
        assert markdown_list(sentences) in markdown
    # The timeline, then the demo's one who-moved-where diagram (every team reorganised on 2025-10-01).
    assert [chart.key for chart in app.get("plotly_chart")] == ["timeline", "moves_2025-10-01"]


def test_overview_timeline_is_the_reports_windows(report):
    spec = plotly_spec(open_page("overview"))
    bars = {trace["name"]: trace for trace in spec["data"] if trace["type"] == "bar"}
    assert bars["before window"]["base"] == [team["windows"]["before"]["start"] for team in report["teams"]]
    assert bars["after window"]["base"] == [team["windows"]["after"]["start"] for team in report["teams"]]


def test_overview_links_every_team_to_its_page(report):
    app = open_page("overview")
    links = app.page_link
    assert [link.value for link in links] == [markdown_literal(t["team"]) for t in report["teams"]]
    assert {link.proto.page for link in links} == {"team"}
    # Only the team: the sidebar's URL-bound settings follow by themselves (browser-tested).
    assert links[0].proto.query_string == f"team={report['teams'][0]['team']}"


def test_overview_badges_are_adjusted_by_default_and_unadjusted_on_demand(report):
    app = open_page("overview")
    assert app.sidebar.toggle(key="adjusted").value is True
    shown = unlinked(app.dataframe[0].value)
    assert shown.equals(overview_view.verdict_grid(report, adjusted=True))
    assert shown["change"].str.contains("adjusted p ").any()
    app.sidebar.toggle(key="adjusted").set_value(False).run()
    assert_clean(app)
    shown = unlinked(app.dataframe[0].value)
    assert shown.equals(overview_view.verdict_grid(report, adjusted=False))
    assert not shown["change"].str.contains("adjusted p").any()
    # The Team page shows the same badges for the same switch.
    for adjusted in (False, True):
        app.sidebar.toggle(key="adjusted").set_value(adjusted).run()
        app.switch_page("app_pages/team.py").run()
        assert_clean(app)
        grid = overview_view.verdict_grid(report, adjusted=adjusted).set_index(["team", "metric"])
        team = app.selectbox(key="team").value
        expected = [grid.loc[(team, label), "verdict"] for label in METRIC_LABELS.values()]
        # st.badge draws as Markdown ":colour-badge[text]".
        badges = [re.fullmatch(r":\w+-badge\[(.*)\]", m.value) for m in app.markdown]
        assert [found.group(1) for found in badges if found] == expected


def test_overview_follows_the_sidebar_window(store, report):
    app = open_page("overview")
    app.sidebar.number_input(key="window").set_value(90).run()
    assert_clean(app)
    window_90 = build_report(store.con, Settings(window_days=90))
    shown = unlinked(app.dataframe[0].value)
    assert shown.equals(overview_view.verdict_grid(window_90))
    assert not shown.equals(overview_view.verdict_grid(report))


# ---- Dependencies -------------------------------------------------------------------------------


def test_dependencies_shows_the_reports_waits(report):
    app = open_page("dependencies")
    assert [title.value for title in app.title] == ["Dependencies"]
    # Only the selectable tables (widgets) carry their key here: the totals are the one without.
    tables = {table.key: table.value for table in app.dataframe}
    assert tables[None].equals(dependencies_view.totals_table(report))
    # The matrices again as tables to select cells in, the heatmap's numbers (one decimal, blank
    # where nothing waited).
    for period in ("before", "after"):
        shown = tables[f"wait_matrix_{period}"].set_index("waiting team")
        expected = dependencies_view.wait_matrix(report, period, "wait_days").round(1)
        as_numbers = shown.replace("", np.nan).astype(float)
        np.testing.assert_array_equal(as_numbers.to_numpy(), expected.to_numpy())
        assert shown.index.tolist() == expected.index.tolist()
        assert (shown.to_numpy() == "").sum() == expected.isna().sum().sum()
    spec = plotly_spec(app)
    assert [trace["name"] for trace in spec["data"]] == ["before", "after"]
    for trace in spec["data"]:
        expected = dependencies_view.wait_matrix(report, trace["name"], "wait_days").to_numpy()
        np.testing.assert_array_equal(array(trace["z"]), expected)


def test_dependencies_period_and_measure_selectors(report):
    app = open_page("dependencies")
    app.segmented_control(key="period").set_value("After").run()
    app.segmented_control(key="measure").set_value("Items waiting").run()
    assert_clean(app)
    traces = plotly_spec(app)["data"]
    assert [trace["name"] for trace in traces] == ["after"]
    expected = dependencies_view.wait_matrix(report, "after", "items").to_numpy()
    np.testing.assert_array_equal(array(traces[0]["z"]), expected)


# ---- Methods ------------------------------------------------------------------------------------


def test_methods_shows_the_current_settings_and_every_method(report):
    app = open_page("methods")
    assert [title.value for title in app.title] == ["Methods"]
    assert app.dataframe[0].value.equals(methods_view.settings_table(Settings(), report["comparison_date"]))
    assert [code.value for code in app.code] == [Settings().release_tag_pattern]
    headers = " ".join(header.value for header in app.header)
    for method in (
        "One test per metric: the decision",
        "sprint-length bin",
        "calendar month as the cluster",
        "Benjamini-Hochberg badges",
        "Randomization rank",
        "Event study",
        "Placebo",
        "Verdicts",
    ):
        assert method in headers, method
    text = " ".join(block.value for block in app.markdown)
    # STO said in one line at the top, in the project's words.
    assert app.markdown[0].value == methods_view.STO_SENTENCE
    assert "single-threaded owner (STO, one leader whose only job is this team's outcome)" in text
    for words in ("insufficient data", "Welch-Satterthwaite", "difference-in-differences", "interrupted time series"):
        assert words in text, words
    for test in ("Newcombe", "Fisher", "bootstrap", "Mann-Whitney", "poisson.test"):  # the raw change's tests
        assert test in text, test


def test_methods_follows_the_sidebar_tolerance():
    app = open_page("methods")
    app.sidebar.number_input(key="tolerance").set_value(7).run()
    assert_clean(app)
    table = app.dataframe[0].value.set_index("setting")
    assert table.loc["Tolerance", "value"] == "7 days"
    assert any("no more than 7 days" in block.value for block in app.markdown)


def test_a_large_organisation_shows_one_reorg_date_and_ten_teams_at_a_time(tmp_path, monkeypatch):
    """Fifteen teams and ten reorg dates with moves: the Overview draws the busiest date's diagram
    (the demo's 2025-10-01, 14 people) with a selector for the others, and the teams' sentences ten
    at a time; each choice redraws only what it shows."""
    for path in DEFAULT_DATA_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    waves = [(f"Wave {index}", dt.date(2025, index, 6)) for index in range(1, 10)]
    with open(tmp_path / "teams.csv", "a", encoding="utf-8") as teams:
        teams.writelines(f"{team},{day.isoformat()},sto,\n" for team, day in waves)
    with open(tmp_path / "members.csv", "a", encoding="utf-8") as members:
        for team, day in waves:
            members.write(f"Mover of {team},Pool,,{(day - dt.timedelta(days=1)).isoformat()}\n")
            members.write(f"Mover of {team},{team},{day.isoformat()},\n")
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    app = open_page("overview")
    moves = [chart.key for chart in app.get("plotly_chart") if chart.key.startswith("moves_")]
    assert moves == ["moves_2025-10-01"]
    chooser = app.selectbox(key="moves_date")
    assert chooser.value == dt.date(2025, 10, 1) and len(chooser.options) == 10
    assert chooser.options[0] == "2025-01-06: 1 person" and "2025-10-01: 14 people" in chooser.options
    chooser.set_value(dt.date(2025, 3, 6)).run()
    assert_clean(app)
    assert [chart.key for chart in app.get("plotly_chart") if chart.key.startswith("moves_")] == ["moves_2025-03-06"]

    teams = [link.value for link in app.page_link]
    assert len(teams) == 10
    pages = app.selectbox(key="summary_page")
    assert [option.split(":")[0] for option in pages.options] == ["Teams 1-10 of 15", "Teams 11-15 of 15"]
    pages.set_value(1).run()
    assert_clean(app)
    assert len(app.page_link) == 5 and not set(link.value for link in app.page_link) & set(teams)


def test_a_team_s_name_is_never_markdown_in_the_printed_wait_totals(tmp_path, monkeypatch):
    # st.table reads every cell through Markdown: an image in a team's name would be fetched by
    # every visitor's browser, even from the table only shown on paper.
    hostile = "![pixel](https://example.invalid/p.png) **Checkout**"
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo_with_team_renamed(tmp_path, "Checkout", hostile)))
    app = open_page("dependencies")
    [printed] = [table.value for table in app.table]
    names = printed.iloc[:, 0].tolist()
    assert markdown_literal(hostile) in names and hostile not in names, names
