"""Where the shared data comes from: the demo organisation, or a folder a host configures.

A hosted instance parses that folder once into a DuckDB file (the shared base) in a cache
folder, reuses it while the folder's files and the code that reads them are unchanged, and
opens it read-only for every session. Replicas over the same cache folder build it once between
them (a file lock) and never see a half-written file (write, then rename).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path

from .importers import ImportOptions
from .settings import Settings
from .store import Store, derived_key, derived_state, expand_paths

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data" / "demo"
DATA_DIR_VARIABLE = "THREADLINE_DATA_DIR"
CACHE_DIR_VARIABLE = "THREADLINE_CACHE_DIR"
BASE_MEMORY_VARIABLE = "THREADLINE_BASE_MEMORY"
# The code that turns files into the base's tables: a change to it makes a new base.
BASE_CODE = ("queries/*.sql", "analysis/importers/*.py", "analysis/store.py")


def shared_data_dir() -> Path:
    """The folder everyone sees before uploading: $THREADLINE_DATA_DIR, else data/demo.
    A DuckDB file made by `python -m analysis ingest` may stand in for the folder."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR)


def cache_dir() -> Path:
    """$THREADLINE_CACHE_DIR, else threadline/ in the user's cache folder."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "threadline"


def open_shared_store(memory_limit: str = "1GB", options: ImportOptions | None = None) -> Store:
    """A fresh in-memory store loaded with the shared folder (tests, scripts)."""
    store = Store(memory_limit=memory_limit)
    store.load_paths([shared_data_dir()], options)
    return store


def base_fingerprint(source: Path) -> str:
    """Changes when a file of the source (name, size, modification time) or the code that
    reads it changes."""
    digest = hashlib.sha256()
    for code in sorted(path for pattern in BASE_CODE for path in PROJECT_DIR.glob(pattern)):
        digest.update(code.relative_to(PROJECT_DIR).as_posix().encode() + b"\0" + code.read_bytes())
    for path in expand_paths([source]):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(source) if source.is_dir() else path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()
        )
    return digest.hexdigest()[:24]


def build_shared_base(source: Path | None = None, cache: Path | None = None) -> Path:
    """The DuckDB file of the source's data with its derived tables prepared for the default
    settings: built once, then reused while the source and the code are unchanged. A DuckDB
    file made by `python -m analysis ingest` serves as it is when it is prepared so (else a
    prepared copy of it is made)."""
    source = Path(source or shared_data_dir())
    if not source.exists():
        raise FileNotFoundError(f"the shared data {source} does not exist ({DATA_DIR_VARIABLE})")
    prebuilt = source.is_file() and source.suffix == ".duckdb"
    if prebuilt and _prepared_for_defaults(source):
        return source
    cache = Path(cache or cache_dir())
    target = cache / f"base-{base_fingerprint(source)}.duckdb"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another replica may be building this very base
        if not target.exists():
            partial = target.with_name(f"{target.stem}.{os.getpid()}.partial")
            partial.unlink(missing_ok=True)
            store = Store(partial, copy_from=source if prebuilt else None)
            try:
                if not prebuilt:
                    store.load_paths([source])
                store.prepare(Settings())
                store.con.execute("checkpoint")
            finally:
                store.close()
            os.replace(partial, target)
    return target


def _prepared_for_defaults(path: Path) -> bool:
    store = Store(path, read_only=True, memory_limit="256MB", threads=1)
    try:
        return store.is_current() and derived_state(store.con) == derived_key(Settings())
    finally:
        store.close()


def open_shared_base(source: Path | None = None, cache: Path | None = None) -> Store:
    """The shared base, read-only; its version names its content, so results computed from it
    alone may be kept for every visitor under that name."""
    source = Path(source or shared_data_dir())
    path = build_shared_base(source, cache)
    store = open_base_file(path)
    stat = path.stat()
    store.version = f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
    # What a shared workspace saved on this base records (alike on every replica of the source).
    store.fingerprint = base_fingerprint(source)
    return store


def open_base_file(path: str | Path) -> Store:
    """A shared base file opened read-only, as the server and its report workers open it."""
    return Store(path, read_only=True, memory_limit=os.environ.get(BASE_MEMORY_VARIABLE) or "2GB")
