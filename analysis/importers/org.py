"""Threadline's own organisation files: teams.csv, members.csv, ownership.csv.

Recognised by their header row (any column order, any case), not their file names, so an
analyst can call them what they like.
"""

from __future__ import annotations

from pathlib import Path

from .base import ImportOptions, ParseResult, Reject, Sample, frame
from .csv_rows import normalise_header, parse_spreadsheet_date, read_rows, slash_date_order

DATE_COLUMNS = ("reorg_date", "start_date", "end_date")
OWNERSHIP_KINDS = ("jira_project", "jira_component", "jira_team_field", "github_repo")

# kind -> (required columns, optional columns)
LAYOUTS = {
    "teams": (("team", "reorg_date"), ("model", "leader")),
    "members": (("person", "team"), ("start_date", "end_date")),
    "ownership": (("kind", "value", "team"), ("start_date", "end_date")),
}


def detect(sample: Sample) -> str | None:
    header = {normalise_header(cell) for cell in sample.csv_header()}
    # Most specific first: ownership and members also have a `team` column.
    for kind in ("ownership", "members", "teams"):
        required, _ = LAYOUTS[kind]
        if set(required) <= header:
            return kind
    return None


def parse(path: Path, kind: str, options: ImportOptions) -> ParseResult:
    header, rows = read_rows(path)
    required, optional = LAYOUTS[kind]
    result = ParseResult(kind=kind)
    unknown = [name for name in header if name and name not in required + optional]
    if unknown:
        result.notes.append(f"{path.name}: ignored columns {', '.join(unknown)}")
    rows = list(rows)  # small files: the date order is settled by the whole file
    order = slash_date_order([row.get(name) or "" for _, row in rows for name in DATE_COLUMNS], options.date_order)
    records, teams_seen = [], set()
    for number, row in rows:
        result.rows_read += 1
        try:
            record = _record(kind, row, order)
        except ValueError as error:
            field, _, reason = str(error).partition(": ")
            result.rejects.append(Reject(row=number, field=field or None, reason=reason))
            continue
        # teams.csv names each team once; a second row for a team is rejected, not merged.
        if kind == "teams" and record["team"] in teams_seen:
            result.rejects.append(
                Reject(
                    row=number,
                    field="team",
                    reason=f'team "{record["team"]}" appears on an earlier row; that row is kept',
                )
            )
            continue
        teams_seen.add(record.get("team"))
        records.append(record)
    result.tables[kind] = frame(kind, records)
    return result


def _record(kind: str, row: dict, order: str | None = None) -> dict:
    if None in row:
        raise ValueError(f": {row[None]}")
    required, optional = LAYOUTS[kind]
    for name in required:
        if name != "reorg_date" and not row.get(name):
            raise ValueError(f"{name}: is empty; every row needs a {name}")
    record = {name: row.get(name) or None for name in required + optional}
    for name in DATE_COLUMNS:
        if name in record:
            try:
                record[name] = parse_spreadsheet_date(row.get(name, ""), order)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
    if record.get("start_date") and record.get("end_date") and record["end_date"] < record["start_date"]:
        raise ValueError(f"end_date: {record['end_date']} is before start_date {record['start_date']}")
    if kind == "ownership":
        record["kind"] = record["kind"].lower()
        if record["kind"] not in OWNERSHIP_KINDS:
            raise ValueError(f'kind: "{row["kind"]}" is not one of {", ".join(OWNERSHIP_KINDS)}')
    return record
