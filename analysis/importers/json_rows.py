"""Reading JSON exports: detection on a cut-off start, whole-file loading, typed rows.

Shared by the Jira REST and GitHub importers (csv_rows.py is the twin for small CSV files).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd

from .base import TABLE_COLUMNS, FileRefused, Reject, frame, load_json
from .csv_rows import parse_timestamp as parse_iso_timestamp

JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]')


def key_paths(text: str, max_depth: int = 6) -> set[str]:
    """Key paths seen in JSON text that may be cut off: {"issues", "issues[].key", ...}.

    Detection sees only the first 256 KB of a file, often mid-document, so it cannot parse
    the JSON; the keys near the start say what the file is. A list adds "[]" to the path, so
    a GitHub release list gives "[].tag_name" and pages wrapped in a list "[][].tag_name".
    """
    paths: set[str] = set()
    # (path, is_object) of each open container; below max_depth the path is None, so a file
    # nested 100,000 levels deep costs one short entry per level, not a path string per level.
    stack: list[tuple[str | None, bool]] = []
    expecting_key = False
    last_key = ""
    for match in JSON_TOKEN.finditer(text):
        token = match.group()
        if token == "{" or token == "[":
            if not stack:
                parent = ""
            elif len(stack) >= max_depth:
                parent = None
            elif stack[-1][1]:
                parent = join_path(stack[-1][0], last_key)
            else:
                parent = stack[-1][0]
            path = parent + "[]" if token == "[" and parent is not None else parent
            stack.append((path, token == "{"))
            expecting_key = token == "{"
        elif token == "}" or token == "]":
            if stack:
                stack.pop()
            expecting_key = False
        elif token == ",":
            expecting_key = bool(stack) and stack[-1][1]
        elif token == ":":
            expecting_key = False
        elif expecting_key:
            last_key = json_string(token)
            if len(stack) <= max_depth:
                paths.add(join_path(stack[-1][0], last_key))
            expecting_key = False
    return paths


def json_string(token: str) -> str:
    """The text of a JSON string token, escapes decoded ("Fix Version\\/s" -> "Fix Version/s")."""
    if "\\" not in token:
        return token[1:-1]
    try:
        return json.loads(token)
    except json.JSONDecodeError:
        return token[1:-1]


def join_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def load(path: Path, expected: str):
    """The whole JSON document; FileRefused naming the file and what was expected."""
    try:
        return load_json(path)
    except FileRefused as error:
        raise FileRefused(f"{error} Expected {expected}.") from None


def parse_timestamp(value) -> dt.datetime | None:
    """A Jira or GitHub timestamp ("2021-05-28T16:40:16.000+0800", "2021-05-28T08:40:16Z") as UTC.

    Empty is None; anything that is not ISO 8601 text raises ValueError saying what was expected.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a timestamp like 2021-05-28T16:40:16.000+0800")
    return parse_iso_timestamp(value.strip())


def typed_frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """frame(), with timestamps as UTC datetimes and nullable ints/booleans even when all empty."""
    columns = TABLE_COLUMNS[table]
    data = frame(table, [{column: row.get(column) for column in columns} for row in rows])
    for column in data.columns:
        if column.endswith("_at"):
            data[column] = pd.to_datetime(data[column], utc=True)
        elif column.startswith(("is_", "has_")) or column == "delivered_by_move_to_done":
            data[column] = data[column].astype("boolean")
        elif column in ("due_date_changes", "number"):
            data[column] = data[column].astype("Int64")
        elif column == "story_points":
            data[column] = data[column].astype("Float64")
    return data


def keep_latest(rows: list[tuple[int, dict]], key: str, what: str, order_by: str | None = None):
    """One row per key: the one with the latest `order_by` value (ties: the later in the file).

    Exports overlap (pages fetched twice, the same item in two pages); the copies that lose
    become rejects so rows read = rows loaded + rows rejected.
    """

    def rank(entry):
        value = entry[1].get(order_by) if order_by else None
        return (value is not None, value or dt.datetime.min.replace(tzinfo=dt.UTC), entry[0])

    best: dict[str, tuple[int, dict]] = {}
    for entry in rows:
        current = best.get(entry[1][key])
        if current is None or rank(entry) >= rank(current):
            best[entry[1][key]] = entry
    kept_numbers = {number for number, _ in best.values()}
    rejects = [
        Reject(
            row=number,
            field=key,
            reason=(
                f"duplicate {what} {row[key]} (row {best[row[key]][0]} has the same "
                f"{key}); kept the {'most recently updated' if order_by else 'last'} copy"
            ),
        )
        for number, row in rows
        if number not in kept_numbers
    ]
    kept = [row for number, row in sorted(best.values(), key=lambda entry: entry[0])]
    return kept, rejects


class BadValue(Exception):
    """One field of one object is unusable; the object becomes a Reject."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason
