"""No silent empties on the importer side: an item that is Done without a resolution date is
delivered when it last moved to Done, and named; an export without a Resolved column says so.

Independent source: the Jira REST shapes follow the real search page in ../shared/samples
(devlake_cloud_search_with_changelog.json: `fields.status.statusCategory.key`, status names such
as 已完成, `changelog.histories[].items[]` with field "status", `to`/`toString`); the expected
delivery times are read off the hand-written changelogs below.
"""

from __future__ import annotations

import json

import pandas as pd
from conftest import detect_and_parse, utc

from analysis.importers import ImportOptions, jira_csv, jira_json


def status(name: str, category_key: str, status_id: str) -> dict:
    return {"id": status_id, "name": name, "statusCategory": {"key": category_key, "name": category_key}}


def move(history_id: str, when: str, from_name: str, to_name: str, to_id: str) -> dict:
    return {
        "id": history_id,
        "created": when,
        "items": [{"field": "status", "fieldtype": "jira", "fromString": from_name, "toString": to_name, "to": to_id}],
    }


def issue(key: str, current: dict, resolved: str | None, histories: list[dict]) -> dict:
    return {
        "id": key.split("-")[1],
        "key": key,
        "fields": {
            "summary": key,
            "created": "2024-03-01T10:00:00.000+0000",
            "updated": "2024-04-01T10:00:00.000+0000",
            "project": {"key": "EE"},
            "status": current,
            "resolutiondate": resolved,
        },
        "changelog": {"startAt": 0, "maxResults": len(histories), "total": len(histories), "histories": histories},
    }


DONE = status("已完成", "done", "10068")
SHIPPED = status("Shipped", "done", "10070")
REVIEW = status("Done", "indeterminate", "10069")  # named Done, but In Progress by category
OPEN = status("To Do", "new", "10000")


def test_done_without_resolutiondate_is_delivered_at_the_last_move_to_done(write_file):
    page = {
        "startAt": 0,
        "maxResults": 50,
        "total": 5,
        "issues": [
            # Done, reopened, Done again (through another Done-category status): the last move counts.
            issue(
                "EE-1",
                DONE,
                None,
                [
                    move("1", "2024-03-05T09:00:00.000+0000", "To Do", "已完成", "10068"),
                    move("2", "2024-03-06T09:00:00.000+0000", "已完成", "To Do", "10000"),
                    move("3", "2024-03-07T09:00:00.000+0000", "To Do", "Shipped", "10070"),
                    move("4", "2024-03-08T15:30:00.000+0000", "Shipped", "已完成", "10068"),
                ],
            ),
            issue(
                "EE-2",
                DONE,
                "2024-03-09T10:00:00.000+0000",
                [move("5", "2024-03-02T09:00:00.000+0000", "To Do", "已完成", "10068")],
            ),
            issue("EE-3", DONE, None, []),
            # A status called "Done" that is not in the Done category is not delivery.
            issue("EE-4", REVIEW, None, [move("6", "2024-03-03T09:00:00.000+0000", "To Do", "Done", "10069")]),
            issue("EE-5", SHIPPED, None, [move("7", "2024-03-04T11:00:00.000+0000", "To Do", "Shipped", "10070")]),
        ],
    }
    path = write_file("search.json", json.dumps(page))
    result = detect_and_parse(path, jira_json, "jira_search", ImportOptions())
    got = {row["item_key"]: row["resolved_at"] for row in result.tables["work_items"].to_dict("records")}
    assert got["EE-1"] == utc(2024, 3, 8, 15, 30)
    assert got["EE-2"] == utc(2024, 3, 9, 10, 0)  # a resolutiondate is kept as it is
    assert pd.isna(got["EE-3"]) and pd.isna(got["EE-4"])  # empty (NaT in the frame)
    assert got["EE-5"] == utc(2024, 3, 4, 11, 0)
    [moved] = [n for n in result.notes if "last move to a Done-category status" in n]
    assert moved.startswith("2 items") and "EE-1, EE-5" in moved
    [never] = [n for n in result.notes if "count as not delivered" in n]
    assert never.startswith("1 items") and "EE-3" in never


# Cloud "all fields" columns as in ../shared/samples/jira_csv (Status Category, Status Category Changed).
CSV_HEADER = "Issue key,Summary,Issue Type,Status,Status Category,Created,Resolved,Status Category Changed"


def test_a_csv_done_item_without_resolved_is_delivered_at_status_category_changed(write_file):
    rows = [
        # The file's Done category, learned from the resolved item (a German export's "Fertig").
        "AB-1,x,Story,Erledigt,Fertig,01/Mar/24 9:00 AM,05/Mar/24 4:37 PM,05/Mar/24 4:37 PM",
        "AB-2,y,Story,Erledigt,Fertig,01/Mar/24 9:00 AM,,07/Mar/24 10:15 AM",
        "AB-3,z,Story,Done,In Arbeit,01/Mar/24 9:00 AM,,06/Mar/24 10:15 AM",
        "AB-4,w,Story,Erledigt,Fertig,01/Mar/24 9:00 AM,,",
    ]
    path = write_file("jira.csv", "\n".join([CSV_HEADER, *rows]) + "\n")
    result = detect_and_parse(path, jira_csv, "jira_csv", ImportOptions())
    got = {row["item_key"]: row["resolved_at"] for row in result.tables["work_items"].to_pylist()}
    assert got == {"AB-1": utc(2024, 3, 5, 16, 37), "AB-2": utc(2024, 3, 7, 10, 15), "AB-3": None, "AB-4": None}
    [moved] = [n for n in result.notes if "delivery is then the move to Done" in n]
    assert moved.startswith("1 items") and "AB-2" in moved and "Status Category Changed" in moved
    [never] = [n for n in result.notes if "count as not delivered" in n]
    assert "AB-4" in never


def test_the_move_to_done_is_read_in_the_chosen_time_zone(write_file):
    rows = [
        "AB-1,x,Story,Done,Done,01/Mar/24 9:00 AM,05/Mar/24 4:37 PM,",
        "AB-2,y,Story,Done,Done,01/Mar/24 9:00 AM,,07/Mar/24 10:15 AM",
    ]
    path = write_file("jira.csv", "\n".join([CSV_HEADER, *rows]) + "\n")
    result = detect_and_parse(path, jira_csv, "jira_csv", ImportOptions(timezone="Europe/Berlin"))
    got = {row["item_key"]: row["resolved_at"] for row in result.tables["work_items"].to_pylist()}
    # 10:15 in Berlin in March (CET, UTC+1) is 09:15 UTC.
    assert got["AB-2"] == utc(2024, 3, 7, 9, 15) and got["AB-1"] == utc(2024, 3, 5, 15, 37)
