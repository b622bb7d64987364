"""Organisation files (teams.csv, members.csv, ownership.csv): detection by header, parsing,
and row-level rejects that name the row, the field and what was expected."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import FIXTURES, detect_and_parse, rows

from analysis import importers
from analysis.importers import FileRefused, org


def parse(path):
    return detect_and_parse(path, org)


def table(result, kind):
    return result.tables[kind].to_dict("records")


def only_reject(result):
    assert len(result.rejects) == 1, result.rejects
    return result.rejects[0]


# ---- detection -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, kind",
    [
        ("team,reorg_date,model,leader", "teams"),
        ("leader,model,reorg_date,team", "teams"),  # any order
        ("Team,Reorg Date,Model,Leader", "teams"),  # Excel-style title case, space
        ("TEAM;REORG_DATE", "teams"),  # required columns only, `;`
        ("person,team,start_date,end_date", "members"),
        ("End_Date,Start_Date,Team,Person", "members"),
        ("person\tteam", "members"),  # tab separated
        ("kind,value,team,start_date,end_date", "ownership"),
        ("team;kind;value", "ownership"),
    ],
)
def test_detected_by_header_whatever_the_order_case_or_separator(write_file, header, kind):
    path = write_file("whatever_name.csv", header + "\n")
    importer, detected = importers.detect(path)
    assert (importer, detected) == (org, kind)


def test_detection_ignores_the_file_name(write_file):
    # Called teams.csv, but the header is a roster: the content decides.
    path = write_file("teams.csv", "person,team\nAna,Checkout\n")
    assert importers.detect(path) == (org, "members")


def test_a_team_column_alone_is_not_an_organisation_file(write_file):
    path = write_file("x.csv", "team,city\nCheckout,Oslo\n")
    with pytest.raises(FileRefused, match="x.csv: unrecognised content; expected"):
        importers.detect(path)


# ---- parsing good files --------------------------------------------------------------------


def test_teams_fixture_with_a_comparison_team():
    result = parse(FIXTURES / "org" / "teams.csv")
    assert result.rejects == []
    assert result.rows_read == 3
    assert table(result, "teams") == [
        {"team": "Checkout", "reorg_date": dt.date(2024, 7, 1), "model": "sto", "leader": "Dana"},
        {"team": "Payments", "reorg_date": dt.date(2024, 7, 1), "model": "sto", "leader": "Eli"},
        # An empty reorg_date marks a team that did not reorganise (SPEC "Inputs").
        {"team": "Search", "reorg_date": None, "model": "triad", "leader": "Fay"},
    ]


def test_members_fixture_keeps_every_dated_row():
    result = parse(FIXTURES / "org" / "members.csv")
    assert result.rejects == []
    assert [(r["person"], r["team"], r["start_date"], r["end_date"]) for r in table(result, "members")] == [
        ("Ana", "Checkout", dt.date(2023, 1, 1), dt.date(2024, 6, 30)),
        ("Ana", "Payments", dt.date(2024, 7, 1), None),
        ("Ben", "Search", None, None),
        ("Cy", "Payments", dt.date(2024, 2, 1), None),
    ]


def test_ownership_fixture():
    result = parse(FIXTURES / "org" / "ownership.csv")
    assert result.rejects == []
    records = table(result, "ownership")
    assert len(records) == 8
    assert {r["kind"] for r in records} == set(org.OWNERSHIP_KINDS)
    assert records[1] == {
        "kind": "jira_component",
        "value": "cart",
        "team": "Checkout",
        "start_date": None,
        "end_date": dt.date(2024, 6, 30),
    }


def test_bom_semicolons_crlf_and_reordered_columns(write_file):
    # What Excel writes for "CSV UTF-8" in a locale whose list separator is `;`.
    text = "Leader;Team;Model;Reorg_Date\r\nDana;Checkout;sto;2024-07-01\r\nFay;Search;triad;\r\n"
    path = write_file("teams.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = parse(path)
    assert result.rejects == []
    assert table(result, "teams") == [
        {"team": "Checkout", "reorg_date": dt.date(2024, 7, 1), "model": "sto", "leader": "Dana"},
        {"team": "Search", "reorg_date": None, "model": "triad", "leader": "Fay"},
    ]


def test_cp1252_names_as_excel_saves_them_on_windows(write_file):
    text = "person,team,start_date,end_date\r\nJosé Núñez,Checkout,2024-01-01,\r\nZoë,Search,,\r\n"
    path = write_file("members.csv", text.encode("cp1252"))
    result = parse(path)
    assert result.rejects == []
    assert [r["person"] for r in table(result, "members")] == ["José Núñez", "Zoë"]


def test_cp1252_character_in_the_last_bytes_of_the_file(write_file):
    # No newline after the last row, so the non-UTF-8 byte is the file's very last byte.
    path = write_file("teams.csv", "team,reorg_date,model,leader\r\nCheckout,2024-07-01,sto,José".encode("cp1252"))
    result = parse(path)
    assert result.rejects == []
    assert table(result, "teams")[0]["leader"] == "José"


def test_utf8_names(write_file):
    path = write_file("members.csv", "person,team\nJosé,Checkout\nЮлия,Search\n")
    assert [r["person"] for r in table(parse(path), "members")] == ["José", "Юлия"]


def test_excel_resaved_dates_with_a_time_part_are_dates(write_file):
    path = write_file("teams.csv", "team,reorg_date\nCheckout,2024-07-01 00:00:00\n")
    assert table(parse(path), "teams")[0]["reorg_date"] == dt.date(2024, 7, 1)


def test_ownership_kind_is_case_insensitive(write_file):
    path = write_file("ownership.csv", "kind,value,team\nJira_Project,CHK,Checkout\nGITHUB_REPO,acme/shop,Checkout\n")
    result = parse(path)
    assert result.rejects == []
    assert [r["kind"] for r in table(result, "ownership")] == ["jira_project", "github_repo"]


def test_extra_columns_are_ignored_with_a_note(write_file):
    path = write_file("teams.csv", "team,reorg_date,notes\nCheckout,2024-07-01,moved in July\n")
    result = parse(path)
    assert result.rejects == []
    assert table(result, "teams") == [
        {"team": "Checkout", "reorg_date": dt.date(2024, 7, 1), "model": None, "leader": None}
    ]
    assert any("notes" in note and "teams.csv" in note for note in result.notes)


def test_blank_lines_are_skipped_and_row_numbers_still_count_them(write_file):
    path = write_file("teams.csv", "team,reorg_date\nCheckout,2024-07-01\n\nSearch,someday\n")
    result = parse(path)
    assert [r["team"] for r in table(result, "teams")] == ["Checkout"]
    # Data rows: 1 = Checkout, 2 = the blank line, 3 = Search (header not counted, see base.Reject).
    assert only_reject(result).row == 3


@pytest.mark.parametrize(
    "dates, expected",
    [
        (["01.10.2025", "15.03.2025"], [dt.date(2025, 10, 1), dt.date(2025, 3, 15)]),  # German Excel: day first
        (["01/10/2025", "25/09/2025"], [dt.date(2025, 10, 1), dt.date(2025, 9, 25)]),  # 25 settles day first
        (["10/1/2025", "9/25/2025"], [dt.date(2025, 10, 1), dt.date(2025, 9, 25)]),  # US Excel: 25 settles month first
        (["10/1/2025 0:00", "9/25/2025 00:00"], [dt.date(2025, 10, 1), dt.date(2025, 9, 25)]),
    ],
)
def test_dates_as_a_spreadsheet_resaves_them(write_file, dates, expected):
    """An organisation file opened and saved in Excel has its dates in the locale's form."""
    path = write_file("teams.csv", "team,reorg_date\n" + "".join(f"T{i},{d}\n" for i, d in enumerate(dates)))
    result = parse(path)
    assert result.rejects == []
    assert [r["reorg_date"] for r in table(result, "teams")] == expected


@pytest.mark.parametrize("order, expected", [("mdy", dt.date(2025, 10, 1)), ("dmy", dt.date(2025, 1, 10))])
def test_the_date_order_option_reads_dates_no_value_settles(write_file, order, expected):
    path = write_file("members.csv", "person,team,start_date\nAna,Checkout,10/1/2025\n")
    result = detect_and_parse(path, org, options=importers.ImportOptions(date_order=order))
    assert result.rejects == []
    assert table(result, "members")[0]["start_date"] == expected


def test_a_slash_date_no_value_settles_names_the_date_order_option(write_file):
    path = write_file("teams.csv", "team,reorg_date\nCheckout,10/1/2025\nSearch,2025-03-01\n")
    reject = only_reject(parse(path))
    assert (reject.row, reject.field) == (1, "reorg_date")
    assert "10/1/2025" in reject.reason and "YYYY-MM-DD" in reject.reason and "--date-order" in reject.reason


# ---- rejected rows: row, field, and what was expected ---------------------------------------


def test_bad_reorg_date_rejects_that_row_only(write_file):
    path = write_file(
        "teams.csv", "team,reorg_date,model\nCheckout,2024-07-01,sto\nPayments,01/07/2024,sto\nSearch,,triad\n"
    )
    result = parse(path)
    assert [r["team"] for r in table(result, "teams")] == ["Checkout", "Search"]
    reject = only_reject(result)
    assert (reject.row, reject.field) == (2, "reorg_date")
    assert "01/07/2024" in reject.reason and "YYYY-MM-DD" in reject.reason


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-13-01", "July 1st", "2024/07/01"])
def test_impossible_or_foreign_dates_are_rejected(write_file, bad):
    path = write_file("members.csv", f"person,team,start_date\nAna,Checkout,{bad}\nBen,Search,2024-01-01\n")
    result = parse(path)
    reject = only_reject(result)
    assert (reject.row, reject.field) == (1, "start_date")
    assert bad in reject.reason and "YYYY-MM-DD" in reject.reason
    assert [r["person"] for r in table(result, "members")] == ["Ben"]


def test_unknown_ownership_kind_names_the_allowed_kinds(write_file):
    path = write_file("ownership.csv", "kind,value,team\njira_project,CHK,Checkout\njira_board,42,Checkout\n")
    result = parse(path)
    reject = only_reject(result)
    assert (reject.row, reject.field) == (2, "kind")
    assert "jira_board" in reject.reason
    for kind in org.OWNERSHIP_KINDS:
        assert kind in reject.reason
    assert len(table(result, "ownership")) == 1


def test_end_date_before_start_date(write_file):
    path = write_file(
        "members.csv", "person,team,start_date,end_date\nAna,Checkout,2024-07-01,2024-06-30\nBen,Search,,\n"
    )
    result = parse(path)
    reject = only_reject(result)
    assert (reject.row, reject.field) == (1, "end_date")
    assert "2024-06-30" in reject.reason and "before" in reject.reason and "2024-07-01" in reject.reason
    assert [r["person"] for r in table(result, "members")] == ["Ben"]


def test_end_date_equal_to_start_date_is_a_one_day_stay(write_file):
    path = write_file("members.csv", "person,team,start_date,end_date\nAna,Checkout,2024-07-01,2024-07-01\n")
    assert parse(path).rejects == []


@pytest.mark.parametrize(
    "name, text, field",
    [
        ("members.csv", "person,team\nAna,\nBen,Search\n", "team"),
        ("members.csv", "person,team\n,Checkout\nBen,Search\n", "person"),
        ("ownership.csv", "kind,value,team\njira_project,,Checkout\njira_project,OPS,Search\n", "value"),
        ("ownership.csv", "kind,value,team\njira_project,CHK,   \njira_project,OPS,Search\n", "team"),
        ("teams.csv", "team,reorg_date\n,2024-07-01\nSearch,\n", "team"),
    ],
)
def test_missing_required_value(write_file, name, text, field):
    result = parse(write_file(name, text))
    reject = only_reject(result)
    assert (reject.row, reject.field) == (1, field)
    assert f"needs a {field}" in reject.reason
    assert result.rows_read == 2
    assert len(next(iter(result.tables.values()))) == 1


@pytest.mark.parametrize("line, cells", [("Payments,2024-07-01,sto,Eli,extra", 5), ("Payments,2024-07-01", 2)])
def test_ragged_rows_are_rejected_with_the_expected_field_count(write_file, line, cells):
    path = write_file("teams.csv", f"team,reorg_date,model,leader\nCheckout,2024-07-01,sto,Dana\n{line}\n")
    result = parse(path)
    reject = only_reject(result)
    assert reject.row == 2
    assert f"has {cells} fields, expected 4" in reject.reason
    assert [r["team"] for r in table(result, "teams")] == ["Checkout"]


def test_duplicate_team_rows_keep_the_first(write_file):
    path = write_file("teams.csv", "team,reorg_date\nCheckout,2024-07-01\nSearch,\nCheckout,2024-09-01\n")
    result = parse(path)
    assert table(result, "teams") == [
        {"team": "Checkout", "reorg_date": dt.date(2024, 7, 1), "model": None, "leader": None},
        {"team": "Search", "reorg_date": None, "model": None, "leader": None},
    ]
    reject = only_reject(result)
    assert (reject.row, reject.field) == (3, "team")
    assert '"Checkout"' in reject.reason and "earlier row" in reject.reason


def test_a_person_may_have_several_rows(write_file):
    # Moving teams is two roster rows, not a duplicate.
    result = parse(FIXTURES / "org" / "members.csv")
    assert [r["team"] for r in table(result, "members") if r["person"] == "Ana"] == ["Checkout", "Payments"]


# ---- through the store ----------------------------------------------------------------------


def test_rejects_reach_the_store_with_file_row_field_and_reason(store, write_file):
    path = write_file("my teams.csv", "team,reorg_date\nCheckout,2024-07-01\nPayments,soon\nSearch,\n")
    outcome = store.load_file(path)
    assert (outcome.kind, outcome.status, outcome.rows_read, outcome.rows_loaded) == ("teams", "partial", 3, 2)
    assert rows(store, "select team, reorg_date from teams order by team") == [
        ("Checkout", dt.date(2024, 7, 1)),
        ("Search", None),
    ]
    [(file_name, row_number, field, reason)] = rows(
        store, "select file_name, row_number, field, reason from rejected_rows"
    )
    assert (file_name, row_number, field) == ("my teams.csv", 2, "reorg_date")
    assert '"soon"' in reason and "YYYY-MM-DD" in reason
    assert rows(store, "select status, rows_read, rows_loaded, rows_rejected from load_log") == [("partial", 3, 2, 1)]


def test_the_three_fixture_files_load_into_their_tables(store):
    outcomes = store.load_paths([FIXTURES / "org"])
    assert sorted((o.file_name, o.kind, o.status, o.rows_loaded) for o in outcomes) == [
        ("members.csv", "members", "loaded", 4),
        ("ownership.csv", "ownership", "loaded", 8),
        ("teams.csv", "teams", "loaded", 3),
    ]
    assert rows(store, "select count(*) from teams where reorg_date is null") == [(1,)]
    assert rows(store, "select source_file, count(*) from ownership group by all") == [("ownership.csv", 8)]
