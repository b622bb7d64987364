"""GitHub JSON: REST releases, pulls, reviews, deployments, and `gh release|pr list --json`.

Kinds, recognised from the keys of the first objects (never the file name):

- ``github_releases``: ``tag_name`` with ``draft``/``prerelease``/``published_at``/``assets``.
- ``github_pulls``: ``number`` with ``head``/``base``/``merged_at``/``diff_url``.
- ``github_reviews``: ``pull_request_url`` with ``submitted_at`` (not review comments: no
  ``diff_hunk``).
- ``github_deployments``: ``environment``, ``sha`` and ``ref``.
- ``gh_release_list``: ``tagName`` (camelCase, as the gh CLI writes it).
- ``gh_pr_list``: ``number`` with a pull-request-only gh field (``mergedAt``, ``baseRefName``,
  ``isDraft``, ``reviews``, ...) or a ``.../pull/<n>`` url.

A file is a list of objects, several pages of them (a list of lists, as ``gh api --paginate
--slurp`` writes), or an envelope ``{"repository": "owner/name", "<anything>": [...]}``.

The repository comes from the envelope when it names one, otherwise from each object's own
URLs (``base.repo.full_name``, ``repository_url``, ``url``, ``html_url``,
``pull_request_url``). Without one (``gh release list`` has no url field) releases keep an
empty repo and a note says so; pull requests are rejected, because ``pr_id`` is
``owner/repo#number``.

GitHub lists are not in date order and exports overlap: nothing here depends on order, and a
repeated object (same tag, PR number or id) keeps its most recently updated copy; the others
are rejected as duplicates. Drafts and prereleases are kept and flagged, never dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

from .base import FileRefused, ImportOptions, ParseResult, Reject, Sample
from .json_rows import BadValue, keep_latest, key_paths, load, parse_timestamp, typed_frame

EXPECTED = {
    "github_releases": "GitHub releases (a JSON list from GET /repos/{owner}/{repo}/releases)",
    "github_pulls": "GitHub pull requests (a JSON list from GET /repos/{owner}/{repo}/pulls)",
    "github_reviews": ("GitHub pull request reviews (a JSON list from GET /repos/{owner}/{repo}/pulls/{n}/reviews)"),
    "github_deployments": ("GitHub deployments (a JSON list from GET /repos/{owner}/{repo}/deployments)"),
    "gh_release_list": "`gh release list --json tagName,publishedAt,...` output",
    "gh_pr_list": "`gh pr list --json number,url,createdAt,mergedAt,...` output",
}
# The field without which an object is not one of the kind's objects at all.
REQUIRED = {
    "github_releases": "tag_name",
    "gh_release_list": "tagName",
    "github_pulls": "number",
    "gh_pr_list": "number",
    "github_reviews": "id",
    "github_deployments": "id",
}
# gh pr list fields that issues (gh issue list) do not have.
GH_PR_ONLY = {
    "baseRefName",
    "headRefName",
    "mergedAt",
    "isDraft",
    "reviewDecision",
    "mergedBy",
    "mergeCommit",
    "headRefOid",
    "baseRefOid",
    "isCrossRepository",
    "reviews",
    "latestReviews",
    "reviewRequests",
    "mergeable",
    "mergeStateStatus",
    "additions",
    "deletions",
    "changedFiles",
    "statusCheckRollup",
    "autoMergeRequest",
    "maintainerCanModify",
    "headRepository",
}
GH_PULL_URL = re.compile(r'"url"\s*:\s*"https?://[^"]+/pull/\d+"')
API_REPO = re.compile(r"/repos/([^/\s]+/[^/\s?#]+)")
WEB_REPO = re.compile(r"^https?://[^/]+/([^/\s]+/[^/\s]+)/(?:pull|pulls|releases|issues|deployments|commit|tree)\b")
PULL_URL = re.compile(r"/repos/([^/\s]+/[^/\s]+)/pulls/(\d+)|^https?://[^/]+/([^/\s]+/[^/\s]+)/pull/(\d+)")


# ---------------------------------------------------------------- detect


def record_keys(paths: set[str]) -> set[str]:
    """Keys of the objects in the file's main list: "[]", pages "[][]", or an envelope's list."""
    envelopes = sorted({path.split("[].", 1)[0] + "[]" for path in paths if "[]." in path and not path.startswith("[")})
    for prefix in ["[][]", "[]", *envelopes]:
        keys = {path[len(prefix) + 1 :] for path in paths if path.startswith(prefix + ".")}
        keys = {key for key in keys if "." not in key}
        if keys:
            return keys
    return set()


def kind_of(keys: set[str], text: str) -> str | None:
    """The kind whose objects have these keys."""
    if "tag_name" in keys and keys & {"draft", "prerelease", "published_at", "assets", "tarball_url"}:
        return "github_releases"
    if "tagName" in keys:
        return "gh_release_list"
    if "number" in keys and keys & {"head", "base", "merged_at", "diff_url", "patch_url"}:
        return "github_pulls"
    if "number" in keys and (keys & GH_PR_ONLY or GH_PULL_URL.search(text)):
        return "gh_pr_list"
    if "pull_request_url" in keys and "submitted_at" in keys and "diff_hunk" not in keys:
        return "github_reviews"
    if {"environment", "sha", "ref"} <= keys:
        return "github_deployments"
    return None


def detect(sample: Sample) -> str | None:
    start = sample.json_start()
    if start not in ("[", "{"):
        return None
    paths = key_paths(sample.text)
    if start == "{":  # one object (releases/latest), else an envelope around a list
        top_level = {path for path in paths if "." not in path and "[" not in path}
        kind = kind_of(top_level, sample.text)
        if kind:
            return kind
    return kind_of(record_keys(paths), sample.text)


# ---------------------------------------------------------------- parse


def parse(path: Path, kind: str, options: ImportOptions) -> ParseResult:
    if kind not in EXPECTED:
        raise ValueError(f"github cannot parse kind {kind!r}")
    data = load(path, EXPECTED[kind])
    file_repo, records = unwrap(path, data, kind)
    if not records:
        raise FileRefused(f"{path.name}: the file holds an empty list; expected {EXPECTED[kind]}.")
    required = REQUIRED[kind]
    if not any(isinstance(record, dict) and required in record for record in records):
        raise FileRefused(f'{path.name}: no object has "{required}", so this is not {EXPECTED[kind]}.')
    return PARSERS[kind](path, kind, file_repo, records)


def unwrap(path: Path, data, kind: str) -> tuple[str | None, list]:
    """(repository the file names, flat list of records) from a list, pages or an envelope."""
    if isinstance(data, dict):
        if REQUIRED[kind] in data:
            return None, [data]  # a single object (e.g. releases/latest)
        lists = [value for value in data.values() if isinstance(value, list)]
        if not lists:
            raise FileRefused(f"{path.name}: no list of objects in this JSON; expected {EXPECTED[kind]}.")
        records = next((value for value in lists if any(isinstance(entry, (dict, list)) for entry in value)), lists[0])
        return repo_name(data.get("repository")), records
    if isinstance(data, list):
        records = []
        for entry in data:
            records.extend(entry if isinstance(entry, list) else [entry])  # pages
        return None, records
    raise FileRefused(f"{path.name}: expected {EXPECTED[kind]}.")


def repo_name(value) -> str | None:
    """owner/name from an envelope's "repository": a string, or an object with full_name."""
    if isinstance(value, dict):
        value = value.get("full_name") or value.get("nameWithOwner")
    return value.strip() if isinstance(value, str) and "/" in value else None


def repo_of(record: dict) -> str | None:
    """owner/name from the object's own URLs."""
    base = record.get("base")
    if isinstance(base, dict) and isinstance(base.get("repo"), dict) and base["repo"].get("full_name"):
        return base["repo"]["full_name"]
    for field in ("repository_url", "url", "html_url", "pull_request_url"):
        value = record.get(field)
        if isinstance(value, str):
            match = API_REPO.search(value) or WEB_REPO.match(value)
            if match:
                return match.group(1)
    return None


def time_of(record: dict, field: str) -> dt.datetime | None:
    """A GitHub timestamp as UTC; gh writes 0001-01-01T00:00:00Z for "never", which is None."""
    try:
        value = parse_timestamp(record.get(field))
    except ValueError as error:
        raise BadValue(field, str(error)) from None
    return None if value is not None and value.year <= 1 else value


def login(user) -> str | None:
    return user.get("login") if isinstance(user, dict) else None


def each_record(records: list, result: ParseResult, build) -> list[tuple[int, dict]]:
    """build(record) for every object; bad ones become Rejects at their 1-based list position."""
    rows = []
    result.rows_read = len(records)
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            result.rejects.append(Reject(row=number, reason=f"is a JSON {type(record).__name__}, not an object"))
            continue
        try:
            rows.append((number, build(record)))
        except BadValue as error:
            result.rejects.append(Reject(row=number, field=error.field, reason=error.reason))
    return rows


def no_repo_note(path: Path, what: str) -> str:
    return (
        f"{path.name}: the file does not say which repository these {what} belong to (no url "
        'fields); wrap it as {"repository": "owner/name", "items": [...]} or add url to '
        "the gh --json fields"
    )


# ---------------------------------------------------------------- releases


def parse_releases(path: Path, kind: str, file_repo: str | None, records: list) -> ParseResult:
    gh = kind == "gh_release_list"
    result = ParseResult(kind=kind)
    fields = (
        {
            "tag": "tagName",
            "created": "createdAt",
            "published": "publishedAt",
            "draft": "isDraft",
            "prerelease": "isPrerelease",
        }
        if gh
        else {
            "tag": "tag_name",
            "created": "created_at",
            "published": "published_at",
            "draft": "draft",
            "prerelease": "prerelease",
        }
    )

    def build(record: dict) -> dict:
        tag = record.get(fields["tag"])
        if not isinstance(tag, str) or not tag.strip():
            raise BadValue(fields["tag"], "is missing; every release needs its tag name")
        repo = file_repo or repo_of(record)
        is_draft = bool(record.get(fields["draft"]))
        published_at = time_of(record, fields["published"])
        released_at = None if is_draft else published_at
        return {
            "release_id": f"github:{repo or ''}:{tag}",
            "source": "github_release",
            "repo": repo,
            "name": record.get("name") or tag,
            "tag_name": tag,
            "created_at": time_of(record, fields["created"]),
            "released_at": released_at,
            "is_draft": is_draft,
            "is_prerelease": bool(record.get(fields["prerelease"])),
            "is_released": released_at is not None,
            "url": record.get("html_url") or record.get("url"),
        }

    rows = each_record(records, result, build)
    kept, duplicates = keep_latest(rows, "release_id", "release", order_by="released_at")
    result.rejects += duplicates
    result.tables["releases"] = typed_frame("releases", kept)
    drafts = sum(row["is_draft"] for row in kept)
    prereleases = sum(row["is_prerelease"] for row in kept)
    if drafts or prereleases:
        result.notes.append(
            f"{path.name}: kept and flagged {drafts} draft(s) (never counted as releases) and "
            f"{prereleases} prerelease(s) (counted only when asked)"
        )
    if any(row["repo"] is None for row in kept):
        result.notes.append(no_repo_note(path, "releases"))
    return result


def parse_deployments(path: Path, kind: str, file_repo: str | None, records: list) -> ParseResult:
    result = ParseResult(kind=kind)

    def build(record: dict) -> dict:
        if record.get("id") in (None, ""):
            raise BadValue("id", "is missing; every deployment needs its id")
        created_at = time_of(record, "created_at")
        if created_at is None:
            raise BadValue("created_at", "is empty; a deployment needs its time")
        repo = file_repo or repo_of(record)
        return {
            "release_id": f"deployment:{repo or ''}:{record['id']}",
            "source": "github_deployment",
            "repo": repo,
            "name": record.get("environment"),
            "created_at": created_at,
            "released_at": created_at,
            "is_draft": False,
            "is_prerelease": False,
            "is_released": True,
            "url": record.get("url"),
        }

    rows = each_record(records, result, build)
    kept, duplicates = keep_latest(rows, "release_id", "deployment")
    result.rejects += duplicates
    result.tables["releases"] = typed_frame("releases", kept)
    environments = Counter(row["name"] for row in kept)
    if environments:
        listed = ", ".join(
            f"{name} ({count})" for name, count in sorted(environments.items(), key=lambda item: str(item[0]))
        )
        result.notes.append(f"{path.name}: deployments by environment: {listed}; all are kept")
    if any(row["repo"] is None for row in kept):
        result.notes.append(no_repo_note(path, "deployments"))
    return result


# ---------------------------------------------------------------- pull requests and reviews


def pr_number(record: dict) -> int:
    value = record.get("number")
    if isinstance(value, bool) or value in (None, ""):
        raise BadValue("number", "is missing; every pull request needs its number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadValue("number", f"{value!r} is not a pull request number") from None


def parse_pulls(path: Path, kind: str, file_repo: str | None, records: list) -> ParseResult:
    gh = kind == "gh_pr_list"
    result = ParseResult(kind=kind)
    reviews: list[tuple[int, dict]] = []
    missing_repo = 0

    def build(record: dict) -> dict:
        nonlocal missing_repo
        number = pr_number(record)
        repo = file_repo or repo_of(record)
        if repo is None:
            missing_repo += 1
            raise BadValue(
                "url",
                "no repository: the object has no url and the file does not "
                "name one, so the pull request cannot be identified",
            )
        created_at = time_of(record, "createdAt" if gh else "created_at")
        if created_at is None:
            raise BadValue("createdAt" if gh else "created_at", "is empty; a pull request needs its creation time")
        pr_id = f"{repo}#{number}"
        draft_field = "isDraft" if gh else "draft"
        base = record.get("base") if isinstance(record.get("base"), dict) else {}
        row = {
            "pr_id": pr_id,
            "repo": repo,
            "number": number,
            "title": record.get("title"),
            "author": login(record.get("author") if gh else record.get("user")),
            "state": str(record["state"]).lower() if record.get("state") else None,
            "is_draft": bool(record[draft_field]) if record.get(draft_field) is not None else None,
            "created_at": created_at,
            "closed_at": time_of(record, "closedAt" if gh else "closed_at"),
            "merged_at": time_of(record, "mergedAt" if gh else "merged_at"),
            "base_branch": record.get("baseRefName") if gh else base.get("ref"),
            "url": record.get("url") if gh else record.get("html_url") or record.get("url"),
            "updated_at": time_of(record, "updatedAt" if gh else "updated_at"),
        }
        if gh:
            reviews.extend((len(reviews) + 1, review) for review in gh_reviews(pr_id, record.get("reviews")))
        return row

    rows = each_record(records, result, build)
    kept, duplicates = keep_latest(rows, "pr_id", "pull request", order_by="updated_at")
    result.rejects += duplicates
    result.tables["pull_requests"] = typed_frame("pull_requests", kept)
    if reviews:
        kept_reviews, _ = keep_latest(reviews, "review_id", "review")
        result.tables["reviews"] = typed_frame("reviews", kept_reviews)
    no_draft = sum(row["is_draft"] is None for row in kept)
    if no_draft:
        result.notes.append(
            f"{path.name}: {no_draft} pull request(s) come without a draft field (older API "
            "or not exported); is_draft is left empty"
        )
    if missing_repo:
        result.notes.append(no_repo_note(path, "pull requests"))
    return result


def gh_reviews(pr_id: str, reviews) -> list[dict]:
    """Reviews nested in `gh pr list --json reviews`; review_id is gh's id (or pr_id:position)."""
    rows = []
    for position, review in enumerate(reviews if isinstance(reviews, list) else [], start=1):
        if not isinstance(review, dict):
            continue
        try:
            submitted_at = time_of(review, "submittedAt")
        except BadValue:
            submitted_at = None
        rows.append(
            {
                "review_id": str(review.get("id") or f"{pr_id}:{position}"),
                "pr_id": pr_id,
                "reviewer": login(review.get("author")),
                "state": review.get("state"),
                "submitted_at": submitted_at,
            }
        )
    return rows


def pr_id_from_url(url) -> str | None:
    """owner/repo#number from an API or web pull request URL."""
    match = PULL_URL.search(url) if isinstance(url, str) else None
    if not match:
        return None
    repo, number = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{repo}#{int(number)}"


def parse_reviews(path: Path, kind: str, file_repo: str | None, records: list) -> ParseResult:
    result = ParseResult(kind=kind)

    def build(record: dict) -> dict:
        if record.get("id") in (None, ""):
            raise BadValue("id", "is missing; every review needs its id")
        pr_id = pr_id_from_url(record.get("pull_request_url")) or pr_id_from_url(record.get("html_url"))
        if pr_id is None:
            raise BadValue(
                "pull_request_url",
                "is missing or not a pull request URL, so the review cannot be tied to its pull request",
            )
        return {
            "review_id": str(record["id"]),
            "pr_id": pr_id,
            "reviewer": login(record.get("user")),
            "state": record.get("state"),
            "submitted_at": time_of(record, "submitted_at"),
        }

    rows = each_record(records, result, build)
    kept, duplicates = keep_latest(rows, "review_id", "review", order_by="submitted_at")
    result.rejects += duplicates
    result.tables["reviews"] = typed_frame("reviews", kept)
    return result


PARSERS = {
    "github_releases": parse_releases,
    "gh_release_list": parse_releases,
    "github_deployments": parse_deployments,
    "github_pulls": parse_pulls,
    "gh_pr_list": parse_pulls,
    "github_reviews": parse_reviews,
}
