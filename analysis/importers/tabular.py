"""Jira exports that are tables but not CSV: `.xlsx` workbooks (an export opened in Excel and
saved as a workbook) and Jira Server's "Excel" export, an HTML table saved as `.xls`.

Both become a plain UTF-8 CSV in a temp folder, and the Jira CSV importer reads that like any
export. Workbooks are read with python-calamine (no Excel, no rendering); the HTML with the
standard library's html.parser, which only tokenises: no script runs, nothing is fetched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from .base import SNIFF_BYTES, FileRefused, detect_encoding

# Rows of each sheet or table shown to the detectors (enough to find a header under a title).
SAMPLE_ROWS = 12


def kind_of(path: Path) -> str | None:
    """ "xlsx", "html" or None (a CSV or anything else), from the content."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                return "xlsx" if "xl/workbook.xml" in archive.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    text = head.decode(detect_encoding(head), errors="replace").lstrip("\ufeff").lstrip()
    lowered = text[:4096].lower()
    if lowered.startswith(("<html", "<!doctype html", "<?xml", "<meta", "<table")) and "<table" in lowered:
        return "html"
    return None


def cell_text(value) -> str:
    """A workbook cell as the text a CSV export would hold: times in ISO form, whole numbers
    without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):  # a date-only cell: midnight, so it reads as a time or a date
        return f"{value.isoformat()} 00:00:00"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def workbook_tables(path: Path, limit: int | None = None) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of an .xlsx as (name, rows of text)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=limit)
            sheets.append((name, [[cell_text(value) for value in row] for row in rows]))
        return sheets
    except (CalamineError, ValueError, OSError) as error:
        raise FileRefused(f"{path.name}: cannot be read as an Excel workbook ({error}).") from None


# Jira's HTML export names each header cell's field in `data-id` with the REST field id, in
# every UI language (a public importer of real exports confirms it: public code, `<th data-id="issuekey">`). Known ids stand in for the visible label.
FIELD_IDS = {
    "issuekey": "Issue key",
    "summary": "Summary",
    "issuetype": "Issue Type",
    "status": "Status",
    "priority": "Priority",
    "resolution": "Resolution",
    "assignee": "Assignee",
    "reporter": "Reporter",
    "created": "Created",
    "updated": "Updated",
    "resolutiondate": "Resolved",
    "duedate": "Due date",
    "components": "Component/s",
    "fixversions": "Fix Version/s",
    "labels": "Labels",
}


# Header cells (by field id) whose cell holds several values, each in its own link or lozenge
# (`<a>1.0</a>, <a>1.1</a>`): they become repeated columns, as a CSV export writes lists.
LIST_FIELD_IDS = {"components", "fixversions", "labels"}


# Elements that have no end tag (<img> inside a link must not keep the link open).
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Tables(HTMLParser):
    """Every cell of every <table>, row by row, as (text, parts, field id): <br> becomes a line
    break; parts are the texts of the cell's top-level links and spans; a header cell's field id
    comes from its `data-id`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, list[str], str]]]] = []
        self._stack: list[list[list[tuple[str, list[str], str]]]] = []
        self._cell: list[str] | None = None
        self._parts: list[str] = []
        self._part: list[str] | None = None
        self._depth = 0  # elements open inside the current part
        self._field_id = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell, self._parts, self._part, self._depth = [], [], None, 0
            self._field_id = (dict(attrs).get("data-id") or "").casefold() if tag == "th" else ""
        elif self._cell is not None:
            if tag == "br":
                self._cell.append("\n")
            elif tag in VOID_ELEMENTS:
                return
            elif self._part is not None:
                self._depth += 1
            elif tag in ("a", "span"):
                self._part = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._stack:
            lines = [" ".join(line.split()) for line in "".join(self._cell).split("\n")]
            text = "\n".join(line for line in lines if line)
            self._stack[-1][-1].append((text, self._parts, self._field_id))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif self._part is not None and tag not in VOID_ELEMENTS:
            if self._depth:
                self._depth -= 1
            else:
                part = " ".join("".join(self._part).split())
                if part:
                    self._parts.append(part)
                self._part = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
            if self._part is not None:
                self._part.append(data)


def _as_rows(cells: list[list[tuple[str, list[str], str]]]) -> list[list[str]]:
    """Rows of text. Under a header with a known Jira field id the header reads as that
    field's English name; a list field's column repeats once per value its fullest cell holds,
    each cell split into its links or lozenges."""
    header_index = next((i for i, row in enumerate(cells) if any(field_id for _, _, field_id in row)), None)
    if header_index is None:
        return [[text for text, _, _ in row] for row in cells]
    header = cells[header_index]
    widths = []
    for column, (_, _, field_id) in enumerate(header):
        if field_id in LIST_FIELD_IDS:
            counts = [len(row[column][1]) for row in cells[header_index + 1 :] if column < len(row)]
            widths.append(max([1, *counts]))
        else:
            widths.append(1)
    rows = [[text for text, _, _ in row] for row in cells[:header_index]]
    rows.append(
        [FIELD_IDS.get(field_id, text) for (text, _, field_id), width in zip(header, widths) for _ in range(width)]
    )
    for row in cells[header_index + 1 :]:
        out: list[str] = []
        for column, width in enumerate(widths):
            text, parts, _ = row[column] if column < len(row) else ("", [], "")
            if width == 1:
                out.append(text)
            else:
                values = parts or ([text] if text else [])
                out += values + [""] * (width - len(values))
        out += [text for text, _, _ in row[len(widths) :]]
        rows.append(out)
    return rows


def html_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    """Every <table> of an HTML file as (name, rows of text)."""
    raw = path.read_bytes()
    parser = _Tables()
    parser.feed(raw.decode(detect_encoding(raw[:SNIFF_BYTES]), errors="replace"))
    parser.close()
    return [(f"table {number}", _as_rows(cells)) for number, cells in enumerate(parser.tables, start=1)]


def tables(path: Path, kind: str, limit: int | None = None) -> list[tuple[str, list[list[str]]]]:
    if kind == "xlsx":
        return workbook_tables(path, limit)
    found = html_tables(path)
    return [(name, rows[:limit] if limit else rows) for name, rows in found]


def as_csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
