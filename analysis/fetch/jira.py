"""Fetch a JQL query's issues, full changelogs and project versions from Jira's REST API.

Writes, into the output folder, files the Jira JSON importer reads:

- ``jira_search_rNN_pNNNN.json``: search pages as Jira returns them (``expand=changelog,names``,
  the issue links among the fields), except that an issue whose ``changelog.total`` exceeds the
  histories embedded in the page (Cloud embeds at most 100) gets the rest from
  ``/rest/api/{v}/issue/{id}/changelog``, merged in, so its first due date is never lost.
- ``jira_versions_KEY.json``: ``{"key": KEY, "versions": [...]}`` for every project seen.
- ``jira_fields.json`` (``/field``: it also decides which custom fields the search asks for)
  and ``jira_statuses.json`` (``/status``: status categories).

Cloud (``JIRA_EMAIL`` + ``JIRA_API_TOKEN``, basic auth) uses ``/rest/api/3/search/jql`` paged by
``nextPageToken`` (no total); Server/Data Center (a personal access token in ``JIRA_TOKEN``,
bearer) uses ``/rest/api/2/search`` paged by ``startAt``/``total``.

Incremental refresh adds ``updated >= "..."`` to the JQL: from ``--since``, or from the newest
``updated`` the folder's finished runs hold. Jira reads JQL dates in the time zone of the
user's Jira profile, so the run asks ``/myself`` for it and says which zone it used.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..importers.jira_json import field_roles
from .folder import Folder, write_json
from .http import Client, FetchError, Secrets, api_time, basic_auth, bearer_auth, check_base_url
from .progress import Progress

# Standard fields the importer reads; custom ones are added from /field by name.
STANDARD_FIELDS = (
    "summary",
    "issuetype",
    "status",
    "priority",
    "resolution",
    "assignee",
    "reporter",
    "project",
    "components",
    "labels",
    "fixVersions",
    "parent",
    "created",
    "updated",
    "resolutiondate",
    "duedate",
    "issuelinks",
)
ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)


@dataclass
class JiraRequest:
    site: str
    jql: str
    out: Path
    flavour: str | None = None  # "cloud" or "server"; None: from the credentials given
    since: dt.date | None = None
    page_size: int = 100
    changelog_page_size: int = 100
    concurrency: int = 4


def credentials(env: Mapping[str, str], flavour: str | None, secrets: Secrets):
    """(flavour, auth) from the environment; FetchError naming the variables when absent."""
    email, api_token, pat = env.get("JIRA_EMAIL"), env.get("JIRA_API_TOKEN"), env.get("JIRA_TOKEN")
    if flavour is None:
        flavour = "cloud" if email and api_token else "server" if pat else None
    if flavour == "cloud":
        if not (email and api_token):
            raise FetchError("Jira Cloud: set JIRA_EMAIL and JIRA_API_TOKEN in the environment (basic auth)")
        return flavour, basic_auth(email, api_token, secrets)
    if flavour == "server":
        if not pat:
            raise FetchError("Jira Server/Data Center: set JIRA_TOKEN (a personal access token) in the environment")
        return flavour, bearer_auth(pat, secrets)
    raise FetchError(
        "no Jira credentials: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) or JIRA_TOKEN "
        "(Server/Data Center personal access token) in the environment"
    )


def with_since(jql: str, clause: str | None) -> str:
    """The JQL with `AND <clause>` before any ORDER BY, and a stable order if none was given."""
    match = ORDER_BY.search(jql)
    where, order = (jql[: match.start()], jql[match.start() :]) if match else (jql, "ORDER BY key ASC")
    where = where.strip()
    if clause:
        where = f"({where}) AND {clause}" if where else clause
    return f"{where} {order.strip()}".strip()


def jql_time(value: dt.datetime, zone: str) -> str:
    """A JQL date-time ("2026-01-15 09:30") in the profile zone, floored to the minute."""
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M")


class JiraFetch:
    def __init__(
        self,
        request: JiraRequest,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        progress: Progress | None = None,
        max_wait: float | None = None,
    ):
        self.request = request
        self.site = check_base_url(request.site, "--site")
        self.secrets = Secrets()
        self.flavour, auth = credentials(os.environ if env is None else env, request.flavour, self.secrets)
        self.version = "3" if self.flavour == "cloud" else "2"
        self.api = f"/rest/api/{self.version}"
        options = {key: value for key, value in (("sleep", sleep), ("clock", clock), ("max_wait", max_wait)) if value}
        self.client = Client(self.site, auth, self.secrets, "Jira", pool=max(4, request.concurrency), **options)
        self.progress = progress or Progress()
        self.folder = Folder(request.out, f"jira:{self.site}")
        self.issues = 0
        self.changelog_pages = 0
        self.completed_changelogs = 0

    # ------------------------------------------------------------ run

    def run(self) -> dict:
        try:
            return self._run()
        finally:
            self.client.close()
            self.progress.done()

    def _run(self) -> dict:
        request = self.request
        query = {
            "site": self.site,
            "jql": request.jql,
            "since": request.since.isoformat() if request.since else None,
            "flavour": self.flavour,
        }
        zone = self.profile_zone()
        run = self.folder.run_to_resume(query)
        if run:
            done = sum(len(page.get("issues", [])) for page in run["pages"])
            self.progress.say(f"Jira: resuming run {run['number']}: {len(run['pages'])} page(s), {done} issues kept")
            self.progress.say(f"Jira: JQL dates are read in your Jira profile time zone, {zone}")
        else:
            clause, said = self.since_clause(query, zone)
            run = self.folder.new_run(query)
            run.update({"jql": with_since(request.jql, clause), "pages": [], "cursor": None, "searched": False})
            self.folder.save()
            self.progress.say(f"Jira: JQL dates are read in your Jira profile time zone, {zone}{said}")
        self.progress.say(f"Jira: {self.flavour} ({self.api}), JQL: {run['jql']}")
        fields = self.metadata()
        if not run["searched"]:
            self.search(run, fields)
        projects = sorted(
            {
                key
                for past in self.folder.state["runs"]
                for page in past.get("pages", [])
                for key in page.get("projects", [])
            }
        )
        for key in projects:
            self.versions(key)
        run["complete"] = True
        self.folder.save()
        stats = self.client.stats
        summary = {
            "issues": sum(len(page.get("issues", [])) for page in run["pages"]),
            "pages": len(run["pages"]),
            "changelog_pages": self.changelog_pages,
            "completed_changelogs": self.completed_changelogs,
            "projects": projects,
            "requests": stats.requests,
            "requests_by_kind": dict(stats.by_kind),
            "rate_limit_waits": stats.rate_limit_waits,
            "retries": stats.retries,
            "time_zone": zone,
        }
        self.progress.say(
            f"Jira: done: {summary['issues']} issues in {summary['pages']} page(s), "
            f"{self.completed_changelogs} changelog(s) completed from {self.changelog_pages} extra page(s), "
            f"versions of {len(projects)} project(s); {stats.requests} requests, "
            f"{stats.rate_limit_waits} rate-limit wait(s), {stats.retries} retry(ies)"
        )
        return summary

    def profile_zone(self) -> str:
        """The time zone of the user's Jira profile, in which Jira reads JQL dates."""
        data, _ = self.client.get_json(f"{self.api}/myself", kind="myself", expect=(dict,))
        zone = data.get("timeZone")
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            return "UTC"
        return zone

    def since_clause(self, query: dict, zone: str) -> tuple[str | None, str]:
        """(`updated >= ...` or None, a sentence saying where the date came from)."""
        if self.request.since:
            return f'updated >= "{self.request.since.isoformat()}"', f"; only issues updated since {self.request.since}"
        newest = None
        for run in self.folder.complete_runs():
            if run.get("query", {}).get("jql") != query["jql"]:
                continue
            for page in run.get("pages", []):
                value = api_time(page.get("max_updated"))
                if value and (newest is None or value > newest):
                    newest = value
        if newest is None:
            return None, ""
        since = jql_time(newest, zone)
        return f'updated >= "{since}"', f"; the folder holds issues updated up to {since}, fetching those updated since"

    # ------------------------------------------------------------ metadata

    def metadata(self) -> list[str]:
        """Write /field and /status; the fields to ask the search for."""
        field_list, _ = self.client.get_json(f"{self.api}/field", kind="field", expect=(list,))
        write_json(self.folder.file("jira_fields.json"), field_list)
        statuses, _ = self.client.get_json(f"{self.api}/status", kind="status", expect=(list,))
        write_json(self.folder.file("jira_statuses.json"), statuses)
        names = {str(f.get("id")): str(f.get("name")) for f in field_list if isinstance(f, dict) and f.get("id")}
        custom = [field_id for ids in field_roles(names).values() for field_id in ids]
        return list(dict.fromkeys([*STANDARD_FIELDS, *custom]))

    def versions(self, key: str) -> None:
        data, _ = self.client.get_json(f"{self.api}/project/{key}/versions", kind="versions", expect=(list,))
        write_json(self.folder.file(f"jira_versions_{key}.json"), {"key": key, "versions": data})

    # ------------------------------------------------------------ search

    def search(self, run: dict, fields: list[str]) -> None:
        cloud = self.flavour == "cloud"
        path = f"{self.api}/search/jql" if cloud else f"{self.api}/search"
        total = None
        self.issues = sum(len(page.get("issues", [])) for page in run["pages"])
        while True:
            number = len(run["pages"]) + 1
            params = {
                "jql": run["jql"],
                "maxResults": self.request.page_size,
                "fields": ",".join(fields),
                "expand": "changelog,names",
            }
            if cloud and run["cursor"]:
                params["nextPageToken"] = run["cursor"]
            elif not cloud:
                params["startAt"] = run["cursor"] or 0
            page, _ = self.client.get_json(path, params, kind="search", expect=(dict,))
            issues = self.check_page(page, number, cloud)
            self.complete_changelogs(issues)
            name = f"jira_search_r{run['number']:02d}_p{number:04d}.json"
            if issues:
                write_json(self.folder.file(name), page)
            if cloud:
                cursor = page.get("nextPageToken")
                last = page.get("isLast") is True or not cursor or not issues
            else:
                total = page.get("total")
                cursor = (run["cursor"] or 0) + len(issues)
                last = not issues or cursor >= total
            updated = [t for t in (api_time((i.get("fields") or {}).get("updated")) for i in issues) if t]
            if issues:
                run["pages"].append(
                    {
                        "file": name,
                        "issues": [issue.get("key") for issue in issues],
                        "projects": sorted({issue["key"].rsplit("-", 1)[0] for issue in issues}),
                        "max_updated": max(updated).isoformat() if updated else None,
                    }
                )
            run["cursor"] = cursor
            run["searched"] = last
            self.folder.save()
            self.issues += len(issues)
            stats = self.client.stats
            self.progress.update(
                f"Jira: page {number}, {self.issues} issues"
                + (f" of {total}" if total is not None else "")
                + f", {self.changelog_pages} changelog page(s), {stats.requests} requests",
                force=True,
            )
            if last:
                return

    def check_page(self, page: dict, number: int, cloud: bool) -> list[dict]:
        """The page's issues; FetchError (one line) when the page is not a search page."""

        def bad(reason: str) -> FetchError:
            return FetchError(
                f"Jira: search page {number} is malformed: {reason}; the pages already written are kept, "
                "run the same command again to resume"
            )

        issues = page.get("issues")
        if not isinstance(issues, list):
            raise bad('no "issues" list')
        for position, issue in enumerate(issues):
            if (
                not isinstance(issue, dict)
                or not isinstance(issue.get("key"), str)
                or not isinstance(issue.get("fields"), dict)
            ):
                raise bad(f"issue {position + 1} has no key or fields")
        if cloud and page.get("nextPageToken") is not None and not isinstance(page["nextPageToken"], str):
            raise bad("nextPageToken is not a string")
        if not cloud and not (isinstance(page.get("total"), int) and isinstance(page.get("startAt"), int)):
            raise bad("startAt or total is missing")
        return issues

    # ------------------------------------------------------------ changelogs

    def complete_changelogs(self, issues: list[dict]) -> None:
        """Page /issue/{id}/changelog for every issue whose embedded histories are cut short."""
        short = []
        for issue in issues:
            changelog = issue.get("changelog")
            histories = changelog.get("histories") if isinstance(changelog, dict) else None
            total = changelog.get("total") if isinstance(changelog, dict) else None
            if not isinstance(histories, list) or (isinstance(total, int) and total > len(histories)):
                short.append(issue)
        if not short:
            return
        with ThreadPoolExecutor(max_workers=max(1, self.request.concurrency)) as pool:
            fetched = list(pool.map(self.changelog, short))
        self.changelog_pages += sum(pages for _, pages in fetched)
        for issue, (values, _) in zip(short, fetched):
            embedded = (issue.get("changelog") or {}).get("histories") or []
            merged = {str(h.get("id")): h for h in [*embedded, *values] if isinstance(h, dict)}
            histories = sorted(merged.values(), key=history_order)
            issue["changelog"] = {
                "startAt": 0,
                "maxResults": len(histories),
                "total": len(histories),
                "histories": histories,
            }
            self.completed_changelogs += 1

    def changelog(self, issue: dict) -> tuple[list[dict], int]:
        """(every history of the issue, pages asked) from /issue/{id}/changelog."""
        values, start, pages = [], 0, 0
        ident = issue.get("id") or issue["key"]
        while True:
            page, _ = self.client.get_json(
                f"{self.api}/issue/{ident}/changelog",
                {"startAt": start, "maxResults": self.request.changelog_page_size},
                kind="changelog",
                expect=(dict,),
            )
            pages += 1
            batch = page.get("values")
            if not isinstance(batch, list):
                raise FetchError(
                    f'Jira: the changelog page of {issue["key"]} at {start} is malformed: no "values" list'
                )
            values += batch
            start += len(batch)
            total = page.get("total")
            if not batch or page.get("isLast") is True or (isinstance(total, int) and start >= total):
                return values, pages


def history_order(history: dict) -> tuple:
    """Oldest first, by time then numeric id (the importer sorts again; this keeps files readable)."""
    when = api_time(history.get("created")) or dt.datetime.min.replace(tzinfo=dt.UTC)
    try:
        return when, int(history.get("id"))
    except (TypeError, ValueError):
        return when, 0
