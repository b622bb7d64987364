"""GitHub JSON (REST releases, pulls, reviews, deployments; `gh release|pr list --json`):
detection from the first objects' keys, where the repository comes from, drafts and prereleases
kept and flagged, bad objects rejected by their position, and the real samples."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLES, detect_and_parse, rows, utc

from analysis import importers
from analysis.importers import FileRefused, ImportOptions, github
from analysis.importers.base import SNIFF_BYTES, Sample

GITHUB_SAMPLES = SAMPLES / "github"
API = "https://api.github.com/repos/acme/shop"
WEB = "https://github.com/acme/shop"


def sample(text: str) -> Sample:
    return Sample(path=Path("x.json"), text=text, encoding="utf-8")


def parse(path: Path):
    kind = github.detect(sample(path.read_text(encoding="utf-8")[:SNIFF_BYTES]))
    assert kind, f"{path.name} was not recognised"
    return github.parse(path, kind, ImportOptions())


def records(result, table: str) -> list[dict]:
    return result.tables[table].to_dict("records")


@pytest.fixture
def write_json(write_file):
    def write(document, name: str = "export.json") -> Path:
        return write_file(name, json.dumps(document))

    return write


# ---- small GitHub objects --------------------------------------------------------------------


def release(tag: str, published: str | None = "2024-03-02T10:00:00Z", draft=False, prerelease=False, name="") -> dict:
    release_id = zlib.crc32(tag.encode())
    return {
        "url": f"{API}/releases/{release_id}",
        "html_url": f"{WEB}/releases/tag/{tag}",
        "id": release_id,
        "tag_name": tag,
        "name": name,
        "draft": draft,
        "prerelease": prerelease,
        "created_at": "2024-03-01T09:00:00Z",
        "published_at": published,
        "assets": [],
    }


def pull(number: int, merged: str | None = None, updated="2024-03-05T00:00:00Z", **extra) -> dict:
    return {
        "url": f"{API}/pulls/{number}",
        "html_url": f"{WEB}/pull/{number}",
        "number": number,
        "state": "closed" if merged else "open",
        "title": f"PR {number}",
        "user": {"login": "ana"},
        "created_at": "2024-03-01T09:00:00Z",
        "updated_at": updated,
        "closed_at": merged,
        "merged_at": merged,
        "draft": False,
        "head": {"ref": "feature"},
        "base": {"ref": "main", "repo": {"full_name": "acme/shop"}},
        **extra,
    }


def review(review_id: int, number: int, state="APPROVED") -> dict:
    return {
        "id": review_id,
        "user": {"login": "bo"},
        "state": state,
        "html_url": f"{WEB}/pull/{number}#pullrequestreview-{review_id}",
        "pull_request_url": f"{API}/pulls/{number}",
        "submitted_at": "2024-03-03T12:00:00Z",
        "commit_id": "abc",
    }


def deployment(deployment_id: int, environment="production") -> dict:
    return {
        "url": f"{API}/deployments/{deployment_id}",
        "id": deployment_id,
        "sha": "abc",
        "ref": "main",
        "task": "deploy",
        "environment": environment,
        "created_at": "2024-03-04T08:00:00Z",
        "repository_url": API,
        "statuses_url": f"{API}/deployments/{deployment_id}/statuses",
    }


GH_RELEASE = {
    "createdAt": "2024-03-01T09:00:00Z",
    "isDraft": False,
    "isLatest": True,
    "isPrerelease": False,
    "name": "Spring",
    "publishedAt": "2024-03-02T10:00:00Z",
    "tagName": "v2.0",
}
GH_PR = {
    "number": 7,
    "title": "Add cart",
    "state": "MERGED",
    "author": {"login": "ana"},
    "createdAt": "2024-03-01T09:00:00Z",
    "mergedAt": "2024-03-02T09:00:00Z",
    "closedAt": "2024-03-02T09:00:00Z",
    "isDraft": False,
    "baseRefName": "main",
    "url": f"{WEB}/pull/7",
    "reviews": [{"id": "PRR_1", "author": {"login": "bo"}, "state": "APPROVED", "submittedAt": "2024-03-01T15:00:00Z"}],
}


# ---- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document, kind",
    [
        ([release("v1.0")], "github_releases"),
        ([[release("v1.0")], [release("v0.9")]], "github_releases"),  # pages
        ({"repository": "acme/shop", "releases": [release("v1.0")]}, "github_releases"),  # envelope
        (release("v1.0"), "github_releases"),  # releases/latest
        ([pull(1)], "github_pulls"),
        (
            [{"number": 1, "title": "x", "merged_at": None, "base": {}, "_links": {"html": {"href": "y"}}}],
            "github_pulls",
        ),  # 2013 shape
        ([review(1, 1)], "github_reviews"),
        ([deployment(1)], "github_deployments"),
        ([GH_RELEASE], "gh_release_list"),
        ([GH_PR], "gh_pr_list"),
        ([{"number": 7, "title": "x", "url": f"{WEB}/pull/7"}], "gh_pr_list"),  # only a pull url
    ],
)
def test_detected_from_the_objects_keys(document, kind):
    assert github.detect(sample(json.dumps(document, indent=1))) == kind


@pytest.mark.parametrize(
    "text",
    [
        "tag,date\nv1,2024-01-01\n",  # CSV
        "[]",
        json.dumps(
            [{"number": 3, "title": "bug", "createdAt": "2024-01-01T00:00:00Z", "url": f"{WEB}/issues/3"}]
        ),  # gh issue list
        json.dumps(
            [{"id": 1, "pull_request_url": f"{API}/pulls/1", "diff_hunk": "@@", "submitted_at": "x"}]
        ),  # review comments
        json.dumps({"startAt": 0, "total": 1, "issues": [{"key": "A-1", "fields": {}}]}),  # Jira
        json.dumps([{"name": "1.0", "released": True, "releaseDate": "2024-01-01"}]),  # Jira versions
    ],
)
def test_other_content_is_not_claimed(text):
    assert github.detect(sample(text)) is None


@pytest.mark.parametrize(
    "document, kind",
    [
        ([release("v1.0")], "github_releases"),
        ([pull(1)], "github_pulls"),
        ([review(1, 1)], "github_reviews"),
        ([deployment(1)], "github_deployments"),
        ([GH_RELEASE], "gh_release_list"),
        ([GH_PR], "gh_pr_list"),
    ],
)
def test_minified_json_reaches_this_importer_through_the_whole_chain(write_file, document, kind):
    # One line of JSON is also a (strange) CSV header: the CSV importers must not claim it.
    path = write_file("export.txt", json.dumps(document, separators=(",", ":")))
    assert importers.detect(path) == (github, kind)


def test_detected_from_a_cut_off_list():
    # Detection sees the first 256 KB; here that ends in the middle of the 300th PR.
    text = json.dumps([pull(n, body="x" * 2000) for n in range(1, 400)])[:SNIFF_BYTES]
    assert github.detect(sample(text)) == "github_pulls"


# ---- releases ----------------------------------------------------------------------------------


def test_releases_keep_drafts_and_prereleases_flagged(write_json):
    result = parse(
        write_json(
            [
                release("v1.1", "2024-03-05T10:00:00Z", name="Spring"),
                release("v1.2-rc1", "2024-03-09T10:00:00Z", prerelease=True),
                release("v2.0", None, draft=True),
                release("v1.0", "2024-02-01T10:00:00Z"),  # not in date order
            ]
        )
    )
    by_tag = {r["tag_name"]: r for r in records(result, "releases")}
    assert set(by_tag) == {"v1.0", "v1.1", "v1.2-rc1", "v2.0"}
    spring = by_tag["v1.1"]
    assert spring["release_id"] == "github:acme/shop:v1.1" and spring["source"] == "github_release"
    assert spring["repo"] == "acme/shop" and spring["name"] == "Spring"
    assert spring["created_at"] == utc(2024, 3, 1, 9) and spring["released_at"] == utc(2024, 3, 5, 10)
    assert spring["url"] == f"{WEB}/releases/tag/v1.1"
    assert by_tag["v1.0"]["name"] == "v1.0"  # empty name: the tag
    assert by_tag["v1.2-rc1"]["is_prerelease"] is True and by_tag["v1.2-rc1"]["is_released"] is True
    assert by_tag["v2.0"]["is_draft"] is True and by_tag["v2.0"]["is_released"] is False
    assert pd.isna(by_tag["v2.0"]["released_at"])
    assert any("1 draft(s)" in note and "1 prerelease(s)" in note for note in result.notes)


def test_pages_and_envelopes(write_json):
    pages = parse(write_json([[release("v1.0")], [release("v1.1"), "junk"]]))
    assert len(pages.tables["releases"]) == 2
    assert [(r.row, r.reason) for r in pages.rejects] == [(3, "is a JSON str, not an object")]
    named = parse(write_json({"repository": "acme/other", "items": [release("v1.0")]}))
    assert records(named, "releases")[0]["repo"] == "acme/other"  # the file says it


def test_bad_release_objects_are_rejected_by_position(write_json):
    no_tag = release("v9")
    del no_tag["tag_name"]
    bad_date = release("v1.1", published="last Tuesday")
    result = parse(write_json([release("v1.0"), no_tag, bad_date, 42, release("v1.2")]))
    assert [r["tag_name"] for r in records(result, "releases")] == ["v1.0", "v1.2"]
    assert result.rows_read == 5
    assert [(r.row, r.field) for r in result.rejects] == [(2, "tag_name"), (3, "published_at"), (4, None)]
    assert "last Tuesday" in result.rejects[1].reason


def test_gh_release_list_has_no_repository(write_json):
    draft = {**GH_RELEASE, "tagName": "v2.1", "isDraft": True, "publishedAt": "0001-01-01T00:00:00Z"}
    result = parse(write_json([GH_RELEASE, draft]))
    assert result.kind == "gh_release_list"
    first, second = records(result, "releases")
    assert first["repo"] is None and first["release_id"] == "github::v2.0"
    assert first["name"] == "Spring" and first["released_at"] == utc(2024, 3, 2, 10)
    assert second["is_draft"] is True and pd.isna(second["released_at"])  # gh's zero time is "never"
    assert any("does not say which repository" in note for note in result.notes)


def test_gh_release_list_in_an_envelope_knows_its_repository(write_json):
    result = parse(write_json({"repository": "acme/shop", "releases": [GH_RELEASE]}))
    assert records(result, "releases")[0]["release_id"] == "github:acme/shop:v2.0"
    assert result.notes == []


# ---- deployments --------------------------------------------------------------------------------


def test_deployments_are_releases_named_by_environment(write_json):
    result = parse(write_json([deployment(11), deployment(12, "staging")]))
    first = records(result, "releases")[0]
    assert first["release_id"] == "deployment:acme/shop:11" and first["source"] == "github_deployment"
    assert first["name"] == "production" and first["released_at"] == utc(2024, 3, 4, 8)
    assert any("production (1), staging (1)" in note for note in result.notes)


# ---- pull requests and reviews ----------------------------------------------------------------------


def test_pull_requests(write_json):
    old_era = pull(3, merged="2024-03-02T09:00:00Z")
    del old_era["draft"]
    result = parse(write_json([pull(2), old_era]))
    open_pr, merged = records(result, "pull_requests")
    assert merged["pr_id"] == "acme/shop#3" and merged["number"] == 3 and merged["repo"] == "acme/shop"
    assert merged["merged_at"] == utc(2024, 3, 2, 9) and merged["base_branch"] == "main"
    assert merged["author"] == "ana" and merged["url"] == f"{WEB}/pull/3"
    assert pd.isna(merged["is_draft"]) and open_pr["is_draft"] is False  # no draft field: unknown
    assert pd.isna(open_pr["merged_at"]) and open_pr["state"] == "open"
    assert any("1 pull request(s) come without a draft field" in note for note in result.notes)


def test_a_pull_request_seen_twice_keeps_the_latest_update(write_json):
    result = parse(
        write_json(
            [pull(5, title="new", updated="2024-03-09T00:00:00Z"), pull(5, title="old", updated="2024-03-01T00:00:00Z")]
        )
    )
    assert [r["title"] for r in records(result, "pull_requests")] == ["new"]
    assert [(r.row, r.field) for r in result.rejects] == [(2, "pr_id")]


def test_gh_pr_list_with_reviews(write_json):
    result = parse(write_json([GH_PR]))
    (pr,) = records(result, "pull_requests")
    assert pr["pr_id"] == "acme/shop#7" and pr["state"] == "merged" and pr["is_draft"] is False
    assert pr["created_at"] == utc(2024, 3, 1, 9) and pr["base_branch"] == "main"
    assert records(result, "reviews") == [
        {
            "review_id": "PRR_1",
            "pr_id": "acme/shop#7",
            "reviewer": "bo",
            "state": "APPROVED",
            "submitted_at": utc(2024, 3, 1, 15),
        }
    ]


def test_gh_pr_list_without_urls_rejects_the_pull_requests(write_json):
    no_url = {key: value for key, value in GH_PR.items() if key != "url"}
    result = parse(write_json([no_url]))
    assert len(result.tables["pull_requests"]) == 0
    (reject,) = result.rejects
    assert reject.row == 1 and "no repository" in reject.reason
    assert any("does not say which repository" in note for note in result.notes)


def test_reviews(write_json):
    no_pr = review(3, 1)
    del no_pr["pull_request_url"], no_pr["html_url"]
    result = parse(write_json([review(1, 41), review(2, 41, "CHANGES_REQUESTED"), no_pr]))
    assert records(result, "reviews")[1] == {
        "review_id": "2",
        "pr_id": "acme/shop#41",
        "reviewer": "bo",
        "state": "CHANGES_REQUESTED",
        "submitted_at": utc(2024, 3, 3, 12),
    }
    assert [(r.row, r.field) for r in result.rejects] == [(3, "pull_request_url")]


# ---- refusals ----------------------------------------------------------------------------------------


def test_an_empty_list_is_refused(write_json):
    with pytest.raises(FileRefused, match=r"empty.json: the file holds an empty list; expected GitHub releases"):
        github.parse(write_json([], "empty.json"), "github_releases", ImportOptions())


def test_truncated_json_is_refused_naming_the_file_and_what_was_expected(write_file):
    path = write_file("cut.json", json.dumps([pull(1), pull(2)])[:-30])
    assert github.detect(sample(path.read_text())) == "github_pulls"
    with pytest.raises(FileRefused, match=r"cut.json: not valid JSON.*truncated.*Expected GitHub pull requests"):
        github.parse(path, "github_pulls", ImportOptions())


def test_another_api_is_refused(write_json):
    issues = [{"number": 1, "title": "bug", "state": "open", "url": f"{API}/issues/1"}]
    path = write_json({"commits": [{"sha": "abc"}]}, "commits.json")
    assert github.detect(Sample(path, path.read_text(), "utf-8")) is None
    with pytest.raises(FileRefused, match=r'commits.json: no object has "number", so this is not GitHub pull requests'):
        github.parse(path, "github_pulls", ImportOptions())
    with pytest.raises(FileRefused, match=r'issues.json: no object has "tag_name"'):
        github.parse(write_json(issues, "issues.json"), "github_releases", ImportOptions())


# ---- the real samples -----------------------------------------------------------------------------------

needs_samples = pytest.mark.skipif(not GITHUB_SAMPLES.is_dir(), reason=f"{GITHUB_SAMPLES} is absent")


def real(name: str):
    path = GITHUB_SAMPLES / name
    return detect_and_parse(path, github), json.loads(path.read_text(encoding="utf-8"))


@needs_samples
@pytest.mark.samples
def test_real_releases():
    result, document = real("releases__PyGithub-PyGithub__3pages.json")
    assert result.kind == "github_releases" and result.rows_read == 30 and result.rejects == []
    releases = {r["tag_name"]: r for r in records(result, "releases")}
    assert len(releases) == 30
    assert sorted(t for t, r in releases.items() if r["is_prerelease"]) == ["v1.40a1", "v1.40a2", "v1.40a3", "v1.40a4"]
    assert sum(r["is_draft"] for r in releases.values()) == sum(o["draft"] for o in document) == 0
    assert releases["v1.55"]["release_id"] == "github:PyGithub/PyGithub:v1.55"
    assert releases["v1.55"]["released_at"] == utc(2021, 4, 26, 4, 44, 57)
    # v1.41 is listed before v1.42 but published after it: order is never assumed.
    assert releases["v1.42"]["released_at"] < releases["v1.41"]["released_at"]


@needs_samples
@pytest.mark.samples
def test_real_pulls():
    result, document = real("devlake_ants_pulls.json")
    assert result.rows_read == 50 and sum(1 for o in document if o["merged_at"]) == 27
    # PR #4 appears twice in this file (same id and update time, different title): one copy loads.
    pulls = records(result, "pull_requests")
    assert len(pulls) == 49 and sum(not pd.isna(p["merged_at"]) for p in pulls) == 26
    assert [(r.row, r.field) for r in result.rejects] == [(1, "pr_id")]
    four = next(p for p in pulls if p["number"] == 4)
    assert four["pr_id"] == "panjf2000/ants#4" and four["author"] == "barryz"
    assert four["merged_at"] == utc(2018, 7, 26, 2, 32, 41) and four["is_draft"] is False


@needs_samples
@pytest.mark.samples
def test_real_pulls_from_2013_have_no_draft_field():
    result, _ = real("pulls_closed__openmicroscopy-ome-documentation.json")
    pulls = records(result, "pull_requests")
    assert len(pulls) == 30 and all(pd.isna(p["is_draft"]) for p in pulls)
    assert pulls[0]["pr_id"] == "openmicroscopy/ome-documentation#234"
    assert pulls[0]["base_branch"] == "dev_4_4" and pulls[0]["author"] == "sbesson"


@needs_samples
@pytest.mark.samples
def test_real_reviews():
    result, document = real("devlake_ants_pull_reviews.json")
    assert result.rows_read == 31 == len(document)
    reviews = records(result, "reviews")
    assert len(reviews) == len({o["id"] for o in document}) == 30  # one review is listed twice
    first = next(r for r in reviews if r["review_id"] == "277027723")
    assert first == {
        "review_id": "277027723",
        "pr_id": "panjf2000/ants#41",
        "reviewer": "choleraehyq",
        "state": "COMMENTED",
        "submitted_at": utc(2019, 8, 20, 9, 5, 2),
    }


@needs_samples
@pytest.mark.samples
def test_real_deployments():
    result, _ = real("deployments__PyGithub-PyGithub.json")
    deployments = {r["name"]: r for r in records(result, "releases")}
    assert set(deployments) == {"test", "production"}
    assert deployments["production"]["release_id"] == "deployment:PyGithub/PyGithub:262350588"
    assert deployments["production"]["released_at"] == utc(2020, 8, 26, 11, 40, 41)


@needs_samples
@pytest.mark.samples
def test_real_samples_load_into_the_store(store):
    outcomes = {o.file_name: o for o in store.load_paths([GITHUB_SAMPLES])}
    assert {o.status for o in outcomes.values()} <= {"loaded", "partial"}
    assert rows(store, "select count(*) from pull_requests") == [(49 + 30,)]
    assert rows(store, "select count(*) from reviews") == [(30,)]
    assert rows(store, "select source, count(*) from releases group by source order by source") == [
        ("github_deployment", 2),
        ("github_release", 30),
    ]


@pytest.mark.parametrize(
    "body, words",
    [
        # Bodies as the APIs return them (GitHub's REST docs; Jira's /rest/api/2/search on a bad JQL).
        (
            {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/releases/releases"},
            'a GitHub API error response, not data: "Not Found"',
        ),
        (
            {"message": "API rate limit exceeded for 1.2.3.4.", "documentation_url": "https://docs.github.com/rest"},
            'a GitHub API error response, not data: "API rate limit exceeded for 1.2.3.4."',
        ),
        (
            {"errorMessages": ["The value 'XYZ' does not exist for the field 'project'."], "warningMessages": []},
            "a Jira error response, not data: \"The value 'XYZ' does not exist for the field 'project'.\"",
        ),
        ({"errorMessages": [], "errors": {"jql": "bad query"}}, 'a Jira error response, not data: "jql: bad query"'),
        ([], "an empty JSON list: no records to load"),
    ],
)
def test_a_saved_error_response_is_named_for_what_it_is(write_json, body, words):
    from analysis.importers import detect

    with pytest.raises(FileRefused) as refusal:
        detect(write_json(body, "saved.json"))
    assert str(refusal.value).startswith(f"saved.json: this is {words}")
