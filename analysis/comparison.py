"""Beyond the raw before/after: comparison teams, a monthly event study, and a placebo check.

- Difference-in-differences: a reorganised team's change minus (or over) the pooled change of
  the comparison teams in the same calendar windows.
- Event study: each metric per 30-day period around the reorg date, with an interval per period.
- Placebo: pretend the reorg happened on other days of the before period, and count how often
  that alone gives a change as large as the real one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import metrics
from .metrics.rows import MetricData, Window, anchors, compute, data_span, teams_table
from .results import ComparisonEffects
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
        start, end = np.datetime64(start, "D"), np.datetime64(end, "D")
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


def placebo(history: TeamHistory, anchor: dt.date | None, observed: dict, settings: Settings) -> dict:
    """How often a pretend reorg date inside the before period shows a change as large.

    Pretend dates d run over the before period so that [d - w, d) and [d, d + w) both lie in
    the data before the real reorg; w is the report window, shortened to a third of the data
    before the reorg when there is less (so that many distinct dates fit). `observed` holds the
    real report's effect estimate per metric. Shorter windows are noisier, which makes the check
    conservative: a real change has to stand out from that noise.
    """
    first_day = history.span[0]
    if first_day is None or anchor is None or anchor <= first_day:
        return {"dates": 0, "reason": "no data before the reorg"}
    available = (anchor - first_day).days
    window = min(settings.window_days, available // 3)
    if window < PERIOD_DAYS:
        return {"dates": 0, "window_days": window, "reason": "less than 90 days of data before the reorg"}
    candidates = [first_day + dt.timedelta(days=window + k) for k in range(available - 2 * window + 1)]
    rng = np.random.default_rng(settings.seed)
    picks = rng.choice(len(candidates), size=min(settings.placebo_dates, len(candidates)), replace=False)
    effects = {name: [] for name in observed}
    for day in (candidates[i] for i in sorted(picks)):
        sides = {
            "before": history.window(day - dt.timedelta(days=window), day),
            "after": history.window(day, day + dt.timedelta(days=window)),
        }
        for name in observed:
            effects[name].append(metrics.get(name).placebo_effect(sides["before"][name], sides["after"][name]))
    result = {"dates": len(picks), "window_days": window}
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
