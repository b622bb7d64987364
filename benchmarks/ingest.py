"""Ingest benchmark: a synthetic Jira Cloud "Export CSV (all fields)" of N issues, loaded three ways.

    python benchmarks/ingest.py [--rows N] [--keep] [--bad-every K] [--folder DIR] [--repeat R]

Writes the export into a temporary folder (deterministic: the same N gives the same bytes),
then measures, each in its own child process so that one phase's memory does not inflate the
next one's peak:

  raw     DuckDB's own scan: select count(*) from read_csv(path, all_varchar = true, ...)
  parse   the importer: analysis.importers.parse_file(path)
  load    Store.load_file(path) into a fresh on-disk DuckDB file (parse + merge)

and prints a table of wall time and peak RSS, the ratios to the raw scan, and whether the targets
hold (importer and load within 3x of the raw scan, every phase under 4 GB peak RSS). Peak RSS is
the child's own `ru_maxrss`, Python and its imports included (the "base" column shows that part).

Every K-th issue (default every 100,000th) gets an unreadable Created date, so the reject path
is exercised and the expected rejected count is known: N // K.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Same bounds the importer and the store use for their own connections (2 threads, 2 GB).
DUCKDB_THREADS = 2
DUCKDB_MEMORY = "2GB"
TARGET_RATIO = 3.0
TARGET_PEAK_BYTES = 4 * 1024**3
CHUNK_ROWS = 10_000

# ---------------------------------------------------------------------------------------------
# The export. Columns as Jira Cloud writes them (see ../shared/samples/jira_csv), with the
# repeated ones (Watchers, Labels, Fix versions, Sprint, Comment, issue links) repeated.

HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Project key",
    "Project name",
    "Project type",
    "Project lead",
    "Project lead id",
    "Priority",
    "Resolution",
    "Assignee",
    "Assignee Id",
    "Reporter",
    "Reporter Id",
    "Creator",
    "Creator Id",
    "Created",
    "Updated",
    "Last Viewed",
    "Resolved",
    "Due date",
    "Votes",
    "Labels",
    "Labels",
    "Labels",
    "Description",
    "Environment",
    "Watchers",
    "Watchers",
    "Watchers",
    "Watchers Id",
    "Watchers Id",
    "Watchers Id",
    "Original estimate",
    "Remaining Estimate",
    "Time Spent",
    "Fix versions",
    "Fix versions",
    "Components",
    "Security Level",
    "Attachment",
    "Custom field (Rank)",
    "Sprint",
    "Sprint",
    "Sprint",
    "Custom field (Start date)",
    "Custom field (Story Points)",
    "Custom field (Team)",
    "Inward issue link (Blocks)",
    "Inward issue link (Blocks)",
    "Outward issue link (Blocks)",
    "Outward issue link (Blocks)",
    "Comment",
    "Comment",
    "Comment",
    "Parent",
    "Parent summary",
    "Status Category",
    "Status Category Changed",
]

PROJECTS = [
    ("CHK", "Checkout"),
    ("PAY", "Payments"),
    ("SRC", "Search"),
    ("INV", "Inventory"),
    ("ACC", "Accounts"),
    ("NOT", "Notifications"),
    ("REC", "Recommendations"),
    ("SHP", "Shipping"),
]
PEOPLE = [
    ("Ana Ortiz", "5db9d8eb4ff1890d31036b89"),
    ("Ben Okafor", "5fe07a7dd3649601392ba191"),
    ("Cy Lindqvist", "712020:b0892835-64bc-4809"),
    ("Dana Park", "6a1b2c3d4e5f60718293a4b5"),
    ("Eli Haddad", "557058:f58131cb-b67d-43c7"),
    ("Fay Nakamura", "61e2f3a4b5c6d7e8f9a0b1c2"),
    ("Gus Moreau", "5c9d8e7f6a5b4c3d2e1f0a9b"),
    ("Hana Kowalska", "60ab12cd34ef56ab78cd90ef"),
]
TYPES = ["Story", "Bug", "Task", "Epic", "Sub-task"]
STATUSES = [
    ("To Do", "To Do"),
    ("In Progress", "In Progress"),
    ("In Review", "In Progress"),
    ("Done", "Done"),
    ("Done", "Done"),
    ("Done", "Done"),
]
PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"]
LABELS = ["backend", "frontend", "tech-debt", "customer", "security", "perf", "a11y", "infra"]
TEAMS = ["Team Orange", "Team Blue", "Team Green", "Team Red", ""]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WORDS = (
    "cart checkout payment retry timeout search index cache token session invoice refund "
    "shipping label webhook queue latency rollout flag migration schema export"
).split()

EPOCH_MINUTES = 60 * 24 * 365 * 3  # issues created over three years from 1 Jan 2023


def jira_time(minute: int) -> str:
    """Minutes since 2023-01-01 00:00 as Jira writes them: 15/Feb/26 4:37 PM."""
    day, minute_of_day = divmod(minute, 60 * 24)
    year, month, dom = _date(day)
    hour, minute = divmod(minute_of_day, 60)
    return (
        f"{dom:02d}/{MONTHS[month - 1]}/{year % 100:02d} {(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    )


_DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
_CALENDAR: list[tuple[int, int, int]] = []
for _year in range(2023, 2031):
    for _month, _length in enumerate(_DAYS_IN_MONTH, start=1):
        leap = _month == 2 and _year % 4 == 0
        _CALENDAR.extend((_year, _month, d) for d in range(1, _length + 1 + leap))


def _date(day: int) -> tuple[int, int, int]:
    return _CALENDAR[day]


def description(i: int) -> str:
    """A multi-line cell with commas and double quotes, 150 to 900 characters."""
    words = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(8 + i % 40))
    return (
        f'As a customer, I want the "{WORDS[i % len(WORDS)]}" flow to work, so that I can pay.\n'
        f'Steps: 1) open the cart, 2) click "Pay", 3) wait.\n\n'
        f'Notes, context: {words}.\r\nAcceptance: no ""double"" charge, p95 < {i % 900} ms.'
    )


def issue_row(i: int, n: int, bad_every: int) -> list[str]:
    project, project_name = PROJECTS[i % len(PROJECTS)]
    key = f"{project}-{i // len(PROJECTS) + 1}"
    issue_id = str(10_000 + i)
    issue_type = TYPES[i % 5 if i % 11 else 3]
    status, category = STATUSES[(i * 7) % len(STATUSES)]
    assignee, assignee_id = PEOPLE[(i * 3) % len(PEOPLE)] if i % 9 else ("", "")
    reporter, reporter_id = PEOPLE[(i * 5 + 1) % len(PEOPLE)]
    created_minute = (i * 1_577) % EPOCH_MINUTES
    updated_minute = created_minute + (i * 37) % (60 * 24 * 60)
    resolved = jira_time(updated_minute) if category == "Done" else ""
    due = f"{jira_time(created_minute + 60 * 24 * (7 + i % 40)).split(' ')[0]} 12:00 AM" if i % 3 == 0 else ""
    created = jira_time(created_minute)
    if bad_every and i % bad_every == bad_every - 1:
        created = f"sometime in {MONTHS[i % 12]}"  # rejected: not a date
    labels = [LABELS[(i + k) % len(LABELS)] if (i >> k) & 1 else "" for k in range(3)]
    watchers = [PEOPLE[(i + k) % len(PEOPLE)] if k <= i % 3 else ("", "") for k in range(3)]
    fix_versions = [
        f"{project} {1 + i // 5000}.{(i // 500) % 10}" if category == "Done" else "",
        f"{project} {2 + i // 5000}.0" if i % 17 == 0 else "",
    ]
    sprint_base = created_minute // (60 * 24 * 14)
    sprints = [f"{project} Sprint {sprint_base + k}" if k <= i % 3 else "" for k in range(3)]
    blocked_by = [
        f"{PROJECTS[(i + 1 + k) % len(PROJECTS)][0]}-{(i * 13 + k) % (n // len(PROJECTS) + 1) + 1}"
        if i % (4 + k) == 0
        else ""
        for k in range(2)
    ]
    blocks = [
        f"{PROJECTS[(i + 3 + k) % len(PROJECTS)][0]}-{(i * 29 + k) % (n // len(PROJECTS) + 1) + 1}"
        if i % (6 + k) == 0
        else ""
        for k in range(2)
    ]
    comments = [
        f"{jira_time(created_minute + 90 * (k + 1))};{PEOPLE[(i + k) % 8][1]};"
        f'Looked at this, {WORDS[(i + k) % len(WORDS)]} is "fine" now.'
        if k < i % 4
        else ""
        for k in range(3)
    ]
    parent = str(10_000 + i - i % 11) if issue_type == "Sub-task" and i % 11 else ""
    return [
        f"{WORDS[i % len(WORDS)].capitalize()} {WORDS[(i * 3) % len(WORDS)]}, "
        f'"{WORDS[(i * 5) % len(WORDS)]}" case #{i}',
        key,
        issue_id,
        issue_type,
        status,
        project,
        project_name,
        "software",
        PEOPLE[0][0],
        PEOPLE[0][1],
        PRIORITIES[i % 5],
        "Done" if category == "Done" else "",
        assignee,
        assignee_id,
        reporter,
        reporter_id,
        reporter,
        reporter_id,
        created,
        jira_time(updated_minute),
        "",
        resolved,
        due,
        str(i % 4),
        *labels,
        description(i),
        "",
        *(w[0] for w in watchers),
        *(w[1] for w in watchers),
        str(3600 * (1 + i % 8)) if i % 2 else "",
        "",
        "",
        *fix_versions,
        f"{project_name.lower()}-core" if i % 4 else "",
        "",
        "",
        f"0|i{i:06x}:",
        *sprints,
        "",
        str([1, 2, 3, 5, 8, 13][i % 6]) if i % 5 else "",
        TEAMS[i % len(TEAMS)],
        *blocked_by,
        *blocks,
        *comments,
        parent,
        "",
        category,
        jira_time(updated_minute),
    ]


def write_export(path: Path, rows: int, bad_every: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # Jira writes CRLF row ends
        writer.writerow(HEADER)
        for start in range(0, rows, CHUNK_ROWS):
            writer.writerows(issue_row(i, rows, bad_every) for i in range(start, min(start + CHUNK_ROWS, rows)))


# ---------------------------------------------------------------------------------------------
# Phases, each run in a child process (`--phase NAME --path FILE`), printing one JSON line.


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


RAW_SCAN = (
    "read_csv($path, all_varchar = true, header = true, delim = ',', quote = '\"', "
    "escape = '\"', max_line_size = 268435456)"
)


def _scan(sql: str, path: Path, then: str | None = None) -> dict:
    import duckdb

    con = duckdb.connect(":memory:", config={"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY})
    base = peak_rss_bytes()
    started = time.perf_counter()
    count = con.execute(sql, {"path": str(path)}).fetchall()[0][0]
    if then:
        count = con.execute(then).fetchall()[0][0]
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "base_rss": base, "rows": count}


def phase_raw(path: Path, workdir: Path) -> dict:
    return _scan(f"select count(*) from {RAW_SCAN}", path)


def phase_raw_all(path: Path, workdir: Path) -> dict:
    """For context only: the same scan with every column materialised in a table."""
    return _scan(f"create table t as select * from {RAW_SCAN}", path, then="select count(*) from t")


def phase_parse(path: Path, workdir: Path) -> dict:
    sys.path.insert(0, str(PROJECT_ROOT))
    from analysis.importers import parse_file

    base = peak_rss_bytes()
    started = time.perf_counter()
    result = parse_file(path)
    seconds = time.perf_counter() - started
    rows_out = {table: len(rows) for table, rows in result.tables.items()}
    return {
        "seconds": seconds,
        "base_rss": base,
        "rows_read": result.rows_read,
        "rejects": len(result.rejects),
        "tables": rows_out,
    }


def phase_load(path: Path, workdir: Path) -> dict:
    sys.path.insert(0, str(PROJECT_ROOT))
    from analysis.store import Store

    db = workdir / "bench.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    store = Store(db)
    base = peak_rss_bytes()
    started = time.perf_counter()
    outcome = store.load_file(path)
    seconds = time.perf_counter() - started
    counts = {
        table: store.con.execute(f"select count(*) from {table}").fetchall()[0][0] for table in ("work_items", "links")
    }
    store.close()
    return {
        "seconds": seconds,
        "base_rss": base,
        "status": outcome.status,
        "rows_read": outcome.rows_read,
        "rows_loaded": outcome.rows_loaded,
        "rejects": len(outcome.rejects),
        "message": outcome.message,
        "tables": counts,
        "db_bytes": db.stat().st_size,
    }


PHASES = {"raw": phase_raw, "raw_all": phase_raw_all, "parse": phase_parse, "load": phase_load}


def run_phase(name: str, path: Path, workdir: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--path", str(path), "--folder", str(workdir)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    if completed.returncode != 0:
        raise SystemExit(f"phase {name} failed (exit {completed.returncode}):\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the export and the database")
    parser.add_argument(
        "--bad-every", type=int, default=100_000, help="every K-th issue gets a bad Created date (0: none)"
    )
    parser.add_argument("--folder", type=Path, help="work folder (default: a new temp folder)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each phase R times; the table shows the fastest run and the "
        "highest peak (a shared machine makes single runs noisy)",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:
        measured = PHASES[args.phase](args.path, args.folder)
        measured["peak_rss"] = peak_rss_bytes()
        print(json.dumps(measured))
        return 0

    workdir = args.folder or Path(tempfile.mkdtemp(prefix="threadline-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "jira_all_fields.csv"
    try:
        started = time.perf_counter()
        write_export(path, args.rows, args.bad_every)
        generated = time.perf_counter() - started
        size = path.stat().st_size
        expected_bad = args.rows // args.bad_every if args.bad_every else 0
        print(f"export: {path}")
        print(
            f"  {args.rows:,} issues, {len(HEADER)} columns, {size / 2**20:,.1f} MiB "
            f"({size:,} bytes), written in {generated:.1f} s; "
            f"{expected_bad} rows with a bad Created date"
        )

        results = {}
        for name in PHASES:
            runs = [run_phase(name, path, workdir) for _ in range(max(args.repeat, 1))]
            results[name] = min(runs, key=lambda run: run["seconds"])
            results[name]["peak_rss"] = max(run["peak_rss"] for run in runs)
            if len(runs) > 1:
                results[name]["all_seconds"] = [round(run["seconds"], 2) for run in runs]
        raw = results["raw"]["seconds"]
        print()
        print(f"{'phase':<34}{'seconds':>9}{'x raw':>8}{'peak RSS':>12}{'base':>10}")
        labels = {
            "raw": "raw scan (DuckDB count(*))",
            "raw_all": "  context: scan into a table",
            "parse": "importer parse_file",
            "load": "Store.load_file (parse + merge)",
        }
        for name, measured in results.items():
            print(
                f"{labels[name]:<34}{measured['seconds']:>9.2f}{measured['seconds'] / raw:>8.2f}"
                f"{mib(measured['peak_rss']):>12}{mib(measured['base_rss']):>10}"
            )

        for name, measured in results.items():
            if "all_seconds" in measured:
                print(f"  {name} runs: {measured['all_seconds']} s")
        load, parse = results["load"], results["parse"]
        print()
        print(
            f"raw scan rows: {results['raw']['rows']:,}; importer: {parse['rows_read']:,} read, "
            f"{parse['rejects']:,} rejects, tables {parse['tables']}"
        )
        print(
            f"load: status {load['status']}, {load['rows_read']:,} read, "
            f"{load['rows_loaded']:,} loaded, {load['rejects']:,} rejected; "
            f"stored {load['tables']}; database {mib(load['db_bytes'])}"
        )
        if load["message"]:
            print(f"  message: {load['message']}")
        loaded = load["status"] in ("loaded", "partial")
        checks = [
            ("load stored the file", loaded, load["status"]),
            (
                f"importer within {TARGET_RATIO:g}x of raw scan",
                parse["seconds"] / raw <= TARGET_RATIO,
                f"{parse['seconds'] / raw:.2f}x",
            ),
            (
                f"load within {TARGET_RATIO:g}x of raw scan",
                loaded and load["seconds"] / raw <= TARGET_RATIO,
                f"{load['seconds'] / raw:.2f}x",
            ),
            (
                "every phase under 4 GB peak RSS",
                all(m["peak_rss"] < TARGET_PEAK_BYTES for m in results.values()),
                mib(max(m["peak_rss"] for m in results.values())),
            ),
            (
                "rows loaded + rejected = issues",
                load["rows_loaded"] == args.rows - expected_bad and load["rejects"] == expected_bad,
                f"{load['rows_loaded']:,} + {load['rejects']:,} of {args.rows:,}",
            ),
        ]
        print()
        for label, holds, shown in checks:
            print(f"  [{'ok' if holds else 'MISSED'}] {label}: {shown}")
        return 0 if all(holds for _, holds, _ in checks) else 1
    finally:
        if args.keep:
            print(f"\nkept {workdir}")
        elif not args.folder:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
            (workdir / "bench.duckdb").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
