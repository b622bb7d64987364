"""The column mapping the Data page builds for a file it could not recognise: the file's header,
the suggested and checked mapping, the same file format as `--column-map`, remembered by header;
and the one-step ownership rows for items and releases that belong to no team."""

from __future__ import annotations

import codecs

from conftest import rows

from analysis.importers import ImportOptions, read_column_map
from analysis.importers.column_map import csv_header, header_key, mapping_file, mapping_problems, suggested
from analysis.store import Store
from analysis.views.data import load_uploads, map_unowned, unmapped_files, unowned

# A header no importer knows (made-up names), semicolons, a title row above it, as a spreadsheet
# re-save writes it; "Statut" is also made up, "Issue Type" is English and recognised.
UNKNOWN = """Export of 2 issues;;;;
Ref;Issue Type;Statut;Ouvert le;Fermé le
ZZ-1;Story;Fait;2024-02-01 09:00;2024-03-05 16:37
ZZ-2;Bug;Ouvert;2024-02-02 09:00;
"""
MAPPING = {"item_key": "Ref", "created": "Ouvert le", "resolved": "Fermé le", "status": "Statut"}


def test_the_header_is_found_below_a_title_in_any_encoding():
    expected = ["Ref", "Issue Type", "Statut", "Ouvert le", "Fermé le"]
    assert csv_header(UNKNOWN.encode("utf-8")) == expected
    assert csv_header(UNKNOWN.encode("cp1252")) == expected
    assert csv_header(codecs.BOM_UTF16_LE + UNKNOWN.encode("utf-16-le")) == expected
    assert csv_header(b"\x00\x01\x02binary") == []
    assert csv_header(b"just one line of prose\n") == []


def test_the_key_is_the_same_for_the_same_columns_only():
    header = csv_header(UNKNOWN.encode("utf-8"))
    assert header_key(header) == header_key([" ref ", "ISSUE TYPE", "statut", "Ouvert le", "Fermé le"])
    assert header_key(header) != header_key(header[:-1])


def test_suggestions_come_from_recognised_names_and_problems_are_named():
    header = csv_header(UNKNOWN.encode("utf-8"))
    assert suggested(header) == {"item_type": "Issue Type"}
    assert mapping_problems({"item_key": "Ref"}, header) == ["Created needs a column"]
    assert mapping_problems({"item_key": "Ref", "created": "Nope"}, header) == [
        '"Nope" is not a column of this file (for created)'
    ]
    assert mapping_problems({"item_key": "Ref", "created": "Ref"}, header) == [
        '"Ref" is chosen for both item_key and created'
    ]
    assert mapping_problems(MAPPING, header) == []


def test_the_mapping_file_is_the_command_line_format(tmp_path):
    path = tmp_path / "column-map.csv"
    path.write_bytes(mapping_file({**MAPPING, "due": None}))
    assert read_column_map(path) == MAPPING


def test_an_unrecognised_upload_loads_with_its_mapping_and_the_next_one_with_the_remembered_one():
    store = Store()
    try:
        data = UNKNOWN.encode("utf-8")
        [refused] = load_uploads(store, [("odd.csv", data)], "UTC")
        assert (refused.status, refused.kind) == ("refused", None)
        [file] = unmapped_files([("odd.csv", data)], [refused])
        assert file.header[0] == "Ref" and file.key == header_key(list(file.header))
        remembered = {file.key: MAPPING}
        [loaded] = load_uploads(store, [("odd.csv", data)], "UTC", column_maps=remembered)
        assert (loaded.status, loaded.rows_loaded) == ("loaded", 2)
        got = rows(store, "select item_key, status, resolved_at is not null from work_items order by 1")
        assert got == [("ZZ-1", "Fait", True), ("ZZ-2", "Ouvert", False)]
        # The project comes from the issue key: the file has no Project key column.
        assert rows(store, "select distinct project_key from work_items") == [("ZZ",)]
        again = UNKNOWN.replace("ZZ-1", "ZZ-3").encode("utf-8")
        [next_file] = load_uploads(store, [("odd2.csv", again)], "UTC", column_maps=remembered)
        assert next_file.status == "loaded"
    finally:
        store.close()


def test_a_file_that_was_recognised_is_not_offered_for_mapping():
    teams = b"team,reorg_date\nA,2025-01-01\n"
    store = Store()
    try:
        results = load_uploads(store, [("teams.csv", teams)], "UTC")
        assert unmapped_files([("teams.csv", teams)], results) == []
    finally:
        store.close()


def test_unowned_projects_and_repositories_are_counted_and_mapped_in_one_step():
    store = Store()
    try:
        load_uploads(
            store,
            [
                ("teams.csv", b"team,reorg_date\nCore,2025-01-01\n"),
                ("odd.csv", UNKNOWN.encode("utf-8")),
                ("acme__web__tags.csv", b"tag,tagger_date\nv1.0,2024-03-01T10:00:00+00:00\n"),
            ],
            "UTC",
            column_maps={header_key(csv_header(UNKNOWN.encode("utf-8"))): MAPPING},
        )
        found = unowned(store.con)
        assert (found.items, found.releases) == (2, 1)
        assert found.sources.values.tolist() == [["jira_project", "ZZ", 2, 0], ["github_repo", "acme/web", 0, 1]]
        problems = map_unowned(store, {("jira_project", "ZZ"): "Core", ("github_repo", "acme/web"): None}, "UTC")
        assert problems == []
        found = unowned(store.con)
        assert (found.items, found.releases) == (0, 1)
        assert rows(store, "select kind, value, team from ownership") == [("jira_project", "ZZ", "Core")]
        [problem] = map_unowned(store, {("github_repo", "acme/web"): "Nobody"}, "UTC")
        assert "not a team in the teams table" in str(problem)
    finally:
        store.close()


def test_the_mapping_reaches_the_importer_as_the_command_line_gives_it(tmp_path):
    from analysis.importers import parse_file

    path = tmp_path / "odd.csv"
    path.write_text(UNKNOWN, encoding="utf-8")
    result = parse_file(path, ImportOptions(column_map=MAPPING))
    assert result.rows_read == 2


def test_link_columns_of_an_unknown_language_map_to_blocks_links(tmp_path):
    # Link headers Threadline has no names for: the analyst maps them to the two sides of Blocks.
    text = (
        "Ref;Ouvert le;Bloqué par;Bloqué par;Bloque\nLK-1;2024-02-01 09:00;LK-2;LK-3;\nLK-2;2024-02-01 09:00;;;LK-1\n"
    )
    mapping = {"item_key": "Ref", "created": "Ouvert le", "blocked_by": "Bloqué par", "blocks": "Bloque"}
    path = tmp_path / "column-map.csv"
    path.write_bytes(mapping_file(mapping))
    store = Store()
    try:
        data = text.encode("utf-8")
        [result] = load_uploads(
            store, [("links.csv", data)], "UTC", column_maps={header_key(csv_header(data)): read_column_map(path)}
        )
        assert result.status == "loaded"
        got = rows(store, "select item_key, link_type, direction, linked_key from links order by all")
    finally:
        store.close()
    assert got == [
        ("LK-1", "Blocks", "inward", "LK-2"),
        ("LK-1", "Blocks", "inward", "LK-3"),
        ("LK-2", "Blocks", "outward", "LK-1"),
    ]


def test_a_file_with_too_many_columns_to_map_by_hand_is_not_offered():
    from analysis.views.data import MAX_MAPPED_COLUMNS, UploadResult

    wide = (",".join(f"c{i}" for i in range(MAX_MAPPED_COLUMNS + 1)) + "\n").encode()
    refused = UploadResult("wide.csv", None, "refused")
    assert unmapped_files([("wide.csv", wide)], [refused]) == []
    narrow = (",".join(f"c{i}" for i in range(MAX_MAPPED_COLUMNS)) + "\n").encode()
    assert len(unmapped_files([("wide.csv", narrow)], [refused])[0].header) == MAX_MAPPED_COLUMNS


def test_remembered_mappings_are_kept_as_a_workspace_stores_them():
    from analysis.importers.column_map import by_header, remember

    first = remember([], "abc", {"key": "Schlüssel-X"})
    again = remember(first, "abc", {"key": "Titel-X"})  # a newer mapping for the same header
    both = remember(again, "def", {"key": "K"})
    assert both == [
        {"header_signature": "abc", "mapping": {"key": "Titel-X"}},
        {"header_signature": "def", "mapping": {"key": "K"}},
    ]
    assert by_header(both) == {"abc": {"key": "Titel-X"}, "def": {"key": "K"}}


def test_a_workbook_no_importer_recognises_is_offered_as_its_largest_table(tmp_path):
    # A workbook written by the test (tests/test_import_spreadsheets.write_xlsx) whose issue sheet
    # has made-up header names: refused, then offered for mapping as CSV of that sheet, and loaded.
    from test_import_spreadsheets import write_xlsx

    path = tmp_path / "issues.xlsx"
    header = ["Ref", "Issue Type", "Statut", "Ouvert le", "Fermé le"]
    write_xlsx(
        path,
        {
            "Notes": [["note"], ["exported by hand"]],
            "Tickets": [
                header,
                ["ZZ-1", "Story", "Fait", "2024-02-01 09:00", "2024-03-05 16:37"],
                ["ZZ-2", "Bug", "Ouvert", "2024-02-02 09:00", None],
            ],
        },
    )
    data = path.read_bytes()
    store = Store()
    try:
        [refused] = load_uploads(store, [("issues.xlsx", data)], "UTC")
        assert (refused.status, refused.kind) == ("refused", None) and "workspace" not in refused.message
        [file] = unmapped_files([("issues.xlsx", data)], [refused])
        assert file.name == "issues.xlsx (Tickets).csv" and list(file.header) == header
        [loaded] = load_uploads(store, [(file.name, file.data)], "UTC", column_maps={file.key: MAPPING})
        assert (loaded.status, loaded.rows_loaded) == ("loaded", 2)
        assert rows(store, "select item_key, status from work_items order by 1") == [
            ("ZZ-1", "Fait"),
            ("ZZ-2", "Ouvert"),
        ]
    finally:
        store.close()
