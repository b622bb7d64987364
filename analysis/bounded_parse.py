"""Limits on what one visitor's upload may cost, and parsing an upload under them.

A hosted instance serves many visitors from one server process, so a file that makes a parser
take gigabytes or minutes must cost its visitor a message, not the server. `parse_in_child`
parses one file in a child process (`python -m analysis.bounded_parse`) whose address space is
capped (RLIMIT_AS) and which is killed after a time limit; the parsed tables come back pickled
through a temporary file. The store calls it through its `parse=` hook (Store.load_file).

The limits are settings, read from the environment (README, "Deploying and sharing"):

    THREADLINE_VISITOR_MEMORY_MB   memory one parse may add, and what a workspace file may
                                   unpack to (half of it); default 1024
    THREADLINE_UPLOAD_MAX_MB       largest file a visitor may upload; default 200 (keep
                                   server.maxUploadSize in .streamlit/config.toml the same)
    THREADLINE_PARSE_SECONDS       longest one upload's parse may take; default 30
"""

from __future__ import annotations

import os
import pickle
import re
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .importers import FileRefused, ImportOptions, ParseResult

PROJECT_DIR = Path(__file__).resolve().parent.parent
MEMORY_VARIABLE = "THREADLINE_VISITOR_MEMORY_MB"
UPLOAD_VARIABLE = "THREADLINE_UPLOAD_MAX_MB"
SECONDS_VARIABLE = "THREADLINE_PARSE_SECONDS"
# The child's allocators are told to reserve address space sparingly, so RLIMIT_AS measures
# memory in use: Arrow's mimalloc and glibc's per-thread arenas otherwise reserve gigabytes.
CHILD_ENVIRONMENT = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2"}


@dataclass(frozen=True)
class Limits:
    memory_mb: float = 1024
    upload_mb: float = 200
    parse_seconds: float = 30

    @classmethod
    def from_environment(cls, environ=None) -> Limits:
        """The limits set in the environment; a variable that is unset, not a number or not
        above zero keeps its default."""
        environ = os.environ if environ is None else environ
        defaults = cls()

        def read(variable: str, default: float) -> float:
            try:
                value = float(environ.get(variable, ""))
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(
            memory_mb=read(MEMORY_VARIABLE, defaults.memory_mb),
            upload_mb=read(UPLOAD_VARIABLE, defaults.upload_mb),
            parse_seconds=read(SECONDS_VARIABLE, defaults.parse_seconds),
        )

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb * 2**20)

    @property
    def upload_bytes(self) -> int:
        return int(self.upload_mb * 2**20)

    @property
    def workspace_bytes(self) -> int:
        """What a workspace file may unpack to: half the memory, the rest is for the tables read
        from it and their copy in the store."""
        return self.memory_bytes // 2


def upload_too_large(name: str, size: int, limits: Limits) -> str | None:
    """The refusal for an upload over the size limit, or None."""
    if size <= limits.upload_bytes:
        return None
    return (
        f"{name}: {size / 2**20:,.1f} MB is over the upload limit of {number(limits.upload_mb)} MB "
        f"({UPLOAD_VARIABLE}); nothing from it was loaded. Split the export, or load it with "
        "`python -m analysis ingest`."
    )


def parse_in_child(path: Path, options: ImportOptions | None = None, limits: Limits | None = None) -> ParseResult:
    """parse_file(path, options) in a child process under `limits`.

    Raises FileRefused naming the file, the limit reached and its value when the child needs
    more memory or time, and FileRefused as parse_file does for content it cannot use."""
    path, limits = Path(path).resolve(), limits or Limits.from_environment()
    with tempfile.TemporaryDirectory(prefix="threadline-parse-") as folder:
        answer = Path(folder) / "answer.pickle"
        request = pickle.dumps((str(path), options or ImportOptions(), limits.memory_bytes, str(answer)))
        child = subprocess.Popen(
            [sys.executable, "-m", "analysis.bounded_parse"],
            cwd=PROJECT_DIR,
            env={**os.environ, **CHILD_ENVIRONMENT},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _, errors = child.communicate(request, timeout=limits.parse_seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise FileRefused(
                f"{path.name}: reading it took longer than the limit of {number(limits.parse_seconds)} s "
                f"for one file ({SECONDS_VARIABLE}); nothing from it was loaded."
            ) from None
        status, value = _answer(answer, child.returncode, errors)
    if status == "parsed":
        return value
    if status == "memory":
        raise FileRefused(
            f"{path.name}: reading it needs more than the memory limit of {number(limits.memory_mb)} MB "
            f"for one file ({MEMORY_VARIABLE}); nothing from it was loaded."
        )
    raise FileRefused(value if status == "refused" else f"{path.name}: could not be read ({value})")


def _answer(answer: Path, returncode: int, errors: bytes) -> tuple[str, object]:
    """(status, value) the child wrote; a child that died first ran out of memory if its last
    words say so (or the kernel or C++ runtime killed it), else it failed."""
    if returncode == 0 and answer.exists():
        with open(answer, "rb") as handle:
            return pickle.load(handle)
    text = errors.decode("utf-8", "replace")
    if returncode in (-signal.SIGKILL, -signal.SIGABRT) or re.search(r"MemoryError|bad_alloc|Out of Memory", text):
        return "memory", None
    last = text.strip().splitlines()[-1] if text.strip() else f"exit status {returncode}"
    return "failed", f"the parser stopped: {last[:300]}"


def number(value: float) -> str:
    return f"{value:g}"


def _child() -> None:
    """The child: read the request on stdin, cap memory, parse, write the answer."""
    from .importers import jira_csv, parse_file

    path, options, memory_bytes, answer = pickle.loads(sys.stdin.buffer.read())
    # Python, pandas, Arrow and DuckDB are loaded: the limit counts what parsing adds to them.
    in_use = int(re.search(r"VmSize:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)  # a cap set on the server itself still holds
    cap = in_use + memory_bytes if hard == resource.RLIM_INFINITY else min(in_use + memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # DuckDB spills to disk before it reaches the cap, rather than failing at it.
    jira_csv.DUCKDB_MEMORY = f"{max(memory_bytes * 3 // 4 // 2**20, 64)}MB"
    try:
        reply = ("parsed", parse_file(Path(path), options))
    except FileRefused as refusal:
        reply = ("refused", str(refusal))
    except MemoryError:
        reply = None
    except Exception as error:  # reported as the store reports an importer bug
        message = str(error).splitlines()[0] if str(error) else ""
        if "memory" in message.lower() or "bad_alloc" in message:
            reply = None
        else:
            reply = ("failed", f"{type(error).__name__}: {message[:300]}")
    # The frames that held the parse are gone here, so the answer has memory to be written.
    with open(answer, "wb") as handle:
        pickle.dump(reply or ("memory", None), handle, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    _child()
