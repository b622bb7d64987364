"""What every delivery metric declares (the `Metric` class), its typed results, and the small
helpers the metric modules share.

A metric module defines one subclass of `Metric` and registers one instance of it
(`analysis.metrics.register`). Everything that differs between metrics lives on that class:
its name, label and units, which way is better, the SQL it reads, how a window's value and n are
computed, the effect and its test, the minimum sample, the difference-in-differences, the event
study and the placebo statistics, how its numbers and sentences are written, and its Methods
text. The report, the comparison code, the formatters and the views loop over the registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import stats
from ..settings import Settings
from .rows import MetricData

# ---- typed results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowValue:
    """One window's value and sample size, plus the metric's own measures of that window
    (in the order the JSON contract writes them)."""

    value: float | None
    n: int
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"value": self.value, "n": self.n, **self.details}


@dataclass
class MetricResult:
    """One team's metric: both windows, the effect with its verdict, and further tests."""

    before: WindowValue
    after: WindowValue
    effect: stats.Effect
    verdict: str
    further_tests: dict[str, stats.Effect] = field(default_factory=dict)
    p_value_adjusted: float | None = None  # Benjamini-Hochberg, set across a whole report
    adjusted: bool = False  # whether p_value_adjusted was computed (a team-only report has none)
    no_data_reason: dict | None = None  # {code, text}: the missing input (Metric.no_data_reason)

    def effect_dict(self) -> dict:
        effect = self.effect.as_dict()
        if self.adjusted:
            effect["p_value_adjusted"] = self.p_value_adjusted
        return effect

    def as_dict(self) -> dict:
        return {
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "effect": self.effect_dict(),
            "verdict": self.verdict,
            **({"no_data_reason": self.no_data_reason} if self.no_data_reason else {}),
            **{name: test.as_dict() for name, test in self.further_tests.items()},
        }


# ---- charts a metric asks the Team page for ---------------------------------------------------


@dataclass(frozen=True)
class ReleaseChart:
    """Release days on a timeline with the rolling rate and each window's value."""

    table: str
    day_column: str
    y_title: str


@dataclass(frozen=True)
class ItemChart:
    """Each item's value over its resolution day, each window's level, the distributions aside.

    `level` names the window measure drawn as a level (a key of WindowValue.details, or
    "value"); `level_text` formats it; `band` (optional) gives a shaded band (low, high,
    legend text) from the settings."""

    table: str
    column: str
    what: str  # "slip", "wait": the hover text's word for the value
    y_title: str
    level: str
    level_text: Callable[[str], str]  # formatted level -> "median slip 2.0 d"
    band: Callable[[Settings], tuple[float, float, str]] | None = None


# ---- history: one team's rows over the data's whole span, sorted by day -------------------------


class DaySeries:
    """Rows sorted by day (numpy, not frames: a report builds one per team and metric), so any
    window [start, end) is two binary searches away."""

    def __init__(self, rows: pd.DataFrame, day_column: str, value_column: str | None = None):
        days = rows[day_column].to_numpy(dtype="datetime64[D]")
        order = np.argsort(days, kind="stable")
        self.days = days[order]
        self.values = rows[value_column].to_numpy(dtype=float)[order] if value_column else None

    def bounds(self, start: np.datetime64, end: np.datetime64) -> tuple[int, int]:
        return int(np.searchsorted(self.days, start, "left")), int(np.searchsorted(self.days, end, "left"))


# ---- the metric -------------------------------------------------------------------------------


class Metric:
    """One delivery metric: subclasses set the attributes and implement the methods."""

    name: str  # its key in the JSON contract
    label: str  # "Release frequency"
    n_counts: str  # what n counts on each side ("release days", "commitments", "waiting items")
    sample_unit: str  # what the minimum sample counts ("release days", "items")
    higher_is_better: bool
    no_change: float  # the effect of no change: 1.0 for ratios, 0.0 for differences
    sql: tuple[str, ...]  # the queries/*.sql files it reads (through analysis.metrics.rows)
    effect_label: str  # "Rate ratio after/before"
    did_label: str  # how its difference-in-differences is measured
    event_title: str  # the event study's axis title
    event_tickformat: str | None = None  # a Plotly tick format for the event study axis
    chart: ReleaseChart | ItemChart
    waits_on: bool = False  # whether its windows list who the team waited on
    item_columns: dict[str, str] = {}  # columns it adds to the Team page's item table: label

    # -- the report ---------------------------------------------------------------------------

    def minimum(self, settings: Settings) -> int:
        """Fewer than this on either side: insufficient data."""
        raise NotImplementedError

    def measure(self, team: str, data: MetricData, windows: dict, settings: Settings) -> MetricResult:
        """Both windows' values, the effect and the verdict for one team."""
        raise NotImplementedError

    def result(self, sides: dict, effect: stats.Effect, settings: Settings, **further_tests) -> MetricResult:
        """A MetricResult whose verdict comes from this metric's direction and minimum sample."""
        before, after = sides["before"], sides["after"]
        verdict = stats.verdict(
            effect,
            before.n,
            after.n,
            self.minimum(settings),
            higher_is_better=self.higher_is_better,
            no_change=self.no_change,
        )
        return MetricResult(before, after, effect, verdict, further_tests)

    def no_data_reason(self, team: str, data: MetricData, result: MetricResult, settings: Settings) -> dict | None:
        """{code, text}: which input is missing when a side has n = 0 or the data are
        insufficient, from the whole-data facts of MetricData (team_inputs, unowned); None
        otherwise. Metric modules add their own inputs before these common ones."""
        if not lacks_data(result, self.minimum(settings)):
            return None
        return window_reason(data, team) or too_few_reason(self, result, settings)

    # -- against comparison teams, month by month, and the placebo check ------------------------

    def did(self, data: MetricData, treated: list[str], control: list[str], settings: Settings) -> stats.Effect:
        """The team's change against the pooled comparison teams' change."""
        raise NotImplementedError

    def history(self, data: MetricData, team: str, settings: Settings):
        """An object whose window(start, end) (numpy days) gives a sample for event_point and
        placebo_effect; built from the team's "all" window rows."""
        raise NotImplementedError

    def event_point(self, sample, confidence: float) -> tuple[float, int, float, float]:
        """(value, n, ci_low, ci_high) of one event-study period."""
        raise NotImplementedError

    def placebo_effect(self, before, after) -> float | None:
        """The effect between two placebo windows' samples, or None when it cannot be estimated."""
        raise NotImplementedError

    def distance(self, estimate: float) -> float:
        """How far an effect is from no change (the placebo compares these)."""
        return abs(estimate)

    # -- words and numbers ----------------------------------------------------------------------

    def value_text(self, value) -> str:
        raise NotImplementedError

    def effect_text(self, effect: dict) -> str:
        """Estimate and interval as the text report writes them (without the p-value)."""
        raise NotImplementedError

    def summary(self, team: str, metric: dict, settings: Settings) -> str:
        """The Team page's plain sentence, with n on each side."""
        raise NotImplementedError

    def clause(self, metric: dict, interval: str) -> str:
        """The Overview's clause of a team's one-line summary."""
        raise NotImplementedError

    def numbers(self, metric: dict, settings: Settings) -> list[tuple]:
        """(measure, before, after) rows behind the Team page's chart."""
        raise NotImplementedError

    def methods(self, settings: Settings) -> tuple[str, str]:
        """(heading, Markdown) for the Methods page; only numbers from the settings go in."""
        raise NotImplementedError

    def item_values(self, data: MetricData, team: str, periods, settings: Settings) -> pd.DataFrame | None:
        """item_key and the item_columns, for the Team page's item table (None: adds nothing)."""
        return None

    def quality_notes(self, data: MetricData, team: str, metric: dict, periods) -> list[str]:
        """Notes for the Team page's data-quality list, beyond the minimum sample."""
        return []


# ---- shared helpers -----------------------------------------------------------------------------


def lacks_data(result: MetricResult, minimum: int) -> bool:
    """n = 0 on a side, fewer than the minimum, or no estimate: the cases no_data_reason explains."""
    return (
        min(result.before.n, result.after.n) < max(minimum, 1)
        or result.verdict == "insufficient data"
        or not math.isfinite(result.effect.estimate)
    )


def reason(code: str, text: str) -> dict:
    return {"code": code, "text": text}


def window_reason(data: MetricData, team: str) -> dict | None:
    """A window with no day inside the data's span."""
    for period in ("before", "after"):
        window = data.window(team, period)
        if window is None or not window.days:
            return reason(
                "window_outside_data",
                f"the {period} window has no day inside the data's span ({span_text(data.span)})",
            )
    return None


def too_few_reason(metric: Metric, result: MetricResult, settings: Settings) -> dict:
    return reason(
        "too_few",
        f"{result.before.n} {metric.n_counts} before and {result.after.n} after; at least "
        f"{metric.minimum(settings)} are needed on each side",
    )


def no_resolved_reason(data: MetricData, team: str) -> dict:
    """The team has no resolved item; Done items without a resolution date are the likely cause."""
    done = data.team_input(team, "done_undelivered")
    if done:
        return reason(
            "done_without_resolution",
            f"no item of this team is resolved in the data, but {done} are in the Done category without a "
            "resolution date or a known move to Done: export with the changelog (JSON) or with the Resolved "
            "and Status Category Changed columns (CSV, all fields)",
        )
    return reason(
        "no_resolved_items", "no item of this team is resolved in the data (no resolution date, nor a move to Done)"
    )


def span_text(span) -> str:
    first, last = span
    return "no dated data" if first is None else f"{first} to {last}"


def resolved_in_window(data: MetricData, team: str, period: str) -> int:
    resolved = data.rows("resolved", team, period)
    return int(resolved["items_resolved"].sum()) if len(resolved) else 0


def names_list(values, shown: int = 5) -> str:
    values = list(values)
    more = f" and {len(values) - shown} more" if len(values) > shown else ""
    return ", ".join(values[:shown]) + more


def safe_effect(function, *args, **kwargs) -> stats.Effect:
    """A comparison that cannot be computed (e.g. an empty side) is all nan, not raised."""
    try:
        return function(*args, **kwargs)
    except (ValueError, ZeroDivisionError):
        return stats.Effect(math.nan, math.nan, math.nan, math.nan)


def rounded(value, digits: int = 4):
    """A JSON number to `digits` decimals; None for missing, nan and infinity."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return None
    return round(float(value), digits)


def number(value, fmt: str) -> str:
    """A table cell: '-' when missing."""
    return "-" if value is None or pd.isna(value) else format(value, fmt)


def bound(x, fmt: str) -> str:
    """An interval bound in the text report: 'inf' when open."""
    return "inf" if x is None else format(x, fmt)


def interval(effect: dict, fmt: Callable[[float], str], separator: str = " to ") -> str:
    """'low to high', an open end written as 'unbounded' (the report gives None for infinity)."""
    low, high = effect["ci_low"], effect["ci_high"]
    return f"{'unbounded' if low is None else fmt(low)}{separator}{'unbounded' if high is None else fmt(high)}"


def with_p_value(text: str, effect: dict) -> str:
    if effect.get("p_value") is not None:
        text += f", p={effect['p_value']:.3g}"
    return text


def insufficient(metric: dict) -> bool:
    return metric["verdict"] == "insufficient data" or metric["effect"]["estimate"] is None


def clear(metric: dict) -> bool:
    return metric["verdict"] in ("improved", "worsened")


def sides_text(metric: dict, unit: str) -> str:
    return f"{metric['before']['n']} → {metric['after']['n']} {unit}"


def pooled_exposure(data: MetricData, teams: list[str], period: str) -> int:
    return sum(w.days for w in data.windows if w.team in teams and w.period == period)
