"""Jira CSV exports in the UI languages Jira ships: headers, month names and AM/PM markers, and
the column mapping for headers Threadline does not know.

Independent sources: the header rows below are transcribed from real exports found in public
code (the source of each is named beside it and in analysis/importers/jira_locale.py); the
expected times are worked out by hand from the calendar (15/Mär/26 4:37 PM is 2026-03-15 16:37),
not read back from the importer's tables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import duckdb
import pytest
from conftest import PROJECT_ROOT, detect_and_parse, utc

from analysis import importers
from analysis.importers import FileRefused, ImportOptions, jira_csv, jira_locale, read_column_map


def parse(path, **options):
    return detect_and_parse(path, jira_csv, "jira_csv", ImportOptions(**options))


def items(result) -> dict[str, dict]:
    return {row["item_key"]: row for row in result.tables["work_items"].to_pylist()}


def export(write_file, header: str, *rows: str, name="jira.csv", encoding="utf-8") -> object:
    return write_file(name, ("\n".join([header, *rows]) + "\n").encode(encoding))


# ---- German ----------------------------------------------------------------------------------

# The first columns of a German Jira Cloud "all fields" header as pasted into a public app
# (public code), then its Statuskategorie and Übergeordnet columns.
GERMAN_HEADER = (
    "Zusammenfassung,Vorgangsschlüssel,Vorgangs-ID,Vorgangstyp,Status,Projektschlüssel,Projektname,"
    "Priorität,Lösung,Zugewiesene Person,Autor,Erstellt,Aktualisiert,Zuletzt angezeigt,Erledigt,"
    "Fälligkeitsdatum,Benutzerdefinierte Felder (Flagged),Sprint,Statuskategorie,Übergeordnet"
)


def test_a_german_export_loads_with_german_months(write_file):
    # Months as issue 14 quotes a German export: Mär, Okt, Dez.
    path = export(
        write_file,
        GERMAN_HEADER,
        "Kasse,KAS-1,10001,Story,Fertig,KAS,Kasse,Hoch,Erledigt,Ana,Ben,02/Mär/26 9:05 AM,"
        "15/Okt/26 4:37 PM,,15/Okt/26 4:37 PM,01/Dez/26,,KAS Sprint 1,Fertig,",
        "Rabatt,KAS-2,10002,Fehler,Offen,KAS,Kasse,Mittel,,,Ben,03/Mär/26 10:00 AM,03/Mär/26 10:00 AM,,,,"
        "Ja,,Zu erledigen,10001",
    )
    result = parse(path)
    assert result.rejects == [] and result.rows_read == 2
    got = items(result)
    assert got["KAS-1"]["created_at"] == utc(2026, 3, 2, 9, 5)
    assert got["KAS-1"]["resolved_at"] == utc(2026, 10, 15, 16, 37)
    assert got["KAS-1"]["due_date"] == dt.date(2026, 12, 1)
    assert got["KAS-1"]["assignee"] == "Ana" and got["KAS-1"]["status_category"] == "Fertig"
    assert got["KAS-1"]["sprints"] == ["KAS Sprint 1"] and got["KAS-1"]["project_key"] == "KAS"
    assert got["KAS-2"]["parent_key"] == "KAS-1" and got["KAS-2"]["is_flagged"] is True


def test_a_german_export_re_saved_by_excel_loads(write_file):
    # As the German pytest source (public code) shows one: Server names
    # (Bearbeiter, Stichwörter), semicolons, cp1252 and dates like 23.10.2024 11:02.
    header = "Zusammenfassung;Vorgangsschlüssel;Vorgangstyp;Status;Bearbeiter;Stichwörter;Erstellt;Aktualisiert"
    path = export(
        write_file,
        header,
        "Splunk etablieren;AE-1200;Aufgabe;Zu erledigen;max;betrieb;23.10.2024 11:02;16.02.2026 11:12",
        encoding="cp1252",
    )
    result = parse(path)
    assert result.rejects == []
    got = items(result)["AE-1200"]
    assert got["created_at"] == utc(2024, 10, 23, 11, 2) and got["updated_at"] == utc(2026, 2, 16, 11, 12)
    assert got["assignee"] == "max" and got["labels"] == ["betrieb"] and got["project_key"] == "AE"
    [note] = [n for n in result.notes if "re-saved by a spreadsheet" in n]
    assert "cp1252" in note and "semicolon" in note and "23.10.2024 11:02" in note


# ---- Portuguese, Polish, French --------------------------------------------------------------

# Portuguese (Brazil) names from public code; CLDR's Portuguese months are "fev.", "set."; Java writes them without the dot too.
PORTUGUESE_HEADER = "Tipo de item,Chave da item,ID da item,Resumo,Status,Criado,Atualizado(a),Resolvido,Responsável"


def test_a_portuguese_export_loads(write_file):
    path = export(
        write_file,
        PORTUGUESE_HEADER,
        "História,APP-7,7,Carrinho,Concluído,15/fev./26 4:37 PM,20/set/26 9:00 AM,20/set/26 9:00 AM,Ana",
    )
    result = parse(path)
    assert result.rejects == []
    got = items(result)["APP-7"]
    assert got["created_at"] == utc(2026, 2, 15, 16, 37) and got["resolved_at"] == utc(2026, 9, 20, 9, 0)
    assert got["title"] == "Carrinho" and got["item_type"] == "História" and got["project_key"] == "APP"


# Polish names from public code: no Resolved column there.
POLISH_HEADER = "Typ zgłoszenia,Podsumowanie,Status,Klucz zgłoszenia,Id. zgłoszenia,Utworzono,Zaktualizowano"


def test_a_polish_export_without_a_resolved_column_says_so_loudly(write_file):
    path = export(write_file, POLISH_HEADER, "Story,Koszyk,Gotowe,T1-1,10,15/lut/26 16:37,3/paź/26 08:00")
    result = parse(path)
    assert result.rejects == []
    got = items(result)["T1-1"]
    assert got["created_at"] == utc(2026, 2, 15, 16, 37) and got["updated_at"] == utc(2026, 10, 3, 8, 0)
    assert got["resolved_at"] is None and got["project_key"] == "T1"
    [note] = [n for n in result.notes if n.startswith("NO RESOLVED COLUMN")]
    assert "CSV (all fields)" in note


# French names from public code; its creation-date header
# was not found, so the analyst maps it. "Date de création" below is the analyst's own name.
FRENCH_HEADER = "Résumé,Clé de ticket,Type de ticket,Clé de projet,Date de création,Lien de ticket sortant (Blocks)"


def test_a_french_export_needs_the_mapping_for_its_creation_date(write_file):
    path = export(write_file, FRENCH_HEADER, "Connexion,PROJ-1,Tâche,PROJ,15/févr./26 16:37,PROJ-2")
    refused = parse(path)
    [reject] = refused.rejects
    assert "Created" in reject.reason and "column mapping" in reject.reason
    result = parse(path, column_map={"created": "Date de création"})
    assert result.rejects == []
    assert items(result)["PROJ-1"]["created_at"] == utc(2026, 2, 15, 16, 37)
    assert {tuple(r.values()) for r in result.tables["links"].to_pylist()} == {
        ("PROJ-1", "Blocks", "outward", "PROJ-2")
    }


# Chinese names from public code: a weekly analysis of Jira CSV exports and
# a script indexing a Chinese export's header row, whose custom fields have
# no space before the bracket. Months and day periods as CLDR writes them in Chinese.
CHINESE_HEADER = (
    "概要,问题关键字,模块,经办人,创建日期,解决日期,标签,标签,自定义字段(Epic Link),自定义字段(Story Points)"
)


def test_a_chinese_export_loads(write_file):
    path = export(
        write_file,
        CHINESE_HEADER,
        "登录页面,WF-12,工作流,张三,15/二月/26 4:37 下午,3/3月/26 9:05 上午,流程-审批,紧急,WF-1,5",
    )
    result = parse(path)
    assert result.rejects == []
    got = items(result)["WF-12"]
    assert got["created_at"] == utc(2026, 2, 15, 16, 37) and got["resolved_at"] == utc(2026, 3, 3, 9, 5)
    assert got["title"] == "登录页面" and got["assignee"] == "张三" and got["components"] == ["工作流"]
    assert got["labels"] == ["流程-审批", "紧急"] and got["parent_key"] == "WF-1" and got["story_points"] == 5.0
    assert got["project_key"] == "WF"


# ---- languages served by the column mapping --------------------------------------------------

# Japanese field names as a public spreadsheet built from Jira names them (public code: 課題タイプ, 課題キー, 要約); the dates use CLDR's Japanese month and day period.
JAPANESE_MAP = {"item_key": "課題キー", "item_type": "課題タイプ", "title": "要約", "created": "作成日"}


def test_japanese_and_chinese_dates_load_through_the_mapping(write_file):
    path = export(
        write_file,
        "課題タイプ,課題キー,要約,作成日",
        "タスク,JP-1,ログイン,15/2月/26 4:37 午後",
        "タスク,JP-2,ログアウト,15/二月/26 9:05 上午",
        "タスク,JP-3,設定,1/12月/26 11:59 下午",
    )
    with pytest.raises(FileRefused, match="unrecognised content"):
        importers.detect(path)
    result = importers.parse_file(path, ImportOptions(column_map=JAPANESE_MAP))
    assert result.rejects == []
    got = items(result)
    assert got["JP-1"]["created_at"] == utc(2026, 2, 15, 16, 37)
    assert got["JP-2"]["created_at"] == utc(2026, 2, 15, 9, 5)
    assert got["JP-3"]["created_at"] == utc(2026, 12, 1, 23, 59)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Spanish "p. m." (CLDR, with a no-break space as newer Java writes it) and Dutch "a.m."
        ("10/nov/25 4:51\u00a0p.\u00a0m.", utc(2025, 11, 10, 16, 51)),
        ("10/mrt/25 4:51 a.m.", utc(2025, 3, 10, 4, 51)),
        # Italian (giu, lug), Dutch (mei), Polish (paź), French wide prefix (juil.)
        ("3/giu/25 10:00", utc(2025, 6, 3, 10, 0)),
        ("3/lug/25 10:00", utc(2025, 7, 3, 10, 0)),
        ("3/mei/25 10:00", utc(2025, 5, 3, 10, 0)),
        ("3/paź/25 10:00", utc(2025, 10, 3, 10, 0)),
        ("3/juil./25 10:00", utc(2025, 7, 3, 10, 0)),
        # Russian forms Jira writes that CLDR lacks (the alias table)
        ("3/фев/25 10:00", utc(2025, 2, 3, 10, 0)),
        ("3/сен./25 10:00", utc(2025, 9, 3, 10, 0)),
    ],
)
def test_month_names_and_day_periods_of_every_language(write_file, text, expected):
    path = export(write_file, "Issue key,Summary,Issue Type,Created", f"AB-1,x,Story,{text}")
    result = parse(path)
    assert result.rejects == []
    assert items(result)["AB-1"]["created_at"] == expected


def test_no_month_token_means_two_months_across_languages():
    assert jira_locale.MONTH_CONFLICTS == {}
    # Abbreviations Java (and so Jira) writes, by hand from each language's calendar.
    expected = {"mär": "Mar", "okt": "Oct", "dez": "Dec", "févr": "Feb", "déc": "Dec", "fev": "Feb", "out": "Oct"}
    expected |= {"gen": "Jan", "mag": "May", "ott": "Oct", "mrt": "Mar", "sty": "Jan", "gru": "Dec", "ene": "Jan"}
    assert {token: jira_locale.MONTHS[token] for token in expected} == expected


def test_an_unknown_month_is_rejected_by_name(write_file):
    path = export(write_file, "Issue key,Summary,Issue Type,Created", "AB-1,x,Story,3/xyz/25 10:00", "AB-2,y,Story,")
    result = parse(path)
    assert [(r.row, r.field) for r in result.rejects] == [(1, "Created"), (2, "Created")]
    assert '"3/xyz/25 10:00" is not a date like 15/Feb/26 4:37 PM' in result.rejects[0].reason


# ---- the column mapping ----------------------------------------------------------------------


def test_a_mapped_header_overrides_a_recognised_one(write_file):
    path = export(
        write_file,
        "Issue key,Summary,Issue Type,Created,Date delivered",
        "AB-1,x,Story,01/Jun/24 9:00 AM,05/Jun/24 4:37 PM",
    )
    result = parse(path, column_map={"resolved": "Date delivered"})
    assert items(result)["AB-1"]["resolved_at"] == utc(2024, 6, 5, 16, 37)


def test_a_mapping_that_names_a_missing_column_says_so(write_file):
    path = export(write_file, "Issue key,Summary,Issue Type,Created", "AB-1,x,Story,01/Jun/24 9:00 AM")
    result = parse(path, column_map={"due": "Échéance"})
    [reject] = result.rejects
    assert reject.row is None and '"Échéance" for due' in reject.reason
    assert items(result)["AB-1"]["created_at"] == utc(2024, 6, 1, 9, 0)


def test_column_map_files_in_csv_and_json(write_file):
    as_csv = write_file("map.csv", "our_field,their_header\nitem_key,課題キー\ncreated,作成日\n")
    as_json = write_file("map.json", json.dumps({"item_key": "課題キー", "created": "作成日"}))
    assert read_column_map(as_csv) == read_column_map(as_json) == {"item_key": "課題キー", "created": "作成日"}
    with pytest.raises(ValueError, match=r"map\.csv, row 2: expected two cells"):
        read_column_map(write_file("map.csv", "item_key,Key\ncreated\n"))
    with pytest.raises(ValueError, match=r"unknown fields resolution_time"):
        read_column_map(write_file("map.csv", "resolution_time,Done at\n"))


def test_the_command_line_takes_a_column_map_file(tmp_path):
    (tmp_path / "jira.csv").write_text("課題タイプ,課題キー,要約,作成日\nタスク,JP-1,ログイン,15/2月/26 4:37 午後\n")
    (tmp_path / "map.csv").write_text("item_key,課題キー\ncreated,作成日\ntitle,要約\n")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", "jira.csv", "--db", "t.duckdb", "--column-map", "map.csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    # The data-quality report shows a loaded file's notes, the loud one included.
    assert "    note: NO RESOLVED COLUMN: this export has no Resolved column" in run.stdout
    con = duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)
    try:
        assert con.execute("select item_key, title, project_key from work_items").fetchall() == [
            ("JP-1", "ログイン", "JP")
        ]
    finally:
        con.close()
    bad = subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", "jira.csv", "--db", "t.duckdb", "--column-map", "jira.csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "jira.csv, row 1: expected two cells" in bad.stderr


# ---- no project column -----------------------------------------------------------------------


def test_without_a_project_key_column_the_project_comes_from_the_issue_key(write_file):
    path = export(
        write_file,
        "Issue key,Summary,Issue Type,Created",
        "AP-4,x,Story,01/Jun/24 9:00 AM",
        "odd key,y,Story,01/Jun/24 9:00 AM",
    )
    got = items(parse(path))
    assert got["AP-4"]["project_key"] == "AP" and got["odd key"]["project_key"] is None
