"""What every importer returns, and the text decoding they share.

An importer is a module with two functions:

    detect(sample: Sample) -> str | None   # the kind it recognises in the content, or None
    parse(path: Path, kind: str, options: ImportOptions) -> ParseResult

`parse` never raises for bad content: rows it cannot use become `Reject`s, and a file it
cannot use at all raises `FileRefused` with a message a user can act on.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# Bytes read to decide a file's kind. Enough for a long Jira header row (Server/DC exports
# reach 200+ columns) and the first objects of a JSON page.
SNIFF_BYTES = 256 * 1024

# Columns each canonical table accepts; importers may give any subset, the store fills the rest
# with nulls. Kept here, beside ParseResult, so importers and store agree on one list.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "work_items": (
        "item_key",
        "item_id",
        "project_key",
        "title",
        "item_type",
        "status",
        "status_category",
        "priority",
        "resolution",
        "assignee",
        "reporter",
        "team_field",
        "components",
        "labels",
        "fix_versions",
        "sprints",
        "parent_key",
        "story_points",
        "created_at",
        "updated_at",
        "resolved_at",
        "due_date",
        "first_due_date",
        "due_date_changes",
        "is_flagged",
        "has_changelog",
        "url",
        "delivered_by_move_to_done",
    ),
    "status_changes": ("item_key", "change_id", "changed_at", "from_status", "to_status"),
    "field_changes": (
        "item_key",
        "change_id",
        "changed_at",
        "field",
        "from_value",
        "from_string",
        "to_value",
        "to_string",
    ),
    "links": ("item_key", "link_type", "direction", "linked_key"),
    "releases": (
        "release_id",
        "source",
        "repo",
        "project_key",
        "name",
        "tag_name",
        "created_at",
        "released_at",
        "release_date",
        "is_draft",
        "is_prerelease",
        "is_released",
        "url",
    ),
    "pull_requests": (
        "pr_id",
        "repo",
        "number",
        "title",
        "author",
        "state",
        "is_draft",
        "created_at",
        "closed_at",
        "merged_at",
        "base_branch",
        "url",
    ),
    "reviews": ("review_id", "pr_id", "reviewer", "state", "submitted_at"),
    "teams": ("team", "reorg_date", "model", "leader"),
    "members": ("person", "team", "start_date", "end_date"),
    "ownership": ("kind", "value", "team", "start_date", "end_date"),
}


class FileRefused(Exception):
    """The whole file is unusable; the message says why and what was expected."""


@dataclass(frozen=True)
class Reject:
    row: int | None  # 1-based data row (header not counted); None = the whole file
    reason: str
    field: str | None = None


@dataclass
class ImportOptions:
    timezone: str = "UTC"  # zone of naive timestamps (Jira CSV exports carry none)
    # Jira CSV field -> the file's header name, for headers Threadline does not recognise
    # (jira_csv.MAPPABLE_FIELDS lists the fields), e.g. {"created": "Date de création"}.
    column_map: dict[str, str] | None = None
    # How a spreadsheet's numeric date like 3/4/2026 reads: "dmy" or "mdy". None: inferred per
    # file from values that read one way only (25/2/2026); a file that stays ambiguous is
    # refused with a message asking for this setting.
    date_order: str | None = None


@dataclass
class ParseResult:
    kind: str
    # table name -> DataFrame (or pyarrow Table) with columns from TABLE_COLUMNS[table].
    # Timestamps are tz-aware UTC, dates are datetime.date, lists are Python lists.
    tables: dict[str, object] = field(default_factory=dict)
    rows_read: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. "no changelog: final due dates used"


@dataclass(frozen=True)
class Sample:
    """The start of a file, decoded, for `detect`."""

    path: Path
    text: str  # decoded text of the first SNIFF_BYTES (may end mid-row)
    encoding: str

    def json_start(self) -> str:
        return self.text.lstrip()[:1]

    def csv_header(self) -> list[str]:
        """First CSV row, with the delimiter guessed (comma, semicolon or tab)."""
        first_line = self.text.splitlines()[0] if self.text else ""
        delimiter = guess_delimiter(first_line)
        try:
            return next(csv.reader(io.StringIO(self.text, newline=""), delimiter=delimiter))
        except (StopIteration, csv.Error):
            return []


def guess_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def detect_encoding(head: bytes) -> str:
    """Encoding of a text file from its first bytes: BOMs first, then UTF-8, else cp1252.

    cp1252 is what Excel writes when it re-saves a CSV on Windows ("ANSI").
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # UTF-16 without BOM: every other byte NUL in ASCII-heavy text.
    if len(head) >= 4 and head[1:40:2].count(0) > 15:
        return "utf-16-le"
    if len(head) >= 4 and head[0:40:2].count(0) > 15:
        return "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the sniff window is still UTF-8.
        if error.start >= len(head) - 3:
            return "utf-8"
        return "cp1252"


def is_binary(head: bytes, encoding: str) -> bool:
    if encoding.startswith("utf-16"):
        return False
    control_bytes = sum(b < 9 or 13 < b < 32 for b in head[:4096])
    return b"\x00" in head or control_bytes > 10


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file (`ingest --db` writes one)


def read_sample(path: Path) -> Sample:
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise FileRefused(f"{path.name}: the file is empty.")
    if head[8:12] == DUCKDB_MAGIC:
        raise FileRefused(
            f"{path.name}: this is a DuckDB database file, not an export: report on it with --db {path.name}"
        )
    encoding = detect_encoding(head)
    if is_binary(head, encoding):
        raise FileRefused(
            f"{path.name}: this is a binary file, not a CSV or JSON export "
            "(expected a Jira CSV or JSON export, a GitHub JSON export, a git tag CSV, or an "
            "organisation CSV)."
        )
    text = head.decode(encoding, errors="replace")
    return Sample(path=path, text=text.lstrip("\ufeff"), encoding=encoding)


def load_json(path: Path):
    """Parse a whole JSON file in any of the encodings above; FileRefused if it is not JSON."""
    raw = path.read_bytes()
    encoding = detect_encoding(raw[:SNIFF_BYTES])
    try:
        return json.loads(raw.decode(encoding).lstrip("\ufeff"))
    except ValueError as error:  # includes decoding errors and over-long integers
        raise FileRefused(f"{path.name}: not valid JSON ({error}); the file may be truncated.") from None
    except RecursionError:  # Python's parser stops near 1,000 levels; exports nest fewer than 20
        raise FileRefused(
            f"{path.name}: the JSON is nested too deeply to read (about 1,000 levels or more); "
            "Jira and GitHub exports nest fewer than 20."
        ) from None


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows (dicts) as a DataFrame with exactly the table's canonical columns."""
    columns = TABLE_COLUMNS[table]
    return pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
