"""Organisation files that repeat or disagree, said plainly: a second teams.csv among the paths
is set aside by name (the last one read is used).

Real files: the demo's, copied into a scratch folder and altered as an analyst's would be."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from conftest import PROJECT_ROOT

from analysis.cli import main
from analysis.quality import quality_report
from analysis.store import Store
from analysis.views.data import load_uploads

DEMO = PROJECT_ROOT / "data" / "demo"
SET_ASIDE = "set aside: teams come from {used} (one teams file is used: the last one loaded that holds rows)"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A scratch folder holding exports/ (the demo) and old/teams.csv, where Checkout
    reorganised a month later; the commands run in it, so paths are given as an analyst types them."""
    shutil.copytree(DEMO, tmp_path / "exports")
    (tmp_path / "old").mkdir()
    later = (DEMO / "teams.csv").read_text().replace("Checkout,2025-10-01", "Checkout,2025-11-01")
    (tmp_path / "old" / "teams.csv").write_text(later, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *args) -> tuple[int, str, str]:
    status = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return status, out, err


def report_json(capsys, *paths) -> dict:
    status, out, _ = run(capsys, "report", *paths)
    assert status == 0
    return json.loads(out)


def reorg_dates(report: dict) -> dict[str, str | None]:
    return {team["team"]: team["reorg_date"] for team in report["teams"]}


def organisation_entries(report: dict) -> list[dict]:
    """The entries of `rejected` that are not the demo's two bad Jira rows."""
    return [reject for reject in report["rejected"] if reject["file"] != "jira_export_all_fields.csv"]


def test_a_second_teams_file_is_set_aside_by_name_and_the_last_one_given_is_used(folder, capsys):
    report = report_json(capsys, "exports/", "old/teams.csv")
    assert reorg_dates(report)["Checkout"] == "2025-11-01"
    assert organisation_entries(report) == [
        {"file": "teams.csv", "row": None, "field": None, "reason": SET_ASIDE.format(used="old/teams.csv")}
    ]
    # Given the other way round, the demo's own teams.csv is the last one: the first is set aside.
    report = report_json(capsys, "old/teams.csv", "exports/")
    assert reorg_dates(report)["Checkout"] == "2025-10-01"
    assert organisation_entries(report) == [
        {"file": "teams.csv", "row": None, "field": None, "reason": SET_ASIDE.format(used="exports/teams.csv")}
    ]


def test_the_text_and_csv_reports_say_it_too(folder, capsys):
    status, out, _ = run(capsys, "report", "exports/", "old/teams.csv", "--format", "text")
    assert status == 0
    assert f"  teams.csv whole file: {SET_ASIDE.format(used='old/teams.csv')}" in out.splitlines()
    status, out, err = run(capsys, "report", "exports/", "old/teams.csv", "--format", "csv")
    assert status == 0
    assert {row["reorg_date"] for row in csv.DictReader(io.StringIO(out)) if row["team"] == "Checkout"} == {
        "2025-11-01"
    }
    assert err.splitlines() == [
        "note: 3 rejected (jira_export_all_fields.csv: 2, teams.csv: 1); --format json or text lists each with its reason",
        f"note: teams.csv: {SET_ASIDE.format(used='old/teams.csv')}",
    ]


def test_two_folders_each_with_a_teams_file_are_read_in_a_defined_order(folder, capsys):
    # Inside one folder, files are read in sorted path order: b/ after a/, whatever was written first.
    (folder / "both" / "b").mkdir(parents=True)
    (folder / "both" / "a").mkdir()
    shutil.copy(folder / "old" / "teams.csv", folder / "both" / "b" / "teams.csv")
    shutil.copy(DEMO / "teams.csv", folder / "both" / "a" / "teams.csv")
    report = report_json(capsys, "exports/", "both")
    assert reorg_dates(report)["Checkout"] == "2025-11-01"
    # The demo's teams.csv and both/a/teams.csv hold the same bytes: the second is unchanged,
    # not a second file, so one entry, for the first read.
    assert [entry["reason"] for entry in organisation_entries(report)] == [SET_ASIDE.format(used="both/b/teams.csv")]


def test_every_file_set_aside_names_the_one_finally_used(folder, capsys):
    third = (DEMO / "teams.csv").read_text().replace("Checkout,2025-10-01", "Checkout,2025-12-01")
    (folder / "third.csv").write_text(third, encoding="utf-8")
    report = report_json(capsys, "exports/", "old/teams.csv", "third.csv")
    assert reorg_dates(report)["Checkout"] == "2025-12-01"
    assert organisation_entries(report) == [
        {"file": name, "row": None, "field": None, "reason": SET_ASIDE.format(used="third.csv")}
        for name in ("teams.csv", "teams.csv")
    ]


def test_the_same_teams_file_twice_sets_nothing_aside(folder, capsys):
    report = report_json(capsys, "exports/", "exports/teams.csv")
    assert organisation_entries(report) == []


def test_ingest_prints_it_and_a_later_ingest_sets_the_first_run_s_file_aside(folder, capsys):
    status, out, _ = run(capsys, "ingest", "exports/", "--db", "org.duckdb")
    assert status == 0 and "set aside" not in out
    status, out, _ = run(capsys, "ingest", "old/teams.csv", "--db", "org.duckdb")
    assert status == 0
    lines = out.splitlines()
    first = lines.index("  teams.csv: teams, loaded; 6 rows read, 6 loaded, 0 rejected")
    assert lines[first + 1] == f"    whole file: {SET_ASIDE.format(used='old/teams.csv')}"
    report = report_json(capsys, "--db", "org.duckdb")
    assert reorg_dates(report)["Checkout"] == "2025-11-01"
    assert [entry["reason"] for entry in organisation_entries(report)] == [SET_ASIDE.format(used="old/teams.csv")]


def test_the_roster_and_ownership_set_aside_say_which_file_is_used(folder, capsys):
    (folder / "old" / "members.csv").write_text(
        (DEMO / "members.csv").read_text().replace("Ana Lima,Checkout", "Ana Lima,Onboarding"), encoding="utf-8"
    )
    (folder / "old" / "ownership.csv").write_text(
        (DEMO / "ownership.csv")
        .read_text()
        .replace("github_repo,acme/search-api,Search", "github_repo,acme/search-api,Catalog"),
        encoding="utf-8",
    )
    report = report_json(capsys, "exports/", "old/")
    reasons = {entry["reason"].split(" from ")[0]: entry["reason"] for entry in organisation_entries(report)}
    assert reasons == {
        "set aside: the roster comes": "set aside: the roster comes from old/members.csv "
        "(one members file is used: the last one loaded that holds rows)",
        "set aside: ownership comes": "set aside: ownership comes from old/ownership.csv "
        "(one ownership file is used: the last one loaded that holds rows)",
        "set aside: teams come": SET_ASIDE.format(used="old/teams.csv"),
    }


def test_a_later_teams_file_without_rows_is_set_aside_for_the_one_used(folder, capsys):
    # A header-only file (cut off, or the wrong one) is the last given, but the teams stay.
    (folder / "cut.csv").write_text("team,reorg_date,model,leader\n", encoding="utf-8")
    report = report_json(capsys, "exports/", "cut.csv")
    assert reorg_dates(report)["Checkout"] == "2025-10-01"
    assert organisation_entries(report) == [
        {"file": "cut.csv", "row": None, "field": None, "reason": SET_ASIDE.format(used="exports/teams.csv")}
    ]
    # A file with rows given after both is used, and both entries name it.
    report = report_json(capsys, "exports/", "cut.csv", "old/teams.csv")
    assert reorg_dates(report)["Checkout"] == "2025-11-01"
    assert [(entry["file"], entry["reason"]) for entry in organisation_entries(report)] == [
        ("teams.csv", SET_ASIDE.format(used="old/teams.csv")),
        ("cut.csv", SET_ASIDE.format(used="old/teams.csv")),
    ]


def test_a_team_outside_teams_csv_is_not_a_rejected_row(folder, capsys):
    """Ownership and the roster may name teams of other departments (the realistic organisations'
    Platform, whose project others wait on): not a row the report refused, so only ingest's
    data-quality report lists such a name, a likely typo such as "Chekout" among them."""
    ownership = folder / "exports" / "ownership.csv"
    ownership.write_text(ownership.read_text().replace("jira_project,CHK,Checkout,,\n", "jira_project,CHK,Chekout,,\n"))
    assert organisation_entries(report_json(capsys, "exports/")) == []
    status, out, _ = run(capsys, "ingest", "exports/", "--db", "typo.duckdb")
    assert '  ownership.csv names team "Chekout" (1 rows), which teams.csv does not list' in out.splitlines()


def test_the_data_page_lists_the_upload_set_aside(folder):
    store = Store()
    try:
        store.load_paths([folder / "exports"])
        results = load_uploads(store, [("teams.csv", (folder / "old" / "teams.csv").read_bytes())], "UTC")
        assert [result.status for result in results] == ["loaded"]
        set_aside = quality_report(store.con).rejects
        set_aside = set_aside[set_aside["file_name"] == "teams.csv"]
        assert set_aside["reason"].tolist() == [SET_ASIDE.format(used="the upload teams.csv")]
        assert set_aside["row_number"].isna().all()
    finally:
        store.close()
