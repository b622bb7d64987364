"""The DuckDB store: idempotent loads, newer exports update, failed loads roll back, refused
files explain themselves, rejected rows are kept."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from conftest import FIXTURES, TEAMS_CSV, item, rows, utc

from analysis.importers import git_tags
from analysis.importers.base import ParseResult
from analysis.store import Store

JIRA_HEADER = (
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Created,Updated,Resolved,"
    "Due date,Assignee,Component/s,Custom field (Team),Inward issue link (Blocks),"
    "Inward issue link (Blocks)"
)


def jira_csv(*lines: str) -> str:
    """A minimal English Jira Cloud CSV export (dates as Jira writes them, no zone)."""
    return "\n".join((JIRA_HEADER, *lines)) + "\n"


EXPORT_JUNE_5 = jira_csv(
    "Cart fix,CHK-1,10001,Story,In Progress,CHK,01/Jun/24 9:00 AM,05/Jun/24 4:37 PM,,20/Jun/24,Ana,cart,,PAY-2,PAY-3",
    "Pay thing,PAY-2,10002,Story,To Do,PAY,02/Jun/24 10:00 AM,03/Jun/24 10:00 AM,,,Ben,,Team Orange,,",
)
EXPORT_JUNE_10 = jira_csv(  # CHK-1 moved on: done, due date moved, one blocker left
    "Cart fix,CHK-1,10001,Story,Done,CHK,01/Jun/24 9:00 AM,10/Jun/24 11:00 AM,10/Jun/24 11:00 AM,25/Jun/24,Ana,cart,,PAY-3,",
)
EXPORT_JUNE_2 = jira_csv(  # an older snapshot of CHK-1, loaded last by mistake
    "Cart fix,CHK-1,10001,Story,To Do,CHK,01/Jun/24 9:00 AM,02/Jun/24 8:00 AM,,,Ana,cart,,PAY-9,",
)


def item_state(store, key="CHK-1"):
    return rows(store, "select status, updated_at, due_date, source_file from work_items where item_key = ?", [key])


# ---- idempotency ------------------------------------------------------------------------------


def test_the_same_file_twice_adds_nothing(store, write_file):
    path = write_file("jira.csv", EXPORT_JUNE_5)
    first = store.load_file(path)
    assert (first.kind, first.status, first.rows_read, first.rows_loaded) == ("jira_csv", "loaded", 2, 2)
    before = rows(store, "select * from work_items order by item_key"), rows(store, "select * from links order by all")

    second = store.load_file(path)
    assert (second.status, second.rows_loaded, second.usable) == ("unchanged", 0, True)
    assert "identical" in second.message
    assert (
        rows(store, "select * from work_items order by item_key"),
        rows(store, "select * from links order by all"),
    ) == before
    assert rows(store, "select file_name, kind, status, rows_read, rows_loaded, rows_rejected from load_log") == [
        ("jira.csv", "jira_csv", "loaded", 2, 2, 0)
    ]


def test_identical_bytes_under_another_name_are_unchanged(store, write_file):
    store.load_file(write_file("jira.csv", EXPORT_JUNE_5))
    assert store.load_file(write_file("copy of jira.csv", EXPORT_JUNE_5)).status == "unchanged"
    assert rows(store, "select count(*) from load_log") == [(1,)]


def test_loading_a_folder_twice_keeps_every_count(store):
    folder = FIXTURES / "org"
    store.load_paths([folder])
    counts = rows(
        store,
        "select (select count(*) from teams), (select count(*) from members), "
        "(select count(*) from ownership), (select count(*) from load_log)",
    )
    outcomes = store.load_paths([folder])
    assert {o.status for o in outcomes} == {"unchanged"}
    assert (
        rows(
            store,
            "select (select count(*) from teams), (select count(*) from members), "
            "(select count(*) from ownership), (select count(*) from load_log)",
        )
        == counts
        == [(3, 4, 8, 3)]
    )


def test_idempotency_survives_reopening_the_database_file(tmp_path, write_file):
    path, db = write_file("jira.csv", EXPORT_JUNE_5), tmp_path / "threadline.duckdb"
    first = Store(db)
    first.load_paths([path])
    first.close()
    again = Store(db)
    try:
        assert again.load_paths([path])[0].status == "unchanged"
        assert rows(again, "select count(*) from work_items") == [(2,)]
        assert rows(again, "select count(*) from work_item_teams") == [(2,)]
    finally:
        again.close()


# ---- newer and older exports of the same items ------------------------------------------------


def test_a_newer_export_updates_and_an_older_one_does_not(store, write_file):
    store.load_file(write_file("june5.csv", EXPORT_JUNE_5))
    assert item_state(store) == [("In Progress", utc(2024, 6, 5, 16, 37), dt.date(2024, 6, 20), "june5.csv")]

    store.load_file(write_file("june10.csv", EXPORT_JUNE_10))
    newer = [("Done", utc(2024, 6, 10, 11), dt.date(2024, 6, 25), "june10.csv")]
    assert item_state(store) == newer

    store.load_file(write_file("june2.csv", EXPORT_JUNE_2))
    assert item_state(store) == newer
    # PAY-2 was only in the first export and stays as it was.
    assert item_state(store, "PAY-2") == [("To Do", utc(2024, 6, 3, 10), None, "june5.csv")]
    assert rows(store, "select count(*) from work_items") == [(2,)]


def test_links_of_an_updated_item_are_replaced_not_duplicated(store, write_file):
    store.load_file(write_file("june5.csv", EXPORT_JUNE_5))
    assert rows(store, "select linked_key from links where item_key = 'CHK-1' order by 1") == [("PAY-2",), ("PAY-3",)]
    store.load_file(write_file("june10.csv", EXPORT_JUNE_10))
    assert rows(store, "select item_key, link_type, direction, linked_key, source_file from links") == [
        ("CHK-1", "Blocks", "inward", "PAY-3", "june10.csv")
    ]
    # The older snapshot's link (PAY-9) does not come back with it.
    store.load_file(write_file("june2.csv", EXPORT_JUNE_2))
    assert rows(store, "select linked_key from links") == [("PAY-3",)]


def test_changelog_facts_survive_a_later_update_without_changelog(store, canonical_file, write_file):
    # First from a changelog (as the Jira REST importer gives it): the due date was set to
    # 15 June, then moved twice.
    store.load_file(
        canonical_file(
            "search_with_changelog.json",
            {
                "work_items": [
                    item(
                        "CHK-1",
                        "2024-06-01",
                        None,
                        updated_at="2024-06-04T00:00:00+00:00",
                        due_date="2024-06-20",
                        first_due_date="2024-06-15",
                        due_date_changes=2,
                        has_changelog=True,
                    )
                ]
            },
        )
    )
    # Then a newer CSV export, which has no changelog.
    store.load_file(write_file("june10.csv", EXPORT_JUNE_10))
    assert rows(store, "select status, due_date, first_due_date, due_date_changes, has_changelog from work_items") == [
        ("Done", dt.date(2024, 6, 25), dt.date(2024, 6, 15), 2, True)
    ]


def test_an_item_without_updated_at_is_always_replaced(store, canonical_file):
    # Without an update time there is no way to tell which copy is newer: the last load wins.
    store.load_file(
        canonical_file(
            "a.json", {"work_items": [item("X-1", "2024-01-01", status="Open", updated_at="2024-02-01T00:00:00Z")]}
        )
    )
    store.load_file(canonical_file("b.json", {"work_items": [item("X-1", "2024-01-01", status="Closed")]}))
    assert rows(store, "select status from work_items") == [("Closed",)]


def test_columns_an_importer_leaves_out_get_the_schema_default(store, canonical_file):
    # releases.is_draft/is_prerelease default false and is_released true (queries/schema.sql);
    # other missing columns are null.
    outcome = store.load_file(
        canonical_file(
            "versions.json",
            {
                "releases": [
                    {
                        "release_id": "jira:PAY:1.0",
                        "source": "jira_version",
                        "project_key": "PAY",
                        "release_date": "2024-05-01",
                    }
                ]
            },
        )
    )
    assert outcome.status == "loaded", outcome.message
    assert rows(store, "select is_draft, is_prerelease, is_released, repo, release_date from releases") == [
        (False, False, True, None, dt.date(2024, 5, 1))
    ]


def test_duplicate_keys_in_one_file_keep_one_row(store, canonical_file):
    outcome = store.load_file(
        canonical_file("dupes.json", {"work_items": [item("X-1", "2024-01-01"), item("X-1", "2024-01-01")]})
    )
    assert outcome.status == "loaded"
    assert rows(store, "select count(*) from work_items") == [(1,)]


def test_a_list_column_empty_in_the_rows_duckdb_samples_still_loads(store, canonical_file):
    # DuckDB guesses an object column's type from a sample of rows; 2,999 items without fix
    # versions before one with them made the column NULL[] and refused the whole file.
    items = [item(f"X-{n}", "2024-01-01", fix_versions=[]) for n in range(2999)]
    items.append(item("X-2999", "2024-01-01", fix_versions=["2.0"]))
    outcome = store.load_file(canonical_file("many.json", {"work_items": items}))
    assert outcome.status == "loaded", outcome.message
    assert rows(store, "select fix_versions from work_items where item_key = 'X-2999'") == [(["2.0"],)]
    assert rows(store, "select count(*) from work_items") == [(3000,)]


def test_changelog_entries_are_written_once(store, canonical_file):
    change = {
        "item_key": "X-1",
        "change_id": "100:0",
        "changed_at": "2024-01-02T10:00:00+01:00",
        "from_status": "Open",
        "to_status": "In Progress",
    }
    items = [item("X-1", "2024-01-01")]
    store.load_file(canonical_file("a.json", {"work_items": items, "status_changes": [change]}))
    store.load_file(canonical_file("b.json", {"work_items": items, "status_changes": [change | {"to_status": "Done"}]}))
    # 10:00 +01:00 is 09:00 UTC (hand calculation).
    assert rows(store, "select changed_at, to_status, source_file from status_changes") == [
        (utc(2024, 1, 2, 9), "In Progress", "a.json")
    ]


def test_links_without_their_items_do_not_touch_links_of_an_earlier_load(store, canonical_file):
    store.load_file(
        canonical_file(
            "a.json",
            {
                "work_items": [item("X-1", "2024-01-01")],
                "links": [{"item_key": "X-1", "link_type": "Blocks", "direction": "inward", "linked_key": "Y-1"}],
            },
        )
    )
    # A file with links but no work items updates no item, so it replaces no links.
    outcome = store.load_file(
        canonical_file(
            "b.json",
            {"links": [{"item_key": "X-1", "link_type": "Blocks", "direction": "inward", "linked_key": "Z-9"}]},
        )
    )
    assert outcome.status == "loaded"
    assert rows(store, "select linked_key, source_file from links") == [("Y-1", "a.json")]


# ---- organisation files -----------------------------------------------------------------------


def test_an_organisation_file_replaces_its_table(store, write_file):
    store.load_file(write_file("teams.csv", TEAMS_CSV))
    store.load_file(FIXTURES / "org" / "members.csv")
    store.load_file(write_file("teams-2025.csv", "team,reorg_date\nCheckout,2025-01-01\n"))
    assert rows(store, "select team, reorg_date, model, source_file from teams") == [
        ("Checkout", dt.date(2025, 1, 1), None, "teams-2025.csv")
    ]
    # Other organisation tables are untouched.
    assert rows(store, "select count(*) from members") == [(4,)]


def test_an_organisation_file_whose_every_row_is_bad_keeps_the_old_table(store, write_file):
    store.load_file(write_file("teams.csv", TEAMS_CSV))
    outcome = store.load_file(write_file("teams-broken.csv", "team,reorg_date\nCheckout,July\nPayments,June\n"))
    assert (outcome.status, outcome.rows_loaded, len(outcome.rejects)) == ("refused", 0, 2)
    assert rows(store, "select count(*) from teams") == [(3,)]
    assert rows(store, "select row_number, field from rejected_rows order by 1") == [
        (1, "reorg_date"),
        (2, "reorg_date"),
    ]


# ---- failed loads roll back -------------------------------------------------------------------


def test_a_load_that_fails_part_way_is_rolled_back(store, write_file, monkeypatch):
    store.load_file(write_file("june5.csv", EXPORT_JUNE_5))
    store.load_file(FIXTURES / "git_tags" / "acme__shop__tags.csv")
    store.refresh_attribution()
    snapshot = {
        table: rows(store, f"select * from {table} order by all")
        for table in ("work_items", "links", "releases", "work_item_teams", "release_teams")
    }

    def broken_parse(path, kind, options):
        # Valid work items and links (a newer CHK-1, so they would replace rows), then a
        # release whose time cannot be cast: the store fails after merging the first tables.
        return ParseResult(
            kind=kind,
            rows_read=3,
            tables={
                "work_items": pd.DataFrame(
                    [
                        item("CHK-1", "2024-06-01", "2024-06-30", status="Done", updated_at="2024-07-01T00:00:00Z"),
                        item("NEW-1", "2024-06-01"),
                    ]
                ),
                "links": pd.DataFrame(
                    [{"item_key": "CHK-1", "link_type": "Blocks", "direction": "inward", "linked_key": "NEW-1"}]
                ),
                "releases": pd.DataFrame(
                    [
                        {
                            "release_id": "tag:acme/shop:v9",
                            "source": "git_tag",
                            "repo": "acme/shop",
                            "released_at": "not a time",
                        }
                    ]
                ),
            },
        )

    monkeypatch.setattr(git_tags, "parse", broken_parse)
    path = write_file("acme__web__tags.csv", "tag,date\nv9,2024-07-01T00:00:00Z\n")
    outcome = store.load_file(path)
    assert (outcome.status, outcome.rows_loaded, outcome.usable) == ("failed", 0, False)
    assert outcome.message.startswith("acme__web__tags.csv: nothing loaded")
    assert "not a time" in outcome.message
    for table, before in snapshot.items():
        assert rows(store, f"select * from {table} order by all") == before, table
    assert rows(store, "select file_name, status, rows_loaded from load_log order by load_id") == [
        ("june5.csv", "loaded", 2),
        ("acme__shop__tags.csv", "loaded", 6),
        ("acme__web__tags.csv", "failed", 0),
    ]

    # A failed file is not "already loaded": once the importer is fixed the same file loads.
    # Its failure gives way to what it gives now.
    monkeypatch.undo()
    assert store.load_file(path).status == "loaded"
    assert rows(store, "select count(*) from releases where repo = 'acme/web'") == [(1,)]
    assert rows(store, "select file_name, status from load_log order by load_id") == [
        ("june5.csv", "loaded"),
        ("acme__shop__tags.csv", "loaded"),
        ("acme__web__tags.csv", "loaded"),
    ]


def test_a_python_error_between_tables_rolls_back_too(store, write_file, monkeypatch):
    # Not a DuckDB error (which aborts the transaction by itself): the store must roll back.
    store.load_file(write_file("june5.csv", EXPORT_JUNE_5))
    before = rows(store, "select * from work_items order by item_key"), rows(store, "select * from links order by all")
    merge = Store._merge

    def merge_then_fail(self, table, frame, source_file, **where_from):
        if table == "links":
            raise MemoryError("out of memory while merging links")
        merge(self, table, frame, source_file, **where_from)

    monkeypatch.setattr(Store, "_merge", merge_then_fail)
    outcome = store.load_file(write_file("june10.csv", EXPORT_JUNE_10))
    assert outcome.status == "failed" and "out of memory while merging links" in outcome.message
    assert (
        rows(store, "select * from work_items order by item_key"),
        rows(store, "select * from links order by all"),
    ) == before


def test_work_items_with_an_uncastable_time_fail_and_keep_earlier_items(store, write_file, monkeypatch):
    store.load_file(write_file("june5.csv", EXPORT_JUNE_5))
    before = rows(store, "select * from work_items order by item_key")
    monkeypatch.setattr(
        git_tags,
        "parse",
        lambda path, kind, options: ParseResult(
            kind=kind,
            rows_read=1,
            tables={"work_items": pd.DataFrame([item("CHK-1", "2024-06-01", created_at="not a time")])},
        ),
    )
    outcome = store.load_file(write_file("acme__shop__tags.csv", "tag,date\nv1,2024-01-01T00:00:00Z\n"))
    assert outcome.status == "failed" and "acme__shop__tags.csv" in outcome.message
    assert rows(store, "select * from work_items order by item_key") == before


def test_an_importer_crash_is_reported_not_raised(store, write_file, monkeypatch):
    def crash(path, kind, options):
        raise KeyError("tagger_date")

    monkeypatch.setattr(git_tags, "parse", crash)
    outcome = store.load_file(write_file("acme__shop__tags.csv", "tag,date\nv1,2024-01-01T00:00:00Z\n"))
    assert outcome.status == "failed"
    assert outcome.message.startswith("acme__shop__tags.csv: could not be read (KeyError")


# ---- refused files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"  \r\n\n", "empty"),
        ("photo.csv", bytes(range(256)) * 4, "binary"),
        ("random.bin", random.Random(406).randbytes(2048) + b"\x00", "binary"),  # the same bytes in every process
        ("cities.csv", b"city,population,country\nOslo,709000,Norway\n", "unrecognised content"),
        ("config.json", b'{"theme": "dark", "size": 3}', "expected"),
    ],
)
def test_a_refused_file_says_which_file_and_what_was_expected(store, write_file, name, content, expected):
    outcome = store.load_file(write_file(name, content))
    assert outcome.status == "refused", outcome
    assert not outcome.usable
    assert outcome.message.startswith(f"{name}:")
    assert expected in outcome.message
    if expected != "empty":  # "the file is empty" needs no list of what would have been accepted
        assert "expected" in outcome.message
    assert rows(store, "select file_name, status, message from load_log") == [(name, "refused", outcome.message)]
    assert rows(store, "select count(*) from work_items") == [(0,)]


def test_a_refused_file_tried_again_is_logged_once(store, write_file):
    bad_rows = write_file("teams.csv", "team,reorg_date\nCheckout,July\n")
    store.load_paths([write_file("cities.csv", "city,country\nOslo,Norway\n"), bad_rows])
    log = rows(store, "select file_name, status from load_log order by all")
    assert log == [("cities.csv", "refused"), ("teams.csv", "refused")]
    store.load_paths([write_file("cities.csv", "city,country\nOslo,Norway\n"), bad_rows])
    assert rows(store, "select file_name, status from load_log order by all") == log
    assert rows(store, "select file_name, row_number from rejected_rows") == [("teams.csv", 1)]


def test_a_refused_file_among_good_ones_does_not_stop_them(store, write_file):
    write_file("in/a_cities.csv", "city,country\nOslo,Norway\n")
    write_file("in/b_teams.csv", TEAMS_CSV)
    outcomes = store.load_paths([write_file("in/c_jira.csv", EXPORT_JUNE_5).parent])
    assert [(o.file_name, o.status) for o in outcomes] == [
        ("a_cities.csv", "refused"),
        ("b_teams.csv", "loaded"),
        ("c_jira.csv", "loaded"),
    ]


def test_folders_skip_readme_provenance_and_hidden_files(store, write_file):
    write_file("in/README.md", "# notes")
    write_file("in/PROVENANCE.md", "# where from")
    write_file("in/.DS_Store", b"\x00\x01")
    write_file("in/sub/teams.csv", TEAMS_CSV)
    outcomes = store.load_paths([write_file("in/members.csv", "person,team\nAna,Checkout\n").parent])
    assert [o.file_name for o in outcomes] == ["members.csv", "teams.csv"]


# ---- uploads ----------------------------------------------------------------------------------


def test_load_bytes_for_uploads(store):
    outcome = store.load_bytes("jira export.csv", EXPORT_JUNE_5.encode())
    assert (outcome.file_name, outcome.kind, outcome.status, outcome.rows_loaded) == (
        "jira export.csv",
        "jira_csv",
        "loaded",
        2,
    )
    assert rows(store, "select distinct source_file from work_items") == [("jira export.csv",)]
    # Attribution is refreshed after an upload.
    assert rows(store, "select count(*) from work_item_teams") == [(2,)]
    assert store.load_bytes("again.csv", EXPORT_JUNE_5.encode()).status == "unchanged"


def test_load_bytes_keeps_only_the_base_name_of_a_path_like_upload(store):
    # A browser may send a path; it must not be written outside the temporary folder.
    outcome = store.load_bytes("../../etc/teams.csv", TEAMS_CSV.encode())
    assert outcome.status == "loaded"
    assert rows(store, "select count(*) from teams") == [(3,)]


def test_load_bytes_refuses_garbage_without_raising(store):
    outcome = store.load_bytes("upload.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert outcome.status == "refused" and outcome.message.startswith("upload.csv:")


# ---- rejected rows ----------------------------------------------------------------------------


def test_rejected_rows_are_recorded_with_file_row_and_reason(store, write_file):
    outcome = store.load_file(
        write_file(
            "ownership.csv",
            "kind,value,team,start_date,end_date\n"
            "jira_project,CHK,Checkout,,\n"
            "jira_board,7,Checkout,,\n"
            "jira_project,PAY,Payments,2024-07-01,2024-01-01\n",
        )
    )
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded) == ("partial", 3, 1)
    assert rows(
        store,
        "select l.file_name, l.status, r.file_name, r.row_number, r.field from rejected_rows r "
        "join load_log l using (load_id) order by r.row_number",
    ) == [
        ("ownership.csv", "partial", "ownership.csv", 2, "kind"),
        ("ownership.csv", "partial", "ownership.csv", 3, "end_date"),
    ]
    reasons = [r for (r,) in rows(store, "select reason from rejected_rows order by row_number")]
    assert "jira_board" in reasons[0] and "jira_project" in reasons[0]
    assert "before start_date" in reasons[1]
    assert rows(store, "select rows_rejected from load_log") == [(2,)]


def test_whole_file_rejects_have_no_row_number(store, canonical_file):
    outcome = store.load_file(
        canonical_file(
            "x.json",
            {"work_items": [item("X-1", "2024-01-01")]},
            rejects=[{"row": None, "reason": "no changelog"}, {"row": 4, "reason": "bad", "field": "created"}],
            rows_read=2,
        )
    )
    # Row 4 is rejected, the whole-file note rejects no row: 2 read, 1 loaded.
    assert (outcome.status, outcome.rows_loaded) == ("partial", 1)
    assert rows(store, "select row_number, field, reason from rejected_rows order by row_number nulls first") == [
        (None, None, "no changelog"),
        (4, "created", "bad"),
    ]


def test_an_older_database_file_gets_its_derived_attribution_table_rebuilt(tmp_path):
    """work_item_teams is derived data; a file from before it carried item facts is rebuilt."""
    from analysis.store import WORK_ITEM_TEAMS_COLUMNS

    path = tmp_path / "old.duckdb"
    store = Store(path)
    assert [
        c
        for (c,) in store.con.execute(
            "select column_name from information_schema.columns where table_name = 'work_item_teams' "
            "order by ordinal_position"
        ).fetchall()
    ] == WORK_ITEM_TEAMS_COLUMNS
    store.con.execute("drop table work_item_teams")
    store.con.execute(
        "create table work_item_teams (item_key varchar primary key, team varchar, attributed_by varchar)"
    )
    store.con.execute("insert into attribution_state values ('UTC')")
    store.close()
    reopened = Store(path)
    assert rows(reopened, "select count(*) from attribution_state") == [(0,)]
    assert len(reopened.con.sql("select * from work_item_teams").columns) == len(WORK_ITEM_TEAMS_COLUMNS)
