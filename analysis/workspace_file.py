"""The workspace file: a visitor's whole store (normalised data plus settings) as one zip.

Layout (format version 1):

    manifest.json        {"format": "threadline-workspace", "format_version": 1, "created_at": ...,
                          "tables": {"work_items": {"file": "work_items.parquet", "rows": 42}, ...}}
    settings.json        every Settings field (dates as ISO text, tuples as lists)
    <table>.parquet      one per table in WORKSPACE_TABLES, columns as in queries/schema.sql

The derived tables (team attribution, report windows) are not saved: restoring recomputes them.
Restoring reads and checks the whole file before it touches the store, then replaces every
table in one transaction, so a corrupt or foreign file changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .bounded_parse import MEMORY_VARIABLE, Limits
from .importers.base import TABLE_COLUMNS
from .settings import RETIRED, Settings
from .store import Store

FORMAT = "threadline-workspace"
FORMAT_VERSION = 1
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
# manifest.json and settings.json are a few KB; a table's size is capped by Limits.workspace_bytes.
MAX_JSON_MEMBER_BYTES = 2**20
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class WorkspaceFileError(Exception):
    """The file is not a usable workspace file; the message says why (nothing was changed)."""


def is_workspace_file(name: str, data: bytes) -> bool:
    """A zip (by content or name) goes to restore_workspace, which explains what is wrong with a
    zip that is not a workspace; every other file goes to the export importers."""
    return data[:4] in ZIP_MAGIC or name.lower().endswith(".zip")


def export_workspace(con, settings: Settings) -> bytes:
    """Every data table as Parquet, the settings and a manifest, zipped."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tables": {},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in WORKSPACE_TABLES:
            rows = con.sql(f"select * from {table}").to_arrow_table()
            parquet = io.BytesIO()
            pq.write_table(rows, parquet, compression="zstd")
            member = f"{table}.parquet"
            archive.writestr(member, parquet.getvalue(), compress_type=zipfile.ZIP_STORED)  # already compressed
            manifest["tables"][table] = {"file": member, "rows": rows.num_rows}
        archive.writestr(SETTINGS, json.dumps(settings_to_dict(settings), indent=2))
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return buffer.getvalue()


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
    settings, tables = read_workspace(data, name, store.con, max_bytes, notes)
    con = store.con
    con.begin()
    try:
        for table in WORKSPACE_TABLES:
            columns = ", ".join(f'"{column}"' for column in tables[table].column_names)
            con.execute(f"delete from {table}")
            con.register("incoming", tables[table])
            con.execute(f"insert into {table} ({columns}) select {columns} from incoming")
            con.unregister("incoming")
        for table, (column, sequence) in SEQUENCES.items():
            _advance_sequence(
                con, sequence, con.execute(f"select coalesce(max({column}), 0) from {table}").fetchall()[0][0]
            )
        con.commit()
    except Exception as error:
        con.rollback()
        raise WorkspaceFileError(
            f"{name}: nothing was restored, its tables do not fit this version of "
            f"Threadline ({str(error).splitlines()[0]})"
        ) from None
    store.refresh_attribution(settings.timezone, settings)
    return settings


def read_workspace(
    data: bytes, name: str, con, max_bytes: int | None = None, notes: list[str] | None = None
) -> tuple[Settings, dict[str, pa.Table]]:
    """The file's settings and tables, checked against the store's schema.

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
        entries = _check_manifest(manifest, name)
        settings = settings_from_dict(_json_member(archive, members, SETTINGS, name), name, notes)
        expected = _schema_columns(con)
        earlier = {
            table: [c for c in columns if c not in ADDED_COLUMNS.get(table, ())] for table, columns in expected.items()
        }
        tables, budget = {}, max_bytes
        for table in WORKSPACE_TABLES:
            member, rows = entries[table]
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
                    tables[table] = parquet.read()
                    budget -= max(size, tables[table].nbytes)
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
    return settings, tables


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


def _check_manifest(manifest, name: str) -> dict[str, tuple[str, int]]:
    """{table: (member, rows)} from a manifest, or WorkspaceFileError."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise WorkspaceFileError(
            f'{name}: {MANIFEST} does not describe a Threadline workspace (expected "format": "{FORMAT}").'
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise WorkspaceFileError(f"{name}: {MANIFEST} has no valid format_version.")
    if version > FORMAT_VERSION:
        raise WorkspaceFileError(
            f"{name}: made by a newer Threadline (workspace format {version}); this one reads format {FORMAT_VERSION}."
        )
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
            and isinstance(entry.get("rows"), int)
            and entry["rows"] >= 0
        ):
            raise WorkspaceFileError(
                f'{name}: {MANIFEST} entry for {table} should be {{"file": "{table}.parquet", "rows": <count>}}.'
            )
        entries[table] = (entry["file"], entry["rows"])
    return entries


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


def _advance_sequence(con, sequence: str, at_least: int) -> None:
    """Make the sequence's next value exceed at_least (DuckDB cannot restart a sequence a
    column default uses); a gap in ids is harmless."""
    current = con.execute(f"select nextval('{sequence}')").fetchall()[0][0]
    if current < at_least:
        con.execute(f"select max(nextval('{sequence}')) from range(?)", [at_least - current]).fetchall()
