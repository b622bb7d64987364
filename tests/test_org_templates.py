"""Templates of the organisation files on the Data page: each loads through the real importer
(detected by content, no reject) with the values its example rows show, and the page offers
all three for download (and, in the upload form, the date order of re-saved Jira CSVs).

Independent source: the expected values are the SPEC's organisation file layouts
(../shared/SPEC.md "Organisation files"), written out by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.importers import parse_file
from analysis.org_templates import template_csv

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("kind", "header", "first"),
    [
        ("teams", "team,reorg_date,model,leader", {"team": "Checkout", "reorg_date": dt.date(2025, 10, 1)}),
        ("members", "person,team,start_date,end_date", {"person": "Ana", "start_date": dt.date(2025, 1, 15)}),
        ("ownership", "kind,value,team,start_date,end_date", {"kind": "jira_project", "value": "CHK"}),
    ],
)
def test_each_template_loads_through_the_importer(tmp_path, kind, header, first):
    content = template_csv(kind)
    assert content.decode().splitlines()[0] == header
    path = tmp_path / "template.csv"
    path.write_bytes(content)
    result = parse_file(path)
    assert result.kind == kind and result.rejects == [] and result.rows_read >= 1
    row = result.tables[kind].to_dict("records")[0]
    assert {name: row[name] for name in first} == first


def test_the_teams_template_shows_a_comparison_team(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes(template_csv("teams"))
    rows = parse_file(path).tables["teams"].to_dict("records")
    assert rows[1]["team"] == "Search" and pd.isna(rows[1]["reorg_date"])  # empty: a comparison team


def test_the_data_page_offers_the_templates_and_the_date_order(monkeypatch):
    monkeypatch.delenv("THREADLINE_DATA_DIR", raising=False)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert {"Template: teams.csv", "Template: members.csv", "Template: ownership.csv"} <= set(labels)
    order = at.selectbox(key="upload_date_order")
    assert order.value is None and order.options == [
        "Work out from the file",
        "Day first (3 April)",
        "Month first (March 4)",
    ]
