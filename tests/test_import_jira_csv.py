"""Jira CSV exports: localised and repeated headers, dates in the chosen zone, links, encodings,
and bad rows that are rejected with a reason while the good rows load."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest
from conftest import FIXTURES, PROJECT_ROOT, SAMPLES, detect_and_parse, utc

from analysis.importers import FileRefused, ImportOptions, jira_csv
from analysis.importers.base import TABLE_COLUMNS, Sample

JIRA_FIXTURES = FIXTURES / "jira_csv"
JIRA_SAMPLES = SAMPLES / "jira_csv"

# A small English Cloud export; rows are added per test.
HEADER = (
    "Summary,Issue key,Issue id,Issue Type,Status,Project key,Created,Updated,Resolved,"
    "Due date,Labels,Labels,Sprint,Inward issue link (Blocks),Outward issue link (Blocks)"
)
GOOD_ROWS = [
    "Pay,CHK-1,10001,Story,Done,CHK,01/Jul/24 9:00 AM,20/Jul/24 4:37 PM,20/Jul/24 4:37 PM,"
    "15/Jul/24,ui,,CHK Sprint 1,PAY-2,",
    "Refund,CHK-2,10002,Bug,Open,CHK,03/Jul/24 10:15 AM,05/Jul/24 11:00 AM,,,,,,,CHK-1",
]


def parse(path, timezone="UTC"):
    return detect_and_parse(path, jira_csv, "jira_csv", ImportOptions(timezone=timezone))


def items(result) -> dict[str, dict]:
    return {row["item_key"]: row for row in result.tables["work_items"].to_pylist()}


def links(result) -> set[tuple]:
    return {tuple(row.values()) for row in result.tables["links"].to_pylist()}


def sample(header: str) -> Sample:
    return Sample(path=None, text=header + "\r\n", encoding="utf-8")


def export(write_file, *rows, header=HEADER, name="jira.csv"):
    return write_file(name, "\n".join([header, *rows]) + "\n")


# ---- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        HEADER,
        # Server/DC, current fields, semicolon-separated (Excel in a comma-decimal locale).
        "Summary;Issue key;Issue id;Fix Version/s;Component/s;Due Date;Created",
        "Resumen,Clave de incidencia,ID de la incidencia,Tipo de Incidencia,Estado,Creada",
        "Тема,Ключ проблемы,Идентификатор проблемы,Тип задачи,Статус,Создано,Обновленo",
        # A header excerpt without the key column: Jira's "Custom field (...)" names give it away.
        "Campo personalizado (Story Points),Campo personalizado (Team)",
    ],
)
def test_detects_jira_headers_in_every_language(header):
    assert jira_csv.detect(sample(header)) == "jira_csv"


@pytest.mark.parametrize(
    "header",
    [
        "team,reorg_date,model,leader",
        "tag,tag_object_type,tagger_date,commit_date,commit_sha,tagger_name",
        "Issue key,Notes",  # a key alone is not enough to claim the file
        '{"issues": []}',
        "",
    ],
)
def test_other_files_are_not_claimed(header):
    assert jira_csv.detect(sample(header)) is None


def test_header_names_match_ignoring_case_and_surrounding_spaces():
    header = jira_csv.map_header(["  issue KEY ", "CREATED", "fix version/s", " Sprint", "sprint"])
    assert header.single["item_key"] == [0] and header.single["created"] == [1]
    assert header.lists == {"fix_versions": [2], "sprints": [3, 4]}


# ---- every field of each header dialect ------------------------------------------------------


def test_cloud_all_fields_export_maps_every_field():
    result = parse(JIRA_FIXTURES / "cloud_all_fields.csv")
    assert result.rejects == [] and result.rows_read == 4
    got = items(result)
    assert got["CHK-1"] == {
        "item_key": "CHK-1",
        "item_id": "10001",
        "project_key": "CHK",
        "title": "Checkout, rebuilt",
        "item_type": "Epic",
        "status": "Done",
        "status_category": "Done",
        "priority": "High",
        "resolution": "Done",
        "assignee": "Ana",
        "reporter": "Ben",
        "team_field": "Checkout",
        "components": ["Web"],
        "labels": ["checkout", "ui"],
        "fix_versions": ["1.0"],
        "sprints": ["CHK Sprint 1", "CHK Sprint 2"],
        "parent_key": None,
        "story_points": 8.0,
        "created_at": utc(2024, 7, 1, 9, 0),
        "updated_at": utc(2024, 7, 20, 16, 37),
        "resolved_at": utc(2024, 7, 20, 16, 37),
        "due_date": dt.date(2024, 7, 15),
        "first_due_date": None,
        "due_date_changes": None,
        "is_flagged": False,
        "has_changelog": False,
        "url": None,
        "delivered_by_move_to_done": False,  # it has a Resolved date
    }
    # "Parent" holds the parent's numeric id: it becomes the parent's key.
    assert got["CHK-2"]["parent_key"] == "CHK-1"
    # "Custom field (Epic Link)" names the epic by key, even when the epic is not in the file.
    assert got["SRC-7"]["parent_key"] == "SRC-1"
    # "Story Points" first, then "Story point estimate"; Flagged is any non-empty value.
    assert (got["CHK-2"]["story_points"], got["CHK-2"]["is_flagged"]) == (3.0, True)


def test_output_columns_and_types_are_canonical():
    result = parse(JIRA_FIXTURES / "cloud_all_fields.csv")
    work_items = result.tables["work_items"]
    assert tuple(work_items.column_names) == TABLE_COLUMNS["work_items"]
    assert tuple(result.tables["links"].column_names) == TABLE_COLUMNS["links"]
    assert work_items.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert work_items.schema.field("due_date").type == pa.date32()
    assert work_items.schema.field("sprints").type == pa.list_(pa.string())
    assert jira_csv.NO_CHANGELOG_NOTE in result.notes


def test_server_dc_header_names():
    got = items(parse(JIRA_FIXTURES / "server_dc.csv"))
    assert got["FIN-10"]["fix_versions"] == ["3.4", "3.5"]
    assert got["FIN-10"]["components"] == ["Ledger", "Reports"]
    assert got["FIN-10"]["due_date"] == dt.date(2024, 9, 27)
    assert got["FIN-10"]["parent_key"] == "FIN-1"  # Custom field (Epic Link)
    assert got["FIN-11"]["parent_key"] == "FIN-10"  # Parent id, found in the file
    # The first non-empty of two "Custom field (Team)" columns.
    assert got["FIN-10"]["team_field"] == got["FIN-11"]["team_field"] == "Ledger Team"


def test_spanish_export():
    result = parse(JIRA_FIXTURES / "spanish.csv")
    got = items(result)
    assert result.rejects == []
    assert got["FLT-1"]["created_at"] == utc(2025, 11, 10, 16, 51)  # 10/nov/25 4:51 PM
    assert got["FLT-1"]["updated_at"] == utc(2026, 1, 3, 9, 5)  # 3/ene/26 9:05 a. m.
    assert got["FLT-2"]["created_at"] == utc(2025, 9, 15, 11, 0)  # 15/sept/25 11:00 a. m.
    assert got["FLT-2"]["updated_at"] == utc(2026, 8, 20, 12, 30)  # 20/ago/26 12:30 p. m.
    assert got["FLT-1"]["due_date"] == dt.date(2025, 12, 30)  # 30/dic/25
    assert got["FLT-1"]["labels"] == ["móvil", "pagos"]
    assert (got["FLT-1"]["story_points"], got["FLT-1"]["team_field"]) == (5.0, "Flota")
    assert links(result) == {("FLT-1", "Blocks", "inward", "FLT-2"), ("FLT-2", "Blocks", "outward", "FLT-1")}


def test_russian_export():
    result = parse(JIRA_FIXTURES / "russian.csv")
    got = items(result)
    assert result.rejects == []
    assert got["EKO-5"]["created_at"] == utc(2025, 9, 3, 8, 15)  # 3/сен./25 08:15
    assert got["EKO-5"]["updated_at"] == utc(2026, 7, 29, 9, 59)  # "Обновленo", 29/июл/26
    assert got["EKO-6"]["created_at"] == utc(2026, 5, 1, 14, 0)  # 1/мая/26
    assert got["EKO-5"]["due_date"] == dt.date(2026, 8, 5)  # Срок исполнения
    assert got["EKO-5"]["fix_versions"] == ["1.2", "1.3"]
    assert links(result) == {
        ("EKO-6", "Blocks", "inward", "EKO-5"),
        ("EKO-5", "Blocks", "outward", "EKO-6"),
        ("EKO-5", "Duplicate", "outward", "EKO-9"),
    }


# ---- repeated columns and links --------------------------------------------------------------


def test_repeated_columns_merge_into_lists_without_empty_cells(write_file):
    header = "Issue key,Summary,Status,Created,Sprint,Labels,Sprint,Labels,Labels,Components"
    path = export(
        write_file,
        'A-1,x,Open,01/Jul/24 9:00 AM,S1,,S2,"two words",b,',
        'A-2,x,Open,01/Jul/24 9:00 AM,,,"",,,',
        header=header,
    )
    got = items(parse(path))
    assert got["A-1"]["sprints"] == ["S1", "S2"]
    assert got["A-1"]["labels"] == ["two words", "b"]
    assert got["A-2"]["sprints"] == got["A-2"]["labels"] == got["A-2"]["components"] == []
    # A field the export lacks altogether is unknown, not empty.
    assert got["A-1"]["fix_versions"] is None


def test_parent_by_key_and_decimal_comma_story_points(write_file):
    # Semicolon-separated, as Excel saves it where the decimal mark is a comma.
    header = "Issue key;Summary;Created;Parent;Custom field (Story point estimate)"
    path = export(write_file, "A-2;x;01/Jul/24 9:00 AM;A-1;2,5", header=header)
    got = items(parse(path))["A-2"]
    assert (got["parent_key"], got["story_points"]) == ("A-1", 2.5)


def test_links_of_any_type_and_direction(write_file):
    header = (
        "Issue key,Summary,Created,Inward issue link (Blocks),Inward issue link (Blocks),"
        "Outward issue link (Gantt End to Start),Outward issue link (Problem/Incident),"
        "Inward issue link (Blocker)"
    )
    path = export(
        write_file, "A-1,x,01/Jul/24 9:00 AM,B-1,B-2,C-1,,D-9", "A-2,x,01/Jul/24 9:00 AM,,,, INC-4 ,", header=header
    )
    assert links(parse(path)) == {
        ("A-1", "Blocks", "inward", "B-1"),
        ("A-1", "Blocks", "inward", "B-2"),
        ("A-1", "Gantt End to Start", "outward", "C-1"),
        ("A-1", "Blocker", "inward", "D-9"),
        ("A-2", "Problem/Incident", "outward", "INC-4"),
    }


def test_links_of_rejected_rows_are_left_out(write_file):
    path = export(write_file, GOOD_ROWS[0], "Bad,CHK-3,10003,Bug,Open,CHK,31/Foo/24 9:00 AM,,,,,,,PAY-7,")
    result = parse(path)
    assert set(items(result)) == {"CHK-1"}
    assert links(result) == {("CHK-1", "Blocks", "inward", "PAY-2")}


# ---- dates and time zones --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15/Feb/26 4:37 PM", utc(2026, 2, 15, 16, 37)),
        ("15/Feb/26 12:05 AM", utc(2026, 2, 15, 0, 5)),
        ("29/июл/26 09:59", utc(2026, 7, 29, 9, 59)),
        ("3/сен./25 08:15", utc(2025, 9, 3, 8, 15)),
        ("10/nov/25 4:51 PM", utc(2025, 11, 10, 16, 51)),
        ("10/nov/25 4:51 p. m.", utc(2025, 11, 10, 16, 51)),
        ("3/ene/26 9:05 a.m.", utc(2026, 1, 3, 9, 5)),
        ("10/nov/25 4:51\u00a0p.\u00a0m.", utc(2025, 11, 10, 16, 51)),  # no-break spaces
        ("15/Feb/26 4:37\u202fPM", utc(2026, 2, 15, 16, 37)),  # Java 20+ English
        ("2025-09-22 09:26", utc(2025, 9, 22, 9, 26)),
        ("2025-09-22T09:26:00", utc(2025, 9, 22, 9, 26)),
    ],
)
def test_date_forms(write_file, text, expected):
    path = export(
        write_file,
        f'x,A-1,1,Task,Open,A,"{text}",,,,,,,,',
    )
    assert items(parse(path))["A-1"]["created_at"] == expected


def test_naive_times_are_read_in_the_chosen_zone_and_stored_as_utc(write_file):
    path = export(write_file, *GOOD_ROWS)
    got = items(parse(path, timezone="Europe/Madrid"))
    assert got["CHK-1"]["created_at"] == utc(2024, 7, 1, 7, 0)  # CEST, UTC+2
    winter = items(
        parse(
            export(write_file, "x,A-1,1,Task,Open,A,15/Feb/26 4:37 PM,,,,,,,,", name="winter.csv"),
            timezone="Europe/Madrid",
        )
    )
    assert winter["A-1"]["created_at"] == utc(2026, 2, 15, 15, 37)  # CET, UTC+1
    assert got["CHK-1"]["created_at"].utcoffset() == dt.timedelta(0)


def test_unknown_time_zone_is_a_clear_error(write_file):
    with pytest.raises(ValueError, match="IANA"):
        parse(export(write_file, *GOOD_ROWS), timezone="Mars/Olympus")


def test_due_date_may_be_a_date_or_a_datetime(write_file):
    path = export(
        write_file,
        "x,A-1,1,Task,Open,A,01/Jul/24 9:00 AM,,,15/Jul/24,,,,,",
        "x,A-2,2,Task,Open,A,01/Jul/24 9:00 AM,,,28/Jul/24 12:00 AM,,,,,",
        "x,A-3,3,Task,Open,A,01/Jul/24 9:00 AM,,,2024-07-30,,,,,",
    )
    got = items(parse(path, timezone="America/New_York"))
    assert [got[k]["due_date"] for k in ("A-1", "A-2", "A-3")] == [
        dt.date(2024, 7, 15),
        dt.date(2024, 7, 28),
        dt.date(2024, 7, 30),
    ]


# ---- encodings and dialects ------------------------------------------------------------------


def fixture_text() -> str:
    with open(JIRA_FIXTURES / "cloud_all_fields.csv", encoding="utf-8", newline="") as handle:
        return handle.read()


def test_utf8_with_bom(write_file):
    path = write_file("bom.csv", codecs.BOM_UTF8 + fixture_text().encode("utf-8"))
    assert parse(path).rejects == [] and len(items(parse(path))) == 4


def test_excel_unicode_text_is_utf16_tab_separated(write_file):
    # What Excel's "Unicode text" writes: UTF-16 LE with a BOM, tabs between cells.
    rows = [
        HEADER.replace(",", "\t"),
        "Café «ñ»\tCHK-1\t1\tStory\tDone\tCHK\t01/Jul/24 9:00 AM\t\t\t\tui\tux\t\t\t",
        '"two\r\nlines"\tCHK-2\t2\tStory\tDone\tCHK\t02/Jul/24 9:00 AM\t\t\t\t\t\t\t\tCHK-1',
    ]
    path = write_file("unicode.txt", "\r\n".join(rows).encode("utf-16"))
    result = parse(path)
    got = items(result)
    assert result.rejects == []
    assert got["CHK-1"]["title"] == "Café «ñ»" and got["CHK-1"]["labels"] == ["ui", "ux"]
    assert got["CHK-2"]["title"] == "two\r\nlines"
    assert links(result) == {("CHK-2", "Blocks", "outward", "CHK-1")}


def test_cp1252_semicolon_file_from_excel(write_file):
    rows = [HEADER.replace(",", ";"), "Café €5;CHK-1;1;Story;Done;CHK;01/Jul/24 9:00 AM;;;;;;;;"]
    path = write_file("ansi.csv", "\r\n".join(rows).encode("cp1252"))
    assert items(parse(path))["CHK-1"]["title"] == "Café €5"


def test_crlf_and_multiline_quoted_cells(write_file):
    text = fixture_text()
    assert "\r\n" in text and "\nsecond" in text  # the fixture is CRLF with inner newlines
    got = items(parse(JIRA_FIXTURES / "cloud_all_fields.csv"))
    assert got["CHK-1"]["title"] == "Checkout, rebuilt" and len(got) == 4


# ---- bad rows --------------------------------------------------------------------------------


def test_unparseable_created_is_rejected_and_good_rows_load(write_file):
    path = export(write_file, GOOD_ROWS[0], "Bad,CHK-3,10003,Bug,Open,CHK,31/Foo/25,,,,,,,,", GOOD_ROWS[1])
    result = parse(path)
    assert set(items(result)) == {"CHK-1", "CHK-2"}
    [reject] = result.rejects
    assert (reject.row, reject.field) == (2, "Created")
    assert reject.reason == 'Created: "31/Foo/25" is not a date like 15/Feb/26 4:37 PM'
    assert result.rows_read == 3


def test_missing_issue_key_or_created_is_rejected(write_file):
    path = export(
        write_file,
        GOOD_ROWS[0],
        "No key,,10003,Bug,Open,CHK,01/Jul/24 9:00 AM,,,,,,,,",
        "No date,CHK-4,10004,Bug,Open,CHK,,,,,,,,,",
    )
    result = parse(path)
    assert [(r.row, r.field) for r in result.rejects] == [(2, "Issue key"), (3, "Created")]
    assert "expected an issue key like ABC-123" in result.rejects[0].reason
    assert "needs a creation date" in result.rejects[1].reason
    assert set(items(result)) == {"CHK-1"}


@pytest.mark.parametrize(
    "column, cells, field, example",
    [
        ("Resolved", ",,soon,,", "Resolved", "15/Feb/26 4:37 PM"),
        ("Due date", ",,,next week,", "Due date", "15/Feb/26"),
        ("Updated", ",yesterday,,,", "Updated", "15/Feb/26 4:37 PM"),
    ],
)
def test_unparseable_optional_dates_reject_the_row(write_file, column, cells, field, example):
    row = "Bad,CHK-3,10003,Bug,Open,CHK,01/Jul/24 9:00 AM" + cells + ",,,,"
    path = export(write_file, GOOD_ROWS[0], row)
    result = parse(path)
    [reject] = result.rejects
    assert (reject.row, reject.field) == (2, field)
    assert column in reject.reason and f"is not a date like {example}" in reject.reason
    assert set(items(result)) == {"CHK-1"}


def test_ragged_rows_are_rejected_with_the_expected_field_count(write_file):
    path = export(
        write_file,
        GOOD_ROWS[0],
        "Short,CHK-5,10005,Bug",  # too few fields
        '"multi\nline",CHK-6,10006,Bug,Open,CHK,01/Jul/24 9:00 AM,,,,,,,,',
        "Long,CHK-7,10007,Bug,Open,CHK,01/Jul/24 9:00 AM,,,,,,,,,extra,more",
        GOOD_ROWS[1],
        "Bad date,CHK-8,10008,Bug,Open,CHK,never,,,,,,,,",
    )
    result = parse(path)
    # The sniffer trap: the good rows still have every field, not one glued column.
    assert set(items(result)) == {"CHK-1", "CHK-6", "CHK-2"}
    assert items(result)["CHK-2"]["status"] == "Open"
    rejects = {r.row: r for r in result.rejects}
    assert set(rejects) == {2, 4, 6}  # numbering survives multi-line cells
    assert "row has fewer than 15 fields, expected 15 like the header" in rejects[2].reason
    assert "row has more than 15 fields, expected 15" in rejects[4].reason
    assert rejects[6].field == "Created"
    assert result.rows_read == 6


def test_duplicate_keys_keep_the_latest_updated(write_file):
    path = export(
        write_file,
        "Old,CHK-1,10001,Story,Open,CHK,01/Jul/24 9:00 AM,02/Jul/24 9:00 AM,,,,,,,",
        "New,CHK-1,10001,Story,Done,CHK,01/Jul/24 9:00 AM,09/Jul/24 9:00 AM,,,,,,,",
        "Older,CHK-1,10001,Story,Open,CHK,01/Jul/24 9:00 AM,01/Jul/24 9:00 AM,,,,,,,",
        GOOD_ROWS[1],
    )
    result = parse(path)
    assert items(result)["CHK-1"]["title"] == "New"
    assert [(r.row, r.field) for r in result.rejects] == [(1, "Issue key"), (3, "Issue key")]
    assert "kept row 2, which has the latest Updated" in result.rejects[0].reason
    assert result.rows_read == 4


def test_jira_header_with_no_usable_rows_gives_an_empty_result(write_file):
    path = export(write_file, "x,,1,Task,Open,A,01/Jul/24 9:00 AM,,,,,,,,", "y,A-2,2,Task,Open,A,someday,,,,,,,,")
    result = parse(path)
    assert result.tables["work_items"].num_rows == 0 and result.tables["links"].num_rows == 0
    assert [r.row for r in result.rejects] == [1, 2]


def test_header_without_key_column_rejects_the_file_not_a_traceback(write_file):
    path = write_file("excerpt.csv", "Custom field (Team),Custom field (Story Points)\nA,3\n")
    result = parse(path)
    [reject] = result.rejects
    assert reject.row is None and "no Issue key" in reject.reason
    assert len(result.tables["work_items"]) == 0


def test_file_cut_inside_a_quoted_cell(write_file):
    cut = 'Cut,CHK-9,10009,Bug,Open,CHK,01/Jul/24 9:00 AM,,,,,,,,"half a comm'
    path = write_file("cut.csv", "\n".join([HEADER, *GOOD_ROWS, cut]))
    result = parse(path)
    assert set(items(result)) == {"CHK-1", "CHK-2"}
    [reject] = result.rejects
    assert reject.row == 3 and "ends inside a quoted cell" in reject.reason


def test_blank_lines_are_not_rows(write_file):
    lines = [HEADER, GOOD_ROWS[0], "", "   ", GOOD_ROWS[1], "", ""]
    path = write_file("blank.csv", "\r\n".join(lines))
    result = parse(path)
    assert (set(items(result)), result.rejects, result.rows_read) == ({"CHK-1", "CHK-2"}, [], 2)


def test_stray_bytes_that_are_not_utf8_are_kept_as_replacement_characters(write_file):
    # UTF-8 at the start (so the file is read as UTF-8), one cp1252 byte much later.
    rows = [f"Row {n},K-{n},{n},Task,Open,K,01/Jul/24 9:00 AM,,,,,,,," for n in range(1, 6000)]
    rows.append("Caf\xe9,K-6000,6000,Task,Open,K,01/Jul/24 9:00 AM,,,,,,,,")
    data = (HEADER + "\n" + "\n".join(rows[:-1]) + "\n").encode() + rows[-1].encode("cp1252")
    assert len(data) > jira_csv.SNIFF_BYTES
    result = parse(write_file("mixed.csv", data))
    assert len(items(result)) == 6000 and result.rejects == []
    assert items(result)["K-6000"]["title"] == "Caf\ufffd"
    assert any("not valid UTF-8" in note for note in result.notes)


@pytest.mark.parametrize(
    "content, records",
    [
        (b"a,b\n", 0),
        (b"a,b", 0),
        (b"a,b\n1,2", 1),
        (b"a,b\n1,2\n", 1),
        (b'a,b\r\n1,"x\r\ny"\r\n\r\n3,4\r\n', 2),
        (b"a,b\n\n\n1,2\n\n", 1),
        (b'a,b\n"q""x\n",2\n', 1),
        (b'a,b\n1,"never closed\n2,3\n', 1),
    ],
)
def test_record_counter(tmp_path, content, records):
    # Counts what DuckDB reads as rows: newlines inside quotes and blank lines do not count.
    path = tmp_path / "count.csv"
    path.write_bytes(content)
    assert jira_csv._RecordCounter(path).result() == records


CHILD_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from analysis.importers import FileRefused, ImportOptions, jira_csv
    started = time.monotonic()
    try:
        result = jira_csv.parse(Path(sys.argv[1]), "jira_csv", ImportOptions())
        outcome = {"keys": result.tables["work_items"]["item_key"].to_pylist()[:10],
                   "rejects": [r.reason for r in result.rejects[:10]]}
    except FileRefused as refusal:
        outcome = {"refused": str(refusal)}
    outcome["seconds"] = time.monotonic() - started
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(outcome))
""")


def parse_in_child(path):
    """Parse in a fresh process, which reports its time and peak memory."""
    completed = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT, str(path)], capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_a_row_beyond_the_size_limit_refuses_the_file_clearly(write_file, monkeypatch):
    monkeypatch.setattr(jira_csv, "MAX_ROW_BYTES", 2**20)
    huge = f'Huge,CHK-3,1,Bug,Open,CHK,01/Jul/24 9:00 AM,,,,,,,,"{"y" * 3_000_000}"'
    path = export(write_file, GOOD_ROWS[0], huge)
    with pytest.raises(FileRefused, match="a row is larger than 1 MB"):
        parse(path)


def test_a_broken_file_with_a_huge_cell_stays_fast_and_small(tmp_path):
    # A quoted line break lost early on (the file was split and re-joined on "\r\n") flips
    # every quote after it; a 30 MB cell then reads as 650,000 broken lines. Asking DuckDB to
    # store its errors here took minutes and 12 GB; the reader must not.
    chunk = 'log line, with ""quotes"", commas\r\nand a newline; '
    huge = f'Huge,CHK-99,10099,Bug,Open,CHK,01/Jul/24 9:00 AM,,,,,,,,"{chunk * 650_000}"'
    first_half, second_half = ('"First line\r\nsecond",CHK-5,1,Bug,Open,CHK,01/Jul/24 9:00 AM,,,,,,,,').split("\r\n")
    path = tmp_path / "broken.csv"
    path.write_text("\r\n".join([HEADER, first_half, huge, second_half, *GOOD_ROWS]), encoding="utf-8", newline="")
    outcome = parse_in_child(path)
    assert outcome["seconds"] < 60 and outcome["peak_mb"] < 2048, outcome
    assert "CHK-1" in outcome.get("keys", []), outcome  # rows after the damage still load


def test_careful_read_gives_the_same_result_as_the_fast_read(monkeypatch):
    # The careful read runs when the record count disagrees with the fast read.
    fast = parse(JIRA_FIXTURES / "cloud_all_fields.csv")
    monkeypatch.setattr(jira_csv._RecordCounter, "result", lambda self: -1)
    careful = parse(JIRA_FIXTURES / "cloud_all_fields.csv")
    assert careful.tables["work_items"].equals(fast.tables["work_items"])
    assert links(careful) == links(fast) and careful.rejects == fast.rejects == []


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n"])
def test_empty_file_is_refused(write_file, content):
    path = write_file("empty.csv", content)
    with pytest.raises(FileRefused, match="empty"):
        jira_csv.parse(path, "jira_csv", ImportOptions())


def test_header_only_file_has_zero_rows(write_file):
    result = parse(export(write_file))
    assert (result.rows_read, result.rejects, result.tables["work_items"].num_rows) == (0, [], 0)


def test_a_huge_description_neither_hangs_nor_sinks_its_neighbours(tmp_path):
    header = "Issue key,Summary,Created,Description"
    cell = '"' + ('log line, with ""quotes"", commas\r\nand a newline; ' * 1_100_000) + '"'
    path = tmp_path / "huge.csv"
    path.write_text(
        "\r\n".join(
            [
                header,
                "A-1,x,01/Jul/24 9:00 AM,small",
                f"A-2,x,01/Jul/24 9:00 AM,{cell}",
                "A-3,x,01/Jul/24 9:00 AM,small",
            ]
        ),
        encoding="utf-8",
        newline="",
    )
    assert path.stat().st_size > 50 * 2**20
    outcome = parse_in_child(path)
    assert outcome["keys"] == ["A-1", "A-2", "A-3"] and outcome["rejects"] == [], outcome
    assert outcome["seconds"] < 60 and outcome["peak_mb"] < 2048, outcome


def test_a_100000_column_export_is_counted_by_its_whole_header(tmp_path):
    # The header (2.4 MB) is longer than the 256 KB detection sample: the column count in a
    # ragged row's reason is the header's real one, and full-width rows load.
    width = 100_000
    header = ["Issue key", "Summary", "Created"] + [f"Custom field (f{i})" for i in range(width - 3)]
    row = ["A-{}", "x", "01/Jul/24 9:00 AM"] + ["v"] * (width - 3)
    lines = [",".join(header), ",".join(row).format(1), ",".join(row[:-1]).format(2), ",".join(row).format(3)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = parse(path)
    assert sorted(items(result)) == ["A-1", "A-3"]
    assert [r.row for r in result.rejects] == [2]
    assert result.rejects[0].reason.startswith("row has fewer than 100000 fields, expected 100000 like the header")


def test_a_header_row_over_the_limit_is_refused(write_file, monkeypatch):
    monkeypatch.setattr(jira_csv, "MAX_HEADER_CHARS", 100)
    path = write_file("long.csv", "Issue key,Created," + ",".join(f"Custom field (f{i})" for i in range(20)) + "\n")
    with pytest.raises(FileRefused, match="long.csv: the header row is longer than"):
        jira_csv.parse(path, "jira_csv", ImportOptions())


def test_identifiers_come_from_positions_not_file_content():
    hostile = 'Inward issue link (x"); drop table t; --)'
    header = jira_csv.map_header(["Issue key", "Created", hostile])
    query = jira_csv.build_read_query(header)
    assert "drop table" not in query and "column2 as link_0" in query
    assert "drop table" not in jira_csv.links_query(header)


# ---- the real samples ------------------------------------------------------------------------


def needs_samples(path):
    if not path.exists():
        pytest.skip(f"{path} is absent (the real samples live in ../shared/samples)")
    return path


@pytest.mark.samples
def test_real_cloud_export_loads_every_row():
    result = parse(needs_samples(JIRA_SAMPLES / "ericmedlock__planeso-jira-migration__Jira.csv"))
    assert result.rejects == [] and result.rows_read == 22
    got = items(result)
    assert len(got) == 22
    assert got["TES-25"]["created_at"] == utc(2025, 9, 22, 9, 26)
    assert got["TES-25"]["sprints"] == ["TES Sprint 1"]
    assert got["TES-25"]["url"] is None


@pytest.mark.samples
@pytest.mark.parametrize(
    "name",
    [
        "alanjklim__tools__jira_server_dc__HEADER_ONLY.csv",
        "fleetbase__fleetbase__es_locale__HEADER_EXCERPT.csv",
        "nykval__ekocrop-jira-release-map__ru_locale__HEADER_EXCERPT.csv",
    ],
)
def test_real_header_only_samples_parse_to_zero_rows(name):
    result = parse(needs_samples(JIRA_SAMPLES / "headers_only" / name))
    assert (result.rows_read, result.rejects, result.tables["work_items"].num_rows) == (0, [], 0)


@pytest.mark.samples
def test_real_header_tail_excerpt_is_detected_and_explains_what_is_missing():
    name = "fleetbase__fleetbase__es_locale__HEADER_TAIL_EXCERPT.csv"
    path = JIRA_SAMPLES / "headers_only" / name
    result = parse(needs_samples(path))
    assert [r.row for r in result.rejects] == [None]
    assert "Clave de incidencia" in result.rejects[0].reason
