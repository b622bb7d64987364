"""Importers: detect an export's kind from its content and parse it into canonical rows."""

from __future__ import annotations

import json
from pathlib import Path

from . import git_tags, github, jira_csv, jira_json, org, tabular
from .base import FileRefused, ImportOptions, ParseResult, Reject, read_sample

# Order matters only where two detectors could both claim a file; the most specific goes first.
IMPORTERS = (org, git_tags, jira_csv, jira_json, github)

EXPECTED = (
    "expected one of: a Jira CSV export (all or current fields, any language), Jira REST JSON "
    "(search pages, issue changelog pages, project versions), GitHub REST JSON (releases, pulls, "
    "reviews, deployments), `gh release list --json` / `gh pr list --json` output, a git tag "
    "CSV (tag and date columns), or teams.csv / members.csv / ownership.csv"
)


def detect(path: Path, options: ImportOptions | None = None) -> tuple[object, str]:
    """The importer module and kind for a file, from its content. Raises FileRefused.

    A Jira CSV export whose headers are not recognised is still taken when the options' column
    mapping names its key column.
    """
    table_kind = tabular.kind_of(path)
    if table_kind:
        column_map = options.column_map if options else None
        for _, rows in tabular.tables(path, table_kind, tabular.SAMPLE_ROWS):
            if jira_csv.header_row(rows, column_map) is not None:
                return jira_csv, jira_csv.KIND
        what = "an Excel workbook" if table_kind == "xlsx" else "an HTML file"
        raise FileRefused(
            f"{path.name}: {what} with no sheet or table whose header has a Jira issue key column "
            "(like Issue key) beside other Jira fields; only Jira exports are read from workbooks."
        )
    sample = read_sample(path)
    for importer in IMPORTERS:
        kind = importer.detect(sample)
        if kind:
            return importer, kind
    if options and options.column_map and jira_csv.detect(sample, options.column_map):
        return jira_csv, jira_csv.KIND
    what = error_response(sample.text)
    if what:
        raise FileRefused(f"{path.name}: this is {what}; {EXPECTED}.")
    raise FileRefused(f"{path.name}: unrecognised content; {EXPECTED}.")


def error_response(text: str) -> str | None:
    """What a saved API answer that holds no data is (an error body, an empty list), in words;
    None for anything else. Error bodies are small: the sample holds them whole."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, cut by the sample, or nested too deep
        return None
    if document == []:
        return "an empty JSON list: no records to load"
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("message"), str) and "documentation_url" in document:
        return f'a GitHub API error response, not data: "{document["message"]}"'
    if isinstance(document.get("errorMessages"), list):
        errors = document.get("errors") if isinstance(document.get("errors"), dict) else {}
        messages = [str(m) for m in document["errorMessages"]] + [f"{k}: {v}" for k, v in errors.items()]
        return "a Jira error response, not data: " + "; ".join(f'"{m}"' for m in messages or ["(no message)"])
    return None


def parse_file(path: Path, options: ImportOptions | None = None) -> ParseResult:
    importer, kind = detect(path, options)
    return importer.parse(path, kind, options or ImportOptions())


def read_column_map(path: Path) -> dict[str, str]:
    """A column mapping file: CSV rows `our_field,their_header` (a header row naming those two
    columns is optional) or a JSON object {"our_field": "their header"}. Raises ValueError with
    the file, row and what was expected."""
    return jira_csv.read_column_map(Path(path))


__all__ = ["FileRefused", "ImportOptions", "ParseResult", "Reject", "detect", "parse_file", "read_column_map"]
