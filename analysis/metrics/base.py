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

from .. import inference, stats
from ..number_words import p_value_text
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
    """One team's metric: both windows, the raw effect, the decision and the verdict it gives,
    and further tests.

    `effect` is the raw after/before change with its own test (the contract keeps its meaning);
    `decision` is the one test the verdict comes from (`analysis.inference`), set by the report
    (`Metric.decide`); until then the verdict is "insufficient data"."""

    before: WindowValue
    after: WindowValue
    effect: stats.Effect
    verdict: str = "insufficient data"
    further_tests: dict[str, stats.Effect] = field(default_factory=dict)
    decision: inference.Decision | None = None
    reasons: list[dict] = field(default_factory=list)  # {"code", "text"}: why the verdict is what it is
    randomization: dict | None = None  # {"rank", "comparisons"} when at least MIN_RANDOMIZATION
    p_adjusted: float | None = None  # Benjamini-Hochberg on the decisions, set across a whole report
    no_data_reason: dict | None = None  # {code, text}: the missing input (Metric.no_data_reason)

    def effect_dict(self) -> dict:
        return self.effect.as_dict()

    def decision_dict(self) -> dict:
        """The contract's `decision` block: the numbers to 4 significant digits, None for nan."""
        decision = self.decision
        trend = decision.pre_trend if decision else None
        return {
            "basis": decision.basis if decision else None,
            "estimate": significant(decision.estimate) if decision else None,
            "ci_low": significant(decision.ci_low) if decision else None,
            "ci_high": significant(decision.ci_high) if decision else None,
            "p_value": significant(decision.p_value) if decision else None,
            "p_adjusted": self.p_adjusted,
            "n_clusters": decision.n_clusters if decision else 0,
            "n_comparisons": decision.n_comparisons if decision else 0,
            "mde": significant(decision.mde) if decision else None,
            "reasons": [dict(reason) for reason in self.reasons],
            "pre_trend": (
                None
                if trend is None
                else {
                    "slope": significant(trend.slope),
                    "ci_low": significant(trend.ci_low),
                    "ci_high": significant(trend.ci_high),
                    "passed": bool(trend.passed),
                }
            ),
            "randomization": dict(self.randomization) if self.randomization else None,
        }

    def as_dict(self) -> dict:
        return {
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "effect": self.effect_dict(),
            "verdict": self.verdict,
            **({"no_data_reason": self.no_data_reason} if self.no_data_reason else {}),
            "decision": self.decision_dict(),
            **{name: test.as_dict() for name, test in self.further_tests.items()},
        }


def significant(value) -> float | None:
    """A JSON number to 4 significant digits (as stats.Effect.as_dict); None for None, nan, inf."""
    if value is None:
        return None
    value = float(value)
    return float(f"{value:.4g}") if math.isfinite(value) else None


# ---- the verdict from the decision ------------------------------------------------------------

VERDICTS = ("improved", "worsened", "no clear change", "insufficient data")


def alpha(confidence: float) -> float:
    """1 - confidence without the float's tail (1 - 0.95 is 0.050000000000000044 in binary)."""
    return round(1 - confidence, 12)


def reason(code: str, text: str) -> dict:
    return {"code": code, "text": text}


def decision_verdict(
    metric: Metric,
    decision: inference.Decision | None,
    n: tuple[int, int],
    months: tuple[int, int],
    settings: Settings,
    before: float | None = None,
) -> tuple[str, list[dict]]:
    """The verdict and its reasons from one metric's decision (SPEC "Honest comparison").

    Insufficient data when either window has fewer than the minimum sample (`n`: before,
    after) or fewer than `settings.min_months` calendar months with data (`months`), or the
    decision has no estimate; no clear change when the pre-trend check failed or p is not below
    1 - confidence; else improved or worsened by the metric's direction. Reasons also say what a
    verdict rests on (its: an org-wide change cannot be ruled out) and when no change could have
    been detected at all. `before`: the before window's value, which a failed pre-trend's words
    may need (Metric.trend_text)."""
    reasons = []
    minimum = metric.minimum(settings)
    if min(n) < minimum:
        reasons.append(
            reason(
                "min_sample",
                f"{n[0]} {metric.sample_unit} before and {n[1]} after; at least {minimum} are needed on each side.",
            )
        )
    if min(months) < settings.min_months:
        reasons.append(
            reason(
                "min_months",
                f"{months[0]} calendar month{'' if months[0] == 1 else 's'} with data before and {months[1]} after; at least "
                f"{settings.min_months} are needed on each side.",
            )
        )
    if decision is None or decision.estimate is None or decision.p_value is None:
        reasons.append(
            reason(
                "no_estimate",
                "no estimate could be made: a window without data, or with data in a single month or 14-day bin "
                "(its variance cannot be estimated).",
            )
        )
    if decision is not None and decision.basis == "its":
        reasons.append(
            reason(
                "no_comparison_teams",
                "no comparison teams (with data in these windows): judged against the team's own trend "
                "before the reorg; an org-wide change cannot be ruled out.",
            )
        )
    if decision is not None and decision.mde is None and decision.estimate is not None:
        reasons.append(reason("no_detectable_change", "no change could have been detected with this data."))
    if any(r["code"] in ("min_sample", "min_months", "no_estimate") for r in reasons):
        return "insufficient data", reasons
    trend = decision.pre_trend
    if trend is not None and not trend.passed and decision.basis in ("did", "raw"):
        reasons.append(
            reason(
                "pre_trend",
                f"the trend over the before window{' relative to the comparison teams' if decision.basis == 'did' else ''} "
                f"({metric.trend_text(trend.slope, before)}) is already clear of zero at {settings.confidence:.0%} "
                "confidence, so a before/after change cannot be told from that trend.",
            )
        )
        return "no clear change", reasons
    if decision.p_value >= alpha(settings.confidence):
        return "no clear change", reasons
    up = decision.estimate > (1.0 if decision.kind in inference.RATIO_KINDS else 0.0)
    return ("improved" if up == metric.higher_is_better else "worsened"), reasons


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
    level_text: Callable[[str], str]  # formatted level -> "median slip 2.0 days"
    band: Callable[[Settings], tuple[float, float, str]] | None = None


# ---- history: one team's rows over the data's whole span, sorted by day -------------------------


class DaySeries:
    """Rows sorted by day (numpy, not frames: a report builds one per team and metric), so any
    window [start, end) is two binary searches away."""

    def __init__(self, rows: pd.DataFrame, day_column: str, value_column: str | None = None):
        self._sort(
            rows[day_column].to_numpy(dtype="datetime64[D]"),
            rows[value_column].to_numpy(dtype=float) if value_column else None,
        )

    @classmethod
    def of(cls, data: MetricData, table: str, team: str, day_column: str, value_column: str | None = None):
        """The team's whole-span ("all") window of `table`, read column by column."""
        series = cls.__new__(cls)
        series._sort(
            data.column(table, team, "all", day_column).astype("datetime64[D]"),
            data.column(table, team, "all", value_column).astype(float) if value_column else None,
        )
        return series

    def _sort(self, days: np.ndarray, values: np.ndarray | None) -> None:
        order = np.argsort(days, kind="stable")
        self.days = days[order]
        self.values = values[order] if values is not None else None

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
    kind: str  # inference.RATE, SHARE or LOG_MEAN: the unit and scale of its decision

    # -- the report ---------------------------------------------------------------------------

    def minimum(self, settings: Settings) -> int:
        """Fewer than this on either side: insufficient data."""
        raise NotImplementedError

    def measure(self, team: str, data: MetricData, windows: dict, settings: Settings) -> MetricResult:
        """Both windows' values, the effect and the verdict for one team."""
        raise NotImplementedError

    def result(self, sides: dict, effect: stats.Effect, settings: Settings, **further_tests) -> MetricResult:
        """A MetricResult with both windows and the raw effect; its verdict comes with its
        decision (`decide`)."""
        return MetricResult(sides["before"], sides["after"], effect, further_tests=further_tests)

    # -- the decision (analysis.inference) ------------------------------------------------------

    def bins(self, history, start: np.datetime64, end: np.datetime64, anchor: np.datetime64) -> inference.Bins:
        """The inference bins of [start, end) from this metric's `history` (times from `anchor`)."""
        raise NotImplementedError

    def months(self, history, start: np.datetime64, end: np.datetime64) -> int:
        """Calendar months of [start, end) holding at least one of the metric's events."""
        return months_with_data(history.days, start, end)

    def decide(
        self, result: MetricResult, decision: inference.Decision | None, months: tuple[int, int], settings: Settings
    ) -> None:
        """Set the result's decision, verdict and reasons."""
        result.decision = decision
        result.verdict, result.reasons = decision_verdict(
            self, decision, (result.before.n, result.after.n), months, settings, before=result.before.value
        )

    def trend_parts(self, slope: float, before: float | None) -> tuple[str, str, str]:
        """A pre-trend slope (per 30 days, on the scale of inference.PreTrend) in words, as the
        words before its number, the number, and the words after it (its unit); `before` is the
        before window's value (the level a relative slope is relative to; None: unknown)."""
        raise NotImplementedError

    def trend_text(self, slope: float, before: float | None) -> str:
        return "".join(self.trend_parts(slope, before))

    def trend_interval_text(self, low: float, high: float, before: float | None) -> str:
        """A pre-trend slope's interval in words, its unit said once: '-0.8 to +1.3 release days ...'."""
        (lead, low_number, unit), (_, high_number, _) = self.trend_parts(low, before), self.trend_parts(high, before)
        return f"{lead}{low_number} to {high_number}{unit}"

    def mde_text(self, mde: float | None) -> str:
        """The minimum detectable effect as a sentence (None: nothing could have been detected)."""
        return "no change could have been detected" if mde is None else self.detectable_text(mde)

    def detectable_text(self, mde: float) -> str:
        """A minimum detectable effect on this metric's scale in words."""
        raise NotImplementedError

    def decision_text(self, decision: dict) -> str:
        """The decision's estimate and interval (the metric's scale) as the text report writes them."""
        return self.effect_text(decision)

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

    def numbers(self, metric: dict, settings: Settings) -> list[tuple]:
        """(measure, before, after) rows behind the Team page's chart."""
        raise NotImplementedError

    def methods(self, settings: Settings) -> tuple[str, str]:
        """(heading, Markdown) for the Methods page; only numbers from the settings go in."""
        raise NotImplementedError

    # -- the headline: one plain sentence per team and metric, never saying more than the badge --

    subject: str  # the metric in a sentence: "release frequency"

    def values_text(self, before, after) -> str:
        """Both windows' values in one cell: '1.17 → 4.00 release days per 30 days'."""
        return (
            f"{'-' if before is None else self.value_text(before)} → {'-' if after is None else self.value_text(after)}"
        )

    def change_words(self, estimate: float) -> str:
        """The decision's estimate as what the team does now: 'it releases 3.8 times as often'."""
        raise NotImplementedError

    def interval_words(self, decision: dict) -> str:
        """The decision's interval on its own scale in words: '1.3 to 11 times'."""
        raise NotImplementedError

    def sample_words(self, metric: dict) -> str:
        """n on each side: '7 release days before, 24 after'."""
        return f"{metric['before']['n']} {self.n_counts} before, {metric['after']['n']} after"

    def headline_sentence(self, team: str, metric: dict, shown: str, frame: HeadlineFrame) -> str:
        """One plain sentence on this metric of `team` that says no more than its badge (`shown`,
        the verdict after the sidebar's adjustment switch) and its decision block: the change,
        its basis, interval and p-value when the badge is improved or worsened; "no clear change"
        with the smallest change the data could have shown otherwise (never the direction of a
        change that is not clear); why the data are insufficient."""
        decision = metric["decision"]
        who = f"{team}'s {self.subject}"
        if shown == "insufficient data" or decision["estimate"] is None:
            return f"{who}: insufficient data to judge. {capitalised(insufficient_words(self, metric))}."
        basis = basis_words(decision, frame)
        if shown in CLEAR_VERDICTS:
            p_value = p_value_text(decision["p_adjusted"], adjusted=True) if frame.adjusted else ""
            p_value = p_value or p_value_text(decision["p_value"])
            return (
                f"{who} {shown}: {self.change_words(decision['estimate'])} {frame.since}{basis} "
                f"({frame.confidence:.0%} interval {self.interval_words(decision)}, {p_value}; "
                f"{self.sample_words(metric)})."
            )
        text = f"{who}: no clear change {frame.since}{basis}"
        if shown != metric["verdict"]:
            text += (
                f", once the {frame.comparisons} comparisons in this report are adjusted for "
                f"({p_value_text(decision['p_adjusted'], adjusted=True)})"
            )
        if any(r["code"] == "pre_trend" for r in decision["reasons"]):
            text += f"; its trend over the before window was already moving, so a change {frame.since} cannot be told from that trend"
        if decision["mde"] is None:
            text += "; no change could have been detected with this much data"
        else:
            text += f"; with this much data {self.detectable_text(decision['mde'])}"
        return f"{text} ({self.sample_words(metric)})."

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
    """Too few events on a side; else what else made the data insufficient (too few months with
    data, no estimate), as the decision's reasons say."""
    if min(result.before.n, result.after.n) < metric.minimum(settings):
        return reason(
            "too_few",
            f"{result.before.n} {metric.n_counts} before and {result.after.n} after; at least "
            f"{metric.minimum(settings)} are needed on each side",
        )
    found = next((r for r in result.reasons if r["code"] in ("min_months", "no_estimate")), None)
    if found is None:
        return reason("too_few", "too little data on a side to judge")
    return reason("too_few_months" if found["code"] == "min_months" else "no_estimate", found["text"])


def empty_window_reason(data: MetricData, team: str, result: MetricResult, code: str, missing) -> dict | None:
    """The first window with nothing to measure: no item of the team resolved in it at all, or
    `missing(count, period)` under `code` for the items that were resolved there."""
    for period in ("before", "after"):
        if not getattr(result, period).n:
            count = resolved_in_window(data, team, period)
            if count == 0:
                return reason("no_resolved_in_window", f"no item of this team was resolved in the {period} window")
            return reason(code, missing(count, period))
    return None


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


def median(values) -> float:
    """The median of the non-missing values (nan if none), as pandas' Series.median but without
    its overhead (a report takes several per team)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else math.nan


def quantile(values, q: float) -> float:
    """A quantile of the non-missing values with linear interpolation (Series.quantile's)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.quantile(values, q)) if len(values) else math.nan


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
        text += f", {p_value_text(effect['p_value'])}"
    return text


def months_with_data(days: np.ndarray, start: np.datetime64, end: np.datetime64) -> int:
    """Distinct calendar months among the sorted `days` in [start, end)."""
    inside = days[np.searchsorted(days, start, "left") : np.searchsorted(days, end, "left")]
    if not len(inside):
        return 0
    months = inside.astype("datetime64[M]")
    return int(np.count_nonzero(months[1:] != months[:-1]) + 1)


def basis_text(decision: dict, comparison_teams: list[str]) -> str:
    """What a verdict was judged against, in words (`comparison_teams`: the teams in its did)."""
    basis = decision["basis"]
    if basis == "did":
        count = decision["n_comparisons"]
        # Comparison teams without data on both sides take no part: then the names are those asked.
        if len(comparison_teams) == count:
            names = f" ({', '.join(comparison_teams)})"
        else:
            names = f" (those with data in these windows, of {', '.join(comparison_teams)})" if comparison_teams else ""
        return f"against {count} comparison team{'s' if count != 1 else ''}{names}"
    if basis == "its":
        return "against its own trend before the reorg (an org-wide change cannot be ruled out)"
    if basis == "raw":
        return "raw change, labelled as such"
    return "no decision"


@dataclass(frozen=True)
class HeadlineFrame:
    """What a headline sentence needs beyond its metric: the words for when the change happened
    ("since its reorg", "around the comparison date"), the badges' switch and confidence, and how
    many p-values the adjustment took together."""

    since: str
    comparison_team: bool  # a team that did not reorganise: judged against the *other* comparison teams
    adjusted: bool
    confidence: float
    comparisons: int | None


CLEAR_VERDICTS = ("improved", "worsened")


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def basis_words(decision: dict, frame: HeadlineFrame) -> str:
    """What a verdict was judged against, as the end of a headline clause."""
    basis = decision["basis"]
    if basis == "did":
        count, other = decision["n_comparisons"], " other" if frame.comparison_team else ""
        return f", relative to the {count}{other} comparison team{'s' if count != 1 else ''}"
    if basis == "its":
        return (
            ", against its own trend before (there are no comparison teams with data, so an org-wide change "
            "cannot be ruled out)"
        )
    if basis == "raw":
        return ", as a raw before/after change (no other comparison team has data to set it against)"
    return ""


def insufficient_words(metric: Metric, data: dict) -> str:
    """Why a metric has insufficient data: the missing input (no_data_reason) when the report
    names one, else the decision's reasons, with n on each side unless the reason gives them."""
    found = ((data.get("no_data_reason") or {}).get("text") or "").rstrip(".")  # the sentence ends it
    if not found:
        texts = [r["text"].rstrip(".") for r in data["decision"]["reasons"] if r["code"] in INSUFFICIENT_REASONS]
        found = "; ".join(texts) if texts else "no estimate could be made"
    if not gives_sample(metric, data, found):
        found += f" ({metric.sample_words(data)})"
    return found


def gives_sample(metric: Metric, data: dict, text: str) -> bool:
    """Whether a reason already says n on each side ("3 release days before and 5 after"): the
    numbers with the metric's unit, not merely the same digits (a count of months, a minimum)."""
    before, after = data["before"]["n"], data["after"]["n"]
    return any(f"{before} {unit} before" in text for unit in (metric.n_counts, metric.sample_unit)) and (
        f"{after} after" in text
    )


def insufficient(metric: dict) -> bool:
    return metric["verdict"] == "insufficient data" or metric["effect"]["estimate"] is None


INSUFFICIENT_REASONS = ("min_sample", "min_months", "no_estimate")  # the reasons behind "insufficient data"


def insufficient_why(metric: dict, counts: str) -> str:
    """Why a metric has insufficient data, in words (its reasons), else the counts alone."""
    reasons = [r["text"] for r in metric["decision"]["reasons"] if r["code"] in INSUFFICIENT_REASONS]
    return " ".join(reasons) if reasons else f"{counts}."


def clear(metric: dict) -> bool:
    return metric["verdict"] in ("improved", "worsened")


def sides_text(metric: dict, unit: str) -> str:
    return f"{metric['before']['n']} → {metric['after']['n']} {unit}"


def pooled_exposure(data: MetricData, teams: list[str], period: str) -> int:
    return sum(w.days for w in data.windows if w.team in teams and w.period == period)
