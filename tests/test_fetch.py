"""`python -m analysis fetch jira|github` against the replay server (tests/replay_server.py).

Every request goes to 127.0.0.1. The fetched folder must load exactly like the same
organisation written as exports (the report JSON is compared whole), and the credentials must
appear nowhere: not in the folder, stdout, stderr, log records or error messages.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import json
import logging
import os
import secrets
import socket
import zoneinfo
from pathlib import Path

import pytest
from conftest import detect_and_parse
from replay_server import ReplayServer, make_org, touch, write_exports, write_org_files

from analysis.cli import main
from analysis.fetch import command
from analysis.fetch.folder import MANIFEST
from analysis.fetch.http import FetchError, retry_after_seconds
from analysis.fetch.jira import jql_time, with_since
from analysis.fetch.job import FetchJob, check_public_address, private_addresses_allowed
from analysis.fetch.progress import Progress
from analysis.importers import jira_json

JQL = "project in (CHK, ONB, BIL)"
REPOS = ("acme/checkout-web", "acme/onboarding-app")
EXPORT_SITE = "https://jira.example"  # URLs do not reach the report; the data does


def report(*paths: Path) -> dict:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["report", *map(str, paths), "--format", "json"]) == 0
    return json.loads(buffer.getvalue())


@pytest.fixture(scope="module")
def org_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("org")
    write_org_files(folder)
    return folder


@pytest.fixture(scope="module")
def expected(tmp_path_factory, org_files) -> dict:
    """The report of the pristine organisation, from its exports."""
    folder = tmp_path_factory.mktemp("exports")
    write_exports(make_org(), folder, EXPORT_SITE, "https://api.github.com")
    result = report(folder, org_files)
    # A comparison only means something if the data reaches every metric.
    for metric in ("release_frequency", "timeline_accuracy", "dependency_wait"):
        assert sum(team["metrics"][metric]["before"]["n"] for team in result["teams"]) > 0, metric
    return result


@pytest.fixture
def tokens(monkeypatch) -> dict:
    values = {
        "JIRA_EMAIL": f"analyst-{secrets.token_hex(4)}@example.com",
        "JIRA_API_TOKEN": "jira-" + secrets.token_hex(12),
        "JIRA_TOKEN": "pat-" + secrets.token_hex(12),
        "GITHUB_TOKEN": "ghp_" + secrets.token_hex(12),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JIRA_TOKEN")  # Cloud unless a test asks for Server/DC
    return values


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Waits the fetch asked for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(command, "sleep", asked.append)
    return asked


@pytest.fixture
def org():
    return make_org()


@pytest.fixture
def server(org, tokens):
    with ReplayServer(
        org,
        jira_email=tokens["JIRA_EMAIL"],
        jira_api_token=tokens["JIRA_API_TOKEN"],
        jira_pat=tokens["JIRA_TOKEN"],
        github_token=tokens["GITHUB_TOKEN"],
        latency=0.01,
    ) as running:
        yield running


def fetch_jira(server, out: Path, *extra: str) -> int:
    return main(["fetch", "jira", "--site", server.url, "--jql", JQL, "--out", str(out), *extra])


def fetch_github(server, out: Path, repo: str, *extra: str) -> int:
    return main(["fetch", "github", "--repo", repo, "--api-url", server.url, "--out", str(out), *extra])


def fetch_all(server, out: Path) -> None:
    assert fetch_jira(server, out) == 0
    for repo in REPOS:
        assert fetch_github(server, out, repo) == 0


def secret_strings(tokens: dict) -> list[str]:
    basic = base64.b64encode(f"{tokens['JIRA_EMAIL']}:{tokens['JIRA_API_TOKEN']}".encode()).decode()
    return [tokens["JIRA_API_TOKEN"], tokens["JIRA_TOKEN"], tokens["GITHUB_TOKEN"], basic]


def assert_no_secrets(tokens: dict, texts: list[str], folder: Path | None = None, caplog=None) -> None:
    texts = list(texts)
    if folder is not None and folder.exists():
        texts += [path.read_bytes().decode("utf-8", "replace") for path in folder.rglob("*") if path.is_file()]
    if caplog is not None:
        texts += [f"{record.getMessage()} {record.args!r} {record.exc_text or ''}" for record in caplog.records]
    for secret in secret_strings(tokens):
        for text in texts:
            assert secret not in text


def search_pages(folder: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(folder.glob("jira_search_*.json"))]


# ---------------------------------------------------------------- whole fetches


def test_cloud_and_github_fetch_loads_like_the_exports(
    server, org, tokens, sleeps, expected, org_files, tmp_path, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "fetched"
    fetch_all(server, out)
    captured = capsys.readouterr()

    searches = server.paths(r"/rest/api/3/search/jql$")
    assert len(searches) == 6  # 60 issues, 10 a page, paged by nextPageToken
    assert "nextPageToken" not in searches[0][1] and all("nextPageToken" in q for _, q in searches[1:])
    assert server.paths(r"/changelog$")
    assert {path for path, _ in server.paths(r"/versions$")} == {
        f"/rest/api/3/project/{k}/versions" for k in ("BIL", "CHK", "ONB")
    }
    # Every changelog is complete, and some first due dates were only on the extra changelog pages.
    recovered = 0
    for page in search_pages(out):
        for issue in page["issues"]:
            histories = issue["changelog"]["histories"]
            assert len(histories) == issue["changelog"]["total"] == len(org.issue(issue["key"]).histories)
            full = org.issue(issue["key"]).histories
            first_due = next((h for h in full if any(i["field"] == "duedate" for i in h["items"])), None)
            if first_due and first_due not in full[::-1][: server.embed_limit]:
                recovered += 1
    assert recovered >= 5
    # Tags: one date call per tag, and the CSV the importer reads.
    assert len(server.paths(r"/git/(tags|commits)/")) == sum(len(org.repos[r].tags) for r in REPOS)
    assert (out / "acme__checkout-web__tags.csv").read_text().startswith("tag,tag_object_type,tagger_date")

    assert report(out, org_files) == expected
    assert "America/New_York" in captured.err  # the profile zone JQL dates are read in
    assert "Jira: page 6, 60 issues" in captured.err
    assert_no_secrets(tokens, [captured.out, captured.err], out, caplog)


def test_server_dc_fetch_pages_by_start_at(org, tokens, sleeps, org_files, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JIRA_TOKEN", tokens["JIRA_TOKEN"])
    monkeypatch.delenv("JIRA_EMAIL")
    monkeypatch.delenv("JIRA_API_TOKEN")
    exports = tmp_path / "exports"
    write_exports(org, exports, EXPORT_SITE, "https://api.github.com")
    for path in exports.glob("acme__*"):
        path.unlink()
    with ReplayServer(org, jira_pat=tokens["JIRA_TOKEN"], latency=0.01) as server:
        assert fetch_jira(server, tmp_path / "fetched") == 0
    starts = [int(query["startAt"]) for _, query in server.paths(r"/rest/api/2/search$")]
    assert starts == [0, 10, 20, 30, 40, 50]
    assert report(tmp_path / "fetched", org_files) == report(exports, org_files)
    assert "server (/rest/api/2)" in capsys.readouterr().err


# ---------------------------------------------------------------- rate limits, retries, errors


def test_rate_limits_wait_and_continue(server, tokens, sleeps, expected, org_files, tmp_path, monkeypatch):
    # Jira: a 429 with Retry-After; GitHub: a rate-limited 403 with Retry-After, one with only
    # X-RateLimit-Remaining/Reset, and one asking for longer than the cap.
    monkeypatch.setattr(command, "clock", lambda: 1_000_000.0)
    server.add_fault(r"/search/jql$", 429, {"Retry-After": "7"}, '{"errorMessages": ["Rate limit exceeded."]}', after=1)
    server.add_fault(
        r"/pulls$", 403, {"Retry-After": "5", "X-RateLimit-Remaining": "0"}, '{"message": "API rate limit exceeded"}'
    )
    server.add_fault(r"/releases$", 403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1000030"}, "{}")
    server.add_fault(r"/reviews$", 429, {"Retry-After": "86400"}, "{}")
    fetch_all(server, tmp_path / "fetched")
    assert 7.0 in sleeps and 5.0 in sleeps and 30.0 in sleeps
    assert 300.0 in sleeps and max(sleeps) == 300.0  # capped by --max-wait (default 300 s)
    assert report(tmp_path / "fetched", org_files) == expected


def test_spent_quota_waits_before_the_next_request(server, tokens, sleeps, tmp_path, monkeypatch):
    monkeypatch.setattr(command, "clock", lambda: 1_000_000.0)
    # A successful page that says the quota is spent (GitHub's X-RateLimit-Remaining: 0).
    body = json.dumps([]).encode()
    server.add_fault(r"/releases$", 200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1000012"}, body)
    assert fetch_github(server, tmp_path / "out", "acme/checkout-web") == 0
    assert sleeps == [12.0]


def test_401_is_one_clear_line(server, tokens, sleeps, tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("JIRA_API_TOKEN", "wrong-" + secrets.token_hex(8))
    wrong = {**tokens, "JIRA_API_TOKEN": os.environ["JIRA_API_TOKEN"]}
    assert fetch_jira(server, tmp_path / "out") == 2
    err = capsys.readouterr().err
    line = err.strip().splitlines()[-1]
    assert line.startswith("error: Jira: 401 Unauthorized on GET ") and "/rest/api/3/myself" in line
    assert "Traceback" not in err
    assert not list((tmp_path / "out").glob("jira_search_*"))
    assert_no_secrets(tokens, [err], tmp_path / "out", caplog)
    assert_no_secrets(wrong, [err], tmp_path / "out", caplog)


@pytest.mark.parametrize(
    ("fault", "status", "headers", "words"),
    [
        (r"/field$", 403, {}, "403 Forbidden on GET "),
        (r"/project/BIL/versions$", 404, {}, "404 Not Found on GET "),
    ],
)
def test_403_without_rate_limit_headers_and_404_stop(
    server, tokens, sleeps, tmp_path, capsys, fault, status, headers, words
):
    server.add_fault(fault, status, headers, '{"errorMessages": ["No access."]}')
    assert fetch_jira(server, tmp_path / "out") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert words in err[-1] and "(No access.)" in err[-1]
    assert sleeps == []  # not mistaken for a rate limit
    assert_no_secrets(tokens, err)


def test_github_404_names_the_repository_path(server, tokens, sleeps, tmp_path, capsys):
    assert fetch_github(server, tmp_path / "out", "acme/no-such-repo") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: GitHub: 404 Not Found on GET ") and "/repos/acme/no-such-repo/releases" in err


def test_500_then_success_and_500s_that_persist(server, tokens, sleeps, expected, org_files, tmp_path, capsys):
    server.add_fault(r"/search/jql$", 500, {}, "oops", times=2, after=2)
    server.add_fault(r"/pulls/3/reviews$", 502, {}, "bad gateway", times=1)
    fetch_all(server, tmp_path / "fetched")
    assert sleeps[:3] == [0.5, 1.0, 0.5]  # growing backoff per request
    assert report(tmp_path / "fetched", org_files) == expected

    server.add_fault(r"/status$", 503, {}, "down", times=99)
    assert fetch_jira(server, tmp_path / "again") == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "HTTP 503 on GET" in line and "after 5 tries" in line


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"issues": "not a list", "isLast": false}', 'search page 3 is malformed: no "issues" list'),
        ("<html>Service unavailable</html>", "is not JSON"),
    ],
)
def test_malformed_page_stops_with_a_clear_message_and_keeps_earlier_pages(
    server, tokens, sleeps, expected, org_files, tmp_path, capsys, body, words
):
    out = tmp_path / "fetched"
    server.add_fault(r"/search/jql$", 200, {"Content-Type": "application/json"}, body, after=2)
    assert fetch_jira(server, out) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert words in line
    assert len(list(out.glob("jira_search_*.json"))) == 2
    # The next run resumes at page 3.
    before = len(server.paths(r"/search/jql$"))
    assert fetch_jira(server, out) == 0
    resumed = server.paths(r"/search/jql$")[before:]
    assert len(resumed) == 4 and all("nextPageToken" in query for _, query in resumed)
    for repo in REPOS:
        assert fetch_github(server, out, repo) == 0
    assert report(out, org_files) == expected


def test_interrupted_run_resumes_without_refetching_written_pages(
    server, tokens, sleeps, expected, org_files, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "fetched"
    original = Progress.update
    shown = []

    def interrupt_after_three_pages(self, text, force=False):
        original(self, text, force)
        shown.append(text)
        if text.startswith("Jira: page 3,"):
            raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "update", interrupt_after_three_pages)
    assert fetch_jira(server, out) == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    written = sorted(path.name for path in out.glob("jira_search_*.json"))
    assert len(written) == 3
    assert not [path for path in out.iterdir() if path.name.endswith(".tmp")]
    first_keys = {issue["key"] for page in search_pages(out) for issue in page["issues"]}
    monkeypatch.setattr(Progress, "update", original)

    before_search, before_changelog = len(server.paths(r"/search/jql$")), len(server.paths(r"/changelog$"))
    assert fetch_jira(server, out) == 0
    assert "resuming run 1: 3 page(s), 30 issues kept" in capsys.readouterr().err
    assert len(server.paths(r"/search/jql$")) - before_search == 3
    again = {path.split("/")[-2] for path, _ in server.paths(r"/changelog$")[before_changelog:]}
    first_ids = {str(org_issue.ident) for org_issue in server.org.issues if org_issue.key in first_keys}
    assert again and not again & first_ids  # no changelog of a written page is asked again
    assert sorted(path.name for path in out.glob("jira_search_*.json"))[:3] == written

    # GitHub: a run that fails on the second pulls page resumes there.
    server.add_fault(r"/repos/acme/checkout-web/pulls$", 500, {}, "", times=5, after=1)
    assert fetch_github(server, out, "acme/checkout-web") == 2
    before = len(server.paths(r"/repos/acme/checkout-web/pulls$"))
    assert fetch_github(server, out, "acme/checkout-web") == 0
    resumed = server.paths(r"/repos/acme/checkout-web/pulls$")[before:]
    assert [query.get("page") for _, query in resumed] == ["2", "3"]
    assert fetch_github(server, out, "acme/onboarding-app") == 0
    assert report(out, org_files) == expected


def test_incremental_refresh_fetches_only_what_changed(server, org, tokens, sleeps, org_files, tmp_path, capsys):
    out = tmp_path / "fetched"
    fetch_all(server, out)
    capsys.readouterr()
    when = dt.datetime(2026, 3, 26, 15, 30, tzinfo=dt.UTC)
    touch(org, ["CHK-2", "ONB-3", "BIL-5"], when, pulls={"acme/checkout-web": [4]})
    searches = len(server.paths(r"/search/jql$"))
    tag_calls = len(server.paths(r"/git/(tags|commits)/"))
    fetch_all(server, out)
    err = capsys.readouterr().err
    refresh = server.paths(r"/search/jql$")[searches:]
    # From the newest issue the folder held, in the profile's zone (New York), to the minute.
    newest = max(issue.updated for issue in org.issues if issue.key not in ("CHK-2", "ONB-3", "BIL-5"))
    local = newest.astimezone(zoneinfo.ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert f'updated >= "{local}"' in refresh[0][1]["jql"]
    assert len(refresh) == 1
    refreshed = {
        issue["key"] for issue in json.loads(sorted(out.glob("jira_search_r02_*.json"))[0].read_text())["issues"]
    }
    assert {"CHK-2", "ONB-3", "BIL-5"} <= refreshed and len(refreshed) <= 5
    assert "0 calls, 12 already known" in err  # tag dates are not asked again
    assert len(server.paths(r"/git/(tags|commits)/")) == tag_calls
    exports = tmp_path / "exports"
    write_exports(org, exports, EXPORT_SITE, "https://api.github.com")
    assert report(out, org_files) == report(exports, org_files)

    # An explicit --since is read in the profile zone too, and says so.
    assert fetch_jira(server, tmp_path / "since", "--since", "2026-03-01") == 0
    err = capsys.readouterr().err
    assert "only issues updated since 2026-03-01" in err and "America/New_York" in err
    cutoff = dt.datetime(2026, 3, 1, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    wanted = {issue.key for issue in org.issues if issue.updated >= cutoff}
    got = {issue["key"] for page in search_pages(tmp_path / "since") for issue in page["issues"]}
    assert got == wanted and 0 < len(got) < len(org.issues)


# ---------------------------------------------------------------- credentials


def test_credentials_never_leak_into_transport_errors(tokens, sleeps, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    with ReplayServer(make_org(issues=3), latency=0) as closed:
        url = closed.url  # nothing listens here once the server is closed
    code = main(["fetch", "github", "--repo", "acme/checkout-web", "--api-url", url, "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "ConnectError on GET" in err and "after 5 tries" in err
    assert_no_secrets(tokens, [err], tmp_path / "o", caplog)


def test_credentials_in_the_address_and_missing_credentials_are_refused(tokens, tmp_path, monkeypatch, capsys):
    site = f"https://analyst:{tokens['JIRA_API_TOKEN']}@jira.example"
    assert main(["fetch", "jira", "--site", site, "--jql", JQL, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "environment variables" in err and tokens["JIRA_API_TOKEN"] not in err
    monkeypatch.delenv("JIRA_API_TOKEN")
    assert main(["fetch", "jira", "--site", "https://jira.example", "--jql", JQL, "--out", str(tmp_path)]) == 2
    assert "set JIRA_EMAIL and JIRA_API_TOKEN" in capsys.readouterr().err


def test_pagination_links_to_another_host_are_not_followed(server, tokens, sleeps, tmp_path, capsys):
    link = '<http://localhost:1/repos/acme/checkout-web/releases?page=2>; rel="next"'
    server.add_fault(r"/releases$", 200, {"Link": link, "Content-Type": "application/json"}, "[]")
    assert fetch_github(server, tmp_path / "o", "acme/checkout-web") == 2
    assert "refusing to send the credentials there" in capsys.readouterr().err


# ---------------------------------------------------------------- small parts


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "Thu, 01 Jan 1970 00:00:40 GMT"}, 30.0),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "70"}, 60.0),  # GitHub: epoch seconds
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1970-01-01T00:01:10Z"}, 60.0),  # Jira: ISO
        ({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "70"}, None),
        ({}, None),
    ],
)
def test_retry_after_seconds(headers, seconds):
    import httpx

    assert retry_after_seconds(httpx.Headers(headers), now=10.0) == seconds


@pytest.mark.parametrize(
    ("jql", "clause", "expected"),
    [
        ("project = CHK", None, "project = CHK ORDER BY key ASC"),
        ("project = CHK", 'updated >= "2026-01-15"', '(project = CHK) AND updated >= "2026-01-15" ORDER BY key ASC'),
        (
            "project = CHK OR project = ONB order by created DESC",
            'updated >= "2026-01-15"',
            '(project = CHK OR project = ONB) AND updated >= "2026-01-15" order by created DESC',
        ),
    ],
)
def test_since_clause_goes_before_order_by(jql, clause, expected):
    assert with_since(jql, clause) == expected


def test_jql_time_is_in_the_profile_zone():
    moment = dt.datetime(2026, 1, 15, 3, 30, 59, tzinfo=dt.UTC)
    assert jql_time(moment, "America/New_York") == "2026-01-14 22:30"
    assert jql_time(moment, "Asia/Tokyo") == "2026-01-15 12:30"


def test_status_list_is_recognised_as_metadata(server, tokens, sleeps, tmp_path):
    assert fetch_jira(server, tmp_path) == 0
    result = detect_and_parse(tmp_path / "jira_statuses.json", jira_json, "jira_statuses")
    assert result.tables == {} and "In Progress: In Progress, Blocked" in result.notes[0]


def test_a_damaged_manifest_only_costs_a_refetch(server, tokens, sleeps, tmp_path):
    out = tmp_path / "fetched"
    assert fetch_jira(server, out) == 0
    first = {path.name: path.read_bytes() for path in out.glob("jira_search_*.json")}
    (out / MANIFEST).write_text("{ not json")
    searches = len(server.paths(r"/search/jql$"))
    assert fetch_jira(server, out) == 0
    assert len(server.paths(r"/search/jql$")) - searches == 6  # all pages again, none skipped on a guess
    assert {path.name: path.read_bytes() for path in out.glob("jira_search_*.json")} == first
    assert json.loads((out / MANIFEST).read_text())["sources"]


# ---------------------------------------------------------------- the Data page's background job


def fake_resolver(address: str):
    def resolve(host, port, proto=0):
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, proto, "", (address, port))]

    return resolve


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.9", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"]
)
def test_job_refuses_addresses_inside_the_servers_network(address):
    with pytest.raises(FetchError, match="loopback, private or link-local"):
        check_public_address("https://jira.internal.example", "Jira site", False, resolve=fake_resolver(address))
    check_public_address("https://jira.internal.example", "Jira site", True, resolve=fake_resolver(address))


def test_job_allows_public_addresses_and_refuses_loopback_by_default(tokens):
    check_public_address("https://example.atlassian.net", "Jira site", False, resolve=fake_resolver("104.192.142.1"))
    job = FetchJob("jira", {"site": "http://127.0.0.1:9", "jql": JQL}, {"JIRA_TOKEN": "x" * 8})
    with pytest.raises(FetchError, match="ALLOW_PRIVATE"):
        job.start()
    assert private_addresses_allowed({"THREADLINE_FETCH_ALLOW_PRIVATE": "1"})
    assert not private_addresses_allowed({})


def test_job_fetches_in_the_background_and_forgets_the_token(server, tokens, sleeps):
    credentials = {"JIRA_EMAIL": tokens["JIRA_EMAIL"], "JIRA_API_TOKEN": tokens["JIRA_API_TOKEN"]}
    job = FetchJob(
        "jira", {"site": server.url, "jql": JQL}, credentials, allow_private=True, sleep=sleeps.append
    ).start()
    job.join(timeout=60)
    state = job.snapshot()
    assert state.state == "done", state.error
    assert state.summary["issues"] == 60 and state.current.startswith("Jira: page 6, 60 issues")
    assert any("America/New_York" in message for message in state.messages)
    assert len([path for path in job.files() if path.name.startswith("jira_search_")]) == 6
    assert job._credentials == {}
    assert_no_secrets(tokens, [state.current, *state.messages], job.folder)

    bad = FetchJob(
        "github", {"repo": "acme/checkout-web", "api_url": server.url}, {"GITHUB_TOKEN": "wrong-token-1234"}, True
    )
    bad.start().join(timeout=60)
    failed = bad.snapshot()
    assert failed.state == "failed" and "401 Unauthorized" in failed.error and "wrong-token-1234" not in failed.error


def test_data_page_fetches_in_the_background_into_the_sessions_store(server, tokens, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("THREADLINE_DATA_DIR", raising=False)
    monkeypatch.setenv("THREADLINE_FETCH_ALLOW_PRIVATE", "1")  # the replay server is on 127.0.0.1
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/data.py").run()
    at.radio(key="fetch_source").set_value("GitHub").run()
    at.text_input(key="fetch_repo").input("acme/checkout-web")
    at.text_input(key="fetch_api_url").input(server.url)
    at.text_input(key="fetch_token").input(tokens["GITHUB_TOKEN"])
    at.button(key="fetch_go").click().run()
    assert not at.exception and not at.error
    assert at.session_state["fetch_token"] == ""  # used for the job, not kept in the session
    job = at.session_state["fetch_job"]
    job.join(timeout=60)
    at.run()
    assert not at.exception and not at.error
    assert "fetch_job" not in at.session_state
    store = at.session_state["store"]
    loaded = store.con.execute(
        "select count(*) from pull_requests where source_file like 'acme__checkout-web__pulls_r01_%'"
    ).fetchall()[0][0]
    assert loaded == 24
    assert not job.folder.exists()

    # A refused address is one message on the page, and no job starts.
    monkeypatch.delenv("THREADLINE_FETCH_ALLOW_PRIVATE")
    at.text_input(key="fetch_repo").input("acme/checkout-web")
    at.text_input(key="fetch_api_url").input(server.url)
    at.text_input(key="fetch_token").input(tokens["GITHUB_TOKEN"])
    at.button(key="fetch_go").click().run()
    from analysis.views.common import markdown_literal

    assert markdown_literal("loopback, private or link-local") in at.error[0].value
    assert "fetch_job" not in at.session_state
