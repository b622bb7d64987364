"""Jira REST JSON: search pages, issue changelog pages, project versions.

Kinds, recognised from the JSON's keys (never the file name):

- ``jira_search``: ``/rest/api/2|3/search`` (or ``/search/jql``) pages, ``{"issues": [...]}``,
  optionally with ``changelog.histories`` per issue; also a single issue object or a list of
  pages. Gives work_items, links and, with a changelog, status_changes and field_changes.
- ``jira_changelog``: ``/rest/api/3/issue/{id}/changelog`` pages, ``{"values": [...]}``. The
  page does not name its issue, so it needs ``{"issueKey": "PROJ-1", "values": [...]}`` (or
  ``issueKey`` / ``issue_key`` on each entry); without one the file is refused, because changes
  that cannot be joined to an issue would only look like data.
- ``jira_versions``: a project object with ``versions[]``, a bare list of versions
  (``/rest/api/2/project/{key}/versions``) or a paged ``{"values": [...]}`` of them: releases.
- ``jira_fields`` (``/rest/api/2/field``), ``jira_link_types`` (``/rest/api/2/issueLinkType``)
  and ``jira_statuses`` (``/rest/api/2/status``, as ``fetch jira`` writes it): metadata, not
  delivery data. Nothing is loaded; the notes say which custom fields, link types and status
  categories matter to Threadline.

Rules worth knowing:

- Jira's changelog comes newest first in some exports and oldest first in others: histories
  are sorted by time (then id) before anything depends on order.
- First due date: Jira's changelog records changes, not the value an issue was created with.
  So if the earliest ``duedate`` change has a ``from`` value, the issue was created with that
  date and it is the first due date, and every change counts as a re-plan; if it has no
  ``from``, its ``to`` is the first due date and only later changes are re-plans. With no
  ``duedate`` change at all, the current due date is the first (0 re-plans). A clearing of the
  due date counts as a change.
- A changelog cut short by the search (``histories`` fewer than ``total``) is not trusted for
  first due dates: those issues keep ``has_changelog`` false (final due dates are used) and a
  note names how many; their status and field changes are still loaded.
- ``status_category`` is Jira's category key translated to ``To Do`` / ``In Progress`` /
  ``Done`` (instances in other languages name categories in their own language); an unknown
  key keeps Jira's name.
- ``field_changes.field`` is one of ``duedate``, ``Link``, ``Flagged``, ``Fix Version``.
- An issue seen twice (overlapping pages) keeps its most recently updated copy; the other
  copy is rejected as a duplicate, so rows read = rows loaded + rows rejected.
- A bare version list does not name its project: ``project_key`` stays empty,
  ``release_id`` falls back to ``jira:<projectId>:<name>``, and a note says how to fix it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from .base import FileRefused, ImportOptions, ParseResult, Reject, Sample
from .csv_rows import parse_iso_date
from .json_rows import BadValue, keep_latest, key_paths, load, parse_timestamp, typed_frame

EXPECTED = {
    "jira_search": "Jira search results (/rest/api/2/search: an object with an issues list)",
    "jira_changelog": (
        "a Jira issue changelog page (/rest/api/3/issue/{id}/changelog: an object with a "
        'values list, wrapped as {"issueKey": "PROJ-1", "values": [...]})'
    ),
    "jira_versions": (
        "Jira project versions (/rest/api/2/project/{key} with versions, or /rest/api/2/project/{key}/versions)"
    ),
    "jira_fields": "a Jira field list (/rest/api/2/field)",
    "jira_link_types": "a Jira issue link type list (/rest/api/2/issueLinkType)",
    "jira_statuses": "a Jira status list (/rest/api/2/status)",
}

PAGE_KEYS = ("startAt", "maxResults", "total", "isLast", "nextPageToken")
STATUS_CATEGORIES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
# Changelog fields kept in field_changes, by lower-cased Jira field name or field id.
TRACKED_FIELDS = {
    "duedate": "duedate",
    "due date": "duedate",
    "link": "Link",
    "issuelinks": "Link",
    "flagged": "Flagged",
    "fix version": "Fix Version",
    "fix version/s": "Fix Version",
    "fixversions": "Fix Version",
}
# Custom fields found by their name in a page's `names` (expand=names).
FIELD_ROLES = {
    "team": ("team",),
    "story_points": ("story points", "story point estimate"),
    "epic_link": ("epic link",),
    "sprint": ("sprint",),
    "flagged": ("flagged",),
}
SPRINT_STRING = re.compile(r"greenhopper\.service\.sprint\.Sprint@.*?\bname=([^,\]]*)")
BLOCKING_PHRASES = ("blocked by", "depends on", "depends upon", "waiting for", "waits for")


# ---------------------------------------------------------------- values


def parse_date(value) -> dt.date | None:
    """A calendar date ("2025-03-09", or the date part of "2025-03-09 00:00:00.0"); empty is None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date like 2025-03-09")
    return parse_iso_date(value.strip())


def display(value) -> str | None:
    """The readable text of a Jira value: a user, option, team or plain string."""
    while isinstance(value, list) and value:  # the first of a list, however deeply nested
        value = value[0]
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, dict):
        for key in ("displayName", "name", "title", "value", "key"):
            if value.get(key) not in (None, ""):
                return str(value[key])
        return None
    return str(value)


def names_of(values) -> list[str]:
    """Names from a list of Jira objects (components, versions) or strings (labels)."""
    if not isinstance(values, list):
        return []
    return [name for name in (display(value) for value in values) if name]


def sprint_names(value) -> list[str]:
    """Sprint names from sprint objects or Jira Server's "...Sprint@1a2b[...,name=Sprint 1,...]"."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, dict) and item.get("name") and "state" in item:
            found.append(str(item["name"]))
        elif isinstance(item, str):
            match = SPRINT_STRING.search(item)
            if match and match.group(1):
                found.append(match.group(1))
    return found


def looks_like_sprints(value) -> bool:
    """Sprint objects or strings, recognised by shape when no `names` says which field is Sprint."""
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(
        (
            isinstance(item, dict)
            and "state" in item
            and "name" in item
            and bool({"boardId", "originBoardId", "goal", "startDate"} & item.keys())
        )
        or (isinstance(item, str) and SPRINT_STRING.search(item) is not None)
        for item in items
    )


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def browse_url(self_url, key: str) -> str | None:
    """https://host[/context]/browse/KEY from an issue's REST `self` URL."""
    if not isinstance(self_url, str) or "/rest/" not in self_url:
        return None
    return self_url.split("/rest/", 1)[0] + "/browse/" + key


# ---------------------------------------------------------------- detect


def detect(sample: Sample) -> str | None:
    start = sample.json_start()
    if start not in ("{", "["):
        return None
    paths = key_paths(sample.text)
    root = "" if start == "{" else "[]."

    def has(*keys: str) -> bool:
        return all(root + key in paths for key in keys)

    if has("issues") and (has("issues[].key") or has("issues[].fields") or any(has(key) for key in PAGE_KEYS)):
        return "jira_search"
    if has("key", "fields"):
        return "jira_search"  # one issue, or a list of issues
    if (
        has("values[].items")
        or has("values[].created", "values[].author")
        or has("histories[].items")
        or has("histories[].created", "histories[].author")
        or has("items", "created", "id")
    ):
        return "jira_changelog"
    if (
        has("versions[].name")
        or has("versions", "key")
        or has("values[].released")
        or has("values[].releaseDate")
        or (root and has("name") and (has("released") or has("releaseDate")) and not has("tag_name"))
    ):
        return "jira_versions"
    if has("clauseNames") or has("id", "name", "custom", "schema"):
        return "jira_fields"
    if has("issueLinkTypes") or has("issueLinkTypes[].inward") or has("name", "inward", "outward"):
        return "jira_link_types"
    if root and has("name", "statusCategory"):
        return "jira_statuses"
    return None


def parse(path: Path, kind: str, options: ImportOptions) -> ParseResult:
    parsers = {
        "jira_search": parse_search,
        "jira_changelog": parse_changelog,
        "jira_versions": parse_versions,
        "jira_fields": parse_fields,
        "jira_link_types": parse_link_types,
        "jira_statuses": parse_statuses,
    }
    if kind not in parsers:
        raise ValueError(f"jira_json cannot parse kind {kind!r}")
    return parsers[kind](path, load(path, EXPECTED[kind]))


# ---------------------------------------------------------------- search pages


def search_pages(path: Path, data) -> list[dict]:
    """The pages of a search export: one page, a list of pages, or bare issues wrapped as one."""
    if isinstance(data, dict) and isinstance(data.get("issues"), list):
        return [data]
    if isinstance(data, dict) and "key" in data and "fields" in data:
        return [{"issues": [data]}]
    if isinstance(data, list) and data and all(isinstance(page, dict) for page in data):
        if all(isinstance(page.get("issues"), list) for page in data):
            return data
        if all("fields" in issue for issue in data):
            return [{"issues": data}]
    raise FileRefused(f"{path.name}: this JSON has no issues list; expected {EXPECTED['jira_search']}.")


def field_roles(names: dict) -> dict[str, list[str]]:
    """Custom field ids per role (team, story points, ...) from a page's `names` map."""
    roles: dict[str, list[str]] = {role: [] for role in FIELD_ROLES}
    for field_id, name in names.items():
        lowered = str(name).strip().lower()
        for role, wanted in FIELD_ROLES.items():
            if lowered in wanted or (role == "team" and lowered.startswith("team[")):
                roles[role].append(field_id)
    return roles


def parse_search(path: Path, data) -> ParseResult:
    pages = search_pages(path, data)
    result = ParseResult(kind="jira_search")
    names: dict = {}
    for page in pages:
        if isinstance(page.get("names"), dict):
            names.update(page["names"])
    roles = field_roles(names)

    items: list[tuple[int, dict]] = []
    status_rows, field_rows, link_rows, versions = [], [], set(), []
    truncated, with_changelog, with_links = 0, 0, 0
    number = 0
    done_statuses: set[str] = set()  # names of statuses whose statusCategory is "done" in this file
    for page in pages:
        for issue in page["issues"]:
            number += 1
            if not isinstance(issue, dict):
                result.rejects.append(Reject(row=number, reason="is not a JSON object (expected an issue)"))
                continue
            try:
                item = work_item(issue, roles)
            except BadValue as error:
                result.rejects.append(Reject(row=number, field=error.field, reason=error.reason))
                continue
            fields = issue.get("fields") or {}
            versions += fix_version_rows(fields.get("fixVersions"), item["project_key"])
            if "issuelinks" in fields:
                with_links += 1
                link_rows.update(issue_links(item["item_key"], fields["issuelinks"]))
            changelog = issue.get("changelog")
            if isinstance(changelog, dict) and isinstance(changelog.get("histories"), list):
                with_changelog += 1
                histories = changelog["histories"]
                statuses, changes, rejects = changelog_rows(
                    item["item_key"],
                    [
                        (number, f"changelog.histories[{position}]", history)
                        for position, history in enumerate(histories)
                    ],
                )
                status_rows += statuses
                field_rows += changes
                result.rejects += rejects
                if len(histories) < (changelog.get("total") or 0):
                    truncated += 1
                else:
                    item["has_changelog"] = True
                    due_changes = [row for row in changes if row["field"] == "duedate"]
                    item["first_due_date"], item["due_date_changes"] = first_due_date(due_changes, item["due_date"])
            items.append((number, item))
            status = fields.get("status") if isinstance(fields.get("status"), dict) else {}
            category = status.get("statusCategory") if isinstance(status.get("statusCategory"), dict) else {}
            if category.get("key") == "done" and status.get("name"):
                done_statuses.add(status["name"])
    result.rows_read = number
    if number == 0:
        raise FileRefused(f"{path.name}: the search results hold no issues; expected {EXPECTED['jira_search']}.")
    result.notes += delivered_when_done([item for _, item in items], status_rows, done_statuses)

    kept, duplicates = keep_latest(items, "item_key", "issue", order_by="updated_at")
    result.rejects += duplicates
    result.tables["work_items"] = typed_frame("work_items", kept)
    if with_links:
        result.tables["links"] = typed_frame(
            "links",
            [dict(zip(("item_key", "link_type", "direction", "linked_key"), link)) for link in sorted(link_rows)],
        )
    if versions:
        # The same version appears on many issues: one row each (the last seen).
        result.tables["releases"] = typed_frame("releases", list({row["release_id"]: row for row in versions}.values()))
    if with_changelog:
        result.tables["status_changes"] = typed_frame("status_changes", unique_changes(status_rows))
        result.tables["field_changes"] = typed_frame("field_changes", unique_changes(field_rows))
    result.notes += search_notes(path, pages, names, number, with_changelog, truncated, with_links)
    return result


SHOWN_KEYS = 10


def delivered_when_done(items: list[dict], status_rows: list[dict], done_statuses: set[str]) -> list[str]:
    """Items in the Done status category without a resolutiondate are delivered at their last
    move into a Done-category status, from the changelog; returns the notes that name them.

    Which statuses are Done comes from `statusCategory` in this file (key "done"), never from
    status names: real Done statuses are named 已完成 as often as Done.
    """
    last_done: dict[str, dt.datetime] = {}
    for row in status_rows:
        if row["to_status"] in done_statuses:
            key = row["item_key"]
            if key not in last_done or row["changed_at"] > last_done[key]:
                last_done[key] = row["changed_at"]
    moved, never = [], []
    for item in items:
        if item["status_category"] != STATUS_CATEGORIES["done"] or item["resolved_at"] is not None:
            continue
        when = last_done.get(item["item_key"])
        if when is None:
            never.append(item["item_key"])
        else:
            item["resolved_at"] = when
            item["delivered_by_move_to_done"] = True
            moved.append(item["item_key"])

    def shown(keys: list[str]) -> str:
        more = f" and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else ""
        return ", ".join(keys[:SHOWN_KEYS]) + more

    notes = []
    if moved:
        notes.append(
            f"{len(moved)} items are in the Done category without a resolutiondate; delivery is then the "
            f"last move to a Done-category status in the changelog: {shown(moved)}"
        )
    if never:
        notes.append(
            f"{len(never)} items are in the Done category without a resolutiondate and without a move to "
            f"Done in the changelog, so they count as not delivered (export with expand=changelog): {shown(never)}"
        )
    return notes


def fix_version_rows(fix_versions, project_key: str | None) -> list[dict]:
    """Releases rows for an issue's fixVersions objects that say whether they are released
    (their planned dates make commitments; released ones count as releases). Objects without
    the flag, or with a bad date, are left to a versions file rather than guessed."""
    rows = []
    for version in fix_versions if isinstance(fix_versions, list) else []:
        if isinstance(version, dict) and "released" in version and project_key:
            try:
                rows.append(version_row(version, project_key))
            except BadValue:
                continue
    return rows


def search_notes(path, pages, names, issues, with_changelog, truncated, with_links) -> list[str]:
    notes = []
    if not names:
        notes.append(
            f"{path.name}: the page does not name its custom fields (search without "
            "expand=names), so the Team field, story points and epic link were left empty; "
            "sprints were recognised by their shape"
        )
    if with_changelog == 0:
        notes.append(
            f"{path.name}: no changelog (search without expand=changelog): final due dates "
            "are used, there is no status history, and blocked time is counted from creation"
        )
    elif with_changelog < issues:
        notes.append(f"{path.name}: {issues - with_changelog} of {issues} issues have no changelog")
    if truncated:
        notes.append(
            f"{path.name}: the changelog of {truncated} issue(s) is cut short by the search "
            "(histories fewer than total); their final due dates are used. Fetch "
            "/rest/api/3/issue/{key}/changelog for them to get the full history"
        )
    if with_links == 0:
        notes.append(f"{path.name}: no issuelinks field in the export, so dependencies are unknown")
    for page in pages:
        total, start = page.get("total"), page.get("startAt") or 0
        count = len(page["issues"])
        if isinstance(total, int) and start + count < total:
            notes.append(
                f"{path.name}: this page holds issues {start + 1}-{start + count} of {total}; load the other pages too"
            )
    return notes


def timestamp_field(source: dict, key: str, label: str) -> dt.datetime | None:
    try:
        return parse_timestamp(source.get(key))
    except ValueError as error:
        raise BadValue(label, str(error)) from None


def work_item(issue: dict, roles: dict[str, list[str]]) -> dict:
    """One work_items row from a search issue; BadValue when the key or creation time is unusable."""
    key = issue.get("key")
    if not isinstance(key, str) or not key:
        raise BadValue("key", "is missing; every issue needs its key (e.g. PROJ-12)")
    fields = issue.get("fields")
    if not isinstance(fields, dict):
        raise BadValue("fields", "is missing; the search must return the issue fields")
    created_at = timestamp_field(fields, "created", "fields.created")
    if created_at is None:
        raise BadValue("fields.created", "is empty; every issue needs its creation time")
    try:
        due_date = parse_date(fields.get("duedate"))
    except ValueError as error:
        raise BadValue("fields.duedate", str(error)) from None

    def role_value(role: str):
        return next((fields[field_id] for field_id in roles[role] if fields.get(field_id) not in (None, "", [])), None)

    status = fields.get("status") or {}
    category = status.get("statusCategory") or {}
    project = fields.get("project") or {}
    parent = fields.get("parent") or {}
    epic = fields.get("epic") or {}
    sprints = []
    for field_id, value in fields.items():
        if (
            field_id in roles["sprint"]
            or field_id in ("sprint", "closedSprints")
            or (field_id.startswith("customfield_") and looks_like_sprints(value))
        ):
            sprints += sprint_names(value)
    points = role_value("story_points")
    if "flagged" in fields and isinstance(fields["flagged"], bool):
        is_flagged = fields["flagged"]
    elif roles["flagged"]:
        is_flagged = role_value("flagged") is not None
    else:
        is_flagged = None
    return {
        "item_key": key,
        "item_id": str(issue["id"]) if issue.get("id") is not None else None,
        "project_key": project.get("key") or key.rsplit("-", 1)[0],
        "title": fields.get("summary"),
        "item_type": display(fields.get("issuetype")),
        "status": status.get("name"),
        "status_category": STATUS_CATEGORIES.get(category.get("key"), category.get("name")),
        "priority": display(fields.get("priority")),
        "resolution": display(fields.get("resolution")),
        "assignee": display(fields.get("assignee")),
        "reporter": display(fields.get("reporter")),
        "team_field": display(role_value("team")),
        "components": names_of(fields.get("components")),
        "labels": names_of(fields.get("labels")),
        "fix_versions": names_of(fields.get("fixVersions")),
        "sprints": unique(sprints),
        "parent_key": parent.get("key") or display(role_value("epic_link")) or epic.get("key"),
        "story_points": float(points) if isinstance(points, (int, float)) else None,
        "created_at": created_at,
        "updated_at": timestamp_field(fields, "updated", "fields.updated"),
        "resolved_at": timestamp_field(fields, "resolutiondate", "fields.resolutiondate"),
        "due_date": due_date,
        "first_due_date": None,
        "due_date_changes": None,
        "is_flagged": is_flagged,
        "has_changelog": False,
        "url": browse_url(issue.get("self"), key),
    }


def issue_links(item_key: str, issuelinks) -> set[tuple[str, str, str, str]]:
    """(item_key, link_type, direction, linked_key) from fields.issuelinks.

    inwardIssue present: the item "<inward phrase>" that issue (Blocks: is blocked by it).
    """
    links = set()
    for link in issuelinks if isinstance(issuelinks, list) else []:
        if not isinstance(link, dict):
            continue
        link_type = display(link.get("type"))
        for side, direction in (("inwardIssue", "inward"), ("outwardIssue", "outward")):
            other = link.get(side)
            if link_type and isinstance(other, dict) and other.get("key"):
                links.add((item_key, link_type, direction, other["key"]))
    return links


# ---------------------------------------------------------------- changelog


def changelog_rows(item_key: str, histories: list[tuple[int, str, object]]):
    """status_changes and field_changes rows for one issue, sorted by time, plus rejects.

    histories are (row number, field label, history) triples so a bad history is rejected
    alone, under the row it came from. change_id is "<history id>:<item position>" (0-based).
    """
    timed, rejects = [], []
    for position, (row, label, history) in enumerate(histories):
        if not isinstance(history, dict):
            rejects.append(Reject(row=row, field=label, reason="is not a JSON object"))
            continue
        try:
            changed_at = parse_timestamp(history.get("created"))
        except ValueError as error:
            rejects.append(Reject(row=row, field=f"{label}.created", reason=str(error)))
            continue
        if changed_at is None:
            rejects.append(Reject(row=row, field=f"{label}.created", reason="is empty; a change needs its time"))
            continue
        timed.append((changed_at, history_order(history.get("id"), position), position, history))
    timed.sort(key=lambda entry: entry[:3])

    statuses, changes = [], []
    for changed_at, _, position, history in timed:
        history_id = history.get("id") if history.get("id") is not None else f"#{position}"
        for index, item in enumerate(history.get("items") or []):
            if not isinstance(item, dict):
                continue
            change_id = f"{history_id}:{index}"
            name = str(item.get("field") or "").strip().lower()
            field_id = str(item.get("fieldId") or "").strip().lower()
            if name == "status" or field_id == "status":
                statuses.append(
                    {
                        "item_key": item_key,
                        "change_id": change_id,
                        "changed_at": changed_at,
                        "from_status": item.get("fromString"),
                        "to_status": item.get("toString"),
                    }
                )
                continue
            tracked = TRACKED_FIELDS.get(name) or TRACKED_FIELDS.get(field_id)
            if tracked:
                changes.append(
                    {
                        "item_key": item_key,
                        "change_id": change_id,
                        "changed_at": changed_at,
                        "field": tracked,
                        "from_value": text_or_none(item.get("from")),
                        "from_string": text_or_none(item.get("fromString")),
                        "to_value": text_or_none(item.get("to")),
                        "to_string": text_or_none(item.get("toString")),
                    }
                )
    return statuses, changes, rejects


def history_order(history_id, position: int) -> int:
    """Numeric history id for ordering changes made in the same millisecond."""
    try:
        return int(history_id)
    except (TypeError, ValueError):
        return position


def text_or_none(value) -> str | None:
    return None if value is None else str(value)


def change_date(change: dict, side: str) -> dt.date | None:
    """The date a duedate change moved from/to: the machine value, else the display string."""
    for key in (f"{side}_value", f"{side}_string"):
        try:
            value = parse_date(change.get(key))
        except ValueError:
            continue
        if value:
            return value
    return None


def first_due_date(due_changes: list[dict], due_date: dt.date | None):
    """(first due date ever set, number of changes after it was first set); see the module doc.

    due_changes must be sorted by time.
    """
    changes = [change for change in due_changes if change_date(change, "from") or change_date(change, "to")]
    if not changes:
        return due_date, 0
    first = changes[0]
    if change_date(first, "from"):
        return change_date(first, "from"), len(changes)
    return change_date(first, "to"), len(changes) - 1


def unique_changes(rows: list[dict]) -> list[dict]:
    """One row per (item_key, change_id): the same issue can appear on two overlapping pages."""
    return list({(row["item_key"], row["change_id"]): row for row in rows}.values())


def changelog_entries(data) -> list[tuple[str | None, object]]:
    """(issue key or None, entry) for every changelog entry, from a page, a wrapper or a list."""

    def from_page(page: dict) -> list[tuple[str | None, object]]:
        page_key = page.get("issueKey") or page.get("issue_key") or page.get("key")
        entries = page.get("values") if isinstance(page.get("values"), list) else page.get("histories")
        if not isinstance(entries, list):
            return []
        return [(entry_key(entry) or page_key, entry) for entry in entries]

    if isinstance(data, dict):
        return from_page(data) if "values" in data or "histories" in data else [(entry_key(data), data)]
    if isinstance(data, list) and all(isinstance(entry, dict) for entry in data):
        if any(isinstance(entry.get("values"), list) or isinstance(entry.get("histories"), list) for entry in data):
            return [pair for page in data for pair in from_page(page)]
        return [(entry_key(entry), entry) for entry in data]
    return []


def entry_key(entry) -> str | None:
    if isinstance(entry, dict):
        return entry.get("issueKey") or entry.get("issue_key")
    return None


def parse_changelog(path: Path, data) -> ParseResult:
    entries = changelog_entries(data)
    if not entries:
        raise FileRefused(f"{path.name}: the changelog holds no entries; expected {EXPECTED['jira_changelog']}.")
    if not any(key for key, _ in entries):
        raise FileRefused(
            f"{path.name}: this is a Jira issue changelog page ({len(entries)} changes) but it "
            "does not say which issue it belongs to, so its changes cannot be joined to work "
            'items. Wrap it as {"issueKey": "PROJ-12", "values": [...]}, add "issueKey" '
            "to each entry, or export the issues with /rest/api/2/search?expand=changelog instead."
        )
    result = ParseResult(kind="jira_changelog", rows_read=len(entries))
    status_rows, field_rows = [], []
    by_issue: dict[str, list[tuple[int, object]]] = {}
    for number, (key, entry) in enumerate(entries, start=1):
        if not key:
            result.rejects.append(
                Reject(row=number, field="issueKey", reason='no issue key for this change; add "issueKey"')
            )
            continue
        by_issue.setdefault(key, []).append((number, entry))
    for key, numbered in by_issue.items():
        statuses, changes, rejects = changelog_rows(key, [(number, "values", entry) for number, entry in numbered])
        status_rows += statuses
        field_rows += changes
        result.rejects += rejects
    result.tables["status_changes"] = typed_frame("status_changes", unique_changes(status_rows))
    result.tables["field_changes"] = typed_frame("field_changes", unique_changes(field_rows))
    if any(more_pages(page) for page in (data if isinstance(data, list) else [data])):
        result.notes.append(f"{path.name}: the changelog has more pages than this file holds; load the others too")
    result.notes.append(
        f"{path.name}: due-date history is in field_changes; first due dates on work items come "
        "from search pages exported with expand=changelog"
    )
    return result


def more_pages(page) -> bool:
    """A changelog page that says more entries follow (isLast false, or fewer than total)."""
    if not isinstance(page, dict) or not isinstance(page.get("values"), list):
        return False
    total, start = page.get("total"), page.get("startAt") or 0
    return page.get("isLast") is False or (isinstance(total, int) and start + len(page["values"]) < total)


# ---------------------------------------------------------------- versions


def version_list(path: Path, data) -> tuple[str | None, list]:
    """(project key or None, version objects) from a project, a wrapper, a page or a bare list."""
    if isinstance(data, list):
        return None, data
    if isinstance(data, dict):
        project = data.get("project")
        project_key = data.get("key") or (project.get("key") if isinstance(project, dict) else project)
        for name in ("versions", "values"):
            if isinstance(data.get(name), list):
                return (str(project_key) if project_key else None), data[name]
    raise FileRefused(f"{path.name}: no versions list; expected {EXPECTED['jira_versions']}.")


def version_row(version: dict, project: str | None) -> dict:
    """A releases row for a Jira version (from a versions file or an issue's fixVersions)."""
    name = version.get("name")
    if not name:
        raise BadValue("name", "is missing; every version needs a name")
    try:
        release_date = parse_date(version.get("releaseDate"))
    except ValueError as error:
        raise BadValue("releaseDate", str(error)) from error
    released = bool(version.get("released"))
    return {
        "release_id": f"jira:{project or version.get('projectId') or ''}:{name}",
        "source": "jira_version",
        "project_key": project,
        "name": str(name),
        "release_date": release_date,
        "released_at": (dt.datetime.combine(release_date, dt.time(), dt.UTC) if released and release_date else None),
        "is_draft": False,
        "is_prerelease": False,
        "is_released": released,
        "url": version.get("self"),
    }


def parse_versions(path: Path, data) -> ParseResult:
    project_key, versions = version_list(path, data)
    if not versions:
        raise FileRefused(f"{path.name}: the project has no versions; expected {EXPECTED['jira_versions']}.")
    result = ParseResult(kind="jira_versions", rows_read=len(versions))
    rows: list[tuple[int, dict]] = []
    for number, version in enumerate(versions, start=1):
        if not isinstance(version, dict):
            result.rejects.append(Reject(row=number, reason="is not a JSON object (expected a version)"))
            continue
        try:
            rows.append((number, version_row(version, project_key or version.get("projectKey"))))
        except BadValue as error:
            result.rejects.append(Reject(row=number, field=error.field, reason=error.reason))
    kept, duplicates = keep_latest(rows, "release_id", "version")
    result.rejects += duplicates
    result.tables["releases"] = typed_frame("releases", kept)
    if not project_key and any(row["project_key"] is None for row in kept):
        result.notes.append(
            f"{path.name}: the file does not name its Jira project (a bare version list), so "
            "these versions cannot be matched to a team; export /rest/api/2/project/{key} "
            'instead, or wrap the list as {"key": "PROJ", "versions": [...]}'
        )
    undated = sum(1 for row in kept if row["is_released"] and row["release_date"] is None)
    if undated:
        result.notes.append(
            f"{path.name}: {undated} released version(s) have no release date and cannot be counted as releases"
        )
    return result


# ---------------------------------------------------------------- metadata files


def parse_fields(path: Path, data) -> ParseResult:
    if not isinstance(data, list) or not data:
        raise FileRefused(f"{path.name}: expected {EXPECTED['jira_fields']}.")
    names = {
        str(field.get("id")): str(field.get("name"))
        for field in data
        if isinstance(field, dict) and field.get("id") and field.get("name")
    }
    roles = field_roles(names)
    found = [f"{names[field_id]} = {field_id}" for ids in roles.values() for field_id in ids]
    result = ParseResult(kind="jira_fields")  # rows_read 0: nothing here is delivery data
    result.notes.append(
        f"{path.name}: a Jira field list (metadata, nothing loaded). "
        + (
            f"Custom fields Threadline uses: {', '.join(found)}. "
            if found
            else "It names none of Team, Story Points, Epic Link, Sprint or Flagged. "
        )
        + "Search pages resolve them only when exported with expand=names."
    )
    return result


def parse_link_types(path: Path, data) -> ParseResult:
    types = data.get("issueLinkTypes") if isinstance(data, dict) else data
    if not isinstance(types, list) or not types:
        raise FileRefused(f"{path.name}: expected {EXPECTED['jira_link_types']}.")
    inward_waits, outward_waits, unclear = [], [], []
    for link_type in types:
        if not isinstance(link_type, dict) or not link_type.get("name"):
            continue
        name = str(link_type["name"])
        inward = str(link_type.get("inward") or "").lower()
        outward = str(link_type.get("outward") or "").lower()
        if any(phrase in inward for phrase in BLOCKING_PHRASES):
            inward_waits.append(f'{name} ("{link_type.get("inward")}")')
        elif any(phrase in outward for phrase in BLOCKING_PHRASES):
            outward_waits.append(f'{name} ("{link_type.get("outward")}")')
        elif name.lower() in ("blocks", "blocker", "blocked", "dependency", "dependent"):
            unclear.append(name)
    notes = [f"{path.name}: {len(types)} issue link types (metadata, nothing loaded)."]
    if inward_waits:
        notes.append(f"Blocking link types (the inward side waits): {', '.join(inward_waits)}.")
    if outward_waits:
        notes.append(f"Blocking link types with the outward side waiting: {', '.join(outward_waits)}.")
    if unclear:
        notes.append(f"Named like blocking types but their phrases do not say which side waits: {', '.join(unclear)}.")
    return ParseResult(kind="jira_link_types", notes=[" ".join(notes)])  # nothing to load


def parse_statuses(path: Path, data) -> ParseResult:
    if not isinstance(data, list) or not data:
        raise FileRefused(f"{path.name}: expected {EXPECTED['jira_statuses']}.")
    by_category: dict[str, list[str]] = {}
    for status in data:
        if isinstance(status, dict) and status.get("name"):
            category = status.get("statusCategory") if isinstance(status.get("statusCategory"), dict) else {}
            label = STATUS_CATEGORIES.get(category.get("key"), category.get("name") or "no category")
            by_category.setdefault(label, []).append(str(status["name"]))
    listed = "; ".join(f"{label}: {', '.join(names)}" for label, names in by_category.items())
    note = f"{path.name}: {len(data)} Jira statuses (metadata, nothing loaded). By category: {listed}."
    return ParseResult(kind="jira_statuses", notes=[note])  # nothing to load
