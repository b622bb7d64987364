"""Every number the metrics use, with the SPEC's defaults, and the one check of them.

`Settings.problems()` lists everything wrong with a set of settings, each problem naming its
field; the command line, the Data page, the workspace file and the sidebar all use it and the
bounds below (`Settings.clamped()` moves numbers into them, saying so, for old workspace files).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass

import duckdb

DEFAULT_BLOCKING_LINK_TYPES = ("Blocks", "Blocker", "Dependency")
# How a changelog writes a blocking link on the blocked item ("This issue is blocked by X-1").
DEFAULT_BLOCKED_PHRASES = ("is blocked by", "depends on")
# Time in these statuses (or flagged) counts as waiting on the item's blockers.
DEFAULT_BLOCKED_STATUSES = ("Blocked",)
# A release tag looks like a version and has no suffix: v1.2, 2.0.3 (not 2.0.0rc1, v1-beta).
DEFAULT_RELEASE_TAG_PATTERN = r"^[vV]?\d+(\.\d+)*$"

# Lowest and highest value of each whole-number setting (None: no upper bound). The sidebar's
# number inputs use the first three.
WINDOW_DAYS_RANGE = (14, 730)
TRANSITION_DAYS_RANGE = (0, 365)
TOLERANCE_DAYS_RANGE = (0, 60)
MIN_MONTHS_RANGE = (1, 24)  # a window is at most 730 days: 24 calendar months
BOUNDS = {
    "window_days": WINDOW_DAYS_RANGE,
    "transition_days": TRANSITION_DAYS_RANGE,
    "tolerance_days": TOLERANCE_DAYS_RANGE,
    "min_items": (1, None),
    "min_releases": (1, None),
    "min_months": MIN_MONTHS_RANGE,
    "bootstrap_samples": (1, None),
    "seed": (0, None),
}
# What each field is called where people see it (the Data page, the Methods table).
LABELS = {
    "window_days": "Window",
    "transition_days": "Transition",
    "tolerance_days": "Tolerance",
    "timezone": "Time zone",
    "comparison_date": "Comparison date",
    "include_prereleases": "Prereleases",
    "release_tag_pattern": "Release tag pattern",
    "blocking_link_types": "Blocking link types",
    "blocked_phrases": "Blocked phrases",
    "blocked_statuses": "Blocked statuses",
    "commitment_issue_types": "Commitment issue types",
    "min_items": "Minimum items",
    "min_releases": "Minimum releases",
    "min_months": "Minimum months",
    "confidence": "Confidence",
    "bootstrap_samples": "Bootstrap samples",
    "seed": "Seed",
    "show_roster_names": "Names in the reorg diagram",
}
# Settings an earlier version had and this one no longer uses: a workspace file that holds them
# still loads (analysis.workspace_file), with a note that they were left out.
RETIRED = {"placebo_dates": "the placebo check now uses every full-length window that fits"}
TIMEZONES = frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one setting."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{LABELS[self.field]} ({self.field}): {self.message}"


class SettingsError(ValueError):
    """Settings that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


@dataclass(frozen=True)
class Settings:
    window_days: int = 180
    transition_days: int = 0
    tolerance_days: int = 3
    timezone: str = "UTC"  # days are counted in this zone
    comparison_date: dt.date | None = None  # None: the earliest reorg date
    include_prereleases: bool = False
    release_tag_pattern: str = DEFAULT_RELEASE_TAG_PATTERN
    blocking_link_types: tuple[str, ...] = DEFAULT_BLOCKING_LINK_TYPES
    blocked_phrases: tuple[str, ...] = DEFAULT_BLOCKED_PHRASES
    blocked_statuses: tuple[str, ...] = DEFAULT_BLOCKED_STATUSES
    commitment_issue_types: tuple[str, ...] = ()  # empty: every issue type
    min_items: int = 5
    min_releases: int = 3
    min_months: int = 3  # calendar months with data on each side, else insufficient data
    confidence: float = 0.95
    bootstrap_samples: int = 2000
    seed: int = 20240701
    # People's names on hover in the Overview's who-moved-where diagram (off: counts only). It
    # changes no number, so it is left out of comparisons: a report is not recomputed for it.
    show_roster_names: bool = dataclasses.field(default=False, compare=False)

    def problems(self) -> list[Problem]:
        """Everything wrong with these settings (empty: usable), each naming its field."""
        found = []
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                found.append(Problem(name, f"{value!r} is not a whole number"))
            elif value < low or (high is not None and value > high):
                limits = f"between {low} and {high}" if high is not None else f"at least {low}"
                found.append(Problem(name, f"{value} is out of range; it must be {limits}"))
        if isinstance(self.confidence, bool) or not isinstance(self.confidence, (int, float)):
            found.append(Problem("confidence", f"{self.confidence!r} is not a number"))
        elif not 0 < self.confidence < 1:
            found.append(Problem("confidence", f"{self.confidence} must be between 0 and 1"))
        if self.timezone not in TIMEZONES:
            found.append(
                Problem("timezone", f"unknown time zone {self.timezone!r} (expected an IANA name like Europe/Berlin)")
            )
        if self.comparison_date is not None and not isinstance(self.comparison_date, dt.date):
            found.append(Problem("comparison_date", f"{self.comparison_date!r} is not a date"))
        if not isinstance(self.include_prereleases, bool):
            found.append(Problem("include_prereleases", f"{self.include_prereleases!r} is not true or false"))
        if not isinstance(self.show_roster_names, bool):
            found.append(Problem("show_roster_names", f"{self.show_roster_names!r} is not true or false"))
        for name in ("blocking_link_types", "blocked_phrases", "blocked_statuses", "commitment_issue_types"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(item, str) for item in value):
                found.append(Problem(name, f"{value!r} is not a list of text"))
        if isinstance(self.blocking_link_types, tuple) and not self.blocking_link_types:
            found.append(Problem("blocking_link_types", "choose at least one (without one, no wait is ever counted)"))
        problem = (
            tag_pattern_problem(self.release_tag_pattern) if isinstance(self.release_tag_pattern, str) else "not text"
        )
        if problem:
            found.append(Problem("release_tag_pattern", problem))
        return found

    def check(self) -> Settings:
        """These settings, or SettingsError listing every problem."""
        found = self.problems()
        if found:
            raise SettingsError(found)
        return self

    def clamped(self) -> tuple[Settings, list[str]]:
        """Whole-number settings moved into their bounds, with a message for each one moved
        (a workspace file saved before the bounds were one set may hold any value >= 0)."""
        changes, messages = {}, []
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                continue  # not a number: problems() says so
            inside = max(value, low) if high is None else min(max(value, low), high)
            if inside != value:
                changes[name] = inside
                messages.append(f"{LABELS[name]} ({name}) was {value}, outside {_range(low, high)}; it is now {inside}")
        return dataclasses.replace(self, **changes), messages

    def contract(self) -> dict:
        """The settings block of the JSON report (SPEC "Command line"), then what else decides a
        verdict: its confidence and the least data on each side."""
        return {
            "window_days": self.window_days,
            "transition_days": self.transition_days,
            "tolerance_days": self.tolerance_days,
            "confidence": self.confidence,
            "min_items": self.min_items,
            "min_releases": self.min_releases,
            "min_months": self.min_months,
        }


def _range(low: int, high: int | None) -> str:
    return f"{low}-{high}" if high is not None else f"{low} or more"


@functools.lru_cache(maxsize=64)
def tag_pattern_problem(pattern: str) -> str | None:
    """Why a release tag pattern cannot be used, or None. It must compile in Python and in
    DuckDB's regexp_full_match (RE2: no look-arounds or back-references), where the release
    query runs it."""
    if not pattern.strip():
        return "the pattern is empty; it would match no tag"
    try:
        re.compile(pattern)
    except re.error as error:
        return f"not a valid regular expression ({error})"
    con = duckdb.connect()
    try:
        con.execute("select regexp_full_match('v1.0.0', ?)", [pattern]).fetchall()
    except duckdb.Error as error:
        return (
            "DuckDB's regexp_full_match (RE2: no look-arounds or back-references) cannot use it "
            f"({str(error).splitlines()[0]})"
        )
    finally:
        con.close()
    return None
