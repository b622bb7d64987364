"""The shell every page shares: navigation, the visitor's own store, and the view settings in the URL.

Every page starts with `context = page_setup()`. Entered through app.py it just returns the
context. Entered directly (on a freshly started server a deep link to /team runs pages/team.py
without app.py), it runs the navigation itself and stops, so a page looks and behaves the same
whichever way it was opened.

st.session_state holds only what must survive a rerun of this visitor's session: their store
(with their uploads), the analysis settings and upload results the Data page set, and a few
recent reports keyed by the store's version and the settings. The view settings are widgets
bound to the URL's query parameters; everything else is recomputed from widget values.
"""

from __future__ import annotations

import dataclasses
import threading
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analysis.report import build_report, build_team_report
from analysis.settings import TOLERANCE_DAYS_RANGE, TRANSITION_DAYS_RANGE, WINDOW_DAYS_RANGE, Settings
from analysis.store import Store
from analysis.views.common import cached
from analysis.workspace import open_shared_store, shared_data_dir

PAGES_DIR = Path(__file__).resolve().parent / "pages"
PAGES = [
    st.Page(
        PAGES_DIR / "overview.py", title="Overview", url_path="overview", icon=":material/dashboard:", default=True
    ),
    st.Page(PAGES_DIR / "team.py", title="Team", url_path="team", icon=":material/groups:"),
    st.Page(PAGES_DIR / "dependencies.py", title="Dependencies", url_path="dependencies", icon=":material/hub:"),
    st.Page(PAGES_DIR / "data.py", title="Data", url_path="data", icon=":material/upload_file:"),
    st.Page(PAGES_DIR / "methods.py", title="Methods", url_path="methods", icon=":material/menu_book:"),
]
RESULTS_KEPT = 8  # reports per session: enough to flip between a few views without recomputing
SESSION_MEMORY_LIMIT = "1GB"
TIMEZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
DEFAULTS = Settings()

_routing = threading.local()  # per script thread: the context of the page route() is running


@dataclass
class Context:
    store: Store
    settings: Settings

    @property
    def con(self):
        return self.store.con

    def report(self) -> dict:
        return cached_report(self.store, self.settings)

    def team_report(self, team: str) -> dict | None:
        """One team's entry of the report (the same dict as in report()["teams"]), or None.

        Taken from the whole report when this session already has it; otherwise only this team
        and the comparison teams are computed (much faster on a large organisation), and its
        p-values are not adjusted across teams."""
        whole = _recent_results().get((self.store.version, self.settings))
        if whole is not None:
            return next((entry for entry in whole["teams"] if entry["team"] == team), None)
        return _remember(
            (self.store.version, self.settings, team),
            "Computing this team's before/after report...",
            lambda: build_team_report(self.con, self.settings, team),
        )


def route() -> None:
    """The entry point's work: page config, navigation, the shared sidebar, then the page."""
    st.set_page_config(page_title="Threadline", page_icon="📈", layout="wide")
    if sign_in_required() and not st.user.get("is_logged_in", False):
        st.title("Threadline")
        st.write("This Threadline instance asks you to sign in first.")
        st.button("Sign in", key="sign_in", on_click=st.login, type="primary")
        st.stop()
    navigation = st.navigation(PAGES)
    # The sidebar is drawn here, by the entry script, not by each page: Streamlit keeps a
    # URL-bound widget's value across a page change only when the widget is not a page's own.
    store = session_store()
    _routing.context = Context(store, sidebar_settings(store))
    try:
        navigation.run()
    finally:
        _routing.context = None


def sign_in_required() -> bool:
    """Sign-in (st.login, OpenID Connect) is on when the secrets configure an [auth] section."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all: an open instance
        return False


def page_setup() -> Context:
    context = getattr(_routing, "context", None)
    if context is None:  # entered directly, not through app.py: route it the same way
        route()
        st.stop()
    return context


def session_store() -> Store:
    """The visitor's own in-memory store, loaded with the shared folder on first use.

    Kept in session_state (never a global cache) so one visitor's uploads are never seen by another.
    """
    if "store" not in st.session_state:
        with st.spinner(f"Loading the organisation from {shared_data_dir().name}..."):
            st.session_state["store"] = open_shared_store(memory_limit=SESSION_MEMORY_LIMIT)
    return st.session_state["store"]


def sidebar_settings(store: Store) -> Settings:
    """The settings every page uses: window, transition, tolerance and time zone in the URL,
    the rest (link types, tag pattern...) as the Data page last set them for this session."""
    base = st.session_state.get("analysis_settings", DEFAULTS)
    with st.sidebar:
        st.caption("Settings (kept in the link)")
        window = st.number_input(
            "Window (days)",
            min_value=WINDOW_DAYS_RANGE[0],
            max_value=WINDOW_DAYS_RANGE[1],
            value=DEFAULTS.window_days,
            step=30,
            key="window",
            bind="query-params",
            help="Length of the before and after windows around each reorg date.",
        )
        transition = st.number_input(
            "Transition (days)",
            min_value=TRANSITION_DAYS_RANGE[0],
            max_value=TRANSITION_DAYS_RANGE[1],
            value=DEFAULTS.transition_days,
            step=7,
            key="transition",
            bind="query-params",
            help="Days after the reorg left out while the new team settles in.",
        )
        tolerance = st.number_input(
            "Tolerance (days)",
            min_value=TOLERANCE_DAYS_RANGE[0],
            max_value=TOLERANCE_DAYS_RANGE[1],
            value=DEFAULTS.tolerance_days,
            key="tolerance",
            bind="query-params",
            help="A commitment delivered at most this many days late counts as on time.",
        )
        timezone = st.selectbox(
            "Time zone",
            TIMEZONES,
            index=TIMEZONES.index(DEFAULTS.timezone),
            key="tz",
            bind="query-params",
            help="Calendar days are counted in this zone.",
        )
        st.caption(data_caption(store))
    return dataclasses.replace(
        base, window_days=int(window), transition_days=int(transition), tolerance_days=int(tolerance), timezone=timezone
    )


def data_caption(store: Store) -> str:
    uploads = st.session_state.get("uploaded_files", 0)
    # A restored workspace file replaces the shared data: the Data page names it in data_source.
    source = f"Data: {st.session_state.get('data_source', shared_data_dir().name)}"
    return source + (f" + {uploads} uploaded file{'s' if uploads != 1 else ''} (this session only)" if uploads else "")


def cached_report(store: Store, settings: Settings) -> dict:
    """The full report for these settings, computed once per data version in this session."""
    return _remember(
        (store.version, settings), "Computing the before/after report...", lambda: build_report(store.con, settings)
    )


def _recent_results() -> dict:
    return st.session_state.setdefault("reports", {})


def _remember(key: tuple, message: str, compute):
    """A few recent results in this session (never a global cache: they hold its uploads)."""

    def build():
        with st.spinner(message):
            return compute()

    return cached(_recent_results(), key, build, keep=RESULTS_KEPT)
