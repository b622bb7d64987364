"""`python -m analysis fetch jira|github ...`: arguments, and the one-line errors (exit 2)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

EXIT_FAILED = 2
EXIT_INTERRUPTED = 130
# Module attributes so tests can make the waits instant without touching the code paths.
sleep = time.sleep
clock = time.time


def since_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date like 2026-01-15") from None


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: expected 1 or more")
    return value


def add_fetch_parser(commands) -> None:
    fetch = commands.add_parser(
        "fetch",
        help="download Jira or GitHub data through their REST APIs into files the importers read",
        description="Credentials come from environment variables only: JIRA_EMAIL and JIRA_API_TOKEN "
        "(Jira Cloud), JIRA_TOKEN (Jira Server/Data Center), GITHUB_TOKEN.",
    )
    sources = fetch.add_subparsers(dest="source", required=True)
    jira = sources.add_parser("jira", help="issues with full changelogs and links, project versions, fields, statuses")
    jira.add_argument("--site", required=True, metavar="URL", help="e.g. https://example.atlassian.net")
    jira.add_argument("--jql", required=True, help='e.g. "project = CHK"')
    jira.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write (created if absent)")
    jira.add_argument(
        "--since",
        type=since_date,
        metavar="YYYY-MM-DD",
        help="only issues updated since this date (read in your Jira profile's time zone); "
        "default: since the newest issue the folder already holds",
    )
    jira.add_argument(
        "--deployment",
        choices=("cloud", "server"),
        help="default: cloud with JIRA_EMAIL and JIRA_API_TOKEN, server with JIRA_TOKEN",
    )
    jira.add_argument("--page-size", type=positive, default=100, metavar="N", help="issues per search page")
    jira.add_argument("--concurrency", type=positive, default=4, metavar="N", help="parallel changelog requests")
    jira.add_argument("--max-wait", type=positive, default=300, metavar="SECONDS", help="longest rate-limit wait")
    github = sources.add_parser("github", help="releases, pull requests with reviews, tags with dates")
    github.add_argument("--repo", required=True, metavar="OWNER/NAME")
    github.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write (created if absent)")
    github.add_argument(
        "--since",
        type=since_date,
        metavar="YYYY-MM-DD",
        help="only pull requests updated since this date (UTC); default: since the newest one the folder holds",
    )
    github.add_argument(
        "--api-url", default="https://api.github.com", metavar="URL", help="GitHub Enterprise: https://HOST/api/v3"
    )
    github.add_argument("--page-size", type=positive, default=100, metavar="N", help="items per page (at most 100)")
    github.add_argument("--concurrency", type=positive, default=4, metavar="N", help="parallel review and tag requests")
    github.add_argument("--max-wait", type=positive, default=300, metavar="SECONDS", help="longest rate-limit wait")


def run_fetch(args: argparse.Namespace) -> int:
    from .github import GitHubFetch, GitHubRequest
    from .http import FetchError
    from .jira import JiraFetch, JiraRequest

    try:
        if args.source == "jira":
            fetcher = JiraFetch(
                JiraRequest(
                    site=args.site,
                    jql=args.jql,
                    out=args.out,
                    flavour=args.deployment,
                    since=args.since,
                    page_size=args.page_size,
                    concurrency=args.concurrency,
                ),
                env=os.environ,
                sleep=sleep,
                clock=clock,
                max_wait=args.max_wait,
            )
        else:
            fetcher = GitHubFetch(
                GitHubRequest(
                    repo=args.repo,
                    out=args.out,
                    api_url=args.api_url,
                    since=args.since,
                    page_size=min(args.page_size, 100),
                    concurrency=args.concurrency,
                ),
                env=os.environ,
                sleep=sleep,
                clock=clock,
                max_wait=args.max_wait,
            )
        fetcher.run()
    except FetchError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the pages written to {args.out} are kept; run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except OSError as error:
        print(f"error: cannot write to {args.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Fetched into {args.out}; load it with: python -m analysis report {args.out}")
    return 0
