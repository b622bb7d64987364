"""Column mappings for Jira CSV exports whose headers Threadline does not recognise.

The command line takes a mapping as a file (`--column-map FILE`, read by
`jira_csv.read_column_map`); the Data page builds the same mapping from the file's own header,
writes it in that file format for download, and remembers it for files with the same header
(`header_key`). A mapping is {our field: the file's header name}, the fields those of
`jira_csv.MAPPABLE_FIELDS`.
"""

from __future__ import annotations

import csv
import hashlib
import io

from .base import SNIFF_BYTES, detect_encoding, is_binary
from .jira_csv import ALIAS_INDEX, MAPPABLE_FIELDS, _norm, first_rows, sniff_delimiter

# The fields an analyst is asked for, in the order the form shows them, with what each feeds.
# item_key and created are required: an item is nothing without them.
FIELDS: dict[str, str] = {
    "item_key": "Issue key (required)",
    "created": "Created (required)",
    "resolved": "Resolved: delivery time",
    "due": "Due date: the commitment",
    "status": "Status",
    "status_category": "Status category (To Do / In Progress / Done)",
    "category_changed": "Status category changed: delivery when Resolved is empty",
    "item_type": "Issue type",
    "project_key": "Project key (else the issue key's prefix)",
    "title": "Summary",
    "assignee": "Assignee",
    "team_field": "Team",
    "components": "Components",
    "fix_versions": "Fix versions",
    "parent_ref": "Parent or epic link (issue key)",
    "updated": "Updated",
    "labels": "Labels",
    "blocked_by": "Blocked by (issue keys of a Blocks link)",
    "blocks": "Blocks (issue keys of a Blocks link)",
}
REQUIRED = ("item_key", "created")
assert set(FIELDS) <= set(MAPPABLE_FIELDS)


def csv_header(data: bytes) -> list[str]:
    """The header names of an uploaded CSV, from its first bytes: the first of its first rows
    with the most non-empty cells (a title a spreadsheet put above the header has fewer).
    Empty for a file that is not delimited text."""
    head = data[:SNIFF_BYTES]
    encoding = detect_encoding(head)
    if not head.strip() or is_binary(head, encoding):
        return []
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    rows = first_rows(text, sniff_delimiter(text))
    if not rows:
        return []
    widest = max(sum(bool(cell.strip()) for cell in row) for row in rows)
    if widest < 2:
        return []
    header = next(row for row in rows if sum(bool(cell.strip()) for cell in row) == widest)
    return [name.strip() for name in header]


def header_key(header: list[str]) -> str:
    """Names a header: files with the same columns (compared as the importer compares them)
    get the same key, so a mapping made for one serves the next export."""
    joined = "\x1f".join(_norm(name) for name in header)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def suggested(header: list[str]) -> dict[str, str]:
    """A first mapping from the names Threadline recognises (the analyst fills in the rest)."""
    mapping: dict[str, str] = {}
    for name in header:
        field = ALIAS_INDEX.get(_norm(name))
        if field in FIELDS and field not in mapping:
            mapping[field] = name
    return mapping


def mapping_problems(mapping: dict[str, str | None], header: list[str]) -> list[str]:
    """What stops a mapping from loading the file: a required field left out, a header the
    file does not have, or one column given to two fields."""
    chosen = {field: name for field, name in mapping.items() if name}
    problems = [f"{FIELDS[field].split(' (')[0]} needs a column" for field in REQUIRED if field not in chosen]
    names = set(header)
    problems += [
        f'"{name}" is not a column of this file (for {field})' for field, name in chosen.items() if name not in names
    ]
    seen: dict[str, str] = {}
    for field, name in chosen.items():
        if name in seen:
            problems.append(f'"{name}" is chosen for both {seen[name]} and {field}')
        seen.setdefault(name, field)
    return problems


def mapping_file(mapping: dict[str, str | None]) -> bytes:
    """The mapping as the command line's `--column-map` file: CSV rows our_field,their_header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["our_field", "their_header"])
    for field, name in mapping.items():
        if name:
            writer.writerow([field, name])
    return out.getvalue().encode("utf-8")


def by_header(remembered: list[dict]) -> dict[str, dict[str, str]]:
    """Remembered mappings as a workspace keeps them ([{"header_signature", "mapping"}]) by
    header key, as the importers look them up."""
    return {entry["header_signature"]: entry["mapping"] for entry in remembered}


def remember(remembered: list[dict], key: str, mapping: dict[str, str]) -> list[dict]:
    """The remembered mappings with `mapping` for header `key` (replacing an older one)."""
    return [entry for entry in remembered if entry["header_signature"] != key] + [
        {"header_signature": key, "mapping": dict(mapping)}
    ]
