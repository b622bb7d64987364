"""Hosted-link benchmark: the app served to many browser visitors at once.

    python benchmarks/hosted.py [--data PATH | --issues N] [--sessions 20] [--seconds 180]
                                [--think 1.0-3.0] [--arrival 3] [--single 3]
                                [--clients browser|protocol] [--browsers 2]

Starts `streamlit run app.py` with the shared base taken from --data (a folder of exports, or a
DuckDB file made by `python -m analysis ingest`; default data/demo) or from a synthetic
organisation of N issues built by benchmarks/report.py, in a fresh cache folder. Then:

- single: one visitor at a time (the server warm after a first visit), --single times each: a new
  visitor opening the link until the Overview's first chart is drawn, a click on the Team page
  until its charts are drawn, and a new visitor opening a Team deep link.
- load: --sessions visitors at once for --seconds, each a new visitor (arriving --arrival
  seconds after the previous one) who then switches pages through the sidebar and picks among
  ten window values, with a think time between steps. With --clients browser (the default) each
  is a browser context (Playwright, Debian's Chromium); browsers on the same machine as the
  server take much of its CPU on 2 cores. With --clients protocol each is a light websocket
  client speaking Streamlit's own protocol (ProtocolVisitor: the rerun messages the frontend
  sends, timed to the first chart message and to the run's end), and --browsers real browsers
  (default 2) arrive among them for the browser's own timing.

Printed: the machine's load average, errors (error pages, exceptions, timeouts), p50/p95 of the
time from navigation to charts drawn (a protocol visitor: to the first chart message) and of
the time until the client saw the script run end (a new visitor's includes
loading the app itself), the server's own script time per page from its run log
(THREADLINE_RUN_LOG) beside the visitors' steps per page (each step runs its page at least
once: the run log shows the protocol visitors' steps really ran the page scripts), the
server's peak memory (VmHWM), the memory the server added per visitor (RSS after the visitors
arrived minus RSS with one warm visitor, divided by the others) and its report workers' RSS.
Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "tests"))

from browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

WINDOWS = (30, 60, 90, 120, 150, 180, 240, 270, 365, 540)
PAGES = ("Overview", "Team", "Dependencies", "Methods")
PAGES_WITH_CHARTS = ("Overview", "Team", "Dependencies")
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
NOTHING_STALE = "() => !document.querySelector('[data-stale=true]')"
CHART = ".js-plotly-plot .main-svg"
# A page shows a chart, or says why there is none (Dependencies with no cross-team wait).
DRAWN = f"{CHART}, [data-testid=stMain] [data-testid=stAlert]"
TIMEOUT_MS = 120_000
SEED = 20240701


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def server_pid(port: int) -> int:
    """The streamlit process listening on the port (a child of the test helper's Popen)."""
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "streamlit" in line and f"--server.port {port}" in line:
            return int(line.split()[0])
    raise RuntimeError(f"no streamlit process on port {port}")


def prioritise(pid: int, steps: int) -> None:
    """Let the server go first: the browsers share the machine with it, and its figures should be
    the server's, the browsers' wait the load generator's.

    Where the kernel groups processes by session (autogroups), nice values only order the threads
    within one session, and each session's group gets an equal share of the CPU however many
    threads it runs: some forty busy renderer threads then outweigh the server's few whatever
    their nice values. So the server runs in a session of its own, and its group gets the nice
    value (its report workers, in the same session, with it)."""
    autogroups = Path("/proc/sys/kernel/sched_autogroup_enabled")
    if autogroups.exists() and autogroups.read_text().strip() == "1":
        Path(f"/proc/{pid}/autogroup").write_text(str(-steps))
    os.setpriority(os.PRIO_PROCESS, pid, -steps)


def build_synthetic(issues: int, folder: Path) -> Path:
    db = folder / f"org-{issues}.duckdb"
    if not db.exists():
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(PROJECT_ROOT / "benchmarks" / "report.py"),
                "--phase",
                "build",
                "--db",
                str(db),
                "--issues",
                str(issues),
                "--teams",
                "100",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"synthetic organisation: {issues:,} issues, 100 teams, built in {time.perf_counter() - started:.0f} s")
    return db


def team_names(source: Path) -> list[str]:
    from analysis.store import Store

    if source.suffix == ".duckdb":
        store = Store(source, read_only=True)
    else:
        store = Store()
        store.load_paths([source])
    teams = [row[0] for row in store.con.execute("select team from teams order by team").fetchall()]
    store.close()
    return teams


class Visitor:
    """One browser context: a visitor whose steps are timed."""

    client = "browser"

    def __init__(self, page, name: str):
        self.page, self.name = page, name
        self.records: list[dict] = []
        # Messages from the server: every run the step causes sends at least one (its end), so
        # a step waits for new ones before waiting for the page to be idle and drawn.
        self.received = 0
        page.on("websocket", lambda socket: socket.on("framereceived", self._count))

    def _count(self, _frame) -> None:
        self.received += 1

    async def _answered(self, before: int) -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while self.received == before:
            if time.monotonic() > deadline:
                raise TimeoutError("the server sent nothing after the step")
            await asyncio.sleep(0.02)

    async def timed(self, kind: str, action, charts: bool) -> dict:
        """Run the action; time until the script run has ended and until the charts are drawn."""
        page = self.page
        started = time.perf_counter()
        record = {"client": self.client, "visitor": self.name, "kind": kind, "error": None}
        try:
            before = self.received
            await action()
            # The server answered the step, its run has ended, and no element of the previous
            # run is left.
            await self._answered(before)
            await page.wait_for_selector(IDLE, state="attached", timeout=TIMEOUT_MS)
            await page.wait_for_function(NOTHING_STALE, timeout=TIMEOUT_MS)
            record["script"] = time.perf_counter() - started
            if charts:
                await page.locator(DRAWN).first.wait_for(state="attached", timeout=TIMEOUT_MS)
            record["drawn"] = time.perf_counter() - started
            failed = await page.locator("[data-testid=stException]").count()
            if failed or await page.get_by_text("This app has encountered an error").count():
                record["error"] = "error shown on the page"
        except Exception as error:  # a timeout or a closed page: counted, the run goes on
            record["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
        self.records.append(record)
        return record

    async def open(self, url: str, kind: str, charts: bool = True) -> dict:
        async def go():
            await self.page.goto(url)
            await self.page.locator("[data-testid=stMain] [data-testid=stElementContainer]").first.wait_for(
                state="attached", timeout=TIMEOUT_MS
            )

        return await self.timed(kind, go, charts)

    async def switch_to(self, title: str) -> dict:
        link = self.page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=title, exact=True)
        return await self.timed(f"page:{title}", link.click, title in PAGES_WITH_CHARTS)

    async def set_window(self, days: int, title: str) -> dict:
        box = self.page.locator("[data-testid=stSidebar] input[aria-label='Window (days)']")

        async def change():
            await box.fill(str(days))
            await box.press("Enter")

        return await self.timed("window", change, title in PAGES_WITH_CHARTS)


class ProtocolVisitor:
    """One visitor as a websocket client speaking Streamlit's own protocol, without a browser:
    what the frontend sends (BackMsg rerun_script with the page's query string, page and widget
    states) and what it reads (ForwardMsg deltas, navigation, script_finished), for little CPU.

    Streamlit's server here is Starlette's (/_stcore/stream, subprotocol "streamlit"); the
    client is the `websockets` package. A step is timed to the first chart (a Plotly element,
    or a page's alert saying why there is none) and to the script_finished message of its run.
    """

    client = "protocol"

    def __init__(self, url: str, name: str):
        self.stream = "ws" + url.removeprefix("http") + "/_stcore/stream"
        self.name = name
        self.records: list[dict] = []
        self.socket = None
        self.query: dict[str, str] = {}
        self.page = ""  # url path; "" is the default page (Overview)
        self.pages: dict[str, tuple[str, str]] = {}  # title -> (page_script_hash, url path)
        self.widgets: dict[str, object] = {}  # widget id -> WidgetState, as the frontend keeps them
        self.window_widget: str | None = None

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    def _rerun_message(self) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = urllib.parse.urlencode(self.query)
        state.page_name = self.page
        state.page_script_hash = next((h for h, path in self.pages.values() if path == self.page), "")
        state.widget_states.widgets.extend(self.widgets.values())
        return message.SerializeToString()

    def _read_element(self, message, record: dict, started: float) -> None:
        element = message.delta.new_element
        kind = element.WhichOneof("type")
        in_main = bool(message.metadata.delta_path) and message.metadata.delta_path[0] == 0
        if kind == "exception":
            record["error"] = record["error"] or f"exception: {element.exception.message[:120]}"
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            record["error"] = record["error"] or f"error shown: {element.alert.body[:120]}"
        elif kind == "plotly_chart" or (kind == "alert" and in_main):
            record.setdefault("first_chart", time.perf_counter() - started)
        elif kind == "number_input" and element.number_input.label == "Window (days)":
            widget = element.number_input
            self.window_widget = widget.id
            if widget.id not in self.widgets:  # its first run: the value it took from the link
                self._set_widget(widget.id, int(widget.value or widget.default))

    def _set_widget(self, widget_id: str, value: int) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        self.widgets[widget_id] = WidgetState(id=widget_id, int_value=value)

    async def _run(self, kind: str, charts: bool) -> dict:
        """Send a rerun as the frontend does; read the server's messages until the run ends."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        started = time.perf_counter()
        record = {"client": self.client, "visitor": self.name, "kind": kind, "error": None}
        try:
            if self.socket is None:
                from websockets.asyncio.client import connect

                self.socket = await connect(
                    self.stream, subprotocols=["streamlit"], max_size=None, ping_interval=None, open_timeout=120
                )
            await self.socket.send(self._rerun_message())
            deadline = time.monotonic() + TIMEOUT_MS / 1000
            while True:
                message = ForwardMsg()
                message.ParseFromString(
                    await asyncio.wait_for(self.socket.recv(), timeout=max(0.1, deadline - time.monotonic()))
                )
                kind_of_message = message.WhichOneof("type")
                if kind_of_message == "delta" and message.delta.WhichOneof("type") == "new_element":
                    self._read_element(message, record, started)
                elif kind_of_message == "navigation":
                    self.pages = {
                        page.page_name: (page.page_script_hash, page.url_pathname)
                        for page in message.navigation.app_pages
                    }
                elif kind_of_message == "page_info_changed":  # the link as the frontend would show it
                    self.query = dict(urllib.parse.parse_qsl(message.page_info_changed.query_string))
                elif kind_of_message == "page_not_found":
                    record["error"] = f"page not found: {message.page_not_found.page_name}"
                elif kind_of_message == "script_finished":
                    if message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue  # a rerun the server started itself: its own end follows
                    if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        record["error"] = "compile error"
                    break
            record["script"] = time.perf_counter() - started
            if charts and "first_chart" not in record and not record["error"]:
                record["error"] = "no chart in the run"
            record["drawn"] = record.get("first_chart", record["script"]) if charts else record["script"]
        except Exception as error:  # a timeout or a closed socket: counted, the run goes on
            record["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:120] if str(error) else ''}"
        self.records.append(record)
        return record

    async def open(self, url: str, kind: str, charts: bool = True) -> dict:
        self.query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        return await self._run(kind, charts)

    async def switch_to(self, title: str) -> dict:
        self.page = self.pages[title][1] if title in self.pages else title.lower()
        return await self._run(f"page:{title}", title in PAGES_WITH_CHARTS)

    async def set_window(self, days: int, title: str) -> dict:
        self.query["window"] = str(days)
        if self.window_widget is not None:
            self._set_widget(self.window_widget, days)
        return await self._run("window", title in PAGES_WITH_CHARTS)


async def new_visitor(browser, name: str) -> Visitor:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    return Visitor(await context.new_page(), name)


async def single(browser, url: str, team: str, repeats: int) -> list[dict]:
    """One visitor at a time: the link's Overview, a click to Team, a Team deep link."""
    records = []
    for number in range(repeats):
        visitor = await new_visitor(browser, f"single-{number}")
        records.append(await visitor.open(url, "new visitor: Overview"))
        records.append(await visitor.switch_to("Team"))
        await visitor.page.context.close()
        deep = await new_visitor(browser, f"deep-{number}")
        records.append(await deep.open(f"{url}/team?team={team}", "new visitor: Team deep link"))
        await deep.page.context.close()
    return records


def children_rss_kib(pid: int) -> int:
    """The resident memory of the server's child processes (its report workers), in KiB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:  # the process ended meanwhile
            continue
        if int(fields.get("PPid", "0").strip()) == pid and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0])
    return total


def browser_slots(visitors: int, browsers: int) -> set[int]:
    """Which arrivals are real browsers: spread evenly among the protocol visitors."""
    return {round((number + 1) * (visitors + browsers) / (browsers + 1)) - 1 for number in range(browsers)}


async def load(browser, url: str, args, pid: int) -> dict:
    """--sessions visitors at once: browsers, or protocol clients with --browsers real browsers
    among them, each a new visitor who then switches pages and windows with a think time."""
    rng = random.Random(SEED)
    protocol = args.clients == "protocol"
    browsers = args.browsers if protocol else args.sessions
    visitors = args.sessions + browsers if protocol else args.sessions
    slots = browser_slots(args.sessions, browsers) if protocol else set(range(visitors))
    warm = ProtocolVisitor(url, "warm-up") if protocol else await new_visitor(browser, "warm-up")
    await warm.open(url, "warm-up")
    baseline = memory_kib(pid)["VmRSS"]
    deadline = time.monotonic() + args.seconds
    own_cpu, started = time.process_time(), time.monotonic()

    async def run(number: int) -> list[dict]:
        await asyncio.sleep(number * args.arrival)  # visitors arrive one after another
        if number in slots:
            visitor = await new_visitor(browser, f"b{number}")
        else:
            visitor = ProtocolVisitor(url, f"p{number}")
        local = random.Random(rng.random())
        await visitor.open(url, "new visitor: Overview")
        title, window = "Overview", 180
        while time.monotonic() < deadline:
            await asyncio.sleep(local.uniform(*args.think))
            if local.random() < 0.5:
                title = local.choice([page for page in PAGES if page != title])
                await visitor.switch_to(title)
            else:
                window = local.choice([days for days in WINDOWS if days != window])
                await visitor.set_window(window, title)
        return visitor

    arrived = asyncio.Event()

    async def watch_memory(samples: list[int]):
        while not arrived.is_set():
            samples.append(memory_kib(pid)["VmRSS"])
            await asyncio.sleep(1)

    samples: list[int] = []
    watcher = asyncio.create_task(watch_memory(samples))
    tasks = [asyncio.create_task(run(number)) for number in range(visitors)]
    finished = await asyncio.gather(*tasks)
    arrived.set()
    await watcher
    after = memory_kib(pid)
    workers_kib = children_rss_kib(pid)
    # This process's CPU (the protocol clients and Playwright's driver; the browsers' own
    # processes are not in it) over the load's wall time.
    own_cpu, wall = time.process_time() - own_cpu, time.monotonic() - started
    for visitor in [warm, *finished]:
        if isinstance(visitor, ProtocolVisitor):
            await visitor.close()
        else:
            await visitor.page.context.close()
    records = [record for visitor in finished for record in visitor.records]
    return {
        "records": records,
        "warm_records": warm.records,
        "visitors": visitors,
        "browsers": browsers,
        "rss_warm_kib": baseline,
        "rss_after_kib": after["VmRSS"],
        "rss_max_sampled_kib": max(samples, default=after["VmRSS"]),
        "hwm_kib": after["VmHWM"],
        "workers_rss_kib": workers_kib,
        "generator_cpu_seconds": own_cpu,
        "wall_seconds": wall,
        "per_visitor_mib": (after["VmRSS"] - baseline) / 1024 / max(visitors, 1),
    }


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summary(records: list[dict]) -> list[str]:
    def order(group):
        client, kind = group
        return (not kind.startswith("new"), kind, client)

    groups = sorted({(r["client"], r["kind"]) for r in records}, key=order)
    lines = [
        f"  {'client':8} {'step':30} {'n':>4} {'errors':>6}  {'chart p50':>9} {'p95':>6}  {'script p50':>10} {'p95':>6}"
    ]
    for client, kind in groups:
        rows = [r for r in records if (r["client"], r["kind"]) == (client, kind)]
        ok = [r for r in rows if not r["error"]]
        drawn, script = [r["drawn"] for r in ok], [r["script"] for r in ok]
        lines.append(
            f"  {client:8} {kind:30} {len(rows):4d} {len(rows) - len(ok):6d}  {percentile(drawn, 0.5):8.2f}s "
            f"{percentile(drawn, 0.95):5.2f}s  {percentile(script, 0.5):9.2f}s {percentile(script, 0.95):5.2f}s"
        )
    return lines


def run_log_lines(run_log: Path) -> int:
    return len(run_log.read_text().splitlines()) if run_log.exists() else 0


async def main_async(args, url: str, team: str, pid: int, run_log: Path) -> dict:
    protocol = args.clients == "protocol"
    async with contextlib.AsyncExitStack() as stack:
        browser = None
        if not protocol or args.browsers or args.single:
            from playwright.async_api import async_playwright

            playwright = await stack.enter_async_context(async_playwright())
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            stack.push_async_callback(browser.close)
        if protocol:
            cold_visitor = ProtocolVisitor(url, "first")
            cold = await cold_visitor.open(url, "first visitor on a fresh server")
            await cold_visitor.close()
        else:
            cold_visitor = await new_visitor(browser, "first")
            cold = await cold_visitor.open(url, "first visitor on a fresh server")
            await cold_visitor.page.context.close()
        single_records = await single(browser, url, team, args.single) if args.single else []
        loaded = None
        if args.sessions:
            first_run = run_log_lines(run_log)
            loaded = await load(browser, url, args, pid)
            # The load phase's own lines of the run log (the warm-up visitor's first among them).
            loaded["run_lines"] = (first_run, run_log_lines(run_log))
    return {"cold": cold, "single": single_records, "load": loaded}


def script_times(runs: list[dict]) -> list[str]:
    lines = []
    for page in sorted({run["page"] for run in runs}):
        seconds = [run["seconds"] for run in runs if run["page"] == page]
        lines.append(
            f"  {page:14} n {len(seconds):4d}  p50 {percentile(seconds, 0.5):.3f} s  p95 {percentile(seconds, 0.95):.3f} s"
            f"  max {max(seconds):.2f} s"
        )
    return lines


def steps_per_page(records: list[dict]) -> dict[str, int]:
    """The page each step ran, as the run log names them (a window change reruns the page shown)."""
    counts: dict[str, int] = {}
    page = {}
    for record in records:
        visitor, kind = record["visitor"], record["kind"]
        if kind.startswith("page:"):
            page[visitor] = kind.removeprefix("page:").lower()
        elif kind != "window":  # a new visitor (or the warm-up) opening the link
            page[visitor] = "overview"
        counts[page[visitor]] = counts.get(page[visitor], 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="folder of exports or a DuckDB file (default data/demo)")
    parser.add_argument("--issues", type=int, help="build a synthetic organisation of N issues instead")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--think", type=lambda text: tuple(map(float, text.split("-"))), default=(1.0, 3.0))
    parser.add_argument("--arrival", type=float, default=3.0, help="seconds between two visitors' arrivals")
    parser.add_argument(
        "--server-priority", type=int, default=10, help="nice steps the server gets over the browsers (root; 0: none)"
    )
    parser.add_argument("--single", type=int, default=3, help="repeats of the one-visitor measures (0: none)")
    parser.add_argument("--folder", type=Path, help="work folder for the synthetic organisation (kept)")
    parser.add_argument(
        "--clients",
        choices=("browser", "protocol"),
        default="browser",
        help="the load's visitors: browsers, or light clients speaking Streamlit's websocket protocol",
    )
    parser.add_argument("--browsers", type=int, default=2, help="real browsers beside the protocol visitors")
    args = parser.parse_args(argv)

    folder = args.folder or Path(tempfile.mkdtemp(prefix="threadline-hosted-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = build_synthetic(args.issues, folder) if args.issues else (args.data or PROJECT_ROOT / "data" / "demo")
    teams = team_names(source)
    cache = Path(tempfile.mkdtemp(prefix="threadline-hosted-cache-"))
    run_log = cache / "runs.jsonl"
    env = {"THREADLINE_DATA_DIR": str(source), "THREADLINE_CACHE_DIR": str(cache), "THREADLINE_RUN_LOG": str(run_log)}
    browsers = f" + {args.browsers} browsers" if args.clients == "protocol" else ""
    print(
        f"shared base: {source} ({len(teams)} teams); {args.sessions} {args.clients} visitors{browsers} for "
        f"{args.seconds:.0f} s; load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}"
    )
    with streamlit_server(env=env, timeout=120, own_session=True) as url:
        pid = server_pid(int(url.rsplit(":", 1)[1]))
        if args.server_priority:
            prioritise(pid, args.server_priority)
        started_kib = memory_kib(pid)["VmRSS"]
        result = asyncio.run(main_async(args, url, teams[0], pid, run_log))
    cold = result["cold"]
    print(f"server at start: {started_kib / 1024:.0f} MiB")
    print(
        f"first visitor on a fresh server (builds the shared base and the report): "
        f"charts drawn {cold.get('drawn', float('nan')):.2f} s, script {cold.get('script', float('nan')):.2f} s"
        + (f", ERROR {cold['error']}" if cold["error"] else "")
    )
    if result["single"]:
        print(f"one visitor at a time, {args.single} times each (median):")
        for kind in ("new visitor: Overview", "page:Team", "new visitor: Team deep link"):
            rows = [r for r in result["single"] if r["kind"] == kind and not r["error"]]
            errors = sum(1 for r in result["single"] if r["kind"] == kind and r["error"])
            print(
                f"  {kind:30} charts drawn {statistics.median(r['drawn'] for r in rows):.2f} s, "
                f"script {statistics.median(r['script'] for r in rows):.2f} s"
                + (f"; {errors} errors" if errors else "")
                if rows
                else f"  {kind:30} all {errors} failed"
            )
    loaded = result["load"]
    if loaded:
        records = loaded["records"]
        errors = [r for r in records if r["error"]]
        print(
            f"{loaded['visitors']} visitors at once ({loaded['browsers']} in browsers), {len(records)} steps, "
            f"errors: {len(errors)}; load average after {' '.join(f'{load:.2f}' for load in os.getloadavg())}"
        )
        for line in summary(records):
            print(line)
        for record in errors[:10]:
            print(f"  error: {record['visitor']} {record['kind']}: {record['error']}")
        print(
            f"server memory: warm with one visitor {loaded['rss_warm_kib'] / 1024:.0f} MiB, after "
            f"{loaded['visitors']} visitors {loaded['rss_after_kib'] / 1024:.0f} MiB, peak {loaded['hwm_kib'] / 1024:.0f} MiB; "
            f"added per visitor {loaded['per_visitor_mib']:.1f} MiB; report workers "
            f"{loaded['workers_rss_kib'] / 1024:.0f} MiB"
        )
        print(
            f"the load generator's own CPU (without the browsers' processes): {loaded['generator_cpu_seconds']:.1f} s "
            f"in {loaded['wall_seconds']:.0f} s"
        )
        first, last = loaded["run_lines"]
        load_runs = [json.loads(line) for line in run_log.read_text().splitlines()[first:last]]
        steps = steps_per_page(loaded["warm_records"] + records)
        print("server script time per run during the load (run log), and the visitors' steps per page:")
        for line, page in zip(script_times(load_runs), sorted({run["page"] for run in load_runs})):
            print(f"{line}  steps {steps.get(page, 0)}")
    runs = [json.loads(line) for line in run_log.read_text().splitlines()] if run_log.exists() else []
    print(f"server script time per run, all phases ({len(runs)} runs):")
    for line in script_times(runs):
        print(line)
    result["runs"] = runs
    (folder / "hosted-result.json").write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
