"""Helpers for the real-browser tests: a Streamlit server on a free port, and Debian's Chromium.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium. Chromium's
background networking is switched off: this machine has no network beyond package registries.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


@contextlib.contextmanager
def chromium():
    """Debian's Chromium under Playwright, headless; the test is skipped where it is not installed."""
    if not chromium_available():
        import pytest

        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    import playwright.sync_api

    with playwright.sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict | None = None, timeout: float = 60, script: Path | None = None, own_session=False):
    """Start `streamlit run app.py` (or `script`, with the project's config) fresh; yield its base
    URL; stop it afterwards. `own_session`: in a session of its own (on Linux, its own scheduling
    group, see benchmarks/hosted.py)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script or PROJECT_DIR / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=own_session,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise RuntimeError(f"streamlit did not start on {url}:\n{output}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# ---- watching a page and waiting for Streamlit ----------------------------------------------

# On a deep link (/team, /data...) Streamlit's frontend first probes <page>/_stcore/health and
# <page>/_stcore/host-config and gets 404s before it finds the server's root. Those two, under a
# page path, are expected; every other failed response is a problem.
EXPECTED_PROBE_404 = re.compile(r"^/(?:[^/]+/)+_stcore/(?:health|host-config)$")
SCRIPT_STATE = "[data-testid=stApp][data-test-script-state={state}]"


class PageWatch:
    """A page's browser console errors, uncaught page errors and failed responses.

    Console "Failed to load resource" errors are matched to the failing response by URL, so only
    the expected deep-link probes are set aside, never a 404 in general.
    """

    def __init__(self, page):
        self.console_errors: list[tuple[str, str]] = []
        self.page_errors: list[str] = []
        self.failed_responses: list[tuple[int, str]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, (message.location or {}).get("url", "")))

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.failed_responses.append((response.status, response.url))

    @staticmethod
    def expected(status: int, url: str) -> bool:
        return status == 404 and bool(EXPECTED_PROBE_404.match(urllib.parse.urlsplit(url).path))

    def problems(self) -> list[str]:
        expected_urls = {url for status, url in self.failed_responses if self.expected(status, url)}
        problems = [f"HTTP {status} {url}" for status, url in self.failed_responses if not self.expected(status, url)]
        problems += [
            f"console error: {text} ({url})"
            for text, url in self.console_errors
            if not (url in expected_urls and text.startswith("Failed to load resource"))
        ]
        problems += [f"page error: {error}" for error in self.page_errors]
        counts = {problem: problems.count(problem) for problem in problems}  # first seen first
        return [problem + (f" (x{count})" if count > 1 else "") for problem, count in counts.items()]


def wait_for_script(page, timeout: float = 90_000, settle_ms: int = 400) -> None:
    """Until the app's script run has finished and stayed finished for settle_ms, with no stale
    element left (a click may take a moment to start its rerun, and an upload reruns twice)."""
    deadline = time.monotonic() + timeout / 1000
    idle = SCRIPT_STATE.format(state="notRunning")
    while True:
        remaining = max(deadline - time.monotonic(), 0.1) * 1000
        page.wait_for_selector(idle, state="attached", timeout=remaining)
        page.wait_for_timeout(settle_ms)
        if page.locator(idle).count() and not page.locator("[data-stale=true]").count():
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the app's script kept running")


def open_app(page, url: str, timeout: float = 90_000) -> None:
    """Open a URL (a new session) and wait until its first script run has drawn and finished."""
    page.goto(url)
    page.locator("[data-testid=stMain] [data-testid=stElementContainer]").first.wait_for(
        state="attached", timeout=timeout
    )
    wait_for_script(page, timeout)


def full_page_screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main section, so the viewport is made as tall
    as that section's content for the shot, then put back."""
    viewport = page.viewport_size
    height = page.evaluate("""() => Math.max(document.documentElement.scrollHeight,
        ...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebarContent]')]
            .map(element => element.scrollHeight))""")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, viewport["height"]), 12_000)})
    try:
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)
