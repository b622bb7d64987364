"""The HTTP layer the Jira and GitHub fetchers share: one httpx client, retries, rate limits.

- Credentials go into an ``Authorization`` header set by an ``httpx.Auth`` object, never into
  a URL, so the URLs httpx puts into its exceptions and log lines carry no secret. Every
  message this module raises passes through ``Secrets.scrub`` too, as a second guard.
- 429, and a 403 that carries rate-limit headers (``Retry-After``, or
  ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``), wait and try again; the wait is
  capped (``max_wait``). A response saying the quota is spent waits before the next request.
- 5xx and transport errors are retried a bounded number of times, with growing waits.
- 401, a 403 without rate-limit headers, 404 and other 4xx end the fetch with one clear line
  (``FetchError``): the caller prints it and exits 2.
- ``sleep`` and ``clock`` are injectable, so tests never really wait.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

DEFAULT_MAX_WAIT = 300.0  # seconds: the longest one rate-limit wait may last
DEFAULT_RETRIES = 4  # 5xx or transport errors in a row, per request, before giving up
MAX_RATE_LIMIT_WAITS = 50  # rate-limit waits per request before giving up
USER_AGENT = "threadline-fetch (+https://github.com/threadline)"


class FetchError(Exception):
    """A fetch cannot go on; the message is one line, safe to print (no credentials)."""


class Secrets:
    """The credential strings of a run, to scrub from any text that leaves this module."""

    def __init__(self, values=()):
        self.values = []
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and len(value) >= 4 and value not in self.values:
            self.values.append(value)

    def scrub(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "***")
        return text


class HeaderAuth(httpx.Auth):
    """Sets the Authorization header on each request. Its repr names the scheme only."""

    def __init__(self, scheme: str, credential: str):
        self._header = f"{scheme} {credential}"
        self.scheme = scheme

    def auth_flow(self, request):
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return f"HeaderAuth({self.scheme}, ***)"


def basic_auth(user: str, token: str, secrets: Secrets) -> HeaderAuth:
    encoded = base64.b64encode(f"{user}:{token}".encode()).decode()
    secrets.add(token)
    secrets.add(encoded)
    return HeaderAuth("Basic", encoded)


def bearer_auth(token: str, secrets: Secrets) -> HeaderAuth:
    secrets.add(token)
    return HeaderAuth("Bearer", token)


def plain_url(url) -> str:
    """A URL without user info, query or fragment, for messages."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def check_base_url(url: str, what: str) -> str:
    """The base URL without a trailing slash; refuses credentials, query or a missing scheme."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{what} {plain_url(url)!r}: expected an address like https://example.atlassian.net")
    if parts.username or parts.password:
        raise FetchError(f"{what}: put credentials in the environment variables, never in the address")
    if parts.query or parts.fragment:
        raise FetchError(f"{what} {plain_url(url)}: expected the site address without ?query or #fragment")
    return url.strip().rstrip("/")


@dataclass
class Stats:
    """Request counts of a run, by kind (search, changelog, tag-date, ...)."""

    by_kind: Counter = field(default_factory=Counter)
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    retries: int = 0

    @property
    def requests(self) -> int:
        return sum(self.by_kind.values())


def retry_after_seconds(headers, now: float) -> float | None:
    """Seconds to wait from Retry-After (seconds or an HTTP date) or X-RateLimit-Reset."""
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.replace(".", "", 1).isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return when.timestamp() - now
        except (TypeError, ValueError):
            pass
    reset = headers.get("x-ratelimit-reset")
    if reset and headers.get("x-ratelimit-remaining", "").strip() == "0":
        return reset_seconds(reset, now)
    return None


def reset_seconds(reset: str, now: float) -> float | None:
    """X-RateLimit-Reset as seconds from now: epoch seconds (GitHub) or an ISO time (Jira)."""
    reset = reset.strip()
    try:
        return float(reset) - now
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(reset.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp() - now


def is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code == 403:
        headers = response.headers
        return "retry-after" in headers or headers.get("x-ratelimit-remaining", "").strip() == "0"
    return False


class Client:
    """GET JSON from one site, with the rules of the module docstring. Thread-safe."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth | None,
        secrets: Secrets,
        what: str,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_wait: float = DEFAULT_MAX_WAIT,
        retries: int = DEFAULT_RETRIES,
        timeout: float = 60.0,
        headers: dict | None = None,
        transport: httpx.BaseTransport | None = None,
        pool: int = 8,
    ):
        self.base_url = base_url
        self.secrets = secrets
        self.what = what  # "Jira" or "GitHub", for messages
        self.sleep = sleep
        self.clock = clock
        self.max_wait = max_wait
        self.retries = retries
        self.stats = Stats()
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._http = httpx.Client(
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ requests

    def get(self, path: str, params: dict | None = None, kind: str = "other") -> httpx.Response:
        """A 2xx response for GET path (relative to the site, or an absolute URL on it)."""
        self._check_same_site(path)
        failures = 0
        waits = 0
        while True:
            self._wait_for_quota()
            with self._lock:
                self.stats.by_kind[kind] += 1
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as error:
                failures += 1
                if failures > self.retries:
                    raise FetchError(
                        self.secrets.scrub(
                            f"{self.what}: {type(error).__name__} on GET {self._where(path)} "
                            f"after {failures} tries ({error})"
                        )
                    ) from None
                self._backoff(failures)
                continue
            status = response.status_code
            if is_rate_limited(response):
                waits += 1
                if waits > MAX_RATE_LIMIT_WAITS:
                    raise FetchError(
                        f"{self.what}: still rate limited after {waits - 1} waits on GET {self._where(path)}; "
                        "try again later"
                    )
                self._rate_limit_wait(response)
                continue
            if status >= 500:
                failures += 1
                if failures > self.retries:
                    raise FetchError(
                        f"{self.what}: HTTP {status} on GET {self._where(path)} after {failures} tries; "
                        "the server is failing, try again later (pages already written are kept)"
                    )
                self._backoff(failures)
                continue
            if status >= 400:
                raise FetchError(self._client_error(response, path))
            if status >= 300:
                raise FetchError(
                    f"{self.what}: HTTP {status} redirect on GET {self._where(path)}; "
                    "give the site's final address (https, no trailing path)"
                )
            self._note_quota(response)
            return response

    def get_json(self, path: str, params: dict | None = None, kind: str = "other", expect=(dict, list)):
        """(parsed JSON, response); FetchError when the body is not JSON of the expected type."""
        response = self.get(path, params, kind)
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise FetchError(
                f"{self.what}: the response to GET {self._where(path)} is not JSON "
                f"({type(error).__name__} at character {getattr(error, 'pos', '?')}); "
                "is the address the site's root?"
            ) from None
        if not isinstance(data, expect):
            names = " or ".join("an object" if t is dict else "a list" for t in expect)
            raise FetchError(
                f"{self.what}: the response to GET {self._where(path)} is a JSON {type(data).__name__}, expected {names}"
            )
        return data, response

    # ------------------------------------------------------------ helpers

    def _where(self, path: str) -> str:
        return self.secrets.scrub(plain_url(httpx.URL(self.base_url).join(path)))

    def _check_same_site(self, path: str) -> None:
        """Absolute URLs (pagination links) must stay on the configured site: the
        credentials are never sent anywhere else."""
        if "://" not in path:
            return
        target, base = urlsplit(path), urlsplit(self.base_url)
        if (target.scheme, target.hostname, target.port) != (base.scheme, base.hostname, base.port):
            raise FetchError(
                f"{self.what}: a pagination link points to {plain_url(path)}, not to "
                f"{plain_url(self.base_url)}; refusing to send the credentials there"
            )

    def _client_error(self, response: httpx.Response, path: str) -> str:
        status = response.status_code
        where = self._where(path)
        detail = self._error_detail(response)
        if status == 401:
            return (
                f"{self.what}: 401 Unauthorized on GET {where}: the credentials were refused; "
                f"check the token environment variables{detail}"
            )
        if status == 403:
            return (
                f"{self.what}: 403 Forbidden on GET {where}: the token has no access to this "
                f"(not a rate limit: no Retry-After or X-RateLimit headers){detail}"
            )
        if status == 404:
            return f"{self.what}: 404 Not Found on GET {where}: check the address, project or repository name{detail}"
        return f"{self.what}: HTTP {status} on GET {where}{detail}"

    def _error_detail(self, response: httpx.Response) -> str:
        """The server's own message (Jira errorMessages, GitHub message), short and scrubbed."""
        try:
            body = response.json()
        except ValueError:
            return ""
        parts = []
        if isinstance(body, dict):
            messages = body.get("errorMessages")
            if isinstance(messages, list):
                parts += [str(m) for m in messages]
            if isinstance(body.get("message"), str):
                parts.append(body["message"])
        text = " ".join(" ".join(parts).split())[:300]
        return f" ({self.secrets.scrub(text)})" if text else ""

    def _backoff(self, failures: int) -> None:
        with self._lock:
            self.stats.retries += 1
        self.sleep(min(self.max_wait, 0.5 * 2 ** (failures - 1)))

    def _rate_limit_wait(self, response: httpx.Response) -> None:
        seconds = retry_after_seconds(response.headers, self.clock())
        seconds = 1.0 if seconds is None else seconds
        seconds = min(self.max_wait, max(0.0, seconds))
        with self._lock:
            self.stats.rate_limit_waits += 1
            self.stats.waited_seconds += seconds
        self.sleep(seconds)

    def _note_quota(self, response: httpx.Response) -> None:
        """A response saying the quota is spent: pause every thread until its reset."""
        headers = response.headers
        if headers.get("x-ratelimit-remaining", "").strip() != "0" or "x-ratelimit-reset" not in headers:
            return
        now = self.clock()
        seconds = reset_seconds(headers["x-ratelimit-reset"], now)
        if seconds is not None and seconds > 0:
            with self._lock:
                self._paused_until = max(self._paused_until, now + min(self.max_wait, seconds))

    def _wait_for_quota(self) -> None:
        with self._lock:
            seconds = self._paused_until - self.clock()
            if seconds > 0:
                self._paused_until = 0.0
                self.stats.rate_limit_waits += 1
                self.stats.waited_seconds += seconds
        if seconds > 0:
            self.sleep(seconds)


def api_time(text) -> dt.datetime | None:
    """A timestamp from an API's JSON (ISO 8601, `Z` or an offset written +0100 as Jira does),
    in UTC when it has no zone; None when it is not one."""
    if not isinstance(text, str):
        return None
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text.strip())
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
