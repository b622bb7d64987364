"""Hostile-files benchmark: time and peak memory to answer each hostile file.

    python benchmarks/hostile_files.py [--project DIR] [--cap-mb 3072] [--only NAME,...]

Crafts each file into a temporary folder, then answers it, each in its own child process:

  upload  as the Data page does: views.data.load_uploads (the parse runs in a grandchild
          under the visitor limits; a .zip is restored as a workspace file)
  cli     as `python -m analysis report|ingest` does: Store.load_file in the process itself

and prints, per file and way, the wall time, the extra peak memory (the child's peak RSS over
its RSS before the load, or the parse grandchild's whole peak RSS, its Python and libraries
included, whichever is larger), the status and the start of the message. `--project` points at another checkout (e.g. an older commit
unpacked with `git archive`) to measure it the same way. Each child runs under an address-space
cap (`--cap-mb`, default 3 GB) so an unbounded case fails at the cap (shown as "cap") instead of
taking the machine's memory.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPTH = 100_000
MB = 2**20


def deep_json(folder: Path) -> Path:
    path = folder / "deep.json"
    path.write_text("[" * DEPTH + "]" * DEPTH)
    return path


def deep_search_json(folder: Path) -> Path:
    """Detected as Jira search results, then too deep for the JSON parser."""
    path = folder / "deep_search.json"
    path.write_text('{"issues": [{"key": "A-1", "fields": {"summary": ' + "[" * DEPTH + "]" * DEPTH + "}}]}")
    return path


def workspace_with_zeros(path: Path, megabytes: int) -> Path:
    """A real (empty) workspace file whose work_items.parquet is replaced by zeros: a zip bomb."""
    with zipfile.ZipFile(io.BytesIO(empty_workspace())) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            if name != "work_items.parquet":
                target.writestr(name, source.read(name))
        info = zipfile.ZipInfo("work_items.parquet")
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as sink:
            block = bytes(MB)
            for _ in range(megabytes):
                sink.write(block)
    return path


def empty_workspace() -> bytes:
    """Made by this checkout's code (the format is the same before and after)."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from analysis.settings import Settings
    from analysis.store import Store
    from analysis.workspace_file import export_workspace

    store = Store()
    try:
        return export_workspace(store.con, Settings())
    finally:
        store.close()


def zip_bomb(folder: Path) -> Path:
    """~2 MB that unpacks to 1.9 GB: over the default workspace limit (512 MB)."""
    return workspace_with_zeros(folder / "workspace_bomb.zip", 1900)


def small_zip_bomb(folder: Path) -> Path:
    """~0.4 MB that unpacks to 400 MB: under the limit, so it is inflated (streamed) and then
    found not to be Parquet."""
    return workspace_with_zeros(folder / "workspace_bomb_400.zip", 400)


def wide_csv(folder: Path) -> Path:
    """A Jira CSV with 100,000 columns (5 MB, rows over DuckDB's 2 MB line size)."""
    width = 100_000
    header = ["Issue key", "Summary", "Created"] + [f"Custom field (f{i})" for i in range(width - 3)]
    row = ["A-{}", "x", "01/Jul/24 9:00 AM"] + ["some value here"] * (width - 3)
    path = folder / "wide.csv"
    path.write_text("\n".join([",".join(header), ",".join(row).format(1), ",".join(row).format(2)]) + "\n")
    return path


def oversized(folder: Path) -> Path:
    """Over the default upload limit of 200 MB (a git tag CSV)."""
    path = folder / "acme__big__tags.csv"
    with open(path, "w") as handle:
        handle.write("tag,date\n")
        line = "v1.0.0,2024-03-01T10:00:00Z\n"
        handle.write(line * (201 * MB // len(line)))
    return path


def memory_hungry_json(folder: Path) -> Path:
    """150 MB of tiny GitHub releases: within the upload limit, gigabytes as Python objects."""
    path = folder / "acme__shop__releases.json"
    record = '{"tag_name":"v1","draft":false,"prerelease":false,"published_at":"2024-01-01T00:00:00Z"}'
    count = 150 * MB // (len(record) + 1)
    with open(path, "w") as handle:
        handle.write("[")
        handle.write(",".join([record] * 10_000))
        for _ in range(count // 10_000 - 1):
            handle.write(",")
            handle.write(",".join([record] * 10_000))
        handle.write("]")
    return path


FILES = {
    "deep.json": deep_json,
    "deep_search.json": deep_search_json,
    "workspace_bomb.zip": zip_bomb,
    "workspace_bomb_400.zip": small_zip_bomb,
    "wide.csv": wide_csv,
    "oversized_tags.csv": oversized,
    "memory_hungry.json": memory_hungry_json,
}

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
cap, way, path = int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])

def rss(field):
    text = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith(field))) * 1024

from analysis.store import Store
from analysis.views.data import load_uploads
store = Store()
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
base, started = rss("VmRSS:"), time.perf_counter()
try:
    if way == "upload":
        [result] = load_uploads(store, [(path.name, path.read_bytes())], "UTC")
        status, message = result.status, result.message or ""
    else:
        outcome = store.load_file(path)
        status, message = outcome.status, outcome.message or (outcome.rejects[0].reason if outcome.rejects else "")
except MemoryError:
    status, message = "cap", "MemoryError at the address-space cap"
seconds = time.perf_counter() - started
grandchild = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "extra": max(rss("VmHWM:") - base, grandchild), "status": status,
                  "message": message}))
"""


def measure(project: Path, cap: int, way: str, path: Path) -> dict:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(project), str(cap), way, str(path)],
        cwd=project,
        # Allocators that reserve little address space, so the cap stops real use, not reservations.
        env={**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2"},
        capture_output=True,
        text=True,
    )
    if run.returncode != 0 or not run.stdout.strip():
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return {"seconds": time.perf_counter() - started, "extra": None, "status": "crashed", "message": last}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=PROJECT_ROOT, help="checkout to measure (default: this one)")
    parser.add_argument("--cap-mb", type=int, default=3072, help="address-space cap of each child (default 3072)")
    parser.add_argument("--only", default="", help="comma-separated file names (default: all)")
    args = parser.parse_args()
    chosen = [name for name in FILES if not args.only or name in args.only.split(",")]
    print(f"{'file':<22} {'size':>9} {'way':<7} {'seconds':>8} {'extra MB':>9}  status    message")
    with tempfile.TemporaryDirectory(prefix="threadline-hostile-") as folder:
        for name in chosen:
            path = FILES[name](Path(folder))
            for way in ("upload", "cli"):
                if way == "cli" and path.suffix == ".zip":
                    continue  # the command line reads exports, not workspace files
                got = measure(args.project.resolve(), args.cap_mb * MB, way, path)
                extra = "-" if got["extra"] is None else f"{got['extra'] / MB:,.0f}"
                print(
                    f"{name:<22} {path.stat().st_size / MB:>7.1f}MB {way:<7} {got['seconds']:>8.1f} {extra:>9}  "
                    f"{got['status']:<9} {got['message'][:110]}",
                    flush=True,
                )
            path.unlink()


if __name__ == "__main__":
    main()
