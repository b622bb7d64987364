"""Jira CSV exports: "Export CSV (all fields)" and "(current fields)", Cloud and Server/DC,
with English, Spanish or Russian headers and month names.

Python reads only the header row, to map repeated and localised column names to positions.
DuckDB does the rest (reading, date parsing, list merging, checks) so a million-row export loads
in about the time DuckDB needs to read it.
"""
from __future__ import annotations

import bisect
import codecs
import csv
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
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
    # A parent given by key; "Parent"/"Parent id" usually hold the parent's numeric id.
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

# Month abbreviations Jira writes in Spanish and Russian dates, to English ones for strptime.
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

# Rows may hold a huge description; DuckDB drops (and garbles) rows over this size.
MAX_ROW_BYTES = 256 * 1024 * 1024
DUCKDB_MEMORY = "2GB"
DUCKDB_THREADS = 2

NO_CHANGELOG_NOTE = "no changelog in a CSV export: timeline accuracy uses final due dates"


def _norm(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().casefold()


ALIAS_INDEX = {_norm(alias): canonical
               for table in (SINGLE_FIELDS, LIST_FIELDS)
               for canonical, aliases in table.items() for alias in aliases}


def detect(sample: Sample) -> str | None:
    """A Jira export has an issue-key column beside other Jira fields, or (a header excerpt)
    several "Custom field (...)" columns, which no other tool writes."""
    header = sample.csv_header()
    known = [ALIAS_INDEX.get(_norm(name)) for name in header]
    has_key = "item_key" in known
    other_fields = {name for name in known if name and name != "item_key"}
    custom_columns = sum(1 for name in header if _custom_field_name(name) is not None)
    if (has_key and len(other_fields) >= 2) or custom_columns >= 2:
        return KIND
    return None


def _custom_field_name(header: str) -> str | None:
    for prefix in CUSTOM_FIELD_PREFIXES:
        if _norm(header).startswith(prefix.casefold() + " (") and header.strip().endswith(")"):
            return header
    return None


@dataclass
class HeaderMap:
    """Which column positions feed each canonical field."""
    names: list[str]
    single: dict[str, list[int]] = field(default_factory=dict)
    lists: dict[str, list[int]] = field(default_factory=dict)
    links: list[tuple[str, str, list[int]]] = field(default_factory=list)  # type, direction, cols

    def label(self, canonical: str) -> str:
        """The file's own header name for a field, for messages."""
        positions = self.single.get(canonical)
        if positions:
            return self.names[positions[0]].strip()
        return SINGLE_FIELDS[canonical][0]


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
    groups: dict[tuple[str, str], list[int]] = {}
    for position, name in enumerate(names):
        match = LINK_HEADER.match(name.strip())
        if match:
            prefix = match["prefix"].casefold()
            direction = next(d for d, ps in LINK_PREFIXES.items()
                             if prefix in {p.casefold() for p in ps})
            groups.setdefault((match["type"].strip(), direction), []).append(position)
    mapping.links = [(link_type, direction, cols) for (link_type, direction), cols in groups.items()]
    return mapping


# ---------------------------------------------------------------------------------------------
# SQL building. Identifiers are column<position> only; every value from the file or the user is
# a bound parameter. DuckDB reads empty cells (quoted or not) as NULL, so text needs no nullif.

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
    return f"list_filter(list_value({values}), lambda x: x is not null and x <> '')"


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

DATE_FIELDS = ("created", "updated", "resolved", "due")


def build_raw_query(header: HeaderMap) -> str:
    """One pass over the CSV: the fields we keep, parsed, with a validity flag per row.

    Times stay naive (wall-clock in the export's zone) here; parse() makes them UTC in Arrow,
    which is several times cheaper than ICU per row. A date's text is kept only when it failed
    to parse, for the reject message.
    """
    s = header.single
    texts = {name: _text(s.get(name)) for name in SINGLE_FIELDS}
    texts["item_key"] = f"nullif(trim({texts['item_key']}), '')"
    inner = [f"{expr} as {name}" for name, expr in texts.items()]
    inner += [
        f"jira_time({texts[name]}, $ts_formats, $local, $english) as {name}_at"
        for name in ("created", "updated", "resolved")
    ]
    inner.append(f"cast(jira_time({texts['due']}, $date_formats, $local, $english) as date) "
                 "as due_date")
    inner += [f"{_list(header.lists.get(name))} as {name}" for name in LIST_FIELDS]
    inner += [f"{_list(cols)} as link_{i}" for i, (_, _, cols) in enumerate(header.links)]

    kept = [name for name in SINGLE_FIELDS if name not in DATE_FIELDS]
    kept += ["created_at", "updated_at", "resolved_at", "due_date", *LIST_FIELDS]
    kept += [f"link_{i}" for i in range(len(header.links))]
    parsed = {"created": "created_at", "updated": "updated_at", "resolved": "resolved_at",
              "due": "due_date"}
    bad_texts = [f"case when {parsed[name]} is null then {name} end as {name}_text"
                 for name in DATE_FIELDS]
    return f"""
create table raw as
select {', '.join(kept)}, {', '.join(bad_texts)},
    item_key is not null and created_at is not null
    and (updated is null or updated_at is not null)
    and (resolved is null or resolved_at is not null)
    and (due is null or due_date is not null) as is_valid
from (
    select {', '.join(inner)}
    from read_csv($path, auto_detect = false, header = false, skip = 1, columns = $columns,
                  delim = $delim, quote = '"', escape = '"', strict_mode = true,
                  store_rejects = true, max_line_size = {MAX_ROW_BYTES})
)
"""


# Valid rows whose key appears again: all but the latest Updated (then the later row) are
# dropped. Ranked only among repeated keys, so the usual file costs one hash aggregate.
DROPPED_SQL = """
create table dropped as
select pos, item_key, kept_pos from (
    select rowid as pos, item_key,
        row_number() over latest as copy_rank,
        first_value(rowid) over latest as kept_pos
    from raw
    where is_valid
      and item_key in (select item_key from raw where is_valid
                       group by item_key having count(*) > 1)
    window latest as (partition by item_key order by updated_at desc nulls last, rowid desc)
)
where copy_rank > 1
"""

DROPPED_ROWS_SQL = "select pos, item_key, kept_pos from dropped order by pos"

# Which rows of `raw r` become work items and links; the dropped copies only when keys repeat.
KEPT = "r.is_valid"
KEPT_NOT_DROPPED = "r.is_valid and r.rowid not in (select pos from dropped)"

# "Parent"/"Parent id" give the parent's numeric id; its key is found among this file's rows.
PARENT_JOIN = """
left join (select item_id, min(item_key) as parent_key from raw where is_valid
           group by item_id) p on p.item_id = r.parent_id
"""
PARENT_KEY = """coalesce(case when regexp_full_match(r.parent_id, '[0-9]+') then p.parent_key
                  else r.parent_id end, r.parent_ref)"""

WORK_ITEMS_SQL = """
select
    r.item_key, r.item_id, r.project_key, r.title, r.item_type, r.status, r.status_category,
    r.priority, r.resolution, r.assignee, r.reporter, r.team_field,
    r.components, r.labels, r.fix_versions, r.sprints,
    {parent_key} as parent_key,
    try_cast(replace(trim(r.story_points), ',', '.') as double) as story_points,
    r.created_at, r.updated_at, r.resolved_at, r.due_date,
    cast(null as date) as first_due_date,
    cast(null as integer) as due_date_changes,
    {flagged} as is_flagged,
    false as has_changelog,
    cast(null as varchar) as url
from raw r
{parent_join}
where {kept}
"""

UNRESOLVED_PARENTS_SQL = """
select count(*) from raw r
where {kept} and regexp_full_match(r.parent_id, '[0-9]+')
  and r.parent_id not in (select item_id from raw where is_valid and item_id is not null)
"""

BAD_ROWS_SQL = """
select rowid, item_key, created_at is null, created_text, updated_text, resolved_text, due_text
from raw where not is_valid
order by rowid
"""

# Lines DuckDB could not split into the header's number of fields. Blank lines are not rows.
CSV_ERRORS_SQL = """
select line, min(error_type), min(error_message), bool_and(trim(csv_line) = '') as is_blank
from reject_errors
group by line
order by line
"""

TIMESTAMP_COLUMNS = ("created_at", "updated_at", "resolved_at")


def _links_sql(header: HeaderMap, kept: str) -> str:
    if not header.links:
        return ("select cast(null as varchar) as item_key, cast(null as varchar) as link_type, "
                "cast(null as varchar) as direction, cast(null as varchar) as linked_key "
                "where false")
    parts = [
        f"select r.item_key, $type_{i} as link_type, $direction_{i} as direction, "
        f"trim(unnest(r.link_{i})) as linked_key from raw r where {kept}"
        for i in range(len(header.links))
    ]
    return ("select distinct item_key, link_type, direction, linked_key from (\n"
            + "\nunion all\n".join(parts) + "\n)")


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
            con.execute(MACROS)
            params = {
                "path": str(source), "delim": delimiter,
                "columns": {_col(i): "VARCHAR" for i in range(len(names))},
                "ts_formats": TIMESTAMP_FORMATS, "date_formats": DATE_FORMATS,
                "local": list(LOCAL_MONTHS), "english": list(LOCAL_MONTHS.values()),
            }
            try:
                con.execute(build_raw_query(header), params)
            except (duckdb.IOException, duckdb.InvalidInputException) as error:
                raise FileRefused(
                    f"{path.name}: could not be read as a Jira CSV export "
                    f"({str(error).splitlines()[0]})") from None
            con.execute(DROPPED_SQL)
            skipped_rows, unreadable = _csv_rejects(con, len(names), delimiter, result)
            row_number = _row_numbers(skipped_rows)
            _field_rejects(con, header, row_number, result)
            has_dropped = _duplicate_rejects(con, header, row_number, result)
            result.rows_read = con.execute("select count(*) from raw").fetchall()[0][0] + unreadable

            kept = KEPT_NOT_DROPPED if has_dropped else KEPT
            has_parent_ids = "parent_id" in header.single
            work_items = con.sql(WORK_ITEMS_SQL.format(
                kept=kept,
                parent_key=PARENT_KEY if has_parent_ids else "r.parent_ref",
                parent_join=PARENT_JOIN if has_parent_ids else "",
                flagged=("r.flagged is not null" if "flagged" in header.single
                         else "cast(null as boolean)"),
            )).to_arrow_table()
            link_params = {}
            for i, (link_type, direction, _) in enumerate(header.links):
                link_params[f"type_{i}"] = link_type
                link_params[f"direction_{i}"] = direction
            links = con.sql(_links_sql(header, kept),
                            params=link_params or None).to_arrow_table()
            unresolved = (con.execute(UNRESOLVED_PARENTS_SQL.format(kept=kept))
                          .fetchall()[0][0] if has_parent_ids else 0)
    if unresolved:
        result.notes.append(
            f"{unresolved} issues name a parent id that is not in this file; "
            "their parent is left empty (export the parents too)")
    result.rejects.sort(key=lambda r: (r.row is not None, r.row or 0))
    result.tables = {"work_items": _to_utc(work_items, options.timezone), "links": links}
    return result


def _to_utc(table: pa.Table, timezone: str) -> pa.Table:
    """Naive export times, read as wall-clock time in `timezone`, as UTC instants.

    In a repeated autumn hour the earlier instant is taken; a time inside the spring gap moves
    to the first valid instant after it.
    """
    utc = pa.timestamp("us", tz="UTC")
    for name in TIMESTAMP_COLUMNS:
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


def _csv_rejects(con, expected: int, delimiter: str,
                 result: ParseResult) -> tuple[list[int], int]:
    """Rejects for lines DuckDB could not read.

    Returns every data row left out of `raw` (for row numbering) and how many were real rows.
    """
    skipped, unreadable = [], 0
    shown_delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}[delimiter]
    for line, error_type, message, is_blank in con.execute(CSV_ERRORS_SQL).fetchall():
        row = line - 1                       # DuckDB counts the header as line 1
        skipped.append(row)
        if is_blank:
            continue
        unreadable += 1
        found = re.search(r"Found: (\d+)", message or "")
        if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS") and found:
            reason = (f"row has {found[1]} fields, expected {expected} like the header "
                      f"({shown_delimiter}-separated); a cell may hold an unquoted "
                      f"{shown_delimiter} or a stray quote")
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
    """Map a `raw` rowid to its 1-based data row, given the rows DuckDB left out."""
    # The (k+1)-th kept row comes after every skipped row j with skipped[j] - j - 1 <= k.
    thresholds = [row - index - 1 for index, row in enumerate(skipped_rows)]
    return lambda rowid: rowid + 1 + bisect.bisect_right(thresholds, rowid)


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _field_rejects(con, header: HeaderMap, row_number, result: ParseResult) -> None:
    """One reject per row with a missing key or creation date, or a date that does not parse."""
    examples = {"created": TIMESTAMP_EXAMPLE, "updated": TIMESTAMP_EXAMPLE,
                "resolved": TIMESTAMP_EXAMPLE, "due": DATE_EXAMPLE}
    for rowid, key, no_created, *bad_texts in con.execute(BAD_ROWS_SQL).fetchall():
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
            row=row_number(rowid), field=problems[0][0],
            reason="; ".join(reason for _, reason in problems)))


def _duplicate_rejects(con, header: HeaderMap, row_number, result: ParseResult) -> bool:
    """Rejects for the dropped copies of repeated keys; True when there were any."""
    label = header.label("item_key")
    updated = header.label("updated")
    dropped = con.execute(DROPPED_ROWS_SQL).fetchall()
    for rowid, key, kept in dropped:
        result.rejects.append(Reject(
            row=row_number(rowid), field=label,
            reason=f'{label}: "{_shown(key)}" appears more than once; kept row '
                   f"{row_number(kept)}, which has the latest {updated}"))
    return bool(dropped)
