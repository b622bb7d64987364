"""Jira CSV exports: "Export CSV (all fields)" and "(current fields)", Cloud and Server/DC,
with headers in English, Spanish, Russian, German, Portuguese, Polish or French (jira_locale.py
says where each name was seen) or named through a column mapping, and month names and AM/PM
markers in any of the UI languages jira_locale.LANGUAGES lists.

Python reads only the header row, to map repeated and localised column names to positions.
One DuckDB pass then reads every row, parses dates and merges repeated columns straight into
Arrow (while numpy checks that no row was skipped); the checks that follow (bad rows, repeated
keys, links) are small queries over that result. A million-row export loads in under three
times DuckDB's own read time.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import jira_locale, tabular
from .base import (
    SNIFF_BYTES,
    TABLE_COLUMNS,
    FileRefused,
    ImportOptions,
    ParseResult,
    Reject,
    Sample,
    detect_encoding,
    frame,
    guess_delimiter,
)

KIND = "jira_csv"

# "Custom field (X)" in each export language.
CUSTOM_FIELD_PREFIXES = ("Custom field", "Campo personalizado", "Пользовательское поле") + tuple(
    prefix
    for prefixes in jira_locale.CUSTOM_FIELD_PREFIXES.values()
    for prefix in prefixes
    if prefix != "Campo personalizado"
)


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
    # When the status last changed category (Cloud "all fields"): the delivery time of a Done
    # item whose Resolved is empty.
    "category_changed": ("Status Category Changed",),
}

LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "components": ("Components", "Component/s", "Componentes", "Компоненты"),
    "labels": ("Labels", "Etiquetas", "Метки"),
    "fix_versions": ("Fix versions", "Fix Version/s", "Versiones de corrección", "Исправить в версиях"),
    "sprints": ("Sprint", "Спринт"),
}

# Header names of the other languages (jira_locale.HEADERS, each with its source), after ours.
for _names in jira_locale.HEADERS.values():
    for _canonical, _aliases in _names.items():
        _table = LIST_FIELDS if _canonical in LIST_FIELDS else SINGLE_FIELDS
        _table[_canonical] = _table[_canonical] + _aliases

# Link columns a column mapping may name, for a language whose link headers Threadline does not
# know: each holds the issue keys of one side of Jira's Blocks link (repeated columns allowed).
LINK_FIELDS = {"blocked_by": ("Blocks", "inward"), "blocks": ("Blocks", "outward")}

# Fields a column mapping may name (ImportOptions.column_map, `--column-map FILE`).
MAPPABLE_FIELDS = tuple(SINGLE_FIELDS) + tuple(LIST_FIELDS) + tuple(LINK_FIELDS)

LINK_PREFIXES = {
    "inward": ("Inward issue link", "Enlace a la incidencia interna", "Входящая связь задачи")
    + jira_locale.LINK_PREFIXES["inward"],
    "outward": ("Outward issue link", "Enlace de incidencia saliente", "Внешняя ссылка на проблему")
    + jira_locale.LINK_PREFIXES["outward"],
}
LINK_HEADER = re.compile(
    r"^(?P<prefix>" + "|".join(re.escape(p) for ps in LINK_PREFIXES.values() for p in ps) + r")\s*\((?P<type>.+)\)$",
    re.IGNORECASE,
)

# Month names (every language, CLDR plus aliases) and AM/PM markers, to English for strptime.
LOCAL_MONTHS = jira_locale.MONTHS
DAY_PERIODS = jira_locale.DAY_PERIODS
# Jira's default "dd/MMM/yy h:mm a" and its 24-hour variant, then ISO forms; tried in order.
JIRA_TIMESTAMPS = [
    "%d/%b/%y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%Y %H:%M",
    "%d/%b/%y %I:%M:%S %p",
    "%d/%b/%y %H:%M:%S",
]
ISO_TIMESTAMPS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
]
JIRA_DATES = ["%d/%b/%y", "%d/%b/%Y", *JIRA_TIMESTAMPS]
ISO_DATES = ["%Y-%m-%d", *ISO_TIMESTAMPS]
TIMESTAMP_EXAMPLE = "15/Feb/26 4:37 PM"
DATE_EXAMPLE = "15/Feb/26"

# A row may hold a huge pasted description: the careful read allows rows up to this size.
MAX_ROW_BYTES = 256 * 1024 * 1024
# The header row is read whole (a 100,000-column header is 2-3 MB), up to this many characters.
MAX_HEADER_CHARS = 16 * 1024 * 1024
DUCKDB_MEMORY = "2GB"
DUCKDB_THREADS = 2

NO_CHANGELOG_NOTE = "no changelog in a CSV export: timeline accuracy uses final due dates"


def _norm(name: str) -> str:
    """A header name as compared: no BOM or surrounding spaces, case folded, one space before
    an opening bracket (Chinese exports write "自定义字段(Team)")."""
    return re.sub(r"\s*\(\s*", " (", name.strip().lstrip("\ufeff").strip()).casefold()


ALIAS_INDEX = {
    _norm(alias): canonical
    for table in (SINGLE_FIELDS, LIST_FIELDS)
    for canonical, aliases in table.items()
    for alias in aliases
}
CUSTOM_FIELD_STARTS = tuple(prefix.casefold() + " (" for prefix in CUSTOM_FIELD_PREFIXES)


# Rows a spreadsheet may put above the header (a title, a blank line) before it is given up.
HEADER_SEARCH_ROWS = 10


def looks_like_header(names: list[str]) -> bool:
    """An issue-key column beside other Jira fields, or (a header excerpt) several
    "Custom field (...)" columns, which no other tool writes."""
    known = {ALIAS_INDEX.get(_norm(name)) for name in names}
    custom_columns = sum(_norm(name).startswith(CUSTOM_FIELD_STARTS) for name in names)
    return ("item_key" in known and len(known - {"item_key", None}) >= 2) or custom_columns >= 2


def header_row(rows: list[list[str]], column_map: dict[str, str] | None = None) -> int | None:
    """Index of the header among the first rows: the first that looks like a Jira header, or
    (with a column mapping) the first that holds the mapped key column."""
    mapped_key = _norm(column_map["item_key"]) if column_map and "item_key" in column_map else None
    for index, names in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if looks_like_header(names) or (mapped_key and mapped_key in {_norm(name) for name in names}):
            return index
    return None


def sample_rows(sample: Sample) -> list[list[str]]:
    """The sample's first rows. The delimiter is guessed from the first line, or, when that
    line has no separators (a title a spreadsheet put above the header), from the line with the
    most of them."""
    return first_rows(sample.text, sniff_delimiter(sample.text))


def sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:HEADER_SEARCH_ROWS] or [""]
    if any(d in lines[0] for d in (",", ";", "\t")):
        return guess_delimiter(lines[0])
    return guess_delimiter(max(lines, key=lambda line: max(line.count(d) for d in (",", ";", "\t"))))


def first_rows(text: str, delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return rows


def detect(sample: Sample, column_map: dict[str, str] | None = None) -> str | None:
    return KIND if header_row(sample_rows(sample), column_map) is not None else None


@dataclass
class HeaderMap:
    """Which column positions feed each canonical field."""

    names: list[str]
    single: dict[str, list[int]] = field(default_factory=dict)
    lists: dict[str, list[int]] = field(default_factory=dict)
    links: list[tuple[str, str, int]] = field(default_factory=list)  # type, direction, position
    mapped: dict[str, str] = field(default_factory=dict)  # field -> header, from a column mapping
    skip: int = 1  # lines before the first data row (more when a title sits above the header)
    records_above: int = 0  # non-blank records above the header (the record counter counts them)
    numeric_order: str | None = None  # "dmy" / "mdy": how 3/4/2026 reads (spreadsheet re-saves)

    def label(self, canonical: str) -> str:
        """The file's own header name for a field, for messages."""
        positions = self.single.get(canonical)
        return self.names[positions[0]].strip() if positions else SINGLE_FIELDS[canonical][0]

    @property
    def language(self) -> str:
        """ "en" when the key column has its English name, else another code ("es", "ru",
        "de"...; "mapped" for a mapped key). Month names are recognised in every language
        alike; an English file only tries the English form first."""
        key = _norm(self.label("item_key"))
        if "item_key" in self.mapped:
            return "mapped"
        for code, names in jira_locale.HEADERS.items():
            if key in {_norm(alias) for alias in names.get("item_key", ())}:
                return code
        return {"clave de incidencia": "es", "ключ проблемы": "ru", "ключ задачи": "ru"}.get(key, "en")


def check_column_map(column_map: dict[str, str]) -> None:
    """The mapping is the user's: an unknown field is a ValueError naming the known ones."""
    unknown = sorted(set(column_map) - set(MAPPABLE_FIELDS))
    if unknown:
        raise ValueError(
            f"column mapping names unknown fields {', '.join(unknown)}: expected some of {', '.join(MAPPABLE_FIELDS)}"
        )


def read_column_map(path: Path) -> dict[str, str]:
    """A column mapping file (see importers.read_column_map)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"column mapping {path.name}: cannot be read as UTF-8 text ({error})") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValueError(f"column mapping {path.name}: not valid JSON ({error})") from None
        bad = [key for key, value in data.items() if not isinstance(value, str) or not value.strip()]
        if bad:
            raise ValueError(f'column mapping {path.name}: "{bad[0]}" needs a header name (a non-empty string)')
        mapping = {key.strip(): value.strip() for key, value in data.items()}
    else:
        mapping = {}
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))
        for number, row in enumerate(rows, start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if number == 1 and [c.casefold() for c in cells[:2]] == ["our_field", "their_header"]:
                continue
            if len(cells) != 2 or not all(cells):
                raise ValueError(
                    f"column mapping {path.name}, row {number}: expected two cells, our_field,their_header "
                    f"(like created,Date de création), got {row!r}"
                )
            mapping[cells[0]] = cells[1]
    try:
        check_column_map(mapping)
    except ValueError as error:
        raise ValueError(f"column mapping {path.name}: {error}") from None
    return mapping


def map_header(names: list[str], column_map: dict[str, str] | None = None) -> HeaderMap:
    """Column positions by header name; a column mapping (field -> header) overrides the
    recognised names for the fields it names."""
    mapping = HeaderMap(names=names)
    by_name: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        by_name.setdefault(_norm(name), []).append(position)
    for table, target in ((SINGLE_FIELDS, mapping.single), (LIST_FIELDS, mapping.lists)):
        for canonical, aliases in table.items():
            positions = [p for alias in aliases for p in by_name.get(_norm(alias), [])]
            if positions:
                target[canonical] = positions
    for canonical, header in (column_map or {}).items():
        positions = by_name.get(_norm(header))
        if positions and canonical in LINK_FIELDS:
            link_type, direction = LINK_FIELDS[canonical]
            mapping.links += [(link_type, direction, position) for position in positions]
            mapping.mapped[canonical] = header
        elif positions:
            target = mapping.lists if canonical in LIST_FIELDS else mapping.single
            target[canonical] = positions
            mapping.mapped[canonical] = header
    inward = {p.casefold() for p in LINK_PREFIXES["inward"]}
    mapped_links = {position for _, _, position in mapping.links}
    for position, name in enumerate(names):
        match = LINK_HEADER.match(name.strip())
        if match and position not in mapped_links:
            direction = "inward" if match["prefix"].casefold() in inward else "outward"
            mapping.links.append((match["type"].strip(), direction, position))
    return mapping


# ---------------------------------------------------------------------------------------------
# The read. Identifiers are column<position> only; every value from the file or the user is a
# bound parameter.
#
# Two ways to read. The fast one is DuckDB's parallel reader, which skips rows it cannot read;
# meanwhile numpy counts the file's records, and when the counts agree nothing was skipped.
# Otherwise the careful one reads again on one thread, keeping every record: a short row is
# padded with NULLs (empty cells read as '' there, so padding shows) and a long row fills a
# spare last column. Neither asks DuckDB to store its errors: on a badly broken file that
# bookkeeping takes minutes and gigabytes.


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


# A localised date becomes English before strptime: the month through the bound token lists
# (dots and spaces stripped, case folded), the AM/PM marker after the time ("p. m.", "午後",
# "下午") through the bound day periods. Plain string functions, used only for text that did
# not parse as it is. (No trim(s) here: a macro argument is evaluated once per use.)
MACROS = r"""
create temp macro month_token(m) as
    lower(regexp_replace(m, '[\s.\x{00a0}\x{202f}]', '', 'g'));
create temp macro date_tail(s) as
    substr(s, strpos(s, '/') + length(split_part(s, '/', 2)) + 2);
create temp macro english_tail(t, local_periods, english_periods) as
    rtrim(left(t, length(t) - length(regexp_extract(t, '[^0-9]*$'))))
    || case when month_token(regexp_extract(t, '[^0-9]*$')) = '' then ''
            else ' ' || coalesce(english_periods[list_position(local_periods,
                                                               month_token(regexp_extract(t, '[^0-9]*$')))],
                                 month_token(regexp_extract(t, '[^0-9]*$'))) end;
create temp macro english_date(s, local_months, english_months, local_periods, english_periods) as
    left(s, strpos(s, '/'))
    || coalesce(english_months[list_position(local_months, month_token(split_part(s, '/', 2)))],
                split_part(s, '/', 2))
    || '/' || english_tail(date_tail(s), local_periods, english_periods);
-- Numeric dates a spreadsheet writes (2/15/2026 16:37, 15.02.2026 16:37): only with a
-- four-digit year, since strptime's %Y would read "26" as the year 26.
create temp macro numeric_time(s, numeric_formats) as
    case when regexp_matches(s, '^\d{1,2}[./]\d{1,2}[./]\d{4}') then try_strptime(s, numeric_formats) end;
-- Only text that starts with a digit is tried (a failed strptime is slow, and a broken file
-- can hold millions of non-dates). Jira's English form first, one attempt for almost every
-- cell; then ISO, the spreadsheet forms, and the localised form.
create temp macro jira_time(s, jira_formats, iso_formats, numeric_formats, local_months, english_months,
                            local_periods, english_periods) as
    case when ascii(s) between 48 and 57 then
        coalesce(try_strptime(s, jira_formats),
                 case when contains(s, '/')
                      then coalesce(numeric_time(s, numeric_formats),
                                    try_strptime(english_date(s, local_months, english_months,
                                                              local_periods, english_periods), jira_formats))
                      else coalesce(try_strptime(s, iso_formats), numeric_time(s, numeric_formats)) end)
    end;
-- The same for an export in another language: the month is translated first.
create temp macro local_time(s, jira_formats, iso_formats, numeric_formats, local_months, english_months,
                             local_periods, english_periods) as
    case when ascii(s) between 48 and 57 then
        case when contains(s, '/')
             then coalesce(try_strptime(english_date(s, local_months, english_months,
                                                     local_periods, english_periods), jira_formats),
                           numeric_time(s, numeric_formats))
             else coalesce(try_strptime(s, iso_formats), numeric_time(s, numeric_formats)) end
    end;
"""

READ_CSV = """read_csv($path, auto_detect = false, header = false, skip = $skip, columns = $columns,
                delim = $delim, quote = '"', escape = '"', {options}) as f"""
# Rows up to DuckDB's default 2 MB line limit keep the reader parallel; a larger row makes the
# fast read skip it, and the careful read (which allows MAX_ROW_BYTES) picks it up.
FAST_OPTIONS = "strict_mode = true, ignore_errors = true"
CAREFUL_OPTIONS = (
    "strict_mode = false, null_padding = true, parallel = false, nullstr = $never_null, max_line_size = $max_row_bytes"
)


def used_positions(header: HeaderMap) -> list[int]:
    positions = {p for ps in (*header.single.values(), *header.lists.values()) for p in ps}
    return sorted(positions | {position for _, _, position in header.links})


def source_query(header: HeaderMap, careful: bool) -> str:
    """The CSV's columns that feed a field, and the row's shape (blank, short, long; cut is
    set later, from the record count)."""
    used = used_positions(header)
    if not careful:
        columns = ", ".join(f"f.{_col(p)}" for p in used)
        return (
            f"select {columns}, false as is_blank, false as is_short, false as is_long, "
            f"false as is_cut from {READ_CSV.format(options=FAST_OPTIONS)}"
        )
    # (Counting a short row's fields would read every column of every row: twice the time.)
    last, spare = len(header.names) - 1, len(header.names)
    columns = ", ".join(f"nullif(f.{_col(p)}, '') as {_col(p)}" for p in used)
    return (
        f"select {columns}, "
        f"f.column1 is null and trim(f.column0) = '' as is_blank, "
        f"f.{_col(last)} is null as is_short, f.{_col(spare)} is not null as is_long, "
        f"false as is_cut from {READ_CSV.format(options=CAREFUL_OPTIONS)}"
    )


DATE_FIELDS = {"created": "created_at", "updated": "updated_at", "resolved": "resolved_at", "due": "due_date"}
NUMERIC_ID = r"'\s*[0-9]+\s*'"
PROJECT_OF_KEY = r"'^([A-Za-z][A-Za-z0-9_]*)-[0-9]+$'"


def build_read_query(header: HeaderMap, careful: bool = False) -> str:
    """One pass over the CSV: work item columns, link cells, and what the checks need.

    Times stay naive (wall-clock time in the export's zone); parse() makes them UTC in Arrow,
    several times cheaper than ICU per row. A date's text is kept only when it failed to parse,
    for the reject message.
    """
    s = header.single
    texts = {name: _text(s.get(name)) for name in SINGLE_FIELDS}
    texts["item_key"] = f"nullif(trim({texts['item_key']}), '')"
    inner = [f"{expr} as {name}" for name, expr in texts.items()]
    parse_time = "jira_time" if header.language == "en" else "local_time"
    words = "$local, $english, $local_periods, $english_periods"
    inner += [
        f"{parse_time}({texts[name]}, $jira_timestamps, $iso_timestamps, $numeric_timestamps, {words})"
        f" as {DATE_FIELDS[name]}"
        for name in ("created", "updated", "resolved")
    ]
    inner.append(
        f"cast({parse_time}({texts['due']}, $jira_dates, $iso_dates, $numeric_dates, {words}) as date) as due_date"
    )
    inner += [f"{_list(header.lists.get(name))} as {name}" for name in LIST_FIELDS]
    inner += [f"{_col(position)} as link_{i}" for i, (_, _, position) in enumerate(header.links)]
    inner += ["is_blank", "is_short", "is_long", "is_cut"]

    flagged = "flagged is not null" if "flagged" in s else "cast(null as boolean)"
    outer = [
        "item_key",
        "item_id",
        # Without a project column, the project is the issue key's prefix (AP-4 -> AP).
        "case when nullif(trim(project_key), '') is null"
        f" then nullif(regexp_extract(item_key, {PROJECT_OF_KEY}, 1), '') else project_key end as project_key",
        "title",
        "item_type",
        "status",
        "status_category",
        "priority",
        "resolution",
        "assignee",
        "reporter",
        "team_field",
        *LIST_FIELDS,
        # A numeric parent id is looked up among the file's issues after the read.
        f"coalesce(case when not regexp_full_match(parent_id, {NUMERIC_ID}) then parent_id end,"
        " parent_ref) as parent_key",
        f"case when regexp_full_match(parent_id, {NUMERIC_ID}) then trim(parent_id) end as parent_number",
        "try_cast(replace(trim(story_points), ',', '.') as double) as story_points",
        *DATE_FIELDS.values(),
        # Parsed later, only for the few Done items without a resolution date.
        "category_changed",
        "cast(null as date) as first_due_date",
        "cast(null as integer) as due_date_changes",
        f"{flagged} as is_flagged",
        "false as has_changelog",
        "cast(null as varchar) as url",
        *(f"link_{i}" for i in range(len(header.links))),
        *(f"case when {parsed} is null then {name} end as {name}_text" for name, parsed in DATE_FIELDS.items()),
        "is_blank",
        "is_short",
        "is_long",
        "is_cut",
        "not (is_blank or is_short or is_long)"
        " and item_key is not null and created_at is not null"
        " and (updated is null or updated_at is not null)"
        " and (resolved is null or resolved_at is not null)"
        " and (due is null or due_date is not null) as is_valid",
    ]
    return (
        f"select {', '.join(outer)}\nfrom (\n    select {', '.join(inner)}\n"
        f"    from ({source_query(header, careful)})\n)"
    )


BAD_ROWS_SQL = """
select pos, is_blank, is_cut, is_short, is_long, item_key, created_at is null,
       created_text, updated_text, resolved_text, due_text
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
    """Every non-empty link cell of the kept rows, one row each; $type_i/$direction_i bound.

    A link repeated within one row is left to the store, which keeps one per key.
    """
    if not header.links:
        return (
            "select cast(null as varchar) as item_key, cast(null as varchar) as link_type, "
            "cast(null as varchar) as direction, cast(null as varchar) as linked_key "
            "where false"
        )
    cells = "\nunion all\n".join(
        f"select item_key, $type_{i} as link_type, $direction_{i} as direction, "
        f"trim(link_{i}) as linked_key from kept where link_{i} is not null"
        for i in range(len(header.links))
    )
    return f"select * from (\n{cells}\n) where linked_key <> ''"


# ---------------------------------------------------------------------------------------------


def parse(path: Path, kind: str, options: ImportOptions) -> ParseResult:
    path = Path(path)
    _check_timezone(options.timezone)
    column_map = dict(options.column_map or {})
    check_column_map(column_map)
    result = ParseResult(
        kind=kind,
        notes=[
            NO_CHANGELOG_NOTE,
            f"times read as {options.timezone} local time (Jira CSV exports carry no zone)",
        ],
    )
    with tempfile.TemporaryDirectory(prefix="threadline_jira_") as workdir:
        table_kind = tabular.kind_of(path)
        read_from = _table_as_csv(path, table_kind, Path(workdir), column_map, result) if table_kind else path
        source, delimiter, names, found = _utf8_source(read_from, Path(workdir), column_map)
        if table_kind == "xlsx":
            found.signs.insert(0, "saved as an Excel workbook")
        header = map_header(names, column_map)
        header.skip = found.header_line + 1
        header.records_above = found.records_above
        not_found = sorted(set(column_map) - set(header.mapped))
        if not_found:
            result.rejects.append(
                Reject(
                    row=None,
                    field=column_map[not_found[0]],
                    reason=f"{path.name}: the column mapping names "
                    + ", ".join(f'"{column_map[name]}" for {name}' for name in not_found)
                    + ", but the header has no such column; those fields were read by their usual names",
                )
            )
        missing = [name for name in ("item_key", "created") if name not in header.single]
        if missing:
            wanted = " and ".join(" / ".join(SINGLE_FIELDS[name][:3]) for name in missing)
            result.rejects.append(
                Reject(
                    row=None,
                    field=SINGLE_FIELDS[missing[0]][0],
                    reason=f"{path.name}: no {wanted} column in the header, so no row can be used "
                    "(export with all fields, or include these columns; for a header in another "
                    f"language, give a column mapping such as {missing[0]},<your column name>)",
                )
            )
            result.tables = {"work_items": frame("work_items", []), "links": frame("links", [])}
            return result
        with _connect(Path(workdir)) as con:
            header.numeric_order, example = _numeric_dates(con, path, source, delimiter, header, options.date_order)
            if example:
                found.signs.append(f"numeric dates like {example}")
            raw = _read(con, path, source, delimiter, header, Path(workdir), result)
            work_items, links = _check_rows(con, raw, header, delimiter, options.timezone, result)
    _resave_note(path, found, delimiter, header, result)
    result.tables = {"work_items": work_items, "links": links}
    return result


def _check_rows(
    con, raw: pa.Table, header: HeaderMap, delimiter: str, timezone: str, result: ParseResult
) -> tuple[pa.Table, pa.Table]:
    """Rejects for bad rows and repeated keys; work items and links from the rest."""
    raw = raw.append_column("pos", pa.array(np.arange(raw.num_rows, dtype=np.int64)))
    con.register("raw", raw)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Arrow work, so it runs beside DuckDB's checks below.
        finished = pool.submit(_finish_columns, raw, timezone)
        blank_rows = _row_rejects(con, header, delimiter, result)
        dropped = _duplicate_rejects(con, header, result)
        result.rows_read = raw.num_rows - blank_rows
        keep = None
        if result.rejects or blank_rows:
            is_dropped = pc.is_in(raw["pos"], value_set=pa.array(dropped, pa.int64()))
            keep = pc.and_(raw["is_valid"], pc.invert(is_dropped))
        con.register("kept", raw if keep is None else raw.filter(keep))
        link_params = {}
        for i, (link_type, direction, _) in enumerate(header.links):
            link_params[f"type_{i}"] = link_type
            link_params[f"direction_{i}"] = direction
        links = con.sql(links_query(header), params=link_params or None).to_arrow_table()
        raw, unresolved = finished.result()
    if unresolved:
        result.notes.append(
            f"{unresolved} issues name a parent id that is not in this file, so their parent "
            "is their epic link if they have one (export the parents too)"
        )
    work_items = raw if keep is None else raw.filter(keep)
    work_items = _spreadsheet_damage(work_items, header, result)
    work_items = _delivered_when_done(con, work_items, header, timezone, result)
    if "delivered_by_move_to_done" not in work_items.column_names:
        work_items = work_items.append_column("delivered_by_move_to_done", pa.nulls(work_items.num_rows, pa.bool_()))
    return work_items.select(list(TABLE_COLUMNS["work_items"])), links


SCIENTIFIC = r"^\s*[0-9](\.[0-9]+)?[eE]\+?[0-9]+\s*$"
SPREADSHEET_CELL_LIMIT = 32767
SHOWN_KEYS = 10


def _keys(table: pa.Table, mask) -> str:
    keys = table["item_key"].filter(mask).to_pylist()
    shown = ", ".join(keys[:SHOWN_KEYS])
    return shown + (f" and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else "")


def _spreadsheet_damage(table: pa.Table, header: HeaderMap, result: ParseResult) -> pa.Table:
    """Damage a spreadsheet does to an export, named in the notes: numeric ids shown in
    scientific notation (1.0001E+4: the id is lost, so it is dropped), and cells cut at a
    spreadsheet's 32,767-character limit."""
    if table.num_rows == 0:
        return table
    ids = table["item_id"]
    scientific = pc.fill_null(pc.match_substring_regex(ids, SCIENTIFIC), False)
    count = pc.sum(scientific).as_py() or 0
    if count:
        example = ids.filter(scientific)[0].as_py()
        label = header.label("item_id")
        result.notes.append(
            f'{label}: {count} ids are in scientific notation (like "{example}"), as a spreadsheet '
            "shows long numbers; the real ids are lost, so these were dropped and parents are found "
            f"by key only: {_keys(table, scientific)}"
        )
        nulls = pa.nulls(table.num_rows, ids.type)
        table = table.set_column(table.schema.get_field_index("item_id"), "item_id", pc.if_else(scientific, nulls, ids))
    for name in ("title", "team_field", "status", "assignee"):
        if name not in header.single:
            continue
        cut = pc.fill_null(pc.equal(pc.utf8_length(table[name]), SPREADSHEET_CELL_LIMIT), False)
        cut_count = pc.sum(cut).as_py() or 0
        if cut_count:
            result.notes.append(
                f"{header.label(name)}: {cut_count} cells hold exactly 32,767 characters, the most a "
                f"spreadsheet cell holds, so they were probably cut when the file was re-saved: {_keys(table, cut)}"
            )
    return table


def _parse_times(con, header: HeaderMap, texts: list[str], timezone: str) -> pa.Array:
    """Export times (as the read parses them) for a few cells, as UTC; null where unreadable."""
    parse_time = "jira_time" if header.language == "en" else "local_time"
    query = (
        f"select {parse_time}(t, $jira_timestamps, $iso_timestamps, $numeric_timestamps, $local, $english, "
        "$local_periods, $english_periods) as at from (select generate_subscripts($texts, 1) as i, "
        "unnest($texts) as t) order by i"
    )
    params = {
        name: value
        for name, value in read_params(Path(), ",", header).items()
        if name.endswith(("timestamps", "local", "english", "periods"))
    }
    naive = con.sql(query, params={**params, "texts": texts}).to_arrow_table()["at"]
    if timezone != "UTC":
        naive = pc.assume_timezone(naive, timezone=timezone, ambiguous="earliest", nonexistent="latest")
    return naive.cast(pa.timestamp("us", tz="UTC")).combine_chunks()


def _delivered_when_done(con, table: pa.Table, header: HeaderMap, timezone: str, result: ParseResult) -> pa.Table:
    """Items in the Done status category without a Resolved date are delivered when they last
    changed category (Status Category Changed), and named in a note; a file with no Resolved
    column at all gets a loud note on how to export with it.

    Which category value means Done is learned from the file: the category most resolved items
    have (category names are in the export's language). With no resolved item to learn from,
    Jira's own category name "Done" is taken.
    """
    if "resolved" not in header.single:
        result.notes.append(
            f"NO RESOLVED COLUMN: this export has no {SINGLE_FIELDS['resolved'][0]} column, so an item "
            "counts as delivered only through Status Category Changed, if present. Export again with "
            '"Export > CSV (all fields)", or add the Resolved column to the issue list before '
            '"CSV (current fields)"'
        )
    if "status_category" not in header.single or table.num_rows == 0:
        return table
    category = pc.utf8_lower(pc.utf8_trim_whitespace(table["status_category"]))
    resolved = pc.is_valid(table["resolved_at"])
    counts = pc.value_counts(category.filter(pc.and_(resolved, pc.is_valid(category)))).to_pylist()
    done = max(counts, key=lambda c: c["counts"])["values"] if counts else "done"
    is_done = pc.fill_null(pc.equal(category, done), False)
    unresolved_done = pc.and_(is_done, pc.invert(resolved))
    candidates = np.flatnonzero(
        pc.and_(unresolved_done, pc.is_valid(table["category_changed"])).to_numpy(zero_copy_only=False)
    )
    moved = np.zeros(table.num_rows, dtype=bool)
    if len(candidates):
        texts = table["category_changed"].take(pa.array(candidates)).to_pylist()
        times = _parse_times(con, header, texts, timezone)
        readable = pc.is_valid(times).to_numpy(zero_copy_only=False)
        moved[candidates[readable]] = True
        resolved_at = table["resolved_at"].combine_chunks()
        table = table.set_column(
            table.schema.get_field_index("resolved_at"),
            "resolved_at",
            pc.replace_with_mask(resolved_at, pa.array(moved), times.filter(pa.array(readable)).cast(resolved_at.type)),
        )
    moved = pa.array(moved)
    table = table.append_column("delivered_by_move_to_done", moved)
    moved_count = pc.sum(moved).as_py() or 0
    if moved_count:
        result.notes.append(
            f"{moved_count} items are in the Done category without a resolution date; delivery is then "
            f"the move to Done ({header.label('category_changed')}): {_keys(table, moved)}"
        )
    never = pc.and_(unresolved_done, pc.invert(moved))
    never_count = pc.sum(never).as_py() or 0
    if never_count:
        result.notes.append(
            f"{never_count} items are in the Done category with neither a resolution date nor a "
            f"Status Category Changed time, so they count as not delivered: {_keys(table, never)}"
        )
    return table


def read_params(source: Path, delimiter: str, header: HeaderMap, careful: bool = False) -> dict:
    """The values build_read_query's SQL binds."""
    # Russian exports use a 24-hour clock: trying it first saves a failed attempt per cell.
    timestamps = sorted(JIRA_TIMESTAMPS, key=lambda f: "%p" in f) if header.language == "ru" else JIRA_TIMESTAMPS
    params = {
        "path": str(source),
        "delim": delimiter,
        "columns": {_col(i): "VARCHAR" for i in range(len(header.names) + careful)},
        "jira_timestamps": timestamps,
        "iso_timestamps": ISO_TIMESTAMPS,
        "jira_dates": JIRA_DATES,
        "iso_dates": ISO_DATES,
        "numeric_timestamps": numeric_formats(header.numeric_order, with_time=True),
        "numeric_dates": numeric_formats(header.numeric_order, with_time=False),
        "local": list(LOCAL_MONTHS),
        "english": list(LOCAL_MONTHS.values()),
        "local_periods": list(DAY_PERIODS),
        "english_periods": list(DAY_PERIODS.values()),
        "skip": header.skip,
    }
    if careful:
        params["never_null"] = "\x00"  # so an empty cell reads as '', padding as NULL
        params["max_row_bytes"] = MAX_ROW_BYTES
    return params


def _read(
    con, path: Path, source: Path, delimiter: str, header: HeaderMap, workdir: Path, result: ParseResult
) -> pa.Table:
    """Every record of the file as a row (see the comment above source_query)."""
    con.execute(MACROS)
    params = read_params(source, delimiter, header)
    counter = _RecordCounter(source)
    try:
        fast = con.sql(build_read_query(header), params=params).to_arrow_table()
    except duckdb.InvalidInputException:
        fast = None  # e.g. a quote that never closes; read carefully
    records = counter.result()
    if records is not None:
        records -= header.records_above  # a title above the header
    if fast is not None and fast.num_rows == records:
        return fast

    params = read_params(source, delimiter, header, careful=True)
    careful = build_read_query(header, careful=True)
    try:
        raw = con.sql(careful, params=params).to_arrow_table()
    except duckdb.InvalidInputException as error:
        message = str(error)
        if "maximum line size" in message.lower():
            raise FileRefused(
                f"{path.name}: a row is larger than {MAX_ROW_BYTES // 2**20} MB "
                f"({message.splitlines()[0]}); Jira cells hold at most 32,767 characters, so "
                "the file is probably not a Jira export or was damaged."
            ) from None
        if "unicode" not in message.lower():
            raise FileRefused(
                f"{path.name}: could not be read as a Jira CSV export "
                f"({message.splitlines()[0]}); expected cells separated by "
                f'{_delimiter_name(delimiter)}s, quoted with " where needed.'
            ) from None
        # Mostly UTF-8 with a few stray bytes (a cell pasted from elsewhere): keep the rows
        # and show those bytes as U+FFFD.
        params["path"] = str(workdir / "repaired.csv")
        _transcode(source, "utf-8", Path(params["path"]))
        result.notes.append("some bytes were not valid UTF-8; they show as \ufffd")
        raw = con.sql(careful, params=params).to_arrow_table()
    return _mark_last_row_cut(raw) if counter.ends_in_quotes else raw


def _mark_last_row_cut(raw: pa.Table) -> pa.Table:
    """A file that ends inside a quoted cell was cut off: its last row is incomplete."""
    if raw.num_rows == 0:
        return raw
    last = pa.array(np.arange(raw.num_rows) == raw.num_rows - 1)
    for name, value in (("is_cut", last), ("is_valid", pc.and_(raw["is_valid"], pc.invert(last)))):
        raw = raw.set_column(raw.schema.get_field_index(name), name, value)
    return raw


class _RecordCounter:
    """Counts the file's non-empty CSV records (header excluded) in a background thread.

    A record ends at a newline with an even number of quotes before it; escaped quotes ("")
    come in pairs, so they keep the count even. numpy does this at memory speed.
    """

    CHUNK_BYTES = 16 * 2**20
    QUOTE, NEWLINE, RETURN = ord('"'), ord("\n"), ord("\r")

    def __init__(self, path: Path):
        self._count: int | None = None
        self.ends_in_quotes = False
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def result(self) -> int | None:
        self._thread.join()
        return self._count

    def _run(self, path: Path) -> None:
        try:
            self._count = self._records(path) - 1  # less the header row
        except (OSError, ValueError, MemoryError):
            self._count = None  # unknown: the careful read decides

    def _records(self, path: Path) -> int:
        """Records including the header; notes whether the file ends inside quotes."""
        records = quotes = offset = record_start = 0
        last_byte = self.NEWLINE
        with open(path, "rb") as handle:
            while chunk := handle.read(self.CHUNK_BYTES):
                data = np.frombuffer(chunk, np.uint8)
                quote_at = np.flatnonzero(data == self.QUOTE)
                newline_at = np.flatnonzero(data == self.NEWLINE)
                outside = (np.searchsorted(quote_at, newline_at) + quotes) % 2 == 0
                ends = newline_at[outside] + offset  # file offsets
                lengths = ends - np.concatenate(([record_start], ends[:-1] + 1))
                # A record of one byte is empty when that byte is the "\r" of a CRLF.
                before = data[np.maximum(ends - offset - 1, 0)]
                before[ends == offset] = last_byte
                records += int(np.count_nonzero((lengths > 1) | ((lengths == 1) & (before != self.RETURN))))
                if len(ends):
                    record_start = int(ends[-1]) + 1
                quotes += len(quote_at)
                offset += len(chunk)
                last_byte = int(data[-1])
        self.ends_in_quotes = quotes % 2 == 1
        tail = offset - record_start  # a last record with no newline
        return records + int(tail > 1 or (tail == 1 and last_byte != self.RETURN))


def _row_rejects(con, header: HeaderMap, delimiter: str, result: ParseResult) -> int:
    """One reject per unusable row; returns how many rows were blank lines (not rows at all).

    Row numbers count data rows after the header, as a spreadsheet shows them; a row with
    line breaks inside quoted cells is one row.
    """
    expected, name = len(header.names), _delimiter_name(delimiter)
    examples = {
        "created": TIMESTAMP_EXAMPLE,
        "updated": TIMESTAMP_EXAMPLE,
        "resolved": TIMESTAMP_EXAMPLE,
        "due": DATE_EXAMPLE,
    }
    if header.numeric_order:
        # A re-saved file: name the spreadsheet form too, in the order the file is read with.
        day_first = header.numeric_order == "dmy"
        written = "15/02/2026" if day_first else "02/15/2026"
        order = "day first" if day_first else "month first"
        examples = {
            name: f"{text} or {written}{' 16:37' if name != 'due' else ''} ({order})" for name, text in examples.items()
        }
    blank = 0
    for position, is_blank, is_cut, is_short, is_long, key, no_created, *bad_texts in con.execute(
        BAD_ROWS_SQL
    ).fetchall():
        if is_blank:
            blank += 1
            continue
        if is_cut:
            result.rejects.append(
                Reject(
                    row=position + 1,
                    field=None,
                    reason=(
                        "the file ends inside a quoted cell, so this last row is cut off: expected a "
                        'closing " (re-export the file, or check it was copied whole)'
                    ),
                )
            )
            continue
        if is_short or is_long:
            result.rejects.append(
                Reject(
                    row=position + 1,
                    field=None,
                    reason=(
                        f"row has {'fewer' if is_short else 'more'} than {expected} fields, expected "
                        f'{expected} like the header: {name}-separated cells, with " around any cell '
                        f"that holds a {name}, a quote or a line break"
                    ),
                )
            )
            continue
        problems: list[tuple[str, str]] = []
        if key is None:
            label = header.label("item_key")
            problems.append((label, f"{label} is empty: expected an issue key like ABC-123"))
        if no_created and bad_texts[0] is None:
            label = header.label("created")
            problems.append((label, f"{label} is empty: every issue needs a creation date like {TIMESTAMP_EXAMPLE}"))
        for field_name, text in zip(DATE_FIELDS, bad_texts):
            if text is not None:
                label = header.label(field_name)
                problems.append((label, f'{label}: "{_shown(text)}" is not a date like {examples[field_name]}'))
        result.rejects.append(
            Reject(row=position + 1, field=problems[0][0], reason="; ".join(reason for _, reason in problems))
        )
    return blank


def _duplicate_rejects(con, header: HeaderMap, result: ParseResult) -> list[int]:
    """Rejects for the dropped copies of repeated keys; returns their positions."""
    label, updated = header.label("item_key"), header.label("updated")
    dropped = con.execute(DROPPED_SQL).fetchall()
    for position, key, kept in dropped:
        result.rejects.append(
            Reject(
                row=position + 1,
                field=label,
                reason=f'{label}: "{_shown(key)}" appears more than once; kept row '
                f"{kept + 1}, which has the latest {updated}",
            )
        )
    result.rejects.sort(key=lambda r: (r.row is not None, r.row or 0))
    return [position for position, _, _ in dropped]


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon"}[delimiter]


def _finish_columns(raw: pa.Table, timezone: str) -> tuple[pa.Table, int]:
    """UTC times and parent keys; also how many usable rows name a parent not in the file."""
    return _resolve_parents(_to_utc(raw, timezone))


def _resolve_parents(raw: pa.Table) -> tuple[pa.Table, int]:
    """Numeric parent ids become the parent's key when the parent is in the same file.

    Returns the table and how many usable rows name a parent that is not in the file.
    """
    has_number = pc.is_valid(raw["parent_number"])
    if not pc.any(has_number).as_py():
        return raw, 0
    numbers = raw["parent_number"].filter(has_number)
    # Hash only the issues that are someone's parent, not every issue of the file.
    is_parent = pc.and_(raw["is_valid"], pc.is_in(raw["item_id"], value_set=pc.unique(numbers)))
    parents = raw.select(["item_id", "item_key"]).filter(is_parent)
    found = pc.index_in(numbers, value_set=parents["item_id"].combine_chunks())
    # Not found: the epic link (parent_key so far), else empty.
    resolved = pc.coalesce(pc.take(parents["item_key"], found), raw["parent_key"].filter(has_number))
    parent_keys = pc.replace_with_mask(
        raw["parent_key"].combine_chunks(), has_number.combine_chunks(), resolved.combine_chunks()
    )
    unresolved = pc.sum(pc.and_(pc.is_null(found), raw["is_valid"].filter(has_number))).as_py()
    position = raw.schema.get_field_index("parent_key")
    return raw.set_column(position, "parent_key", parent_keys), unresolved or 0


def _to_utc(table: pa.Table, timezone: str) -> pa.Table:
    """Naive export times, read as wall-clock time in `timezone`, as UTC instants.

    In a repeated autumn hour the earlier instant is taken; a time in the spring gap moves to
    the first instant after it.
    """
    utc = pa.timestamp("us", tz="UTC")
    for name in ("created_at", "updated_at", "resolved_at"):
        column = table[name]
        if timezone != "UTC":
            column = pc.assume_timezone(column, timezone=timezone, ambiguous="earliest", nonexistent="latest")
        table = table.set_column(table.schema.get_field_index(name), name, column.cast(utc))
    return table


def _connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    """A private connection with bounded threads and memory; spills to the temp folder."""
    spill = workdir / "spill"
    spill.mkdir()
    return duckdb.connect(
        ":memory:",
        config={
            "threads": DUCKDB_THREADS,
            "memory_limit": DUCKDB_MEMORY,
            "temp_directory": str(spill),
            "preserve_insertion_order": True,
        },
    )


def _check_timezone(timezone: str) -> None:
    """The option is the user's, not the file's: a bad one is a ValueError, not a reject."""
    try:
        pc.assume_timezone(pa.array([0], pa.timestamp("us")), timezone=timezone)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        raise ValueError(f"unknown time zone {timezone!r}: expected an IANA name like Europe/Madrid or UTC") from None


@dataclass
class SourceInfo:
    """What reading the file's start found: its encoding and where its header is."""

    encoding: str
    header_line: int = 0  # 0-based line of the header (a title may sit above it)
    records_above: int = 0  # of those lines, the ones that are not blank
    signs: list[str] = field(default_factory=list)  # signs of a spreadsheet re-save


def _utf8_source(
    path: Path, workdir: Path, column_map: dict[str, str] | None = None
) -> tuple[Path, str, list[str], SourceInfo]:
    """The file as UTF-8 (transcoded to a temp file when it is not), its delimiter, header
    and what was found on the way."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise FileRefused(f"{path.name}: the file is empty (expected a Jira CSV export).")
    encoding = detect_encoding(head)
    source = path
    if encoding not in ("utf-8", "utf-8-sig"):
        source = workdir / "utf8.csv"
        _transcode(path, encoding, source)
    found = SourceInfo(encoding=encoding)
    if encoding in ("cp1252",) or encoding.startswith("utf-16"):
        found.signs.append(f"{'UTF-16' if encoding.startswith('utf-16') else 'cp1252 (Windows)'} text")
    with open(source, encoding="utf-8-sig", errors="replace", newline="") as handle:
        text = handle.read(SNIFF_BYTES)
        if "\n" not in text and len(text) == SNIFF_BYTES:
            # A header wider than the sniff window (100,000 columns): the whole line, or every
            # row would seem to have more fields than the header names.
            text += handle.readline(MAX_HEADER_CHARS + 1 - len(text))
    if len(text) > MAX_HEADER_CHARS:
        raise FileRefused(
            f"{path.name}: the header row is longer than {MAX_HEADER_CHARS // 2**20} million characters "
            "(expected a Jira CSV export, whose header names at most a few thousand columns)."
        )
    delimiter = sniff_delimiter(text)
    rows = first_rows(text, delimiter)
    index = header_row(rows, column_map) or 0
    if index:
        # A record may span lines; the title rows above a header are single lines.
        found.header_line = index
        found.records_above = sum(1 for row in rows[:index] if row)
        found.signs.append(f"the header is on row {index + 1}, not the first")
        lines = text.splitlines()
        if len(lines) <= index or next(csv.reader([lines[index]], delimiter=delimiter), None) != rows[index]:
            raise FileRefused(
                f"{path.name}: the header is on row {index + 1}, but the rows above it span several "
                "lines; delete the rows above the header and save again."
            )
    names = rows[index] if rows else []
    if len(names) < 2:
        raise FileRefused(
            f"{path.name}: the header row has no separated columns "
            "(expected a Jira CSV export separated by commas, semicolons or tabs)."
        )
    if delimiter != ",":
        found.signs.append(f"{_delimiter_name(delimiter)}-separated")
    return source, delimiter, names, found


def _table_as_csv(path: Path, kind: str, workdir: Path, column_map: dict[str, str] | None, result: ParseResult) -> Path:
    """The workbook sheet (or HTML table) that holds a Jira header, as a UTF-8 CSV in workdir
    under the file's own name (so messages name it)."""
    for name, rows in tabular.tables(path, kind):
        if header_row(rows[:HEADER_SEARCH_ROWS], column_map) is not None:
            target = workdir / "table" / path.name
            target.parent.mkdir()
            target.write_text(tabular.as_csv_text(rows), encoding="utf-8")
            where = f'sheet "{name}"' if kind == "xlsx" else f'{name} of Jira\'s HTML "Excel" export'
            result.notes.append(f"read from {where}")
            return target
    raise FileRefused(f"{path.name}: no sheet or table has a Jira header with an issue key column.")


def numeric_formats(order: str | None, with_time: bool) -> list[str]:
    """strptime forms of the numeric dates spreadsheets write: d.m.yyyy always (no locale
    writes m.d.yyyy), and d/m/yyyy or m/d/yyyy by the file's date order."""
    days = ["%d.%m.%Y"]
    if order == "dmy":
        days.append("%d/%m/%Y")
    elif order == "mdy":
        days.append("%m/%d/%Y")
    times = [" %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p"]
    if not with_time:
        return days + [day + time for day in days for time in times]
    return [day + time for day in days for time in times] + days


SLASH_DATE = r"^\s*(\d{1,2})/(\d{1,2})/\d{4}\b"


NUMERIC_DATE = r"^\s*\d{1,2}[./]\d{1,2}[./]\d{4}\b"


def _numeric_dates(
    con, path: Path, source: Path, delimiter: str, header: HeaderMap, given: str | None
) -> tuple[str | None, str | None]:
    """How the file's numeric dates read, and one of them for the notes: ("dmy" or "mdy" for
    slash dates like 2/15/2026 16:37, else `given`; an example, or None without such dates).

    Only the date columns count. The order is inferred from values that read one way only (a
    first number above 12 is a day); a file where no value settles it needs `given`, and is
    refused without it.
    """
    if given not in (None, "dmy", "mdy"):
        raise ValueError(f"date order {given!r}: expected dmy (day first) or mdy (month first)")
    with open(source, encoding="utf-8-sig", errors="replace") as handle:
        head = handle.read(SNIFF_BYTES)
    if not re.search(r"(^|[,;\t\"])\s*\d{1,2}[./]\d{1,2}[./]\d{4}\b", head, re.MULTILINE):
        return given, None
    positions = sorted({p for name in ("created", "updated", "resolved", "due") for p in header.single.get(name, [])})
    if not positions:
        return given, None
    values = ", ".join(_col(p) for p in positions)
    query = (
        "select max(try_cast(regexp_extract(v, $slash, 1) as integer)), "
        "max(try_cast(regexp_extract(v, $slash, 2) as integer)), "
        "count(*) filter (where regexp_matches(v, $slash)), "
        "first(trim(v)) filter (where regexp_matches(v, $numeric)) "
        f"from (select unnest([{values}]) as v from "
        f"{READ_CSV.format(options=FAST_OPTIONS)})"
    )
    params = {
        "path": str(source),
        "delim": delimiter,
        "columns": {_col(i): "VARCHAR" for i in range(len(header.names))},
        "skip": header.skip,
        "slash": SLASH_DATE,
        "numeric": NUMERIC_DATE,
    }
    try:
        first, second, slashed, example = con.execute(query, params).fetchone()
    except duckdb.Error:
        return given, None
    if not slashed or given:  # no slash dates in the date columns (d.m.yyyy needs no order)
        return given, example
    day_first, month_first = (first or 0) > 12, (second or 0) > 12
    if day_first and not month_first:
        return "dmy", example
    if month_first and not day_first:
        return "mdy", example
    setting = (
        "set the date order (on the Data page's upload form, --date-order on the command line, "
        "ImportOptions.date_order in Python)"
    )
    if day_first and month_first:
        raise FileRefused(
            f"{path.name}: its dates are written both day first (like 25/2/2026) and month first "
            f"(like 2/25/2026), so they cannot all be right; {setting} to say which, and the others "
            "will be listed as rejects."
        )
    raise FileRefused(
        f"{path.name}: its dates look like a spreadsheet wrote them (like {example}) and none of them "
        f"says whether the day or the month comes first; {setting}: dmy (3/4/2026 is 3 April) or "
        "mdy (3/4/2026 is March 4)."
    )


def _resave_note(path: Path, found: SourceInfo, delimiter: str, header: HeaderMap, result: ParseResult) -> None:
    signs = found.signs
    if signs:
        result.notes.append(
            f"{path.name} looks re-saved by a spreadsheet ({', '.join(signs)}): Jira itself writes "
            "UTF-8, commas and dates like 15/Feb/26 4:37 PM; it was read as the spreadsheet left it"
            + (
                f", with dates read {'day' if header.numeric_order == 'dmy' else 'month'} first"
                if header.numeric_order
                else ""
            )
        )


def _transcode(path: Path, encoding: str, target: Path, chunk_bytes: int = 1 << 20) -> None:
    """Stream a UTF-16 or cp1252 file into UTF-8, one chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(chunk_bytes):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
