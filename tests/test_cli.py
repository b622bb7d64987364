"""`python -m analysis ingest PATH... --db FILE`, run as a user runs it: a subprocess whose
working directory is a scratch folder, with only PYTHONPATH pointing at the project."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import FIXTURES, PROJECT_ROOT

from analysis.report import METRICS
from analysis.report_format import format_csv

JIRA_CSV = (
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Created,Updated,Resolved,Assignee,Custom field (Team)\n"
    "Cart,CHK-1,1,Story,Done,CHK,01/Jun/24 9:00 AM,05/Jun/24 4:37 PM,05/Jun/24 4:37 PM,,\n"
    "Pay,PAY-2,2,Story,Done,XYZ,02/Jun/24 9:00 AM,05/Jun/24 9:00 AM,05/Jun/24 9:00 AM,,Team Orange\n"
    "Ops,ZZZ-1,3,Story,To Do,ZZZ,03/Jun/24 9:00 AM,03/Jun/24 9:00 AM,,Zed,\n"
    "Old,ZZZ-2,4,Story,Done,ZZZ,03/Jun/24 9:00 AM,03/Jul/24 9:00 AM,03/Jul/24 9:00 AM,Ana,\n"
)


def run_cli(*args, cwd=PROJECT_ROOT):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def ingest(cwd, *args):
    return run_cli("ingest", *args, cwd=cwd)


@pytest.fixture
def exports(tmp_path):
    """A folder as an analyst would hand it over: organisation files, a Jira CSV, tags with one
    bad row, and a file that is not an export at all."""
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURES / "org", folder / "org")
    (folder / "jira.csv").write_text(JIRA_CSV, encoding="utf-8")
    (folder / "acme__web__tags.csv").write_text(
        "tag,date\nv1.0,2024-03-01T10:00:00Z\nv1.1,yesterday\n", encoding="utf-8"
    )
    (folder / "notes.csv").write_text("city,country\nOslo,Norway\n", encoding="utf-8")
    return folder


def counts(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select (select count(*) from work_items), (select count(*) from releases), (select count(*) from teams), "
            "(select count(*) from load_log), (select count(*) from rejected_rows)"
        ).fetchall()[0]
    finally:
        con.close()


def test_ingest_prints_the_quality_report(tmp_path, exports):
    run = ingest(tmp_path, "exports", "--db", "threadline.duckdb")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "teams.csv: teams, loaded; 3 rows read, 3 loaded, 0 rejected" in out
    assert "ownership.csv: ownership, loaded; 8 rows read, 8 loaded, 0 rejected" in out
    assert "jira.csv: jira_csv, loaded; 4 rows read, 4 loaded, 0 rejected" in out
    assert "acme__web__tags.csv: git_tags, partial; 2 rows read, 1 loaded, 1 rejected" in out
    assert 'row 2 date: "yesterday" is not a timestamp' in out
    assert "notes.csv: unrecognised, refused; 0 rows read, 0 loaded, 0 rejected" in out
    assert "notes.csv: unrecognised content; expected one of" in out
    # By hand: CHK-1 by project CHK, PAY-2 by team field "Team Orange", ZZZ-2 by Ana's roster
    # row on 3 July (Payments); ZZZ-1 (assignee Zed, not in the roster) has none: 1 of 4.
    assert "items without a team: 25.0%" in out
    assert "none: 1 items (25.0%)" in out
    # The database was created where --db said, relative to the working directory.
    assert (tmp_path / "threadline.duckdb").exists()
    assert counts(tmp_path / "threadline.duckdb") == (4, 1, 3, 6, 1)


def test_ingest_twice_into_the_same_database_adds_nothing(tmp_path, exports):
    db = tmp_path / "threadline.duckdb"
    first = ingest(tmp_path, exports, "--db", db)
    assert first.returncode == 0, first.stderr
    after_first = counts(db)
    second = ingest(tmp_path, exports, "--db", db)
    # Still usable (the files are already in the database), and nothing added.
    assert second.returncode == 0, second.stderr
    assert counts(db) == after_first
    model = [line for line in second.stdout.splitlines() if line.startswith("  work_items ")]
    assert model == [line for line in first.stdout.splitlines() if line.startswith("  work_items ")]


def test_only_refused_files_exit_1(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    run = ingest(tmp_path, "empty.csv", "photo.png", "--db", "t.duckdb")
    assert run.returncode == 1
    assert "nothing usable" in run.stderr
    assert "empty.csv: the file is empty" in run.stdout
    assert "photo.png: this is a binary file" in run.stdout


def test_an_empty_folder_exits_1(tmp_path):
    (tmp_path / "nothing").mkdir()
    run = ingest(tmp_path, "nothing", "--db", "t.duckdb")
    assert run.returncode == 1
    assert "nothing usable" in run.stderr


def test_a_file_whose_rows_are_all_rejected_is_not_usable(tmp_path):
    (tmp_path / "teams.csv").write_text("team,reorg_date\nCheckout,July\n", encoding="utf-8")
    run = ingest(tmp_path, "teams.csv", "--db", "t.duckdb")
    assert run.returncode == 1
    assert 'row 1 reorg_date: "July" is not a date like 2025-10-01 (YYYY-MM-DD)' in run.stdout


def test_a_missing_path_exits_2_and_names_it(tmp_path):
    (tmp_path / "teams.csv").write_text("team,reorg_date\nCheckout,2024-07-01\n", encoding="utf-8")
    run = ingest(tmp_path, "teams.csv", "no-such-folder", "--db", "t.duckdb")
    assert run.returncode == 2
    assert "no-such-folder" in run.stderr
    assert not (tmp_path / "t.duckdb").exists()  # nothing half-done


def test_an_unknown_time_zone_is_a_usage_error(tmp_path):
    (tmp_path / "teams.csv").write_text("team,reorg_date\nCheckout,2024-07-01\n", encoding="utf-8")
    run = ingest(tmp_path, "teams.csv", "--db", "t.duckdb", "--timezone", "Mars/Olympus")
    assert run.returncode == 2
    assert "Mars/Olympus" in run.stderr and "IANA" in run.stderr


def test_a_database_file_locked_by_another_process_is_one_line_and_exit_2(tmp_path):
    # DuckDB lets one process open a file for writing: a second ingest cannot take the lock.
    (tmp_path / "teams.csv").write_text("team,reorg_date\nCheckout,2024-07-01\n", encoding="utf-8")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect('t.duckdb'); print('held', flush=True); sys.stdin.read()",
        ],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        run = ingest(tmp_path, "teams.csv", "--db", "t.duckdb")
    finally:
        holder.communicate("")
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "error: the database file t.duckdb is in use by another process (another `ingest`, or a program that "
        "has it open); try again when it has finished"
    ]
    # Once the other process has finished, the same command works.
    assert ingest(tmp_path, "teams.csv", "--db", "t.duckdb").returncode == 0


def test_the_time_zone_option_reaches_the_jira_importer(tmp_path):
    (tmp_path / "jira.csv").write_text(JIRA_CSV, encoding="utf-8")
    run = ingest(tmp_path, "jira.csv", "--db", "t.duckdb", "--timezone", "Europe/Berlin")
    assert run.returncode == 0, run.stderr
    con = duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)
    try:
        # 01/Jun/24 9:00 AM in Berlin (CEST, UTC+2) is 07:00 UTC.
        [(hour,)] = con.execute(
            "select hour(created_at at time zone 'UTC') from work_items where item_key = 'CHK-1'"
        ).fetchall()
    finally:
        con.close()
    assert hour == 7


def run_report(*args):
    return run_cli("report", *args)


def test_report_options_beyond_the_contract_reach_the_settings():
    """--issue-types narrows commitments, --comparison-date moves the comparison windows."""
    import json

    from analysis.report import build_report
    from analysis.settings import Settings
    from analysis.workspace import open_shared_store

    settings = Settings(commitment_issue_types=("Epic",), comparison_date=dt.date(2025, 9, 1))
    expected = build_report(open_shared_store().con, settings)
    run = run_report("data/demo", "--issue-types", "Epic", "--comparison-date", "2025-09-01")
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)
    assert shown["comparison_date"] == "2025-09-01"
    for got, want in zip(shown["teams"], expected["teams"]):
        assert got["metrics"]["timeline_accuracy"]["before"]["n"] == want["metrics"]["timeline_accuracy"]["before"]["n"]
        assert got["metrics"]["timeline_accuracy"]["after"]["n"] == want["metrics"]["timeline_accuracy"]["after"]["n"]
    everything = build_report(open_shared_store().con, Settings())
    assert sum(t["metrics"]["timeline_accuracy"]["before"]["n"] for t in shown["teams"]) < sum(
        t["metrics"]["timeline_accuracy"]["before"]["n"] for t in everything["teams"]
    )


def test_the_verdicts_settings_of_the_data_page_can_be_given_on_the_command_line():
    """--confidence and --min-months reach the report as the Data page's settings do: at 99%
    Checkout's release decision (p = 0.012 on the demo) is no clear change and its interval wider
    than at 95%; with 7 months asked for in 6-month windows, no verdict is decided."""
    from analysis.report import build_report
    from analysis.settings import Settings
    from analysis.workspace import open_shared_store

    def checkout_release(report):
        return next(t for t in report["teams"] if t["team"] == "Checkout")["metrics"]["release_frequency"]

    default = checkout_release(build_report(open_shared_store().con, Settings()))
    strict = json.loads(run_report("data/demo", "--confidence", "0.99").stdout)
    assert strict == build_report(open_shared_store().con, Settings(confidence=0.99))
    at_99 = checkout_release(strict)
    assert default["verdict"] == "improved" and at_99["verdict"] == "no clear change"
    assert at_99["decision"]["p_value"] == default["decision"]["p_value"] and 0.01 < at_99["decision"]["p_value"] < 0.05
    assert at_99["decision"]["ci_low"] < 1 < default["decision"]["ci_low"]  # the 99% interval takes in no change
    assert at_99["decision"]["ci_high"] > default["decision"]["ci_high"]
    assert "99% interval" in run_report("data/demo", "--confidence", "0.99", "--format", "text").stdout
    months = json.loads(run_report("data/demo", "--min-months", "7", "--min-items", "2", "--min-releases", "2").stdout)
    metrics = [metric for team in months["teams"] for metric in team["metrics"].values()]
    assert {metric["verdict"] for metric in metrics} == {"insufficient data"}
    assert all(any(r["code"] == "min_months" for r in metric["decision"]["reasons"]) for metric in metrics)


def test_exports_without_teams_say_what_is_missing(tmp_path):
    (tmp_path / "acme__web__tags.csv").write_text("tag,date\nv1.0,2024-03-01T10:00:00Z\n", encoding="utf-8")
    text = run_report(tmp_path, "--format", "text")
    assert text.returncode == 0, text.stderr
    assert "No teams to report: add a teams.csv" in text.stdout
    for output_format in ("json", "csv"):
        run = run_report(tmp_path, "--format", output_format)
        assert run.returncode == 0 and "note: No teams to report" in run.stderr


def test_blocked_statuses_option_reaches_the_settings():
    from analysis.cli import build_parser, report_settings

    parse = build_parser().parse_args
    assert report_settings(parse(["report", "x"])).blocked_statuses == ("Blocked",)
    assert report_settings(parse(["report", "x", "--blocked-statuses", "Blocked, On hold"])).blocked_statuses == (
        "Blocked",
        "On hold",
    )
    assert report_settings(parse(["report", "x", "--blocked-statuses", ""])).blocked_statuses == ()


@pytest.mark.parametrize(
    "option, value, expected",
    [
        ("--tag-pattern", "(", "not a regular expression"),
        ("--comparison-date", "01/09/2025", "expected a date like 2025-10-01"),
        ("--confidence", "1.5", "--confidence: 1.5 must be between 0 and 1"),
        ("--confidence", "ninety", "'ninety': expected a number like 0.9"),
        ("--min-items", "0", "--min-items: 0 is out of range; it must be at least 1"),
        ("--min-months", "x", "'x': expected a whole number"),
    ],
)
def test_bad_report_options_are_usage_errors(option, value, expected):
    run = run_report("data/demo", option, value)
    assert run.returncode == 2
    assert expected in run.stderr


def test_the_report_csv_escapes_text_a_spreadsheet_would_run(tmp_path):
    (tmp_path / "teams.csv").write_text(
        'team,reorg_date,model,leader\n"=HYPERLINK(""http://x"")",2024-07-01,+sto,Ana\n-2+3,,sto,Bo\n@SUM(1),,,\n',
        encoding="utf-8",
    )
    run = run_report(tmp_path, "--format", "csv")
    assert run.returncode == 0, run.stderr
    table = list(csv.DictReader(io.StringIO(run.stdout)))
    assert {row["team"] for row in table} == {'\'=HYPERLINK("http://x")', "'-2+3", "'@SUM(1)"}
    assert {row["model"] for row in table} == {"'+sto", "sto", ""}


def test_report_csv_numbers_stay_numbers():
    # A negative estimate is a number, not text: it is written as it is.
    metric = {
        "before": {"value": 2.0, "n": 9},
        "after": {"value": 0.5, "n": 8},
        "effect": {"estimate": -1.5, "ci_low": -2.5, "ci_high": -0.5, "p_value": 0.01},
        "verdict": "improved",
        "decision": {
            "basis": "did",
            "estimate": -1.2,
            "ci_low": -2.0,
            "ci_high": -0.4,
            "p_value": 0.01,
            "p_adjusted": 0.02,
            "n_clusters": 12,
            "n_comparisons": 2,
            "mde": 0.3,
            "reasons": [{"code": "=cmd", "text": "a formula-looking code is still escaped"}],
        },
    }
    team = {"team": "-Ops", "reorg_date": "2024-07-01", "model": "sto", "metrics": dict.fromkeys(METRICS, metric)}
    [row, *_] = csv.DictReader(io.StringIO(format_csv({"teams": [team]})))
    assert (row["team"], row["estimate"], row["ci_low"], row["ci_high"]) == ("'-Ops", "-1.5", "-2.5", "-0.5")
    assert (row["decision_estimate"], row["decision_ci_low"], row["p_adjusted"]) == ("-1.2", "-2.0", "0.02")
    assert row["reasons"] == "'=cmd"


def test_settings_duckdb_cannot_use_are_a_usage_error_not_a_traceback():
    # Python's re reads the look-ahead; the release query's RE2 does not (issue 10).
    run = run_report("data/demo", "--tag-pattern", r"^v(?!0)\d+$", "--window-days", "7")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "--tag-pattern: DuckDB's regexp_full_match" in run.stderr
    assert "--window-days: 7 is out of range; it must be between 14 and 730" in run.stderr
    assert run.stdout == ""


def test_a_file_the_report_could_not_read_is_listed_not_silently_dropped(tmp_path):
    """An empty or unrecognised file beside good ones is a whole-file reject in the report."""
    shutil.copy(FIXTURES / "org" / "teams.csv", tmp_path / "teams.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "notes.csv").write_text("city,country\nOslo,Norway\n", encoding="utf-8")
    run = run_report(tmp_path)
    assert run.returncode == 0, run.stderr
    whole_files = [reject for reject in json.loads(run.stdout)["rejected"] if reject["row"] is None]
    assert [(reject["file"], reject["field"]) for reject in whole_files] == [("empty.csv", None), ("notes.csv", None)]
    assert whole_files[0]["reason"] == "the file is empty."
    assert whole_files[1]["reason"].startswith("unrecognised content; expected one of")
    text = run_report(tmp_path, "--format", "text")
    assert "  empty.csv whole file: the file is empty." in text.stdout.splitlines()


def test_a_whole_file_reject_names_its_file_once(tmp_path):
    shutil.copy(FIXTURES / "org" / "teams.csv", tmp_path / "teams.csv")
    # A Jira CSV without the key column: the importer's whole-file reject begins with the file name.
    (tmp_path / "jira.csv").write_text(
        "Custom field (Story Points),Custom field (Team),Status Category,Status Category Changed,Parent summary\n"
        "3,Orange,Done,01/Jun/24 9:00 AM,Cart\n",
        encoding="utf-8",
    )
    run = run_report(tmp_path)
    assert run.returncode == 0, run.stderr
    [reject] = json.loads(run.stdout)["rejected"]
    assert reject["file"] == "jira.csv" and reject["row"] is None
    assert reject["reason"].startswith("no Issue key")


def test_nothing_usable_names_each_file_once_and_says_what_it_held(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header.csv").write_text("Summary,Issue key,Issue Type,Status,Created\n", encoding="utf-8")
    (tmp_path / "teams.csv").write_text("team,reorg_date\nA,July\nB,x\n", encoding="utf-8")
    run = run_report(tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert "  empty.csv: the file is empty." in lines
    assert "  header.csv: jira_csv, no rows" in lines
    assert (
        '  teams.csv: teams, 2 rows rejected, first row 1 reorg_date: "July" is not a date like 2025-10-01 (YYYY-MM-DD)'
        in lines
    )


@pytest.mark.parametrize(
    "args",
    [
        ["report", "data/demo", "--window-days", "abc"],
        ["report", "data/demo", "--format", "xml"],
        ["report", "data/demo", "--timezone", "Mars/Base"],
        ["report"],
        ["ingest", "data/demo"],
        ["frobnicate"],
    ],
)
def test_a_usage_error_is_one_line_on_stderr(args):
    run = run_cli(*args)
    assert run.returncode == 2
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith("error: ") and "--help" in line


def test_report_reads_the_database_file_ingest_wrote(tmp_path):
    """`ingest` then `report --db`: the same report as from the exports, and the file unchanged."""
    db = tmp_path / "org.duckdb"
    assert ingest(PROJECT_ROOT, "data/demo", "--db", db).returncode == 0
    before = db.read_bytes()
    from_exports = run_report("data/demo", "--format", "csv")
    from_database = run_report("--db", db, "--format", "csv")
    assert from_database.returncode == 0, from_database.stderr
    assert from_database.stdout == from_exports.stdout
    assert db.read_bytes() == before
    # PATHs add to the database: a teams.csv naming one more team.
    extra = tmp_path / "teams.csv"
    extra.write_text((PROJECT_ROOT / "data/demo/teams.csv").read_text() + "Atlas,,triad,Zoe\n", encoding="utf-8")
    added = run_report("--db", db, extra)
    assert added.returncode == 0, added.stderr
    assert "Atlas" in {team["team"] for team in json.loads(added.stdout)["teams"]}


def test_report_without_paths_or_database_is_a_usage_error():
    run = run_report()
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == "error: give the exports to report on: PATH... or --db FILE (see --help)\n"


@pytest.mark.parametrize("command", ["ingest", "report"])
def test_a_db_that_is_not_a_database_file_is_refused_and_left_alone(tmp_path, command):
    # DuckDB opens an existing CSV as an in-memory view of it: an ingest into it was lost.
    export = tmp_path / "teams.csv"
    export.write_text("team,reorg_date\nCheckout,2024-07-01\n", encoding="utf-8")
    kept = export.read_bytes()
    paths = [export] if command == "ingest" else []
    run = run_cli(command, *paths, "--db", export, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        f"error: --db: {export} is not a DuckDB database file "
        "(a file `python -m analysis ingest PATH... --db FILE` writes, or a new file name)"
    ]
    assert export.read_bytes() == kept


def test_ingest_into_a_database_inside_the_folder_it_reads_skips_its_own_file(tmp_path, exports):
    db = exports / "threadline.duckdb"
    first = ingest(tmp_path, exports, "--db", db)
    second = ingest(tmp_path, exports, "--db", db)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    for run in (first, second):
        assert "threadline.duckdb" not in run.stdout  # neither the file nor its .wal is an input


def test_a_database_file_among_the_exports_is_named_for_what_it_is(tmp_path):
    db = tmp_path / "org.duckdb"
    assert ingest(PROJECT_ROOT, "data/demo/teams.csv", "--db", db).returncode == 0
    run = run_report(tmp_path)
    assert run.returncode == 2
    assert "  org.duckdb: this is a DuckDB database file, not an export: report on it with --db org.duckdb" in (
        run.stderr.splitlines()
    )


def test_the_report_is_never_written_over_one_of_its_inputs(tmp_path):
    teams = tmp_path / "exports" / "teams.csv"
    teams.parent.mkdir()
    shutil.copy(FIXTURES / "org" / "teams.csv", teams)
    kept = teams.read_bytes()
    run = run_report(tmp_path / "exports", "--format", "csv", "--output", teams)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"error: --output: {teams} is one of the files the report reads; choose another file\n"
    assert teams.read_bytes() == kept


def test_the_csv_report_says_on_stderr_that_rows_were_rejected(tmp_path):
    (tmp_path / "teams.csv").write_text("team,reorg_date\nCheckout,2024-07-01\nSearch,July\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_bytes(b"")
    run = run_report(tmp_path, "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert list(csv.DictReader(io.StringIO(run.stdout)))[0]["team"] == "Checkout"  # stdout: the CSV alone
    assert run.stderr.splitlines() == [
        "note: 2 rejected (empty.csv: 1, teams.csv: 1); --format json or text lists each with its reason"
    ]


def test_report_on_a_database_reads_its_days_in_the_time_zone_it_was_ingested_in(tmp_path):
    """The Jira CSV's times were read in the ingest's zone: the report's days default to it."""
    db = tmp_path / "org.duckdb"
    assert ingest(PROJECT_ROOT, "data/demo", "--db", db, "--timezone", "Pacific/Kiritimati").returncode == 0
    expected = run_report("data/demo", "--format", "csv", "--timezone", "Pacific/Kiritimati").stdout
    assert expected != run_report("data/demo", "--format", "csv").stdout  # UTC+14 moves days
    assert run_report("--db", db, "--format", "csv").stdout == expected
    # An explicit --timezone still wins.
    assert run_report("--db", db, "--format", "csv", "--timezone", "Pacific/Kiritimati").stdout == expected


def test_control_characters_from_exports_never_reach_the_terminal_raw(tmp_path):
    """A team name or a rejected value holding an escape sequence would recolour, clear or retitle
    the analyst's terminal: the text report and ingest's report show such characters escaped."""
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "teams.csv").write_text(
        "team,reorg_date,model,leader\nRed\x1b[2J\x1b]0;owned\x07Team,2024-07-01,sto,Dana\nBlue,when\x1b[31m,sto,Eli\n",
        encoding="utf-8",
    )
    text = run_report(exports, "--format", "text")
    assert text.returncode == 0, text.stderr
    ingested = ingest(tmp_path, exports, "--db", tmp_path / "t.duckdb")
    assert ingested.returncode == 0, ingested.stderr
    for output in (text.stdout, text.stderr, ingested.stdout, ingested.stderr):
        assert not any(ord(character) < 32 and character not in "\n\t" for character in output), output
    assert "Red\\x1b[2J\\x1b]0;owned\\x07Team" in text.stdout
    assert "when\\x1b[31m" in text.stdout
    assert "when\\x1b[31m" in ingested.stdout
    # JSON escapes them itself, and keeps the name as it is.
    names = [team["team"] for team in json.loads(run_report(exports).stdout)["teams"]]
    assert names == ["Red\x1b[2J\x1b]0;owned\x07Team"]


def test_nothing_usable_shows_a_rejected_value_s_control_characters_escaped(tmp_path):
    (tmp_path / "teams.csv").write_text("team,reorg_date,model,leader\nBlue,when\x1b[31m,sto,Eli\n", encoding="utf-8")
    run = run_report(tmp_path)
    assert run.returncode == 2
    assert "when\\x1b[31m" in run.stderr and "\x1b" not in run.stderr
