"""Timeline accuracy: the share of delivered commitments that landed on time (SPEC "The three
metrics", 2).

Reads `queries/commitments.sql` (one row per item resolved in a window with a committed date:
its first due date when the changelog has it, else its final due date or its fix version's
planned release date; the slip in days, late positive). On time is one rule, `on_time`, used by
the report, the difference-in-differences, the event study, the placebo check and the Team
page's item table. Effect: the difference in on-time share with Newcombe's interval and
Fisher's exact test; a higher share is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from .. import inference, stats
from ..number_words import points_text
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


class CommitmentHistory:
    def __init__(self, data: MetricData, team: str, on_time):
        series = DaySeries.of(data, "commitments", team, "resolved_day", "slip_days")
        self.days = series.days
        self.on_time = np.asarray(on_time(series.values), dtype=bool)
        self.on_time_before = np.concatenate([[0], np.cumsum(self.on_time)])

    def window(self, start: np.datetime64, end: np.datetime64) -> tuple[int, int]:
        """(on time, commitments) resolved in [start, end)."""
        low, high = np.searchsorted(self.days, start, "left"), np.searchsorted(self.days, end, "left")
        return int(self.on_time_before[high] - self.on_time_before[low]), int(high - low)


class TimelineAccuracy(Metric):
    name = "timeline_accuracy"
    label = "Timeline accuracy"
    subject = "timeline accuracy"
    n_counts = "commitments"
    sample_unit = "items"
    higher_is_better = True
    no_change = 0.0
    sql = ("commitments.sql", "work_item_teams.sql")
    effect_label = "Change in on-time share"
    did_label = "team's change in on-time share - comparison teams' change"
    event_title = "on-time share"
    event_tickformat = ".0%"
    chart = ItemChart(
        table="commitments",
        column="slip_days",
        what="slip",
        y_title="slip (days late; early < 0)",
        level="median_slip_days",
        level_text=lambda shown: f"median slip {shown} days",
        band=lambda settings: (
            0,
            settings.tolerance_days,
            f"tolerance: on time up to {settings.tolerance_days} days late (early counts)",
        ),
    )
    kind = inference.SHARE
    item_columns = {
        "committed_date": "Committed",
        "commitment_source": "Committed date from",
        "replans": "Re-plans",
        "slip_days": "Slip (days)",
        "on_time": "On time",
    }

    def on_time(self, slip_days, settings: Settings):
        """Delivered at most `tolerance_days` after the committed date; early counts as on time."""
        return slip_days <= settings.tolerance_days

    def minimum(self, settings: Settings) -> int:
        return settings.min_items

    def measure(self, team, data, windows, settings):
        sides, slips = {}, {}
        for period in PERIODS:
            rows = data.rows("commitments", team, period)
            slip = rows["slip_days"].to_numpy(dtype=float)
            on_time = int(self.on_time(slip, settings).sum())
            slips[period] = slip
            sides[period] = WindowValue(
                rounded(on_time / len(rows)) if len(rows) else None,
                len(rows),
                {
                    "on_time": on_time,
                    "median_slip_days": rounded(median(slip)) if len(rows) else None,
                    "p85_abs_slip_days": rounded(quantile(np.abs(slip), 0.85)) if len(rows) else None,
                    "replanned_items": int((rows["replans"].fillna(0) > 0).sum()),
                    "commitment_basis": sorted(rows["commitment_source"].dropna().unique()),
                },
            )
        effect = stats.proportion_difference(
            sides["after"].details["on_time"],
            sides["after"].n,
            sides["before"].details["on_time"],
            sides["before"].n,
            confidence=settings.confidence,
        )
        slip_test = stats.median_difference(
            slips["after"],
            slips["before"],
            confidence=settings.confidence,
            n_boot=settings.bootstrap_samples,
            seed=settings.seed,
        )
        return self.result(sides, effect, settings, slip_median_difference=slip_test)

    def no_data_reason(self, team, data, result, settings):
        if not lacks_data(result, self.minimum(settings)):
            return None
        found = window_reason(data, team)
        resolved, committed = (data.team_input(team, name) for name in ("items_resolved", "resolved_with_commitment"))
        if found is None and resolved == 0:
            found = no_resolved_reason(data, team)
        elif found is None and committed == 0:
            found = reason("no_due_dates", "no resolved item has a due date (nor a fix version with a release date)")
        if found is None and resolved:
            types = settings.commitment_issue_types
            among = f" among the commitment issue types ({', '.join(types)})" if types else ""
            found = empty_window_reason(
                data,
                team,
                result,
                "no_due_dates_in_window",
                lambda count, period: (
                    f"none of the {count} items resolved in the {period} window has a due date{among}"
                ),
            )
        return found or too_few_reason(self, result, settings)

    def did(self, data, treated, control, settings):
        def on_time(teams, period):
            rows = data.pooled_rows("commitments", tuple(teams), period)
            return int(self.on_time(rows["slip_days"], settings).sum()), len(rows)

        return safe_effect(
            stats.did_proportion, *(on_time(g, p) for g in (treated, control) for p in ("after", "before"))
        )

    def history(self, data, team, settings):
        return CommitmentHistory(data, team, lambda slips: self.on_time(slips, settings))

    def bins(self, history, start, end, anchor):
        return inference.month_bins(history.days, history.on_time, start, end, anchor, inference.SHARE)

    def trend_parts(self, slope, before):
        return "", f"{slope * 100:+.1f}", " percentage points a month"

    def detectable_text(self, mde):
        return f"only a change of more than {mde * 100:.0f} percentage points in the on-time share would have shown"

    def event_point(self, sample, confidence):
        on_time, commitments = sample
        share, low, high = wilson(on_time, commitments, confidence)
        return share, commitments, low, high

    def placebo_effect(self, before, after):
        (on_time_before, n_before), (on_time_after, n_after) = before, after
        if not (n_before and n_after):
            return None
        return on_time_after / n_after - on_time_before / n_before

    def value_text(self, value):
        return f"{value:.0%} on time"

    def effect_text(self, effect):
        def points(x):
            return bound(x * 100 if x is not None else None, "+.0f")

        return f"{points_text(effect['estimate'])} ({points(effect['ci_low'])} to {points(effect['ci_high'])})"

    def change_words(self, estimate):
        more = "more" if estimate > 0 else "fewer"
        return f"it delivers {points_text(estimate, signed=False)} {more} of its commitments on time"

    def interval_words(self, decision):
        return interval(decision, lambda x: f"{x * 100:+.0f}") + " percentage points"

    def summary(self, team, metric, settings):
        before, after, effect, verdict = metric["before"], metric["after"], metric["effect"], metric["verdict"]
        counts = f"{before['n']} commitments before, {after['n']} after"
        if insufficient(metric):
            return (
                f"{team}: too few delivered commitments to say whether timeline accuracy changed "
                f"({insufficient_why(metric, counts)})"
            )
        shown = interval(effect, lambda x: f"{x * 100:+.0f}")
        return (
            f"{team} now delivers {after['value']:.0%} of its commitments on time, against "
            f"{before['value']:.0%} before ({points_text(effect['estimate'])}, {settings.confidence:.0%} "
            f"interval {shown}, raw before/after); verdict: {verdict} ({counts})."
        )

    def numbers(self, metric, settings):
        b, a = metric["before"], metric["after"]
        return [
            ("Delivered commitments (n)", b["n"], a["n"]),
            (f"On time (at most {settings.tolerance_days} days late)", b["on_time"], a["on_time"]),
            ("On-time share", number(b["value"], ".0%"), number(a["value"], ".0%")),
            (
                "Median slip (days, late > 0)",
                number(b["median_slip_days"], ".1f"),
                number(a["median_slip_days"], ".1f"),
            ),
            (
                "85th percentile of |slip| (days)",
                number(b["p85_abs_slip_days"], ".1f"),
                number(a["p85_abs_slip_days"], ".1f"),
            ),
            ("Re-planned items", b["replanned_items"], a["replanned_items"]),
        ]

    def item_values(self, data, team, periods, settings):
        rows = pd.concat([data.rows("commitments", team, p) for p in periods])
        values = rows[["item_key", "committed_date", "commitment_source", "replans", "slip_days"]].copy()
        values["committed_date"] = pd.to_datetime(values["committed_date"]).dt.date
        values["on_time"] = [
            None if pd.isna(slip) else bool(self.on_time(slip, settings)) for slip in values["slip_days"]
        ]
        return values

    def quality_notes(self, data, team, metric, periods):
        notes = []
        for period in periods:
            side = metric[period]
            if not side["n"]:
                continue
            sources_used = data.rows("commitments", team, period)["commitment_source"].value_counts()
            sources_used = sources_used.sort_index().sort_values(ascending=False, kind="stable")  # ties: by name
            basis = ", ".join(f"the {source} for {count}" for source, count in sources_used.items())
            note = f"{period.capitalize()} window: of {side['n']} commitments, {basis}"
            if "first due date" in side["commitment_basis"]:
                note += f"; {side['replanned_items']} were re-planned after their first due date"
            if "final due date" in side["commitment_basis"]:
                note += ". A final due date means no changelog: re-plans are invisible, so accuracy may look better than it was"
            notes.append(note + ".")
        return notes

    def methods(self, settings):
        level = f"{settings.confidence:.0%}"
        return (
            "Timeline accuracy: on-time share with the calendar month as the cluster",
            f"""
A commitment is an item resolved in the window that had a committed date (its due date, or its fix
version's planned release date). It is **on time** when it was delivered no more than {settings.tolerance_days} days
after that date; early counts as on time. The value is the on-time share, n the number of commitments.

**The verdict's unit** is the calendar month, not the item: items resolved in the same month share
that month's luck (a release crunch, a holiday). The decision compares on-time shares in
percentage points; each window's variance is the month-cluster variance of a ratio estimator,
never below the binomial one. Minimum detectable effect: the change in points that the test would
detect with 80% power at {level} confidence.

The raw before/after beside the verdict is the difference in shares with Newcombe's interval and
Fisher's exact test on independent items; the report also compares the slips with a bootstrap median
difference and the Mann-Whitney U test. Both are shown; neither decides.
""",
        )


def wilson(successes: int, n: int, confidence: float) -> tuple[float, float, float]:
    """(share, low, high) with the Wilson score interval; all nan for n = 0."""
    if n == 0:
        return np.nan, np.nan, np.nan
    z = scipy_stats.norm.ppf(1 - (1 - confidence) / 2)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return share, centre - half, centre + half


METRIC = TimelineAccuracy()
