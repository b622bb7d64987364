"""The Data page's logic without Streamlit: organisation edits, settings, uploads, the workspace file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import zipfile

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_ROOT, SAMPLES, rows

from analysis.quality import quality_report
from analysis.report import build_report
from analysis.settings import Settings
from analysis.spreadsheet import text_cells
from analysis.store import Store
from analysis.views.common import csv_download, markdown_literal
from analysis.views.data import (
    EDITED_SOURCE,
    apply_org,
    check_org,
    edit_settings,
    load_uploads,
    org_tables,
    quality_numbers,
    rejects_csv,
    settings_choices,
)
from analysis.workspace_file import (
    DERIVED_TABLES,
    WORKSPACE_TABLES,
    WorkspaceFileError,
    export_workspace,
    is_workspace_file,
    restore_workspace,
)

DEMO = PROJECT_ROOT / "data" / "demo"


def demo_store() -> Store:
    store = Store()
    store.load_paths([DEMO])
    return store


@pytest.fixture(scope="module")
def demo_workspace() -> bytes:
    store = demo_store()
    data = export_workspace(store.con, Settings())
    store.close()
    return data


@pytest.fixture
def demo(demo_workspace):
    """The demo organisation, restored from its workspace file (ten times faster than loading
    the exports; test_workspace_round_trip_gives_the_same_report shows the two are equal)."""
    store = Store()
    restore_workspace(store, demo_workspace)
    yield store
    store.close()


def snapshot(store: Store) -> dict:
    """Everything a restore or an edit could change."""
    # In key order: a refresh may rebuild a derived table with its rows in another order.
    return {
        table: store.con.sql(f"select * from {table} order by all").df()
        for table in (*WORKSPACE_TABLES, *DERIVED_TABLES)
    }


def assert_same(before: dict, after: dict) -> None:
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[table], obj=table)


# ---- organisation validation: one row per rule ----------------------------------------------


def valid_frames() -> dict[str, pd.DataFrame]:
    return {
        "teams": pd.DataFrame(
            {
                "team": ["Checkout", "Billing", "Search"],
                "reorg_date": [dt.date(2025, 10, 1), None, dt.date(2025, 11, 1)],
                "model": ["sto", "triad", "sto"],
                "leader": ["Ana", "Omar", "Fay"],
            }
        ),
        "members": pd.DataFrame(
            {
                "person": ["Ana", "Ben"],
                "team": ["Checkout", "Billing"],
                "start_date": [dt.date(2025, 10, 1), None],
                "end_date": [None, dt.date(2025, 9, 30)],
            }
        ),
        "ownership": pd.DataFrame(
            {
                "kind": ["jira_project", "github_repo"],
                "value": ["CHK", "acme/billing"],
                "team": ["Checkout", "Billing"],
                "start_date": [None, dt.date(2024, 1, 1)],
                "end_date": [None, None],
            }
        ),
    }


RULES = [
    # (rule, table, row, column, new value, expected (table, row, field), words in the message)
    ("team name not empty", "teams", 2, "team", "  ", ("teams", 3, "team"), "is empty"),
    ("team name unique", "teams", 2, "team", "Checkout", ("teams", 3, "team"), "listed twice"),
    ("reorg date is a date", "teams", 0, "reorg_date", "2025-13-01", ("teams", 1, "reorg_date"), "expected a date"),
    ("roster person not empty", "members", 1, "person", None, ("members", 2, "person"), "is empty"),
    ("roster team not empty", "members", 0, "team", "", ("members", 1, "team"), "is empty"),
    ("roster team known", "members", 0, "team", "Chekout", ("members", 1, "team"), "not a team"),
    (
        "roster start date is a date",
        "members",
        1,
        "start_date",
        "next week",
        ("members", 2, "start_date"),
        "expected a date",
    ),
    (
        "roster start <= end",
        "members",
        1,
        "start_date",
        dt.date(2025, 10, 1),
        ("members", 2, "end_date"),
        "before start_date",
    ),
    ("ownership kind allowed", "ownership", 0, "kind", "jira_board", ("ownership", 1, "kind"), "is not one of"),
    ("ownership value not empty", "ownership", 1, "value", None, ("ownership", 2, "value"), "is empty"),
    ("ownership team known", "ownership", 1, "team", "Payments", ("ownership", 2, "team"), "not a team"),
    (
        "ownership end date is a date",
        "ownership",
        0,
        "end_date",
        "31/12/2025",
        ("ownership", 1, "end_date"),
        "expected a date",
    ),
    (
        "ownership start <= end",
        "ownership",
        1,
        "end_date",
        dt.date(2023, 12, 31),
        ("ownership", 2, "end_date"),
        "before start_date",
    ),
]


def test_valid_tables_have_no_problems():
    clean, problems = check_org(valid_frames())
    assert problems == []
    assert [r["team"] for r in clean["teams"]] == ["Checkout", "Billing", "Search"]


@pytest.mark.parametrize("rule, table, row, column, value, where, words", RULES, ids=[r[0] for r in RULES])
def test_each_rule_names_table_row_and_field(rule, table, row, column, value, where, words):
    frames = valid_frames()
    frames[table][column] = frames[table][column].astype(object)
    frames[table].at[row, column] = value
    _, problems = check_org(frames)
    assert [(p.table, p.row, p.field) for p in problems] == [where], problems
    assert words in problems[0].message
    assert str(problems[0]).startswith(f"{where[0]}, row {where[1]}, {where[2]}: ")


def test_an_added_row_left_empty_is_ignored_and_text_is_trimmed():
    frames = valid_frames()
    frames["teams"].loc[len(frames["teams"])] = [None, None, None, None]
    frames["members"].loc[0, "team"] = " Checkout "
    clean, problems = check_org(frames)
    assert problems == []
    assert len(clean["teams"]) == 3 and clean["members"][0]["team"] == "Checkout"


def test_dates_from_the_editor_as_timestamps_or_text_are_accepted():
    frames = valid_frames()
    frames["teams"]["reorg_date"] = [pd.Timestamp("2025-10-01"), pd.NaT, pd.NaT]
    frames["members"]["start_date"] = ["2025-10-01", ""]
    clean, problems = check_org(frames)
    assert problems == []
    assert clean["teams"][0]["reorg_date"] == dt.date(2025, 10, 1)
    assert clean["members"][0]["start_date"] == dt.date(2025, 10, 1)


# ---- organisation writing -------------------------------------------------------------------


def test_org_edit_is_written_and_attribution_refreshed(demo):
    frames = org_tables(demo.con)
    teams = frames["teams"]
    teams.loc[teams["team"] == "Checkout", "reorg_date"] = dt.date(2025, 11, 3)
    ownership = frames["ownership"]
    ownership.loc[(ownership["kind"] == "jira_project") & (ownership["value"] == "CHK"), "team"] = "Billing"
    settings = Settings()
    report_before = build_report(demo.con, settings)
    version = demo.version

    assert apply_org(demo, frames, "UTC") == []

    assert demo.version == version + 1
    assert rows(demo, "select reorg_date from teams where team = 'Checkout'") == [(dt.date(2025, 11, 3),)]
    assert rows(demo, "select distinct source_file from teams") == [(EDITED_SOURCE,)]
    # Items of project CHK attributed by project now belong to Billing.
    by_project = rows(
        demo,
        """select distinct t.team from work_item_teams t join work_items w using (item_key)
                               where w.project_key = 'CHK' and t.attributed_by = 'project'""",
    )
    assert by_project == [("Billing",)]
    report_after = build_report(demo.con, settings)
    checkout = next(t for t in report_after["teams"] if t["team"] == "Checkout")
    assert checkout["reorg_date"] == "2025-11-03"
    assert report_after != report_before


def test_a_failed_validation_writes_nothing(demo):
    frames = org_tables(demo.con)
    frames["teams"].loc[0, "reorg_date"] = dt.date(2026, 1, 1)  # a valid edit...
    frames["members"].loc[0, "team"] = "Nowhere"  # ...and an invalid one
    before, version = snapshot(demo), demo.version
    problems = apply_org(demo, frames, "UTC")
    assert [(p.table, p.row, p.field) for p in problems] == [("members", 1, "team")]
    assert demo.version == version
    assert_same(before, snapshot(demo))


def test_the_editors_show_the_stored_organisation(demo):
    frames = org_tables(demo.con)
    assert list(frames["teams"].columns) == ["team", "reorg_date", "model", "leader"]
    assert frames["teams"]["team"].tolist() == ["Assist", "Checkout", "Onboarding", "Billing", "Catalog", "Search"]
    assert frames["teams"]["reorg_date"].tolist()[-1] is None
    assert len(frames["members"]) == rows(demo, "select count(*) from members")[0][0]
    # Applying the tables unchanged is a no-op for the organisation.
    before = {
        t: demo.con.sql(f"select * exclude (source_file) from {t} order by all").df()
        for t in ("teams", "members", "ownership")
    }
    assert apply_org(demo, frames, "UTC") == []
    for table, frame in before.items():
        pd.testing.assert_frame_equal(
            frame, demo.con.sql(f"select * exclude (source_file) from {table} order by all").df()
        )


# ---- settings -------------------------------------------------------------------------------

SETTING_CASES = [
    # (case, changes, words in the one problem, or None when valid)
    ("valid", {}, None),
    ("no blocking link type", {"blocking_link_types": []}, "Blocking link types"),
    ("pattern not a regex", {"release_tag_pattern": "v[0-9"}, "not a valid regular expression"),
    ("pattern Python accepts but RE2 does not", {"release_tag_pattern": r"v\d+(?!-rc)"}, "DuckDB"),
    ("empty pattern", {"release_tag_pattern": "  "}, "empty"),
    ("min items below 1", {"min_items": 0}, "Minimum items"),
    ("min months below 1", {"min_months": 0}, "Minimum months"),
    ("min months above 24", {"min_months": 25}, "Minimum months (min_months): 25 is out of range"),
]


def test_no_blocked_status_is_a_valid_choice(store):
    settings, problems = edit_settings(
        Settings(),
        store.con,
        blocking_link_types=["Blocks"],
        blocked_statuses=[],
        release_tag_pattern=r"^v\d+$",
        commitment_issue_types=[],
        include_prereleases=False,
        comparison_date=None,
        min_items=5,
        min_releases=3,
    )
    assert problems == [] and settings.blocked_statuses == ()


@pytest.mark.parametrize("case, changes, words", SETTING_CASES, ids=[c[0] for c in SETTING_CASES])
def test_settings_form_is_checked(store, case, changes, words):
    values = {
        "blocking_link_types": ["Blocks", "Relates"],
        "blocked_statuses": ["Blocked", " On hold ", "Blocked"],
        "release_tag_pattern": r"^v\d+\.\d+$",
        "commitment_issue_types": ["Epic"],
        "include_prereleases": True,
        "comparison_date": dt.date(2025, 9, 1),
        "min_items": 8,
        "min_releases": 4,
        "min_months": 2,
    } | changes
    base = Settings(window_days=90)
    settings, problems = edit_settings(base, store.con, **values)
    if words is None:
        assert problems == []
        assert settings == dataclasses.replace(
            base,
            blocking_link_types=("Blocks", "Relates"),
            blocked_statuses=("Blocked", "On hold"),
            release_tag_pattern=r"^v\d+\.\d+$",
            commitment_issue_types=("Epic",),
            include_prereleases=True,
            comparison_date=dt.date(2025, 9, 1),
            min_items=8,
            min_releases=4,
            min_months=2,
        )
    else:
        assert settings is None and len(problems) == 1 and words in problems[0]


def test_settings_choices_come_from_the_data(demo):
    choices = settings_choices(demo.con, Settings(commitment_issue_types=("Initiative",)))
    issue_types = {
        row[0] for row in rows(demo, "select distinct item_type from work_items where item_type is not null")
    }
    assert set(choices["issue_types"]) == issue_types | {"Initiative"}
    assert {"Blocks", "Blocker", "Dependency"} <= set(choices["link_types"])
    statuses = {row[0] for row in rows(demo, "select distinct to_status from status_changes")}
    assert choices["statuses"] == sorted(statuses | {"Blocked"})


# ---- uploads --------------------------------------------------------------------------------


def test_uploads_are_loaded_and_a_bad_one_explains_itself(demo):
    teams_csv = (DEMO / "teams.csv").read_bytes().replace(b"2025-10-01,sto,Ana Lima", b"2025-11-01,sto,Ana Lima")
    files = [
        ("notes.txt", b"just some words\n"),
        ("teams.csv", teams_csv),
        ("members.csv", b"person,team,start_date,end_date\nAna,Checkout,2025-13-01,\n"),
    ]
    seen = []
    results = load_uploads(demo, files, "UTC", on_file=lambda i, name: seen.append((i, name)))
    assert seen == [(0, "notes.txt"), (1, "teams.csv"), (2, "members.csv")]
    by_name = {r.file_name: r for r in results}
    assert by_name["notes.txt"].status == "refused" and by_name["notes.txt"].message.startswith(
        "notes.txt: unrecognised"
    )
    assert by_name["teams.csv"].status == "loaded" and by_name["teams.csv"].kind == "teams"
    members = by_name["members.csv"]
    assert members.status == "refused" and members.problem and not members.added
    assert members.message.startswith("members.csv: nothing loaded")
    assert members.rejects[0].startswith("row 1, start_date:") and "2025-13-01" in members.rejects[0]
    # The good file loaded, the refused roster did not replace the one there.
    assert rows(demo, "select reorg_date from teams where team = 'Checkout'") == [(dt.date(2025, 11, 1),)]
    assert rows(demo, "select count(*) from members")[0][0] == 41


@pytest.mark.samples
@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is absent")
def test_the_real_samples_upload_with_their_kinds(demo):
    paths = sorted(p for p in SAMPLES.rglob("*") if p.is_file())
    results = load_uploads(demo, [(p.name, p.read_bytes()) for p in paths], "UTC")
    by_name = {r.file_name: r for r in results}
    assert len(results) == len(paths)
    assert by_name["psf__requests__tags.csv"].kind == "git_tags"
    assert by_name["releases__PyGithub-PyGithub__3pages.json"].kind == "github_releases"
    assert by_name["ericmedlock__planeso-jira-migration__Jira.csv"].kind == "jira_csv"
    assert by_name["devlake_ants_pulls.json"].status == "partial"
    assert by_name["PROVENANCE.md"].status == "refused"
    assert all(r.message for r in results if r.problem)
    assert not any(r.status == "failed" for r in results)


def test_quality_numbers_and_the_rejects_csv(demo):
    report = quality_report(demo.con)
    numbers = quality_numbers(report)
    assert numbers["Files"] == str(len(report.files))
    assert numbers["Rows rejected"] == str(int(report.files["rows_rejected"].sum()))
    assert numbers["Items without a team"] == f"{report.unattributed_share:.1%}"
    table = pd.read_csv(io.BytesIO(rejects_csv(report)))
    assert len(table) == len(report.rejects) == 2
    assert list(table.columns) == list(report.rejects.columns)


def test_csv_cells_that_a_spreadsheet_would_run_are_defused():
    # OWASP "CSV injection": text starting with = + - @ tab or CR gets a leading apostrophe.
    frame = pd.DataFrame(
        {
            "title": ['=HYPERLINK("http://x")', "-2+3", "@SUM(1)", "+1", "\tx", "\rx", "plain", None],
            "change": [-1.5, -2.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    table = pd.read_csv(io.BytesIO(csv_download(frame)), keep_default_na=False)
    assert table["title"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'-2+3",
        "'@SUM(1)",
        "'+1",
        "'\tx",
        "'\rx",
        "plain",
        "",
    ]
    # Numbers are not text: a negative one round-trips as a number.
    assert table["change"].dtype == float and table["change"].tolist()[:2] == [-1.5, -2.0]


def test_text_cells_changes_text_alone():
    # The one walk over a frame's text cells behind formula_safe_frame and markdown_literal_frame:
    # numbers in a text column, missing values and numeric columns are handed back untouched.
    frame = pd.DataFrame(
        {
            "mixed": ["a", 3, None, "b"],
            "strings": pd.Series(["x", None, "y", "z"], dtype="string"),
            "numbers": [1.5, -2.0, 0.0, 4.0],
        }
    )
    changed = text_cells(frame, str.upper)
    assert changed["mixed"].tolist() == ["A", 3, None, "B"]
    assert changed["strings"].tolist()[::2] == ["X", "Y"] and changed["strings"].isna().tolist()[1]
    assert changed["numbers"].equals(frame["numbers"])
    assert frame["mixed"].tolist() == ["a", 3, None, "b"]  # a copy: the caller's frame is unchanged


def test_the_rejects_csv_is_escaped(demo):
    report = quality_report(demo.con)
    report.rejects.loc[0, "reason"] = "=1+1"
    assert pd.read_csv(io.BytesIO(rejects_csv(report)))["reason"][0] == "'=1+1"


def test_export_text_is_inert_markdown():
    text = "**bold** [link](http://x) :red[alarm] $x^2$ <b>hi</b>\n# heading"
    escaped = markdown_literal(text)
    for special in "*[]():$<>#":
        assert special not in escaped.replace("\\" + special, "")
    assert "\n" not in escaped


# ---- the workspace file ---------------------------------------------------------------------


def test_every_schema_table_is_saved_or_derived(store):
    store.refresh_attribution()  # makes blocked_intervals, the one derived table not in schema.sql
    tables = {row[0] for row in rows(store, "select table_name from information_schema.tables")}
    assert tables == set(WORKSPACE_TABLES) | set(DERIVED_TABLES)


def test_workspace_round_trip_gives_the_same_report():
    demo = demo_store()
    settings = Settings(
        window_days=120,
        tolerance_days=5,
        timezone="Europe/Lisbon",
        min_items=4,
        comparison_date=dt.date(2025, 9, 15),
        commitment_issue_types=("Story", "Epic"),
        blocking_link_types=("Blocks",),
        include_prereleases=True,
    )
    demo.prepare(settings)
    data = export_workspace(demo.con, settings)
    assert is_workspace_file("anything.bin", data)

    fresh = Store()
    fresh.load_bytes("members.csv", b"person,team\nZed,Elsewhere\n")  # replaced by the restore
    version = fresh.version
    restored = restore_workspace(fresh, data, "ws.zip")

    assert restored == settings
    assert fresh.version > version
    for table in WORKSPACE_TABLES:
        pd.testing.assert_frame_equal(
            demo.con.sql(f"select * from {table}").df(), fresh.con.sql(f"select * from {table}").df(), obj=table
        )
    assert build_report(fresh.con, restored) == build_report(demo.con, settings)
    # New loads continue the restored load log without colliding with its ids.
    outcome = fresh.load_bytes("teams.csv", b"team,reorg_date\nSolo,2025-01-01\nSolo,2025-02-01\n")
    assert outcome.status == "partial"
    assert rows(fresh, "select count(*), count(distinct load_id) from load_log")[0] == (18, 18)
    fresh.close()
    demo.close()


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def tampered(data: bytes, member: str, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = change(members[member])
    return zip_of(members)


def edit_json(**changes):
    return lambda raw: json.dumps(json.loads(raw) | changes)


def more_team_rows(raw: bytes) -> str:
    manifest = json.loads(raw)
    manifest["tables"]["teams"]["rows"] += 1
    return json.dumps(manifest)


BAD_FILES = [
    # (case, how the file is made from a good one, words in the message)
    ("cut off", lambda good: good[: len(good) // 2], "not a readable zip"),
    ("foreign zip", lambda good: zip_of({"report.csv": "a,b\n1,2\n"}), "not a Threadline workspace"),
    ("not a zip at all", lambda good: b"PK\x03\x04 garbage", "not a readable zip"),
    (
        "other format",
        lambda good: tampered(good, "manifest.json", edit_json(format="something-else")),
        "does not describe",
    ),
    ("newer version", lambda good: tampered(good, "manifest.json", edit_json(format_version=99)), "newer Threadline"),
    ("row count differs", lambda good: tampered(good, "manifest.json", more_team_rows), "teams.parquet has 6 rows"),
    (
        "damaged table",
        lambda good: tampered(good, "teams.parquet", lambda raw: raw[:40]),
        "teams.parquet could not be read",
    ),
    ("bad settings", lambda good: tampered(good, "settings.json", edit_json(window_days="long")), "window_days"),
    (
        "RE2-invalid pattern",
        lambda good: tampered(good, "settings.json", edit_json(release_tag_pattern="(?=v)")),
        "release_tag_pattern",
    ),
]


@pytest.mark.parametrize("case, make, words", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_workspace_file_is_refused_and_changes_nothing(demo, demo_workspace, case, make, words):
    before, version = snapshot(demo), demo.version
    with pytest.raises(WorkspaceFileError, match=words):
        restore_workspace(demo, make(demo_workspace), "ws.zip")
    assert demo.version == version
    assert_same(before, snapshot(demo))


def test_an_old_workspace_file_with_numbers_out_of_bounds_is_clamped_with_a_message(demo_workspace):
    # Before one set of bounds, a workspace file could hold any whole number >= 0.
    old = tampered(demo_workspace, "settings.json", edit_json(window_days=1000, min_items=0))
    store = Store()
    try:
        [result] = load_uploads(store, [("old.zip", old)], "UTC")
    finally:
        store.close()
    assert result.status == "restored"
    assert (result.settings.window_days, result.settings.min_items) == (730, 1)
    assert "window_days) was 1000, outside 14-730; it is now 730" in result.message
    assert "min_items) was 0" in result.message


def test_a_workspace_file_with_a_retired_setting_still_loads_and_says_so(demo_workspace):
    # placebo_dates was a setting until the placebo check used every full-length window.
    old = tampered(demo_workspace, "settings.json", edit_json(placebo_dates=50))
    store = Store()
    try:
        [result] = load_uploads(store, [("old.zip", old)], "UTC")
    finally:
        store.close()
    assert result.status == "restored"
    assert result.settings.min_months == Settings().min_months
    assert "The setting placebo_dates is no longer used" in result.message


def test_a_corrupt_zip_through_the_uploader_gives_a_message_and_changes_nothing(demo, demo_workspace):
    before = snapshot(demo)
    [result] = load_uploads(demo, [("old.zip", demo_workspace[:-200])], "UTC")
    assert (result.status, result.kind, result.settings) == ("refused", "workspace", None)
    assert result.message.startswith("old.zip: not a readable zip")
    assert_same(before, snapshot(demo))


def test_a_workspace_upload_restores_first_then_loads_the_rest(demo_workspace):
    store = Store()
    tags = (DEMO / "acme__assist-agent__tags.csv").read_bytes()
    results = load_uploads(store, [("more_tags.csv", tags), ("ws.zip", demo_workspace)], "UTC")
    assert [(r.file_name, r.status) for r in results] == [("ws.zip", "restored"), ("more_tags.csv", "unchanged")]
    assert results[0].settings == Settings()
    assert rows(store, "select count(*) from teams")[0][0] == 6
    store.close()


def test_a_workspace_file_from_before_the_move_to_done_column_still_restores(demo_workspace):
    # Files written before work_items.delivered_by_move_to_done existed lack the column.
    def without_column(raw: bytes) -> bytes:
        table = pq.read_table(io.BytesIO(raw)).drop_columns(["delivered_by_move_to_done"])
        sink = io.BytesIO()
        pq.write_table(table, sink)
        return sink.getvalue()

    old = tampered(demo_workspace, "work_items.parquet", without_column)
    store = Store()
    try:
        restore_workspace(store, old, "old.zip")
        count, flagged = rows(store, "select count(*), count(delivered_by_move_to_done) from work_items")[0]
    finally:
        store.close()
    assert count > 0 and flagged == 0
