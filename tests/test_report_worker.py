"""Reports of the shared base in worker processes: the same report as in the server, a worker
that dies or runs out of time replaced, and the caller's process free while a report runs."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from analysis import report_worker
from analysis.report import build_report
from analysis.report_worker import ReportUnavailable, WorkerPool, base_report_in_worker
from analysis.settings import Settings
from analysis.workspace import DEFAULT_DATA_DIR, build_shared_base, open_base_file

WAIT_SECONDS = 120  # an upper bound for a loaded machine, never a timing assert


def wait_for_file(path: str) -> int:
    """Runs in a worker: writes its pid to path + '.started', then waits until path exists."""
    Path(path + ".started").write_text(str(os.getpid()))
    while not Path(path).exists():
        time.sleep(0.01)
    return os.getpid()


def fail_with(message: str) -> None:
    raise ValueError(message)


def started_pid(path: Path) -> int:
    marker = Path(str(path) + ".started")
    deadline = time.monotonic() + WAIT_SECONDS
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the worker never started the call"
        time.sleep(0.01)
    return int(marker.read_text())


def dead(pid: int) -> None:
    """Waits until the killed process has exited (a zombie until the pool reaps it)."""
    deadline = time.monotonic() + WAIT_SECONDS
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            if "zombie" in status.read_text():
                return
        except FileNotFoundError:
            return
        assert time.monotonic() < deadline, f"process {pid} did not exit"
        time.sleep(0.01)


@pytest.fixture
def pool():
    workers = WorkerPool(size=1, seconds=WAIT_SECONDS)
    yield workers
    workers.close()


def test_the_workers_report_is_the_servers_byte_for_byte(tmp_path, pool):
    base = build_shared_base(DEFAULT_DATA_DIR, tmp_path / "cache")
    in_server = open_base_file(base)
    for settings in (Settings(), dataclasses.replace(Settings(), window_days=90, tolerance_days=0)):
        from_worker = pool.run(base_report_in_worker, str(base), "v1", settings)
        expected = build_report(in_server.con, settings)
        assert json.dumps(from_worker) == json.dumps(expected)
    assert pool.pids() and pool.pids()[0] != os.getpid()
    in_server.close()


def test_a_worker_killed_while_idle_is_replaced_before_the_next_call(pool):
    first = pool.run(os.getpid)
    os.kill(first, signal.SIGKILL)
    dead(first)
    second = pool.run(os.getpid)
    assert second not in (first, os.getpid())


def test_a_worker_reaped_elsewhere_while_idle_is_replaced_before_the_next_call(pool):
    # Another part of the server's process may reap child processes (an asyncio child watcher):
    # is_alive() then still says True, and the worker's pipe is what tells.
    first = pool.run(os.getpid)
    os.kill(first, signal.SIGKILL)
    os.waitpid(first, 0)
    assert pool.run(os.getpid) not in (first, os.getpid())


def test_a_worker_killed_during_a_report_gives_a_message_and_the_next_call_a_new_worker(tmp_path, pool):
    release = tmp_path / "release"
    outcome = {}

    def call():
        try:
            outcome["result"] = pool.run(wait_for_file, str(release))
        except ReportUnavailable as error:
            outcome["error"] = error

    caller = threading.Thread(target=call)
    caller.start()
    killed = started_pid(release)
    os.kill(killed, signal.SIGKILL)
    caller.join(WAIT_SECONDS)
    assert "result" not in outcome
    assert "stopped before it finished" in str(outcome["error"]) and "Reload" in str(outcome["error"])
    assert pool.run(os.getpid) not in (killed, os.getpid())


def test_a_report_out_of_time_is_stopped_and_its_worker_replaced(tmp_path, pool):
    pool.run(os.getpid)  # started, so the short limit below is the call's alone
    stuck = pool.pids()[0]
    pool.seconds = 0.5
    with pytest.raises(ReportUnavailable, match="longer than 0.5 seconds"):
        pool.run(wait_for_file, str(tmp_path / "never"))
    pool.seconds = WAIT_SECONDS
    assert not Path(f"/proc/{stuck}").exists()  # stopped and reaped
    assert pool.run(os.getpid) != stuck


def test_an_error_in_the_report_reaches_the_caller_and_the_worker_stays(pool):
    worker = pool.run(os.getpid)
    with pytest.raises(ValueError, match="no such team"):
        pool.run(fail_with, "no such team")
    assert pool.run(os.getpid) == worker


def test_the_callers_process_goes_on_while_a_report_runs(tmp_path, pool):
    """The web server's side of a slow report: its thread waits on the worker's pipe, and the
    rest of the process (other visitors' scripts) computes meanwhile, in order: the slow call
    starts, other work is done while it is still running, then the call is let finish."""
    release = tmp_path / "release"
    finished = threading.Event()
    result = {}

    def slow_report():
        result["pid"] = pool.run(wait_for_file, str(release))
        finished.set()

    caller = threading.Thread(target=slow_report)
    caller.start()
    worker = started_pid(release)
    # A cheap page's work in this process while the report is still being computed elsewhere.
    cheap = open_base_file(build_shared_base(DEFAULT_DATA_DIR, tmp_path / "cache"))
    teams = cheap.con.execute("select count(*) from teams").fetchall()
    cheap.close()
    assert teams == [(6,)] and not finished.is_set() and caller.is_alive()
    release.write_text("")
    caller.join(WAIT_SECONDS)
    assert finished.is_set() and result["pid"] == worker != os.getpid()


def test_a_second_caller_waits_for_a_free_worker(tmp_path, pool):
    release = tmp_path / "release"
    order = []

    def first():
        pool.run(wait_for_file, str(release))
        order.append("first")

    def second():
        pool.run(os.getpid)
        order.append("second")

    one = threading.Thread(target=first)
    one.start()
    started_pid(release)
    two = threading.Thread(target=second)
    two.start()
    assert order == [] and two.is_alive()  # one worker, busy: the second call waits
    release.write_text("")
    one.join(WAIT_SECONDS)
    two.join(WAIT_SECONDS)
    assert sorted(order) == ["first", "second"]


def test_workers_run_below_the_server_in_the_scheduler(pool):
    assert pool.run(os.nice, 0) == min(19, os.nice(0) + report_worker.WORKER_NICENESS)


def test_settings_of_the_environment(monkeypatch):
    monkeypatch.setenv(report_worker.WORKERS_VARIABLE, "3")
    monkeypatch.setenv(report_worker.SECONDS_VARIABLE, "nonsense")
    assert (report_worker.configured_workers(), report_worker.configured_seconds()) == (
        3,
        report_worker.DEFAULT_SECONDS,
    )
    monkeypatch.setenv(report_worker.WORKERS_VARIABLE, "0")
    assert report_worker.configured_workers() == report_worker.DEFAULT_WORKERS


def waiting_for_the_lock(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_name == "_hold_compute_lock":
            return True
        frame = frame.f_back
    return False


def test_visitors_asking_for_the_same_report_at_once_compute_it_once(monkeypatch):
    """dashboard._shared_report relies on st.cache_resource's lock per key: the second caller
    waits for the first's computation instead of starting its own."""
    import dashboard

    calls = []
    started, release = threading.Event(), threading.Event()

    def computed(path, version, settings):
        calls.append(version)
        started.set()
        release.wait(WAIT_SECONDS)
        return {"version": version}

    monkeypatch.setattr(dashboard.report_worker, "base_report", computed)
    monkeypatch.setattr(dashboard, "shared_base", lambda: type("Base", (), {"path": "unused"})())
    version = f"test-{time.time_ns()}"
    results = []
    threads = [threading.Thread(target=lambda: results.append(dashboard._shared_report(version, Settings())))]
    threads[0].start()
    assert started.wait(WAIT_SECONDS)
    threads.append(threading.Thread(target=lambda: results.append(dashboard._shared_report(version, Settings()))))
    threads[1].start()
    # Let the first finish only once the second is waiting on the key's lock.
    deadline = time.monotonic() + WAIT_SECONDS
    while not waiting_for_the_lock(threads[1]):
        assert time.monotonic() < deadline and threads[1].is_alive()
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert calls == [version] and results == [{"version": version}] * 2


def test_a_visitor_whose_report_worker_failed_gets_a_message_not_a_traceback(monkeypatch):
    from streamlit.testing.v1 import AppTest

    import dashboard

    def unavailable(path, version, settings):
        raise ReportUnavailable("The process computing the report stopped before it finished.")

    monkeypatch.setattr(report_worker, "base_report", unavailable)
    dashboard._shared_report.clear()
    app = AppTest.from_file(str(Path(dashboard.__file__).with_name("app.py")), default_timeout=WAIT_SECONDS).run()
    assert not app.exception, [element.value for element in app.exception]
    assert [element.value for element in app.error] == ["The process computing the report stopped before it finished."]


def test_a_worker_does_not_run_the_script_streamlit_last_made_main(tmp_path, monkeypatch):
    # Streamlit makes each script it runs sys.modules["__main__"] (app.py in the server, a
    # temporary file for AppTest.from_function), and a spawned process runs the parent's main
    # script first: the worker ran the page script before serving, or died where it cannot.
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "page_script.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\nundefined_name_as_in_a_temporary_script\n")
    page_module = types.ModuleType("__main__")
    page_module.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page_module)
    pool = WorkerPool(size=1, seconds=WAIT_SECONDS)
    try:
        assert pool.run(os.getpid) != os.getpid()
    finally:
        pool.close()
    assert not marker.exists()
    assert sys.modules["__main__"] is page_module
