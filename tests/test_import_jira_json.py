"""Jira REST JSON (search pages, changelog pages, project versions, field and link-type lists):
detection from the first keys, the canonical rows, the first-due-date rule, and refusals that
name the file and what was expected. The last part reads the real samples in ../shared/samples."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLES, detect_and_parse, rows, utc
from hypothesis import given
from hypothesis import strategies as st

from analysis import importers
from analysis.importers import FileRefused, ImportOptions, jira_json, json_rows
from analysis.importers.base import SNIFF_BYTES, Sample

JIRA_SAMPLES = SAMPLES / "jira_rest"


def sample(text: str) -> Sample:
    return Sample(path=Path("x.json"), text=text, encoding="utf-8")


def parse(path: Path):
    kind = jira_json.detect(sample(path.read_text(encoding="utf-8")[:SNIFF_BYTES]))
    assert kind, f"{path.name} was not recognised"
    return jira_json.parse(path, kind, ImportOptions())


def records(result, table: str) -> list[dict]:
    return result.tables[table].to_dict("records")


def by_key(result) -> dict[str, dict]:
    return {row["item_key"]: row for row in records(result, "work_items")}


# ---- small Jira objects ----------------------------------------------------------------------


def issue(key: str, created: str = "2024-03-01T10:00:00.000+0000", **fields) -> dict:
    number = key.split("-")[1]
    body = {"summary": f"item {key}", "created": created, "updated": created, "project": {"key": key.split("-")[0]}}
    body.update(fields)
    return {
        "id": f"100{number}",
        "key": key,
        "self": f"https://jira.example.com/jira/rest/api/2/issue/100{number}",
        "fields": body,
    }


def history(history_id: str, created: str, *items: dict) -> dict:
    return {"id": history_id, "created": created, "items": list(items)}


def change(field: str, from_value=None, to_value=None, from_string=None, to_string=None) -> dict:
    return {
        "field": field,
        "fieldtype": "jira",
        "from": from_value,
        "to": to_value,
        "fromString": from_string if from_string is not None else from_value,
        "toString": to_string if to_string is not None else to_value,
    }


def due(from_date=None, to_date=None) -> dict:
    return {
        **change(
            "duedate",
            from_date,
            to_date,
            f"{from_date} 00:00:00.0" if from_date else None,
            f"{to_date} 00:00:00.0" if to_date else None,
        ),
        "fieldId": "duedate",
    }


def with_changelog(item: dict, *histories: dict, total: int | None = None) -> dict:
    item["changelog"] = {
        "startAt": 0,
        "maxResults": len(histories),
        "total": len(histories) if total is None else total,
        "histories": list(histories),
    }
    return item


def page(*issues: dict, **extra) -> dict:
    return {"startAt": 0, "maxResults": 50, "total": len(issues), "issues": list(issues), **extra}


@pytest.fixture
def write_json(write_file):
    def write(document, name: str = "export.json") -> Path:
        return write_file(name, json.dumps(document))

    return write


# ---- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document, kind",
    [
        (page(issue("A-1")), "jira_search"),
        (
            {"expand": "schema,names", "issues": [{"expand": "x", "fields": {}, "id": "1", "key": "A-1"}]},
            "jira_search",
        ),  # keys in alphabetical order
        ({"issues": [], "total": 0, "startAt": 0}, "jira_search"),  # an empty page, refused later
        ({"issues": [issue("A-1")], "nextPageToken": "x", "isLast": False}, "jira_search"),  # /search/jql
        (issue("A-1"), "jira_search"),  # one issue
        ([page(issue("A-1")), page(issue("A-2"))], "jira_search"),  # pages in a list
        ({"startAt": 0, "total": 1, "values": [history("1", "2024-03-01T10:00:00.000+0000")]}, "jira_changelog"),
        ({"issueKey": "A-1", "values": [history("1", "2024-03-01T10:00:00.000+0000")]}, "jira_changelog"),
        ({"key": "ABC", "versions": [{"name": "1.0", "released": True}]}, "jira_versions"),
        (
            [{"self": "u", "id": "1", "name": "1.0", "archived": False, "released": False, "projectId": 1}],
            "jira_versions",
        ),
        ({"values": [{"name": "1.0", "released": True, "releaseDate": "2024-01-01"}], "isLast": True}, "jira_versions"),
        ([{"id": "summary", "name": "Summary", "custom": False, "clauseNames": ["summary"]}], "jira_fields"),
        ([{"id": "1", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}], "jira_link_types"),
        (
            {"issueLinkTypes": [{"id": "1", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}]},
            "jira_link_types",
        ),
    ],
)
def test_detected_from_the_json_keys(document, kind):
    assert jira_json.detect(sample(json.dumps(document, indent=1))) == kind


@pytest.mark.parametrize(
    "text",
    [
        "key,summary,created\nA-1,x,2024-01-01\n",  # CSV
        "[]",
        '{"foo": 1}',
        '[{"tag_name": "v1", "draft": false, "name": "v1", "released": true}]',  # GitHub
        '[{"number": 1, "head": {}, "base": {}, "title": "x"}]',
        "",
    ],
)
def test_other_content_is_not_claimed(text):
    assert jira_json.detect(sample(text)) is None


@pytest.mark.parametrize(
    "document, kind",
    [
        (page(issue("A-1")), "jira_search"),
        ({"issueKey": "A-1", "values": [history("1", "2024-03-01T10:00:00.000+0000")]}, "jira_changelog"),
        ({"key": "ABC", "versions": [{"name": "1.0", "released": True}]}, "jira_versions"),
        ([{"id": "1", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}], "jira_link_types"),
    ],
)
def test_minified_json_reaches_this_importer_through_the_whole_chain(write_file, document, kind):
    # One line of JSON is also a (strange) CSV header: the CSV importers must not claim it.
    path = write_file("export.txt", json.dumps(document, separators=(",", ":")))
    assert importers.detect(path) == (jira_json, kind)


def test_detected_from_a_cut_off_page():
    # Detection sees the first 256 KB; a search page with a huge first issue ends mid-string.
    big = issue("A-1", description="x" * 400_000)
    text = json.dumps(page(big, issue("A-2")))[:SNIFF_BYTES]
    assert jira_json.detect(sample(text)) == "jira_search"


def test_key_paths_follow_nesting_and_ignore_strings_that_look_like_json():
    text = '{"issues": [{"key": "A-1", "fields": {"summary": "a {\\"fake\\": [1]} b", "status": {"name": "x"}}}'
    paths = json_rows.key_paths(text)  # cut before the closing brackets
    assert {
        "issues",
        "issues[].key",
        "issues[].fields",
        "issues[].fields.summary",
        "issues[].fields.status",
        "issues[].fields.status.name",
    } == paths
    assert json_rows.key_paths('[[{"tag_name": "v1"}]]') == {"[][].tag_name"}


def walk_paths(value, parent: str = "") -> set[str]:
    """Key paths of a parsed document, the way key_paths names them (an independent walk)."""
    found = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{parent}.{key}" if parent else key
            found |= {path} | walk_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            found |= walk_paths(child, parent + "[]")
    return found


keys = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='.[]\\"'), max_size=6)
documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=12,
)


@given(documents, st.floats(min_value=0, max_value=1))
def test_key_paths_match_the_document_and_a_cut_sees_no_invented_keys(document, cut):
    text = json.dumps(document, ensure_ascii=False)
    expected = {path for path in walk_paths(document) if path.count(".") + path.count("[]") < 12}
    assert json_rows.key_paths(text, max_depth=20) >= expected
    assert json_rows.key_paths(text[: int(len(text) * cut)], max_depth=20) <= json_rows.key_paths(text, max_depth=20)


# ---- search pages: work items ----------------------------------------------------------------


def test_work_item_fields_from_a_search_issue(write_json):
    item = issue(
        "CHK-12",
        created="2021-05-28T16:40:16.000+0800",
        updated="2021-06-01T09:00:00.000+0800",
        resolutiondate="2021-06-02T18:30:00.000+0800",
        duedate="2021-06-04",
        issuetype={"name": "Story"},
        status={"name": "Erledigt", "statusCategory": {"key": "done", "name": "Fertig"}},
        priority={"name": "High"},
        resolution={"name": "Done"},
        assignee={"displayName": "Ana Lima"},
        reporter={"displayName": "Bo Chen"},
        components=[{"name": "Checkout"}, {"name": "Cart"}],
        labels=["web", "q2"],
        fixVersions=[{"name": "2.1", "releaseDate": "2021-06-10"}],
        parent={"key": "CHK-1"},
        flagged=True,
        customfield_10020=[{"id": 7, "name": "Sprint 7", "state": "closed", "boardId": 8}],
    )
    result = parse(write_json(page(item)))
    row = by_key(result)["CHK-12"]
    assert row["item_id"] == "10012" and row["project_key"] == "CHK"
    assert row["title"] == "item CHK-12" and row["item_type"] == "Story"
    assert (row["status"], row["status_category"]) == ("Erledigt", "Done")  # category from its key
    assert (row["priority"], row["resolution"]) == ("High", "Done")
    assert (row["assignee"], row["reporter"]) == ("Ana Lima", "Bo Chen")
    assert row["components"] == ["Checkout", "Cart"] and row["labels"] == ["web", "q2"]
    assert row["fix_versions"] == ["2.1"] and row["sprints"] == ["Sprint 7"]
    assert row["parent_key"] == "CHK-1"
    assert row["created_at"] == utc(2021, 5, 28, 8, 40, 16)  # +0800 made UTC
    assert row["resolved_at"] == utc(2021, 6, 2, 10, 30)
    assert row["due_date"] == dt.date(2021, 6, 4)
    assert row["is_flagged"] is True
    assert row["url"] == "https://jira.example.com/jira/browse/CHK-12"  # context path kept
    assert row["has_changelog"] is False
    assert row["first_due_date"] is None and row["due_date_changes"] is None  # no changelog
    assert result.tables["work_items"]["created_at"].dt.tz is not None
    assert any("no changelog" in note for note in result.notes)


def test_custom_fields_are_resolved_through_names(write_json):
    names = {
        "customfield_1": "Team",
        "customfield_2": "Story Points",
        "customfield_3": "Epic Link",
        "customfield_4": "Flagged",
        "customfield_5": "Sprint",
    }
    sprint = (
        "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=3,rapidViewId=2,"
        "state=CLOSED,name=Sprint 3,startDate=2024-01-01T00:00:00.000Z]"
    )
    flagged = issue(
        "A-1",
        customfield_1={"id": "t1", "name": "Checkout", "title": "Checkout"},
        customfield_2=5,
        customfield_3="A-100",
        customfield_4=[{"value": "Impediment"}],
        customfield_5=[sprint],
    )
    plain = issue("A-2", customfield_1="Payments", customfield_4=None)
    result = parse(write_json(page(flagged, plain, names=names)))
    rows_ = by_key(result)
    assert rows_["A-1"]["team_field"] == "Checkout" and rows_["A-2"]["team_field"] == "Payments"
    assert rows_["A-1"]["story_points"] == 5.0
    assert rows_["A-1"]["parent_key"] == "A-100"
    assert rows_["A-1"]["sprints"] == ["Sprint 3"]
    assert rows_["A-1"]["is_flagged"] is True and rows_["A-2"]["is_flagged"] is False
    assert not any("expand=names" in note for note in result.notes)


def test_without_names_the_team_field_stays_empty_and_a_note_says_why(write_json):
    result = parse(write_json(page(issue("A-1", customfield_1="Checkout"))))
    row = by_key(result)["A-1"]
    assert row["team_field"] is None and row["story_points"] is None and row["is_flagged"] is None
    assert any("expand=names" in note for note in result.notes)


def test_links_read_from_the_item_side(write_json):
    blocks = {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"}
    item = issue(
        "A-1",
        issuelinks=[
            {"id": "1", "type": blocks, "inwardIssue": {"key": "B-7"}},  # A-1 is blocked by B-7
            {"id": "2", "type": blocks, "outwardIssue": {"key": "A-2"}},  # A-1 blocks A-2
            {"id": "3", "type": {"name": "Relates"}, "outwardIssue": {"key": "C-1"}},
        ],
    )
    result = parse(write_json(page(item)))
    assert sorted(map(tuple, (r.values() for r in records(result, "links")))) == [
        ("A-1", "Blocks", "inward", "B-7"),
        ("A-1", "Blocks", "outward", "A-2"),
        ("A-1", "Relates", "outward", "C-1"),
    ]


# ---- search pages: changelog -----------------------------------------------------------------


def test_changelog_gives_status_and_field_changes_in_time_order(write_json):
    item = with_changelog(
        issue("A-1"),
        # newest first, as Jira Cloud's search returns them
        history(
            "30",
            "2024-03-05T12:00:00.000+0100",
            change("status", "3", "10001", "In Progress", "Done"),
            change("Fix Version", None, "10", None, "2.0"),
        ),
        history(
            "20",
            "2024-03-03T09:00:00.000+0000",
            change("Link", None, "B-7", None, "This issue is blocked by B-7"),
            change("Flagged", None, "[10019]", None, "Impediment"),
            change("assignee", None, "u1", None, "Ana"),
        ),
        history("10", "2024-03-02T09:00:00.000+0000", change("STATUS", "1", "3", "To Do", "In Progress")),
    )
    result = parse(write_json(page(item)))
    assert records(result, "status_changes") == [
        {
            "item_key": "A-1",
            "change_id": "10:0",
            "changed_at": utc(2024, 3, 2, 9),
            "from_status": "To Do",
            "to_status": "In Progress",
        },
        {
            "item_key": "A-1",
            "change_id": "30:0",
            "changed_at": utc(2024, 3, 5, 11),
            "from_status": "In Progress",
            "to_status": "Done",
        },
    ]
    changes = {row["change_id"]: row for row in records(result, "field_changes")}
    assert sorted(changes) == ["20:0", "20:1", "30:1"]  # assignee is not kept
    assert changes["20:0"]["field"] == "Link" and changes["20:0"]["to_value"] == "B-7"
    assert changes["20:0"]["to_string"] == "This issue is blocked by B-7"
    assert changes["20:1"]["field"] == "Flagged" and changes["20:1"]["to_string"] == "Impediment"
    assert changes["30:1"]["field"] == "Fix Version" and changes["30:1"]["to_string"] == "2.0"
    assert by_key(result)["A-1"]["has_changelog"] is True


# Each case: (due date now, duedate changes oldest first as (from, to)) -> (first, re-plans).
# Jira's changelog records changes, not the value an issue was created with: a first change
# with a "from" means the issue was created with that due date.
@pytest.mark.parametrize(
    "due_now, changes, expected",
    [
        (None, [], (None, 0)),
        ("2024-04-01", [], (dt.date(2024, 4, 1), 0)),  # set at creation
        (
            "2024-04-05",
            [(None, "2024-04-01"), ("2024-04-01", "2024-04-05")],
            (dt.date(2024, 4, 1), 1),
        ),  # set later, moved once
        (
            "2024-04-20",
            [("2024-04-01", "2024-04-10"), ("2024-04-10", "2024-04-20")],
            (dt.date(2024, 4, 1), 2),
        ),  # created with one, moved twice
        (None, [(None, "2024-04-01"), ("2024-04-01", None)], (dt.date(2024, 4, 1), 1)),  # cleared
    ],
)
def test_first_due_date_rule(write_json, due_now, changes, expected):
    histories = [
        history(str(100 - n), f"2024-03-{n + 1:02d}T10:00:00.000+0000", due(*pair)) for n, pair in enumerate(changes)
    ]
    item = with_changelog(issue("A-1", duedate=due_now), *reversed(histories))  # newest first
    row = by_key(parse(write_json(page(item))))["A-1"]
    assert (row["first_due_date"], row["due_date_changes"]) == expected


def test_a_changelog_cut_short_is_not_trusted_for_first_due_dates(write_json):
    item = with_changelog(
        issue("A-1", duedate="2024-04-10"),
        history("2", "2024-03-02T10:00:00.000+0000", due("2024-04-01", "2024-04-10")),
        total=150,
    )
    result = parse(write_json(page(item)))
    row = by_key(result)["A-1"]
    assert row["has_changelog"] is False and row["first_due_date"] is None
    assert len(result.tables["field_changes"]) == 1  # what is there still loads
    assert any("cut short" in note and "1 issue" in note for note in result.notes)


def test_bad_issues_are_rejected_and_the_good_ones_load(write_json):
    good = issue("A-1")
    no_key = issue("A-2")
    del no_key["key"]
    bad_created = issue("A-3", created="yesterday")
    bad_history = with_changelog(
        issue("A-4"),
        history("1", "not a time", change("status", "1", "2", "a", "b")),
        history("2", "2024-03-02T10:00:00.000+0000", change("status", "2", "3", "b", "c")),
    )
    result = parse(write_json(page(good, no_key, bad_created, "oops", bad_history)))
    assert sorted(by_key(result)) == ["A-1", "A-4"]
    assert result.rows_read == 5
    rejects = {(r.row, r.field) for r in result.rejects}
    assert rejects == {(2, "key"), (3, "fields.created"), (4, None), (5, "changelog.histories[0].created")}
    assert "yesterday" in next(r.reason for r in result.rejects if r.row == 3)
    assert [r["change_id"] for r in records(result, "status_changes")] == ["2:0"]


def test_an_issue_on_two_pages_keeps_the_latest_update(write_json):
    old = issue("A-1", updated="2024-03-01T10:00:00.000+0000", summary="old title")
    new = issue("A-1", updated="2024-03-09T10:00:00.000+0000", summary="new title")
    result = parse(write_json([page(new), page(old)]))
    assert [r["title"] for r in records(result, "work_items")] == ["new title"]
    assert [(r.row, r.field) for r in result.rejects] == [(2, "item_key")]
    assert "duplicate" in result.rejects[0].reason


def test_a_partial_page_says_which_issues_it_holds(write_json):
    result = parse(write_json({"startAt": 50, "maxResults": 50, "total": 120, "issues": [issue("A-1")]}))
    assert any("issues 51-51 of 120" in note for note in result.notes)


# ---- refusals ----------------------------------------------------------------------------------


def test_an_empty_search_page_is_refused(write_json):
    path = write_json({"startAt": 0, "total": 0, "issues": []}, "empty.json")
    with pytest.raises(FileRefused, match=r"empty.json: .*no issues; expected Jira search results"):
        jira_json.parse(path, "jira_search", ImportOptions())


def test_truncated_json_is_refused_naming_the_file_and_what_was_expected(write_file):
    path = write_file("cut.json", json.dumps(page(issue("A-1"), issue("A-2")))[:-40])
    assert jira_json.detect(sample(path.read_text())) == "jira_search"
    with pytest.raises(FileRefused, match=r"cut.json: not valid JSON.*truncated.*Expected Jira search results"):
        jira_json.parse(path, "jira_search", ImportOptions())


def test_another_api_is_refused(write_json):
    path = write_json({"total_count": 1, "items": [{"number": 1}]}, "github_search.json")
    assert jira_json.detect(sample(path.read_text())) is None
    with pytest.raises(FileRefused, match=r"github_search.json: this JSON has no issues list; expected"):
        jira_json.parse(path, "jira_search", ImportOptions())


# ---- changelog pages -----------------------------------------------------------------------------

CHANGELOG_VALUES = [
    history("11", "2024-03-02T10:00:00.000+0000", change("status", "1", "3", "To Do", "In Progress")),
    history("12", "2024-03-03T10:00:00.000+0000", due(None, "2024-04-01")),
]


def test_a_wrapped_changelog_page_is_keyed_by_its_issue(write_json):
    path = write_json({"issueKey": "A-9", "startAt": 0, "total": 2, "isLast": True, "values": CHANGELOG_VALUES})
    result = parse(path)
    assert result.kind == "jira_changelog" and result.rows_read == 2
    assert [(r["item_key"], r["change_id"], r["to_status"]) for r in records(result, "status_changes")] == [
        ("A-9", "11:0", "In Progress")
    ]
    assert [(r["item_key"], r["field"], r["to_value"]) for r in records(result, "field_changes")] == [
        ("A-9", "duedate", "2024-04-01")
    ]


def test_changelog_entries_may_carry_their_own_issue_key(write_json):
    values = [
        {**CHANGELOG_VALUES[0], "issue_key": "A-1"},
        {**CHANGELOG_VALUES[1], "issueKey": "A-2"},
        {**CHANGELOG_VALUES[0], "id": "13"},
    ]
    result = parse(write_json({"values": values}))
    assert {r["item_key"] for r in records(result, "status_changes")} == {"A-1"}
    assert [(r.row, r.field) for r in result.rejects] == [(3, "issueKey")]


def test_a_partial_changelog_page_says_more_pages_follow(write_json):
    result = parse(
        write_json({"issueKey": "A-9", "startAt": 0, "maxResults": 2, "total": 5, "values": CHANGELOG_VALUES})
    )
    assert any("more pages" in note for note in result.notes)


def test_a_list_of_wrapped_changelog_pages(write_json):
    result = parse(
        write_json(
            [{"issueKey": "A-1", "values": CHANGELOG_VALUES[:1]}, {"issueKey": "A-2", "values": CHANGELOG_VALUES[1:]}]
        )
    )
    assert records(result, "status_changes")[0]["item_key"] == "A-1"
    assert records(result, "field_changes")[0]["item_key"] == "A-2"


def test_a_changelog_page_that_does_not_name_its_issue_is_refused(write_json):
    path = write_json({"startAt": 0, "total": 2, "values": CHANGELOG_VALUES}, "changelog.json")
    with pytest.raises(FileRefused, match=r'changelog.json: .*does not say which issue.*"issueKey"'):
        parse(path)


# ---- versions ---------------------------------------------------------------------------------------

VERSIONS = [
    {
        "self": "https://jira.example.com/rest/api/2/version/1",
        "id": "1",
        "name": "1.0",
        "released": True,
        "releaseDate": "2024-02-01",
        "projectId": 10,
    },
    {
        "self": "https://jira.example.com/rest/api/2/version/2",
        "id": "2",
        "name": "1.1",
        "released": False,
        "releaseDate": "2024-05-01",
        "projectId": 10,
    },
    {"id": "3", "name": "2.0", "released": False, "projectId": 10},
]


def test_project_versions_become_releases(write_json):
    result = parse(write_json({"key": "CHK", "name": "Checkout", "versions": VERSIONS}))
    assert result.kind == "jira_versions"
    released, planned, undated = records(result, "releases")
    assert released["release_id"] == "jira:CHK:1.0" and released["source"] == "jira_version"
    assert released["project_key"] == "CHK" and released["name"] == "1.0"
    assert released["release_date"] == dt.date(2024, 2, 1)
    assert released["released_at"] == utc(2024, 2, 1) and released["is_released"] is True
    assert released["url"] == "https://jira.example.com/rest/api/2/version/1"
    assert planned["release_date"] == dt.date(2024, 5, 1)  # a planned date, not a release
    assert pd.isna(planned["released_at"])
    assert planned["is_released"] is False
    assert undated["release_date"] is None
    assert result.notes == []


def test_a_bare_version_list_does_not_know_its_project(write_json):
    result = parse(write_json(VERSIONS))
    assert [r["release_id"] for r in records(result, "releases")] == ["jira:10:1.0", "jira:10:1.1", "jira:10:2.0"]
    assert all(r["project_key"] is None for r in records(result, "releases"))
    assert any("does not name its Jira project" in note for note in result.notes)


def test_bad_versions_are_rejected(write_json):
    bad = [VERSIONS[0], {"id": "9", "released": True}, {**VERSIONS[1], "releaseDate": "01/05/24"}]
    result = parse(write_json({"key": "CHK", "versions": bad}))
    assert [r["name"] for r in records(result, "releases")] == ["1.0"]
    assert [(r.row, r.field) for r in result.rejects] == [(2, "name"), (3, "releaseDate")]


def test_a_project_without_versions_is_refused(write_json):
    with pytest.raises(FileRefused, match="p.json: the project has no versions"):
        jira_json.parse(write_json({"key": "CHK", "versions": []}, "p.json"), "jira_versions", ImportOptions())


# ---- metadata files ------------------------------------------------------------------------------------


def test_a_link_type_list_names_the_blocking_types(write_json):
    result = parse(
        write_json(
            {
                "issueLinkTypes": [
                    {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                    {"name": "Relates", "inward": "relates to", "outward": "relates to"},
                    {"name": "Needs", "inward": "is needed by", "outward": "depends on"},
                ]
            }
        )
    )
    assert result.kind == "jira_link_types" and result.tables == {} and result.rows_read == 0
    (note,) = result.notes
    assert 'Blocks ("is blocked by")' in note and 'Needs ("depends on")' in note
    assert "Relates" not in note


# ---- the real samples --------------------------------------------------------------------------------------

needs_samples = pytest.mark.skipif(not JIRA_SAMPLES.is_dir(), reason=f"{JIRA_SAMPLES} is absent")


def real(name: str):
    path = JIRA_SAMPLES / name
    return detect_and_parse(path, jira_json), json.loads(path.read_text(encoding="utf-8"))


@needs_samples
@pytest.mark.samples
def test_real_cloud_search_with_changelog():
    result, document = real("devlake_cloud_search_with_changelog.json")
    assert result.kind == "jira_search" and result.rows_read == 33 and result.rejects == []
    items = by_key(result)
    assert len(items) == 33 and all(row["has_changelog"] for row in items.values())
    histories = [h for i in document["issues"] for h in i["changelog"]["histories"]]
    counted = Counter(item["field"] for h in histories for item in h["items"])
    assert counted["status"] == 165 == len(result.tables["status_changes"])  # PROVENANCE says 165
    assert len(result.tables["field_changes"]) == counted["Fix Version"]
    ee1 = items["EE-1"]
    assert ee1["labels"] == ["frontEnd", "Saas"] and ee1["fix_versions"] == ["v2.7.0"]
    assert ee1["sprints"] == ["EE Sprint 7"] and ee1["status"] == "已完成"
    assert ee1["url"] == "https://merico.atlassian.net/browse/EE-1"
    assert ee1["created_at"] == jira_json.parse_timestamp(document["issues"][0]["fields"]["created"])
    assert ee1["due_date"] == dt.date(2025, 3, 9) == ee1["first_due_date"]
    with_parent = [i for i in document["issues"] if i["fields"].get("parent")]
    assert all(items[i["key"]]["parent_key"] == i["fields"]["parent"]["key"] for i in with_parent)
    # Histories come newest first in this file; EE-1's first status change is Inbox -> Ready for Dev.
    first = min(
        (r for r in records(result, "status_changes") if r["item_key"] == "EE-1"), key=lambda r: r["changed_at"]
    )
    assert (first["change_id"], first["from_status"], first["to_status"]) == ("10900:0", "Inbox", "Ready for Dev")


@needs_samples
@pytest.mark.samples
def test_real_server_search_with_issue_links():
    result, document = real("devlake_server_search_with_issuelinks.json")
    assert len(result.tables["work_items"]) == 22
    expected_links = sum(len(i["fields"]["issuelinks"]) for i in document["issues"])
    links = records(result, "links")
    assert len(links) == expected_links == 16
    assert {
        "item_key": "DZFNK0168-1",
        "link_type": "Blocks",
        "direction": "inward",
        "linked_key": "DZFNK0168-5",
    } in links
    link_changes = [r for r in records(result, "field_changes") if r["field"] == "Link"]
    assert len(link_changes) == 18
    assert any(
        r["item_key"] == "DZFNK0168-20" and r["from_value"] == "IP8CUD168-35404" and pd.isna(r["to_value"])
        for r in link_changes
    )  # a removed link
    assert by_key(result)["DZFNK0168-1"]["url"] == "http://3.81.151.94:8080/browse/DZFNK0168-1"


@needs_samples
@pytest.mark.samples
def test_real_changelog_values_page_is_refused_because_it_names_no_issue():
    path = JIRA_SAMPLES / "devlake_cloud_changelog_values.json"
    assert importers.detect(path) == (jira_json, "jira_changelog")
    with pytest.raises(FileRefused, match=r"devlake_cloud_changelog_values.json: .*279 changes.*issueKey"):
        jira_json.parse(path, "jira_changelog", ImportOptions())


@needs_samples
@pytest.mark.samples
def test_real_search_pages_without_changelog():
    first, _ = real("perceval__fiware_search_page_1.json")
    second, _ = real("perceval__fiware_search_page_2.json")
    assert len(first.tables["work_items"]) == 2 and len(second.tables["work_items"]) == 1
    assert any("issues 1-2 of 3" in note for note in first.notes)
    assert "status_changes" not in first.tables
    assert all(row["components"] for row in records(first, "work_items"))
    assert all(row["url"].startswith("https://jira.fiware.org/browse/") for row in records(first, "work_items"))


@needs_samples
@pytest.mark.samples
def test_real_project_versions():
    result, document = real("go-jira__apache_ABDERA_project_with_versions.json")
    releases = {r["name"]: r for r in records(result, "releases")}
    assert len(releases) == 9 == len(document["versions"])
    assert sum(r["is_released"] for r in releases.values()) == 7
    assert releases["0.2.2"]["release_id"] == "jira:ABDERA:0.2.2"
    assert releases["0.2.2"]["released_at"] == utc(2007, 2, 19)
    assert releases["1.2"]["is_released"] is False and releases["1.2"]["release_date"] is None


@needs_samples
@pytest.mark.samples
def test_real_field_and_link_type_lists_are_metadata():
    fields, _ = real("perceval__fiware_fields.json")
    assert fields.kind == "jira_fields" and fields.tables == {}
    assert "Flagged = customfield_10200" in fields.notes[0]
    link_types, _ = real("go-jira__all_issuelinktypes.json")
    assert link_types.kind == "jira_link_types"
    assert 'Blocker ("is blocked by")' in link_types.notes[0]


@needs_samples
@pytest.mark.samples
def test_real_samples_load_into_the_store(store):
    outcomes = {o.file_name: o for o in store.load_paths([JIRA_SAMPLES])}
    assert outcomes["devlake_cloud_changelog_values.json"].status == "refused"
    assert outcomes["devlake_cloud_search_with_changelog.json"].status == "loaded"
    assert rows(store, "select count(*) from status_changes") == [(165,)]
    assert rows(store, "select count(*) from work_items") == [(33 + 22 + 3,)]
    assert rows(store, "select count(*) from releases where project_key = 'ABDERA'") == [(9,)]
    assert rows(store, "select sprints from work_items where item_key = 'EE-1'") == [(["EE Sprint 7"],)]


def test_fix_versions_inside_search_results_become_releases_with_planned_dates(write_json, store):
    """Search results embed each issue's fixVersions: released ones count as releases and
    their dates make commitments (SPEC metric 2: the fix version's planned release date)."""
    v12 = {
        "self": "https://jira.example.com/rest/api/2/version/1",
        "id": "1",
        "name": "1.2",
        "released": True,
        "releaseDate": "2024-05-01",
    }
    v13 = {"id": "2", "name": "1.3", "released": False, "releaseDate": "2024-06-01"}
    no_flag = {"id": "3", "name": "1.4"}  # says nothing about release: left to a versions file
    bad_date = {"id": "4", "name": "1.5", "released": False, "releaseDate": "June"}
    result = parse(
        write_json(
            page(
                issue("A-1", fixVersions=[v12]),
                issue("A-2", fixVersions=[v12, v13, no_flag, bad_date], resolutiondate="2024-06-04T10:00:00.000+0000"),
            )
        )
    )
    releases = {row["name"]: row for row in records(result, "releases")}
    assert set(releases) == {"1.2", "1.3"}
    assert releases["1.2"]["release_id"] == "jira:A:1.2" and releases["1.2"]["is_released"]
    assert releases["1.2"]["released_at"] == utc(2024, 5, 1)
    assert not releases["1.3"]["is_released"] and pd.isna(releases["1.3"]["released_at"])
    assert by_key(result)["A-2"]["fix_versions"] == ["1.2", "1.3", "1.4", "1.5"]

    path = write_json(page(issue("A-2", fixVersions=[v13], resolutiondate="2024-06-04T10:00:00.000+0000")), "a2.json")
    store.load_paths([path])
    # A-2 has no due date: its commitment is 1.3's planned date; resolved 3 days later.
    assert rows(store, "select committed_date, commitment_source from work_item_teams where item_key = 'A-2'") == [
        (dt.date(2024, 6, 1), "fix version date")
    ]
