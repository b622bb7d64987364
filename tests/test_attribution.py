"""Team attribution (SPEC "Inputs"), rule by rule, with the organisation files in
tests/fixtures/org:

    ownership: team field "Team Orange" -> Payments; component cart -> Checkout until
               2024-06-30, Payments from 2024-07-01; project CHK -> Checkout; OPS -> Search
               from 2024-03-01; PAY -> Payments; repo acme/shop -> Checkout until 2024-06-30,
               Payments from 2024-07-01
    members:   Ana Checkout 2023-01-01..2024-06-30, then Payments from 2024-07-01;
               Ben Search; Cy Payments from 2024-02-01
    teams:     Checkout, Payments, Search

Every expected team below is worked out by hand from those rows; the comment says which rule.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, item, rows

from analysis.quality import quality_report

# (item, expected team, expected rule, why)
CASES = [
    (
        item("TF-1", "2024-06-01", "2024-06-15", team_field="Team Orange", components=["cart"], project_key="CHK"),
        "Payments",
        "team_field",
        "team field through ownership beats component and project",
    ),
    (
        item("TF-2", "2024-06-01", "2024-06-15", team_field="Search", project_key="CHK"),
        "Search",
        "team_field",
        "team field equal to a team name",
    ),
    (
        item("TF-3", "2024-06-01", "2024-06-15", team_field="Nobody's team", project_key="CHK"),
        "Checkout",
        "project",
        "an unknown team field falls through to the next rule",
    ),
    (
        item("CO-1", "2024-06-01", "2024-06-30", project_key="ZZZ", components=["cart"]),
        "Checkout",
        "component",
        "last day of Checkout's ownership (end_date inclusive)",
    ),
    (
        item("CO-2", "2024-06-01", "2024-07-01", project_key="ZZZ", components=["cart"]),
        "Payments",
        "component",
        "first day of Payments' ownership",
    ),
    (
        item("CO-3", "2024-06-20", None, project_key="ZZZ", components=["cart"]),
        "Checkout",
        "component",
        "unresolved: the creation date decides",
    ),
    (
        item("CO-4", "2024-06-01", "2024-07-05", project_key="ZZZ", components=["cart"]),
        "Payments",
        "component",
        "resolved: the resolution date decides, not the creation date",
    ),
    (
        item("CO-5", "2024-06-01", "2024-06-30T23:30:00-02:00", project_key="ZZZ", components=["cart"]),
        "Payments",
        "component",
        "23:30 at -02:00 on 30 June is 01:30 UTC on 1 July",
    ),
    (
        item("CO-6", "2024-07-01", "2024-07-10", project_key="CHK", components=["web", "cart"]),
        "Payments",
        "component",
        "one owned component is enough, and component beats project",
    ),
    (
        item("PR-1", "2024-01-01", "2024-03-01", project_key="OPS", assignee="Cy"),
        "Search",
        "project",
        "first day of OPS ownership; project beats assignee",
    ),
    (
        item("PR-2", "2024-01-01", "2024-02-29", project_key="OPS", assignee="Cy"),
        "Payments",
        "assignee",
        "OPS not owned yet: the assignee's team that day",
    ),
    (
        item("PR-3", "2024-01-01", "2024-08-01", project_key="CHK", assignee="Ana"),
        "Checkout",
        "project",
        "project beats the assignee's (new) team",
    ),
    (
        item("AS-1", "2024-06-01", "2024-06-30", project_key="ZZZ", assignee="Ana"),
        "Checkout",
        "assignee",
        "Ana's last day in Checkout",
    ),
    (
        item("AS-2", "2024-06-01", "2024-07-01", project_key="ZZZ", assignee="Ana"),
        "Payments",
        "assignee",
        "Ana moved to Payments on the reorg date",
    ),
    (
        item("AS-3", "2024-06-01", None, project_key="ZZZ", assignee="Ana"),
        "Checkout",
        "assignee",
        "unresolved, created while Ana was in Checkout",
    ),
    (
        item("AS-4", "2024-06-01", "2024-06-02", project_key="ZZZ", assignee="Ben"),
        "Search",
        "assignee",
        "an undated roster row covers every date",
    ),
    (
        item("NO-1", "2022-12-01", None, project_key="ZZZ", assignee="Ana"),
        None,
        "none",
        "before Ana's first roster row",
    ),
    (
        item("NO-2", "2024-06-01", "2024-06-02", project_key="ZZZ", assignee="Zed"),
        None,
        "none",
        "assignee not in the roster",
    ),
    (item("NO-3", "2024-06-01", "2024-06-02", project_key="ZZZ"), None, "none", "nothing to go on"),
    (
        item("NO-4", "2024-01-01", "2024-02-15", project_key="OPS", components=["web"]),
        None,
        "none",
        "unowned component, OPS not owned yet, no assignee",
    ),
]


@pytest.fixture
def attributed(store, canonical_file):
    store.load_paths([FIXTURES / "org", canonical_file("items.json", {"work_items": [case[0] for case in CASES]})])
    return {
        key: (team, by) for key, team, by in rows(store, "select item_key, team, attributed_by from work_item_teams")
    }


@pytest.mark.parametrize("record, team, rule, why", CASES, ids=[case[0]["item_key"] for case in CASES])
def test_work_item_team(attributed, record, team, rule, why):
    assert attributed[record["item_key"]] == (team, rule), why


def test_unattributed_items_are_counted_never_dropped(store, attributed):
    assert len(attributed) == len(CASES)
    assert rows(store, "select count(*) from work_items") == [(len(CASES),)]
    report = quality_report(store.con)
    by_rule = dict(zip(report.attribution["attributed_by"], report.attribution["items"]))
    # The literal is counted by hand from CASES (20 items); the loop guards against a miscount.
    expected = {}
    for _, _, rule, _ in CASES:
        expected[rule] = expected.get(rule, 0) + 1
    assert by_rule == expected == {"team_field": 2, "component": 6, "project": 3, "assignee": 5, "none": 4}
    assert report.unattributed_share == pytest.approx(4 / 20)


def test_later_ownership_row_wins_where_rows_overlap(store, canonical_file, write_file):
    # api: Checkout from 2024-01-01 with no end, and Search from 2024-05-01: from then on the
    # later row wins. web: an undated row and a dated one; the dated one is the later start.
    store.load_paths(
        [
            write_file(
                "ownership.csv",
                "kind,value,team,start_date,end_date\n"
                "jira_component,api,Checkout,2024-01-01,\n"
                "jira_component,api,Search,2024-05-01,\n"
                "jira_component,web,Checkout,,\n"
                "jira_component,web,Payments,2024-05-01,\n",
            ),
            canonical_file(
                "items.json",
                {
                    "work_items": [
                        item("A-1", "2024-01-01", "2024-04-30", components=["api"]),
                        item("A-2", "2024-01-01", "2024-05-01", components=["api"]),
                        item("W-1", "2024-01-01", "2024-04-30", components=["web"]),
                        item("W-2", "2024-01-01", "2024-05-01", components=["web"]),
                    ]
                },
            ),
        ]
    )
    assert rows(store, "select item_key, team from work_item_teams order by 1") == [
        ("A-1", "Checkout"),
        ("A-2", "Search"),
        ("W-1", "Checkout"),
        ("W-2", "Payments"),
    ]


def test_today_roster_does_not_rewrite_history(store, canonical_file, write_file):
    items = canonical_file(
        "items.json",
        {
            "work_items": [
                item("H-1", "2024-03-01", "2024-03-02", assignee="Ana"),
                item("H-2", "2024-08-01", "2024-08-02", assignee="Ana"),
            ]
        },
    )
    store.load_paths([FIXTURES / "org" / "members.csv", items])
    assert rows(store, "select item_key, team from work_item_teams order by 1") == [
        ("H-1", "Checkout"),
        ("H-2", "Payments"),
    ]
    # A roster with only the current row from 2024-07-01 leaves the March item without a team;
    # it does not move it to Ana's team of today.
    store.load_paths([write_file("members-now.csv", "person,team,start_date\nAna,Payments,2024-07-01\n")])
    assert rows(store, "select item_key, team, attributed_by from work_item_teams order by 1") == [
        ("H-1", None, "none"),
        ("H-2", "Payments", "assignee"),
    ]


def test_attribution_follows_a_replaced_ownership_file(store, canonical_file, write_file):
    store.load_paths(
        [
            FIXTURES / "org",
            canonical_file(
                "items.json", {"work_items": [item("CHK-7", "2024-01-01", "2024-01-05", project_key="CHK")]}
            ),
        ]
    )
    assert rows(store, "select team from work_item_teams") == [("Checkout",)]
    store.load_paths([write_file("ownership-2.csv", "kind,value,team\njira_project,CHK,Search\n")])
    assert rows(store, "select team, attributed_by from work_item_teams") == [("Search", "project")]


# ---- releases ---------------------------------------------------------------------------------


def test_release_team_by_repository_or_jira_project_on_the_release_date(store, canonical_file, write_file):
    store.load_paths(
        [
            FIXTURES / "org",
            # Hand-converted: v0.9 06-30 12:00Z; v1.0.0 2024-06-30 22:30 -05:00 = 07-01 03:30Z.
            write_file(
                "acme__shop__tags.csv",
                "tag,tagger_date,commit_date\n"
                "v0.9,,2024-06-30T12:00:00Z\n"
                "v1.0.0,2024-06-30T22:30:00-05:00,2024-06-30T18:00:00-05:00\n",
            ),
            write_file("acme__other__tags.csv", "tag,date\nv1,2024-06-30T12:00:00Z\n"),
            canonical_file(
                "releases.json",
                {
                    "releases": [
                        {
                            "release_id": "github:acme/shop:v0.8",
                            "source": "github_release",
                            "repo": "acme/shop",
                            "created_at": "2024-06-14T10:00:00Z",
                            "released_at": "2024-06-15T10:00:00Z",
                        },
                        {
                            "release_id": "jira:PAY:1.0",
                            "source": "jira_version",
                            "project_key": "PAY",
                            "name": "1.0",
                            "release_date": "2024-05-01",
                        },
                        {
                            "release_id": "jira:OPS:0.1",
                            "source": "jira_version",
                            "project_key": "OPS",
                            "name": "0.1",
                            "release_date": "2024-02-01",
                        },
                        {
                            "release_id": "jira:OPS:0.2",
                            "source": "jira_version",
                            "project_key": "OPS",
                            "name": "0.2",
                            "release_date": "2024-03-01",
                        },
                        # A GitHub release of a repo named like a Jira project: matched on github_repo only.
                        {
                            "release_id": "github:PAY:v1",
                            "source": "github_release",
                            "repo": "PAY",
                            "released_at": "2024-06-15T10:00:00Z",
                        },
                    ]
                },
            ),
        ]
    )
    assert dict(rows(store, "select release_id, team from release_teams")) == {
        "tag:acme/shop:v0.9": "Checkout",  # 30 June: Checkout's last day
        "tag:acme/shop:v1.0.0": "Payments",  # 1 July in UTC (30 June at -05:00)
        "github:acme/shop:v0.8": "Checkout",  # published 15 June
        "tag:acme/other:v1": None,  # no ownership row for the repo
        "jira:PAY:1.0": "Payments",  # fix version by Jira project, release_date
        "jira:OPS:0.1": None,  # before OPS was owned
        "jira:OPS:0.2": "Search",  # OPS ownership starts that day
        "github:PAY:v1": None,
    }
    assert quality_report(store.con).releases_without_team == 3


def test_later_ownership_row_wins_for_releases_too(store, canonical_file, write_file):
    store.load_paths(
        [
            write_file(
                "ownership.csv",
                "kind,value,team,start_date\n"
                "github_repo,acme/api,Checkout,2024-01-01\n"
                "github_repo,acme/api,Search,2024-05-01\n",
            ),
            write_file("acme__api__tags.csv", "tag,date\nv1,2024-04-30T12:00:00Z\nv2,2024-05-01T12:00:00Z\n"),
        ]
    )
    assert rows(store, "select release_id, team from release_teams order by 1") == [
        ("tag:acme/api:v1", "Checkout"),
        ("tag:acme/api:v2", "Search"),
    ]
