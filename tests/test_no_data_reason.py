"""No silent empties in the report: a team and metric with n = 0 on a side (or too few) names
the input that is missing, in the JSON (`no_data_reason: {code, text}`), the CSV, the text
report and the Team page; and the items delivered by a move to Done without a resolution date
are counted per team and window.

Independent values: every expected reason and count is read off the hand-built organisation
below (which team owns what, which items have due dates and blocking links, which dates fall in
which window), not computed by the code under test.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import item

from analysis.metrics import supporting
from analysis.report import build_report, build_team_report
from analysis.report_format import format_csv, format_text
from analysis.settings import Settings
from analysis.store import Store
from analysis.views.team import team_page

# Windows: before = [2024-01-03, 2024-07-01), after = [2024-07-01, 2024-12-28) (180 days each).
TEAMS = [
    {"team": "Checkout", "reorg_date": "2024-07-01", "model": "sto"},
    {"team": "Payments", "reorg_date": "2024-07-01", "model": "sto"},
    {"team": "Ledger", "reorg_date": "2024-07-01", "model": "sto"},
    {"team": "Search", "reorg_date": None, "model": "triad"},
    {"team": "Audit", "reorg_date": "2024-07-01", "model": "sto"},
    {"team": "Quiet", "reorg_date": "2024-07-01", "model": "sto"},
]
OWNERSHIP = [
    {"kind": "jira_project", "value": "CHK", "team": "Checkout"},
    {"kind": "jira_project", "value": "PAY", "team": "Payments"},
    {"kind": "jira_project", "value": "LED", "team": "Ledger"},
    {"kind": "jira_project", "value": "SRC", "team": "Search"},
    {"kind": "jira_project", "value": "AUD", "team": "Audit"},
    {"kind": "jira_project", "value": "QT", "team": "Quiet"},
    {"kind": "github_repo", "value": "acme/quiet", "team": "Quiet"},
    {"kind": "github_repo", "value": "acme/web", "team": "Checkout"},
]
SETTINGS = Settings(min_items=1, min_releases=1, min_months=1)  # a tiny organisation with every input


def release(repo: str, tag: str, day: str) -> dict:
    return {
        "release_id": f"github:{repo}:{tag}",
        "source": "github_release",
        "repo": repo,
        "name": tag,
        "tag_name": tag,
        "released_at": f"{day}T12:00:00+00:00",
    }


def blocked_by(key: str, blocker: str) -> dict:
    return {"item_key": key, "link_type": "Blocks", "direction": "inward", "linked_key": blocker}


def organisation(with_links: bool = True) -> dict:
    return {
        "teams": TEAMS,
        "ownership": OWNERSHIP,
        "work_items": [
            # Checkout: a commitment and a wait on Payments on each side.
            item("CHK-1", "2024-03-01", "2024-04-01", due_date="2024-04-02"),
            item("CHK-2", "2024-08-01", "2024-09-01", due_date="2024-08-20"),
            # Payments: resolved on both sides, never with a due date, never blocked.
            item("PAY-1", "2024-02-01", "2024-03-20"),
            item("PAY-2", "2024-07-10", "2024-08-25"),
            # Ledger: a due date before the reorg only; two items resolved after without one.
            item("LED-1", "2024-02-01", "2024-03-01", due_date="2024-03-05"),
            item("LED-2", "2024-07-05", "2024-08-01"),
            item("LED-3", "2024-07-05", "2024-08-02"),
            # Search: nothing resolved.
            item("SRC-1", "2024-02-01"),
            # Audit: Done (JSON's category) without a resolution date or a move to Done.
            item("AUD-1", "2024-02-01", status="Closed", status_category="Done"),
            item("AUD-2", "2024-08-01", status="Closed", status_category="Done"),
            # Quiet: a wait on Payments before the reorg; after it, one item resolved unblocked.
            item("QT-1", "2024-03-01", "2024-04-01", due_date="2024-04-01"),
            item("QT-2", "2024-08-01", "2024-09-01", due_date="2024-09-01"),
        ],
        "links": [blocked_by("CHK-1", "PAY-1"), blocked_by("CHK-2", "PAY-2"), blocked_by("QT-1", "PAY-1")]
        if with_links
        else [],
        "releases": [
            release("acme/web", "v1.0", "2024-03-10"),
            release("acme/web", "v1.1", "2024-09-10"),
            release("acme/quiet", "v0.1", "2024-03-12"),  # before the reorg only
            # Two releases of a repository no ownership row names.
            release("acme/pay", "v2.0", "2024-03-11"),
            release("acme/pay", "v2.1", "2024-09-11"),
        ],
    }


@pytest.fixture
def report(store, canonical_file):
    def build(with_links: bool = True) -> dict:
        store.load_paths([canonical_file("org.json", organisation(with_links))])
        store.prepare(SETTINGS)
        return build_report(store.con, SETTINGS)

    return build


def reasons(report: dict) -> dict[tuple[str, str], str | None]:
    return {
        (team["team"], name): (metric.get("no_data_reason") or {}).get("code")
        for team in report["teams"]
        for name, metric in team["metrics"].items()
    }


def test_each_missing_input_is_named_per_team_and_metric(report):
    r = report()
    got = reasons(r)
    # Checkout and Quiet have every input, but one or two events per window: a single month per
    # side gives no variance to judge with, and the reason says so. Releases are the exception:
    # their own-trend decision is a quasi-Poisson regression whose variance is never below
    # Poisson's, so one release day a side is judged, as no clear change with an interval too
    # wide to detect anything (below).
    assert got == {
        ("Checkout", "release_frequency"): None,
        ("Checkout", "timeline_accuracy"): "no_estimate",
        ("Checkout", "dependency_wait"): "no_estimate",
        ("Payments", "release_frequency"): "no_releases_attributed",
        ("Payments", "timeline_accuracy"): "no_due_dates",
        ("Payments", "dependency_wait"): "no_blocking_links_for_team",
        ("Ledger", "release_frequency"): "no_releases_attributed",
        ("Ledger", "timeline_accuracy"): "no_due_dates_in_window",
        ("Ledger", "dependency_wait"): "no_blocking_links_for_team",
        ("Search", "release_frequency"): "no_releases_attributed",
        ("Search", "timeline_accuracy"): "no_resolved_items",
        ("Search", "dependency_wait"): "no_resolved_items",
        ("Audit", "release_frequency"): "no_releases_attributed",
        ("Audit", "timeline_accuracy"): "done_without_resolution",
        ("Audit", "dependency_wait"): "done_without_resolution",
        ("Quiet", "release_frequency"): "no_release_in_window",
        ("Quiet", "timeline_accuracy"): "no_estimate",
        ("Quiet", "dependency_wait"): "no_waits_in_window",
    }
    releases = next(team for team in r["teams"] if team["team"] == "Checkout")["metrics"]["release_frequency"]
    assert releases["verdict"] == "no clear change"
    assert (
        releases["decision"]["basis"] == "its"
        and releases["decision"]["ci_low"] < 0.01 < 100 < releases["decision"]["ci_high"]
    )


def test_the_texts_say_what_to_do(report):
    teams = {team["team"]: team["metrics"] for team in report()["teams"]}
    releases = teams["Payments"]["release_frequency"]["no_data_reason"]["text"]
    assert releases.startswith("no releases attributed to this team: map its repositories")
    assert "ownership.csv" in releases and "acme/pay (2)" in releases and "acme/web" not in releases
    assert teams["Payments"]["timeline_accuracy"]["no_data_reason"]["text"].startswith(
        "no resolved item has a due date"
    )
    # Ledger: LED-2 and LED-3 were resolved after the reorg, neither with a due date.
    assert (
        teams["Ledger"]["timeline_accuracy"]["no_data_reason"]["text"]
        == "none of the 2 items resolved in the after window has a due date"
    )
    # The key comes right after the verdict (the JSON contract's order), and only when there is one.
    assert list(teams["Payments"]["timeline_accuracy"])[3:5] == ["verdict", "no_data_reason"]
    assert teams["Checkout"]["timeline_accuracy"]["no_data_reason"]["text"].startswith(
        "no estimate could be made: a window without data, or with data in a single month"
    )


def test_done_items_without_a_resolution_date_are_named_as_the_cause(report):
    [audit] = [team for team in report()["teams"] if team["team"] == "Audit"]
    text = audit["metrics"]["timeline_accuracy"]["no_data_reason"]["text"]
    assert "but 2 are in the Done category without a resolution date" in text
    assert "export with the changelog" in text


def test_an_empty_side_says_which_window_and_what_it_holds(report):
    [quiet] = [team for team in report()["teams"] if team["team"] == "Quiet"]
    assert quiet["metrics"]["release_frequency"]["no_data_reason"]["text"].startswith(
        "no release day in the after window, though 1 releases are attributed to this team"
    )
    assert (
        quiet["metrics"]["dependency_wait"]["no_data_reason"]["text"]
        == "none of the 1 items resolved in the after window waited on another team"
    )


def test_no_blocking_links_at_all_is_said_for_every_team(report):
    got = reasons(report(with_links=False))
    assert {got[(team["team"], "dependency_wait")] for team in TEAMS} == {"no_blocking_links"}


def test_a_window_outside_the_data_is_named(store, canonical_file):
    data = organisation()
    data["teams"] = [*TEAMS, {"team": "Later", "reorg_date": "2026-06-01", "model": "sto"}]
    store.load_paths([canonical_file("org.json", data)])
    store.prepare(SETTINGS)
    entry = build_team_report(store.con, SETTINGS, "Later")
    for metric in entry["metrics"].values():
        assert metric["no_data_reason"]["code"] == "window_outside_data"
        assert "the before window has no day inside the data's span" in metric["no_data_reason"]["text"]


def test_too_few_names_both_sides_and_the_minimum(store, canonical_file):
    store.load_paths([canonical_file("org.json", organisation())])
    settings = Settings()  # at least 3 release days on each side; Checkout has 1 and 1
    store.prepare(settings)
    checkout = build_team_report(store.con, settings, "Checkout")
    assert checkout["metrics"]["release_frequency"]["no_data_reason"] == {
        "code": "too_few",
        "text": "1 release days before and 1 after; at least 3 are needed on each side",
    }


def test_csv_text_and_team_page_carry_the_reason(report, store):
    result = report()
    rows = {(r["team"], r["metric"]): r for r in csv.DictReader(io.StringIO(format_csv(result)))}
    assert rows[("Search", "timeline_accuracy")]["no_data_reason"].startswith("no item of this team is resolved")
    assert rows[("Checkout", "timeline_accuracy")]["no_data_reason"].startswith("no estimate could be made")
    text = format_text(result)
    assert "no data: no releases attributed to this team" in text
    assert "no data: no resolved item has a due date" in text
    [payments] = [team for team in result["teams"] if team["team"] == "Payments"]
    notes = team_page(store.con, SETTINGS, payments).quality_notes
    assert any(note.startswith("Timeline accuracy: no resolved item has a due date") for note in notes)
    assert any(note.startswith("Dependency wait: no item of this team was blocked") for note in notes)


# A Jira Cloud export with Status Category and Status Category Changed, as in
# ../shared/samples/jira_csv: DN-2 and DN-3 are Done without a Resolved date.
MOVED_CSV = """Issue key,Summary,Issue Type,Status,Status Category,Created,Resolved,Status Category Changed
DN-1,a,Story,Done,Done,01/Feb/24 9:00 AM,05/Mar/24 4:37 PM,05/Mar/24 4:37 PM
DN-2,b,Story,Done,Done,01/Feb/24 9:00 AM,,07/Mar/24 10:15 AM
DN-3,c,Story,Done,Done,01/Jul/24 9:00 AM,,07/Aug/24 10:15 AM
DN-4,d,Story,Done,Done,01/Jul/24 9:00 AM,09/Aug/24 10:15 AM,09/Aug/24 10:15 AM
DN-5,e,Story,Done,Done,01/Jul/24 9:00 AM,10/Aug/24 10:15 AM,10/Aug/24 10:15 AM
"""


def test_items_delivered_by_a_move_to_done_are_counted_per_team_and_window(store, canonical_file, write_file):
    data = organisation()
    data["ownership"] = [*OWNERSHIP, {"kind": "jira_project", "value": "DN", "team": "Checkout"}]
    store.load_paths([canonical_file("org.json", data), write_file("jira.csv", MOVED_CSV)])
    store.prepare(SETTINGS)
    entry = build_team_report(store.con, SETTINGS, "Checkout")
    # Before: CHK-1, DN-1, DN-2 resolved, DN-2 by a move; after: CHK-2, DN-3, DN-4, DN-5, DN-3 by a move.
    assert [entry["supporting"][p]["throughput"] for p in ("before", "after")] == [3, 4]
    assert [entry["supporting"][p]["delivered_by_move_to_done"] for p in ("before", "after")] == [1, 1]
    sentence = supporting.moved_to_done_text(entry["supporting"])
    assert sentence.startswith("Delivered by a move to Done without a resolution date: 1 items before, 1 after")
    assert sentence in format_text({**build_report(store.con, SETTINGS), "rejected": []})
    assert sentence in team_page(store.con, SETTINGS, entry).quality_notes
    payments = build_team_report(store.con, SETTINGS, "Payments")
    assert supporting.moved_to_done_text(payments["supporting"]) is None


def test_methods_say_delivery_is_then_the_move_to_done():
    from analysis.views.methods import method_sections

    sections = dict(method_sections(SETTINGS))
    text = sections["Delivery without a resolution date, and missing inputs"]
    assert "delivery is then the move to Done" in " ".join(text.split())
    assert "no_data_reason" in text


def test_a_team_with_enough_data_has_no_reason():
    # The demo's Checkout has months of data on both sides: no input is missing.
    demo = Store()
    demo.load_paths([Path(__file__).resolve().parent.parent / "data" / "demo"])
    demo.prepare(Settings())
    checkout = build_team_report(demo.con, Settings(), "Checkout")
    assert all("no_data_reason" not in metric for metric in checkout["metrics"].values())
    assert {metric["verdict"] for metric in checkout["metrics"].values()} == {"improved"}
