"""The Data page on the demo organisation, through Streamlit's AppTest (no browser).

AppTest runs every test as one session, so it cannot show that two visitors are kept apart:
the real-browser tests do that.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.quality import quality_report
from analysis.report import build_report
from analysis.settings import Settings
from analysis.views.common import markdown_literal
from analysis.workspace_file import export_workspace

PROJECT = Path(__file__).resolve().parent.parent
DEMO = PROJECT / "data" / "demo"


@pytest.fixture
def page(monkeypatch):
    monkeypatch.delenv("THREADLINE_DATA_DIR", raising=False)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    return at


def store_of(at):
    """The session's own store once it has written, else its view of the shared base."""
    return at.session_state["store"] if "store" in at.session_state else at.session_state["base_view"]


def table_with(at, column: str):
    """The first table on the page with this column (st.dataframe keys are not visible to AppTest)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_the_page_renders_on_the_demo(page):
    assert page.title[0].value == "Data"
    assert not page.error
    assert [header.value for header in page.header] == [
        "Upload",
        "Data quality",
        "Organisation",
        "Settings",
        "Workspace file",
        "Shared workspace",
    ]
    assert [editor.key.rsplit("_", 1)[0] for editor in page.data_editor] == [
        "org_teams",
        "org_members",
        "org_ownership",
    ]
    assert page.data_editor[0].value["team"].tolist() == ["Assist", "Checkout", "Onboarding", "Billing"]


def test_the_quality_numbers_shown_are_the_quality_report(page):
    report = quality_report(store_of(page).con)
    shown = {metric.label: metric.value for metric in page.metric}
    assert shown == {
        "Files": str(len(report.files)),
        "Rows loaded": f"{report.files['rows_loaded'].sum():,}",
        "Rows rejected": f"{report.files['rows_rejected'].sum():,}",
        "Items without a team": f"{report.unattributed_share:.1%}",
        "Releases without a team": f"{report.releases_without_team:,}",
    }
    assert shown["Files"] == "14" and shown["Rows rejected"] == "2"  # the demo's two planted bad rows
    assert table_with(page, "reason")["reason"].tolist() == report.rejects["reason"].tolist()


def edit(at, table: str, edited_rows: dict) -> None:
    """What the browser sends when cells of an organisation editor are changed."""
    key = next(editor.key for editor in at.data_editor if editor.key.startswith(f"org_{table}_"))
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}


def test_editing_a_reorg_date_and_applying_changes_the_report(page):
    before = build_report(store_of(page).con, Settings())
    checkout = page.data_editor[0].value["team"].tolist().index("Checkout")

    edit(page, "teams", {checkout: {"reorg_date": "2025-11-03"}})
    page.button(key="org_apply").click().run()

    assert not page.exception and not page.error
    assert "Organisation saved" in page.success[0].value
    after = build_report(store_of(page).con, Settings())  # the visitor's own copy now
    assert next(t for t in after["teams"] if t["team"] == "Checkout")["reorg_date"] == "2025-11-03"
    assert after != before
    # The editors start afresh from the stored tables.
    page.run()
    teams = page.data_editor[0].value.set_index("team")
    assert teams.loc["Checkout", "reorg_date"].isoformat() == "2025-11-03"


def test_an_invalid_edit_names_table_row_and_field_and_writes_nothing(page):
    store = store_of(page)
    version = store.version
    start = page.data_editor[1].value.loc[0, "start_date"].isoformat()
    edit(page, "members", {0: {"end_date": "2001-01-01"}})
    page.button(key="org_apply").click().run()
    assert not page.exception
    assert [error.value for error in page.error] == [
        markdown_literal(f"members, row 1, end_date: 2001-01-01 is before start_date {start}")
    ]
    assert store.version == version


def test_uploads_list_their_kinds_and_a_bad_one_explains_itself(page):
    store = store_of(page)
    teams_before = store.con.execute("select * from teams order by team").fetchall()
    tags = PROJECT.parent / "shared" / "samples" / "git_tags" / "psf__requests__tags.csv"
    files = [
        ("notes.txt", b"nothing to see\n", "text/plain"),
        ("teams.csv", b"team,reorg_date\nCheckout,2025-10-01\nCheckout,2025-11-01\n", "text/csv"),
    ]
    if tags.exists():
        files.append((tags.name, tags.read_bytes(), "text/csv"))
    page.file_uploader(key="upload_files").set_value(files)
    page.button(key="upload_load").click().run()

    assert not page.exception
    table = table_with(page, "detected kind")
    assert table["file"].tolist() == [name for name, _, _ in files]
    assert table["detected kind"].tolist()[:2] == ["unrecognised", "teams"]
    errors = [error.value for error in page.error]
    assert errors[0].startswith(r"notes\.txt\: unrecognised content")
    assert markdown_literal('row 2, team: team "Checkout" appears on an earlier row') in page.warning[0].value
    assert page.session_state["uploaded_files"] == len(files) - 1
    assert page.sidebar.caption[-1].value == f"Data: demo + {len(files) - 1} uploaded files (this session only)"
    own = store_of(page)  # the upload went into the visitor's own copy; the shared base is untouched
    assert own is not store and own.con.execute("select team from teams").fetchall() == [("Checkout",)]
    assert store.con.execute("select * from teams order by team").fetchall() == teams_before != [("Checkout",)]
    # The uploader was cleared: the next run does not load the files again.
    loads = own.con.execute("select count(*) from load_log").fetchall()
    page.run()
    assert own.con.execute("select count(*) from load_log").fetchall() == loads


def test_a_workspace_file_restores_data_and_settings_through_the_uploader(page):
    saved = Settings(window_days=120, tolerance_days=5, min_items=4, blocking_link_types=("Blocks",))
    workspace = export_workspace(store_of(page).con, saved)
    page.file_uploader(key="upload_files").set_value(
        [("teams.csv", b"team,reorg_date\nCheckout,2025-10-01\n", "text/csv")]
    )
    page.button(key="upload_load").click().run()
    store = store_of(page)
    assert store.con.execute("select count(*) from teams").fetchall() == [(1,)]

    page.file_uploader(key="upload_files").set_value([("workspace.zip", workspace, "application/zip")])
    page.button(key="upload_load").click().run()
    assert not page.exception and not page.error
    assert page.session_state["analysis_settings"] == saved
    assert store.con.execute("select count(*) from teams").fetchall() == [(4,)]
    # The view settings stay the link's until asked for.
    assert page.sidebar.number_input(key="window").value == 180
    page.button(key="use_file_view").click().run()
    assert page.sidebar.number_input(key="window").value == 120
    assert page.sidebar.number_input(key="tolerance").value == 5
    assert page.multiselect[0].value == ["Blocks"]

    page.file_uploader(key="upload_files").set_value([("workspace.zip", workspace[:1000], "application/zip")])
    page.button(key="upload_load").click().run()
    assert page.error[0].value.startswith(r"workspace\.zip\: not a readable zip")
    assert store.con.execute("select count(*) from teams").fetchall() == [(4,)]


def test_the_settings_form_checks_the_tag_pattern(page):
    key = next(widget.key for widget in page.text_input if widget.key.startswith("set_tag_pattern_"))
    page.text_input(key=key).set_value(r"v\d+(?!-rc)")
    page.button(key="settings_save").click().run()
    assert "DuckDB" in page.error[0].value
    assert "analysis_settings" not in page.session_state

    page.text_input(key=key).set_value(r"release-\d+")
    page.button(key="settings_save").click().run()
    assert not page.error
    assert page.session_state["analysis_settings"] == dataclasses.replace(
        Settings(), release_tag_pattern=r"release-\d+"
    )


def test_the_settings_form_sets_the_blocked_statuses(page):
    key = next(widget.key for widget in page.multiselect if widget.key.startswith("set_blocked_statuses_"))
    assert page.multiselect(key=key).value == ["Blocked"]
    page.multiselect(key=key).set_value(["Blocked", "In Review"])
    page.button(key="settings_save").click().run()
    assert not page.error
    assert page.session_state["analysis_settings"] == dataclasses.replace(
        Settings(), blocked_statuses=("Blocked", "In Review")
    )
