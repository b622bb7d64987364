"""The DuckDB store: loads parsed exports into the canonical model, one transaction per file.

Loading is idempotent (a file already loaded, byte for byte, adds nothing), a newer export of
the same issues updates them, and a load that fails part-way is rolled back, so what was loaded
before is never lost.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import queries
from .importers import FileRefused, ImportOptions, Reject, parse_file
from .importers.base import TABLE_COLUMNS
from .settings import Settings

# Results are always read to the end (fetchall): DuckDB 2 refuses new work on a connection
# while an execute() result is still open.
PRIMARY_KEYS = {
    "work_items": ("item_key",),
    "status_changes": ("item_key", "change_id"),
    "field_changes": ("item_key", "change_id"),
    "links": ("item_key", "link_type", "direction", "linked_key"),
    "releases": ("release_id",),
    "pull_requests": ("pr_id",),
    "reviews": ("review_id",),
}
# The organisation files describe the whole organisation: a new one replaces the old, and the
# old one is listed as set aside (Store._set_aside), so which file was used is never a guess.
ORGANISATION_TABLES = ("teams", "members", "ownership")
ORGANISATION_CONTENT = {"teams": "teams come", "members": "the roster comes", "ownership": "ownership comes"}
SET_ASIDE_MARK = "set aside: "  # how a set-aside file's entry begins
SET_ASIDE = SET_ASIDE_MARK + "{content} from "
# Facts from a changelog stay true when a later export without a changelog updates the item.
CHANGELOG_COLUMNS = ("first_due_date", "due_date_changes")
WORK_ITEM_TEAMS_COLUMNS = [
    "item_key",
    "team",
    "attributed_by",
    "item_type",
    "created_at",
    "started_at",
    "resolved_at",
    "resolved_day",
    "committed_date",
    "commitment_source",
    "replans",
    "moved_to_done",
]
SKIPPED_FILE_NAMES = ("README", "PROVENANCE")
MAX_REJECTS_KEPT = 10_000  # per file: enough to see the pattern, bounded for huge bad files


@dataclass
class LoadOutcome:
    file_name: str
    kind: str | None
    status: str  # loaded, partial, refused, failed, unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    message: str | None = None
    origin: str | None = None  # where the analyst finds the file: the path as given, or "the upload NAME"
    load_id: int | None = None  # its entry in load_log, once logged

    @property
    def usable(self) -> bool:
        return self.rows_loaded > 0 or self.status == "unchanged"


class Store:
    """A DuckDB database in the canonical model.

    `Store()` is a private in-memory database (the command line's, a visitor's own data);
    `Store(path)` a database file. `read_only=True` opens a file that many sessions share (the
    hosted app's base): `view()` gives each session a cursor of its own on it, and
    `Store(copy_from=path)` makes a private in-memory copy of it for a visitor who adds data.
    """

    def __init__(
        self,
        path: str | Path = ":memory:",
        memory_limit: str = "2GB",
        threads: int = 2,
        read_only: bool = False,
        copy_from: str | Path | None = None,
    ):
        self.path = str(path)
        self.read_only = read_only
        self.con = duckdb.connect(
            self.path, read_only=read_only, config={"memory_limit": memory_limit, "threads": threads}
        )
        self.con.execute("set TimeZone = 'UTC'")
        if copy_from is not None:
            database = self.con.execute("select current_database()").fetchall()[0][0]
            self.con.execute("attach ? as copied (read_only)", [str(copy_from)])
            self.con.execute(f"copy from database copied to {_quoted(database)}")
            self.con.execute("detach copied")
        if not read_only:
            self.con.execute(queries.sql("schema"))
            self._rebuild_outdated_attribution()
        # load_id -> where the analyst finds that file (LoadOutcome.origin), for the loads of
        # this session; a set-aside entry names the file used by it (else by its name alone).
        self.origins: dict[int, str] = {}
        # Bumped whenever the data or the organisation may have changed: callers that keep
        # results (the dashboard's per-session report cache) key them by it.
        self.version = 0
        # The shared base's fingerprint (workspace.base_fingerprint); None for other stores.
        self.fingerprint: str | None = None
        # Canonical types, and schema defaults (e.g. releases.is_draft false) for columns an
        # importer does not give.
        self._column_types, self._column_defaults = {}, {}
        for table, column, data_type, default in self.con.execute(
            "select table_name, column_name, data_type, column_default from information_schema.columns"
        ).fetchall():
            self._column_types.setdefault(table, {})[column] = data_type
            if default is not None:
                self._column_defaults.setdefault(table, {})[column] = default

    def view(self) -> Store:
        """This store through a cursor of its own (one session's): DuckDB runs one query at a
        time per connection, and cursors share the database and its buffer pool."""
        view = copy.copy(self)
        view.con = self.con.cursor()
        view.con.execute("set TimeZone = 'UTC'")  # a setting of the connection, not inherited
        return view

    def prepare(self, settings: Settings) -> None:
        """Make the derived tables fit these settings (see prepare_derived): the one step that
        writes when only the settings changed. A report itself only reads."""
        if prepare_derived(self.con, settings):
            self.version += 1

    def close(self) -> None:
        self.con.close()

    def is_current(self) -> bool:
        """Whether this database has every column this version reads (a file an older version
        wrote, opened read-only, may not: it is then copied and brought up to date)."""
        columns = {
            (table, column)
            for table, column in self.con.execute(
                "select table_name, column_name from information_schema.columns"
            ).fetchall()
        }
        work_item_teams = [column for table, column in sorted(columns) if table == "work_item_teams"]
        return ("work_items", "delivered_by_move_to_done") in columns and sorted(
            WORK_ITEM_TEAMS_COLUMNS
        ) == work_item_teams

    def _rebuild_outdated_attribution(self) -> None:
        """A database file written by an older version may hold work_item_teams with fewer
        columns. It is derived data: drop it and let the next prepare() recompute it."""
        columns = [
            row[0]
            for row in self.con.execute(
                "select column_name from information_schema.columns where table_name = 'work_item_teams' "
                "order by ordinal_position"
            ).fetchall()
        ]
        if columns and columns != WORK_ITEM_TEAMS_COLUMNS:
            self.con.execute("drop table work_item_teams")
            self.con.execute("delete from attribution_state")
            self.con.execute(queries.sql("schema"))

    # ---- loading -------------------------------------------------------------------------

    def load_paths(self, paths: list[Path], options: ImportOptions | None = None) -> list[LoadOutcome]:
        """Load files and every file under folders (sorted, so runs are reproducible)."""
        outcomes = [self.load_file(path, options) for path in expand_paths(paths)]
        self.refresh_attribution((options or ImportOptions()).timezone)
        return outcomes

    def load_bytes(
        self, name: str, data: bytes, options: ImportOptions | None = None, refresh: bool = True, parse=None
    ) -> LoadOutcome:
        """Load an upload: the bytes go through a temporary file so every importer reads a path.

        `refresh=False` leaves the attribution to the caller (one refresh after a batch);
        `parse` as in load_file."""
        with tempfile.TemporaryDirectory(prefix="threadline-upload-") as folder:
            path = Path(folder) / upload_file_name(name)
            path.write_bytes(data)
            outcome = self.load_file(path, options, display_name=name, parse=parse)
        if refresh:
            self.refresh_attribution((options or ImportOptions()).timezone)
        return outcome

    def load_file(
        self, path: Path, options: ImportOptions | None = None, display_name: str | None = None, parse=None
    ) -> LoadOutcome:
        """`parse(path, options) -> ParseResult` replaces parse_file, e.g. bounded_parse.parse_in_child
        for a visitor's upload (raising FileRefused when the file is refused)."""
        name = display_name or path.name
        digest = file_sha256(path)
        if self.con.execute(
            "select count(*) from load_log where file_sha256 = ? and status in ('loaded', 'partial')",
            [digest],
        ).fetchall()[0][0]:
            return LoadOutcome(name, None, "unchanged", message="identical to a file loaded before; nothing added")
        try:
            result = (parse or parse_file)(path, options)
        except FileRefused as refusal:
            return self._log(LoadOutcome(name, None, "refused", message=str(refusal)), digest)
        except Exception as error:  # an importer bug must not reach the user as a traceback
            return self._log(
                LoadOutcome(
                    name, None, "failed", message=f"{name}: could not be read ({type(error).__name__}: {error})"
                ),
                digest,
            )

        rejected_rows = {reject.row for reject in result.rejects if reject.row is not None}
        outcome = LoadOutcome(
            name,
            result.kind,
            "loaded",
            rows_read=result.rows_read,
            rows_loaded=max(result.rows_read - len(rejected_rows), 0),
            rejects=result.rejects,
            notes=result.notes,
            origin=f"the upload {display_name}" if display_name else str(path),
        )
        if result.rejects:
            outcome.status = "partial" if outcome.rows_loaded else "refused"
        self.con.begin()
        try:
            # Links are replaced only for the items this load updated; none until work items merge.
            self.con.execute("create or replace temp table updated_items (item_key varchar)")
            # Canonical order: work items first, so links know which items this load updated.
            # A refused file (every row rejected) stores nothing: an organisation file whose
            # rows are all bad must not empty the table it would replace.
            for table in TABLE_COLUMNS:
                if table in result.tables and outcome.status != "refused":
                    self._merge(table, result.tables[table], name, origin=outcome.origin)
            self._log(outcome, digest)
            if outcome.status != "refused":
                self._set_aside_if_empty(result.tables, outcome)
            self.con.commit()
        except Exception as error:
            self.con.rollback()
            outcome = LoadOutcome(
                name,
                result.kind,
                "failed",
                rows_read=result.rows_read,
                message=f"{name}: nothing loaded, the file could not be stored ({str(error).splitlines()[0]})",
            )
            self._log(outcome, digest)
        return outcome

    def _merge(self, table: str, rows, source_file: str, origin: str | None = None) -> None:
        """`origin` names the file where the analyst can find it (the path as given, or "the upload
        NAME"): an organisation file set aside for this one is told which file is used."""
        # Nothing to add. For an organisation file this is most likely a cut-off or wrong file,
        # so the organisation loaded before stays (to clear it, load a file with new rows).
        if rows is None or len(rows) == 0:
            return
        # DuckDB infers an object column's type from a sample of rows: a list column whose
        # first thousand rows are empty (no fix versions) came out as NULL[] and sank the file.
        self.con.execute(f"set pandas_analyze_sample = {max(len(rows), 1000)}")
        self.con.register("incoming", rows)
        # No `finally`: after a failed cast the transaction is aborted and unregister would
        # raise, hiding the real error; the caller's rollback drops the view anyway.
        self._stage(table, source_file)
        self.con.unregister("incoming")
        columns = ", ".join((*TABLE_COLUMNS[table], "source_file"))
        if table in ORGANISATION_TABLES:
            self._set_aside(table, origin or source_file)
            self.con.execute(f"delete from {table}")
            self.con.execute(f"insert into {table} ({columns}) select {columns} from staged")
        elif table == "work_items":
            self._merge_work_items(columns)
        elif table == "links":
            # Links are a snapshot of the item as exported: only an item this load updated
            # (see _merge_work_items) has its links replaced.
            self.con.execute("delete from links where item_key in (select item_key from updated_items)")
            self.con.execute(
                f"insert into links ({columns}) select {columns} from staged "
                "where item_key in (select item_key from updated_items)"
            )
        elif table in ("status_changes", "field_changes"):
            # A changelog entry never changes once written.
            self.con.execute(f"insert or ignore into {table} ({columns}) select {columns} from staged")
        else:
            self.con.execute(f"insert or replace into {table} ({columns}) select {columns} from staged")

    def _set_aside(self, table: str, used: str) -> None:
        """Before an organisation table takes the rows of the file `used`, list the loaded file
        whose rows it holds as set aside (a whole-file entry of that file's rejects, so the
        data-quality report and the report's `rejected` show it), and point the entries of the
        files set aside before it at `used`: each names the file the table's rows come from now.
        Rows edited on the Data page come from no loaded file: nothing of theirs is listed."""
        reason = set_aside_reason(table, used)
        prefix = SET_ASIDE.format(content=ORGANISATION_CONTENT[table])
        self.con.execute(
            "update rejected_rows set reason = ? where row_number is null and starts_with(reason, ?)", [reason, prefix]
        )
        for load_id, file_name in self._held(table):
            self._add_set_aside(load_id, file_name, reason)

    def _set_aside_if_empty(self, tables: dict, outcome: LoadOutcome) -> None:
        """A later organisation file with no rows (a cut-off or header-only file) leaves its table
        as it was (_merge): it is set aside for the file the table's rows come from, so the last
        file of a kind given is never taken for the one used unsaid."""
        for table in ORGANISATION_TABLES:
            if table in tables and (tables[table] is None or len(tables[table]) == 0):
                for load_id, file_name in self._held(table):
                    origin = self.origins.get(load_id)
                    # A workspace restored since may reuse the id: the origin must be that file's.
                    used = origin if origin and origin.endswith(file_name) else file_name
                    self._add_set_aside(outcome.load_id, outcome.file_name, set_aside_reason(table, used))

    def _held(self, table: str) -> list[tuple[int, str]]:
        """The load whose rows the organisation table holds (none for rows edited on the Data page)."""
        return self.con.execute(
            f"""
            select load_id, file_name from load_log
            where kind = ? and status in ('loaded', 'partial') and rows_loaded > 0
              and file_name in (select source_file from {table})
            order by load_id desc limit 1
            """,
            [table],
        ).fetchall()

    def _add_set_aside(self, load_id: int, file_name: str, reason: str) -> None:
        self.con.execute(
            "insert into rejected_rows (load_id, file_name, row_number, field, reason) values (?, ?, null, null, ?)",
            [load_id, file_name, reason],
        )

    def _stage(self, table: str, source_file: str) -> None:
        """Copy the incoming rows into `staged` with the canonical types, one row per key."""
        types, defaults = self._column_types[table], self._column_defaults.get(table, {})
        incoming_columns = set(self.con.sql("select * from incoming limit 0").columns)
        selects = [
            f'cast("{column}" as {types[column]}) as {column}'
            if column in incoming_columns
            else f"cast({defaults.get(column, 'null')} as {types[column]}) as {column}"
            for column in TABLE_COLUMNS[table]
        ]
        selects.append("cast(? as varchar) as source_file")
        key = PRIMARY_KEYS.get(table)
        dedupe = f"qualify row_number() over (partition by {', '.join(key)}) = 1" if key else ""
        self.con.execute(
            f"create or replace temp table staged as select {', '.join(selects)} from incoming {dedupe}", [source_file]
        )

    def _merge_work_items(self, columns: str) -> None:
        """An item is replaced by the incoming copy unless the stored one was updated later."""
        self.con.execute("""
            create or replace temp table updated_items as
            select s.item_key from staged s left join work_items w on w.item_key = s.item_key
            where w.item_key is null or s.updated_at is null or w.updated_at is null
               or s.updated_at >= w.updated_at
        """)
        self.con.execute("""
            create or replace temp table replaced_items as
            select * from work_items where item_key in (select item_key from updated_items)
        """)
        self.con.execute("delete from work_items where item_key in (select item_key from updated_items)")
        kept = {column: f"coalesce(s.{column}, r.{column})" for column in CHANGELOG_COLUMNS} | {
            "has_changelog": "coalesce(s.has_changelog, false) or coalesce(r.has_changelog, false)"
        }
        values = ", ".join(kept.get(column, f"s.{column}") for column in columns.split(", "))
        self.con.execute(f"""
            insert into work_items ({columns})
            select {values} from staged s
            left join replaced_items r on r.item_key = s.item_key
            where s.item_key in (select item_key from updated_items)
        """)

    def _log(self, outcome: LoadOutcome, digest: str) -> LoadOutcome:
        # A file tried again replaces its own earlier refusal or failure, so loading the same
        # folder twice leaves the log (and the quality report) as it was.
        stale = (
            "select load_id from load_log where file_sha256 = ? and file_name = ? and status in ('refused', 'failed')"
        )
        self.con.execute(f"delete from rejected_rows where load_id in ({stale})", [digest, outcome.file_name])
        self.con.execute(f"delete from load_log where load_id in ({stale})", [digest, outcome.file_name])
        load_id = self.con.execute("select nextval('load_id_seq')").fetchall()[0][0]
        self.con.execute(
            "insert into load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                outcome.file_name,
                digest,
                outcome.kind,
                dt.datetime.now(dt.UTC),
                outcome.rows_read,
                outcome.rows_loaded,
                len(outcome.rejects),
                outcome.status,
                outcome.message or "; ".join(outcome.notes) or None,
            ],
        )
        if outcome.rejects:
            self.con.executemany(
                "insert into rejected_rows (load_id, file_name, row_number, field, reason) values (?, ?, ?, ?, ?)",
                [[load_id, outcome.file_name, r.row, r.field, r.reason] for r in outcome.rejects[:MAX_REJECTS_KEPT]],
            )
        outcome.load_id = load_id
        if outcome.origin:
            self.origins[load_id] = outcome.origin
        return outcome

    def refresh_attribution(self, timezone: str = "UTC", settings: Settings | None = None) -> None:
        refresh_attribution(self.con, timezone, settings)
        self.version += 1


def set_aside_reason(table: str, used: str) -> str:
    """Why an organisation file was set aside, naming the file `used` for the table's rows."""
    return (
        f"{SET_ASIDE.format(content=ORGANISATION_CONTENT[table])}{used} "
        f"(one {table} file is used: the last one loaded that holds rows)"
    )


class DerivedDataOutdated(RuntimeError):
    """A report was asked for settings the derived tables were not built with."""


def blocking_parameters(settings: Settings) -> dict:
    """The parameters of blocked_intervals.sql: which links, changelog phrases and statuses block."""
    return {
        "link_types": list(settings.blocking_link_types),
        "blocked_pattern": "|".join(re.escape(phrase.lower()) for phrase in settings.blocked_phrases),
        "blocked_statuses": list(settings.blocked_statuses),
    }


def derived_key(settings: Settings) -> tuple[str, str]:
    """What the derived tables depend on besides the data: the time zone (attribution) and the
    blocking settings (blocked_intervals)."""
    return settings.timezone, json.dumps(blocking_parameters(settings), sort_keys=True)


def derived_state(con) -> tuple[str | None, str | None]:
    """The (time zone, blocking settings) the derived tables were built with; None where not built."""
    try:
        timezone = con.execute("select timezone from attribution_state").fetchall()
        blocking = con.execute("select built_with from blocked_intervals_state").fetchall()
    except duckdb.CatalogException:  # a database file written before these tables existed
        return None, None
    return (timezone[0][0] if timezone else None), (blocking[0][0] if blocking else None)


def refresh_attribution(con, timezone: str = "UTC", settings: Settings | None = None) -> None:
    """Recompute the derived tables: which team each item and release belongs to, and the
    blocked stretches (with the blocking settings given, else those last used, else defaults).

    Run after every load (organisation files may have changed) and whenever the report's time
    zone changes: ownership and rosters are dated, and a day starts at midnight in that zone.
    """
    blocking = json.loads(derived_state(con)[1] or "null") if settings is None else blocking_parameters(settings)
    con.begin()
    for table in ("work_item_teams", "release_teams"):
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} select * from ({queries.sql(table)})", {"timezone": timezone})
    con.execute("delete from attribution_state")
    con.execute("insert into attribution_state values (?)", [timezone])
    _build_blocked_intervals(con, blocking or blocking_parameters(Settings()))
    con.commit()


def _build_blocked_intervals(con, parameters: dict) -> None:
    """Table blocked_intervals (queries/blocked_intervals.sql), the costliest derived table: it
    depends on the attribution and the blocking settings, not on windows or teams."""
    con.execute("create or replace table blocked_intervals as " + queries.sql("blocked_intervals"), parameters)
    con.execute("delete from blocked_intervals_state")
    con.execute("insert into blocked_intervals_state values (?)", [json.dumps(parameters, sort_keys=True)])


def prepare_derived(con, settings: Settings) -> bool:
    """Rebuild what of the derived tables does not fit the settings; True if anything was."""
    timezone, blocking = derived_state(con)
    wanted_timezone, wanted_blocking = derived_key(settings)
    if timezone != wanted_timezone:
        refresh_attribution(con, wanted_timezone, settings)
    elif blocking != wanted_blocking:
        con.begin()
        _build_blocked_intervals(con, blocking_parameters(settings))
        con.commit()
    else:
        return False
    return True


def check_derived(con, settings: Settings) -> None:
    """Refuse to report from derived tables built for other settings (the caller prepares them)."""
    if derived_state(con) != derived_key(settings):
        raise DerivedDataOutdated(
            "the derived tables were built for other settings (time zone or blocking links): "
            "call Store.prepare(settings) first"
        )


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def upload_file_name(name: str) -> str:
    """The upload's own name where the file system allows it (importers read owner__repo__
    from tag file names), else a neutral one with its extension."""
    base = Path(name.replace("\x00", "")).name
    if base in ("", ".", "..") or len(base.encode()) > 200:
        return "upload" + Path(base).suffix[:16]
    return base


def expand_paths(paths: list[Path]) -> list[Path]:
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and not p.name.startswith(".") and not p.stem.upper().startswith(SKIPPED_FILE_NAMES)
                )
            )
        else:
            files.append(path)
    return files


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
