"""Beyond the raw before/after: comparison teams, a monthly event study, and a placebo check.

- Difference-in-differences: a reorganised team's change minus (or over) the pooled change of
  the comparison teams in the same calendar windows.
- Event study: each metric per 30-day period around the reorg date, with an interval per period.
- Placebo: pretend the reorg happened on earlier dates (full-length windows that do not overlap),
  and count how often that alone gives a change as large as the real one.
- The decision behind every verdict (`add_decisions`, through analysis.inference) and the
  randomization rank beside it (`add_randomization`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import inference, metrics
from .metrics.base import reason
from .metrics.rows import MetricData, Window, anchors, compute, data_span, teams_table
from .results import ComparisonEffects, TeamResult
from .settings import Settings

PERIOD_DAYS = 30


# ---- difference-in-differences ---------------------------------------------------------------


def difference_in_differences(
    team: str, data: MetricData, comparison_teams: list[str], settings: Settings
) -> ComparisonEffects | None:
    """Each metric's change for `team` against the pooled comparison teams, or None if none."""
    if not comparison_teams:
        return None
    treated, control = [team], comparison_teams
    return ComparisonEffects(
        control, {metric.name: metric.did(data, treated, control, settings) for metric in metrics.registered()}
    )


# ---- event study and placebo: each team's whole history -------------------------------------


class TeamHistory:
    """One team's rows over the data's whole span, per metric (`Metric.history`), each sorted
    by day, so any window is two binary searches away."""

    def __init__(self, data: MetricData, team: str, settings: Settings):
        self.span = data.span
        self.metrics = {metric.name: metric.history(data, team, settings) for metric in metrics.registered()}

    def window(self, start: dt.date, end: dt.date) -> dict:
        """Each metric's sample for items and releases on days in [start, end)."""
        return self.window_days(np.datetime64(start, "D"), np.datetime64(end, "D"))

    def window_days(self, start: np.datetime64, end: np.datetime64) -> dict:
        return {name: history.window(start, end) for name, history in self.metrics.items()}


def history_windows(teams: list[str], span) -> list[Window]:
    """One window per team over the data's whole span, labelled "all"."""
    first_day, last_day = span
    return (
        [] if first_day is None else [Window(team, "all", first_day, last_day + dt.timedelta(days=1)) for team in teams]
    )


def team_histories(data: MetricData, teams: list[str], settings: Settings) -> dict[str, TeamHistory]:
    """Each team's history from metric rows that include its "all" window (history_windows)."""
    return {team: TeamHistory(data, team, settings) for team in teams}


def histories(con, settings: Settings) -> tuple[dict[str, TeamHistory], dict[str, dt.date | None]]:
    """Every team's whole history from one pass of the metric queries."""
    team_anchors = anchors(teams_table(con), settings)
    data = compute(
        con, settings, windows=history_windows(list(team_anchors), data_span(con, settings)), supporting=False
    )
    return team_histories(data, list(team_anchors), settings), team_anchors


def event_study(history: TeamHistory, anchor: dt.date, settings: Settings) -> pd.DataFrame:
    """Each metric per 30-day period relative to `anchor` (period 0 starts on the anchor).

    Columns: period, start, metric, value, n, ci_low, ci_high, each metric's point and interval
    from its `event_point` (release days with an exact Poisson interval, the on-time share with a
    Wilson interval, the median wait with an order-statistic interval). Periods outside the data
    are left out.
    """
    first_day, last_day = history.span
    periods = settings.window_days // PERIOD_DAYS
    rows = []
    for offset in range(-periods, periods + 1):
        start = anchor + dt.timedelta(days=offset * PERIOD_DAYS)
        end = start + dt.timedelta(days=PERIOD_DAYS)
        if first_day is None or start < first_day or end > last_day + dt.timedelta(days=1):
            continue
        values = history.window(start, end)
        for name, sample in values.items():
            rows.append((offset, start, name, *metrics.get(name).event_point(sample, settings.confidence)))
    return pd.DataFrame(rows, columns=["period", "start", "metric", "value", "n", "ci_low", "ci_high"])


# ---- the decision behind each verdict (analysis.inference) --------------------------------------

MIN_RANDOMIZATION = 19  # comparisons for a randomization rank: 1 in 20 is the smallest p it can give


@dataclass(frozen=True)
class Span:
    """A pair of windows, before [before_start, before_end) and after [after_start, after_end),
    around an anchor, as numpy days (what the metrics' histories and bins take)."""

    before_start: np.datetime64
    before_end: np.datetime64
    after_start: np.datetime64
    after_end: np.datetime64
    anchor: np.datetime64
    # Bins already made in this span, by (history, metric): the randomization reuses each
    # comparison team's bins for every pseudo-treated team.
    made: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, before: Window | None, after: Window | None, anchor: dt.date) -> Span | None:
        """The team's report windows, or None when either is missing or empty."""
        if before is None or after is None or not (before.days and after.days):
            return None
        return cls(*(np.datetime64(day, "D") for day in (before.start, before.end, after.start, after.end, anchor)))

    @classmethod
    def around(cls, day: dt.date, settings: Settings) -> Span:
        """Full-length windows around a pretend reorg on `day` (the placebo check)."""
        after_start = day + dt.timedelta(days=settings.transition_days)
        days = (
            day - dt.timedelta(days=settings.window_days),
            day,
            after_start,
            after_start + dt.timedelta(days=settings.window_days),
            day,
        )
        return cls(*(np.datetime64(d, "D") for d in days))

    def bins(self, metric, history) -> tuple[inference.Bins, inference.Bins]:
        key = (id(history), metric.name)
        if key not in self.made:
            self.made[key] = (
                metric.bins(history, self.before_start, self.before_end, self.anchor),
                metric.bins(history, self.after_start, self.after_end, self.anchor),
            )
        return self.made[key]

    def trend_bins(self, metric, history: TeamHistory) -> inference.Bins:
        """The team's bins over its history before the before window's end, at most
        inference.TREND_DAYS back: the interrupted time series' trend. Release bins without a
        release count as zeros, so their history starts the day after the team's first release day
        in the data (a repository that appeared late does not read as a rising trend; that first
        day is left out, as it was bound to hold a release); months without items simply drop out.
        Never later than the before window."""
        key = (id(history), metric.name, "trend")
        if key not in self.made:
            events = history.metrics[metric.name]
            first_day = np.datetime64(history.span[0], "D")
            if metric.kind == inference.RATE and len(events.days):
                first_day = max(first_day, events.days[0] + inference.DAY)
            start = min(self.before_start, max(first_day, self.before_end - inference.TREND_DAYS * inference.DAY))
            self.made[key] = metric.bins(events, start, self.before_end, self.anchor)
        return self.made[key]

    def months(self, metric, history) -> tuple[int, int]:
        return (
            metric.months(history, self.before_start, self.before_end),
            metric.months(history, self.after_start, self.after_end),
        )


def decide(metric, span: Span, team: TeamHistory, comparisons: list[TeamHistory], confidence: float, basis=None):
    """One metric's decision for `team` in `span`, against the comparison teams' bins taken over
    the same calendar windows (the team's own, not theirs around the comparison date)."""
    return inference.decide(
        metric.kind,
        span.bins(metric, team.metrics[metric.name]),
        [span.bins(metric, other.metrics[metric.name]) for other in comparisons],
        confidence,
        basis=basis,
        trend=None if basis == "raw" else lambda: span.trend_bins(metric, team),
    )


def add_decisions(
    result: TeamResult, span: Span | None, histories: dict[str, TeamHistory], comparison_teams: list[str], settings
) -> None:
    """Each metric's decision, verdict and reasons for one team.

    A reorganised team is compared with every comparison team (did), or, without any, with its own
    trend (its). A comparison team is compared with the other comparison teams (leave-one-out);
    alone, its raw change around the comparison date is reported, labelled as such."""
    others = [histories[c] for c in comparison_teams if c != result.team]
    for metric in metrics.registered():
        measured = result.metrics[metric.name]
        if span is None:
            metric.decide(measured, None, (0, 0), settings)
            continue
        history = histories[result.team]
        alone = result.is_comparison and not others
        decision = decide(metric, span, history, others, settings.confidence, basis="raw" if alone else None)
        if result.is_comparison and decision.basis == "its":
            # No other comparison team has data on both sides: a comparison team's change is then
            # its raw change, never a trend model (it is not the team whose reorg is judged).
            alone = True
            decision = decide(metric, span, history, [], settings.confidence, basis="raw")
        metric.decide(measured, decision, span.months(metric, history.metrics[metric.name]), settings)
        if alone:
            measured.reasons.append(
                reason(
                    "raw_comparison",
                    f"no other comparison team has data in these windows: this is the raw change of "
                    f"{result.team} around the comparison date, with nothing to compare it with.",
                )
            )


def t_value(decision) -> float | None:
    """estimate / standard error on the decision's scale (the log for ratios); None if missing."""
    return None if decision is None else decision.t_statistic


def randomization_rank(observed: float | None, others: list[float | None]) -> dict | None:
    """The rank of |observed| among itself and the finite |others| (1 = the most extreme; a tie
    counts against the observed value), when the others number at least MIN_RANDOMIZATION."""
    values = np.abs([value for value in others if value is not None and np.isfinite(value)])
    if observed is None or not np.isfinite(observed) or len(values) < MIN_RANDOMIZATION:
        return None
    return {"rank": int(1 + np.count_nonzero(values >= abs(observed))), "comparisons": int(len(values))}


def add_randomization(
    result: TeamResult,
    span: Span | None,
    histories: dict[str, TeamHistory],
    comparison_teams: list[str],
    placebo_days: list[dt.date],
    settings: Settings,
) -> None:
    """Randomization inference beside a reorganised team's verdicts: the same decision with each
    comparison team pseudo-treated (against the other comparison teams, in the team's windows)
    and with each placebo date; the team's rank among them when there are enough."""
    if result.is_comparison or span is None:
        return
    team = histories[result.team]
    comparisons = [histories[c] for c in comparison_teams]
    pseudo = [(histories[c], [other for other in comparisons if other is not histories[c]]) for c in comparison_teams]
    pseudo = [(treated, others) for treated, others in pseudo if others]
    if len(pseudo) + len(placebo_days) < MIN_RANDOMIZATION:
        return  # too few comparisons for a rank: spare their decisions (most of a report's time)
    for metric in metrics.registered():
        measured = result.metrics[metric.name]
        others = [t_value(decide(metric, span, treated, rest, settings.confidence)) for treated, rest in pseudo]
        others += [
            t_value(decide(metric, Span.around(day, settings), team, comparisons, settings.confidence))
            for day in placebo_days
        ]
        measured.randomization = randomization_rank(t_value(measured.decision), others)


# ---- placebo -------------------------------------------------------------------------------------


def placebo_days(first_day: dt.date | None, anchor: dt.date | None, settings: Settings) -> list[dt.date]:
    """Pretend reorg dates with full-length windows that do not overlap each other and end
    before the real reorg: the latest possible date first, then back by 2 windows + transition
    while the before window stays inside the data. Latest first."""
    if first_day is None or anchor is None:
        return []
    window, transition = settings.window_days, settings.transition_days
    step = dt.timedelta(days=2 * window + transition)
    day = anchor - dt.timedelta(days=window + transition)  # the after window ends on the reorg date
    earliest = first_day + dt.timedelta(days=window)
    days = []
    while day >= earliest:
        days.append(day)
        day -= step
    return days


def placebo(history: TeamHistory, anchor: dt.date | None, observed: dict, settings: Settings) -> dict:
    """How often a pretend reorg date before the real one shows a raw change as large.

    Every pretend window has the report's full length (window and transition), the pretend dates
    do not overlap (placebo_days), and both windows end before the real reorg; with too little
    data before the reorg there are none, and the check says so rather than shortening them.
    `observed` holds the team's raw effect estimate per metric, as the report gives it."""
    first_day = history.span[0]
    if first_day is None or anchor is None or anchor <= first_day:
        return {"dates": 0, "reason": "no data before the reorg"}
    days = placebo_days(first_day, anchor, settings)
    needed = 2 * settings.window_days + settings.transition_days
    if not days:
        return {
            "dates": 0,
            "reason": f"fewer than {needed} days of data before the reorg (two full windows and the transition)",
        }
    effects = {name: [] for name in observed}
    for day in days:
        span = Span.around(day, settings)
        sides = {
            "before": history.window_days(span.before_start, span.before_end),
            "after": history.window_days(span.after_start, span.after_end),
        }
        for name in observed:
            effects[name].append(metrics.get(name).placebo_effect(sides["before"][name], sides["after"][name]))
    result = {"dates": len(days), "window_days": settings.window_days, "transition_days": settings.transition_days}
    for name, estimate in observed.items():
        metric = metrics.get(name)
        distances = np.array([metric.distance(e) for e in effects[name] if e is not None and np.isfinite(e)])
        real = metric.distance(estimate) if estimate is not None else None
        result[name] = (
            None
            if real is None or not len(distances)
            else {"share_as_large": round(float((distances >= real).mean()), 4), "placebo_effects": len(distances)}
        )
    return result
