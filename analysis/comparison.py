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
from scipy import stats as scipy_stats

from . import stats
from .metrics.rows import MetricData, Window, anchors, compute, data_span, teams_table
from .settings import Settings

PERIOD_DAYS = 30


# ---- difference-in-differences ---------------------------------------------------------------


def difference_in_differences(
    team: str, data: MetricData, comparison_teams: list[str], settings: Settings
) -> dict | None:
    """Each metric's change for `team` against the pooled comparison teams, or None if none."""
    if not comparison_teams:
        return None

    def pooled(table: str, teams: list[str], period: str) -> pd.DataFrame:
        return data.pooled_rows(table, tuple(teams), period)

    def release_counts(teams: list[str], period: str) -> tuple[int, int]:
        exposure = sum(w.days for w in data.windows if w.team in teams and w.period == period)
        return len(pooled("release_days", teams, period)), exposure

    def on_time(teams: list[str], period: str) -> tuple[int, int]:
        rows = pooled("commitments", teams, period)
        return int((rows["slip_days"] <= settings.tolerance_days).sum()), len(rows)

    def waits(teams: list[str], period: str) -> np.ndarray:
        return pooled("waits", teams, period)["wait_days"].to_numpy(dtype=float)

    treated, control = [team], comparison_teams
    return {
        "comparison_teams": control,
        "release_frequency": _safe(
            stats.did_ratio, *(release_counts(g, p) for g in (treated, control) for p in ("after", "before"))
        ),
        "timeline_accuracy": _safe(
            stats.did_proportion, *(on_time(g, p) for g in (treated, control) for p in ("after", "before"))
        ),
        "dependency_wait": _safe(
            stats.did_median,
            *(waits(g, p) for g in (treated, control) for p in ("after", "before")),
            n_boot=settings.bootstrap_samples,
            seed=settings.seed,
        ),
    }


def _safe(function, *args, **kwargs) -> dict:
    """A DiD that cannot be computed (e.g. an empty side) is reported as all None, not raised."""
    try:
        return function(*args, **kwargs).as_dict()
    except (ValueError, ZeroDivisionError):
        return {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None}


# ---- event study and placebo: each team's whole history -------------------------------------


class TeamHistory:
    """One team's release days, commitments and waits over the data's whole span, as arrays
    sorted by day, so any window is two binary searches away."""

    def __init__(self, data: MetricData, team: str, tolerance_days: int):
        def by_day(table: str, day_column: str, value_column: str | None = None):
            # numpy arrays, not Python dates or frames: a report builds one history per team.
            rows = data.rows(table, team, "all")
            days = rows[day_column].to_numpy(dtype="datetime64[D]")
            order = np.argsort(days, kind="stable")
            values = rows[value_column].to_numpy(dtype=float)[order] if value_column else None
            return days[order], values

        self.span = data.span
        self.release_days, _ = by_day("release_days", "release_day")
        self.commitment_days, slips = by_day("commitments", "resolved_day", "slip_days")
        self.on_time = slips <= tolerance_days
        self.on_time_before = np.concatenate([[0], np.cumsum(self.on_time)])
        self.wait_days_of, self.waits = by_day("waits", "resolved_day", "wait_days")

    def window(self, start: dt.date, end: dt.date) -> dict:
        """Counts and samples for items and releases on days in [start, end)."""
        start, end = np.datetime64(start, "D"), np.datetime64(end, "D")

        def bounds(days):
            return np.searchsorted(days, start, "left"), np.searchsorted(days, end, "left")

        c_lo, c_hi = bounds(self.commitment_days)
        w_lo, w_hi = bounds(self.wait_days_of)
        r_lo, r_hi = bounds(self.release_days)
        return {
            "release_days": int(r_hi - r_lo),
            "on_time": int(self.on_time_before[c_hi] - self.on_time_before[c_lo]),
            "commitments": int(c_hi - c_lo),
            "waits": self.waits[w_lo:w_hi],
        }


def history_windows(teams: list[str], span) -> list[Window]:
    """One window per team over the data's whole span, labelled "all"."""
    first_day, last_day = span
    return (
        [] if first_day is None else [Window(team, "all", first_day, last_day + dt.timedelta(days=1)) for team in teams]
    )


def team_histories(data: MetricData, teams: list[str], settings: Settings) -> dict[str, TeamHistory]:
    """Each team's history from metric rows that include its "all" window (history_windows)."""
    return {team: TeamHistory(data, team, settings.tolerance_days) for team in teams}


def histories(con, settings: Settings) -> tuple[dict[str, TeamHistory], dict[str, dt.date | None]]:
    """Every team's whole history from one pass of the metric queries."""
    team_anchors = anchors(teams_table(con), settings)
    data = compute(
        con, settings, windows=history_windows(list(team_anchors), data_span(con, settings)), supporting=False
    )
    return team_histories(data, list(team_anchors), settings), team_anchors


def event_study(history: TeamHistory, anchor: dt.date, settings: Settings) -> pd.DataFrame:
    """Each metric per 30-day period relative to `anchor` (period 0 starts on the anchor).

    Columns: period, start, metric, value, n, ci_low, ci_high. Release frequency is release
    days per 30 days with an exact Poisson interval; on-time share with a Wilson interval; median
    wait with a distribution-free (order statistic) interval. Periods outside the data are left out.
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
        count = values["release_days"]
        rows.append((offset, start, "release_frequency", count, count, *_poisson_interval(count, settings.confidence)))
        share, low, high = _wilson(values["on_time"], values["commitments"], settings.confidence)
        rows.append((offset, start, "timeline_accuracy", share, values["commitments"], low, high))
        median, low, high = _median_interval(values["waits"], settings.confidence)
        rows.append((offset, start, "dependency_wait", median, len(values["waits"]), low, high))
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
    effects = {metric: [] for metric in observed}
    for day in (candidates[i] for i in sorted(picks)):
        sides = {
            "before": history.window(day - dt.timedelta(days=window), day),
            "after": history.window(day, day + dt.timedelta(days=window)),
        }
        for metric in observed:
            effects[metric].append(_placebo_effect(metric, sides))
    result = {"dates": len(picks), "window_days": window}
    for metric, estimate in observed.items():
        distances = np.array([_distance(metric, e) for e in effects[metric] if e is not None and np.isfinite(e)])
        real = _distance(metric, estimate) if estimate is not None else None
        result[metric] = (
            None
            if real is None or not len(distances)
            else {"share_as_large": round(float((distances >= real).mean()), 4), "placebo_effects": len(distances)}
        )
    return result


def _placebo_effect(metric: str, sides: dict) -> float | None:
    before, after = sides["before"], sides["after"]
    if metric == "release_frequency":
        return after["release_days"] / before["release_days"] if before["release_days"] else None
    if metric == "timeline_accuracy":
        if not (before["commitments"] and after["commitments"]):
            return None
        return after["on_time"] / after["commitments"] - before["on_time"] / before["commitments"]
    if not (len(before["waits"]) and len(after["waits"])):
        return None
    return float(np.median(after["waits"]) - np.median(before["waits"]))


def _distance(metric: str, estimate: float) -> float:
    """How far an effect is from no change: |log ratio| for rates, |difference| otherwise."""
    if metric == "release_frequency":
        return abs(np.log(estimate)) if estimate > 0 else np.inf
    return abs(estimate)


def _poisson_interval(count: int, confidence: float) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count, as R's poisson.test(count)$conf.int."""
    alpha = 1 - confidence
    low = scipy_stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count else 0.0
    high = scipy_stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return float(low), float(high)


def _wilson(successes: int, n: int, confidence: float) -> tuple[float, float, float]:
    if n == 0:
        return np.nan, np.nan, np.nan
    z = scipy_stats.norm.ppf(1 - (1 - confidence) / 2)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return share, centre - half, centre + half


def _median_interval(values: np.ndarray, confidence: float) -> tuple[float, float, float]:
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
