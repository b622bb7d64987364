"""Command line (SPEC "Command line"): `python -m analysis report|ingest PATH...`."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
import sys
import zoneinfo
from collections import Counter
from pathlib import Path

import duckdb

from .fetch.command import add_fetch_parser, run_fetch
from .importers import ImportOptions, read_column_map
from .importers.base import DUCKDB_MAGIC
from .pack import build_pack
from .quality import format_report, quality_report
from .report import about_the_organisation, build_report, without_file_name
from .report_format import NO_TEAMS, format_csv, format_text, terminal_safe
from .settings import Settings
from .store import LoadOutcome, Store, derived_state, expand_paths

EXIT_NOTHING_USABLE = 1
EXIT_USAGE = 2


def time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"unknown time zone {name!r} (expected an IANA name like Europe/Berlin)"
        ) from None
    return name


def whole_number(text: str) -> int:
    """A whole number; its bounds are the settings' (Settings.problems)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None


def fraction(text: str) -> float:
    """A number such as 0.9; its bounds are the settings' (Settings.problems)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number like 0.9") from None


def pattern(text: str) -> str:
    try:
        re.compile(text)
    except re.error as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular expression ({error})") from None
    return text


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date like 2025-10-01") from None


def column_map(text: str) -> dict[str, str]:
    try:
        return read_column_map(Path(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_import_options(command: argparse.ArgumentParser) -> None:
    """How Jira CSV exports are read: a column mapping and the date order of re-saved files."""
    command.add_argument(
        "--column-map",
        type=column_map,
        metavar="FILE",
        help="CSV (our_field,their_header) or JSON naming the Jira columns Threadline does not recognise",
    )
    command.add_argument(
        "--date-order",
        choices=("dmy", "mdy"),
        help="how a spreadsheet's 3/4/2026 reads, when no date in the file says (dmy: 3 April)",
    )


def import_options(args: argparse.Namespace, timezone: str | None = None) -> ImportOptions:
    """`timezone`: the zone the report settled on (its --timezone, else its database's), over
    the command's own --timezone (ingest's, UTC by default)."""
    return ImportOptions(timezone=timezone or args.timezone, column_map=args.column_map, date_order=args.date_order)


def names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (not the whole usage block), so a
    script's log shows what was wrong and where to look."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m analysis", description="Threadline from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="print the per-team before/after report")
    report.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="export and organisation files or folders")
    report.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="also report on a DuckDB file written by `ingest` (read, never changed); PATHs add to it",
    )
    report.add_argument("--window-days", type=whole_number, default=Settings.window_days)
    report.add_argument("--transition-days", type=whole_number, default=Settings.transition_days)
    report.add_argument("--tolerance-days", type=whole_number, default=Settings.tolerance_days)
    report.add_argument(
        "--timezone",
        type=time_zone,
        metavar="TZ",
        help="time zone of days and of Jira CSV timestamps (default UTC; with --db, the zone it was ingested in)",
    )
    report.add_argument(
        "--format",
        choices=("json", "csv", "text", "html"),
        default="json",
        help="json (the contract), csv, text, or html: the executive pack, one self-contained HTML file "
        "(opens offline, charts interactive, prints one team per page)",
    )
    report.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the report to FILE (UTF-8) instead of standard output",
    )
    # Beyond the SPEC's contract: the other settings, with the SPEC's defaults.
    report.add_argument(
        "--issue-types",
        type=names,
        default=Settings.commitment_issue_types,
        metavar="A,B",
        help="count only these issue types as commitments (default: all)",
    )
    report.add_argument(
        "--link-types",
        type=names,
        default=Settings.blocking_link_types,
        metavar="A,B",
        help=f"link types that block (default: {','.join(Settings.blocking_link_types)})",
    )
    report.add_argument(
        "--blocked-statuses",
        type=names,
        default=Settings.blocked_statuses,
        metavar="A,B",
        help=f"statuses whose time counts as waiting on the item's blockers "
        f"(default: {','.join(Settings.blocked_statuses)}; '' for none)",
    )
    report.add_argument(
        "--tag-pattern",
        type=pattern,
        default=Settings.release_tag_pattern,
        metavar="REGEX",
        help="git tags that count as releases (default: a plain version number)",
    )
    report.add_argument("--include-prereleases", action="store_true", help="count GitHub prereleases as releases")
    report.add_argument(
        "--comparison-date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="date comparison teams are measured around (default: the earliest reorg)",
    )
    report.add_argument(
        "--confidence",
        type=fraction,
        default=Settings.confidence,
        metavar="C",
        help=f"confidence of the intervals and verdicts (default {Settings.confidence:g})",
    )
    for field, fewest in (
        ("min_items", "items on each side for a verdict on items"),
        ("min_releases", "release days on each side for a verdict on releases"),
        ("min_months", "calendar months with data on each side for a verdict"),
    ):
        default = getattr(Settings, field)
        report.add_argument(
            OPTIONS[field], type=whole_number, default=default, metavar="N", help=f"fewest {fewest} (default {default})"
        )
    ingest = commands.add_parser("ingest", help="load exports into a DuckDB file and print the data-quality report")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="export files or folders")
    ingest.add_argument(
        "--db", required=True, type=Path, metavar="FILE", help="DuckDB database file (created if absent)"
    )
    ingest.add_argument(
        "--timezone", type=time_zone, default="UTC", metavar="TZ", help="time zone of Jira CSV timestamps (default UTC)"
    )
    add_import_options(report)
    add_import_options(ingest)
    add_fetch_parser(commands)
    return parser


def missing_paths(paths: list[Path]) -> bool:
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
    return bool(missing)


# The option that sets each settings field, to name it in a problem.
OPTIONS = {
    "window_days": "--window-days",
    "transition_days": "--transition-days",
    "tolerance_days": "--tolerance-days",
    "timezone": "--timezone",
    "commitment_issue_types": "--issue-types",
    "blocking_link_types": "--link-types",
    "blocked_statuses": "--blocked-statuses",
    "release_tag_pattern": "--tag-pattern",
    "include_prereleases": "--include-prereleases",
    "comparison_date": "--comparison-date",
    "confidence": "--confidence",
    "min_items": "--min-items",
    "min_releases": "--min-releases",
    "min_months": "--min-months",
}


def settings_problems(settings: Settings) -> list[str]:
    """Every problem of the settings, each naming the option that set it."""
    return [f"{OPTIONS.get(problem.field, problem.field)}: {problem.message}" for problem in settings.problems()]


def report_settings(args: argparse.Namespace) -> Settings:
    return Settings(
        window_days=args.window_days,
        transition_days=args.transition_days,
        tolerance_days=args.tolerance_days,
        timezone=args.timezone or "UTC",
        commitment_issue_types=args.issue_types,
        blocking_link_types=args.link_types,
        blocked_statuses=args.blocked_statuses,
        release_tag_pattern=args.tag_pattern,
        include_prereleases=args.include_prereleases,
        comparison_date=args.comparison_date,
        confidence=args.confidence,
        min_items=args.min_items,
        min_releases=args.min_releases,
        min_months=args.min_months,
    )


def report(args: argparse.Namespace) -> int:
    if not args.paths and args.db is None:
        print("error: give the exports to report on: PATH... or --db FILE (see --help)", file=sys.stderr)
        return EXIT_USAGE
    if missing_paths(args.paths + ([args.db] if args.db is not None else [])):
        return EXIT_USAGE
    if args.output is not None and is_an_input(args.output, args):
        print(
            f"error: --output: {args.output} is one of the files the report reads; choose another file", file=sys.stderr
        )
        return EXIT_USAGE
    settings = report_settings(args)
    problems = settings_problems(settings)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    problem = not_a_database(args.db) if args.db is not None else None
    if problem:
        print(f"error: --db: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        # A private copy of the ingested file: the report's own derived tables never touch it.
        store = Store(copy_from=args.db) if args.db is not None else Store()
    except duckdb.Error as error:
        print(f"error: --db: {database_problem(args.db, error)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        # An ingested database's Jira CSV times were read in its zone: by default its days are too.
        settings = dataclasses.replace(settings, timezone=args.timezone or derived_state(store.con)[0] or "UTC")
        outcomes = store.load_paths(args.paths, import_options(args, settings.timezone))
        if not holds_rows(store):
            print("error: nothing usable was read from the given paths", file=sys.stderr)
            if args.db is not None:
                print(f"  {args.db}: holds no loaded export", file=sys.stderr)
            for outcome in outcomes:
                print(terminal_safe(f"  {outcome.file_name}: {outcome_text(outcome)}"), file=sys.stderr)
            return EXIT_USAGE
        store.prepare(settings)
        result = build_report(store.con, settings)
        # The pack draws each team's charts from the store's rows: built before it closes.
        pack = build_pack(store.con, settings, result) if args.format == "html" else None
    finally:
        store.close()
    if not result["teams"] and args.format not in ("text", "html"):
        print(f"note: {NO_TEAMS}", file=sys.stderr)  # the text and html formats say so themselves
    if result["rejected"] and args.format == "csv":  # the CSV has no place for them
        files = Counter(reject["file"] for reject in result["rejected"])
        print(
            f"note: {len(result['rejected'])} rejected ({', '.join(f'{name}: {n}' for name, n in files.items())}); "
            "--format json or text lists each with its reason",
            file=sys.stderr,
        )
        for reject in filter(about_the_organisation, result["rejected"]):
            print(terminal_safe(f"note: {reject['file']}: {reject['reason']}"), file=sys.stderr)
    if args.format == "json":
        written = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "csv":
        written = format_csv(result)
    elif args.format == "html":
        written = pack
    else:
        written = format_text(result, settings.confidence) + "\n"
    return write_output(written, args.output)


def outcome_text(outcome: LoadOutcome) -> str:
    """Why a file gave nothing usable, without repeating its name: its message, or its kind and
    that it held no rows (a header-only export)."""
    if outcome.message:
        return without_file_name(outcome.message, outcome.file_name)
    if outcome.rejects:
        first = outcome.rejects[0]
        where = "whole file" if first.row is None else f"{len(outcome.rejects)} rows rejected, first row {first.row}"
        where += f" {first.field}" if first.field else ""
        return f"{outcome.kind}, {where}: {without_file_name(first.reason, outcome.file_name)}"
    if outcome.rows_read == 0:
        return f"{outcome.kind}, no rows"
    return f"{outcome.kind}, {outcome.rows_read} rows read, none loaded"


def is_an_input(path: Path, args: argparse.Namespace) -> bool:
    """Whether the path is one of the files the report reads (writing there would lose it)."""
    inputs = expand_paths(args.paths) + ([args.db] if args.db is not None else [])
    return path.resolve() in {input_path.resolve() for input_path in inputs}


def holds_rows(store: Store) -> bool:
    """Whether any file loaded rows into the store (this run's, or an `ingest`ed database's)."""
    return bool(
        store.con.execute(
            "select count(*) from load_log where status in ('loaded', 'partial') and rows_loaded > 0"
        ).fetchall()[0][0]
    )


def write_output(text: str, path: Path | None) -> int:
    """The report to standard output, or to the --output file."""
    if path is None:
        sys.stdout.write(text)
        return 0
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"error: --output: cannot write {path} ({error.strerror or error})", file=sys.stderr)
        return EXIT_USAGE
    return 0


def ingest(args: argparse.Namespace) -> int:
    if missing_paths(args.paths):
        return EXIT_USAGE
    problem = not_a_database(args.db)
    if problem:
        print(f"error: --db: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = Store(args.db)
    except duckdb.Error as error:
        print(f"error: {database_problem(args.db, error)}", file=sys.stderr)
        return EXIT_USAGE
    # The database file and its write-ahead log may sit in the folder being read: not inputs.
    own_files = {args.db.resolve(), args.db.resolve().with_name(args.db.name + ".wal")}
    inputs = [path for path in expand_paths(args.paths) if path.resolve() not in own_files]
    try:
        outcomes = store.load_paths(inputs, import_options(args))
        statuses = Counter(outcome.status for outcome in outcomes)
        print(
            "This run: "
            + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
            + (" (unchanged = identical to a file loaded before; nothing added)" if statuses["unchanged"] else "")
        )
        print(format_report(quality_report(store.con)))
    finally:
        store.close()
    if not any(outcome.usable for outcome in outcomes):
        print("error: nothing usable was read from the given paths", file=sys.stderr)
        return EXIT_NOTHING_USABLE
    return 0


def not_a_database(path: Path) -> str | None:
    """Why --db FILE cannot be used as a database, checked before DuckDB opens it: DuckDB opens
    an existing CSV or JSON file as an in-memory view of it, so what was loaded into it was lost."""
    if path.is_dir():
        return f"{path} is a folder, not a database file"
    if not path.exists() or path.stat().st_size == 0:
        return None  # DuckDB creates the first and says why it cannot open the second
    with open(path, "rb") as handle:
        if handle.read(12)[8:12] == DUCKDB_MAGIC:
            return None
    return (
        f"{path} is not a DuckDB database file "
        "(a file `python -m analysis ingest PATH... --db FILE` writes, or a new file name)"
    )


def database_problem(path: Path, error: Exception) -> str:
    """One line on why a database file cannot be opened (DuckDB lets one process write it)."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "Could not set lock" in message:
        return (
            f"the database file {path} is in use by another process "
            "(another `ingest`, or a program that has it open); try again when it has finished"
        )
    return f"cannot open the database file {path} ({message})"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return {"ingest": ingest, "report": report, "fetch": run_fetch}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
