"""A fetch running in a background thread, for the Data page (no Streamlit here).

The page starts a ``FetchJob`` with the visitor's token, keeps it in that visitor's session and
polls ``snapshot()`` for progress; the job writes into its own temporary folder and drops the
credentials when it ends. The app runs on a server, so a visitor's site address could make it
call into the server's own network: addresses that resolve to loopback, private, link-local,
multicast or reserved ranges are refused unless ``THREADLINE_FETCH_ALLOW_PRIVATE=1`` (for an
instance run inside a company network, next to its Jira). Redirects are never followed.
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import os
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .github import GitHubFetch, GitHubRequest
from .http import FetchError, check_base_url
from .jira import JiraFetch, JiraRequest
from .progress import Progress

ALLOW_PRIVATE_VARIABLE = "THREADLINE_FETCH_ALLOW_PRIVATE"


def private_addresses_allowed(env=None) -> bool:
    return (os.environ if env is None else env).get(ALLOW_PRIVATE_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def check_public_address(url: str, what: str, allow_private: bool, resolve=socket.getaddrinfo) -> None:
    """FetchError when the URL's host is, or resolves to, an address the server must not call."""
    base = check_base_url(url, what)
    if allow_private:
        return
    parts = urlsplit(base)
    try:
        found = {info[4][0] for info in resolve(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        raise FetchError(f"{what}: cannot resolve {parts.hostname}") from None
    for text in sorted(found):
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if (
            address.is_loopback
            or address.is_private
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        ):
            raise FetchError(
                f"{what}: {parts.hostname} is {address}, a loopback, private or link-local address; this "
                f"instance does not call those (its operator can allow them with {ALLOW_PRIVATE_VARIABLE}=1)"
            )


class LineProgress(Progress):
    """Progress kept as lines for the page: the latest counts and the messages."""

    def __init__(self):
        super().__init__(io.StringIO())
        self.lock = threading.Lock()
        self.current = ""
        self.messages: list[str] = []

    def update(self, text: str, force: bool = False) -> None:
        with self.lock:
            self.current = text

    def say(self, text: str) -> None:
        with self.lock:
            self.messages.append(text)

    def done(self) -> None:
        pass


@dataclass
class JobState:
    state: str  # "running", "done" or "failed"
    current: str
    messages: list[str] = field(default_factory=list)
    error: str | None = None
    folder: Path | None = None
    summary: dict | None = None


class FetchJob:
    """One fetch (`source` "jira" or "github") in a daemon thread, into a new temporary folder."""

    def __init__(self, source: str, options: dict, credentials: dict, allow_private: bool = False, sleep=None):
        if source not in ("jira", "github"):
            raise ValueError(f"unknown source {source!r}")
        self.source = source
        self.options = dict(options)
        self._credentials = {key: value for key, value in credentials.items() if value}
        self.allow_private = allow_private
        self.sleep = sleep
        self.progress = LineProgress()
        self.folder = Path(tempfile.mkdtemp(prefix="threadline-fetch-"))
        self.started_at = dt.datetime.now(dt.UTC)
        self._state = "running"
        self._error: str | None = None
        self._summary: dict | None = None
        self._thread: threading.Thread | None = None

    def start(self, allow_private: bool | None = None) -> FetchJob:
        """Check the addresses (FetchError at once when refused), then fetch in the background."""
        if allow_private is not None:
            self.allow_private = allow_private
        if self.source == "jira":
            check_public_address(self.options.get("site", ""), "Jira site", self.allow_private)
        else:
            api_url = self.options.get("api_url") or "https://api.github.com"
            check_public_address(api_url, "GitHub API address", self.allow_private)
        self._thread = threading.Thread(target=self._run, name="threadline-fetch", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            if self.source == "jira":
                request = JiraRequest(
                    site=self.options["site"],
                    jql=self.options["jql"],
                    out=self.folder,
                    flavour=self.options.get("flavour"),
                    since=self.options.get("since"),
                )
                fetcher = JiraFetch(request, env=self._credentials, sleep=self.sleep, progress=self.progress)
            else:
                request = GitHubRequest(
                    repo=self.options["repo"],
                    out=self.folder,
                    api_url=self.options.get("api_url") or "https://api.github.com",
                    since=self.options.get("since"),
                )
                fetcher = GitHubFetch(request, env=self._credentials, sleep=self.sleep, progress=self.progress)
            summary = fetcher.run()
            with self.progress.lock:
                self._summary, self._state = summary, "done"
        except FetchError as error:
            with self.progress.lock:
                self._error, self._state = str(error), "failed"
        except Exception as error:  # a bug must reach the page as a message, not a dead job
            with self.progress.lock:
                self._error, self._state = f"the fetch stopped unexpectedly ({type(error).__name__})", "failed"
        finally:
            self._credentials = {}  # the token lives no longer than the job needs it

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def snapshot(self) -> JobState:
        with self.progress.lock:
            return JobState(
                state=self._state,
                current=self.progress.current,
                messages=list(self.progress.messages),
                error=self._error,
                folder=self.folder,
                summary=self._summary,
            )

    def files(self) -> list[Path]:
        """The fetched files the importers read (not the manifest)."""
        return sorted(path for path in self.folder.iterdir() if path.is_file() and not path.name.startswith("."))


def job_from_form(
    source: str,
    token: str,
    site: str = "",
    jql: str = "",
    email: str = "",
    repo: str = "",
    api_url: str = "",
    allow_private: bool = False,
) -> FetchJob:
    """The job the Data page's form asks for. Jira: an email makes the token a Cloud API token
    (basic auth), no email a Server/Data Center personal access token (bearer)."""
    token, email = token.strip(), email.strip()
    if source == "jira":
        if not site.strip() or not jql.strip():
            raise FetchError("give the Jira site and a JQL query")
        if not token:
            raise FetchError("give an API token (with your email for Jira Cloud)")
        credentials = {"JIRA_EMAIL": email, "JIRA_API_TOKEN": token} if email else {"JIRA_TOKEN": token}
        options = {"site": site.strip(), "jql": jql.strip(), "flavour": "cloud" if email else "server"}
        return FetchJob("jira", options, credentials, allow_private)
    if not repo.strip():
        raise FetchError("give the repository as OWNER/NAME")
    options = {"repo": repo.strip(), "api_url": api_url.strip() or "https://api.github.com"}
    return FetchJob("github", options, {"GITHUB_TOKEN": token}, allow_private)
