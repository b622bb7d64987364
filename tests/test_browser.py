"""Real-browser tests: Playwright driving Debian's Chromium against a fresh Streamlit server."""
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, chromium_available, streamlit_server

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


def test_first_load_shows_the_demo_teams(browser, server):
    page = browser.new_page()
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(server)
    # st.dataframe draws on a canvas; its cells exist in the DOM for accessibility, hidden.
    page.get_by_text("Checkout").first.wait_for(state="attached", timeout=60_000)
    for team in ("Onboarding", "Assist", "Billing"):
        page.get_by_text(team).first.wait_for(state="attached", timeout=10_000)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
    assert not console_errors
    page.close()
