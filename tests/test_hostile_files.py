"""Hostile files a visitor can upload (and the command line can read) are answered with a clear
message naming the file and the limit, and what was loaded before stays loaded.

Each file is crafted here. Timings and peak memory are not asserted (benchmarks/hostile_files.py
prints them); the limits are made tiny where a test needs one to be reached.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest
from conftest import PROJECT_ROOT, rows

from analysis.bounded_parse import (
    MEMORY_VARIABLE,
    SECONDS_VARIABLE,
    UPLOAD_VARIABLE,
    Limits,
    parse_in_child,
)
from analysis.importers import FileRefused, parse_file
from analysis.settings import Settings
from analysis.store import Store
from analysis.views.data import load_uploads
from analysis.workspace_file import WorkspaceFileError, export_workspace, restore_workspace

TEAMS = b"team,reorg_date,model,leader\nCheckout,2025-01-01,sto,Ana\n"
DEPTH = 100_000


@pytest.fixture
def visitor():
    """A visitor's store with one good upload in it."""
    store = Store()
    [result] = load_uploads(store, [("teams.csv", TEAMS)], "UTC")
    assert result.status == "loaded"
    yield store
    store.close()


def teams(store: Store) -> list[str]:
    return [row[0] for row in rows(store, "select team from teams")]


def releases_json(count: int) -> bytes:
    """A GitHub releases export (legitimate, of any size)."""
    return json.dumps(
        [
            {
                "tag_name": f"v1.{i}.0",
                "name": f"Release 1.{i} " + "notes " * 30,
                "draft": False,
                "prerelease": False,
                "created_at": "2025-01-01T00:00:00Z",
                "published_at": "2025-01-01T00:00:00Z",
                "html_url": f"https://github.com/acme/shop/releases/tag/v1.{i}.0",
            }
            for i in range(count)
        ]
    ).encode()


# ---- deep JSON -------------------------------------------------------------------------------


def test_json_nested_100000_levels_is_refused_as_unrecognised(visitor):
    # Detection walks the first 256 KB: bounded in depth, it finds no known keys. (Unbounded,
    # it needed ~10 GB and the child's memory limit refused the file instead.)
    deep = ("[" * DEPTH + "]" * DEPTH).encode()
    [result] = load_uploads(visitor, [("deep.json", deep)], "UTC")
    assert result.status == "refused"
    assert result.message.startswith("deep.json: unrecognised content; expected one of")
    assert teams(visitor) == ["Checkout"]


def test_a_recognised_json_nested_past_the_parser_limit_is_refused_with_a_reason(visitor):
    deep = ('{"issues": [{"key": "A-1", "fields": {"summary": ' + "[" * DEPTH + "]" * DEPTH + "}}]}").encode()
    [result] = load_uploads(visitor, [("search.json", deep)], "UTC")
    assert result.status == "refused"
    assert result.message.startswith("search.json: the JSON is nested too deeply to read")
    assert teams(visitor) == ["Checkout"]


def test_the_command_line_reads_deep_json_in_process_without_a_traceback(tmp_path):
    # The CLI parses in its own process: the same refusals, no RecursionError, no 10 GB.
    (tmp_path / "search.json").write_text('{"issues": [{"key": "A-1", "fields": [' + "[" * 5_000 + "]" * 5_000 + "]}]}")
    (tmp_path / "deep.json").write_text("[" * DEPTH + "]" * DEPTH)
    completed = subprocess.run(
        [sys.executable, "-m", "analysis", "report", str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert "deep.json: unrecognised content" in completed.stderr
    assert "search.json: the JSON is nested too deeply" in completed.stderr


# ---- workspace zip bombs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace() -> bytes:
    store = Store()
    store.load_bytes("teams.csv", TEAMS)
    data = export_workspace(store.con, Settings())
    store.close()
    return data


def with_member(workspace: bytes, member: str, size: int) -> bytes:
    """The workspace with one member replaced by `size` zero bytes (deflated: a zip bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workspace)) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            if name != member:
                target.writestr(name, source.read(name))
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as sink:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                sink.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_workspace_is_refused_before_anything_is_inflated(visitor, workspace, monkeypatch):
    bomb = with_member(workspace, "work_items.parquet", 300 * 2**20)
    assert len(bomb) < 2 * 2**20

    def never(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    [result] = load_uploads(visitor, [("bomb.zip", bomb)], "UTC", limits=Limits(memory_mb=512))
    assert (result.status, result.kind) == ("refused", "workspace")
    assert result.message == (
        "bomb.zip: it would unpack to 300 MB, over the limit of 256 MB for a workspace file "
        "(half of THREADLINE_VISITOR_MEMORY_MB); nothing was restored."
    )
    assert teams(visitor) == ["Checkout"]


def test_a_settings_member_larger_than_a_settings_file_is_refused(visitor, workspace):
    with pytest.raises(WorkspaceFileError, match=r"ws.zip: settings.json would unpack to 3 MB; a workspace's"):
        restore_workspace(visitor, with_member(workspace, "settings.json", 3 * 2**20), "ws.zip", 512 * 2**20)
    assert teams(visitor) == ["Checkout"]


def test_a_table_that_would_take_more_than_the_limit_once_read_is_refused(visitor):
    # Parquet compresses: the zip's declared sizes fit the limit, the table read from it would not.
    store = Store()
    people = "\n".join(f"person {i} {'x' * 200},Checkout,2024-01-01," for i in range(20_000))
    store.load_bytes("members.csv", f"person,team,start_date,end_date\n{people}\n".encode())
    data = export_workspace(store.con, Settings())
    store.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    assert unpacked < 2**20
    with pytest.raises(WorkspaceFileError, match=r"ws.zip: members.parquet would take [0-9.]+ MB once read; .* 1 MB"):
        restore_workspace(visitor, data, "ws.zip", max_bytes=2**20)
    assert teams(visitor) == ["Checkout"]


def test_a_workspace_within_the_limit_restores(workspace):
    store = Store()
    restore_workspace(store, workspace, "ws.zip", max_bytes=len(workspace) * 4)
    assert teams(store) == ["Checkout"]
    store.close()


# ---- the limits on an upload -----------------------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused_naming_the_limit(visitor):
    [result] = load_uploads(visitor, [("big.json", releases_json(2_000))], "UTC", limits=Limits(upload_mb=0.25))
    assert result.status == "refused"
    assert result.message.startswith("big.json: 0.8 MB is over the upload limit of 0.25 MB (THREADLINE_UPLOAD_MAX_MB)")
    assert teams(visitor) == ["Checkout"]


def test_a_parse_over_the_memory_limit_is_refused_and_earlier_uploads_stay(visitor):
    data = releases_json(60_000)  # ~30 MB of JSON: hundreds of MB as Python objects
    [result] = load_uploads(visitor, [("acme__shop__releases.json", data)], "UTC", limits=Limits(memory_mb=40))
    assert result.status == "refused"
    assert result.message == (
        "acme__shop__releases.json: reading it needs more than the memory limit of 40 MB for one file "
        "(THREADLINE_VISITOR_MEMORY_MB); nothing from it was loaded."
    )
    assert teams(visitor) == ["Checkout"]
    # The same file within the default limits loads: the refusal was the limit's.
    [result] = load_uploads(visitor, [("acme__shop__releases.json", data)], "UTC")
    assert (result.status, result.rows_loaded) == ("loaded", 60_000)


def test_a_parse_over_the_time_limit_is_refused(visitor):
    [result] = load_uploads(
        visitor, [("acme__shop__releases.json", releases_json(10))], "UTC", limits=Limits(parse_seconds=0.05)
    )
    assert result.status == "refused"
    assert result.message == (
        "acme__shop__releases.json: reading it took longer than the limit of 0.05 s for one file "
        "(THREADLINE_PARSE_SECONDS); nothing from it was loaded."
    )
    assert teams(visitor) == ["Checkout"]


def test_a_100000_column_csv_upload_is_parsed_in_the_child(visitor):
    width = 100_000
    header = ["Issue key", "Summary", "Created"] + [f"Custom field (f{i})" for i in range(width - 3)]
    row = ",".join(["A-1", "x", "01/Jul/24 9:00 AM"] + ["value"] * (width - 3))
    [result] = load_uploads(visitor, [("wide.csv", f"{','.join(header)}\n{row}\n".encode())], "UTC")
    assert (result.status, result.kind, result.rows_loaded) == ("loaded", "jira_csv", 1)
    assert teams(visitor) == ["Checkout"]


def test_the_child_refuses_as_the_importers_do(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    with pytest.raises(FileRefused) as in_process:
        parse_file(path)
    with pytest.raises(FileRefused) as in_child:
        parse_in_child(path, limits=Limits())
    assert str(in_child.value) == str(in_process.value)


def test_limits_are_read_from_the_environment():
    environ = {
        "THREADLINE_VISITOR_MEMORY_MB": "2048",
        "THREADLINE_UPLOAD_MAX_MB": "50",
        "THREADLINE_PARSE_SECONDS": "not a number",
    }
    limits = Limits.from_environment(environ)
    assert (limits.memory_mb, limits.upload_mb, limits.parse_seconds) == (2048, 50, 30)
    assert limits.workspace_bytes == 1024 * 2**20
    assert Limits.from_environment({"THREADLINE_UPLOAD_MAX_MB": "-1"}).upload_mb == 200


def test_the_limits_are_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for variable in (MEMORY_VARIABLE, UPLOAD_VARIABLE, SECONDS_VARIABLE):
        assert f"`{variable}`" in readme, variable
