"""Every query in queries/: its declared key is unique and never null on a fixture database with
every table populated, and no query text has a value formatted into it (values are bound)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, PROJECT_ROOT, item

from analysis import queries
from analysis.metrics.rows import release_days

QUERY_NAMES = [name for name in queries.names() if name != "schema"]

# A sample value for every parameter a query binds. A new parameter needs a line here: the test
# fails with the parameter's name rather than guessing.
PARAMS = {
    "timezone": "UTC",
    "link_types": ["Blocks", "Blocker", "Dependency"],
    "blocked_pattern": "is blocked by|depends on",
    "include_prereleases": False,
    "tag_pattern": r"^[vV]?\d+(\.\d+)*$",
    "issue_types": [],
    "blocked_statuses": ["Blocked"],
    "team": "Checkout",
    "search": "",
    "row_limit": 1000,
    "blocker_team": "Payments",
    "item_keys": ["CHK-1", "CHK-2", "PAY-1"],
    "outcomes": [],
    "item_types": [],
    "labels": [],
    "tolerance_days": 3,
    "before_start": dt.date(2024, 1, 1),
    "before_end": dt.date(2024, 7, 1),
    "after_start": dt.date(2024, 7, 1),
    "after_end": dt.date(2025, 1, 1),
    "windows": [
        {"team": team, "period": period, "start_date": start, "end_date": end}
        for team in ("Checkout", "Payments", "Search")
        for period, start, end in (
            ("before", dt.date(2024, 1, 1), dt.date(2024, 7, 1)),
            ("after", dt.date(2024, 7, 1), dt.date(2025, 1, 1)),
        )
    ],
}

LINK = {"link_type": "Blocks", "direction": "inward"}


def without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def parameters(sql: str) -> list[str]:
    text = re.sub(r"'[^']*'", "''", without_comments(sql))  # not inside string literals
    return sorted(set(re.findall(r"\$([A-Za-z_]\w*)", text)))


def declared_key(sql: str) -> tuple[list[str], bool]:
    """Columns named by the `-- Key:` header comment, and whether it promises one row."""
    comments = " ".join(line.split("--", 1)[1] for line in sql.splitlines() if line.strip().startswith("--"))
    match = re.search(r"\bKey:\s*([^.]+)\.", comments)
    assert match, "the query has no `-- Key: <column>, ... .` header comment"
    text = match.group(1).strip()
    one_row = re.fullmatch(r"one row \((\w+)\)", text)
    if one_row:
        return [one_row.group(1)], True
    columns = [part.strip() for part in text.split(",")]
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", c) for c in columns), f"key {text!r} is not a list of columns"
    return columns, False


def key_problem(frame, key: list[str]) -> str | None:
    """Why `key` is not a key of `frame` (missing, null or repeated), or None."""
    if not set(key) <= set(frame.columns):
        return f"key {key} is not among its columns {list(frame.columns)}"
    nulls = frame[frame[key].isna().any(axis=1)]
    if len(nulls):
        return f"returns a null key {key}:\n{nulls}"
    duplicates = frame[frame.duplicated(key, keep=False)]
    if len(duplicates):
        return f"returns the key {key} more than once:\n{duplicates}"
    return None


def run(con, name: str):
    sql = queries.sql(name)
    missing = [p for p in parameters(sql) if p not in PARAMS]
    assert not missing, f"{name}.sql binds {missing}: add a sample value to PARAMS in {Path(__file__).name}"
    return con.execute(sql, {p: PARAMS[p] for p in parameters(sql)}).df()


@pytest.fixture
def populated(store, canonical_file, write_file):
    """Three teams (one a comparison team), items in both windows of each, cross-team blockers
    with and without link history, releases of every source, PRs and reviews, a rejected row,
    a refused file, an unknown team in the roster and an item no rule attributes."""
    members = (FIXTURES / "org" / "members.csv").read_text() + "Dee,Platform,,\n"
    # Rows that make ties: two components of one item owned by the same team from the same day,
    # a team field both mapped through ownership and equal to a team name, and a repository
    # listed twice for the same team from the same day.
    ownership = (
        (FIXTURES / "org" / "ownership.csv").read_text()
        + "jira_component,cart-ui,Payments,2024-07-01,\njira_team_field,Search,Search,,\n"
        + "github_repo,acme/shop,Payments,2024-07-01,2025-06-30\n"
    )
    items = [
        item(
            "CHK-1",
            "2024-03-01",
            "2024-04-10",
            assignee="Ana",
            due_date="2024-04-08",
            first_due_date="2024-04-05",
            due_date_changes=1,
            has_changelog=True,
            updated_at="2024-04-10T18:00:00Z",
        ),
        item("CHK-2", "2024-07-02", "2024-08-01", item_type="Epic", due_date="2024-08-05", has_changelog=True),
        item("CHK-3", "2024-07-03", "2024-07-20", due_date="2024-07-19", components=["cart", "cart-ui"]),
        item("PAY-1", "2024-03-01", "2024-05-01", team_field="Team Orange", due_date="2024-06-01"),
        item("PAY-2", "2024-07-05", "2024-09-01", fix_versions=["2.0"]),
        item("PAY-3", "2024-07-05", None),
        item("OPS-1", "2024-04-01", "2024-06-01", assignee="Ben", due_date="2024-05-30"),
        item("OPS-2", "2024-07-10", "2024-10-01", assignee="Ben", due_date="2024-10-01", team_field="Search"),
        item("ZZZ-1", "2024-05-01", "2024-05-02"),  # no rule attributes it
    ]
    outcomes = store.load_paths(
        [
            FIXTURES / "org" / "teams.csv",
            write_file("ownership.csv", ownership),
            write_file("members.csv", members),
            FIXTURES / "git_tags" / "acme__shop__tags.csv",
            write_file("acme__web__tags.csv", "tag,date\nv1.0,2024-03-01T10:00:00Z\nv1.1,not a date\n"),
            write_file("cities.csv", "city,country\nOslo,Norway\n"),
            canonical_file(
                "jira.json",
                {
                    "work_items": items,
                    "links": [
                        {"item_key": "CHK-1", "linked_key": "PAY-1", **LINK},  # snapshot: no link history
                        {"item_key": "OPS-1", "linked_key": "PAY-1", **LINK},
                        {"item_key": "PAY-2", "linked_key": "OPS-2", "link_type": "Blocks", "direction": "outward"},
                        {"item_key": "CHK-3", "linked_key": "PAY-3", "link_type": "Relates", "direction": "outward"},
                    ],
                    "status_changes": [
                        {
                            "item_key": "CHK-1",
                            "change_id": "1:0",
                            "changed_at": "2024-03-05T09:00:00Z",
                            "from_status": "To Do",
                            "to_status": "In Progress",
                        },
                        {
                            "item_key": "CHK-1",
                            "change_id": "2:0",
                            "changed_at": "2024-04-10T17:00:00Z",
                            "from_status": "In Progress",
                            "to_status": "Done",
                        },
                        {
                            "item_key": "CHK-2",
                            "change_id": "3:0",
                            "changed_at": "2024-07-04T09:00:00Z",
                            "from_status": "To Do",
                            "to_status": "In Progress",
                        },
                    ],
                    "field_changes": [
                        {
                            "item_key": "CHK-1",
                            "change_id": "1:1",
                            "changed_at": "2024-03-05T09:00:00Z",
                            "field": "duedate",
                            "from_value": "2024-04-05",
                            "to_value": "2024-04-08",
                        },
                        # CHK-2 has link history: blocked by PAY-2 from 10 July, unlinked 20 July, again from 25 July.
                        {
                            "item_key": "CHK-2",
                            "change_id": "4:0",
                            "changed_at": "2024-07-10T00:00:00Z",
                            "field": "Link",
                            "to_value": "PAY-2",
                            "to_string": "This issue is blocked by PAY-2",
                        },
                        {
                            "item_key": "CHK-2",
                            "change_id": "5:0",
                            "changed_at": "2024-07-20T00:00:00Z",
                            "field": "Link",
                            "from_value": "PAY-2",
                            "from_string": "This issue is blocked by PAY-2",
                        },
                        {
                            "item_key": "CHK-2",
                            "change_id": "6:0",
                            "changed_at": "2024-07-25T00:00:00Z",
                            "field": "Link",
                            "to_value": "PAY-2",
                            "to_string": "This issue is blocked by PAY-2",
                        },
                    ],
                    "releases": [
                        {
                            "release_id": "github:acme/shop:v0.5",
                            "source": "github_release",
                            "repo": "acme/shop",
                            "tag_name": "v0.5",
                            "released_at": "2024-03-15T12:00:00Z",
                        },
                        {
                            "release_id": "jira:PAY:2.0",
                            "source": "jira_version",
                            "project_key": "PAY",
                            "name": "2.0",
                            "release_date": "2024-08-30",
                        },
                        {
                            "release_id": "jira:OPS:1.0",
                            "source": "jira_version",
                            "project_key": "OPS",
                            "name": "1.0",
                            "release_date": "2024-05-15",
                        },
                        {
                            "release_id": "deploy:acme/shop:1",
                            "source": "github_deployment",
                            "repo": "acme/shop",
                            "released_at": "2024-08-02T12:00:00Z",
                        },
                    ],
                    "pull_requests": [
                        {
                            "pr_id": "acme/shop#1",
                            "repo": "acme/shop",
                            "number": 1,
                            "state": "closed",
                            "created_at": "2024-03-01T10:00:00Z",
                            "merged_at": "2024-03-02T10:00:00Z",
                        },
                        {
                            "pr_id": "acme/shop#2",
                            "repo": "acme/shop",
                            "number": 2,
                            "state": "open",
                            "created_at": "2024-07-01T10:00:00Z",
                        },
                    ],
                    "reviews": [
                        {
                            "review_id": "r1",
                            "pr_id": "acme/shop#1",
                            "reviewer": "Ben",
                            "state": "APPROVED",
                            "submitted_at": "2024-03-02T09:00:00Z",
                        },
                    ],
                },
            ),
        ]
    )
    assert {o.file_name: o.status for o in outcomes} == {
        "teams.csv": "loaded",
        "ownership.csv": "loaded",
        "members.csv": "loaded",
        "acme__shop__tags.csv": "loaded",
        "acme__web__tags.csv": "partial",
        "cities.csv": "refused",
        "jira.json": "loaded",
    }, [o.message for o in outcomes if o.status == "failed"]
    return store.con


def test_every_table_of_the_fixture_is_populated(populated):
    tables = [
        t
        for (t,) in populated.execute(
            "select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    empty = [t for t in tables if populated.execute(f'select count(*) from "{t}"').fetchall()[0][0] == 0]
    assert not empty, f"tables left empty by the fixture: {empty}"


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_key_is_unique_and_never_null(populated, name):
    key, one_row = declared_key(queries.sql(name))
    frame = run(populated, name)
    assert len(frame), f"{name}.sql returned no rows on the fixture database: the key check would prove nothing"
    problem = key_problem(frame, key)
    assert problem is None, f"{name}.sql {problem}"
    if one_row:
        assert len(frame) == 1


def test_fixture_gives_the_report_queries_something_to_count(populated):
    # A few hand-checked values, so a broken fixture cannot pass the loop above by accident.
    waits = run(populated, "dependency_waits").set_index("item_key")["wait_days"].to_dict()
    # CHK-1: created 03-01 09:00, resolved 04-10 17:00, PAY-1 (Payments) resolved later: 40 days 8 hours.
    # CHK-2: blocked 07-10..07-20 and 07-25..its resolution 08-01 17:00 = 10 + 7 days 17 hours.
    # OPS-1: created 04-01 09:00, blocker PAY-1 resolved 05-01 17:00: 30 days 8 hours.
    # OPS-2: created 07-10 09:00, PAY-2 blocks it (outward link on PAY-2) until 09-01 17:00: 53 days 8 hours.
    assert waits == pytest.approx(
        {"CHK-1": 40 + 8 / 24, "CHK-2": 17 + 17 / 24, "OPS-1": 30 + 8 / 24, "OPS-2": 53 + 8 / 24}
    )
    assert run(populated, "unknown_teams").values.tolist() == [["members.csv", "Platform", 1]]
    assert run(populated, "attribution_summary").set_index("attributed_by")["items"].to_dict() == {
        "team_field": 2,
        "project": 5,
        "component": 1,
        "none": 1,
    }


def test_release_days_of_the_fixture_by_hand(populated):
    # In UTC, windows 2024-01-01 / 2024-07-01 / 2025-01-01; acme/shop is Checkout's until
    # 2024-06-30, then Payments'; acme/web belongs to no team; OPS is Search's.
    default = [
        ("Checkout", "before", "2024-03-15"),  # GitHub release v0.5
        ("Payments", "after", "2024-07-01"),  # tag v1.0.0: tagged 2024-06-30 22:30 -05:00 = 07-01 03:30 UTC
        ("Payments", "after", "2024-07-14"),  # tag v1.1.0: 2024-07-15 00:10 +02:00
        ("Payments", "after", "2024-08-20"),  # tag v1.2.0
        ("Payments", "after", "2024-08-30"),  # Jira version PAY 2.0
        ("Search", "before", "2024-05-15"),  # Jira version OPS 1.0
    ]  # never: the deployment, tags v1.1.0rc1, v1.2.0-beta.1, v1.2.1.dev3 (pattern), acme/web's v1.0 (no team)
    every_tag = {"include_prereleases": True, "tag_pattern": ".+"}
    more = [  # the three tags the default pattern refuses
        ("Payments", "after", "2024-07-10"),
        ("Payments", "after", "2024-08-01"),
        ("Payments", "after", "2024-08-21"),
    ]
    for extra, expected in (({}, default), (every_tag, sorted(default + more))):
        params = {name: {**PARAMS, **extra}[name] for name in parameters(queries.sql("counted_releases"))}
        days = release_days(populated, params)
        assert [(r.team, r.period, r.release_day.date().isoformat()) for r in days.itertuples()] == expected
        releases = populated.execute(queries.sql("counted_releases"), params).df()  # the drill-down's rows
        assert "deploy:acme/shop:1" not in set(releases["release_id"])
        listed = {(r.team, r.period, r.release_day.date().isoformat()) for r in releases.itertuples()}
        assert listed == set(expected)


def test_the_release_counting_rule_has_one_home():
    # Which releases count and on which day (SPEC metric 1) is written once, in
    # counted_releases.sql: the metric's release days (metrics.rows.release_days) and the
    # drill-down's releases both read it, so a change to the rule reaches both.
    rule_settings = {"include_prereleases", "tag_pattern"}
    stating = [name for name in queries.names() if rule_settings & set(parameters(queries.sql(name)))]
    assert stating == ["counted_releases"]


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_has_a_key_comment(name):
    declared_key(queries.sql(name))


def test_key_check_catches_nulls_duplicates_and_missing_columns():
    frame = pd.DataFrame({"team": ["A", "A", "B"], "period": ["before", "after", None]})
    assert key_problem(frame.iloc[:2], ["team", "period"]) is None
    assert "null key" in key_problem(frame, ["team", "period"])
    assert "more than once" in key_problem(frame.iloc[:2], ["team"])
    assert "not among its columns" in key_problem(frame, ["item_key"])


def test_parsing_the_key_comment():
    assert declared_key("-- What it is. Key: team, period.\nselect 1") == (["team", "period"], False)
    assert declared_key("-- Key: one row (span).\nselect 1") == (["span"], True)
    with pytest.raises(AssertionError, match="no `-- Key:"):
        declared_key("-- no key here\nselect 1 as key")
    assert parameters("-- $not_this\nselect $team, '$literal' where x = $team") == ["team"]


# Python's ways of putting a value into text: str.format / f-string fields, %-formatting, and
# JavaScript-style templates as evidence.dev pages use them.
PLACEHOLDERS = re.compile(r"\{\s*\w*\s*(![rsa])?(:[^}]*)?\}|%\(\w+\)[sdr]|%[sdr]\b|\$\{")


@pytest.mark.parametrize("name", queries.names())
def test_no_value_is_formatted_into_query_text(name):
    sql = without_comments(queries.sql(name))
    assert not PLACEHOLDERS.search(sql), f"{name}.sql has a format placeholder: {PLACEHOLDERS.search(sql).group(0)!r}"


def test_placeholder_pattern_catches_what_it_should():
    for text in (
        "where team = '{team}'",
        "where team = {}",
        "limit {n:d}",
        "where team = %s",
        "where team = %(team)s",
        "where team = '${inputs.team}'",
    ):
        assert PLACEHOLDERS.search(text), text
    for text in ("where team = $team", "where team = ?", "select {'a': 1} as s", "x like '%a'"):
        assert not PLACEHOLDERS.search(text), text


def test_python_never_formats_values_into_a_query_file():
    # queries.sql(...) text is executed as is: never .format()ed, %-formatted or concatenated
    # with a value (prefixing a constant DDL clause, as metrics/rows.py does, is not a value).
    offences = []
    for path in sorted((PROJECT_ROOT / "analysis").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"queries\.sql\([^)]*\)\s*(\.format\(|\.replace\(|%|\+)", source):
            offences.append(f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}")
    assert not offences, offences
