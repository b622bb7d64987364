"""What the Data page does: load uploads, check and write organisation edits, check settings.

Plain functions over the visitor's Store; the page only reads widgets and draws what they return.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import queries
from ..bounded_parse import Limits, parse_in_child, upload_too_large
from ..importers import ImportOptions, tabular
from ..importers.base import TABLE_COLUMNS
from ..importers.column_map import csv_header, header_key, suggested
from ..importers.csv_rows import parse_iso_date
from ..importers.org import OWNERSHIP_KINDS
from ..quality import QualityReport
from ..settings import Settings
from ..store import Store
from ..workspace_file import (
    WorkspaceFileError,
    is_workspace_file,
    restore_contents,
)
from .common import csv_download

ORG_TABLES = ("teams", "members", "ownership")
ORG_COLUMNS = {table: TABLE_COLUMNS[table] for table in ORG_TABLES}
DATE_COLUMNS = ("reorg_date", "start_date", "end_date")
EDITED_SOURCE = "edited on the Data page"  # source_file of organisation rows written here
REJECTS_SHOWN = 5  # per file, beside the uploader


# ---- uploads -----------------------------------------------------------------------------


@dataclass
class UploadResult:
    file_name: str
    kind: str | None
    status: str  # loaded, partial, refused, failed, unchanged, restored
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str | None = None
    rejects: tuple[str, ...] = ()  # the first few, as "row 3, due_date: reason"
    settings: Settings | None = None  # a restored workspace's settings
    column_mappings: tuple = ()  # ... and its remembered column mappings and date order
    date_order: str | None = None
    notes: str = ""  # what the importer noted (no changelog, ...)
    loud: tuple[str, ...] = ()  # notes the importer wrote in capitals (NO RESOLVED COLUMN: ...)

    @property
    def problem(self) -> bool:
        return self.status in ("refused", "failed", "partial")

    @property
    def added(self) -> bool:
        return self.status in ("loaded", "partial", "restored")


def load_uploads(
    store: Store,
    files: list[tuple[str, bytes]],
    timezone: str,
    on_file: Callable[[int, str], None] | None = None,
    limits: Limits | None = None,
    date_order: str | None = None,
    column_maps: dict[str, dict[str, str]] | None = None,
) -> list[UploadResult]:
    """Load uploaded files into the store, a workspace file first (it replaces everything).

    Never raises: a file that cannot be used becomes a result with its message, and what was
    loaded before stays. on_file(index, name) is called before each file (for progress).
    Each file is held to `limits` (default: the environment's): its size, and the memory and
    time its parse takes in a child process (bounded_parse) or a workspace file unpacks to.
    date_order ("dmy" / "mdy" / None to infer) reads numeric dates of re-saved Jira CSVs.
    column_maps: remembered column mappings by header_key; a CSV whose header has one is read
    with it (the mapping made on this page for an earlier file with the same columns).
    """
    limits = limits or Limits.from_environment()
    ordered = sorted(files, key=lambda file: not is_workspace_file(*file))
    results = []
    for index, (name, data) in enumerate(ordered):
        if on_file:
            on_file(index, name)
        too_large = upload_too_large(name, len(data), limits)
        if too_large:
            results.append(UploadResult(name, None, "refused", message=too_large))
            continue
        try:
            if is_workspace_file(name, data):
                clamped: list[str] = []
                contents = restore_contents(store, data, name, limits.workspace_bytes, clamped)
                results.append(
                    UploadResult(
                        name,
                        "workspace",
                        "restored",
                        settings=contents.settings,
                        column_mappings=tuple(contents.column_mappings),
                        date_order=contents.date_order,
                        message=f"{name}: workspace restored; it replaced the data and settings"
                        + "".join(f". {note}" for note in clamped),
                    )
                )
            else:
                mapping = (column_maps or {}).get(header_key(csv_header(data))) if column_maps else None
                options = ImportOptions(timezone=timezone, date_order=date_order, column_map=mapping)
                parse = functools.partial(parse_in_child, limits=limits)
                results.append(_result(store.load_bytes(name, data, options, refresh=False, parse=parse)))
        except WorkspaceFileError as error:
            results.append(UploadResult(name, "workspace", "refused", message=str(error)))
        except Exception as error:  # never a traceback on the page
            results.append(
                UploadResult(
                    name, None, "failed", message=f"{name}: could not be loaded ({type(error).__name__}: {error})"
                )
            )
    # One attribution refresh for the whole batch (it also bumps store.version).
    store.refresh_attribution(timezone)
    return results


def _result(outcome) -> UploadResult:
    rejects = tuple(
        ", ".join(part for part in ("whole file" if r.row is None else f"row {r.row}", r.field) if part)
        + f": {r.reason}"
        for r in outcome.rejects[:REJECTS_SHOWN]
    )
    name, count = outcome.file_name, len(outcome.rejects)
    more = (
        f" (the first {REJECTS_SHOWN} below; all of them in the data-quality report)" if count > REJECTS_SHOWN else ""
    )
    message = outcome.message or {
        "refused": f"{name}: nothing loaded; {count} problem(s) found{more}",
        "partial": f"{name}: {outcome.rows_loaded} row(s) loaded, {count} rejected{more}",
    }.get(outcome.status)
    return UploadResult(
        name,
        outcome.kind,
        outcome.status,
        outcome.rows_read,
        outcome.rows_loaded,
        count,
        message,
        rejects,
        notes="; ".join(outcome.notes),
        loud=tuple(note for note in outcome.notes if is_loud(note)),
    )


def is_loud(note: str) -> bool:
    """A note an importer starts in capitals ("NO RESOLVED COLUMN: ...") must not hide in a
    table cell: the page shows it as a warning of its own."""
    head = note.split(":", 1)[0]
    return len(head) > 3 and head.isupper()


def upload_table(results: list[UploadResult]) -> pd.DataFrame:
    """One row per uploaded file: the kind detected and what it gave."""
    return pd.DataFrame(
        [
            (
                r.file_name,
                r.kind or "unrecognised",
                r.status,
                r.rows_read,
                r.rows_loaded,
                r.rows_rejected,
                "; ".join(text for text in (r.message, r.notes) if text),
            )
            for r in results
        ],
        columns=["file", "detected kind", "status", "rows read", "rows loaded", "rows rejected", "message and notes"],
    )


# ---- files no importer recognised: the column mapping ------------------------------------


@dataclass(frozen=True)
class UnmappedFile:
    """An uploaded CSV no importer recognised, with what the mapping form needs."""

    name: str
    data: bytes
    header: tuple[str, ...]
    key: str  # header_key: the mapping made for it serves files with the same header
    suggested: dict


# Beyond this many columns a file is no export to map by hand (Jira Server exports reach a few
# hundred): the form would offer every column in each of its fields.
MAX_MAPPED_COLUMNS = 2000
MAX_CONVERTED_BYTES = 20 * 1024 * 1024  # workbooks converted for the form in the server's own process


def unmapped_files(files: list[tuple[str, bytes]], results: list[UploadResult]) -> list[UnmappedFile]:
    """The uploads refused as unrecognised that have a header to map (delimited text, or the
    largest table of a workbook or an HTML "Excel" export, with at least two named columns and
    at most MAX_MAPPED_COLUMNS)."""
    refused = {r.file_name for r in results if r.status == "refused" and r.kind is None}
    found = []
    for name, data in files:
        if name not in refused:
            continue
        name, data = as_delimited(name, data)
        header = csv_header(data)
        if 2 <= len(header) <= MAX_MAPPED_COLUMNS:
            found.append(UnmappedFile(name, data, tuple(header), header_key(header), suggested(header)))
    return found


def as_delimited(name: str, data: bytes) -> tuple[str, bytes]:
    """A workbook (.xlsx) or an HTML "Excel" export as CSV of its largest table, named after the
    file and the table, so the mapping form and the mapped load read it like any CSV; other
    files unchanged. Only workbooks up to MAX_CONVERTED_BYTES are read here (in the server's
    process, unlike uploads): a larger one is better saved as CSV."""
    if len(data) > MAX_CONVERTED_BYTES:
        return name, data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        kind = tabular.kind_of(path)
        if kind is None:
            return name, data
        try:
            found = tabular.tables(path, kind)
        except Exception:  # a damaged workbook: nothing to map, the refusal already says why
            return name, data
    if not found:
        return name, data
    table, rows = max(found, key=lambda named: len(named[1]))
    return f"{name} ({table}).csv", tabular.as_csv_text(rows).encode("utf-8")


# ---- items and releases that belong to no team --------------------------------------------


@dataclass(frozen=True)
class Unowned:
    items: int  # work items without a team
    releases: int  # releases without a team
    sources: pd.DataFrame  # kind, value, items, releases: what an ownership row could map


def unowned(con) -> Unowned:
    """How many items and releases belong to no team, and the projects and repositories they
    come from (queries/unowned_sources.sql)."""
    items, releases = con.execute(queries.sql("unowned_counts")).fetchall()[0]
    return Unowned(int(items), int(releases), con.execute(queries.sql("unowned_sources")).df())


def map_unowned(store: Store, teams: dict[tuple[str, str], str | None], timezone: str) -> list[Problem]:
    """Ownership rows for unowned projects and repositories in one step: {(kind, value): team}
    (None: left as it is), added to the stored ownership (checked like an edit) and every item
    and release given its team again."""
    new_rows = [
        {"kind": kind, "value": value, "team": team, "start_date": None, "end_date": None}
        for (kind, value), team in teams.items()
        if team
    ]
    if not new_rows:
        return [Problem("ownership", None, "team", "choose a team for at least one project or repository")]
    frames = org_tables(store.con)
    frames["ownership"] = pd.concat([frames["ownership"], pd.DataFrame(new_rows)], ignore_index=True)
    return apply_org(store, frames, timezone)


# ---- the data-quality report --------------------------------------------------------------


def quality_numbers(report: QualityReport) -> dict[str, str]:
    """The headline numbers of the data-quality report, as shown."""
    files = report.files
    return {
        "Files": str(len(files)),
        "Rows loaded": f"{int(files['rows_loaded'].sum()):,}",
        "Rows rejected": f"{int(files['rows_rejected'].sum()):,}",
        "Items without a team": f"{report.unattributed_share:.1%}",
        "Releases without a team": f"{report.releases_without_team:,}",
    }


def rejects_csv(report: QualityReport) -> bytes:
    """Every rejected row as CSV. Cells that a spreadsheet would run as a formula (an export's
    text quoted in a reason) are prefixed with an apostrophe."""
    return csv_download(report.rejects)


# ---- organisation editing -----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    table: str
    row: int | None  # 1-based row as shown in the editor
    field: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.table, self.row and f"row {self.row}", self.field) if part)
        return f"{where}: {self.message}"


def org_tables(con) -> dict[str, pd.DataFrame]:
    """The organisation tables as the editors show them (dates as dates, no source_file)."""
    order = {
        "teams": "order by reorg_date nulls last, team",
        "members": "order by team, person, start_date nulls first",
        "ownership": "order by kind, value, start_date nulls first",
    }
    frames = {}
    for table in ORG_TABLES:
        columns = ", ".join(ORG_COLUMNS[table])
        frame = con.execute(f"select {columns} from {table} {order[table]}").df()
        for column in DATE_COLUMNS:
            if column in frame:
                frame[column] = pd.Series([_date_or_none(v) for v in frame[column]], index=frame.index, dtype=object)
        frames[table] = frame
    return frames


def check_org(frames: dict[str, pd.DataFrame], former_teams=()) -> tuple[dict[str, list[dict]], list[Problem]]:
    """Clean rows for each organisation table, and every problem (table, row, field, what).

    A roster or ownership row names a team of the teams table, or one of `former_teams`: teams
    dissolved by the reorg that the stored roster and ownership already name (the demo's Web
    and Infra), so history stays editable while a new typo is caught. Rows left completely
    empty (a row added and not filled) are dropped.
    """
    clean, problems = {}, []
    for table in ORG_TABLES:
        clean[table] = []
        for row_number, row in enumerate(frames[table].to_dict("records"), start=1):
            record, row_problems = _check_row(table, row_number, row)
            if record is not None:
                clean[table].append(record)
            problems += row_problems
    teams = {record["team"] for record in clean["teams"]} | set(former_teams)
    seen = set()
    for record in clean["teams"]:
        if record["team"] and record["team"] in seen:
            problems.append(
                Problem(
                    "teams", record["_row"], "team", f'"{record["team"]}" is listed twice; team names must be unique'
                )
            )
        seen.add(record["team"])
    for table in ("members", "ownership"):
        for record in clean[table]:
            if record["team"] and record["team"] not in teams:
                problems.append(
                    Problem(
                        table,
                        record["_row"],
                        "team",
                        f'"{record["team"]}" is not a team in the teams table (nor a former team the roster or ownership already names); add it to teams first',
                    )
                )
    problems.sort(key=lambda p: (ORG_TABLES.index(p.table), p.row or 0))
    return clean, problems


def former_teams(con) -> set[str]:
    """Team names the stored roster and ownership use that the teams table does not list."""
    return {
        row[0]
        for row in con.execute(
            "select team from members union select team from ownership except select team from teams"
        ).fetchall()
    }


def _check_row(table: str, row_number: int, row: dict) -> tuple[dict | None, list[Problem]]:
    values = {column: row.get(column) for column in ORG_COLUMNS[table]}
    if all(_blank(value) for value in values.values()):
        return None, []
    record, problems = {"_row": row_number}, []
    for column, value in values.items():
        if column in DATE_COLUMNS:
            try:
                record[column] = _date_or_none(value)
            except ValueError:
                record[column] = None
                problems.append(
                    Problem(table, row_number, column, f'"{value}" is not a date; expected a date like 2025-10-01')
                )
        else:
            record[column] = None if _blank(value) else str(value).strip()
    required = {"teams": ("team",), "members": ("person", "team"), "ownership": ("kind", "value", "team")}[table]
    for column in required:
        if record[column] is None:
            problems.append(Problem(table, row_number, column, f"is empty; every row needs a {column}"))
    if table == "ownership" and record["kind"] is not None and record["kind"] not in OWNERSHIP_KINDS:
        problems.append(
            Problem(table, row_number, "kind", f'"{record["kind"]}" is not one of {", ".join(OWNERSHIP_KINDS)}')
        )
    start, end = record.get("start_date"), record.get("end_date")
    if start and end and end < start:
        problems.append(Problem(table, row_number, "end_date", f"{end} is before start_date {start}"))
    return record, problems


def apply_org(store: Store, frames: dict[str, pd.DataFrame], timezone: str) -> list[Problem]:
    """Check the edited tables; if they are all valid, replace the organisation in one
    transaction and recompute team attribution. Returns the problems (nothing written if any)."""
    con = store.con
    clean, problems = check_org(frames, former_teams(con))
    if problems:
        return problems
    con.begin()
    try:
        for table in ORG_TABLES:
            columns = ORG_COLUMNS[table]
            con.execute(f"delete from {table}")
            if clean[table]:
                placeholders = ", ".join("?" for _ in range(len(columns) + 1))
                con.executemany(
                    f"insert into {table} ({', '.join(columns)}, source_file) values ({placeholders})",
                    [[record[c] for c in columns] + [EDITED_SOURCE] for record in clean[table]],
                )
        con.commit()
    except Exception as error:
        con.rollback()
        return [Problem("organisation", None, None, f"nothing was saved ({str(error).splitlines()[0]})")]
    store.refresh_attribution(timezone)
    return []


def _blank(value) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _date_or_none(value) -> dt.date | None:
    """A date from what an editor or the store gives (date, Timestamp, ISO text); ValueError otherwise."""
    if _blank(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if value.tzinfo is not None or value.time() != dt.time(0):
            raise ValueError(value)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_iso_date(value.strip())
    raise ValueError(value)


# ---- settings -----------------------------------------------------------------------------


def settings_choices(con, settings: Settings) -> dict[str, list[str]]:
    """Options for the settings form: link types, issue types and statuses present in the data
    (plus whatever the settings already name)."""

    def present(sql: str) -> set[str]:
        return {row[0] for row in con.execute(sql).fetchall()}

    link_types = present("select distinct link_type from links")
    issue_types = present("select distinct item_type from work_items where item_type is not null")
    statuses = present("select distinct to_status from status_changes where to_status is not null")
    return {
        "link_types": sorted(link_types | set(settings.blocking_link_types)),
        "issue_types": sorted(issue_types | set(settings.commitment_issue_types)),
        "statuses": sorted(statuses | set(settings.blocked_statuses)),
    }


def edit_settings(
    base: Settings,
    con,
    *,
    blocking_link_types,
    blocked_statuses,
    release_tag_pattern: str,
    commitment_issue_types,
    include_prereleases: bool,
    comparison_date: dt.date | None,
    min_items: int,
    min_releases: int,
    min_months: int = Settings.min_months,
    show_roster_names: bool | None = None,
) -> tuple[Settings | None, list[str]]:
    """The base settings with the Data page's fields changed, or None and what is wrong (every
    problem Settings.problems finds, each naming its field)."""
    candidate = dataclasses.replace(
        base,
        blocking_link_types=tuple(dict.fromkeys(t.strip() for t in blocking_link_types if t and t.strip())),
        release_tag_pattern=(release_tag_pattern or "").strip(),
        blocked_statuses=tuple(
            dict.fromkeys(status.strip() for status in blocked_statuses if status and status.strip())
        ),
        commitment_issue_types=tuple(commitment_issue_types),
        include_prereleases=bool(include_prereleases),
        comparison_date=comparison_date,
        min_items=0 if min_items is None else int(min_items),
        min_releases=0 if min_releases is None else int(min_releases),
        min_months=0 if min_months is None else int(min_months),
        show_roster_names=base.show_roster_names if show_roster_names is None else bool(show_roster_names),
    )
    problems = [str(problem) for problem in candidate.problems()]
    return (None, problems) if problems else (candidate, [])
