"""Command line: `python -m analysis ingest PATH... --db FILE` (and `report`, see SPEC)."""
from __future__ import annotations

import argparse
import sys
import zoneinfo
from pathlib import Path

from .importers import ImportOptions
from .quality import format_report, quality_report
from .store import Store

EXIT_NOTHING_USABLE = 1
EXIT_USAGE = 2


def time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {name!r} (expected an IANA name like Europe/Berlin)")
    return name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Threadline from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="load exports into a DuckDB file and print the data-quality report")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="export files or folders")
    ingest.add_argument("--db", required=True, type=Path, metavar="FILE", help="DuckDB database file (created if absent)")
    ingest.add_argument("--timezone", type=time_zone, default="UTC", metavar="TZ",
                        help="time zone of Jira CSV timestamps (default UTC)")
    return parser


def ingest(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    store = Store(args.db)
    try:
        outcomes = store.load_paths(args.paths, ImportOptions(timezone=args.timezone))
        print(format_report(quality_report(store.con)))
    finally:
        store.close()
    if not any(outcome.usable for outcome in outcomes):
        print("error: nothing usable was read from the given paths", file=sys.stderr)
        return EXIT_NOTHING_USABLE
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ingest":
        return ingest(args)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
