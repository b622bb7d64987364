"""One generated organisation, served as Jira's and GitHub's REST APIs on 127.0.0.1, and written
as the export files the importers read, so a fetch and an export of the same data can be compared.

- ``make_org(issues=60, ...)``: a seeded organisation: three teams (Checkout and Onboarding
  reorganised on 2025-10-01, Billing the comparison group), Jira projects CHK, ONB and BIL with
  changelogs (status moves, due dates set and re-planned, blocking links added, and routine
  edits that make some changelogs longer than the search embeds), project versions, and two
  GitHub repositories with releases, pull requests, reviews and tags (annotated and lightweight).
- ``ReplayServer(org, ...)``: ``http.server`` in a thread on a free port of 127.0.0.1, serving
  the shapes of the samples in ../shared/samples: Jira Cloud ``/rest/api/3/search/jql``
  (``nextPageToken``, no total) and Server/DC ``/rest/api/2/search`` (``startAt``/``total``), the
  newest ``embed_limit`` histories embedded newest first with the rest on
  ``/issue/{id}/changelog`` pages; GitHub lists paged through ``Link`` headers. It checks the
  credentials, sleeps ``latency`` seconds per request, can rate-limit every Nth request, and
  takes scripted faults (``add_fault``). Every request is logged (``requests``).
- ``write_exports(org, folder, site, api)``: the same organisation as one export per source
  (search pages with complete changelogs, versions, GitHub lists, a git-tags CSV);
  ``write_org_files`` writes teams.csv and ownership.csv.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import json
import random
import re
import threading
import time
import zoneinfo
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

UTC = dt.UTC
REORG = dt.datetime(2025, 10, 1, tzinfo=UTC)
START = dt.datetime(2025, 1, 6, tzinfo=UTC)
END = dt.datetime(2026, 3, 27, tzinfo=UTC)
PROJECTS = {"CHK": "Checkout", "ONB": "Onboarding", "BIL": "Billing"}
REPOS = {"acme/checkout-web": "Checkout", "acme/onboarding-app": "Onboarding"}
PEOPLE = ["Ana Lima", "Elif Demir", "Hugo Martin", "Sofia Brandt", "Tomas Ruiz", "Mei Chen", "Raj Patel"]
STATUSES = [
    ("1", "To Do", "new", "To Do"),
    ("3", "In Progress", "indeterminate", "In Progress"),
    ("10001", "Blocked", "indeterminate", "In Progress"),
    ("10002", "Done", "done", "Done"),
]
STATUS_BY_NAME = {name: (ident, key, cat) for ident, name, key, cat in STATUSES}
FIELDS = [
    {"id": "summary", "name": "Summary", "custom": False},
    {"id": "status", "name": "Status", "custom": False},
    {"id": "duedate", "name": "Due date", "custom": False},
    {"id": "issuelinks", "name": "Linked Issues", "custom": False},
    {"id": "fixVersions", "name": "Fix versions", "custom": False},
    {"id": "customfield_10020", "name": "Sprint", "custom": True},
    {"id": "customfield_10021", "name": "Flagged", "custom": True},
    {"id": "customfield_10016", "name": "Story point estimate", "custom": True},
    {"id": "customfield_10099", "name": "Favourite colour", "custom": True},
]


def jira_time(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def gh_time(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(*parts) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


@dataclass
class Issue:
    key: str
    ident: int
    project: str
    issue_type: str
    created: dt.datetime
    resolved: dt.datetime | None
    due: dt.date | None
    status: str
    assignee: str
    histories: list[dict] = field(default_factory=list)  # oldest first
    links: list[tuple[str, str]] = field(default_factory=list)  # (side, other key): inwardIssue/outwardIssue
    fix_versions: list[str] = field(default_factory=list)
    sprint: str | None = None
    points: float | None = None
    extra: dict = field(default_factory=dict)  # fields a fetch does not ask for

    @property
    def updated(self) -> dt.datetime:
        return max([self.created, *(parse_time(h["created"]) for h in self.histories)])


@dataclass
class Repo:
    name: str
    releases: list[dict] = field(default_factory=list)
    pulls: list[dict] = field(default_factory=list)
    reviews: dict[int, list[dict]] = field(default_factory=dict)
    tags: list[dict] = field(default_factory=list)  # name, type, ref_sha, commit_sha, date, tagger


@dataclass
class Org:
    issues: list[Issue]
    versions: dict[str, list[dict]]
    repos: dict[str, Repo]
    next_history: int = 0
    profile_zone: str = "America/New_York"
    _index: dict = field(default_factory=dict, repr=False)

    def issue(self, key: str) -> Issue:
        if len(self._index) != len(self.issues):
            self._index.update({issue.key: issue for issue in self.issues})
        return self._index[key]


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text))


# ---------------------------------------------------------------- generate


def make_org(
    issues: int = 60,
    pulls: int = 24,
    tags: int = 12,
    seed: int = 17,
    long_share: float = 0.3,
    long_histories: tuple[int, int] = (8, 20),
) -> Org:
    """A seeded organisation; `long_share` of the issues get `long_histories` routine edits."""
    rng = random.Random(seed)
    org = Org(issues=[], versions={}, repos={}, next_history=10_000)
    span = (END - START).total_seconds()
    keys = list(PROJECTS)
    counters = dict.fromkeys(keys, 0)
    for number in range(issues):
        project = keys[number % len(keys)]
        counters[project] += 1
        created = START + dt.timedelta(seconds=rng.uniform(0, span * 0.92))
        created = created.replace(microsecond=0)
        resolved = created + dt.timedelta(days=rng.uniform(2, 45), hours=rng.uniform(0, 8))
        if resolved > END or rng.random() < 0.12:
            resolved = None
        issue = Issue(
            key=f"{project}-{counters[project]}",
            ident=10_000 + number,
            project=project,
            issue_type=rng.choice(["Story", "Story", "Bug", "Task", "Epic"]),
            created=created,
            resolved=resolved.replace(microsecond=0) if resolved else None,
            due=None,
            status="Done" if resolved else rng.choice(["To Do", "In Progress"]),
            assignee=rng.choice(PEOPLE),
            sprint=f"{project} Sprint {created.isocalendar().week // 2}" if rng.random() < 0.6 else None,
            points=float(rng.choice([1, 2, 3, 5, 8])) if rng.random() < 0.7 else None,
            extra={"customfield_10099": rng.choice(["red", "green", None])},
        )
        org.issues.append(issue)
        add_histories(org, issue, rng, long_share, long_histories)
    add_links(org, rng)
    add_versions(org, rng)
    for repo_name in REPOS:
        org.repos[repo_name] = make_repo(repo_name, rng, pulls, tags)
    return org


def history(org: Org, when: dt.datetime, items: list[dict], who: str = "Ana Lima") -> dict:
    org.next_history += 1
    return {
        "id": str(org.next_history),
        "author": {"displayName": who, "active": True, "timeZone": "Europe/Berlin"},
        "created": jira_time(when),
        "items": items,
    }


def status_item(old: str, new: str) -> dict:
    return {
        "field": "status",
        "fieldtype": "jira",
        "fieldId": "status",
        "from": STATUS_BY_NAME[old][0],
        "fromString": old,
        "to": STATUS_BY_NAME[new][0],
        "toString": new,
    }


def due_item(old: dt.date | None, new: dt.date | None) -> dict:
    def text(value):
        return value.isoformat() if value else None

    def shown(value):
        return f"{value.isoformat()} 00:00:00.0" if value else None

    return {
        "field": "duedate",
        "fieldtype": "jira",
        "fieldId": "duedate",
        "from": text(old),
        "fromString": shown(old),
        "to": text(new),
        "toString": shown(new),
    }


def add_histories(org: Org, issue: Issue, rng: random.Random, long_share: float, long_range: tuple[int, int]) -> None:
    end = issue.resolved or min(END, issue.created + dt.timedelta(days=40))
    span = max((end - issue.created).total_seconds(), 3600)

    def at(fraction: float) -> dt.datetime:
        return (issue.created + dt.timedelta(seconds=span * fraction)).replace(microsecond=0)

    entries = []
    if rng.random() < 0.75:  # a due date set early, maybe re-planned later
        due = (issue.created + dt.timedelta(days=rng.uniform(5, 35))).date()
        entries.append((at(0.02), [due_item(None, due)]))
        for step in range(rng.choice([0, 0, 1, 2, 3])):
            later = due + dt.timedelta(days=rng.randint(3, 20))
            entries.append((at(0.1 + 0.15 * step), [due_item(due, later)]))
            due = later
        issue.due = due
    if issue.status != "To Do":
        entries.append((at(0.05), [status_item("To Do", "In Progress")]))
    if issue.resolved:
        if rng.random() < 0.2:
            entries.append((at(0.5), [status_item("In Progress", "Blocked")]))
            entries.append((at(0.7), [status_item("Blocked", "In Progress")]))
        entries.append((issue.resolved, [status_item("In Progress", "Done")]))
    routine = rng.randint(*long_range) if rng.random() < long_share else rng.randint(0, 2)
    for _ in range(routine):
        entries.append(
            (
                at(rng.uniform(0.0, 0.99)),
                [{"field": "labels", "fieldtype": "jira", "from": None, "fromString": "", "to": None, "toString": "x"}],
            )
        )
    entries.sort(key=lambda entry: entry[0])
    issue.histories = [history(org, when, items, rng.choice(PEOPLE)) for when, items in entries]


def add_links(org: Org, rng: random.Random) -> None:
    """Cross-team "is blocked by" links, added in the changelog a day after creation."""
    for issue in org.issues:
        if rng.random() > 0.4:
            continue
        link_day = issue.created + dt.timedelta(days=1)
        candidates = rng.sample(org.issues, min(len(org.issues), 300))  # bounded: organisations can be large
        others = [
            other
            for other in candidates
            if other.project != issue.project
            and other.created < issue.created
            and (other.resolved is None or other.resolved > link_day + dt.timedelta(days=2))
        ]
        if not others:
            continue
        blocker = rng.choice(others)
        issue.links.append(("inwardIssue", blocker.key))
        blocker.links.append(("outwardIssue", issue.key))
        when = issue.created + dt.timedelta(days=1)
        item = {"field": "Link", "fieldtype": "jira", "from": None, "fromString": None, "to": blocker.key}
        item["toString"] = f"This issue is blocked by {blocker.key}"
        issue.histories.append(history(org, when, [item]))
        issue.histories.sort(key=lambda h: (parse_time(h["created"]), int(h["id"])))


def add_versions(org: Org, rng: random.Random) -> None:
    for project in PROJECTS:
        versions = []
        day = START.date() + dt.timedelta(days=rng.randint(5, 20))
        number = 0
        while day < END.date():
            number += 1
            released = day < (END.date() - dt.timedelta(days=30))
            versions.append(
                {
                    "self": f"https://jira.example/rest/api/2/version/{200 + len(versions)}",
                    "id": str(200 + len(versions)),
                    "name": f"{project} {number}.0",
                    "archived": False,
                    "released": released,
                    "releaseDate": day.isoformat(),
                    "projectId": 100 + list(PROJECTS).index(project),
                }
            )
            gap = 40 if day < REORG.date() else 14
            day += dt.timedelta(days=gap + rng.randint(-5, 5))
        org.versions[project] = versions
    for issue in org.issues:  # Billing plans by fix version
        if issue.project == "BIL" and issue.resolved and rng.random() < 0.6:
            later = [v for v in org.versions["BIL"] if v["releaseDate"] >= issue.created.date().isoformat()]
            if later:
                issue.fix_versions.append(later[0]["name"])


def make_repo(name: str, rng: random.Random, pulls: int, tags: int) -> Repo:
    repo = Repo(name)
    span = (END - START).total_seconds()
    day = START + dt.timedelta(days=10)
    index = 0
    while day < END:
        index += 1
        draft = rng.random() < 0.08
        pre = rng.random() < 0.1
        repo.releases.append(
            {
                "id": 900_000 + index,
                "tag_name": f"v1.{index}.0" + ("-rc1" if pre else ""),
                "name": f"Release 1.{index}",
                "draft": draft,
                "prerelease": pre,
                "created_at": day,
                "published_at": None if draft else day + dt.timedelta(hours=2),
                "author": rng.choice(PEOPLE).split()[0].lower(),
            }
        )
        day += dt.timedelta(days=(45 if day < REORG else 12) + rng.randint(-4, 4), hours=rng.randint(0, 9))
    rng.shuffle(repo.releases)  # GitHub lists are not in date order
    for number in range(1, pulls + 1):
        created = START + dt.timedelta(seconds=rng.uniform(0, span * 0.95))
        closed = created + dt.timedelta(hours=rng.uniform(2, 200))
        merged = closed if rng.random() < 0.8 else None
        if closed > END or rng.random() < 0.1:
            closed = merged = None
        repo.pulls.append(
            {
                "number": number,
                "title": f"Change {number}",
                "user": rng.choice(PEOPLE).split()[0].lower(),
                "created_at": created.replace(microsecond=0),
                "closed_at": closed.replace(microsecond=0) if closed else None,
                "merged_at": merged.replace(microsecond=0) if merged else None,
                "updated_at": (closed or created + dt.timedelta(hours=1)).replace(microsecond=0),
                "draft": rng.random() < 0.05,
            }
        )
        repo.reviews[number] = [
            {
                "id": 5_000_000 + number * 10 + position,
                "user": rng.choice(PEOPLE).split()[0].lower(),
                "state": rng.choice(["APPROVED", "COMMENTED", "CHANGES_REQUESTED"]),
                "submitted_at": (created + dt.timedelta(hours=1 + position)).replace(microsecond=0),
            }
            for position in range(rng.choice([0, 1, 1, 2, 3]))
        ]
    day = START + dt.timedelta(days=7)
    for index in range(1, tags + 1):
        annotated = rng.random() < 0.5
        name = f"v2.{index}.0" if rng.random() > 0.15 else f"v2.{index}.0-beta"
        commit = sha(name, "commit", repo.name)
        repo.tags.append(
            {
                "name": name,
                "type": "tag" if annotated else "commit",
                "ref_sha": sha(name, "tag", repo.name) if annotated else commit,
                "commit_sha": commit,
                "date": day.replace(microsecond=0),
                "tagger": rng.choice(PEOPLE) if annotated else "",
            }
        )
        day += dt.timedelta(days=rng.randint(8, 50), hours=rng.randint(0, 20))
    return repo


def touch(org: Org, keys: list[str], when: dt.datetime, pulls: dict[str, list[int]] | None = None) -> None:
    """Update issues (a re-planned due date) and pull requests (a new review) at `when`."""
    for key in keys:
        issue = org.issue(key)
        new_due = (when + dt.timedelta(days=10)).date()
        issue.histories.append(history(org, when, [due_item(issue.due, new_due)]))
        issue.due = new_due
    for repo_name, numbers in (pulls or {}).items():
        repo = org.repos[repo_name]
        for number in numbers:
            pull = next(p for p in repo.pulls if p["number"] == number)
            pull["updated_at"] = when
            repo.reviews[number].append(
                {"id": 7_000_000 + number, "user": "mei", "state": "APPROVED", "submitted_at": when}
            )


# ---------------------------------------------------------------- render


def render_issue(org: Org, issue: Issue, site: str, version: str, embed_limit: int | None) -> dict:
    ident, category, category_name = STATUS_BY_NAME[issue.status]
    links = []
    for position, (side, other) in enumerate(issue.links):
        links.append(
            {
                "id": str(30_000 + issue.ident * 10 + position),
                "type": {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                side: {
                    "id": str(org.issue(other).ident),
                    "key": other,
                    "self": f"{site}/rest/api/{version}/issue/{other}",
                },
            }
        )
    fields = {
        "summary": f"Work item {issue.key}",
        "issuetype": {"id": "1", "name": issue.issue_type},
        "status": {
            "self": f"{site}/rest/api/{version}/status/{ident}",
            "id": ident,
            "name": issue.status,
            "statusCategory": {"id": 2, "key": category, "name": category_name},
        },
        "priority": {"id": "3", "name": "Medium"},
        "resolution": {"id": "10000", "name": "Done"} if issue.resolved else None,
        "assignee": {"displayName": issue.assignee, "active": True},
        "reporter": {"displayName": "Ana Lima", "active": True},
        "project": {"id": str(100 + list(PROJECTS).index(issue.project)), "key": issue.project},
        "components": [],
        "labels": ["x"] if len(issue.histories) > 5 else [],
        "fixVersions": [
            {k: v for k, v in version_obj.items() if k in ("self", "id", "name", "released", "releaseDate")}
            for version_obj in org.versions.get(issue.project, [])
            if version_obj["name"] in issue.fix_versions
        ],
        "created": jira_time(issue.created),
        "updated": jira_time(issue.updated),
        "resolutiondate": jira_time(issue.resolved) if issue.resolved else None,
        "duedate": issue.due.isoformat() if issue.due else None,
        "issuelinks": links,
        "customfield_10020": (
            [{"id": 1, "name": issue.sprint, "state": "closed", "boardId": 1}] if issue.sprint else None
        ),
        "customfield_10021": None,
        "customfield_10016": issue.points,
        **issue.extra,
    }
    histories = list(issue.histories)
    if embed_limit is not None:
        histories = histories[::-1][:embed_limit]  # Cloud embeds the newest, newest first
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(issue.ident),
        "self": f"{site}/rest/api/{version}/issue/{issue.ident}",
        "key": issue.key,
        "fields": fields,
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(issue.histories),
            "histories": histories,
        },
    }


def names_map() -> dict:
    return {f["id"]: f["name"] for f in FIELDS}


def render_release(repo: str, release: dict, api: str) -> dict:
    return {
        "url": f"{api}/repos/{repo}/releases/{release['id']}",
        "html_url": f"https://github.com/{repo}/releases/tag/{release['tag_name']}",
        "id": release["id"],
        "tag_name": release["tag_name"],
        "target_commitish": "main",
        "name": release["name"],
        "draft": release["draft"],
        "prerelease": release["prerelease"],
        "created_at": gh_time(release["created_at"]),
        "published_at": gh_time(release["published_at"]) if release["published_at"] else None,
        "author": {"login": release["author"]},
        "assets": [],
        "tarball_url": f"{api}/repos/{repo}/tarball/{release['tag_name']}",
    }


def render_pull(repo: str, pull: dict, api: str) -> dict:
    def maybe(value):
        return gh_time(value) if value else None

    return {
        "url": f"{api}/repos/{repo}/pulls/{pull['number']}",
        "id": 800_000 + pull["number"],
        "html_url": f"https://github.com/{repo}/pull/{pull['number']}",
        "diff_url": f"https://github.com/{repo}/pull/{pull['number']}.diff",
        "number": pull["number"],
        "state": "closed" if pull["closed_at"] else "open",
        "title": pull["title"],
        "user": {"login": pull["user"]},
        "created_at": gh_time(pull["created_at"]),
        "updated_at": gh_time(pull["updated_at"]),
        "closed_at": maybe(pull["closed_at"]),
        "merged_at": maybe(pull["merged_at"]),
        "draft": pull["draft"],
        "head": {"ref": f"change-{pull['number']}"},
        "base": {"ref": "main", "repo": {"full_name": repo}},
    }


def render_review(repo: str, number: int, review: dict, api: str) -> dict:
    return {
        "id": review["id"],
        "user": {"login": review["user"]},
        "body": "",
        "state": review["state"],
        "html_url": f"https://github.com/{repo}/pull/{number}#pullrequestreview-{review['id']}",
        "pull_request_url": f"{api}/repos/{repo}/pulls/{number}",
        "submitted_at": gh_time(review["submitted_at"]),
    }


# ---------------------------------------------------------------- exports


def write_exports(org: Org, folder: Path, site: str, api: str) -> None:
    """The organisation as export files: complete changelogs, as a careful analyst would save them."""
    folder.mkdir(parents=True, exist_ok=True)
    issues = [render_issue(org, issue, site, "2", None) for issue in org.issues]
    # Saved 100 issues a file, the most a Jira Cloud search page holds. (One file of thousands
    # of issues fails to load today: the store's DuckDB scan of the fix_versions list column
    # infers NULL[] from a first thousand rows without fix versions.)
    for start in range(0, len(issues), 100):
        page = {
            "startAt": start,
            "maxResults": 100,
            "total": len(issues),
            "issues": issues[start : start + 100],
            "names": names_map(),
        }
        (folder / f"jira_search_all_{start // 100 + 1:03d}.json").write_text(json.dumps(page))
    for key, versions in org.versions.items():
        (folder / f"jira_project_{key}.json").write_text(json.dumps({"key": key, "versions": versions}))
    for name, repo in org.repos.items():
        prefix = name.replace("/", "__")
        releases = [render_release(name, r, api) for r in repo.releases]
        (folder / f"{prefix}__releases.json").write_text(json.dumps(releases))
        (folder / f"{prefix}__pulls.json").write_text(json.dumps([render_pull(name, p, api) for p in repo.pulls]))
        reviews = [render_review(name, n, r, api) for n, rs in repo.reviews.items() for r in rs]
        (folder / f"{prefix}__pull_reviews.json").write_text(json.dumps(reviews))
        with open(folder / f"{prefix}__tags.csv", "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["tag", "tag_object_type", "tagger_date", "commit_date", "commit_sha", "tagger_name"])
            for tag in repo.tags:
                annotated = tag["type"] == "tag"
                writer.writerow(
                    [
                        tag["name"],
                        tag["type"],
                        gh_time(tag["date"]) if annotated else "",
                        "" if annotated else gh_time(tag["date"]),
                        tag["commit_sha"],
                        tag["tagger"],
                    ]
                )


def write_org_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "teams.csv").write_text(
        "team,reorg_date,model,leader\nCheckout,2025-10-01,sto,Ana Lima\n"
        "Onboarding,2025-10-01,sto,Elif Demir\nBilling,,triad,Hugo Martin\n"
    )
    rows = ["kind,value,team,start_date,end_date"]
    rows += [f"jira_project,{key},{team},2024-01-01," for key, team in PROJECTS.items()]
    rows += [f"github_repo,{repo},{team},2024-01-01," for repo, team in REPOS.items()]
    (folder / "ownership.csv").write_text("\n".join(rows) + "\n")


# ---------------------------------------------------------------- the server


@dataclass
class Fault:
    path: str  # a regular expression searched in the request path
    status: int
    headers: dict
    body: bytes
    times: int
    after: int  # matching requests to let through first


class ReplayServer:
    """The organisation's APIs on 127.0.0.1; see the module docstring. Use as a context manager."""

    def __init__(
        self,
        org: Org,
        jira_email: str = "",
        jira_api_token: str = "",
        jira_pat: str = "",
        github_token: str = "",
        latency: float = 0.01,
        page_limit: int = 10,
        embed_limit: int = 5,
        changelog_limit: int = 4,
        rate_limit_every: int = 0,
    ):
        self.org = org
        self.basic = base64.b64encode(f"{jira_email}:{jira_api_token}".encode()).decode() if jira_api_token else None
        self.jira_pat = jira_pat
        self.github_token = github_token
        self.latency = latency
        self.page_limit = page_limit
        self.embed_limit = embed_limit
        self.changelog_limit = changelog_limit
        self.rate_limit_every = rate_limit_every
        self.requests: list[tuple[str, dict]] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self.served = 0
        handler = type("Handler", (ReplayHandler,), {"replay": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def add_fault(self, path: str, status: int, headers=None, body=b"", times: int = 1, after: int = 0) -> None:
        body = body.encode() if isinstance(body, str) else body
        with self.lock:
            self.faults.append(Fault(path, status, dict(headers or {}), body, times, after))

    def paths(self, pattern: str = "") -> list[tuple[str, dict]]:
        with self.lock:
            return [(path, query) for path, query in self.requests if re.search(pattern, path)]

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.path, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None


class ReplayHandler(BaseHTTPRequestHandler):
    replay: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the tests read the request log instead
        pass

    def do_GET(self):
        server = self.replay
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        with server.lock:
            server.requests.append((parts.path, query))
            server.served += 1
            served = server.served
        if server.latency:
            time.sleep(server.latency)
        fault = server.take_fault(parts.path)
        if fault:
            return self.send(fault.status, fault.body, fault.headers)
        github = parts.path.startswith("/repos/")
        if server.rate_limit_every and served % server.rate_limit_every == 0:
            if github:
                reset = str(int(time.time()) + 1)
                headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset, "Retry-After": "1"}
                return self.send_json(403, {"message": "API rate limit exceeded"}, headers)
            return self.send_json(429, {"errorMessages": ["Rate limit exceeded."]}, {"Retry-After": "1"})
        if not self.authorised(github):
            if github:
                return self.send_json(401, {"message": "Bad credentials", "status": "401"})
            return self.send_json(401, {"errorMessages": ["You are not authenticated."]})
        try:
            status, body, headers = (github_route if github else jira_route)(server, parts.path, query)
        except LookupError as error:
            status, body, headers = 404, {"message": f"Not Found: {error}"}, {}
        except ValueError as error:
            status, body, headers = 400, {"errorMessages": [str(error)]}, {}
        return self.send_json(status, body, headers)

    def authorised(self, github: bool) -> bool:
        server, given = self.replay, self.headers.get("Authorization", "")
        if github:
            return not server.github_token or given == f"Bearer {server.github_token}"
        return (server.basic is not None and given == f"Basic {server.basic}") or (
            bool(server.jira_pat) and given == f"Bearer {server.jira_pat}"
        )

    def send_json(self, status: int, body, headers=None):
        return self.send(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

    def send(self, status: int, body: bytes, headers: dict):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# ---------------------------------------------------------------- Jira routes

JQL_PROJECTS = re.compile(r"project\s*(?:=\s*(\w+)|in\s*\(([^)]*)\))", re.IGNORECASE)
JQL_UPDATED = re.compile(r'updated\s*>=\s*"([^"]+)"', re.IGNORECASE)


def jql_filter(org: Org, jql: str) -> list[Issue]:
    match = JQL_PROJECTS.search(jql)
    if not match:
        raise ValueError(f"The JQL query is not supported by the replay server: {jql}")
    projects = {match.group(1)} if match.group(1) else {p.strip().strip('"') for p in match.group(2).split(",")}
    chosen = [issue for issue in org.issues if issue.project in projects]
    since = JQL_UPDATED.search(jql)
    if since:
        text = since.group(1).replace("/", "-")
        local = dt.datetime.fromisoformat(text if " " in text else text + " 00:00")
        cutoff = local.replace(tzinfo=zoneinfo.ZoneInfo(org.profile_zone))
        chosen = [issue for issue in chosen if issue.updated >= cutoff]
    return sorted(chosen, key=lambda issue: (issue.project, int(issue.key.split("-")[1])))


def pick_fields(issue: dict, fields: str | None) -> dict:
    if not fields or fields in ("*all", "*navigable"):
        return issue
    wanted = set(fields.split(","))
    issue["fields"] = {key: value for key, value in issue["fields"].items() if key in wanted}
    return issue


def jira_route(server: ReplayServer, path: str, query: dict):
    org, site = server.org, server.url
    match = re.fullmatch(r"/rest/api/(2|3)(/.*)", path)
    if not match:
        raise LookupError(path)
    version, rest = match.groups()
    limit = min(int(query.get("maxResults", 50)), server.page_limit)
    if rest == "/myself":
        return (
            200,
            {"accountId": "5b10a2844c20165700ede21g", "displayName": "Analyst", "timeZone": org.profile_zone},
            {},
        )
    if rest == "/field":
        return 200, [{**f, "schema": {"type": "string"}, "clauseNames": [f["id"]]} for f in FIELDS], {}
    if rest == "/status":
        statuses = [
            {
                "self": f"{site}/rest/api/{version}/status/{i}",
                "id": i,
                "name": n,
                "statusCategory": {"key": k, "name": c},
            }
            for i, n, k, c in STATUSES
        ]
        return 200, statuses, {}
    if rest in ("/search/jql", "/search"):
        cloud = rest == "/search/jql"
        if cloud != (version == "3"):
            raise LookupError(path)
        issues = jql_filter(org, query.get("jql", ""))
        if cloud:
            token = query.get("nextPageToken")
            start = int(base64.urlsafe_b64decode(token.encode()).decode().split(":")[1]) if token else 0
        else:
            start = int(query.get("startAt", 0))
        chunk = issues[start : start + limit]
        rendered = [
            pick_fields(render_issue(org, issue, site, version, server.embed_limit), query.get("fields"))
            for issue in chunk
        ]
        if not query.get("expand") or "changelog" not in query["expand"]:
            for issue in rendered:
                issue.pop("changelog")
        page = {"issues": rendered}
        if "names" in query.get("expand", ""):
            page["names"] = names_map()
        if cloud:
            more = start + limit < len(issues)
            if more:
                page["nextPageToken"] = base64.urlsafe_b64encode(f"page:{start + limit}".encode()).decode()
            page["isLast"] = not more
        else:
            page = {"expand": "names,schema", "startAt": start, "maxResults": limit, "total": len(issues), **page}
        return 200, page, {}
    changelog = re.fullmatch(r"/issue/(\w+)/changelog", rest)
    if changelog:
        ident = changelog.group(1)
        issue = next((i for i in org.issues if str(i.ident) == ident or i.key == ident), None)
        if issue is None:
            raise LookupError(f"issue {ident}")
        start = int(query.get("startAt", 0))
        climit = min(int(query.get("maxResults", 100)), server.changelog_limit)
        values = issue.histories[start : start + climit]
        return (
            200,
            {
                "self": f"{site}{path}",
                "maxResults": climit,
                "startAt": start,
                "total": len(issue.histories),
                "isLast": start + climit >= len(issue.histories),
                "values": values,
            },
            {},
        )
    versions = re.fullmatch(r"/project/(\w+)/versions", rest)
    if versions:
        if versions.group(1) not in org.versions:
            raise LookupError(f"project {versions.group(1)}")
        return 200, org.versions[versions.group(1)], {}
    raise LookupError(path)


# ---------------------------------------------------------------- GitHub routes


def paged(server: ReplayServer, path: str, query: dict, items: list):
    per_page = min(int(query.get("per_page", 30)), server.page_limit)
    page = int(query.get("page", 1))
    chunk = items[(page - 1) * per_page : page * per_page]
    headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "0"}
    links = []
    last = max(1, -(-len(items) // per_page))
    if page < last:
        links.append(f'<{server.url}{path}?{urlencode({**query, "page": page + 1})}>; rel="next"')
        links.append(f'<{server.url}{path}?{urlencode({**query, "page": last})}>; rel="last"')
    if links:
        headers["Link"] = ", ".join(links)
    return 200, chunk, headers


def github_route(server: ReplayServer, path: str, query: dict):
    match = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)", path)
    if not match or match.group(1) not in server.org.repos:
        raise LookupError(path)
    name, rest = match.groups()
    repo, api = server.org.repos[name], server.url
    if rest == "/releases":
        return paged(server, path, query, [render_release(name, r, api) for r in repo.releases])
    if rest == "/pulls":
        pulls = sorted(repo.pulls, key=lambda p: p["created_at"], reverse=True)
        if query.get("sort") == "updated":
            pulls = sorted(repo.pulls, key=lambda p: p["updated_at"], reverse=query.get("direction") != "asc")
        return paged(server, path, query, [render_pull(name, p, api) for p in pulls])
    reviews = re.fullmatch(r"/pulls/(\d+)/reviews", rest)
    if reviews:
        number = int(reviews.group(1))
        if number not in repo.reviews:
            raise LookupError(path)
        return paged(server, path, query, [render_review(name, number, r, api) for r in repo.reviews[number]])
    if rest == "/git/matching-refs/tags":
        refs = [
            {
                "ref": f"refs/tags/{tag['name']}",
                "node_id": "REF_" + tag["ref_sha"][:8],
                "url": f"{api}/repos/{name}/git/refs/tags/{tag['name']}",
                "object": {
                    "sha": tag["ref_sha"],
                    "type": tag["type"],
                    "url": f"{api}/repos/{name}/git/x/{tag['ref_sha']}",
                },
            }
            for tag in repo.tags
        ]
        return paged(server, path, query, refs)
    git = re.fullmatch(r"/git/(tags|commits)/([0-9a-f]{40})", rest)
    if git:
        kind, wanted = git.groups()
        for tag in repo.tags:
            if kind == "tags" and tag["type"] == "tag" and tag["ref_sha"] == wanted:
                return (
                    200,
                    {
                        "node_id": "TAG_" + wanted[:8],
                        "tag": tag["name"],
                        "sha": wanted,
                        "message": f"Release {tag['name']}\n",
                        "tagger": {"name": tag["tagger"], "email": "t@example.com", "date": gh_time(tag["date"])},
                        "object": {
                            "sha": tag["commit_sha"],
                            "type": "commit",
                            "url": f"{api}/repos/{name}/git/commits/x",
                        },
                    },
                    {},
                )
            if kind == "commits" and tag["commit_sha"] == wanted:
                date = gh_time(tag["date"])
                person = {"name": "Dev", "email": "d@example.com", "date": date}
                return 200, {"sha": wanted, "author": person, "committer": person, "message": "work", "parents": []}, {}
        raise LookupError(path)
    raise LookupError(path)
