"""Fetch benchmark: a 3,000-issue Jira project with changelogs and two GitHub repositories,
fetched from the replay server (tests/replay_server.py) on 127.0.0.1 with real latency.

    python benchmarks/fetch.py [--issues 3000] [--pulls 300] [--tags 60] [--latency 0.1]
                               [--rate-limit-every 250] [--concurrency 4] [--keep DIR]

The server pages like Jira Cloud (100 issues a page, at most 100 histories embedded, newest
first; the rest on /issue/{id}/changelog pages of 100) and GitHub (100 a page, Link headers),
sleeps --latency seconds per request and answers every Nth request with a rate limit (Jira 429
with Retry-After: 1; GitHub 403 with X-RateLimit-Remaining: 0 and Retry-After: 1), which the
fetch really waits out. Prints the fetch time and the number of requests per source and kind,
whether the fetched folder's report equals the report of the same organisation written as
exports, and whether any credential string reached the folder or the output.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT_ROOT), str(PROJECT_ROOT / "tests")]

from replay_server import ReplayServer, make_org, write_exports, write_org_files  # noqa: E402

from analysis.cli import main as cli  # noqa: E402
from analysis.fetch.github import GitHubFetch, GitHubRequest  # noqa: E402
from analysis.fetch.jira import JiraFetch, JiraRequest  # noqa: E402
from analysis.fetch.progress import Progress  # noqa: E402

JQL = "project in (CHK, ONB, BIL)"


def report(*paths: Path) -> dict:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert cli(["report", *map(str, paths), "--format", "json"]) == 0
    return json.loads(buffer.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=3000)
    parser.add_argument("--pulls", type=int, default=300, help="pull requests per repository")
    parser.add_argument("--tags", type=int, default=60, help="tags per repository")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--rate-limit-every", type=int, default=250)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="write into this folder and keep it")
    args = parser.parse_args()

    started = time.perf_counter()
    org = make_org(
        issues=args.issues, pulls=args.pulls, tags=args.tags, seed=3, long_share=0.05, long_histories=(100, 260)
    )
    long_changelogs = sum(len(issue.histories) > 100 for issue in org.issues)
    histories = sum(len(issue.histories) for issue in org.issues)
    print(
        f"organisation: {len(org.issues)} issues ({histories} changelog entries, {long_changelogs} with more than "
        f"the 100 a search embeds), {sum(len(r.pulls) for r in org.repos.values())} pull requests, "
        f"{sum(len(r.tags) for r in org.repos.values())} tags in {len(org.repos)} repositories "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    env = {
        "JIRA_EMAIL": "analyst@example.com",
        "JIRA_API_TOKEN": "jira-" + secrets.token_hex(12),
        "GITHUB_TOKEN": "ghp_" + secrets.token_hex(12),
    }
    work = Path(tempfile.mkdtemp(prefix="threadline-fetch-bench-")) if args.keep is None else args.keep
    out, exports, org_files = work / "fetched", work / "exports", work / "org"
    log = io.StringIO()
    with ReplayServer(
        org,
        jira_email=env["JIRA_EMAIL"],
        jira_api_token=env["JIRA_API_TOKEN"],
        github_token=env["GITHUB_TOKEN"],
        latency=args.latency,
        page_limit=100,
        embed_limit=100,
        changelog_limit=100,
        rate_limit_every=args.rate_limit_every,
    ) as server:
        print(
            f"replay server: {server.url}, {args.latency * 1000:.0f} ms a request, a rate limit every "
            f"{args.rate_limit_every} requests; fetch concurrency {args.concurrency}"
        )
        rows = []
        started = time.perf_counter()
        jira = JiraFetch(
            JiraRequest(site=server.url, jql=JQL, out=out, concurrency=args.concurrency),
            env=env,
            progress=Progress(log),
        ).run()
        rows.append(("jira", time.perf_counter() - started, jira))
        for repo in sorted(org.repos):
            began = time.perf_counter()
            summary = GitHubFetch(
                GitHubRequest(repo=repo, out=out, api_url=server.url, concurrency=args.concurrency),
                env=env,
                progress=Progress(log),
            ).run()
            rows.append((repo, time.perf_counter() - began, summary))
        total = time.perf_counter() - started
        served = server.served
    print(f"\n{'source':<22}{'seconds':>9}{'requests':>10}{'waits':>7}  requests by kind")
    for name, seconds, summary in rows:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(summary["requests_by_kind"].items()))
        print(f"{name:<22}{seconds:>9.1f}{summary['requests']:>10}{summary['rate_limit_waits']:>7}  {kinds}")
    requests = sum(summary["requests"] for _, _, summary in rows)
    print(f"{'total':<22}{total:>9.1f}{requests:>10}{sum(s['rate_limit_waits'] for _, _, s in rows):>7}")
    print(f"server answered {served} requests (the rate-limited answers included)")
    print(
        f"jira: {jira['issues']} issues in {jira['pages']} pages; {jira['completed_changelogs']} changelogs "
        f"completed from {jira['changelog_pages']} extra pages"
    )

    write_exports(org, exports, server.url, server.url)
    write_org_files(org_files)
    began = time.perf_counter()
    fetched_report = report(out, org_files)
    exports_report = report(exports, org_files)
    same = fetched_report == exports_report
    print(
        f"\nreport of the fetched folder equals the exports' report: {same} ({time.perf_counter() - began:.1f} s for both)"
    )
    basic = base64.b64encode(f"{env['JIRA_EMAIL']}:{env['JIRA_API_TOKEN']}".encode()).decode()
    texts = [log.getvalue()] + [p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file()]
    leaked = [
        name
        for name, value in (
            ("JIRA_API_TOKEN", env["JIRA_API_TOKEN"]),
            ("GITHUB_TOKEN", env["GITHUB_TOKEN"]),
            ("basic", basic),
        )
        if any(value in t for t in texts)
    ]
    print(f"credentials found in the folder or the progress output: {leaked or 'none'}")
    if args.keep:
        print(f"kept: {work}")
    return 0 if same and not leaked else 1


if __name__ == "__main__":
    sys.exit(main())
