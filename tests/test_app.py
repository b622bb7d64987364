"""The Streamlit app on the demo organisation, through Streamlit's AppTest (no browser)."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analysis.metrics import teams_table
from analysis.workspace import open_shared_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_first_run_shows_the_demo_teams():
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    expected = teams_table(open_shared_store().con)["team"].tolist()
    shown = app.dataframe[0].value["team"].tolist()
    assert shown == expected
    assert {"Checkout", "Onboarding", "Assist", "Billing"} <= set(shown)
