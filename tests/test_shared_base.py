"""The hosted app's shared base: the configured data parsed once into a DuckDB file, reused while
nothing changed, built once between processes, opened read-only, and copied for a visitor's own
changes without touching it."""

from __future__ import annotations

import multiprocessing
import os
import shutil

import duckdb
import pytest

from analysis.importers import ImportOptions
from analysis.report import build_report
from analysis.settings import Settings
from analysis.store import Store, derived_key, derived_state
from analysis.workspace import DEFAULT_DATA_DIR, build_shared_base, open_shared_base


@pytest.fixture
def demo_copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return folder


def test_the_base_is_built_once_and_rebuilt_when_a_file_changes(demo_copy, tmp_path):
    cache = tmp_path / "cache"
    first = build_shared_base(demo_copy, cache)
    built_at = first.stat().st_mtime_ns
    assert build_shared_base(demo_copy, cache) == first and first.stat().st_mtime_ns == built_at
    teams = demo_copy / "teams.csv"
    teams.write_text(teams.read_text(encoding="utf-8") + "Newcomers,,triad,Someone\n", encoding="utf-8")
    second = build_shared_base(demo_copy, cache)
    assert second != first
    store = Store(second, read_only=True)
    assert ("Newcomers",) in store.con.execute("select team from teams").fetchall()
    store.close()
    assert not list(cache.glob("*.partial"))


def test_the_base_reports_like_a_store_loaded_from_the_folder(demo_copy, tmp_path):
    loaded = Store()
    loaded.load_paths([demo_copy])
    shared = open_shared_base(demo_copy, tmp_path / "cache")
    assert derived_state(shared.con) == derived_key(Settings())
    assert build_report(shared.view().con, Settings()) == build_report(loaded.con, Settings())
    with pytest.raises(duckdb.Error, match="read-only"):
        shared.con.execute("delete from teams")


def test_a_visitors_copy_takes_changes_and_the_base_keeps_none(demo_copy, tmp_path):
    shared = open_shared_base(demo_copy, tmp_path / "cache")
    teams = shared.con.execute("select count(*) from teams").fetchall()
    own = Store(copy_from=shared.path)
    own.load_bytes("teams.csv", b"team,reorg_date\nSolo,2025-01-01\n")
    own.prepare(Settings(timezone="Asia/Tokyo"))
    assert own.con.execute("select team from teams").fetchall() == [("Solo",)]
    # Sequences carry over: the copy's next load_id follows the base's.
    assert own.con.execute("select count(*), count(distinct load_id) from load_log").fetchall()[0] == (18, 18)
    assert shared.con.execute("select count(*) from teams").fetchall() == teams
    assert derived_state(shared.con) == derived_key(Settings())


def test_a_prebuilt_database_serves_as_it_is_or_through_a_prepared_copy(tmp_path):
    prepared = tmp_path / "utc.duckdb"
    Store(prepared).load_paths([DEFAULT_DATA_DIR])
    assert build_shared_base(prepared, tmp_path / "cache") == prepared
    other_zone = tmp_path / "berlin.duckdb"
    store = Store(other_zone)
    store.load_paths([DEFAULT_DATA_DIR], ImportOptions(timezone="Europe/Berlin"))
    store.close()
    base = build_shared_base(other_zone, tmp_path / "cache")
    assert base.parent == tmp_path / "cache"
    opened = Store(base, read_only=True)
    assert derived_state(opened.con) == derived_key(Settings())
    opened.close()


def _build(args):
    source, cache = args
    return str(build_shared_base(source, cache))


def test_two_processes_building_at_once_get_the_same_complete_base(demo_copy, tmp_path):
    """Replicas starting together: one builds under the lock, the other waits and reuses it; a
    half-written file is never visible (write, then rename) and none is left behind."""
    cache = tmp_path / "cache"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        paths = pool.map(_build, [(demo_copy, cache)] * 2)
    assert paths[0] == paths[1]
    store = Store(paths[0], read_only=True)
    assert store.con.execute("select count(*) from teams").fetchall() == [(6,)]
    store.close()
    assert [path.name for path in cache.iterdir() if path.name != "build.lock"] == [os.path.basename(paths[0])]


def test_a_prebuilt_database_from_before_the_move_to_done_columns_is_brought_up_to_date(tmp_path):
    # What `python -m analysis ingest` wrote before work_items.delivered_by_move_to_done and
    # work_item_teams.moved_to_done existed: served read-only as it is, a report would fail.
    old = tmp_path / "old.duckdb"
    store = Store(old)
    store.load_paths([DEFAULT_DATA_DIR])
    store.prepare(Settings())
    store.con.execute("alter table work_items drop column delivered_by_move_to_done")
    store.con.execute("alter table work_item_teams drop column moved_to_done")
    store.close()
    opened = Store(old, read_only=True)
    assert not opened.is_current()
    opened.close()
    base = build_shared_base(old, tmp_path / "cache")
    assert base.parent == tmp_path / "cache"
    copy = Store(base, read_only=True)
    try:
        assert copy.is_current()
        assert build_report(copy.con, Settings())["teams"]
    finally:
        copy.close()
