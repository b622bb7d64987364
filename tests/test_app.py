"""The dashboard shell through Streamlit's AppTest (no browser): navigation, pages, sidebar settings.

AppTest runs the entry file (app.py) the way `streamlit run` does, so st.navigation routes it to
the default page, and `switch_page` moves between the registered pages. What AppTest cannot show
(the URL kept in sync with the bound widgets, a deep link on a fresh server, two visitors kept
apart) is tested in a real browser in test_browser.py.
"""

import json
import re
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP = str(PROJECT_DIR / "app.py")
PAGES = ["overview", "team", "dependencies", "data", "methods"]
SETTINGS = {"window": 180, "transition": 0, "tolerance": 3}  # dashboard.DEFAULTS, as the sidebar shows them
TIMEOUT = 120  # the first run loads the demo organisation and computes its report


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def headings(app: AppTest) -> list[str]:
    return [element.value for element in (*app.title, *app.header)]


def assert_on_page(app: AppTest, page: str) -> None:
    """The page is titled by its name; the Team page by the team it shows (its `team` selectbox)."""
    if page == "team":
        teams = [widget for widget in app.main.selectbox if widget.key == "team"]
        assert len(teams) == 1, "the Team page has one team selectbox, key='team'"
        assert teams[0].value in headings(app), headings(app)
    else:
        assert any(page in heading.lower() for heading in headings(app)), headings(app)


def assert_runs_cleanly(app: AppTest) -> None:
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]


@pytest.fixture(scope="module")
def app():
    """One app for the page-switching tests: each test switches to its own page first."""
    return new_app().run()


def test_first_run_lands_on_the_overview():
    app = new_app().run()
    assert_runs_cleanly(app)
    assert_on_page(app, "overview")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_can_be_switched_to(app, page):
    app.switch_page(f"app_pages/{page}.py").run()
    assert_runs_cleanly(app)
    assert_on_page(app, page)


@pytest.mark.parametrize("page", PAGES)
def test_every_table_has_an_escaped_csv_download_beside_it(app, page):
    # Streamlit's own table download writes cells raw, so it is off (config.toml) and each
    # table (st.dataframe and st.data_editor both count) has a CSV button of ours instead.
    app.switch_page(f"app_pages/{page}.py").run()
    assert_runs_cleanly(app)
    downloads = [button for button in app.get("download_button") if "CSV" in button.proto.label]
    assert len(app.dataframe) > 0 and len(downloads) == len(app.dataframe)


def test_the_table_toolbar_download_is_switched_off():
    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


@pytest.mark.parametrize("page", PAGES)
def test_the_sidebar_settings_are_on_every_page(app, page):
    app.switch_page(f"app_pages/{page}.py").run()
    assert_runs_cleanly(app)
    numbers = {widget.key: widget.value for widget in app.sidebar.number_input}
    assert {key: numbers.get(key) for key in SETTINGS} == SETTINGS
    timezones = [widget for widget in app.sidebar.selectbox if widget.key == "tz"]
    assert len(timezones) == 1 and timezones[0].value == "UTC"
    assert "Europe/Berlin" in timezones[0].options


def test_a_window_query_parameter_sets_the_window():
    app = new_app()
    app.query_params["window"] = "90"
    app.run()
    assert_runs_cleanly(app)
    assert app.sidebar.number_input(key="window").value == 90
    assert app.sidebar.number_input(key="transition").value == SETTINGS["transition"]
    assert app.query_params.get("window") == "90"
    # ...and the report the page draws was computed with it.
    assert any("windows of 90 days" in caption.value for caption in app.main.caption), [
        caption.value for caption in app.main.caption
    ]


@pytest.mark.parametrize("value", ["abc", "5", "100000"])
def test_a_window_query_parameter_out_of_range_is_ignored(value):
    app = new_app()
    app.query_params["window"] = value
    app.run()
    assert_runs_cleanly(app)
    assert app.sidebar.number_input(key="window").value == SETTINGS["window"]


def test_the_settings_stay_when_switching_page():
    app = new_app().run()
    app.sidebar.number_input(key="window").set_value(120).run()
    app.sidebar.number_input(key="tolerance").set_value(5).run()
    for page in PAGES[1:]:
        app.switch_page(f"app_pages/{page}.py").run()
        assert_runs_cleanly(app)
        assert app.sidebar.number_input(key="window").value == 120, page
        assert app.sidebar.number_input(key="tolerance").value == 5, page


SNAKE_CASE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")


def shown_headers(frame) -> list[str]:
    """The headers a table shows: each column's column_config label, else its name."""
    config = json.loads(frame.proto.columns or "{}")
    headers = []
    for column in frame.value.columns:
        settings = config.get(f"col:name:{column}", config.get(str(column), {}))
        if not settings.get("hidden"):
            headers.append(str(settings.get("label") or column))
    return headers


@pytest.mark.parametrize("page", PAGES)
def test_no_table_shows_a_snake_case_header_or_the_word_none(app, page):
    # A missing value is drawn as the word None unless the table sets a placeholder for it.
    app.switch_page(f"app_pages/{page}.py").run()
    assert_runs_cleanly(app)
    assert len(app.dataframe) > 0
    for frame in app.dataframe:
        headers = shown_headers(frame)
        assert not [header for header in headers if SNAKE_CASE.match(header)], headers
        value = frame.value
        assert not value.isin(["None", "nan", "NaN"]).any().any(), headers
        if value.isna().any().any():
            assert frame.proto.HasField("placeholder") and frame.proto.placeholder in ("", "-"), headers


def drill_with_a_release_without_a_link():
    import pandas as pd

    from analysis.views.drill import Drill
    from dashboard import show_drill

    rows = pd.DataFrame({"name": ["v1.47.0", "v1.46.0"], "url": [None, "https://github.com/acme/web/releases/1"]})
    labels = {"name": "Name", "url": "Link"}
    show_drill(Drill("Assist, Release frequency", rows, {"after": 2}, "release days", labels), "grid_drill")


def test_a_drill_down_shows_a_missing_link_as_an_empty_cell():
    # A git tag has no web page: its Link cell read "None" in the drill-down box (seen in the
    # browser on the Overview's Assist release-frequency cell), where every other table shows
    # an empty cell.
    app = AppTest.from_function(drill_with_a_release_without_a_link, default_timeout=TIMEOUT).run()
    assert_runs_cleanly(app)
    (frame,) = app.dataframe
    assert frame.value["url"].isna().any()
    assert frame.proto.HasField("placeholder") and frame.proto.placeholder == ""
