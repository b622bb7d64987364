"""Git tag lists as `git for-each-ref refs/tags` writes them: dates to UTC, prerelease flags,
the repository from a column or the file name."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from conftest import FIXTURES, SAMPLES, detect_and_parse, rows, utc

from analysis import importers
from analysis.importers import git_tags

FOR_EACH_REF_HEADER = "tag,tag_object_type,tagger_date,commit_date,commit_sha,tagger_name"
PLAIN_VERSION = re.compile(r"v?\d+(\.\d+)*")


def parse(path):
    return detect_and_parse(path, git_tags, "git_tags")


def releases(result):
    return {r["tag_name"]: r for r in result.tables["releases"].to_dict("records")}


# ---- the hand-written fixture ----------------------------------------------------------------


def test_fixture_times_are_converted_to_utc_exactly():
    result = parse(FIXTURES / "git_tags" / "acme__shop__tags.csv")
    assert result.rejects == [] and result.rows_read == 6
    got = {tag: r["released_at"] for tag, r in releases(result).items()}
    # Hand calculation from the file: local time minus its offset.
    assert got == {
        "v1.0.0": utc(2024, 7, 1, 3, 30),  # tagger 2024-06-30 22:30 -05:00 (commit 18:00 -05:00 ignored)
        "v1.1.0rc1": utc(2024, 7, 10, 3, 45),  # no tagger date: commit 09:15 +05:30
        "v1.1.0": utc(2024, 7, 14, 22, 10),  # tagger 2024-07-15 00:10 +02:00, the day before in UTC
        "v1.2.0-beta.1": utc(2024, 8, 1, 12, 0),  # Z
        "v1.2.0": utc(2024, 8, 20, 10, 0),  # +00:00
        "v1.2.1.dev3": utc(2024, 8, 21, 15, 0),  # 08:00 -07:00
    }
    for value in got.values():
        assert value.utcoffset() == dt.timedelta(0)


def test_tagger_date_is_preferred_over_commit_date(write_file):
    # An annotated tag made a day after its commit: the tag date is the release date.
    path = write_file(
        "acme__shop__tags.csv",
        FOR_EACH_REF_HEADER + "\nv3.0.0,tag,2024-09-02T10:00:00+00:00,2024-09-01T10:00:00+00:00,abc,Dana\n",
    )
    assert releases(parse(path))["v3.0.0"]["released_at"] == utc(2024, 9, 2, 10)


def test_prerelease_flags_in_the_fixture():
    flags = {
        tag: r["is_prerelease"] for tag, r in releases(parse(FIXTURES / "git_tags" / "acme__shop__tags.csv")).items()
    }
    assert flags == {
        "v1.0.0": False,
        "v1.1.0rc1": True,
        "v1.1.0": False,
        "v1.2.0-beta.1": True,
        "v1.2.0": False,
        "v1.2.1.dev3": True,
    }


@pytest.mark.parametrize(
    "tag, expected",
    [
        # Plain versions are never prereleases.
        ("0.1", False),
        ("2.0.0", False),
        ("v2.31.0", False),
        ("v10.4", False),
        # Pre-release markers as projects write them (PEP 440, semver, the samples' own tags).
        ("2.0.0rc1", True),
        ("v0.11.0-rc1", True),
        ("3.0.0-RC.1", True),
        ("1.0a1", True),
        ("1.0b2", True),
        ("v0.12.0-alpha1", True),
        ("v0.12.0-beta", True),
        ("v2.34.0.dev1", True),
        ("v0.11.1-dev", True),
        ("v0.12.0-preview-20220718", True),
        # A marker after another suffix is still a marker (apache/incubator-devlake tags).
        ("v0.17.0-cloud-alpha", True),
        ("v0.15.0-zentao-beta-4", True),
        # Suffixes that merely start with a, b or d are not markers.
        ("1.0-amd64", False),
        ("v2.0-build3", False),
        ("v1.0-debug", False),
        ("v0.10.1.fix2", False),
        ("2.0.x", False),
    ],
)
def test_prerelease_flag(write_file, tag, expected):
    path = write_file("acme__shop__tags.csv", f"{FOR_EACH_REF_HEADER}\n{tag},commit,,2024-01-01T00:00:00Z,abc,\n")
    assert releases(parse(path))[tag]["is_prerelease"] is expected


def test_every_tag_is_kept_as_a_released_non_draft_git_tag():
    result = parse(FIXTURES / "git_tags" / "acme__shop__tags.csv")
    for tag, r in releases(result).items():
        assert r["release_id"] == f"tag:acme/shop:{tag}"
        assert (r["source"], r["repo"], r["name"], r["is_draft"], r["is_released"]) == (
            "git_tag",
            "acme/shop",
            tag,
            False,
            True,
        )


# ---- where the repository comes from ----------------------------------------------------------


def test_repo_from_owner__name__tags_file_name():
    result = parse(FIXTURES / "git_tags" / "acme__shop__tags.csv")
    assert {r["repo"] for r in releases(result).values()} == {"acme/shop"}
    assert result.notes == []


def test_repo_column_wins_over_the_file_name(write_file):
    path = write_file(
        "acme__shop__tags.csv",
        "repo,tag,date\nacme/api,v1.0,2024-01-01T00:00:00Z\nacme/web,v1.0,2024-02-01T00:00:00Z\n",
    )
    result = parse(path)
    assert sorted(r["release_id"] for r in result.tables["releases"].to_dict("records")) == [
        "tag:acme/api:v1.0",
        "tag:acme/web:v1.0",
    ]
    assert result.notes == []


def test_without_repo_the_file_stem_is_used_with_a_note(write_file):
    path = write_file("shop-tags.csv", "tag,date\nv1.0,2024-01-01T00:00:00Z\n")
    result = parse(path)
    assert releases(result)["v1.0"]["repo"] == "shop-tags"
    [note] = result.notes
    assert "shop-tags.csv" in note and '"shop-tags"' in note and "github_repo" in note


def test_refname_and_creatordate_columns(write_file):
    # `git for-each-ref --format='%(refname),%(creatordate:iso-strict)'`
    path = write_file("acme__shop__tags.csv", "refname,creatordate\nrefs/tags/v2.0.0,2024-03-01T12:00:00+01:00\n")
    assert releases(parse(path))["v2.0.0"]["released_at"] == utc(2024, 3, 1, 11)


def test_naive_timestamps_are_taken_as_utc(write_file):
    path = write_file("acme__shop__tags.csv", "tag,date\nv1,2024-03-01T12:00:00\n")
    assert releases(parse(path))["v1"]["released_at"] == utc(2024, 3, 1, 12)


# ---- bad rows ---------------------------------------------------------------------------------


def test_bad_rows_are_rejected_and_good_rows_kept(write_file):
    path = write_file(
        "acme__shop__tags.csv",
        FOR_EACH_REF_HEADER + "\n"
        "v1.0,commit,,2024-01-01T00:00:00Z,a,\n"
        "v1.1,commit,,Mon Jan 1 10:00:00 2024 +0100,b,\n"  # git's default date format
        ",commit,,2024-01-03T00:00:00Z,c,\n"
        "v1.3,commit,,,d,\n"
        "v1.4,commit,,2024-01-05T00:00:00Z\n"
        "v1.5,commit,,2024-01-06T00:00:00Z,e,\n",
    )
    result = parse(path)
    assert sorted(releases(result)) == ["v1.0", "v1.5"]
    assert result.rows_read == 6
    got = {r.row: r for r in result.rejects}
    assert sorted(got) == [2, 3, 4, 5]
    assert (
        got[2].field == "date"
        and "Mon Jan 1 10:00:00 2024 +0100" in got[2].reason
        and "2024-05-01T12:30:00+02:00" in got[2].reason
    )
    assert got[3].field == "tag" and "needs a tag name" in got[3].reason
    assert got[4].field == "tagger_date" and "tagger_date or commit_date" in got[4].reason
    assert "has 4 fields, expected 6" in got[5].reason


def test_a_jira_or_roster_csv_is_not_a_tag_list(write_file):
    path = write_file("members.csv", "person,team,name,date\nAna,Checkout,Ana A,2024-01-01\n")
    assert importers.detect(path)[1] != "git_tags"


# ---- through the store ------------------------------------------------------------------------


def test_store_keeps_utc_and_the_same_file_twice_adds_nothing(store):
    path = FIXTURES / "git_tags" / "acme__shop__tags.csv"
    first = store.load_file(path)
    assert (first.kind, first.status, first.rows_loaded) == ("git_tags", "loaded", 6)
    assert rows(store, "select released_at from releases where tag_name = 'v1.0.0'") == [(utc(2024, 7, 1, 3, 30),)]
    assert rows(store, "select count(*) filter (where is_prerelease), count(*) from releases") == [(3, 6)]
    assert store.load_file(path).status == "unchanged"
    assert rows(store, "select count(*) from releases") == [(6,)]


# ---- the real samples -------------------------------------------------------------------------


def sample(name):
    path = SAMPLES / "git_tags" / name
    if not path.exists():
        print(f"skipped: {path} is absent (the real samples live in ../shared/samples)")
        pytest.skip(f"{path} is absent (the real samples live in ../shared/samples)")
    return path


@pytest.mark.samples
@pytest.mark.parametrize(
    "name, repo, count",
    [
        ("pallets__flask__tags.csv", "pallets/flask", 69),
        ("psf__requests__tags.csv", "psf/requests", 162),
        ("apache__incubator-devlake__tags.csv", "apache/incubator-devlake", 310),
    ],
)
def test_real_samples_load_every_tag(name, repo, count):
    path = sample(name)
    result = parse(path)
    assert (result.rows_read, len(result.rejects), len(result.tables["releases"])) == (count, 0, count)
    assert result.notes == []
    got = releases(result)
    assert {r["repo"] for r in got.values()} == {repo}
    with open(path, newline="", encoding="utf-8") as handle:
        tags = [row["tag"] for row in csv.DictReader(handle)]
    for tag in tags:
        if PLAIN_VERSION.fullmatch(tag):
            assert got[tag]["is_prerelease"] is False, tag


@pytest.mark.samples
def test_real_samples_exact_utc_times_and_flags():
    requests = releases(parse(sample("psf__requests__tags.csv")))
    # File: v0.2.1,tag,2011-02-14T10:46:40-05:00,... -> 15:46:40 UTC by hand.
    assert requests["v0.2.1"]["released_at"] == utc(2011, 2, 14, 15, 46, 40)
    # File: v0.2.0,commit,,2011-02-14T02:15:30-05:00 (lightweight: commit date) -> 07:15:30 UTC.
    assert requests["v0.2.0"]["released_at"] == utc(2011, 2, 14, 7, 15, 30)
    assert requests["v2.34.0.dev1"]["is_prerelease"] is True

    devlake = releases(parse(sample("apache__incubator-devlake__tags.csv")))
    # File: v0.11.1-dev,tag,2022-06-17T15:46:26+08:00,2022-06-17T11:23:04+08:00 -> the tagger
    # date, 07:46:26 UTC (the commit date would give 03:23:04).
    assert devlake["v0.11.1-dev"]["released_at"] == utc(2022, 6, 17, 7, 46, 26)
    # File: v0.3.1,commit,,2021-10-14T13:27:58-03:00 -> 16:27:58 UTC.
    assert devlake["v0.3.1"]["released_at"] == utc(2021, 10, 14, 16, 27, 58)
    for tag in ("v0.11.0-rc1", "v0.12.0-alpha1", "v0.12.1-beta2", "v0.11.1-dev", "v0.17.0-cloud-alpha"):
        assert devlake[tag]["is_prerelease"] is True, tag
    for tag in ("v0.10.0", "v0.12.0", "builder-v0.0.5", "ls"):
        assert devlake[tag]["is_prerelease"] is False, tag

    flask = releases(parse(sample("pallets__flask__tags.csv")))
    # File: 0.1,commit,,2010-04-16T14:25:24+02:00 -> 12:25:24 UTC.
    assert flask["0.1"]["released_at"] == utc(2010, 4, 16, 12, 25, 24)
    assert (flask["2.0.0rc1"]["is_prerelease"], flask["2.0.0"]["is_prerelease"]) == (True, False)
