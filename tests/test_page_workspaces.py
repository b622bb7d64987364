"""The Data page's shared workspace section and `?workspace=<id>`, through Streamlit's AppTest.

What one session does: save (what lands in the folder), the per-session quota's message, a
restored workspace file saved whole, remembered column mappings and date order carried, a link
opened, and sign-in gating links. The real-browser tests (tests/test_workspaces_browser.py)
cover several visitors and two servers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_sign_in import AUTH
from test_workspaces import rewrite_manifest

from analysis.settings import Settings
from analysis.store import Store
from analysis.views.common import markdown_literal
from analysis.workspace import open_shared_base
from analysis.workspace_file import export_workspace, read_workspace
from analysis.workspaces import WorkspaceFolder, open_workspace, shared_workspace_bytes

PROJECT = Path(__file__).resolve().parent.parent
MAPPINGS = [{"header_signature": "Clé|Créé", "mapping": {"item_key": "Clé", "created": "Créé"}}]


@pytest.fixture
def folder(monkeypatch, tmp_path):
    monkeypatch.delenv("THREADLINE_DATA_DIR", raising=False)
    monkeypatch.setenv("THREADLINE_WORKSPACES_DIR", str(tmp_path / "workspaces"))
    return WorkspaceFolder.from_environment()


def data_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    return at


def saved_files(folder: WorkspaceFolder) -> list[Path]:
    return sorted(folder.path.glob("*.zip")) if folder.path.exists() else []


def test_saving_stores_the_additions_settings_mappings_and_date_order(folder):
    at = data_page()
    at.file_uploader(key="upload_files").set_value([("teams.csv", b"team,reorg_date\nSolo,2025-01-01\n", "text/csv")])
    at.button(key="upload_load").click().run()
    at.session_state["column_mappings"] = MAPPINGS
    at.session_state["date_order"] = "dmy"
    at.button(key="workspace_save").click().run()
    assert not at.exception and not at.error
    assert at.success[-1].value.startswith("Saved as a new shared workspace")
    [path] = saved_files(folder)
    workspace_id = at.session_state["workspace_id"]
    assert path.name == f"{workspace_id}.zip" and workspace_id in at.session_state["workspace_edit_keys"]
    assert at.query_params["workspace"] == workspace_id
    assert at.sidebar.caption[-1].value == "Data: shared workspace"
    # The link and the edit link are shown, with the expiry.
    assert any("it expires on" in caption.value for caption in at.caption)
    shown = [block.value for block in at.code]
    assert shown[0].endswith(f"?workspace={workspace_id}")
    assert f"workspace={workspace_id}&edit=" in shown[1]

    contents = read_workspace(path.read_bytes(), "saved", Store().con)
    assert contents.layered and contents.tables["teams"].to_pydict()["team"] == ["Solo"]
    assert contents.tables["load_log"].num_rows == 1  # only the upload, not the demo's 14 files
    assert (contents.column_mappings, contents.date_order) == (MAPPINGS, "dmy")
    assert contents.settings == Settings()

    # Updating in place keeps the file and its name.
    at.button(key="workspace_update").click().run()
    assert at.success[-1].value.startswith("Workspace updated")
    assert saved_files(folder) == [path]


def test_the_saves_per_session_limit_says_so(folder, monkeypatch):
    monkeypatch.setenv("THREADLINE_SAVES_PER_VISITOR", "1")
    at = data_page()
    at.button(key="workspace_save").click().run()
    assert not at.error
    at.button(key="workspace_save").click().run()
    assert "You have saved 1 shared workspaces in this session" in at.error[-1].value
    assert len(saved_files(folder)) == 1


def test_a_restored_workspace_file_is_saved_whole(folder):
    whole = Store()
    whole.load_bytes("teams.csv", b"team,reorg_date\nOnly,2025-01-01\n")
    at = data_page()
    at.file_uploader(key="upload_files").set_value(
        [("old.zip", export_workspace(whole.con, Settings()), "application/zip")]
    )
    at.button(key="upload_load").click().run()
    at.button(key="workspace_save").click().run()
    [path] = saved_files(folder)
    contents = read_workspace(path.read_bytes(), "saved", whole.con)
    assert not contents.layered
    assert contents.tables["teams"].to_pydict()["team"] == ["Only"]
    whole.close()


def test_a_link_opens_the_workspace_with_its_settings_and_date_order(folder, tmp_path):
    base = open_shared_base()
    own = Store(copy_from=base.path)
    own.load_bytes("teams.csv", b"team,reorg_date\nLinked,2025-02-01\n")
    saved = Settings(min_items=7)
    workspace_id, _ = folder.create(shared_workspace_bytes(own.con, saved, base, MAPPINGS, "mdy"))
    at = data_page({"workspace": workspace_id})
    assert at.session_state["workspace_id"] == workspace_id
    assert at.session_state["analysis_settings"] == saved
    assert (at.session_state["column_mappings"], at.session_state["date_order"]) == (MAPPINGS, "mdy")
    assert at.selectbox(key="upload_date_order").value == "mdy"
    assert at.data_editor[0].value["team"].tolist() == ["Linked"]
    assert "workspace_update" not in [button.key for button in at.button]  # a viewer
    assert open_workspace(folder, workspace_id, base).store.con.execute("select team from teams").fetchall() == [
        ("Linked",)
    ]
    own.close()


def test_with_sign_in_configured_a_link_opens_nothing_until_signed_in(folder):
    base = open_shared_base()
    workspace_id, _ = folder.create(shared_workspace_bytes(base.view().con, Settings(), base))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.query_params["workspace"] = workspace_id
    at.run()
    assert not at.exception
    assert [button.label for button in at.button] == ["Sign in"]
    assert "workspace_id" not in at.session_state and "store" not in at.session_state


def test_an_unknown_link_shows_the_plain_page(folder):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params["workspace"] = "x" * 32
    at.run()
    assert not at.exception
    assert [text.value for text in at.markdown] == [r"This workspace link has expired or does not exist\."]
    assert not at.dataframe and not at.sidebar.number_input
    assert [button.label for button in at.button] == ["Open Threadline without it"]


def test_a_workspace_saved_on_other_shared_data_says_so_on_every_page(folder):
    base = open_shared_base()
    own = Store(copy_from=base.path)
    own.load_bytes("teams.csv", b"team,reorg_date\nLinked,2025-02-01\n")
    older = export_workspace(own.con, Settings(), base=base.path, base_fingerprint="0" * 24)
    workspace_id, _ = folder.create(older)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params["workspace"] = workspace_id
    at.run()  # the Overview
    assert not at.exception
    [note] = [box.value for box in at.sidebar.info]
    assert note.startswith("This workspace was saved on an older version of the shared data")
    assert at.session_state["store"].con.execute("select team from teams").fetchall() == [("Linked",)]
    at.switch_page("app_pages/team.py").run()
    assert [box.value for box in at.sidebar.info] == [note]
    own.close()


def test_a_link_to_a_workspace_of_a_newer_format_says_so_and_shows_no_data(folder):
    newer = rewrite_manifest(
        export_workspace(Store().con, Settings()), lambda manifest: manifest.update(format_version=3)
    )
    workspace_id, _ = folder.create(newer)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params["workspace"] = workspace_id
    at.run()
    assert not at.exception
    assert [text.value for text in at.markdown] == [
        markdown_literal("This workspace: saved by a newer Threadline (format 3); this server reads up to 2.")
    ]
    assert not at.dataframe and not at.sidebar.number_input and "store" not in at.session_state


def test_a_folder_that_cannot_be_written_gives_a_message(folder, monkeypatch):
    folder.path.parent.mkdir(parents=True, exist_ok=True)
    folder.path.write_text("a file where the folder should be")
    at = data_page()
    at.button(key="workspace_save").click().run()
    assert not at.exception
    assert at.error[-1].value.startswith("The workspace could not be saved")
