"""Shared workspaces on disk (analysis/workspaces.py) and the workspace format they use.

Ids, atomic writes, expiry and quotas on a temporary folder; the layered format (only what a
visitor added on top of the shared base) checked table by table against the visitor's own store;
format versions: 1 still reads, a newer one is refused with a message naming both.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import time
import zipfile

import pandas as pd
import pytest
from conftest import FIXTURES

from analysis.settings import Settings
from analysis.store import Store
from analysis.views.data import load_uploads
from analysis.workspace import DEFAULT_DATA_DIR, open_shared_base
from analysis.workspace_file import (
    FORMAT_VERSION,
    WORKSPACE_TABLES,
    WorkspaceFileError,
    export_workspace,
    read_workspace,
    restore_contents,
)
from analysis.workspaces import (
    GONE,
    PARTIAL_PREFIX,
    NotAllowed,
    QuotaExceeded,
    WorkspaceFolder,
    WorkspaceGone,
    is_workspace_id,
    open_workspace,
    shared_workspace_bytes,
)

MAPPINGS = [{"header_signature": "Clé|Créé|Résolu", "mapping": {"item_key": "Clé", "created": "Créé"}}]


# ---- the folder ----------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    return WorkspaceFolder(tmp_path / "workspaces")


def payload(text: str, size: int = 0) -> bytes:
    """A stand-in workspace file: a zip with one member (the folder stores any zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("text", text + " " * size)
    return buffer.getvalue()


def text_of(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("text").decode().rstrip()


def test_an_id_and_an_edit_key_have_at_least_128_random_bits_and_one_exact_shape(folder):
    saved = [folder.create(payload(f"workspace {n}")) for n in range(50)]
    secrets_seen = {text for pair in saved for text in pair}
    assert len(secrets_seen) == 100
    for text in secrets_seen:
        # 32 characters of the URL-safe base64 alphabet: 32 * 6 = 192 bits from secrets.token_urlsafe
        assert len(text) == 32 and is_workspace_id(text)
    assert sorted(path.name for path in folder.path.iterdir()) == sorted(f"{i}.zip" for i, _ in saved)
    # The edit key itself is nowhere on disk, only its digest.
    for workspace_id, edit_key in saved[:5]:
        stored = (folder.path / f"{workspace_id}.zip").read_bytes()
        assert edit_key.encode() not in stored
        assert hashlib.sha256(edit_key.encode()).hexdigest().encode() in stored


def test_a_forged_truncated_or_unknown_id_reads_no_file(folder, tmp_path):
    workspace_id, edit_key = folder.create(payload("the real one"))
    (tmp_path / "secret.zip").write_bytes(payload("outside the folder"))
    forged = [
        workspace_id[:-1],  # truncated
        workspace_id + "A",  # too long
        "../secret",
        "..%2Fsecret",
        f"../workspaces/{workspace_id[:20]}",
        workspace_id[:31] + "/",
        workspace_id[:31] + ".",
        "",
        None,
        secrets.token_urlsafe(24),  # the right shape, never saved
    ]
    for text in forged:
        with pytest.raises(WorkspaceGone, match="expired or does not exist"):
            folder.read(text)
        with pytest.raises(WorkspaceGone):
            folder.delete(text)
        with pytest.raises(WorkspaceGone):
            folder.update(text, payload("overwrite"), edit_key)
    assert text_of(folder.read(workspace_id)) == "the real one"
    assert text_of((tmp_path / "secret.zip").read_bytes()) == "outside the folder"
    assert not is_workspace_id("a" * 31 + "!")


def test_the_edit_key_updates_in_place_the_link_deletes(folder):
    workspace_id, edit_key = folder.create(payload("first"))
    other_id, other_key = folder.create(payload("someone else's"))
    created = folder.created_at(workspace_id)
    for wrong in (other_key, edit_key[:-1], workspace_id, None):
        assert not folder.can_edit(workspace_id, wrong)
        with pytest.raises(NotAllowed, match="Only the edit link"):
            folder.update(workspace_id, payload("a viewer's changes"), wrong)
    assert folder.can_edit(workspace_id, edit_key)
    folder.update(workspace_id, payload("second"), edit_key)
    assert text_of(folder.read(workspace_id)) == "second"
    assert folder.created_at(workspace_id) == created  # and the key still works after the update
    folder.update(workspace_id, payload("third"), edit_key)
    folder.delete(workspace_id)  # whoever holds the link (SPEC)
    with pytest.raises(WorkspaceGone, match=GONE):
        folder.read(workspace_id)
    with pytest.raises(WorkspaceGone):  # a deleted workspace is not brought back by an update
        folder.update(workspace_id, payload("fourth"), edit_key)
    assert [path.name for path in folder.path.iterdir()] == [f"{other_id}.zip"]


def test_a_workspace_expires_after_its_last_save_and_is_removed(tmp_path):
    folder = WorkspaceFolder(tmp_path / "w", days=90)
    (old, _), (fresh, fresh_key) = folder.create(payload("old")), folder.create(payload("fresh"))
    day = 86400
    os.utime(folder.path / f"{old}.zip", (time.time() - 91 * day,) * 2)
    os.utime(folder.path / f"{fresh}.zip", (time.time() - 89 * day,) * 2)
    with pytest.raises(WorkspaceGone):
        folder.read(old)
    assert not (folder.path / f"{old}.zip").exists()  # removed when looked at
    assert text_of(folder.read(fresh)) == "fresh"
    folder.update(fresh, payload("saved again"), fresh_key)  # the 90 days start again
    assert time.time() - folder.saved_at(fresh) < 60
    stale, _ = folder.create(payload("stale"))
    os.utime(folder.path / f"{stale}.zip", (time.time() - 100 * day,) * 2)
    assert folder.remove_expired() == 1 and not (folder.path / f"{stale}.zip").exists()


def test_the_folder_quota_and_the_saves_per_visitor(tmp_path):
    folder = WorkspaceFolder(tmp_path / "w", max_bytes=3000, saves_per_visitor=2)
    first, key = folder.create(payload("x", 1500), saves_so_far=0)
    with pytest.raises(QuotaExceeded, match=r"workspaces folder is full .*THREADLINE_WORKSPACES_MAX_MB"):
        folder.create(payload("x", 1500), saves_so_far=1)
    folder.update(first, payload("y", 2500), key)  # replacing its own file: fits
    with pytest.raises(QuotaExceeded, match="full"):
        folder.update(first, payload("y", 3000), key)
    assert text_of(folder.read(first)) == "y"
    assert folder.used_bytes() == (folder.path / f"{first}.zip").stat().st_size > 2500
    with pytest.raises(QuotaExceeded, match=r"saved 2 shared workspaces .*THREADLINE_SAVES_PER_VISITOR"):
        folder.create(payload("z"), saves_so_far=2)
    folder.create(payload("z"), saves_so_far=None)  # a signed-in visitor: not counted per session
    # Expired workspaces free their room.
    os.utime(folder.path / f"{first}.zip", (time.time() - 100 * 86400,) * 2)
    folder.create(payload("x", 2500), saves_so_far=1)


def test_the_environment_sets_the_folder_and_its_limits(monkeypatch, tmp_path):
    monkeypatch.setenv("THREADLINE_WORKSPACES_DIR", str(tmp_path / "configured"))
    monkeypatch.setenv("THREADLINE_WORKSPACE_DAYS", "7")
    monkeypatch.setenv("THREADLINE_WORKSPACES_MAX_MB", "5")
    monkeypatch.setenv("THREADLINE_SAVES_PER_VISITOR", "-3")  # not above zero: the default
    folder = WorkspaceFolder.from_environment()
    assert (folder.path, folder.days, folder.max_bytes, folder.saves_per_visitor) == (
        tmp_path / "configured",
        7,
        5 * 2**20,
        20,
    )
    monkeypatch.delenv("THREADLINE_WORKSPACES_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    default = WorkspaceFolder.from_environment()
    assert default.path == tmp_path / "data-home" / "threadline" / "workspaces"
    assert not default.path.exists()  # made on first save
    default.create(payload("first"))
    assert default.path.is_dir()


def _write_then_hang(folder_path, workspace_id, data):
    """A save that stops for good between writing its temporary file and renaming it."""
    import analysis.workspaces as workspaces

    workspaces.os.replace = lambda *_: time.sleep(3600)
    WorkspaceFolder(folder_path)._write(workspace_id, data)


def test_a_save_killed_before_its_rename_leaves_the_old_workspace_whole(folder):
    workspace_id, _ = folder.create(payload("old", 4000))
    old_size = (folder.path / f"{workspace_id}.zip").stat().st_size
    new = payload("new", 400_000)
    child = multiprocessing.get_context("spawn").Process(target=_write_then_hang, args=(folder.path, workspace_id, new))
    child.start()
    deadline = time.monotonic() + 60
    while not any(path.name.startswith(PARTIAL_PREFIX) for path in folder.path.iterdir()):
        assert time.monotonic() < deadline and child.is_alive(), "the child never wrote its temporary file"
        time.sleep(0.05)
    partial = next(path for path in folder.path.iterdir() if path.name.startswith(PARTIAL_PREFIX))
    deadline = time.monotonic() + 60
    while partial.stat().st_size < len(new):  # fully written, not yet renamed
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert text_of(folder.read(workspace_id)) == "old"
    assert [path.name for path in folder.path.iterdir() if path.suffix == ".zip"] == [f"{workspace_id}.zip"]
    # The leftover is never read, is not counted, and goes after a day.
    assert folder.used_bytes() == old_size
    os.utime(partial, (time.time() - 2 * 86400,) * 2)
    folder.remove_expired()
    assert not partial.exists()


def test_a_failed_save_removes_its_temporary_file(folder, monkeypatch):
    workspace_id, edit_key = folder.create(payload("old"))

    def refuse(*_):
        raise OSError("disk full")

    monkeypatch.setattr("analysis.workspaces.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        folder.update(workspace_id, payload("new"), edit_key)
    assert [path.name for path in folder.path.iterdir()] == [f"{workspace_id}.zip"]
    assert text_of(folder.read(workspace_id)) == "old"


# ---- the format: layered on the shared base, versions ------------------------------------------


@pytest.fixture(scope="module")
def demo_base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("base")
    source = folder / "data"
    shutil.copytree(DEFAULT_DATA_DIR, source)
    base = open_shared_base(source, folder / "cache")
    yield base, source, folder / "cache"
    base.close()


def visitor_on(base: Store) -> Store:
    """A visitor's private copy of the base with an upload and an organisation change."""
    own = Store(copy_from=base.path)
    own.load_bytes("cloud.csv", (FIXTURES / "jira_csv" / "cloud_all_fields.csv").read_bytes())
    teams = base.con.execute("select team, reorg_date from teams order by team").fetchall()
    rows = "".join(f"{team},{reorg or ''}\n" for team, reorg in teams[1:])  # one team dropped
    own.load_bytes("teams.csv", f"team,reorg_date\n{rows}Platform Guild,2025-08-01\n".encode())
    own.load_bytes("members.csv", b"person,team\nZed,Platform Guild\n")
    return own


def table(store: Store, name: str) -> pd.DataFrame:
    return store.con.sql(f"select * from {name} order by all").df()


def test_a_layered_workspace_holds_only_the_additions_and_opens_as_the_visitor_saw_it(demo_base, tmp_path):
    base, _, _ = demo_base
    own = visitor_on(base)
    settings = Settings(window_days=120, timezone="Europe/Berlin")
    layered = shared_workspace_bytes(own.con.cursor(), settings, base, MAPPINGS, "dmy")
    whole = export_workspace(own.con, settings)
    contents = read_workspace(layered, "ws", own.con)
    assert contents.base_fingerprint == base.fingerprint and contents.layered
    # Only what the visitor added: the base's 14 files are not in the file's load log, the upload's 3 are.
    assert contents.tables["load_log"].num_rows == 3
    base_items = base.con.execute("select count(*) from work_items").fetchall()[0][0]
    own_items = own.con.execute("select count(*) from work_items").fetchall()[0][0]
    assert contents.tables["work_items"].num_rows == own_items - base_items > 0
    assert contents.removed["work_items"].num_rows == 0
    assert contents.removed["members"].num_rows == base.con.execute("select count(*) from members").fetchall()[0][0]
    assert len(layered) < len(whole) / 2

    folder = WorkspaceFolder(tmp_path / "w")
    workspace_id, _ = folder.create(layered)
    opened = open_workspace(folder, workspace_id, base)
    assert opened.notes == []
    assert opened.settings == settings
    assert (opened.contents.column_mappings, opened.contents.date_order) == (MAPPINGS, "dmy")
    for name in WORKSPACE_TABLES:
        pd.testing.assert_frame_equal(table(opened.store, name), table(own, name), obj=name)
    # New loads in the opened workspace continue its ids.
    opened.store.load_bytes("more.csv", b"team,reorg_date\nSolo,2025-01-01\n")
    assert opened.store.con.execute("select count(*), count(distinct load_id) from load_log").fetchall()[0] == (
        21,  # the demo's 17 files, the visitor's 3 and this one
        21,
    )
    opened.store.close()
    own.close()


def test_a_workspace_made_from_an_empty_start_stores_everything(demo_base, tmp_path):
    base, _, _ = demo_base
    empty = Store()
    empty.load_bytes("teams.csv", b"team,reorg_date\nSolo,2025-01-01\n")
    data = shared_workspace_bytes(empty.con, Settings(), None)
    folder = WorkspaceFolder(tmp_path / "w")
    opened = open_workspace(folder, folder.create(data)[0], base)
    assert not opened.contents.layered
    assert opened.store.con.execute("select team from teams").fetchall() == [("Solo",)]
    assert opened.store.con.execute("select count(*) from work_items").fetchall() == [(0,)]
    opened.store.close()


def test_opened_on_a_changed_base_it_applies_its_additions_and_says_so(demo_base, tmp_path):
    base, source, _ = demo_base
    own = visitor_on(base)
    data = shared_workspace_bytes(own.con, Settings(), base, (), None)
    changed_source = tmp_path / "changed"
    shutil.copytree(source, changed_source)
    teams = changed_source / "teams.csv"
    teams.write_text(teams.read_text(encoding="utf-8") + "Newcomers,,triad,Someone\n", encoding="utf-8")
    tags = changed_source / "acme__extra__tags.csv"  # one more file: the new base's load ids pass the old
    tags.write_text(
        "tag,tag_object_type,tagger_date,commit_date,commit_sha,tagger_name\n"
        "v9.0.0,commit,,2025-11-01T10:00:00+00:00,abc123,\n",
        encoding="utf-8",
    )
    changed = open_shared_base(changed_source, tmp_path / "cache")
    assert changed.fingerprint != base.fingerprint
    folder = WorkspaceFolder(tmp_path / "w")
    opened = open_workspace(folder, folder.create(data)[0], changed)
    assert opened.notes and opened.notes[0].startswith(
        "This workspace was saved on an older version of the shared data"
    )
    teams_now = {row[0] for row in opened.store.con.execute("select team from teams").fetchall()}
    assert {"Platform Guild", "Newcomers"} <= teams_now  # the visitor's team, and the base's new one
    dropped = base.con.execute("select min(team) from teams").fetchall()[0][0]
    assert dropped not in teams_now  # the visitor's removal still applies
    # Every file of the new base keeps its line in the load log beside the visitor's three, although
    # the new base's last load id is the visitor's first (the visitor's are moved past it).
    log = opened.store.con.execute("select load_id, file_name from load_log").fetchall()
    base_log = changed.con.execute("select load_id, file_name from load_log").fetchall()
    assert max(load_id for load_id, _ in base_log) == 18  # the demo's 17 files and the new one
    assert set(base_log) <= set(log) and len(log) == len(base_log) + 3
    assert {name for _, name in set(log) - set(base_log)} == {"cloud.csv", "teams.csv", "members.csv"}
    assert len({load_id for load_id, _ in log}) == len(log)
    # The visitor's upload is all there.
    assert opened.store.con.execute("select count(*) from work_items where source_file = 'cloud.csv'").fetchall() == (
        own.con.execute("select count(*) from work_items where source_file = 'cloud.csv'").fetchall()
    )
    opened.store.close()
    changed.close()
    own.close()


def rewrite_manifest(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_version_1_file_still_loads_and_a_newer_one_is_refused(demo_base):
    base, _, _ = demo_base
    own = visitor_on(base)
    whole = export_workspace(own.con, Settings(tolerance_days=5))

    def as_version_1(manifest):
        manifest["format_version"] = 1
        for field in ("base_fingerprint", "column_mappings", "date_order"):
            del manifest[field]

    version_1 = rewrite_manifest(whole, as_version_1)
    restored = Store()
    contents = restore_contents(restored, version_1, "old.zip")
    assert (contents.format_version, contents.settings.tolerance_days) == (1, 5)
    assert (contents.column_mappings, contents.date_order, contents.layered) == ([], None, False)
    for name in WORKSPACE_TABLES:
        pd.testing.assert_frame_equal(table(restored, name), table(own, name), obj=name)

    newer = rewrite_manifest(whole, lambda manifest: manifest.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(
        WorkspaceFileError, match=r"^new.zip: saved by a newer Threadline \(format 3\); this server reads up to 2\.$"
    ):
        restore_contents(Store(), newer, "new.zip")
    own.close()
    restored.close()


def test_a_bad_column_mapping_or_date_order_is_refused(demo_base):
    base, _, _ = demo_base
    whole = export_workspace(base.view().con, Settings(), MAPPINGS, "mdy")
    cases = [
        (lambda m: m.update(date_order="ymd"), "date_order should be null"),
        (lambda m: m.update(column_mappings={"a": "b"}), "column_mappings should be a list"),
        (lambda m: m.update(column_mappings=[{"header_signature": "x"}]), "entry 1 is not"),
        (
            lambda m: m.update(column_mappings=[{"header_signature": "x", "mapping": {"colour": "Farbe"}}]),
            "unknown fields colour",
        ),
        (lambda m: m.update(base_fingerprint=7), "base_fingerprint should be null or text"),
    ]
    for change, words in cases:
        with pytest.raises(WorkspaceFileError, match=words):
            restore_contents(Store(), rewrite_manifest(whole, change), "ws.zip")
    assert restore_contents(Store(), whole, "ws.zip").column_mappings == MAPPINGS


def test_a_layered_file_uploaded_as_a_workspace_file_is_refused_with_a_reason(demo_base):
    base, _, _ = demo_base
    own = visitor_on(base)
    layered = shared_workspace_bytes(own.con, Settings(), base)
    target = Store()
    [result] = load_uploads(target, [("copied.zip", layered)], "UTC")
    assert result.status == "refused"
    assert "saved on top of a server's shared data" in result.message
    assert target.con.execute("select count(*) from load_log").fetchall() == [(0,)]
    own.close()
