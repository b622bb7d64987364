"""Shared workspaces: size on disk, time to open, memory per visitor who opens one.

    python benchmarks/workspaces.py [--issues 50000] [--visitors 3] [--repeat 3]

Builds the shared base from the demo (data/demo) in a temporary cache, then a visitor's private
copy of it plus an upload of a synthetic Jira Cloud CSV of --issues issues (benchmarks/ingest.py's
generator), and saves that as a shared workspace into a temporary folder. Prints:

  size       the workspace file on disk (layered: only the upload's rows over the base), and the
             same workspace saved whole (every row, as from an empty start or the download)
  open       the time open_workspace takes (read the file, copy the base, apply the additions,
             rebuild the derived tables), median of --repeat, each into a fresh store
  memory     in a child process that holds the shared base open (as the server does): resident
             memory before and after --visitors visitors each open the workspace and keep it,
             and the added memory per visitor (also DuckDB's own count of its memory per store)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from ingest import write_export  # noqa: E402

from analysis.settings import Settings  # noqa: E402
from analysis.store import Store  # noqa: E402
from analysis.workspace import DEFAULT_DATA_DIR, open_shared_base  # noqa: E402
from analysis.workspace_file import export_workspace  # noqa: E402
from analysis.workspaces import WorkspaceFolder, open_workspace, shared_workspace_bytes  # noqa: E402

VISITOR_MEMORY = "1GB"  # the default THREADLINE_VISITOR_MEMORY_MB


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def duckdb_bytes(store: Store) -> int:
    return store.con.execute("select coalesce(sum(memory_usage_bytes), 0) from duckdb_memory()").fetchall()[0][0]


def mib(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


def make_workspace(work: Path, issues: int) -> tuple[WorkspaceFolder, str, int, float]:
    """(folder, id, whole-file size, seconds to save) of the demo plus an upload of `issues` issues."""
    base = open_shared_base(DEFAULT_DATA_DIR, work / "cache")
    export = work / "export.csv"
    write_export(export, issues, bad_every=10**12)
    own = Store(copy_from=base.path, memory_limit=VISITOR_MEMORY)
    own.load_paths([export])
    started = time.perf_counter()
    data = shared_workspace_bytes(own.con, Settings(), base)
    folder = WorkspaceFolder(work / "workspaces")
    workspace_id, _ = folder.create(data)
    saving = time.perf_counter() - started
    whole = len(export_workspace(own.con, Settings()))
    own.close()
    base.close()
    return folder, workspace_id, whole, saving


def measure_memory(work: Path, workspace_id: str, visitors: int) -> dict:
    """In this process (a child): the base open, then `visitors` stores of the workspace kept."""
    base = open_shared_base(DEFAULT_DATA_DIR, work / "cache")
    base.view().con.execute("select count(*) from work_items").fetchall()
    folder = WorkspaceFolder(work / "workspaces")
    before = resident_bytes()
    kept, after = [], []
    for _ in range(visitors):
        kept.append(open_workspace(folder, workspace_id, base, VISITOR_MEMORY).store)
        after.append(resident_bytes())
    return {"before": before, "after": after, "duckdb": [duckdb_bytes(store) for store in kept]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--visitors", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workspace-id", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(measure_memory(args.memory_child, args.workspace_id, args.visitors)))
        return 0

    with tempfile.TemporaryDirectory(prefix="threadline-workspaces-bench-") as folder_name:
        work = Path(folder_name)
        folder, workspace_id, whole, saving = make_workspace(work, args.issues)
        size = (folder.path / f"{workspace_id}.zip").stat().st_size
        base = open_shared_base(DEFAULT_DATA_DIR, work / "cache")
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            opened = open_workspace(folder, workspace_id, base, VISITOR_MEMORY)
            times.append(time.perf_counter() - started)
            items = opened.store.con.execute("select count(*) from work_items").fetchall()[0][0]
            opened.store.close()
        base.close()
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--memory-child",
                str(work),
                "--workspace-id",
                workspace_id,
                "--visitors",
                str(args.visitors),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        memory = json.loads(child.stdout.strip().splitlines()[-1])

    print(f"workspace: the demo plus an upload of {args.issues:,} issues ({items:,} work items once opened)")
    print(f"size on disk: {mib(size)} layered (saved in {saving:.2f} s); {mib(whole)} saved whole")
    print(f"open: median {statistics.median(times):.2f} s of {args.repeat} ({', '.join(f'{t:.2f}' for t in times)} s)")
    added = [after - memory["before"] for after in memory["after"]]
    per_visitor = [b - a for a, b in zip([0, *added], added)]
    print(
        f"memory: {mib(memory['before'])} resident with the base open; after each of {args.visitors} visitors: "
        f"{', '.join(mib(value) for value in memory['after'])}"
    )
    print(
        f"added per visitor: {', '.join(mib(value) for value in per_visitor)} "
        f"(mean {mib(statistics.mean(per_visitor))}); DuckDB's own count per store: "
        f"{', '.join(mib(value) for value in memory['duckdb'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
