"""Shared fixtures: an in-memory store, files written into tmp_path, and a test-only importer.

The test importer (`canonical_file`) lets a test put exact rows into any canonical table without
depending on how a vendor export is parsed: a file starting with `{"threadline_test": ...}` is
recognised by it and its rows are handed to the store as they are. The store then does all its
real work on them (casting, merging, transactions, load_log, attribution).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis import importers
from analysis.importers import ImportOptions
from analysis.importers.base import TABLE_COLUMNS, ParseResult, Reject, Sample
from analysis.store import Store

# The project under test, found from the package itself, never from the working directory.
PROJECT_ROOT = Path(analysis.__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
# Real exports live beside the project (SPEC: ../shared/samples); tests that read them skip
# when the folder is absent.
SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"

TEST_MARKER = '{"threadline_test"'


@pytest.fixture(autouse=True)
def main_module_restored():
    """Streamlit's script runner (AppTest) makes each script it runs sys.modules["__main__"] and
    leaves it there: a process a later test spawns would first run that script again, and die on
    AppTest.from_function's temporary one (its parent then waits for it for good)."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def store():
    s = Store()
    yield s
    s.close()


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text_or_bytes) -> Path under tmp_path (text is written as UTF-8, as is)."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
        return path

    return write


def detect_and_parse(path: Path, importer, kind: str | None = None, options=None) -> ParseResult:
    """Detect through the real dispatcher (so no other importer claims the file), then parse."""
    found, found_kind = importers.detect(path)
    assert found is importer, (
        f"{path.name} was detected by {getattr(found, '__name__', found)}, not {importer.__name__}"
    )
    if kind is not None:
        assert found_kind == kind
    return importer.parse(path, found_kind, options or ImportOptions())


def demo_with_team_renamed(folder: Path, team: str, new_name: str) -> Path:
    """A copy of the demo data in `folder` with `team` renamed in its organisation files (a name
    as hostile as a test needs)."""
    from analysis.workspace import DEFAULT_DATA_DIR

    for path in DEFAULT_DATA_DIR.iterdir():
        shutil.copy(path, folder / path.name)
    for name in ("teams.csv", "ownership.csv", "members.csv"):
        text = (folder / name).read_text(encoding="utf-8")
        renamed = re.sub(rf"(?m)(^|,){re.escape(team)}(?=,|$)", lambda m: m.group(1) + new_name, text)
        (folder / name).write_text(renamed, encoding="utf-8")
    return folder


def rows(store: Store, sql: str, params=None) -> list[tuple]:
    """Run SQL against the store and read every row (DuckDB 2 wants results read to the end)."""
    return store.con.execute(sql, params or []).fetchall()


# ---- the test importer ---------------------------------------------------------------------


def _detect(sample: Sample) -> str | None:
    return "test_tables" if sample.text.lstrip().startswith(TEST_MARKER) else None


def _parse(path: Path, kind: str, options) -> ParseResult:
    document = json.loads(path.read_text(encoding="utf-8"))
    result = ParseResult(kind=kind, rows_read=document.get("rows_read", 0))
    for table, records in document["tables"].items():
        columns = TABLE_COLUMNS[table]
        unknown = set().union(*map(set, records)) - set(columns) if records else set()
        assert not unknown, f"test file names columns {unknown} that {table} does not have"
        result.tables[table] = (
            pd.DataFrame.from_records([{c: r.get(c) for c in columns if c in r} for r in records])
            if records
            else pd.DataFrame(columns=columns)
        )
        if "rows_read" not in document:
            result.rows_read += len(records)
    result.rejects = [
        Reject(row=r["row"], reason=r["reason"], field=r.get("field")) for r in document.get("rejects", [])
    ]
    result.notes = document.get("notes", [])
    return result


TEST_IMPORTER = types.SimpleNamespace(detect=_detect, parse=_parse, __name__="test_importer")


@pytest.fixture
def canonical_file(monkeypatch, write_file):
    """canonical_file(name, tables={table: [row dicts]}, rejects=[...]) -> Path.

    Registers the test importer (first, so nothing else claims the file) and writes a file it
    recognises. Timestamps are ISO text with an offset; the store casts them to TIMESTAMPTZ.
    """
    monkeypatch.setattr(importers, "IMPORTERS", (TEST_IMPORTER, *importers.IMPORTERS))

    def make(name: str, tables: dict[str, list[dict]], rejects: list[dict] | None = None, **extra) -> Path:
        document = {"threadline_test": name, "tables": tables, "rejects": rejects or [], **extra}
        return write_file(name, json.dumps(document, default=str))

    return make


# ---- organisation files shared by several areas --------------------------------------------

TEAMS_CSV = """team,reorg_date,model,leader
Checkout,2024-07-01,sto,Dana
Payments,2024-07-01,sto,Eli
Search,,triad,Fay
"""


def item(key: str, created: str, resolved: str | None = None, **fields) -> dict:
    """A work item row with the few columns every test needs (dates as ISO text, UTC)."""
    record = {
        "item_key": key,
        "project_key": key.split("-")[0],
        "title": f"item {key}",
        "item_type": "Story",
        "created_at": f"{created}T09:00:00+00:00" if len(created) == 10 else created,
        "updated_at": None,
        "resolved_at": (f"{resolved}T17:00:00+00:00" if resolved and len(resolved) == 10 else resolved),
    }
    record.update(fields)
    return record


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium for a browser test module (skipped where it is not installed)."""
    from browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server():
    """The app on the demo data, started once for a browser test module."""
    from browser import streamlit_server

    with streamlit_server() as url:
        yield url
