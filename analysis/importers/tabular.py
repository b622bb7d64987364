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
# every UI language (a public importer of real exports confirms it: public code, file id
# 69335121038, `<th data-id="issuekey">`). Known ids stand in for the visible label.
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


class _Tables(HTMLParser):
    """Text of every cell of every <table>, row by row. <br> becomes a line break; a header
    cell with a known Jira field id (`data-id`) reads as that field's English name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._named: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell = []
            field_id = (dict(attrs).get("data-id") or "").casefold() if tag == "th" else ""
            self._named = FIELD_IDS.get(field_id)
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._stack:
            text = "".join(self._cell)
            lines = [" ".join(line.split()) for line in text.split("\n")]
            self._stack[-1][-1].append(self._named or "\n".join(line for line in lines if line))
            self._cell = None
            self._named = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    """Every <table> of an HTML file as (name, rows of text)."""
    raw = path.read_bytes()
    parser = _Tables()
    parser.feed(raw.decode(detect_encoding(raw[:SNIFF_BYTES]), errors="replace"))
    parser.close()
    return [(f"table {number}", rows) for number, rows in enumerate(parser.tables, start=1)]


def tables(path: Path, kind: str, limit: int | None = None) -> list[tuple[str, list[list[str]]]]:
    if kind == "xlsx":
        return workbook_tables(path, limit)
    found = html_tables(path)
    return [(name, rows[:limit] if limit else rows) for name, rows in found]


def as_csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
