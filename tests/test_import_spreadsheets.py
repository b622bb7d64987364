"""Jira exports as spreadsheets leave them: re-saved CSVs (separators, encodings, numeric dates in
either order, damage), `.xlsx` workbooks and Jira Server's HTML "Excel" export.

Independent sources: expected times are worked out by hand from the calendar (2/15/2026 16:37
month first is 15 February; 3/4/2026 day first is 3 April); Excel serial dates count days from
1899-12-30 (Microsoft's documented epoch, computed here with the standard library); the HTML
fixture follows the structure a public importer of real Jira HTML exports documents (public
code,: `<table id="issuetable">`, `<th data-id="issuekey">`, a key cell
`<a data-issue-key>`, a status lozenge `<span>`, `<br/>` for line breaks).
"""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from xml.sax.saxutils import escape

import pytest
from conftest import detect_and_parse, utc

from analysis import importers
from analysis.importers import FileRefused, ImportOptions, jira_csv
from analysis.views.data import load_uploads

HEADER = ["Issue key", "Issue id", "Summary", "Issue Type", "Status", "Created", "Resolved", "Due date"]


def parse(path, **options):
    return detect_and_parse(path, jira_csv, "jira_csv", ImportOptions(**options))


def items(result) -> dict[str, dict]:
    return {row["item_key"]: row for row in result.tables["work_items"].to_pylist()}


def resave_note(result) -> str | None:
    found = [note for note in result.notes if "re-saved by a spreadsheet" in note]
    return found[0] if found else None


def write_rows(write_file, rows, delimiter=",", encoding="utf-8", name="jira.csv", bom=b""):
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    return write_file(name, bom + text.encode(encoding))


# ---- separators and encodings: one fixture each ----------------------------------------------


def test_jiras_own_csv_is_not_called_re_saved(write_file):
    path = write_rows(write_file, [HEADER, ["AB-1", "1", "Cart", "Story", "Done", "15/Feb/26 4:37 PM", "", ""]])
    result = parse(path)
    assert result.rejects == [] and resave_note(result) is None


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom", "signs"),
    [
        (";", "utf-8", codecs.BOM_UTF8, ["semicolon-separated"]),  # Excel "CSV UTF-8", comma-decimal locale
        (";", "cp1252", b"", ["cp1252 (Windows) text", "semicolon-separated"]),  # Excel "CSV", German Windows
        ("\t", "utf-16", b"", ["UTF-16 text", "tab-separated"]),  # Excel "Unicode text"
        (",", "utf-8", codecs.BOM_UTF8, ["numeric dates like 15.02.2026 16:37"]),
    ],
)
def test_separators_and_encodings_of_a_re_saved_file(write_file, delimiter, encoding, bom, signs):
    rows = [HEADER, ["AB-1", "1", "Café crème", "Story", "Done", "15.02.2026 16:37", "16.02.2026 09:05", "1.3.2026"]]
    result = parse(write_rows(write_file, rows, delimiter, encoding, bom=bom))
    assert result.rejects == []
    got = items(result)["AB-1"]
    assert got["title"] == "Café crème"
    assert got["created_at"] == utc(2026, 2, 15, 16, 37) and got["resolved_at"] == utc(2026, 2, 16, 9, 5)
    assert got["due_date"] == dt.date(2026, 3, 1)
    note = resave_note(result)
    assert note is not None and all(sign in note for sign in signs), note


# ---- numeric dates and their order -----------------------------------------------------------


def dated(write_file, *created: str, due: str = ""):
    rows = [HEADER] + [[f"AB-{i}", str(i), "x", "Story", "Open", text, "", due] for i, text in enumerate(created, 1)]
    return write_rows(write_file, rows)


def test_month_first_is_inferred_from_a_value_that_reads_one_way_only(write_file):
    result = parse(dated(write_file, "2/15/2026 16:37", "3/4/2026 9:05", due="12/1/2026"))
    got = items(result)
    assert result.rejects == []
    assert got["AB-1"]["created_at"] == utc(2026, 2, 15, 16, 37)
    assert got["AB-2"]["created_at"] == utc(2026, 3, 4, 9, 5)  # March 4
    assert got["AB-1"]["due_date"] == dt.date(2026, 12, 1)
    assert "month first" in resave_note(result)


def test_day_first_is_inferred_the_same_way(write_file):
    result = parse(dated(write_file, "15/02/2026 16:37", "3/4/2026 9:05", due="12/1/2026"))
    got = items(result)
    assert got["AB-2"]["created_at"] == utc(2026, 4, 3, 9, 5)  # 3 April
    assert got["AB-1"]["due_date"] == dt.date(2026, 1, 12)
    assert "day first" in resave_note(result)


def test_iso_dates_as_a_spreadsheet_writes_them(write_file):
    got = items(parse(dated(write_file, "2026-02-15 16:37:00", due="2026-03-01")))
    assert got["AB-1"]["created_at"] == utc(2026, 2, 15, 16, 37) and got["AB-1"]["due_date"] == dt.date(2026, 3, 1)


def test_an_ambiguous_file_asks_for_the_date_order(write_file):
    path = dated(write_file, "3/4/2026 9:05", "5/6/2026 10:00")
    with pytest.raises(
        FileRefused, match=r"jira\.csv: .*like 3/4/2026 9:05.*--date-order.*dmy \(3/4/2026 is 3 April\)"
    ):
        parse(path)
    assert items(parse(path, date_order="dmy"))["AB-1"]["created_at"] == utc(2026, 4, 3, 9, 5)
    assert items(parse(path, date_order="mdy"))["AB-1"]["created_at"] == utc(2026, 3, 4, 9, 5)


def test_the_data_pages_upload_takes_the_date_order(store, write_file):
    data = dated(write_file, "3/4/2026 9:05").read_bytes()
    [refused] = load_uploads(store, [("jira.csv", data)], "UTC")
    assert refused.status == "refused" and "upload form" in refused.message
    [loaded] = load_uploads(store, [("jira.csv", data)], "UTC", date_order="mdy")
    assert loaded.status == "loaded" and loaded.rows_loaded == 1
    [(created,)] = store.con.execute("select created_at from work_items where item_key = 'AB-1'").fetchall()
    assert created == utc(2026, 3, 4, 9, 5)


def test_a_file_with_both_orders_is_refused_then_read_with_the_setting(write_file):
    path = dated(write_file, "25/2/2026 9:05", "2/25/2026 9:05", "1/2/2026 9:05")
    with pytest.raises(FileRefused, match="both day first"):
        parse(path)
    result = parse(path, date_order="dmy")
    [reject] = result.rejects
    assert reject.row == 2 and reject.field == "Created"
    assert '"2/25/2026 9:05" is not a date like' in reject.reason and "(day first)" in reject.reason
    got = items(result)
    assert got["AB-1"]["created_at"] == utc(2026, 2, 25, 9, 5) and got["AB-3"]["created_at"] == utc(2026, 2, 1, 9, 5)


def test_numeric_dates_outside_the_date_columns_ask_for_nothing(write_file):
    rows = [HEADER, ["AB-1", "1", "3/4/2026 outage", "Story", "Open", "15/Feb/26 4:37 PM", "", ""]]
    result = parse(write_rows(write_file, rows))
    assert result.rejects == [] and items(result)["AB-1"]["title"] == "3/4/2026 outage"
    assert resave_note(result) is None


def test_an_unknown_date_order_is_a_clear_error(write_file):
    with pytest.raises(ValueError, match="expected dmy"):
        parse(dated(write_file, "3/4/2026 9:05"), date_order="ymd")


# ---- damage a spreadsheet does ---------------------------------------------------------------


def test_ids_in_scientific_notation_are_named_and_dropped(write_file):
    rows = [HEADER, ["AB-1", "1.0001E+4", "x", "Story", "Open", "15/Feb/26 4:37 PM", "", ""]]
    rows.append(["AB-2", "10002", "y", "Story", "Open", "15/Feb/26 4:37 PM", "", ""])
    result = parse(write_rows(write_file, rows))
    got = items(result)
    assert got["AB-1"]["item_id"] is None and got["AB-2"]["item_id"] == "10002"
    [note] = [n for n in result.notes if "scientific notation" in n]
    assert note.startswith("Issue id: 1 ids") and "1.0001E+4" in note and "AB-1" in note


def test_cells_cut_at_the_spreadsheet_limit_are_named(write_file):
    long_text = "x" * 32767
    rows = [HEADER, ["AB-1", "1", f'"{long_text}"', "Story", "Open", "15/Feb/26 4:37 PM", "", ""]]
    rows.append(["AB-2", "2", "short", "Story", "Open", "15/Feb/26 4:37 PM", "", ""])
    result = parse(write_rows(write_file, rows))
    assert len(items(result)["AB-1"]["title"]) == 32767
    [note] = [n for n in result.notes if "32,767" in n]
    assert note.startswith("Summary: 1 cells") and "AB-1" in note and "AB-2" not in note


def test_a_header_below_a_title_row_is_found_and_named(write_file):
    rows = [["Jira export for the board"], [], HEADER, ["AB-1", "1", "x", "Story", "Open", "15/Feb/26 4:37 PM", "", ""]]
    rows.append(["AB-2", "2", "short row"])  # ragged: read carefully, still below the header
    result = parse(write_rows(write_file, rows))
    assert list(items(result)) == ["AB-1"]
    [reject] = result.rejects
    assert reject.row == 2 and "fewer than 8 fields" in reject.reason
    assert "the header is on row 3" in resave_note(result)


# ---- Excel workbooks --------------------------------------------------------------------------

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def serial(value: dt.datetime) -> float:
    return (value - EXCEL_EPOCH).total_seconds() / 86400


def write_xlsx(path, sheets: dict[str, list[list]]) -> None:
    """A minimal Office Open XML workbook: inline strings, numbers, and datetimes as serial
    numbers in a date style (numFmt 22, "m/d/yyyy h:mm"), as Excel stores them."""

    def cell(ref: str, value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return f'<c r="{ref}" s="1"><v>{serial(value)}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    def column(index: int) -> str:
        return chr(ord("A") + index)

    with zipfile.ZipFile(path, "w") as book:
        names = list(sheets)
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, len(names) + 1)
            )
            + "</Types>",
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
            + "</sheets></workbook>",
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        book.writestr(
            "xl/styles.xml",
            '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>',
        )
        for i, name in enumerate(names, 1):
            rows = "".join(
                f'<row r="{r}">' + "".join(cell(f"{column(c)}{r}", v) for c, v in enumerate(row)) + "</row>"
                for r, row in enumerate(sheets[name], 1)
            )
            book.writestr(
                f"xl/worksheets/sheet{i}.xml",
                '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"<sheetData>{rows}</sheetData></worksheet>",
            )


def test_an_xlsx_workbook_loads_from_the_sheet_with_a_key_column(tmp_path):
    path = tmp_path / "export.xlsx"
    write_xlsx(
        path,
        {
            "Notes": [["Exported for the reorg review"], ["by Ana"]],
            "Issues": [
                ["Issue key", "Issue id", "Summary", "Issue Type", "Status", "Created", "Resolved", "Due date"],
                [
                    "AB-1",
                    10001,
                    "Cart",
                    "Story",
                    "Done",
                    dt.datetime(2026, 2, 15, 16, 37),
                    dt.datetime(2026, 3, 1, 9, 5),
                    None,
                ],
                ["AB-2", 10002, "Pay", "Bug", "Open", "15/Feb/26 4:37 PM", None, "1/Mar/26"],
            ],
        },
    )
    result = parse(path)
    assert result.rejects == [] and result.rows_read == 2
    got = items(result)
    assert got["AB-1"]["item_id"] == "10001" and got["AB-1"]["title"] == "Cart"
    assert got["AB-1"]["created_at"] == utc(2026, 2, 15, 16, 37) and got["AB-1"]["resolved_at"] == utc(2026, 3, 1, 9, 5)
    assert got["AB-2"]["created_at"] == utc(2026, 2, 15, 16, 37) and got["AB-2"]["due_date"] == dt.date(2026, 3, 1)
    assert 'read from sheet "Issues"' in result.notes
    assert "saved as an Excel workbook" in resave_note(result)


def test_a_workbook_without_a_jira_sheet_is_refused_clearly(tmp_path):
    path = tmp_path / "budget.xlsx"
    write_xlsx(path, {"Budget": [["Team", "Amount"], ["Checkout", 100]]})
    with pytest.raises(FileRefused, match=r"budget\.xlsx: an Excel workbook with no sheet or table whose header"):
        importers.detect(path)


# ---- Jira Server's HTML "Excel" export ---------------------------------------------------------

JIRA_HTML = """<html><head><meta http-equiv="Content-Type" content="application/vnd.ms-excel; charset=UTF-8"></head>
<body>
<table border="1"><tr><td bgcolor="#f0f0f0"><b>Jira</b></td></tr><tr><td>Displaying 2 issues</td></tr></table>
<table id="issuetable" border="1">
<thead><tr class="rowHeader">
  <th class="colHeaderLink headerrow-issuetype" data-id="issuetype">T</th>
  <th class="colHeaderLink headerrow-issuekey" data-id="issuekey"><span title="Sort By Key">Key</span></th>
  <th class="colHeaderLink headerrow-summary" data-id="summary">Summary</th>
  <th class="colHeaderLink headerrow-status" data-id="status">Status</th>
  <th class="colHeaderLink headerrow-created" data-id="created">Created</th>
  <th class="colHeaderLink headerrow-resolutiondate" data-id="resolutiondate">Resolved</th>
  <th class="colHeaderLink headerrow-duedate" data-id="duedate">Due</th>
  <th class="colHeaderLink headerrow-fixVersions" data-id="fixVersions">Fix Version/s</th>
  <th class="colHeaderLink headerrow-components" data-id="components">Component/s</th>
</tr></thead>
<tbody>
<tr id="issuerow10001" data-issuekey="AB-1" class="issuerow">
  <td class="issuetype"><img src="/images/story.svg" alt="Story"> Story</td>
  <td class="issuekey"><a class="issue-link" data-issue-key="AB-1" href="/browse/AB-1">AB-1</a></td>
  <td class="summary"><p>Cart &amp; checkout<br/>second line</p></td>
  <td class="status"><span class="jira-issue-status-lozenge">Done</span></td>
  <td class="created"> 15/Feb/26 4:37 PM </td>
  <td class="resolutiondate">01/Mar/26 9:05 AM</td>
  <td class="duedate">&nbsp;</td>
  <td class="fixVersions"><a href="/issues/?jql=fixVersion%3D1"><img src="/v.png">1.0</a>, <a href="/v2">1.1, hotfix</a></td>
  <td class="components"><a href="/c">Web</a></td>
</tr>
<tr id="issuerow10002" data-issuekey="AB-2" class="issuerow">
  <td class="issuetype">Bug</td><td class="issuekey"><a data-issue-key="AB-2" href="/browse/AB-2">AB-2</a></td>
  <td class="summary">Pay</td><td class="status"><span>Offen</span></td>
  <td class="created">16/Feb/26 10:00 AM</td><td class="resolutiondate"></td><td class="duedate">20/Mar/26</td>
  <td class="fixVersions"></td><td class="components">Payments</td>
</tr>
</tbody></table></body></html>
"""


def test_jira_servers_html_excel_export_loads(write_file):
    path = write_file("SearchRequest.xls", JIRA_HTML)
    result = parse(path)
    assert result.rejects == [] and result.rows_read == 2
    got = items(result)
    assert got["AB-1"]["title"] == "Cart & checkout\nsecond line" and got["AB-1"]["status"] == "Done"
    assert got["AB-1"]["created_at"] == utc(2026, 2, 15, 16, 37) and got["AB-1"]["resolved_at"] == utc(2026, 3, 1, 9, 5)
    assert got["AB-2"]["due_date"] == dt.date(2026, 3, 20) and got["AB-2"]["item_type"] == "Bug"
    # Several values in one cell, one link each, become a list (a comma inside a name stays).
    assert got["AB-1"]["fix_versions"] == ["1.0", "1.1, hotfix"] and got["AB-2"]["fix_versions"] == []
    assert got["AB-1"]["components"] == ["Web"] and got["AB-2"]["components"] == ["Payments"]
    assert any("Jira's HTML" in note for note in result.notes)
    assert resave_note(result) is None


def test_the_data_quality_report_says_a_file_looks_re_saved(store, write_file):
    from analysis.quality import format_report, quality_report

    rows = [HEADER, ["AB-1", "10", "Übersicht", "Story", "Done", "15.02.2026 16:37", "20.02.2026 09:00", ""]]
    path = write_rows(write_file, rows, delimiter=";", encoding="cp1252", name="resaved.csv")
    store.load_paths([path])
    report = quality_report(store.con)
    [message] = report.files.loc[report.files["file_name"] == "resaved.csv", "message"].tolist()
    assert "re-saved by a spreadsheet" in message and "cp1252" in message and "semicolon" in message
    assert "re-saved by a spreadsheet" in format_report(report)


def test_a_workbook_uploaded_on_the_data_page_is_an_export_not_a_workspace(tmp_path):
    # Both are zips: the Data page's upload once sent every .xlsx to the workspace restore, which
    # refused it as "not a Threadline workspace file".
    from analysis.store import Store
    from analysis.views.data import load_uploads
    from analysis.workspace_file import is_workspace_file

    path = tmp_path / "export.xlsx"
    write_xlsx(
        path, {"Issues": [["Issue key", "Summary", "Created"], ["AB-1", "Cart", dt.datetime(2026, 2, 15, 16, 37)]]}
    )
    data = path.read_bytes()
    assert not is_workspace_file("export.xlsx", data)
    assert is_workspace_file("export.zip", data) and is_workspace_file("x", b"PK\x03\x04 damaged")
    store = Store()
    try:
        [result] = load_uploads(store, [("export.xlsx", data)], "UTC")
        assert (result.status, result.rows_loaded) == ("loaded", 1), result.message
    finally:
        store.close()
