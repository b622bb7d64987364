"""The shell every page shares: navigation, the visitor's data, and the view settings in the URL.

app.py runs route(): page config, st.navigation, the sidebar, then the page, which starts with
`context = page_setup()`. The page scripts live in app_pages/, not in a folder named pages/,
which Streamlit would also run directly on a deep link to a fresh server, without this shell.

Data: every visitor starts on the shared base (the configured folder, parsed once per server
into a DuckDB file and opened read-only; see analysis/workspace.py) through a cursor of their
own. Results computed from it alone hold no visitor's data and are kept once for everyone. A
visitor who uploads, edits the organisation, or picks settings the base's derived tables were
not built for (another time zone, other blocking links) gets a private in-memory copy, kept in
their session only; so do the results computed from it.

Shared workspaces: `?workspace=<id>` on any page opens a workspace saved on the Data page
(analysis/workspaces.py) into the visitor's own private copy, once per session and id; the id
then stays in the URL with the view settings. A link that opens nothing shows a plain page.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import stat
import threading
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from analysis import report_worker
from analysis.bounded_parse import Limits
from analysis.metrics.rows import comparison_date, teams_table
from analysis.pack import build_pack
from analysis.report import build_report
from analysis.results import iso
from analysis.settings import TOLERANCE_DAYS_RANGE, TRANSITION_DAYS_RANGE, WINDOW_DAYS_RANGE, Settings
from analysis.store import Store, derived_key, derived_state
from analysis.views import roster
from analysis.views.common import APP_CSS, cached, csv_download, markdown_literal, table_headers
from analysis.views.team import TEAM_PAGES_KEPT, TeamPage, team_page
from analysis.workspace import open_shared_base, shared_data_dir
from analysis.workspace_file import WorkspaceFileError
from analysis.workspaces import OpenedWorkspace, WorkspaceFolder, WorkspaceGone, open_workspace

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd
    import plotly.graph_objects as go

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"
# title, url path, icon per page; the first is the default page.
PAGES = (
    ("Overview", "overview", ":material/dashboard:"),
    ("Team", "team", ":material/groups:"),
    ("Dependencies", "dependencies", ":material/hub:"),
    ("Data", "data", ":material/upload_file:"),
    ("Methods", "methods", ":material/menu_book:"),
)
RESULTS_KEPT = 8  # reports per session: enough to flip between a few views without recomputing
SHARED_RESULTS_KEPT = 64  # reports and team pages of the shared base, for everyone: bounded
SHARED_RESULTS_SECONDS = 6 * 3600
SESSION_MEMORY_LIMIT = f"{Limits.from_environment().memory_mb:g}MB"  # THREADLINE_VISITOR_MEMORY_MB
TIMEZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
DEFAULTS = Settings()

WORKSPACE_PARAM = "workspace"  # ?workspace=<id>: a shared workspace, on any page
EDIT_PARAM = "edit"  # &edit=<key>: its edit link, which lets this session update it
RUN_LOG_VARIABLE = "THREADLINE_RUN_LOG"
# One report or Team page computed at a time per server process: on a small machine reports in
# parallel only share the same cores (and Python's lock) with each other and with the web
# server's own thread, which then answers new visitors late. Holds no data.
COMPUTING = threading.Lock()
# Executive packs (HTML, a few MB each): a few for the shared base, kept for everyone (they hold
# no visitor's data), and fewer per session for a visitor's own data.
SHARED_PACKS_KEPT = 4
PACKS_KEPT = 2
_SHARED_PACKS: dict = {}
_PACKS_LOCK = threading.Lock()
_routing = threading.local()  # per script thread: the context of the page route() is running


def send_without_delay() -> int:
    """Switch Nagle's algorithm off (TCP_NODELAY) on this server process's TCP sockets; the number
    switched. Streamlit binds its listening socket without naming the protocol, so asyncio leaves
    Nagle on for the connections it accepts: a response's body then waits for the browser's
    delayed acknowledgement of its headers, about 40 ms a request on a reused connection, and a
    new visitor's page asks for over a hundred files. Linux gives a listening socket's option to
    the connections it accepts; connections already open get it here. Elsewhere (no /proc): 0."""
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return 0
    switched = 0
    for descriptor in map(int, descriptors):
        try:
            if not stat.S_ISSOCK(os.fstat(descriptor).st_mode):
                continue  # fromfd would duplicate it and, failing, leave the duplicate open
            # A duplicate of the descriptor: the option is the socket's, and closing it leaves
            # the server's own descriptor open.
            with socket.fromfd(descriptor, socket.AF_INET, socket.SOCK_STREAM) as duplicate:
                duplicate.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            switched += 1
        except OSError:  # not TCP (a Unix socket, say), or closed meanwhile
            continue
    return switched


send_without_delay()  # once per server process: this module is imported once


@dataclass
class Context:
    store: Store
    settings: Settings
    adjusted: bool = True  # badges on Benjamini-Hochberg adjusted p-values (the sidebar's switch)

    @property
    def con(self):
        return self.store.con

    @property
    def shared(self) -> bool:
        """True while the visitor looks at the shared base (no data of their own)."""
        return self.store.read_only

    def report(self) -> dict:
        if self.shared:
            return shared_report(self.store.version, self.settings)
        return _remember(
            (self.store.version, self.settings),
            "Computing the before/after report...",
            lambda: build_report(self.con, self.settings),
        )

    def executive_pack(self) -> Callable[[], bytes]:
        """The executive pack of the report this page shows, for st.download_button to build
        when the visitor clicks (it runs the callable on a thread of its own, where no Streamlit
        call works: everything it needs is taken here). Kept per data version, settings and
        badge switch: for everyone on the shared base, in the session otherwise."""
        report, settings, adjusted = self.report(), self.settings, self.adjusted
        key = (self.store.version, settings, adjusted)
        if self.shared:
            source, cache, keep = shared_base(), _SHARED_PACKS, SHARED_PACKS_KEPT
        else:
            source, cache, keep = self.store, st.session_state.setdefault("packs", {}), PACKS_KEPT

        def build() -> bytes:
            view = source.view()  # a cursor of this thread's own
            try:
                with COMPUTING:
                    return build_pack(view.con, settings, report, adjusted).encode("utf-8")
            finally:
                view.close()

        def cached_pack() -> bytes:
            with _PACKS_LOCK:  # one build per key; COMPUTING makes them take turns anyway
                return cached(cache, key, build, keep=keep)

        return cached_pack

    def comparison_date(self) -> str | None:
        """The date comparison teams are measured around, without computing a report."""
        return iso(comparison_date(teams_table(self.con), self.settings))

    def team_page(self, team: str) -> TeamPage | None:
        """The Team page's figures and tables (None for an unknown team), built once per team
        and settings (the searches below them rerun alone), from the whole report's entry: its
        adjusted p-values give the same badges as the Overview's (the report is computed once
        per settings and kept, so the Overview and every Team page share it)."""
        if self.shared:
            if team not in {entry["team"] for entry in self.report()["teams"]}:
                return None
            return shared_team_page(self.store.version, self.settings, team)
        report = self.report()

        def build() -> TeamPage | None:
            entry = next((entry for entry in report["teams"] if entry["team"] == team), None)
            if entry is None:
                return None
            with st.spinner("Drawing the team's page..."), COMPUTING:
                return team_page(self.con, self.settings, entry, report=report)

        return cached(
            st.session_state.setdefault("team_pages", {}),
            (self.store.version, self.settings, team),
            build,
            keep=TEAM_PAGES_KEPT,
        )

    def roster_flows(self) -> pd.DataFrame:
        """Who moved where at each reorg date (analysis/views/roster.py), read once per data version."""
        return cached(
            st.session_state.setdefault("roster_flows", {}),
            self.store.version,
            lambda: roster.roster_flows(roster.roster_moves(self.con)),
            keep=1,
        )

    def roster_figure(self, day: dt.date) -> go.Figure:
        """One reorg date's Sankey diagram, drawn once per data version, names setting and date
        rather than on every rerun of the Overview."""
        show_names = self.settings.show_roster_names
        return cached(
            st.session_state.setdefault("roster_figures", {}),
            (self.store.version, show_names, day),
            lambda: roster.sankey_figure(self.roster_flows(), day, show_names),
            keep=roster.DRAWN_AT_ONCE,
        )

    def own_store(self) -> Store:
        """The visitor's own store, to write to: on first use a private copy of the shared base."""
        self.store = own_store()
        return self.store


def route() -> None:
    """The entry point's work: page config, navigation, the shared sidebar, then the page."""
    st.set_page_config(page_title="Threadline", page_icon="📈", layout="wide")
    st.html(f"<style>{APP_CSS}</style>")  # a constant: focus, phones, print; no export text in it
    if sign_in_required() and not st.user.get("is_logged_in", False):
        st.title("Threadline")
        st.write("This Threadline instance asks you to sign in first.")
        st.button("Sign in", key="sign_in", on_click=st.login, type="primary")
        st.stop()
    open_linked_workspace()  # after the sign-in check: only signed-in visitors open workspaces
    started = time.perf_counter()
    navigation = st.navigation(navigation_pages())
    try:
        # The sidebar is drawn here, by the entry script, not by each page: Streamlit keeps a
        # URL-bound widget's value across a page change only when the widget is not a page's own.
        store = session_store()
        settings = sidebar_settings(store)
        _routing.context = Context(prepared_store(store, settings), settings, adjusted=badges_adjusted())
        navigation.run()
    finally:
        _routing.context = None
        log_run(navigation.url_path, time.perf_counter() - started)


def log_run(page: str, seconds: float) -> None:
    """One line per script run (page, seconds) in $THREADLINE_RUN_LOG when it is set: the
    server's own time, which benchmarks/hosted.py sets apart from the browser's drawing."""
    path = os.environ.get(RUN_LOG_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"page": page or "overview", "seconds": round(seconds, 4)}) + "\n")


def navigation_pages() -> list[st.Page]:
    """New st.Page objects for every run: st.navigation marks the page it returns as callable
    once, on the object itself, so pages shared by sessions let one session's run take another's
    turn (all but one of several visitors arriving at once got an error page)."""
    return [
        st.Page(PAGES_DIR / f"{path}.py", title=title, url_path=path, icon=icon, default=index == 0)
        for index, (title, path, icon) in enumerate(PAGES)
    ]


def sign_in_required() -> bool:
    """Sign-in (st.login, OpenID Connect) is on when the secrets configure an [auth] section."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all: an open instance
        return False


def open_linked_workspace() -> None:
    """The workspace the URL names, opened into this session once per id; a link that opens
    nothing (unknown, expired, deleted, not an id) stops here with a plain page and no data.
    Page links drop parameters no widget holds, so the open workspace's id is put back. An edit
    link's key is taken into the session (when it is the workspace's) and out of the address,
    so the address bar can be shared as it is."""
    wanted = st.query_params.get(WORKSPACE_PARAM)
    edit_key = st.query_params.get(EDIT_PARAM)
    if edit_key is not None:
        st.query_params.pop(EDIT_PARAM)
    current = st.session_state.get("workspace_id")
    if not wanted:
        if current:
            st.query_params[WORKSPACE_PARAM] = current
        return
    folder = WorkspaceFolder.from_environment()
    if wanted != current:
        try:
            with st.spinner("Opening the shared workspace..."):
                opened = open_workspace(
                    folder, wanted, shared_base(), SESSION_MEMORY_LIMIT, Limits.from_environment().workspace_bytes
                )
        except (WorkspaceGone, WorkspaceFileError) as error:
            workspace_unavailable(str(error))
        else:
            adopt_workspace(opened, wanted)
    try:
        if edit_key is not None and folder.can_edit(wanted, edit_key):
            edit_keys()[wanted] = edit_key
    except WorkspaceGone:  # deleted since it was opened: the session keeps what it shows
        pass


def edit_keys() -> dict[str, str]:
    """The edit keys this session holds: of the workspaces it saved or opened by an edit link."""
    return st.session_state.setdefault("workspace_edit_keys", {})


def adopt_workspace(opened: OpenedWorkspace, workspace_id: str) -> None:
    """The opened workspace becomes this session's data and settings (its private store)."""
    for results in ("reports", "team_pages", "packs"):  # keyed by store version: a new store starts again
        st.session_state.pop(results, None)
    st.session_state.update(
        store=opened.store,
        analysis_settings=opened.settings,
        data_source="shared workspace",
        workspace_id=workspace_id,
        workspace_on_base=opened.contents.layered,
        workspace_notes=opened.notes,
        column_mappings=opened.contents.column_mappings,
        date_order=opened.contents.date_order,
        uploaded_files=0,
        upload_results=[],
    )
    st.query_params[WORKSPACE_PARAM] = workspace_id


def workspace_unavailable(message: str) -> None:
    """The plain page of a link that opens nothing: the reason, and the way to the app."""
    st.title("Threadline")
    st.markdown(markdown_literal(message))  # an id from the URL is never shown; a file's reason may quote it
    st.button("Open Threadline without it", key="workspace_leave", on_click=leave_workspace)
    st.stop()


def leave_workspace() -> None:
    """Button callback: drop the workspace from the URL and this session (its data stays
    server-side for whoever else holds the link)."""
    st.query_params.pop(WORKSPACE_PARAM, None)
    st.session_state.pop("workspace_id", None)


def saved_on_base() -> bool:
    """Whether this session's data is the shared base plus its own changes (a workspace saved
    from it stores only those), rather than a whole restored workspace."""
    return st.session_state.get("workspace_on_base", True)


def page_setup() -> Context:
    """The context route() made for the page it is running (pages are only run by route())."""
    context = getattr(_routing, "context", None)
    if context is None:
        raise RuntimeError("a page of app_pages/ runs through app.py (streamlit run app.py)")
    return context


def shared_base() -> Store:
    """The configured folder's data, parsed once per server process and opened read-only."""
    return _shared_base(str(shared_data_dir()))


@st.cache_resource(show_spinner="Loading the organisation (once for every visitor)...")
def _shared_base(source: str) -> Store:
    # A global resource on purpose: it holds no visitor's data.
    return open_shared_base(Path(source))


def session_store() -> Store:
    """The visitor's own store if they have one, else a cursor of their own on the shared base.

    Kept in session_state (never a global cache) so one visitor's uploads are never seen by another.
    """
    if "store" in st.session_state:
        return st.session_state["store"]
    if "base_view" not in st.session_state:
        st.session_state["base_view"] = shared_base().view()
    return st.session_state["base_view"]


def own_store() -> Store:
    """This visitor's private store, a copy of the shared base made on their first write."""
    if "store" not in st.session_state:
        with st.spinner("Making a private copy of the data for your changes..."):
            st.session_state["store"] = Store(memory_limit=SESSION_MEMORY_LIMIT, copy_from=shared_base().path)
    return st.session_state["store"]


# The visitor's starting point: the shared data ("shared", the default) or nothing ("empty").
START_KEY = "workspace_start"


def start_empty() -> None:
    """This visitor's data becomes an empty private store (their own files only, no demo);
    what they had loaded is dropped. start_from_shared() goes back."""
    _drop_own_store()
    st.session_state["store"] = Store(memory_limit=SESSION_MEMORY_LIMIT)
    st.session_state[START_KEY] = "empty"
    st.session_state["workspace_on_base"] = False  # a workspace saved from here stores everything
    st.session_state["data_source"] = "an empty workspace"


def start_from_shared() -> None:
    """Back to the shared data (uploads then add to it): this visitor's own store is dropped."""
    _drop_own_store()
    st.session_state[START_KEY] = "shared"
    st.session_state["workspace_on_base"] = True


def _drop_own_store() -> None:
    store = st.session_state.pop("store", None)
    if store is not None:
        store.close()
    for key in ("upload_results", "uploaded_files", "data_source", "reports", "team_pages", "packs", "unmapped_files"):
        st.session_state.pop(key, None)


def prepared_store(store: Store, settings: Settings) -> Store:
    """The store whose derived tables fit the settings, prepared here, before any page reads:
    a report only reads. The shared base is never written; a visitor whose settings it was not
    prepared for gets their own copy."""
    if derived_state(store.con) == derived_key(settings):
        return store
    if store.read_only:
        store = own_store()
    with st.spinner("Preparing the data for these settings..."):
        store.prepare(settings)
    return store


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
        for note in st.session_state.get("workspace_notes", []):  # an opened workspace's, on every page
            st.info(markdown_literal(note))
    return dataclasses.replace(
        base, window_days=int(window), transition_days=int(transition), tolerance_days=int(tolerance), timezone=timezone
    )


def badges_adjusted() -> bool:
    """The sidebar's badge switch, kept in the link like the settings: the Overview and the Team
    page show the same badges for the same link."""
    with st.sidebar:
        return st.toggle(
            "Badges: adjusted for multiple comparisons",
            value=True,
            key="adjusted",
            bind="query-params",
            help="On: a change counts as clear only if it stays clear after Benjamini-Hochberg across all "
            "teams and metrics. Off: unadjusted p-values, as the JSON's verdict. See Methods.",
        )


def data_caption(store: Store) -> str:
    uploads = st.session_state.get("uploaded_files", 0)
    # A restored workspace file replaces the shared data: the Data page names it in data_source.
    source = f"Data: {st.session_state.get('data_source', shared_data_dir().name)}"
    return source + (f" + {uploads} uploaded file{'s' if uploads != 1 else ''} (this session only)" if uploads else "")


def shared_report(base_version: str, settings: Settings) -> dict:
    """The full report of the shared base for these settings, computed once for every visitor
    in a worker process (analysis/report_worker.py), so this server's other visitors are not
    kept waiting behind it. Callers only read it. A worker that died or ran out of time is
    replaced; this visitor is told so and may reload."""
    try:
        return _shared_report(base_version, settings)
    except report_worker.ReportUnavailable as unavailable:
        st.error(str(unavailable))
        st.stop()


@st.cache_resource(
    max_entries=SHARED_RESULTS_KEPT, ttl=SHARED_RESULTS_SECONDS, show_spinner="Computing the before/after report..."
)
def _shared_report(base_version: str, settings: Settings) -> dict:
    # st.cache_resource holds a lock per key while it computes: visitors asking for the same
    # report at once wait for the one computation. No COMPUTING here: the worker does the work.
    return report_worker.base_report(shared_base().path, base_version, settings)


@st.cache_resource(
    max_entries=SHARED_RESULTS_KEPT, ttl=SHARED_RESULTS_SECONDS, show_spinner="Drawing the team's page..."
)
def shared_team_page(base_version: str, settings: Settings, team: str) -> TeamPage:
    """A Team page of the shared base, built once for every visitor. Callers only read it."""
    entry = next(entry for entry in shared_report(base_version, settings)["teams"] if entry["team"] == team)
    view = shared_base().view()
    try:
        with COMPUTING:
            return team_page(view.con, settings, entry, report=shared_report(base_version, settings))
    finally:
        view.close()


def _recent_results() -> dict:
    return st.session_state.setdefault("reports", {})


def _remember(key: tuple, message: str, compute):
    """A few recent results in this session (never a global cache: they hold its uploads)."""

    def build():
        with st.spinner(message), COMPUTING:
            return compute()

    return cached(_recent_results(), key, build, keep=RESULTS_KEPT)


def show_table(frame, key: str, where=None, column_config: dict | None = None, **options):
    """A table as every page shows one: no index, a missing value as an empty cell, headers in
    words (`column_config` adds to them); returns what st.dataframe returns (a selection)."""
    return (where or st).dataframe(
        frame,
        hide_index=True,
        placeholder="",
        key=key,
        column_config={**table_headers(frame), **(column_config or {})},
        **options,
    )


def show_drill(behind, key: str, where=None) -> None:
    """The rows behind a selected number (analysis.views.drill.Drill) in a bordered box: what
    they are and their n per window, then the table with its links (export text as plain text)."""
    with (where or st).container(key=key, border=True):
        st.markdown(f"**{markdown_literal(behind.caption())}**")
        st.dataframe(
            behind.rows,
            hide_index=True,
            placeholder="",  # a release without a web page (a git tag) has no link: an empty cell
            key=f"{key}_rows",
            column_config={
                **behind.labels,
                **{
                    link: st.column_config.LinkColumn(behind.labels[link], display_text="open") for link in behind.links
                },
            },
        )
        st.download_button(
            "Download CSV", csv_download(behind.rows), f"{key}.csv", "text/csv", key=f"{key}_csv", on_click="ignore"
        )
