"""Fetch a repository's releases, pull requests with their reviews, and dated tags from GitHub.

Writes, into the output folder, files the GitHub and git-tag importers read (``o__n`` is the
repository ``owner/name`` with ``__`` for the slash):

- ``o__n__releases_pNNN.json``: ``GET /repos/{o}/{n}/releases`` pages, as GitHub returns them;
  every run fetches them all again (they are few) and drops pages a shorter list no longer has.
- ``o__n__pulls_rNN_pNNNN.json``: ``GET /repos/{o}/{n}/pulls?state=all&sort=updated`` pages,
  and ``o__n__pull_reviews_rNN_pNNNN.json``: the reviews of that page's pull requests
  (``/pulls/{number}/reviews``, every page of them).
- ``o__n__tags.csv``: ``tag,tag_object_type,tagger_date,commit_date,commit_sha,tagger_name``,
  as ``git for-each-ref`` writes it. The tags API carries no dates, so each tag costs one more
  call: ``/git/tags/{sha}`` (annotated tags: the tagger's date) or ``/git/commits/{sha}``
  (lightweight tags: the commit's date). A tag already in the folder with the same object is
  not asked again; the run says how many calls the dates took.

Every list follows GitHub's ``Link: <...>; rel="next"`` header. Incremental refresh: pull
requests updated before ``--since`` (or before the newest ``updated_at`` the folder's finished
runs hold) end the listing, which is sorted by update time, newest first. ``GITHUB_TOKEN`` is
optional (public repositories, at 60 requests an hour).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .folder import Folder, write_csv, write_json
from .http import Client, FetchError, Secrets, api_time, bearer_auth, check_base_url
from .progress import Progress

REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
TAG_COLUMNS = ["tag", "tag_object_type", "tagger_date", "commit_date", "commit_sha", "tagger_name"]
SAVE_EVERY = 20  # tag dates looked up between two manifest saves


@dataclass
class GitHubRequest:
    repo: str
    out: Path
    api_url: str = "https://api.github.com"
    since: dt.date | None = None
    page_size: int = 100
    concurrency: int = 4


class GitHubFetch:
    def __init__(
        self,
        request: GitHubRequest,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        progress: Progress | None = None,
        max_wait: float | None = None,
    ):
        if not REPO.match(request.repo):
            raise FetchError(f"--repo {request.repo!r}: expected OWNER/NAME, like octo-org/octo-repo")
        self.request = request
        self.repo = request.repo
        self.prefix = request.repo.replace("/", "__")
        self.api_url = check_base_url(request.api_url, "--api-url")
        self.secrets = Secrets()
        token = (os.environ if env is None else env).get("GITHUB_TOKEN")
        auth = bearer_auth(token, self.secrets) if token else None
        self.anonymous = auth is None
        options = {key: value for key, value in (("sleep", sleep), ("clock", clock), ("max_wait", max_wait)) if value}
        self.client = Client(
            self.api_url,
            auth,
            self.secrets,
            "GitHub",
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
            pool=max(4, request.concurrency),
            **options,
        )
        self.progress = progress or Progress()
        self.folder = Folder(request.out, f"github:{self.repo}")
        self.counts = {"releases": 0, "pulls": 0, "reviews": 0, "tags": 0, "tag_date_calls": 0, "tag_dates_kept": 0}

    def run(self) -> dict:
        try:
            return self._run()
        finally:
            self.client.close()
            self.progress.done()

    def _run(self) -> dict:
        query = {"api_url": self.api_url, "since": self.request.since.isoformat() if self.request.since else None}
        if self.anonymous:
            self.progress.say("GitHub: no GITHUB_TOKEN in the environment; asking anonymously (60 requests an hour)")
        run = self.folder.run_to_resume(query)
        if run:
            self.progress.say(f"GitHub {self.repo}: resuming run {run['number']}")
        else:
            since, said = self.since(query)
            run = self.folder.new_run(query)
            run["since"] = since.isoformat() if since else None
            self.folder.save()
            if said:
                self.progress.say(f"GitHub {self.repo}: {said}")
        steps = run["steps"]
        self.releases(steps.setdefault("releases", {"pages": [], "next": None, "done": False}))
        self.pulls(run, steps.setdefault("pulls", {"pages": [], "next": None, "done": False}))
        self.tags(steps.setdefault("tags", {"done": False}))
        run["complete"] = True
        self.folder.save()
        stats = self.client.stats
        summary = {
            **self.counts,
            "requests": stats.requests,
            "requests_by_kind": dict(stats.by_kind),
            "rate_limit_waits": stats.rate_limit_waits,
            "retries": stats.retries,
        }
        self.progress.say(
            f"GitHub {self.repo}: done: {self.counts['releases']} releases, {self.counts['pulls']} pull requests "
            f"with {self.counts['reviews']} reviews, {self.counts['tags']} tags (dates: "
            f"{self.counts['tag_date_calls']} calls, {self.counts['tag_dates_kept']} already known); "
            f"{stats.requests} requests, {stats.rate_limit_waits} rate-limit wait(s), {stats.retries} retry(ies)"
        )
        return summary

    def since(self, query: dict) -> tuple[dt.datetime | None, str]:
        if self.request.since:
            since = dt.datetime.combine(self.request.since, dt.time(), dt.UTC)
            return since, f"only pull requests updated since {since:%Y-%m-%d %H:%M} UTC"
        newest = None
        for run in self.folder.complete_runs():
            if run.get("query", {}).get("api_url") != query["api_url"]:
                continue
            for page in run.get("steps", {}).get("pulls", {}).get("pages", []):
                value = api_time(page.get("max_updated"))
                if value and (newest is None or value > newest):
                    newest = value
        if newest is None:
            return None, ""
        return (
            newest,
            f"the folder holds pull requests updated up to {newest:%Y-%m-%d %H:%M:%S} UTC; fetching newer ones",
        )

    def show(self, what: str) -> None:
        c = self.counts
        self.progress.update(
            f"GitHub {self.repo}: {what}; {c['releases']} releases, {c['pulls']} pulls, {c['reviews']} reviews, "
            f"{c['tags']} tags, {self.client.stats.requests} requests",
            force=True,
        )

    def listing(self, url: str, params: dict | None, kind: str):
        """(list, next URL or None) for one page of a GitHub list."""
        data, response = self.client.get_json(url, params, kind=kind, expect=(list,))
        bad = next((i for i, entry in enumerate(data) if not isinstance(entry, dict)), None)
        if bad is not None:
            raise FetchError(f"GitHub: a {kind} page from {self.repo} is malformed: entry {bad + 1} is not an object")
        return data, response.links.get("next", {}).get("url")

    # ------------------------------------------------------------ releases

    def releases(self, step: dict) -> None:
        if step["done"]:
            self.counts["releases"] = sum(page["count"] for page in step["pages"])
            return
        url = step["next"] or f"/repos/{self.repo}/releases"
        params = None if step["next"] else {"per_page": self.request.page_size}
        while url:
            data, url = self.listing(url, params, "releases")
            params = None
            number = len(step["pages"]) + 1
            name = f"{self.prefix}__releases_p{number:03d}.json"
            if data:
                write_json(self.folder.file(name), data)
                step["pages"].append({"file": name, "count": len(data)})
            step["next"] = url
            self.folder.save()
            self.counts["releases"] += len(data)
            self.show(f"releases page {number}")
        kept = {page["file"] for page in step["pages"]}
        for stale in self.folder.path.glob(f"{self.prefix}__releases_p*.json"):
            if stale.name not in kept:
                stale.unlink()
        step["done"] = True
        self.folder.save()

    # ------------------------------------------------------------ pulls and reviews

    def pulls(self, run: dict, step: dict) -> None:
        self.counts["pulls"] += sum(page["count"] for page in step["pages"])
        self.counts["reviews"] += sum(page.get("reviews", 0) for page in step["pages"])
        if step["done"]:
            return
        since = api_time(run.get("since"))
        url = step["next"] or f"/repos/{self.repo}/pulls"
        params = (
            None
            if step["next"]
            else {"state": "all", "sort": "updated", "direction": "desc", "per_page": self.request.page_size}
        )
        while url:
            data, url = self.listing(url, params, "pulls")
            params = None
            if since is not None:
                fresh = [pull for pull in data if (api_time(pull.get("updated_at")) or since) >= since]
                if len(fresh) < len(data):
                    url = None  # sorted by update time: the rest is older still
                data = fresh
            self.check_pulls(data)
            number = len(step["pages"]) + 1
            with ThreadPoolExecutor(max_workers=max(1, self.request.concurrency)) as pool:
                reviews = [review for batch in pool.map(self.reviews, data) for review in batch]
            if data:
                tag = f"r{run['number']:02d}_p{number:04d}"
                if reviews:
                    write_json(self.folder.file(f"{self.prefix}__pull_reviews_{tag}.json"), reviews)
                write_json(self.folder.file(f"{self.prefix}__pulls_{tag}.json"), data)
                updated = [t for t in (api_time(pull.get("updated_at")) for pull in data) if t]
                step["pages"].append(
                    {
                        "file": f"{self.prefix}__pulls_{tag}.json",
                        "count": len(data),
                        "reviews": len(reviews),
                        "max_updated": max(updated).isoformat() if updated else None,
                    }
                )
            step["next"] = url
            self.folder.save()
            self.counts["pulls"] += len(data)
            self.counts["reviews"] += len(reviews)
            self.show(f"pull requests page {number}")
        step["done"] = True
        self.folder.save()

    def check_pulls(self, pulls: list[dict]) -> None:
        for pull in pulls:
            if not isinstance(pull.get("number"), int):
                raise FetchError(f"GitHub: a pulls page from {self.repo} is malformed: a pull request has no number")

    def reviews(self, pull: dict) -> list[dict]:
        found = []
        url = f"/repos/{self.repo}/pulls/{pull['number']}/reviews"
        params = {"per_page": self.request.page_size}
        while url:
            data, url = self.listing(url, params, "reviews")
            params = None
            found += data
        return found

    # ------------------------------------------------------------ tags

    def tags(self, step: dict) -> None:
        known = step.setdefault("known", {})
        if step["done"]:
            self.counts["tags"] = len(known)
            return
        refs, url, params = [], f"/repos/{self.repo}/git/matching-refs/tags", {"per_page": self.request.page_size}
        while url:
            data, url = self.listing(url, params, "tag_refs")
            params = None
            refs += data
            self.show(f"{len(refs)} tag refs")
        earlier = self.earlier_tags()
        todo = []
        for ref in refs:
            name = str(ref.get("ref", "")).removeprefix("refs/tags/")
            target = ref.get("object") if isinstance(ref.get("object"), dict) else {}
            if not name or not target.get("sha"):
                raise FetchError(f"GitHub: a tag ref of {self.repo} is malformed: no ref name or object sha")
            cached = known.get(name) or earlier.get(name)
            if cached and cached["ref_sha"] == target["sha"]:
                known[name] = cached
                self.counts["tag_dates_kept"] += 1
            else:
                todo.append((name, target))
        with ThreadPoolExecutor(max_workers=max(1, self.request.concurrency)) as pool:
            for start in range(0, len(todo), SAVE_EVERY):
                chunk = todo[start : start + SAVE_EVERY]
                for (name, target), row in zip(chunk, pool.map(self.tag_row, chunk)):
                    known[name] = {"ref_sha": target["sha"], "row": row}
                self.counts["tag_date_calls"] += len(chunk)
                self.folder.save()
                self.show(f"tag dates {start + len(chunk)} of {len(todo)}")
        names = [str(ref["ref"]).removeprefix("refs/tags/") for ref in refs]
        for stale in set(known) - set(names):
            del known[stale]
        self.counts["tags"] = len(names)
        if names:
            write_csv(self.folder.file(f"{self.prefix}__tags.csv"), TAG_COLUMNS, [known[name]["row"] for name in names])
        step["done"] = True
        self.folder.save()

    def earlier_tags(self) -> dict:
        """Tag dates finished runs already looked up, by tag name."""
        found = {}
        for run in self.folder.complete_runs():
            found.update(run.get("steps", {}).get("tags", {}).get("known", {}))
        return found

    def tag_row(self, item) -> list[str]:
        name, target = item
        sha = target["sha"]
        if target.get("type") == "tag":
            data, _ = self.client.get_json(f"/repos/{self.repo}/git/tags/{sha}", kind="tag_dates", expect=(dict,))
            tagger = data.get("tagger") if isinstance(data.get("tagger"), dict) else {}
            pointed = data.get("object") if isinstance(data.get("object"), dict) else {}
            if not tagger.get("date"):
                raise FetchError(f"GitHub: the annotated tag {name} of {self.repo} has no tagger date")
            return [name, "tag", tagger["date"], "", pointed.get("sha", ""), tagger.get("name", "")]
        data, _ = self.client.get_json(f"/repos/{self.repo}/git/commits/{sha}", kind="tag_dates", expect=(dict,))
        committer = data.get("committer") if isinstance(data.get("committer"), dict) else {}
        if not committer.get("date"):
            raise FetchError(f"GitHub: the commit of tag {name} of {self.repo} has no committer date")
        return [name, "commit", "", committer["date"], sha, ""]
