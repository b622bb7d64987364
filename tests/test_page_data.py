"""The Data page on the demo organisation, through Streamlit's AppTest (no browser).

AppTest runs every test as one session, so it cannot show that two visitors are kept apart:
the real-browser tests do that.
"""

from __future__ import annotations

import dataclasses
import json
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
    assert page.data_editor[0].value["team"].tolist() == [
        "Assist",
        "Checkout",
        "Onboarding",
        "Billing",
        "Catalog",
        "Search",
    ]


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
    assert shown["Files"] == "17" and shown["Rows rejected"] == "2"  # the demo's two planted bad rows
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
    assert store.con.execute("select count(*) from teams").fetchall() == [(6,)]
    # The view settings stay the link's until asked for.
    assert page.sidebar.number_input(key="window").value == 180
    page.button(key="use_file_view").click().run()
    assert page.sidebar.number_input(key="window").value == 120
    assert page.sidebar.number_input(key="tolerance").value == 5
    assert page.multiselect[0].value == ["Blocks"]

    page.file_uploader(key="upload_files").set_value([("workspace.zip", workspace[:1000], "application/zip")])
    page.button(key="upload_load").click().run()
    assert page.error[0].value.startswith(r"workspace\.zip\: not a readable zip")
    assert store.con.execute("select count(*) from teams").fetchall() == [(6,)]


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


# ---- starting point, unowned items and releases, column mapping --------------------------------


def test_start_from_an_empty_workspace_and_back_to_the_demo(page):
    assert page.radio(key="workspace_start_choice").value == "shared"
    page.radio(key="workspace_start_choice").set_value("empty").run()
    assert not page.exception
    empty = page.session_state["store"]
    assert empty.con.execute("select count(*) from work_items").fetchall() == [(0,)]
    assert page.sidebar.caption[-1].value == "Data: an empty workspace"
    page.file_uploader(key="upload_files").set_value([("teams.csv", b"team,reorg_date\nSolo,2025-10-01\n", "text/csv")])
    page.button(key="upload_load").click().run()
    own = store_of(page)
    assert own.con.execute("select team from teams").fetchall() == [("Solo",)]
    assert own.con.execute("select count(*) from work_items").fetchall() == [(0,)]  # no demo items
    for other in ("overview", "team", "dependencies", "methods"):  # every page copes with so little
        page.switch_page(f"app_pages/{other}.py").run()
        assert not page.exception, other
    page.switch_page("app_pages/data.py").run()
    # Reversible: back to the demo, the private store is gone.
    page.radio(key="workspace_start_choice").set_value("shared").run()
    assert not page.exception and "store" not in page.session_state
    assert store_of(page).con.execute("select count(*) from teams").fetchall() == [(6,)]


UNOWNED_CSV = b"""Issue key,Summary,Issue Type,Status,Created,Resolved
NEW-1,a,Story,Done,01/Feb/24 9:00 AM,05/Mar/24 4:37 PM
NEW-2,b,Story,Done,01/Feb/24 9:00 AM,06/Mar/24 4:37 PM
"""


def test_unowned_projects_are_listed_after_an_upload_and_mapped_in_one_step(page):
    page.file_uploader(key="upload_files").set_value([("new.csv", UNOWNED_CSV, "text/csv")])
    page.button(key="upload_load").click().run()
    assert not page.exception
    # The demo's 3 OPS items have no team already; the upload adds 2 of project NEW.
    assert any(w.value.startswith("5 work items and 0 releases belong to no team") for w in page.warning)
    editor = next(e for e in page.data_editor if e.key.startswith("unowned_editor_"))
    rows = editor.value[["kind", "value", "items", "releases"]].values.tolist()
    assert ["jira_project", "NEW", 2, 0] in rows
    index = rows.index(["jira_project", "NEW", 2, 0])
    page.session_state[editor.key] = {
        "edited_rows": {index: {"team": "Checkout"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    page.button(key="unowned_add").click().run()
    assert not page.exception and not page.error
    own = store_of(page)
    assert own.con.execute("select team from ownership where kind = 'jira_project' and value = 'NEW'").fetchall() == [
        ("Checkout",)
    ]
    assert own.con.execute("select distinct team from work_item_teams where item_key like 'NEW-%'").fetchall() == [
        ("Checkout",)
    ]


# Header names no importer knows (a locale Threadline has no names for).
UNKNOWN_CSV = """Schlüssel-X;Titel-X;Angelegt-X;Erledigt-X
QQ-1;a;2024-02-01 09:00;2024-03-05 16:37
QQ-2;b;2024-02-02 09:00;
"""


def test_an_unrecognised_file_is_mapped_loaded_and_the_mapping_remembered(page):
    data = UNKNOWN_CSV.encode("utf-8")
    page.file_uploader(key="upload_files").set_value([("odd.csv", data, "text/csv")])
    page.button(key="upload_load").click().run()
    assert page.error[0].value.startswith(r"odd\.csv\: unrecognised content")
    page.selectbox(key="map_0_item_key").set_value("Schlüssel-X")
    page.selectbox(key="map_0_created").set_value("Angelegt-X")
    page.selectbox(key="map_0_resolved").set_value("Erledigt-X")
    page.button(key="map_load_0").click().run()
    assert not page.exception
    own = store_of(page)
    got = own.con.execute(
        "select item_key, resolved_at is not null from work_items where item_key like 'QQ-%' order by 1"
    )
    assert got.fetchall() == [("QQ-1", True), ("QQ-2", False)]
    assert page.session_state["unmapped_files"] == []
    # The next file with the same header loads at once, with the remembered mapping.
    again = UNKNOWN_CSV.replace("QQ-1", "QQ-3").replace("QQ-2", "QQ-4").encode("utf-8")
    page.file_uploader(key="upload_files").set_value([("odd2.csv", again, "text/csv")])
    page.button(key="upload_load").click().run()
    assert not page.exception
    assert own.con.execute("select count(*) from work_items where item_key in ('QQ-3', 'QQ-4')").fetchall() == [(2,)]


def test_the_mapping_form_names_a_missing_required_field(page):
    page.file_uploader(key="upload_files").set_value([("odd.csv", UNKNOWN_CSV.encode("utf-8"), "text/csv")])
    page.button(key="upload_load").click().run()
    page.selectbox(key="map_0_item_key").set_value("Schlüssel-X")
    page.button(key="map_load_0").click().run()
    assert any(error.value.startswith("Created needs a column") for error in page.error)
    assert page.session_state["unmapped_files"][0].name == "odd.csv"


def test_every_date_editor_writes_iso_dates(page):
    import json

    formats = {}
    for editor in page.data_editor:
        for column, config in json.loads(editor.proto.columns).items():
            if config.get("type_config", {}).get("type") == "date":
                formats[(editor.key.rsplit("_", 1)[0], column)] = config["type_config"]["format"]
    assert formats == {
        ("org_teams", "reorg_date"): "YYYY-MM-DD",
        ("org_members", "start_date"): "YYYY-MM-DD",
        ("org_members", "end_date"): "YYYY-MM-DD",
        ("org_ownership", "start_date"): "YYYY-MM-DD",
        ("org_ownership", "end_date"): "YYYY-MM-DD",
    }


def test_an_export_without_a_resolved_column_gets_a_warning_of_its_own(page):
    # English names as in ../shared/samples/jira_csv, the Resolved column left out.
    data = b"Issue key,Summary,Issue Type,Status,Created\nNR-1,a,Story,Done,01/Feb/24 9:00 AM\n"
    page.file_uploader(key="upload_files").set_value([("no_resolved.csv", data, "text/csv")])
    page.button(key="upload_load").click().run()
    assert not page.exception
    [loud] = [w.value for w in page.warning if "NO RESOLVED COLUMN" in w.value]
    assert loud.startswith(markdown_literal("no_resolved.csv: NO RESOLVED COLUMN: this export has no Resolved column"))
    assert markdown_literal("CSV (all fields)") in loud


def test_the_settings_form_switches_names_on_in_the_reorg_diagram(page):
    # Off by default: the Overview's Sankey hover holds counts only; on: the names after them.
    def flows(at) -> list[str]:
        at.switch_page("app_pages/overview.py").run()
        assert not at.exception
        specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
        sankey = next(spec["data"][0] for spec in specs if spec["data"][0]["type"] == "sankey")
        return sankey["link"]["customdata"]

    assert "Ana Lima" not in " ".join(flows(page))
    page.switch_page("app_pages/data.py").run()
    key = next(widget.key for widget in page.checkbox if widget.key.startswith("set_roster_names_"))
    assert page.checkbox(key=key).value is False
    page.checkbox(key=key).check()
    page.button(key="settings_save").click().run()
    assert not page.error
    assert page.session_state["analysis_settings"].show_roster_names is True
    assert "3 people<br>Ana Lima<br>Ben Carter<br>Dev Patel" in flows(page)


def test_a_second_teams_file_is_said_on_the_page(page):
    teams = (DEMO / "teams.csv").read_bytes().replace(b"Checkout,2025-10-01", b"Checkout,2025-11-01")
    ownership = (
        (DEMO / "ownership.csv").read_bytes().replace(b"jira_project,CHK,Checkout,,", b"jira_project,CHK,Onboarding,,")
    )
    page.file_uploader(key="upload_files").set_value(
        [("my_teams.csv", teams, "text/csv"), ("my_ownership.csv", ownership, "text/csv")]
    )
    page.button(key="upload_load").click().run()
    assert not page.exception
    # The demo's teams.csv and ownership.csv are set aside for the uploads, in the rejected rows.
    rejects = table_with(page, "reason")
    set_aside = rejects[rejects["row_number"].isna()].set_index("file_name")["reason"].to_dict()
    assert set_aside == {
        "ownership.csv": "set aside: ownership comes from the upload my_ownership.csv "
        "(one ownership file is used: the last one loaded that holds rows)",
        "teams.csv": "set aside: teams come from the upload my_teams.csv (one teams file is used: the last one loaded that holds rows)",
    }
