"""Git tag lists, as `git for-each-ref refs/tags --format=...` writes them to CSV.

Expected columns: a tag name (`tag`, `tag_name`, `name` or `refname`) and at least one date
(`tagger_date`, `commit_date`, `creatordate` or `date`), ISO 8601 with offsets. An optional
`repo` column names the repository; otherwise a file called `owner__name__tags.csv` gives it, and
failing that the file's stem does, with a note. Every tag is kept: which tags count as releases
(version-like, no -rc/-beta) is a setting of the release-frequency metric, not of the import.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import ImportOptions, ParseResult, Reject, Sample, frame
from .csv_rows import normalise_header, parse_timestamp, read_rows

NAME_COLUMNS = ("tag", "tag_name", "name", "refname")
DATE_COLUMNS = ("tagger_date", "creatordate", "date", "commit_date")  # preference order
REPO_COLUMNS = ("repo", "repository")
# A version followed by a pre-release marker: 2.0.0rc1, v0.12.0-beta2, v0.11.1-dev, 1.0a1,
# also after another suffix (v0.17.0-cloud-alpha). A marker is a whole word (so 1.0-amd64 and
# v2.0-build3 are not prereleases); a lone a/b counts only between digits, as PEP 440 writes it.
PRERELEASE = re.compile(r"(?i)\d(?:.*[._+-])?(?:rc|beta|alpha|preview|pre|dev|test)(?=\d|[._+-]|$)|\d[ab]\d")


def detect(sample: Sample) -> str | None:
    header = {normalise_header(cell) for cell in sample.csv_header()}
    if header & set(NAME_COLUMNS) and header & set(DATE_COLUMNS) and not header & {"issue_key", "person"}:
        return "git_tags"
    return None


def repo_from_file_name(path: Path) -> str | None:
    parts = path.stem.split("__")
    return f"{parts[0]}/{parts[1]}" if len(parts) >= 2 and parts[0] and parts[1] else None


def parse(path: Path, kind: str, options: ImportOptions) -> ParseResult:
    header, rows = read_rows(path)
    name_column = next(name for name in NAME_COLUMNS if name in header)
    date_columns = [name for name in DATE_COLUMNS if name in header]
    repo_column = next((name for name in REPO_COLUMNS if name in header), None)
    default_repo = repo_from_file_name(path)
    result = ParseResult(kind=kind)
    if not repo_column and not default_repo:
        default_repo = path.stem
        result.notes.append(
            f"{path.name}: no repo column and no owner__name in the file name; tags are filed "
            f'under repository "{default_repo}" (map it in ownership.csv as a github_repo)'
        )
    records = []
    for number, row in rows:
        result.rows_read += 1
        if None in row:
            result.rejects.append(Reject(row=number, reason=row[None]))
            continue
        tag = row.get(name_column, "").removeprefix("refs/tags/")
        if not tag:
            result.rejects.append(Reject(row=number, field=name_column, reason="is empty; every row needs a tag name"))
            continue
        try:
            tagged_at = next((t for t in (parse_timestamp(row.get(c, "")) for c in date_columns) if t), None)
        except ValueError as error:
            result.rejects.append(Reject(row=number, field="date", reason=str(error)))
            continue
        if tagged_at is None:
            result.rejects.append(
                Reject(row=number, field=date_columns[0], reason=f"no date in {' or '.join(date_columns)}")
            )
            continue
        repo = (row.get(repo_column) if repo_column else None) or default_repo
        records.append(
            {
                "release_id": f"tag:{repo}:{tag}",
                "source": "git_tag",
                "repo": repo,
                "name": tag,
                "tag_name": tag,
                "created_at": tagged_at,
                "released_at": tagged_at,
                "is_draft": False,
                "is_prerelease": bool(PRERELEASE.search(tag)),
                "is_released": True,
            }
        )
    result.tables["releases"] = frame("releases", records)
    return result
