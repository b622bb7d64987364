"""Dependency waits: the days items spent blocked by another team's items (SPEC "The three
metrics", 3).

Reads `queries/blocked_intervals.sql` (each blocked stretch: links, blocked statuses, flags),
`queries/dependency_waits.sql` (one row per item resolved in a window with a cross-team wait),
`queries/resolved_items.sql` (items resolved, for the share waiting) and
`queries/wait_matrix.sql` (who waited on whom). Effect: the difference in median waits with a
bootstrap interval and the Mann-Whitney U test; less waiting is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from .. import inference, stats
from ..number_words import ratio_words, times_text
from ..settings import Settings
from .base import (
    DaySeries,
    ItemChart,
    Metric,
    WindowValue,
    bound,
    empty_window_reason,
    insufficient,
    insufficient_why,
    interval,
    lacks_data,
    median,
    no_resolved_reason,
    number,
    quantile,
    reason,
    rounded,
    safe_effect,
    too_few_reason,
    window_reason,
)
from .rows import PERIODS, MetricData

SHORTEST_WAIT_DAYS = 1 / 24  # an hour: waits are floored here before their log is taken


class WaitHistory:
    def __init__(self, data: MetricData, team: str):
        series = DaySeries.of(data, "waits", team, "resolved_day", "wait_days")
        self.days, self.waits = series.days, series.values
        self.log_waits = np.log(np.maximum(self.waits, SHORTEST_WAIT_DAYS))

    def window(self, start: np.datetime64, end: np.datetime64) -> np.ndarray:
        """The waits of items resolved in [start, end)."""
        return self.waits[np.searchsorted(self.days, start, "left") : np.searchsorted(self.days, end, "left")]


class DependencyWait(Metric):
    name = "dependency_wait"
    label = "Dependency wait"
    subject = "dependency waits"
    n_counts = "waiting items"
    sample_unit = "items"
    higher_is_better = False
    no_change = 0.0
    sql = ("blocked_intervals.sql", "dependency_waits.sql", "resolved_items.sql", "wait_matrix.sql")
    effect_label = "Change in median wait"
    did_label = "team's change in median wait - comparison teams' change"
    event_title = "median wait (days)"
    chart = ItemChart(
        table="waits",
        column="wait_days",
        what="wait",
        y_title="days blocked by other teams",
        level="value",
        level_text=lambda shown: f"median wait {shown} days",
    )
    waits_on = True
    item_columns = {"wait_days": "Cross-team wait (days)"}
    kind = inference.LOG_MEAN

    def minimum(self, settings: Settings) -> int:
        return settings.min_items

    def measure(self, team, data, windows, settings):
        sides, waits = {}, {}
        for period in PERIODS:
            rows = data.rows("waits", team, period)
            resolved = data.rows("resolved", team, period)
            items_resolved = int(resolved["items_resolved"].sum()) if len(resolved) else 0
            wait = rows["wait_days"].to_numpy(dtype=float)
            waits[period] = wait
            sides[period] = WindowValue(
                rounded(median(wait)) if len(wait) else None,
                len(wait),
                {
                    "items_resolved": items_resolved,
                    "share_waiting": rounded(len(wait) / items_resolved) if items_resolved else None,
                    "p85_wait_days": rounded(quantile(wait, 0.85)) if len(wait) else None,
                    "waits_on": _waits_on(data.rows("wait_matrix", team, period)),
                },
            )
        effect = stats.median_difference(
            waits["after"],
            waits["before"],
            confidence=settings.confidence,
            n_boot=settings.bootstrap_samples,
            seed=settings.seed,
        )
        return self.result(sides, effect, settings)

    def no_data_reason(self, team, data, result, settings):
        if not lacks_data(result, self.minimum(settings)):
            return None
        found = window_reason(data, team)
        stretches = data.team_input(team, "blocked_stretches")
        if found is None and stretches == 0 and not data.team_inputs["blocked_stretches"].sum():
            found = reason(
                "no_blocking_links",
                "no blocking links between teams: no item waits on another team's item through a "
                f"blocking link ({', '.join(settings.blocking_link_types)}), a flag or a blocked status",
            )
        if found is None and data.team_input(team, "items_resolved") == 0:
            found = no_resolved_reason(data, team)
        if found is None and stretches == 0:
            found = reason("no_blocking_links_for_team", "no item of this team was blocked by another team's item")
        if found is None and stretches:
            found = empty_window_reason(
                data,
                team,
                result,
                "no_waits_in_window",
                lambda count, period: (
                    f"none of the {count} items resolved in the {period} window waited on another team"
                ),
            )
        return found or too_few_reason(self, result, settings)

    def did(self, data, treated, control, settings):
        def waits(teams, period):
            return data.pooled_rows("waits", tuple(teams), period)["wait_days"].to_numpy(dtype=float)

        return safe_effect(
            stats.did_median,
            *(waits(g, p) for g in (treated, control) for p in ("after", "before")),
            n_boot=settings.bootstrap_samples,
            seed=settings.seed,
        )

    def history(self, data, team, settings):
        return WaitHistory(data, team)

    def bins(self, history, start, end, anchor):
        return inference.month_bins(history.days, history.log_waits, start, end, anchor, inference.LOG_MEAN)

    def trend_parts(self, slope, before):
        return "the typical wait ", as_long(np.exp(slope)), " each month"

    def detectable_text(self, mde):
        return f"only waits longer or shorter by a factor of {times_text(mde)} would have shown"

    def decision_text(self, decision):
        return f"{as_long(decision['estimate'])} ({self.interval_words(decision)}) in the typical (geometric-mean) wait"

    def change_words(self, estimate):
        return f"its items that waited on other teams wait {as_long(estimate)} (the typical wait)"

    def interval_words(self, decision):
        return interval(decision, times_text) + " times as long"

    def event_point(self, sample, confidence):
        median, low, high = median_interval(sample, confidence)
        return median, len(sample), low, high

    def placebo_effect(self, before, after):
        if not (len(before) and len(after)):
            return None
        return float(np.median(after) - np.median(before))

    def value_text(self, value):
        return f"median {value:.1f} days"

    def values_text(self, before, after):
        shown = ("-" if value is None else f"{value:.1f}" for value in (before, after))
        return " → ".join(shown) + " days (median wait)"

    def effect_text(self, effect):
        return (
            f"{effect['estimate']:+.1f} days ({bound(effect['ci_low'], '+.1f')} to {bound(effect['ci_high'], '+.1f')})"
        )

    def summary(self, team, metric, settings):
        before, after, effect, verdict = metric["before"], metric["after"], metric["effect"], metric["verdict"]
        counts = f"{before['n']} items waiting on other teams before, {after['n']} after"
        if insufficient(metric):
            return (
                f"{team}: too few items waited on other teams to say whether dependency waits changed "
                f"({insufficient_why(metric, counts)})"
            )
        shown = interval(effect, lambda x: f"{x:+.1f}")
        return (
            f"{team}'s items that waited on other teams now wait a median {after['value']:.1f} days, against "
            f"{before['value']:.1f} before ({effect['estimate']:+.1f} days, {settings.confidence:.0%} interval "
            f"{shown}, raw before/after); verdict: {verdict} ({counts})."
        )

    def numbers(self, metric, settings):
        b, a = metric["before"], metric["after"]
        return [
            ("Items resolved", b["items_resolved"], a["items_resolved"]),
            ("Items with a cross-team wait (n)", b["n"], a["n"]),
            ("Share of items waiting", number(b["share_waiting"], ".0%"), number(a["share_waiting"], ".0%")),
            ("Median wait (days)", number(b["value"], ".1f"), number(a["value"], ".1f")),
            ("85th percentile wait (days)", number(b["p85_wait_days"], ".1f"), number(a["p85_wait_days"], ".1f")),
        ]

    def item_values(self, data, team, periods, settings):
        return pd.concat([data.rows("waits", team, p) for p in periods])[["item_key", "wait_days"]]

    def methods(self, settings):
        level = f"{settings.confidence:.0%}"
        return (
            "Dependency waits: the typical wait per blocked item, month as the cluster",
            f"""
For each item resolved in the window, the days it spent blocked by an item owned by **another team**:
from the moment the blocking link was added (or, without a changelog, from the item's creation) until
the blocker was resolved or the link removed, never past the item's own resolution. Time the item
spent in a blocked status or flagged counts too, as a wait on its blockers of other teams (the
changelog alone does not say whose fault a status is). Overlapping stretches count once. The value
is the median wait of the items that waited, n the number of such items.

**The verdict's unit** is the calendar month of resolution. Waits are skewed, so the decision
compares the log of each wait (waits under an hour count as an hour): the change is a ratio of
typical (geometric-mean) waits, 0.5x = half as long. Each window's variance is the month-cluster
variance of the mean of logs, never below the independent one. Minimum detectable effect: the
factor, longer or shorter, that the test would detect with 80% power at {level} confidence.

The raw before/after beside the verdict is the difference in medians with a bootstrap interval
({settings.bootstrap_samples} resamples) and the Mann-Whitney U test: shown, it does not decide.
""",
        )


def median_interval(values: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Median with the order-statistic interval: ranks from Binomial(n, 1/2) quantiles."""
    n = len(values)
    if n == 0:
        return np.nan, np.nan, np.nan
    ordered = np.sort(values)
    alpha = 1 - confidence
    lower_rank = int(scipy_stats.binom.ppf(alpha / 2, n, 0.5))  # 0-based index
    upper_rank = n - 1 - lower_rank
    low = ordered[lower_rank - 1] if lower_rank >= 1 else -np.inf
    high = ordered[upper_rank + 1] if upper_rank + 1 < n else np.inf
    return float(np.median(ordered)), float(low), float(high)


def _waits_on(rows: pd.DataFrame) -> list[dict]:
    rows = rows.sort_values("wait_days", ascending=False)
    return [
        {"team": team, "items": int(items), "wait_days": rounded(days)}
        for team, items, days in zip(rows["blocker_team"], rows["items_waiting"], rows["wait_days"])
    ]


def as_long(ratio: float) -> str:
    """A ratio of waits in words: 'about a fifth as long', '17% longer'."""
    return ratio_words(ratio, "as long", "longer", "shorter")


METRIC = DependencyWait()
