"""The Team page through Streamlit's AppTest (no browser), on the demo organisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import demo_with_team_renamed
from streamlit.testing.v1 import AppTest

from analysis.headline import team_headline
from analysis.number_words import ratio_words
from analysis.report import build_report
from analysis.settings import Settings
from analysis.views import team as view
from analysis.workspace import DATA_DIR_VARIABLE, open_shared_store

PROJECT = Path(__file__).resolve().parent.parent
FIRST_ROWS = {
    "release_frequency": "Release days (n)",
    "timeline_accuracy": "Delivered commitments (n)",
    "dependency_wait": "Items with a cross-team wait (n)",
}


@pytest.fixture(scope="module")
def report():
    store = open_shared_store()
    yield build_report(store.con, Settings())
    store.close()


def team_page(**query_params) -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    for name, value in query_params.items():
        at.query_params[name] = value
    at.switch_page("app_pages/team.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def team_entry(report, name):
    return next(t for t in report["teams"] if t["team"] == name)


def numbers_shown(at, metric):
    """The before and after n in the metric's numbers table."""
    for frame in (d.value for d in at.dataframe):
        if list(frame.columns) == ["measure", "before", "after"] and FIRST_ROWS[metric] in frame["measure"].tolist():
            return frame.set_index("measure").loc[FIRST_ROWS[metric]].tolist()
    raise AssertionError(f"no numbers table for {metric}")


def assert_shows(at, report, name):
    team = team_entry(report, name)
    assert at.title[0].value == view.markdown_literal(name)
    assert at.selectbox(key="team").value == name
    for metric in view.METRICS:
        side = team["metrics"][metric]
        assert numbers_shown(at, metric) == [str(side["before"]["n"]), str(side["after"]["n"])]
    # The page opens with the team's headline (the badges' default switch: adjusted).
    markdown = [m.value for m in at.markdown]
    assert view.markdown_list(team_headline(report, name)) in markdown
    # The raw before/after change stays beside each verdict.
    captions = [c.value for c in at.caption]
    release = team["metrics"]["release_frequency"]
    if release["effect"]["estimate"] is not None:
        assert any(view.markdown_literal(ratio_words(release["effect"]["estimate"])) in c for c in captions), captions


def test_page_renders_the_first_team_by_default(report):
    at = team_page()
    assert_shows(at, report, report["teams"][0]["team"])
    assert len(at.get("plotly_chart")) == 4


def test_numbers_equal_the_report_for_the_same_settings():
    settings = Settings(window_days=120, tolerance_days=5)
    store = open_shared_store()
    report = build_report(store.con, settings)
    store.close()
    at = team_page(team="Checkout", window="120", tolerance="5")
    assert_shows(at, report, "Checkout")
    assert any("120 days" in c.value for c in at.caption)


def test_picking_a_team_changes_what_is_shown(report):
    at = team_page()
    first = [numbers_shown(at, m) for m in view.METRICS]
    at.selectbox(key="team").set_value("Checkout").run()
    assert not at.exception
    assert_shows(at, report, "Checkout")
    assert [numbers_shown(at, m) for m in view.METRICS] != first


def test_query_param_opens_that_team(report):
    assert_shows(team_page(team="Onboarding"), report, "Onboarding")


def test_comparison_team_says_it_is_one(report):
    at = team_page(team="Billing")
    assert_shows(at, report, "Billing")
    assert "comparison team" in at.info[0].value
    assert view.markdown_literal(report["comparison_date"]) in at.info[0].value


def test_search_filters_the_item_table():
    at = team_page(team="Checkout")
    at.text_input(key="search").set_value("CHK-31").run()
    items = next(d.value for d in at.dataframe if "item_key" in d.value.columns)
    assert len(items) and items["item_key"].str.contains("CHK-31").all()


def test_the_item_tables_key_stays_in_view_and_its_waits_read_to_one_decimal():
    """The table is wider than the page at 1400 pixels: its key column is pinned while it scrolls
    sideways, and the cross-team wait shows one decimal (the CSV keeps every digit)."""
    at = team_page(team="Checkout")
    grid = next(d for d in at.dataframe if "item_key" in d.value.columns)
    columns = json.loads(grid.proto.columns)
    assert columns["item_key"]["pinned"] is True
    assert columns["wait_days"]["type_config"]["format"] == "%.1f"
    assert grid.value["wait_days"].dropna().round(1).ne(grid.value["wait_days"].dropna()).any()  # digits kept


def test_export_text_is_never_markdown(tmp_path, monkeypatch):
    hostile = "**Ast** <b>x</b> [go](javascript:alert(1)) :red[red] $x^2$"
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo_with_team_renamed(tmp_path, "Assist", hostile)))
    at = team_page()
    assert at.title[0].value == view.markdown_literal(hostile)
    for element in (*at.markdown, *at.caption, *at.info, *at.subheader):
        assert hostile not in element.value
        assert "<b>" not in element.value


def test_a_team_page_of_a_visitors_own_data_runs_one_report_and_one_team_pass(monkeypatch):
    """The Team page takes its entry from the whole report (its adjusted p-values give the
    Overview's badges), then reads this team's rows alone: one metric pass for the report, kept
    for the Overview, and one small one for the team; a search reruns neither."""
    from analysis import report as report_module
    from analysis.metrics import rows

    calls = []

    def counted(*args, **kwargs):
        calls.append(kwargs.get("windows"))
        return rows.compute(*args, **kwargs)

    monkeypatch.setattr(report_module, "compute", counted)
    monkeypatch.setattr(view, "compute", counted)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["store"] = open_shared_store()  # the visitor's own store, no report yet
    at.query_params["team"] = "Onboarding"
    at.switch_page("app_pages/team.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Onboarding"
    assert len(calls) == 2
    assert {window.team for window in calls[1]} == {"Onboarding"}  # the team's rows alone
    at.text_input(key="search").set_value("ONB").run()  # a search reruns only the tables
    assert len(calls) == 2
    at.switch_page("app_pages/overview.py").run()  # the Overview reuses the report
    assert not at.exception and len(calls) == 2


def test_a_link_to_an_unknown_team_says_so_instead_of_silently_showing_another():
    # A manager's link with a mistyped or renamed team (?team=Checkot) opened the first team's
    # page with no word about it: the team selectbox drops a value it does not hold.
    at = team_page(team="Checkot <b>")
    first = view.team_names(open_shared_store().con)[0]
    assert at.selectbox(key="team").value == first
    warnings = [warning.value for warning in at.warning]
    assert warnings == [f"No team named {view.markdown_literal('Checkot <b>')} in this data: showing {first}."]
    at.selectbox(key="team").set_value("Billing").run()  # the visitor picks a team: the note has done its job
    assert not at.exception and not at.warning


def test_a_link_to_a_known_team_has_no_warning():
    at = team_page(team="Billing")
    assert at.selectbox(key="team").value == "Billing" and not at.warning


def test_a_comparison_team_s_name_is_never_markdown_in_the_printed_comparison_table(tmp_path, monkeypatch):
    # st.table reads every cell through Markdown: an image in a team's name would be fetched by
    # every visitor's browser, even from the table only shown on paper.
    hostile = "![pixel](https://example.invalid/p.png) **Billing**"
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(demo_with_team_renamed(tmp_path, "Billing", hostile)))
    at = team_page(team="Checkout")
    [printed] = [table.value for table in at.table]
    judged = printed.iloc[:, 1].tolist()
    assert all(view.markdown_literal(hostile) in text for text in judged), judged
    assert not any(hostile in text for text in judged)
