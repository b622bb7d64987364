"""The workspace file: a visitor's store (normalised data plus settings) as one zip.

Layout (format version 2; version 1 lacks the three fields marked *, and is read as a whole file
with no column mappings and no date order):

    manifest.json        {"format": "threadline-workspace", "format_version": 2, "created_at": ...,
                          "base_fingerprint"*: null or the shared base's fingerprint,
                          "column_mappings"*: [{"header_signature": ..., "mapping": {field: header}}],
                          "date_order"*: null, "dmy" or "mdy",
                          "tables": {"work_items": {"file": "work_items.parquet", "rows": 42}, ...}}
    settings.json        every Settings field (dates as ISO text, tuples as lists)
    <table>.parquet      one per table in WORKSPACE_TABLES, columns as in queries/schema.sql

A whole file (base_fingerprint null: the downloadable file, a workspace made from an empty start)
holds every row. A layered file (saved on top of the shared base) holds only the difference:
<table>.parquet the rows the visitor added or changed, <table>.removed.parquet the base's rows
they removed or changed (table entries then also give "removed_file" and "removed_rows");
restoring applies that difference to the current shared base.

The derived tables (team attribution, report windows) are not saved: restoring recomputes them.
Restoring reads and checks the whole file before it touches the store, then replaces every
table in one transaction, so a corrupt or foreign file changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .bounded_parse import MEMORY_VARIABLE, Limits
from .importers.base import TABLE_COLUMNS
from .importers.jira_csv import check_column_map
from .settings import RETIRED, Settings
from .store import PRIMARY_KEYS, Store

FORMAT = "threadline-workspace"
FORMAT_VERSION = 2  # 2: base_fingerprint (layered files), column_mappings, date_order
DATE_ORDERS = ("dmy", "mdy")
MAX_COLUMN_MAPPINGS = 1000  # remembered header layouts: a person's handful, bounded
MAX_MAPPING_TEXT = 10_000  # characters of one header signature or header name
MANIFEST = "manifest.json"
SETTINGS = "settings.json"
# Every table that holds data (identifiers only ever come from this list).
WORKSPACE_TABLES = (*TABLE_COLUMNS, "load_log", "rejected_rows")
# Rebuilt from the tables above (refresh_attribution, the report), so not saved.
DERIVED_TABLES = (
    "work_item_teams",
    "release_teams",
    "attribution_state",
    "blocked_intervals",
    "blocked_intervals_state",
)
# id columns filled from a sequence: after a restore the sequence must pass the restored ids.
SEQUENCES = {"load_log": ("load_id", "load_id_seq"), "rejected_rows": ("reject_id", "reject_id_seq")}
# Columns added after workspace files were first written: a file without them still restores
# (they stay empty, as in a store of that time).
ADDED_COLUMNS = {"work_items": ("delivered_by_move_to_done",)}
# A layered file's changed rows replace the base's by key; tables without one (the roster,
# ownership) are rebuilt as (base minus removed rows) plus added rows.
TABLE_KEYS = PRIMARY_KEYS | {"teams": ("team",), "load_log": ("load_id",), "rejected_rows": ("reject_id",)}
# manifest.json and settings.json are a few KB; a table's size is capped by Limits.workspace_bytes.
MAX_JSON_MEMBER_BYTES = 2**20
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class WorkspaceFileError(Exception):
    """The file is not a usable workspace file; the message says why (nothing was changed)."""


@dataclass
class WorkspaceContents:
    """What a workspace file holds, read and checked."""

    settings: Settings
    tables: dict[str, pa.Table]  # every row; in a layered file the rows added or changed
    removed: dict[str, pa.Table] = field(default_factory=dict)  # layered: the base rows removed or changed
    base_fingerprint: str | None = None  # None: a whole file
    column_mappings: list[dict] = field(default_factory=list)
    date_order: str | None = None
    format_version: int = FORMAT_VERSION
    created_at: str | None = None

    @property
    def layered(self) -> bool:
        return self.base_fingerprint is not None


def is_workspace_file(name: str, data: bytes) -> bool:
    """A zip (by content or name) goes to restore_workspace, which explains what is wrong with a
    zip that is not a workspace; an Excel workbook (a zip too) and every other file go to the
    export importers."""
    if name.lower().endswith(".zip"):
        return True
    if data[:4] not in ZIP_MAGIC:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" not in archive.namelist()
    except zipfile.BadZipFile:
        return True  # restore_workspace names what is wrong with it


def export_workspace(
    con,
    settings: Settings,
    column_mappings: list[dict] | tuple = (),
    date_order: str | None = None,
    base: str | Path | None = None,
    base_fingerprint: str | None = None,
) -> bytes:
    """The settings, a manifest and every data table as Parquet, zipped.

    With `base` (the shared base's DuckDB file) and its fingerprint, a layered file: each table
    holds only what differs from the base (see the module's docstring). Without, every row."""
    if (base is None) != (base_fingerprint is None):
        raise ValueError("a layered workspace needs both the base file and its fingerprint")
    column_mappings = check_column_mappings(list(column_mappings), "column_mappings")
    if date_order not in (None, *DATE_ORDERS):
        raise ValueError(f"date_order is {date_order!r}; expected None, 'dmy' or 'mdy'")
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),  # of this file
        "base_fingerprint": base_fingerprint,
        "column_mappings": column_mappings,
        "date_order": date_order,
        "tables": {},
    }
    own = _quoted(con.execute("select current_database()").fetchall()[0][0])
    alias = None
    if base is not None:
        alias = f"shared_base_{secrets.token_hex(8)}"  # the attachment is seen by the database's other cursors
        con.execute(f"attach ? as {alias} (read_only)", [str(base)])
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in WORKSPACE_TABLES:
                if alias is None:
                    rows = con.sql(f"select * from {own}.main.{table}").to_arrow_table()
                else:
                    rows = con.sql(
                        f"select * from {own}.main.{table} except all select * from {alias}.main.{table}"
                    ).to_arrow_table()
                entry = manifest["tables"][table] = {"file": _write_member(archive, f"{table}.parquet", rows)}
                entry["rows"] = rows.num_rows
                if alias is not None:
                    removed = con.sql(
                        f"select * from {alias}.main.{table} except all select * from {own}.main.{table}"
                    ).to_arrow_table()
                    entry["removed_file"] = _write_member(archive, f"{table}.removed.parquet", removed)
                    entry["removed_rows"] = removed.num_rows
            archive.writestr(SETTINGS, json.dumps(settings_to_dict(settings), indent=2))
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    finally:
        if alias is not None:
            con.execute(f"detach {alias}")
    return buffer.getvalue()


def _write_member(archive: zipfile.ZipFile, member: str, rows: pa.Table) -> str:
    parquet = io.BytesIO()
    pq.write_table(rows, parquet, compression="zstd")
    archive.writestr(member, parquet.getvalue(), compress_type=zipfile.ZIP_STORED)  # already compressed
    return member


def check_column_mappings(value, name: str) -> list[dict]:
    """Remembered column mappings as stored: [{"header_signature": text, "mapping": {field: header}}],
    fields as `--column-map` names them (jira_csv.MAPPABLE_FIELDS). WorkspaceFileError when not."""
    expected = f'{name}: column_mappings should be a list of {{"header_signature": text, "mapping": {{field: header}}}}'
    if not isinstance(value, list) or len(value) > MAX_COLUMN_MAPPINGS:
        raise WorkspaceFileError(f"{expected} (at most {MAX_COLUMN_MAPPINGS}).")
    checked = []
    for number, entry in enumerate(value, start=1):
        if not (
            isinstance(entry, dict)
            and set(entry) == {"header_signature", "mapping"}
            and isinstance(entry["header_signature"], str)
            and isinstance(entry["mapping"], dict)
            and all(
                isinstance(text, str) and len(text) <= MAX_MAPPING_TEXT
                for text in (entry["header_signature"], *entry["mapping"], *entry["mapping"].values())
            )
        ):
            raise WorkspaceFileError(f"{expected}; entry {number} is not.")
        try:
            check_column_map(entry["mapping"])
        except ValueError as error:
            raise WorkspaceFileError(f"{name}: column_mappings entry {number}: {error}.") from None
        checked.append({"header_signature": entry["header_signature"], "mapping": dict(entry["mapping"])})
    return checked


def restore_workspace(
    store: Store,
    data: bytes,
    name: str = "workspace file",
    max_bytes: int | None = None,
    notes: list[str] | None = None,
) -> Settings:
    """Replace everything in the store with the file's tables; return the file's settings.

    Raises WorkspaceFileError (store unchanged) when the file is not a readable workspace, or
    unpacks to more than max_bytes (default: Limits.from_environment().workspace_bytes).
    Settings clamped into today's bounds are described in `notes` (when given).
    """
    return restore_contents(store, data, name, max_bytes, notes).settings


def restore_contents(
    store: Store,
    data: bytes,
    name: str = "workspace file",
    max_bytes: int | None = None,
    notes: list[str] | None = None,
    base: str | Path | None = None,
) -> WorkspaceContents:
    """restore_workspace, giving everything the file holds. A layered file needs `base`, the
    shared base's DuckDB file: the store becomes that base with the file's difference applied
    (whatever base it was saved on: the caller compares fingerprints and says so)."""
    contents = read_workspace(data, name, store.con, max_bytes, notes)
    if contents.layered and base is None:
        raise WorkspaceFileError(
            f"{name}: this workspace was saved on top of a server's shared data and holds only what was "
            "added to it; open it through its link on that server."
        )
    con = store.con
    alias = None
    if contents.layered:
        alias = f"shared_base_{secrets.token_hex(8)}"
        con.execute(f"attach ? as {alias} (read_only)", [str(base)])
    try:
        con.begin()
        try:
            _replace_tables(con, contents, alias)
            for table, (column, sequence) in SEQUENCES.items():
                _advance_sequence(
                    con, sequence, con.execute(f"select coalesce(max({column}), 0) from {table}").fetchall()[0][0]
                )
            con.commit()
        except Exception as error:
            con.rollback()
            raise WorkspaceFileError(
                f"{name}: nothing was restored, its tables do not fit this version of "
                f"Threadline or its shared data ({str(error).splitlines()[0]})"
            ) from None
    finally:
        if alias is not None:
            con.execute(f"detach {alias}")
    store.refresh_attribution(contents.settings.timezone, contents.settings)
    return contents


def _replace_tables(con, contents: WorkspaceContents, alias: str | None) -> None:
    """Every table becomes the file's (a whole file) or the base's with the file's difference
    applied (a layered file), inside the caller's transaction."""
    shift = _id_shift(con, contents, alias) if alias else {}
    for table in WORKSPACE_TABLES:
        added = contents.tables[table]
        columns = ", ".join(f'"{column}"' for column in added.column_names)
        con.execute(f"delete from {table}")
        con.register("incoming", added)
        # Ids of the file's own loads, moved past a changed base's (see _id_shift).
        incoming = "incoming"
        moved = {column: by for (moved_table, column), by in shift.items() if moved_table == table and by}
        if moved:
            replaced = ", ".join(f'"{column}" + {int(by)} as "{column}"' for column, by in moved.items())
            incoming = f"(select * replace ({replaced}) from incoming)"
        if alias is None:
            con.execute(f"insert into {table} ({columns}) select {columns} from {incoming}")
        else:
            con.register("removed", contents.removed[table])
            key = TABLE_KEYS.get(table)
            if key:
                # The base's rows, but those whose key the file removed or changed; then its rows.
                on = " and ".join(f'b."{column}" = k."{column}"' for column in key)
                keys = ", ".join(f'"{column}"' for column in key)
                con.execute(f"""
                    insert into {table} ({columns})
                    select b.* from {alias}.main.{table} b
                    anti join (select {keys} from removed union select {keys} from {incoming}) k on {on}
                """)
            else:
                con.execute(f"""
                    insert into {table} ({columns})
                    select * from {alias}.main.{table} except all select {columns} from removed
                """)
            con.execute(f"insert into {table} ({columns}) select {columns} from {incoming}")
            con.unregister("removed")
        con.unregister("incoming")


def _id_shift(con, contents: WorkspaceContents, alias: str) -> dict[tuple[str, str], int]:
    """On a base that changed since the save, the file's load and reject ids may be ids the
    new base uses for its own files: they are moved past the base's largest (the load log and
    the rejected rows move together). On the base it was saved on they never collide."""
    shift = {}
    for table, column in (("load_log", "load_id"), ("rejected_rows", "reject_id")):
        added = contents.tables[table].column(column).to_pylist()
        base_ids = {row[0] for row in con.execute(f"select {column} from {alias}.main.{table}").fetchall()} - set(
            contents.removed[table].column(column).to_pylist()
        )
        if base_ids & set(added):
            shift[(table, column)] = max(base_ids) - min(added) + 1
    if shift.get(("load_log", "load_id")):
        shift[("rejected_rows", "load_id")] = shift[("load_log", "load_id")]
    return shift


def read_workspace(
    data: bytes, name: str, con, max_bytes: int | None = None, notes: list[str] | None = None
) -> WorkspaceContents:
    """The file's settings, tables and the rest, checked against the store's schema.

    A zip bomb is refused from its directory, before anything is inflated: the sizes it
    declares must fit max_bytes. Members are then inflated a block at a time into temporary
    files (never more bytes than declared), and each table's Parquet metadata (rows, columns,
    uncompressed size) is checked before the table is read.
    """
    max_bytes = Limits.from_environment().workspace_bytes if max_bytes is None else max_bytes
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkspaceFileError(
            f"{name}: not a readable zip file (it may be cut off or damaged); "
            "expected a workspace file downloaded from the Data page."
        ) from None
    with archive, tempfile.TemporaryDirectory(prefix="threadline-workspace-") as folder:
        members = {info.filename: info for info in archive.infolist()}
        if MANIFEST not in members:
            raise WorkspaceFileError(
                f"{name}: this zip is not a Threadline workspace file (it has no {MANIFEST}). "
                "Upload export files themselves, not zipped, or a workspace file "
                "downloaded from the Data page."
            )
        unpacked = sum(info.file_size for info in members.values())
        if unpacked > max_bytes:
            raise WorkspaceFileError(
                f"{name}: it would unpack to {megabytes(unpacked)}, over the limit of {megabytes(max_bytes)} "
                f"for a workspace file (half of {MEMORY_VARIABLE}); nothing was restored."
            )
        manifest = _json_member(archive, members, MANIFEST, name)
        entries, contents = _check_manifest(manifest, name)
        contents.settings = settings_from_dict(_json_member(archive, members, SETTINGS, name), name, notes)
        expected = _schema_columns(con)
        earlier = {
            table: [c for c in columns if c not in ADDED_COLUMNS.get(table, ())] for table, columns in expected.items()
        }
        tables, budget = {}, max_bytes
        for (table, into), (member, rows) in entries.items():
            if member not in members:
                raise WorkspaceFileError(f"{name}: {member} is listed in {MANIFEST} but missing from the zip.")
            try:
                parquet = pq.ParquetFile(_extract(archive, members[member], Path(folder) / member))
                columns, metadata = parquet.schema_arrow.names, parquet.metadata
                if columns in (expected[table], earlier[table]) and metadata.num_rows == rows:
                    # What the table takes once read: its uncompressed size, checked before reading.
                    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
                    if size > budget:
                        raise WorkspaceFileError(
                            f"{name}: {member} would take {megabytes(size)} once read; with the tables "
                            f"before it that is over the limit of {megabytes(max_bytes)} for a workspace "
                            f"file (half of {MEMORY_VARIABLE}); nothing was restored."
                        )
                    tables[(table, into)] = parquet.read()
                    budget -= max(size, tables[(table, into)].nbytes)
            except WorkspaceFileError:
                raise
            except Exception as error:  # a damaged member: zlib, CRC or Parquet errors
                raise WorkspaceFileError(
                    f"{name}: {member} could not be read ({type(error).__name__}); the file is damaged."
                ) from None
            if columns not in (expected[table], earlier[table]):
                raise WorkspaceFileError(
                    f"{name}: {member} has columns {', '.join(columns)}; expected {', '.join(expected[table])}."
                )
            if metadata.num_rows != rows:
                raise WorkspaceFileError(
                    f"{name}: {member} has {metadata.num_rows} rows but {MANIFEST} says {rows}; the file is damaged."
                )
    for (table, into), rows in tables.items():
        getattr(contents, into)[table] = rows
    return contents


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> Path:
    """One member inflated into target, a block at a time. zipfile stops at the size the
    directory declares (checked against the limit) and checks the CRC at the end."""
    with archive.open(info) as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    return target


def megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 2**20:.2f} MB"


def settings_to_dict(settings: Settings) -> dict:
    values = dataclasses.asdict(settings)
    return {
        key: (value.isoformat() if isinstance(value, dt.date) else list(value) if isinstance(value, tuple) else value)
        for key, value in values.items()
    }


def settings_from_dict(values, name: str, notes: list[str] | None = None) -> Settings:
    """Settings from their JSON form; missing fields take the default, wrong types and unusable
    values are refused (Settings.problems), numbers out of bounds are clamped with a note."""
    if not isinstance(values, dict):
        raise WorkspaceFileError(f"{name}: {SETTINGS} is not an object of settings.")
    defaults = Settings()
    known = {f.name for f in dataclasses.fields(Settings)}
    retired = sorted(set(values) & set(RETIRED) - known)
    if retired and notes is not None:
        notes += [f"The setting {key} is no longer used ({RETIRED[key]}); it was left out." for key in retired]
    values = {key: value for key, value in values.items() if key not in retired}
    unknown = sorted(set(values) - known)
    if unknown:
        raise WorkspaceFileError(f"{name}: {SETTINGS} has unknown settings {', '.join(map(str, unknown))}.")
    parsed = {}
    for key, value in values.items():
        default = getattr(defaults, key)
        problem = f"{name}: {SETTINGS} field {key} is {json.dumps(value)[:60]}; expected "
        if key == "comparison_date":
            try:
                parsed[key] = None if value is None else dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise WorkspaceFileError(problem + "a date like 2025-10-01 or null.") from None
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise WorkspaceFileError(problem + "true or false.")
            parsed[key] = value
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise WorkspaceFileError(problem + "a whole number.")
            parsed[key] = value
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise WorkspaceFileError(problem + "a number.")
            parsed[key] = float(value)
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise WorkspaceFileError(problem + "text.")
            parsed[key] = value
        else:  # tuples of text
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise WorkspaceFileError(problem + "a list of text.")
            parsed[key] = tuple(value)
    # Numbers outside today's bounds (files saved when any value >= 0 was accepted) are moved
    # into them, saying so; anything else wrong refuses the file.
    settings, moved = dataclasses.replace(defaults, **parsed).clamped()
    problems = settings.problems()
    if problems:
        raise WorkspaceFileError(f"{name}: {SETTINGS} cannot be used: " + "; ".join(map(str, problems)) + ".")
    if notes is not None:
        notes += moved
    return settings


def _check_manifest(manifest, name: str) -> tuple[dict[tuple[str, str], tuple[str, int]], WorkspaceContents]:
    """{(table, "tables" or "removed"): (member, rows)} and the manifest's other fields (in
    contents without settings or tables yet), or WorkspaceFileError."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise WorkspaceFileError(
            f'{name}: {MANIFEST} does not describe a Threadline workspace (expected "format": "{FORMAT}").'
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise WorkspaceFileError(f"{name}: {MANIFEST} has no valid format_version.")
    if version > FORMAT_VERSION:
        raise WorkspaceFileError(
            f"{name}: saved by a newer Threadline (format {version}); this server reads up to {FORMAT_VERSION}."
        )
    contents = WorkspaceContents(Settings(), {}, format_version=version)
    if isinstance(manifest.get("created_at"), str):
        contents.created_at = manifest["created_at"][:40]
    if version >= 2:
        fingerprint = manifest.get("base_fingerprint")
        if not (fingerprint is None or (isinstance(fingerprint, str) and 0 < len(fingerprint) <= 128)):
            raise WorkspaceFileError(f"{name}: {MANIFEST} field base_fingerprint should be null or text.")
        contents.base_fingerprint = fingerprint
        contents.column_mappings = check_column_mappings(manifest.get("column_mappings", []), name)
        contents.date_order = manifest.get("date_order")
        if contents.date_order not in (None, *DATE_ORDERS):
            raise WorkspaceFileError(f'{name}: {MANIFEST} field date_order should be null, "dmy" or "mdy".')
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        raise WorkspaceFileError(f"{name}: {MANIFEST} lists no tables.")
    unknown = sorted(set(tables) - set(WORKSPACE_TABLES))
    missing = [table for table in WORKSPACE_TABLES if table not in tables]
    if unknown or missing:
        raise WorkspaceFileError(
            f"{name}: {MANIFEST} lists unknown tables {', '.join(unknown) or 'none'} "
            f"and lacks {', '.join(missing) or 'none'}; expected {', '.join(WORKSPACE_TABLES)}."
        )
    entries = {}
    for table in WORKSPACE_TABLES:
        entry = tables[table]
        if not (
            isinstance(entry, dict)
            and entry.get("file") == f"{table}.parquet"
            and _count(entry.get("rows"))
            and (
                not contents.layered
                or (entry.get("removed_file") == f"{table}.removed.parquet" and _count(entry.get("removed_rows")))
            )
        ):
            removed = (
                f', "removed_file": "{table}.removed.parquet", "removed_rows": <count>' if contents.layered else ""
            )
            raise WorkspaceFileError(
                f'{name}: {MANIFEST} entry for {table} should be {{"file": "{table}.parquet", "rows": <count>{removed}}}.'
            )
        entries[(table, "tables")] = (entry["file"], entry["rows"])
        if contents.layered:
            entries[(table, "removed")] = (entry["removed_file"], entry["removed_rows"])
    return entries, contents


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _json_member(archive: zipfile.ZipFile, members: dict, member: str, name: str):
    if member not in members:
        raise WorkspaceFileError(f"{name}: {member} is missing from the zip.")
    if members[member].file_size > MAX_JSON_MEMBER_BYTES:
        raise WorkspaceFileError(
            f"{name}: {member} would unpack to {megabytes(members[member].file_size)}; "
            f"a workspace's {member} is a few KB (at most {megabytes(MAX_JSON_MEMBER_BYTES)})."
        )
    try:
        return json.loads(archive.read(member).decode("utf-8"))
    except Exception:  # damaged member, bad UTF-8 or bad JSON
        raise WorkspaceFileError(f"{name}: {member} is not readable JSON; the file is damaged.") from None


def _schema_columns(con) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_name in (select unnest(?)) order by table_name, ordinal_position",
        [list(WORKSPACE_TABLES)],
    ).fetchall():
        columns.setdefault(table, []).append(column)
    return columns


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _advance_sequence(con, sequence: str, at_least: int) -> None:
    """Make the sequence's next value exceed at_least (DuckDB cannot restart a sequence a
    column default uses); a gap in ids is harmless."""
    current = con.execute(f"select nextval('{sequence}')").fetchall()[0][0]
    if current < at_least:
        con.execute(f"select max(nextval('{sequence}')) from range(?)", [at_least - current]).fetchall()
