"""Reports of the shared base computed in worker processes, away from the web server.

A report of a large organisation is seconds of Python work. Computed in the web server's
process, it holds Python's lock while every other visitor's script and the server's own thread
wait, so a new visitor's first page is late by every report being computed. Here a small pool
of spawned processes ($THREADLINE_REPORT_WORKERS, default 1) computes them instead: each opens
the shared base file read-only itself and returns the report's JSON dict; the caller's thread
only waits on a pipe, which leaves Python's lock to the others. Workers run a few nice steps
below the server, so pages already computed are answered before a report's next second of work.

A worker that dies (out of memory, killed) or takes longer than $THREADLINE_REPORT_SECONDS
(default 600) is stopped and replaced, and its caller gets ReportUnavailable, whose message is
written for the visitor. Workers are started on first use. No Streamlit here: the shell decides
what to show.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import traceback
import types
from collections.abc import Callable
from typing import Any

from .settings import Settings

WORKERS_VARIABLE = "THREADLINE_REPORT_WORKERS"
SECONDS_VARIABLE = "THREADLINE_REPORT_SECONDS"
DEFAULT_WORKERS = 1
DEFAULT_SECONDS = 600.0
WORKER_NICENESS = 5  # nice steps below the server's process


class ReportUnavailable(RuntimeError):
    """The worker computing a report died or ran out of time; the message is for the visitor."""


def _positive(variable: str, default: float, kind: type) -> float:
    """The variable's value when it is a number above zero, else the default."""
    try:
        value = kind(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def configured_workers() -> int:
    return int(_positive(WORKERS_VARIABLE, DEFAULT_WORKERS, int))


def configured_seconds() -> float:
    return _positive(SECONDS_VARIABLE, DEFAULT_SECONDS, float)


# In a worker: the shared base it has open (path, version, store), reopened when the base changes.
_open_base: tuple[str, str, Any] | None = None


def base_report_in_worker(path: str, version: str, settings: Settings) -> dict:
    """Runs in a worker: the whole report of the shared base file at path (SPEC JSON)."""
    global _open_base
    from .report import build_report
    from .workspace import open_base_file

    if _open_base is None or _open_base[:2] != (path, version):
        if _open_base is not None:
            _open_base[2].close()
            _open_base = None
        _open_base = (path, version, open_base_file(path))
    return build_report(_open_base[2].con, settings)


def _serve(connection) -> None:
    """A worker's loop: a call (function, arguments) in, ("ok", result) or ("error", exception) out."""
    # Below the server in the scheduler: pages already computed are answered first, and the
    # report (seconds of work nobody else waits for) takes the cores they leave.
    os.nice(WORKER_NICENESS)
    while True:
        try:
            function, arguments = connection.recv()
            connection.send(("started", None))  # the caller now knows the call was taken
        except (EOFError, OSError):  # the server went away
            return
        try:
            answer = ("ok", function(*arguments))
        except Exception as error:  # returned to the caller, who raises it; the worker goes on
            error.add_note("in the report worker:\n" + traceback.format_exc())
            answer = ("error", error)
        try:
            connection.send(answer)
        except Exception as error:  # an answer that cannot be sent (unpicklable): say why
            connection.send(("error", RuntimeError(f"the worker's answer could not be sent: {error}")))


class _Worker:
    """One spawned process and the pipe to it."""

    def __init__(self, context):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name="threadline-report-worker")
        # A spawned process first runs the parent's __main__ script again, and Streamlit makes
        # each page script it runs __main__: the worker would run app.py (or a test's script)
        # before serving. It needs nothing from it (_serve is imported by name), so it is not told.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self.process.start()
        finally:
            sys.modules["__main__"] = main
        child.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def send(self, function: Callable, arguments: tuple) -> None:
        """OSError (a broken pipe) when the process has died."""
        self.connection.send((function, arguments))

    def started(self, seconds: float) -> None:
        """Returns once the worker has taken the call; EOFError/OSError if it died before."""
        self._receive(seconds)

    def answer(self, seconds: float):
        """The call's result; TimeoutError past the seconds, EOFError/OSError if the process died."""
        status, value = self._receive(seconds)
        if status == "error":
            raise value
        return value

    def _receive(self, seconds: float) -> tuple:
        # poll() waits without Python's lock, and returns early when the process dies (EOF).
        if not self.connection.poll(seconds):
            raise TimeoutError
        return self.connection.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.connection.close()


class WorkerPool:
    """Up to `size` worker processes, started when first needed; a call waits for a free one."""

    def __init__(self, size: int | None = None, seconds: float | None = None):
        self.size = size or configured_workers()
        self.seconds = seconds or configured_seconds()
        self._context = multiprocessing.get_context("spawn")  # no copy of the server's threads
        self._idle: list[_Worker] = []
        self._running = 0  # workers started and not stopped, idle or busy
        self._changed = threading.Condition()

    def run(self, function: Callable, *arguments):
        """function(*arguments) in a worker. Raises ReportUnavailable when the worker dies or
        runs out of time (and replaces it), and what the function itself raised."""
        for attempt in (1, 2):
            worker, taken = self._take(), False
            try:
                worker.send(function, arguments)
                worker.started(self.seconds)
                taken = True
                result = worker.answer(self.seconds)
            except TimeoutError:
                self._discard(worker)
                raise ReportUnavailable(
                    f"Computing the report took longer than {self.seconds:g} seconds and was stopped. "
                    "Reload the page to try again; the server may be busy."
                ) from None
            except (EOFError, OSError):
                self._discard(worker)
                if not taken and attempt == 1:
                    continue  # it died before taking the call (while idle): a fresh one takes it
                raise ReportUnavailable(
                    "The process computing the report stopped before it finished (it may have run out "
                    "of memory). Reload the page to try again."
                ) from None
            except BaseException:
                self._give_back(worker)
                raise
            break
        self._give_back(worker)
        return result

    def pids(self) -> list[int]:
        """The idle workers' process ids (tests, diagnostics)."""
        with self._changed:
            return [worker.pid for worker in self._idle]

    def close(self) -> None:
        with self._changed:
            idle, self._idle = self._idle, []
            self._running -= len(idle)
            self._changed.notify_all()
        for worker in idle:
            worker.stop()

    def _take(self) -> _Worker:
        with self._changed:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    # An idle worker has nothing to say: a readable pipe is its end of file. The
                    # pipe tells even when someone else in this process reaped the dead child
                    # (is_alive() then cannot know).
                    if worker.process.is_alive() and not worker.connection.poll(0):
                        return worker
                    worker.stop()  # died while idle: the caller gets a fresh one instead
                    self._running -= 1
                if self._running < self.size:
                    self._running += 1
                    break
                self._changed.wait()
        try:
            return _Worker(self._context)
        except BaseException:
            with self._changed:
                self._running -= 1
                self._changed.notify()
            raise

    def _give_back(self, worker: _Worker) -> None:
        with self._changed:
            self._idle.append(worker)
            self._changed.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._changed:
            self._running -= 1
            self._changed.notify()


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool:
    """The process's pool, made on first use from the environment."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool()
        return _pool


def base_report(path: str, version: str, settings: Settings) -> dict:
    """The whole report of the shared base at path (version: its content's name), computed in
    a worker process. Raises ReportUnavailable when the worker dies or runs out of time."""
    return pool().run(base_report_in_worker, str(path), version, settings)
