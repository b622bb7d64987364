"""Jira CSV exports: "Export CSV (all fields)" and "(current fields)", Cloud and Server/DC,
with English, Spanish or Russian headers and month names.

Python reads only the header row, to map repeated and localised column names to positions.
One DuckDB pass then reads every row, parses dates and merges repeated columns straight into
Arrow; the checks that follow (bad rows, repeated keys, links) are small queries over that
result. A million-row export loads in a small multiple of DuckDB's own read time.
"""
from __future__ import annotations

import bisect
import codecs
import csv
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .base import (
    SNIFF_BYTES, TABLE_COLUMNS, FileRefused, ImportOptions, ParseResult, Reject, Sample,
    detect_encoding, frame, guess_delimiter,
)

KIND = "jira_csv"

# "Custom field (X)" in each export language.
CUSTOM_FIELD_PREFIXES = ("Custom field", "Campo personalizado", "Пользовательское поле")


def _custom(*names: str) -> tuple[str, ...]:
    return tuple(f"{prefix} ({name})" for name in names for prefix in CUSTOM_FIELD_PREFIXES)


# Canonical field -> header names that carry it, most specific first. When several are present
# (or one is repeated, like Server/DC's two "Custom field (Team)"), the first non-empty wins.
# Names seen in real exports: ../shared/samples/jira_csv. Compared case-insensitively.
SINGLE_FIELDS: dict[str, tuple[str, ...]] = {
    "item_key": ("Issue key", "Clave de incidencia", "Ключ проблемы", "Ключ задачи"),
    "item_id": ("Issue id", "ID de la incidencia", "Идентификатор проблемы"),
    "project_key": ("Project key", "Clave del proyecto", "Ключ проекта"),
    "title": ("Summary", "Resumen", "Тема"),
    "item_type": ("Issue Type", "Tipo de Incidencia", "Тип задачи"),
    "status": ("Status", "Estado", "Статус"),
    "status_category": ("Status Category", "Categoría de estado", "Категория статуса"),
    "priority": ("Priority", "Prioridad", "Приоритет"),
    "resolution": ("Resolution", "Resolución", "Решение"),
    "assignee": ("Assignee", "Persona asignada", "Исполнитель"),
    "reporter": ("Reporter", "Informador", "Автор"),
    "team_field": _custom("Team") + ("Team",),
    # A parent named by key; "Parent" / "Parent id" usually hold the parent's numeric id.
    "parent_ref": ("Parent key",) + _custom("Epic Link"),
    "parent_id": ("Parent", "Parent id"),
    "story_points": _custom("Story Points", "Story point estimate"),
    "flagged": _custom("Flagged") + ("Flagged",),
    # Russian "Обновленo" really ends in a Latin "o" in Jira's export; both spellings accepted.
    "created": ("Created", "Creada", "Создано"),
    "updated": ("Updated", "Actualizada", "Обновленo", "Обновлено"),
    "resolved": ("Resolved", "Resuelta", "Дата решения"),
    "due": ("Due date", "Fecha de vencimiento", "Срок исполнения"),
}

LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "components": ("Components", "Component/s", "Componentes", "Компоненты"),
    "labels": ("Labels", "Etiquetas", "Метки"),
    "fix_versions": ("Fix versions", "Fix Version/s", "Versiones de corrección",
                     "Исправить в версиях"),
    "sprints": ("Sprint", "Спринт"),
}

LINK_PREFIXES = {
    "inward": ("Inward issue link", "Enlace a la incidencia interna", "Входящая связь задачи"),
    "outward": ("Outward issue link", "Enlace de incidencia saliente",
                "Внешняя ссылка на проблему"),
}
LINK_HEADER = re.compile(
    r"^(?P<prefix>" + "|".join(re.escape(p) for ps in LINK_PREFIXES.values() for p in ps)
    + r")\s*\((?P<type>.+)\)$",
    re.IGNORECASE,
)

# Month abbreviations Jira writes in Spanish and Russian dates, to English ones for strptime
# (abbreviations shared with English, like "feb" or "nov", need no entry).
LOCAL_MONTHS = {
    "ene": "Jan", "abr": "Apr", "ago": "Aug", "sept": "Sep", "dic": "Dec",
    "янв": "Jan", "фев": "Feb", "мар": "Mar", "апр": "Apr", "мая": "May", "май": "May",
    "июн": "Jun", "июл": "Jul", "авг": "Aug", "сен": "Sep", "окт": "Oct", "ноя": "Nov",
    "дек": "Dec",
}
# Jira's default "dd/MMM/yy h:mm a", the 24-hour variant, and ISO forms, tried in order.
TIMESTAMP_FORMATS = [
    "%d/%b/%y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%Y %I:%M %p", "%d/%b/%Y %H:%M",
    "%d/%b/%y %I:%M:%S %p", "%d/%b/%y %H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f",
]
DATE_FORMATS = ["%d/%b/%y", "%d/%b/%Y", "%Y-%m-%d"] + TIMESTAMP_FORMATS
TIMESTAMP_EXAMPLE = "15/Feb/26 4:37 PM"
DATE_EXAMPLE = "15/Feb/26"

# A row may hold a huge pasted description; DuckDB silently drops rows over its line limit.
MAX_ROW_BYTES = 256 * 1024 * 1024
DUCKDB_MEMORY = "2GB"
DUCKDB_THREADS = 2
# DuckDB's error bookkeeping can run away (minutes, gigabytes) on a file whose quoting breaks
# early and leaves millions of unreadable lines; past these limits the read is stopped.
READ_MEMORY_GROWTH = 2.5 * 2**30
READ_SECONDS = 60.0
READ_SECONDS_PER_MB = 0.5

NO_CHANGELOG_NOTE = "no changelog in a CSV export: timeline accuracy uses final due dates"


def _norm(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().casefold()


ALIAS_INDEX = {_norm(alias): canonical
               for table in (SINGLE_FIELDS, LIST_FIELDS)
               for canonical, aliases in table.items() for alias in aliases}
CUSTOM_FIELD_STARTS = tuple(prefix.casefold() + " (" for prefix in CUSTOM_FIELD_PREFIXES)


def detect(sample: Sample) -> str | None:
    """A Jira export has an issue-key column beside other Jira fields, or (a header excerpt)
    several "Custom field (...)" columns, which no other tool writes."""
    header = sample.csv_header()
    known = {ALIAS_INDEX.get(_norm(name)) for name in header}
    custom_columns = sum(_norm(name).startswith(CUSTOM_FIELD_STARTS) for name in header)
    if ("item_key" in known and len(known - {"item_key", None}) >= 2) or custom_columns >= 2:
        return KIND
    return None


@dataclass
class HeaderMap:
    """Which column positions feed each canonical field."""
    names: list[str]
    single: dict[str, list[int]] = field(default_factory=dict)
    lists: dict[str, list[int]] = field(default_factory=dict)
    links: list[tuple[str, str, int]] = field(default_factory=list)  # type, direction, position

    def label(self, canonical: str) -> str:
        """The file's own header name for a field, for messages."""
        positions = self.single.get(canonical)
        return self.names[positions[0]].strip() if positions else SINGLE_FIELDS[canonical][0]


def map_header(names: list[str]) -> HeaderMap:
    mapping = HeaderMap(names=names)
    by_name: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        by_name.setdefault(_norm(name), []).append(position)
    for table, target in ((SINGLE_FIELDS, mapping.single), (LIST_FIELDS, mapping.lists)):
        for canonical, aliases in table.items():
            positions = [p for alias in aliases for p in by_name.get(_norm(alias), [])]
            if positions:
                target[canonical] = positions
    inward = {p.casefold() for p in LINK_PREFIXES["inward"]}
    for position, name in enumerate(names):
        match = LINK_HEADER.match(name.strip())
        if match:
            direction = "inward" if match["prefix"].casefold() in inward else "outward"
            mapping.links.append((match["type"].strip(), direction, position))
    return mapping


# ---------------------------------------------------------------------------------------------
# The read. Identifiers are column<position> only; every value from the file or the user is a
# bound parameter. DuckDB reads empty cells, quoted or not, as NULL.

def _col(position: int) -> str:
    return f"column{position}"


def _text(positions: list[int] | None) -> str:
    """First non-empty value among the columns, or NULL."""
    if not positions:
        return "cast(null as varchar)"
    columns = [_col(p) for p in positions]
    return columns[0] if len(columns) == 1 else f"coalesce({', '.join(columns)})"


def _list(positions: list[int] | None) -> str:
    """Non-empty values of repeated columns as a list; NULL when the export lacks the field."""
    if not positions:
        return "cast(null as varchar[])"
    values = ", ".join(_col(p) for p in positions)
    return f"list_filter(list_value({values}), lambda x: x is not null)"


# Spanish and Russian dates become English before strptime: month via the bound lists,
# "p. m." / "a. m." to PM / AM. Tried only when the text does not parse as it is.
MACROS = r"""
create temp macro english_date(s, local_months, english_months) as (
    case when regexp_matches(s, '^\s*\d{1,2}/[^/]+/') then
        regexp_extract(s, '^\s*(\d{1,2})/', 1) || '/'
        || coalesce(
            english_months[list_position(local_months,
                lower(rtrim(regexp_extract(s, '^\s*\d{1,2}/([^/]+)/', 1), '.')))],
            regexp_extract(s, '^\s*\d{1,2}/([^/]+)/', 1))
        || '/'
        || regexp_replace(regexp_extract(s, '^\s*\d{1,2}/[^/]+/(.*)$', 1),
                          '\s*([aApP])\.?\s*[mM]\.?\s*$', ' \1M')
    else s end
);
create temp macro jira_time(s, formats, local_months, english_months) as
    coalesce(try_strptime(s, formats),
             try_strptime(english_date(s, local_months, english_months), formats));
"""

DATE_FIELDS = {"created": "created_at", "updated": "updated_at", "resolved": "resolved_at",
               "due": "due_date"}
NUMERIC_ID = r"'\s*[0-9]+\s*'"


def build_read_query(header: HeaderMap) -> str:
    """One pass over the CSV: work item columns, link cells, and what the checks need.

    Times stay naive (wall-clock time in the export's zone); parse() makes them UTC in Arrow,
    several times cheaper than ICU per row. A date's text is kept only when it failed to parse,
    for the reject message.
    """
    s = header.single
    texts = {name: _text(s.get(name)) for name in SINGLE_FIELDS}
    texts["item_key"] = f"nullif(trim({texts['item_key']}), '')"
    inner = [f"{expr} as {name}" for name, expr in texts.items()]
    inner += [f"jira_time({texts[name]}, $ts_formats, $local, $english) as {DATE_FIELDS[name]}"
              for name in ("created", "updated", "resolved")]
    inner.append(f"cast(jira_time({texts['due']}, $date_formats, $local, $english) as date) "
                 "as due_date")
    inner += [f"{_list(header.lists.get(name))} as {name}" for name in LIST_FIELDS]
    inner += [f"{_col(position)} as link_{i}" for i, (_, _, position) in enumerate(header.links)]

    flagged = "flagged is not null" if "flagged" in s else "cast(null as boolean)"
    outer = [
        "item_key", "item_id", "project_key", "title", "item_type", "status", "status_category",
        "priority", "resolution", "assignee", "reporter", "team_field", *LIST_FIELDS,
        # A numeric parent id is looked up among the file's issues after the read.
        f"coalesce(case when not regexp_full_match(parent_id, {NUMERIC_ID}) then parent_id end,"
        " parent_ref) as parent_key",
        f"case when regexp_full_match(parent_id, {NUMERIC_ID}) then trim(parent_id) end"
        " as parent_number",
        "try_cast(replace(trim(story_points), ',', '.') as double) as story_points",
        *DATE_FIELDS.values(),
        "cast(null as date) as first_due_date", "cast(null as integer) as due_date_changes",
        f"{flagged} as is_flagged", "false as has_changelog", "cast(null as varchar) as url",
        *(f"link_{i}" for i in range(len(header.links))),
        *(f"case when {parsed} is null then {name} end as {name}_text"
          for name, parsed in DATE_FIELDS.items()),
        "item_key is not null and created_at is not null"
        " and (updated is null or updated_at is not null)"
        " and (resolved is null or resolved_at is not null)"
        " and (due is null or due_date is not null) as is_valid",
    ]
    return f"""
select {', '.join(outer)}
from (
    select {', '.join(inner)}
    from read_csv($path, auto_detect = false, header = false, skip = 1, columns = $columns,
                  delim = $delim, quote = '"', escape = '"', strict_mode = true,
                  store_rejects = true, max_line_size = {MAX_ROW_BYTES})
)
"""


# Lines DuckDB could not split into the header's number of fields, with the first error of
# each (a short line gets one "missing column" error per column it lacks). Blank lines are not
# rows.
CSV_ERRORS_SQL = """
select line, arg_min(error_type, column_idx), arg_min(error_message, column_idx),
       bool_and(trim(csv_line) = '') as is_blank
from reject_errors
group by line
order by line
"""

BAD_ROWS_SQL = """
select pos, item_key, created_at is null, created_text, updated_text, resolved_text, due_text
from raw
where not is_valid
order by pos
"""

# Valid rows whose key appears again: all but the latest Updated (then the later row) are
# dropped. Only repeated keys are ranked, so the usual file costs one hash aggregate.
DROPPED_SQL = """
select pos, item_key, kept_pos from (
    select pos, item_key,
        row_number() over latest as copy_rank,
        first_value(pos) over latest as kept_pos
    from raw
    where is_valid
      and item_key in (select item_key from raw where is_valid
                       group by item_key having count(*) > 1)
    window latest as (partition by item_key order by updated_at desc nulls last, pos desc)
)
where copy_rank > 1
order by pos
"""


def links_query(header: HeaderMap) -> str:
    """Every non-empty link cell of the kept rows, one row each; $type_i/$direction_i bound."""
    if not header.links:
        return ("select cast(null as varchar) as item_key, cast(null as varchar) as link_type, "
                "cast(null as varchar) as direction, cast(null as varchar) as linked_key "
                "where false")
    cells = "\nunion all\n".join(
        f"select item_key, $type_{i} as link_type, $direction_{i} as direction, "
        f"trim(link_{i}) as linked_key from kept where link_{i} is not null"
        for i in range(len(header.links)))
    return (f"select distinct item_key, link_type, direction, linked_key from (\n{cells}\n) "
            "where linked_key <> ''")


# ---------------------------------------------------------------------------------------------

def parse(path: Path, kind: str, options: ImportOptions) -> ParseResult:
    path = Path(path)
    _check_timezone(options.timezone)
    result = ParseResult(kind=kind, notes=[
        NO_CHANGELOG_NOTE,
        f"times read as {options.timezone} local time (Jira CSV exports carry no zone)",
    ])
    with tempfile.TemporaryDirectory(prefix="threadline_jira_") as workdir:
        source, delimiter, names = _utf8_source(path, Path(workdir))
        header = map_header(names)
        missing = [name for name in ("item_key", "created") if name not in header.single]
        if missing:
            wanted = " and ".join(" / ".join(SINGLE_FIELDS[name][:3]) for name in missing)
            result.rejects.append(Reject(
                row=None, field=SINGLE_FIELDS[missing[0]][0],
                reason=f"{path.name}: no {wanted} column in the header, so no row can be used "
                       "(export with all fields, or include these columns)"))
            result.tables = {"work_items": frame("work_items", []), "links": frame("links", [])}
            return result
        with _connect(Path(workdir)) as con:
            raw = _read(con, path, source, delimiter, header)
            raw = raw.append_column("pos", pa.array(np.arange(raw.num_rows, dtype=np.int64)))
            con.register("raw", raw)
            skipped_rows, unreadable = _csv_rejects(con, len(names), delimiter, result)
            row_number = _row_numbers(skipped_rows)
            bad_rows = _field_rejects(con, header, row_number, result)
            dropped = _duplicate_rejects(con, header, row_number, result)
            result.rows_read = raw.num_rows + unreadable

            kept = raw
            if bad_rows or dropped:
                is_dropped = pc.is_in(raw["pos"], value_set=pa.array(dropped, pa.int64()))
                kept = raw.filter(pc.and_(raw["is_valid"], pc.invert(is_dropped)))
            con.register("kept", kept)
            link_params = {}
            for i, (link_type, direction, _) in enumerate(header.links):
                link_params[f"type_{i}"] = link_type
                link_params[f"direction_{i}"] = direction
            links = con.sql(links_query(header), params=link_params or None).to_arrow_table()
    work_items, unresolved = _resolve_parents(kept)
    if unresolved:
        result.notes.append(
            f"{unresolved} issues name a parent id that is not in this file; "
            "their parent is left empty (export the parents too)")
    result.rejects.sort(key=lambda r: (r.row is not None, r.row or 0))
    result.tables = {
        "work_items": _to_utc(work_items.select(list(TABLE_COLUMNS["work_items"])),
                              options.timezone),
        "links": links,
    }
    return result


def _read(con, path: Path, source: Path, delimiter: str, header: HeaderMap) -> pa.Table:
    """The one pass over the file, stopped with a clear refusal if it runs away."""
    con.execute(MACROS)
    params = {
        "path": str(source), "delim": delimiter,
        "columns": {_col(i): "VARCHAR" for i in range(len(header.names))},
        "ts_formats": TIMESTAMP_FORMATS, "date_formats": DATE_FORMATS,
        "local": list(LOCAL_MONTHS), "english": list(LOCAL_MONTHS.values()),
    }
    seconds = READ_SECONDS + READ_SECONDS_PER_MB * source.stat().st_size / 2**20
    watchdog = _Watchdog(con, seconds)
    try:
        with watchdog:
            return con.sql(build_read_query(header), params=params).to_arrow_table()
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.InterruptException) as error:
        if watchdog.tripped:
            raise FileRefused(
                f"{path.name}: reading stopped after {watchdog.tripped}; the file is probably "
                "not a well-formed CSV from its early rows on (an unbalanced quote?). Expected a "
                "Jira CSV export with every quoted cell closed.") from None
        raise FileRefused(
            f"{path.name}: could not be read as a Jira CSV export "
            f"({str(error).splitlines()[0]}); expected cells separated by "
            f"{_delimiter_name(delimiter)}s, quoted with \" where needed.") from None


class _Watchdog:
    """Interrupts a DuckDB call that outgrows a memory or time budget."""

    def __init__(self, con, seconds: float):
        self.con, self.seconds, self.tripped = con, seconds, ""
        self._done = threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        start, deadline = _resident_bytes(), time.monotonic() + self.seconds
        while not self._done.wait(0.2):
            if _resident_bytes() - start > READ_MEMORY_GROWTH:
                self.tripped = f"using more than {READ_MEMORY_GROWTH / 2**30:.1f} GB"
            elif time.monotonic() > deadline:
                self.tripped = f"{self.seconds:.0f} seconds"
            if self.tripped:
                self.con.interrupt()
                return


def _resident_bytes() -> int:
    """This process's resident memory (Linux); 0 elsewhere, which disables the memory check."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _resolve_parents(kept: pa.Table) -> tuple[pa.Table, int]:
    """Numeric parent ids become the parent's key when the parent is in the same file."""
    numbers = kept["parent_number"]
    if numbers.null_count == len(numbers):
        return kept, 0
    # Hash only the issues that are someone's parent, not every issue of the file.
    is_parent = pc.is_in(kept["item_id"], value_set=pc.unique(numbers.drop_null()))
    parents = kept.select(["item_id", "item_key"]).filter(is_parent)
    found = pc.index_in(numbers, value_set=parents["item_id"].combine_chunks())
    parent_keys = pc.coalesce(pc.take(parents["item_key"], found), kept["parent_key"])
    unresolved = pc.sum(pc.and_(pc.is_valid(numbers), pc.is_null(found))).as_py() or 0
    position = kept.schema.get_field_index("parent_key")
    return kept.set_column(position, "parent_key", parent_keys), unresolved


def _to_utc(table: pa.Table, timezone: str) -> pa.Table:
    """Naive export times, read as wall-clock time in `timezone`, as UTC instants.

    In a repeated autumn hour the earlier instant is taken; a time in the spring gap moves to
    the first instant after it.
    """
    utc = pa.timestamp("us", tz="UTC")
    for name in ("created_at", "updated_at", "resolved_at"):
        column = table[name]
        if timezone != "UTC":
            column = pc.assume_timezone(column, timezone=timezone,
                                        ambiguous="earliest", nonexistent="latest")
        table = table.set_column(table.schema.get_field_index(name), name, column.cast(utc))
    return table


def _connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    """A private connection with bounded threads and memory; spills to the temp folder."""
    spill = workdir / "spill"
    spill.mkdir()
    return duckdb.connect(":memory:", config={
        "threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY,
        "temp_directory": str(spill), "preserve_insertion_order": True,
    })


def _check_timezone(timezone: str) -> None:
    """The option is the user's, not the file's: a bad one is a ValueError, not a reject."""
    try:
        pc.assume_timezone(pa.array([0], pa.timestamp("us")), timezone=timezone)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        raise ValueError(
            f"unknown time zone {timezone!r}: expected an IANA name like Europe/Madrid or UTC"
        ) from None


def _utf8_source(path: Path, workdir: Path) -> tuple[Path, str, list[str]]:
    """The file as UTF-8 (transcoded to a temp file when it is not), its delimiter and header."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise FileRefused(f"{path.name}: the file is empty (expected a Jira CSV export).")
    encoding = detect_encoding(head)
    source = path
    if encoding not in ("utf-8", "utf-8-sig"):
        source = workdir / "utf8.csv"
        _transcode(path, encoding, source)
    with open(source, encoding="utf-8-sig", errors="replace", newline="") as handle:
        first_line = handle.readline(SNIFF_BYTES)
    delimiter = guess_delimiter(first_line)
    try:
        names = next(csv.reader([first_line.rstrip("\r\n")], delimiter=delimiter))
    except (StopIteration, csv.Error) as error:
        raise FileRefused(f"{path.name}: cannot read the header row ({error}).") from None
    if len(names) < 2:
        raise FileRefused(
            f"{path.name}: the header row has no separated columns "
            "(expected a Jira CSV export separated by commas, semicolons or tabs).")
    return source, delimiter, names


def _transcode(path: Path, encoding: str, target: Path, chunk_bytes: int = 1 << 20) -> None:
    """Stream a UTF-16 or cp1252 file into UTF-8, one chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(chunk_bytes):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon"}[delimiter]


def _csv_rejects(con, expected: int, delimiter: str,
                 result: ParseResult) -> tuple[list[int], int]:
    """Rejects for lines DuckDB could not read.

    Returns every data row left out of the read (for numbering the others) and how many of
    them were real rows rather than blank lines.
    """
    skipped, unreadable = [], 0
    name = _delimiter_name(delimiter)
    for line, error_type, message, is_blank in con.execute(CSV_ERRORS_SQL).fetchall():
        row = line - 1                       # DuckDB counts the header as line 1
        skipped.append(row)
        if is_blank:
            continue
        unreadable += 1
        found = re.search(r"Found: (\d+)", message or "")
        if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS") and found:
            # DuckDB stops counting at the first extra field.
            count = found[1] if error_type == "MISSING COLUMNS" else f"more than {expected}"
            reason = (f"row has {count} fields, expected {expected} like the header "
                      f"({name}-separated); a cell may hold an unquoted {name} or a stray quote")
        elif error_type == "UNQUOTED VALUE":
            reason = ('a quoted cell is not closed properly: expected a closing " before the '
                      "next separator (the file may be cut off here)")
        elif error_type == "LINE SIZE OVER MAXIMUM":
            reason = (f"row is larger than {MAX_ROW_BYTES // 2**20} MB; expected Jira cells of "
                      "at most 32,767 characters")
        elif error_type in ("INVALID ENCODING", "INVALID UNICODE"):
            reason = ("row is not valid UTF-8 while the rest of the file is: expected one "
                      "encoding for the whole file (re-export from Jira)")
        else:
            reason = f"cannot read this row as CSV: {message}"
        result.rejects.append(Reject(row=row, field=None, reason=reason))
    return skipped, unreadable


def _row_numbers(skipped_rows: list[int]):
    """Map a position in the read to its 1-based data row, given the rows the read left out."""
    # The (k+1)-th row read comes after every skipped row j with skipped[j] - j - 1 <= k.
    thresholds = [row - index - 1 for index, row in enumerate(skipped_rows)]
    return lambda position: position + 1 + bisect.bisect_right(thresholds, position)


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _field_rejects(con, header: HeaderMap, row_number, result: ParseResult) -> int:
    """One reject per row with a missing key or creation date, or a date that does not parse."""
    examples = {"created": TIMESTAMP_EXAMPLE, "updated": TIMESTAMP_EXAMPLE,
                "resolved": TIMESTAMP_EXAMPLE, "due": DATE_EXAMPLE}
    bad_rows = con.execute(BAD_ROWS_SQL).fetchall()
    for position, key, no_created, *bad_texts in bad_rows:
        problems: list[tuple[str, str]] = []
        if key is None:
            label = header.label("item_key")
            problems.append((label, f"{label} is empty: expected an issue key like ABC-123"))
        if no_created and bad_texts[0] is None:
            label = header.label("created")
            problems.append((label, f"{label} is empty: every issue needs a creation date "
                                    f"like {TIMESTAMP_EXAMPLE}"))
        for name, text in zip(DATE_FIELDS, bad_texts):
            if text is not None:
                label = header.label(name)
                problems.append(
                    (label, f'{label}: "{_shown(text)}" is not a date like {examples[name]}'))
        result.rejects.append(Reject(
            row=row_number(position), field=problems[0][0],
            reason="; ".join(reason for _, reason in problems)))
    return len(bad_rows)


def _duplicate_rejects(con, header: HeaderMap, row_number, result: ParseResult) -> list[int]:
    """Rejects for the dropped copies of repeated keys; returns their positions."""
    label, updated = header.label("item_key"), header.label("updated")
    dropped = con.execute(DROPPED_SQL).fetchall()
    for position, key, kept in dropped:
        result.rejects.append(Reject(
            row=row_number(position), field=label,
            reason=f'{label}: "{_shown(key)}" appears more than once; kept row '
                   f"{row_number(kept)}, which has the latest {updated}"))
    return [position for position, _, _ in dropped]
