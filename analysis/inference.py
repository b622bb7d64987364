"""One test per metric, on the right unit: the decision behind every verdict (SPEC "Honest comparison").

Delivery data is not a stream of independent events: releases come in sprints, items resolved in
the same month share their month's luck, and whole organisations drift. So each metric is
measured per *bin* of its window (14-day bins for releases, calendar months for items), and the
bins are the units of inference:

- ``RATE`` (release days over exposure days): the estimate is a rate ratio, on the log scale; a
  side's variance is the bins' empirical (cluster) variance of the count, never below the
  Poisson variance (so no interval is narrower than the independent-events one).
- ``SHARE`` (on time out of commitments): a difference in shares; the variance of a side's share
  is the month-cluster variance of a ratio estimator, never below the binomial one.
- ``LOG_MEAN`` (the log of each wait): a ratio of geometric means; the month-cluster variance of a
  mean of logs, never below the independent one.

A side's variance has (bins with data - 1) degrees of freedom; a contrast of sides takes the
Welch-Satterthwaite degrees of freedom of its parts, and its interval and p-value come from that
t distribution (the small-cluster correction: windows hold 6-13 bins, far under 30).

The three bases, all through :func:`decide`:

- ``did``: the team's change minus the comparison teams' change (each comparison team's own change,
  weighted by its share of their events), measured in the team's own calendar windows;
- ``its``: no comparison teams: the team's after level against its before trend projected forward
  (a weighted least-squares line through the before bins); an org-wide change cannot be ruled out;
- ``raw``: the team's after level against its before level, with the same cluster variance.

A pre-trend check tests the slope over the before window (the team's relative to the comparison
teams' for ``did``, the team's own for ``raw``); ``its`` models that slope instead of testing it.
The minimum detectable effect is the change that this standard error would detect with 80% power.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import stdtr, stdtrit

from .stats import rate_ratio_test

RATE, SHARE, LOG_MEAN = "rate", "share", "log_mean"
KINDS = (RATE, SHARE, LOG_MEAN)
RATIO_KINDS = (RATE, LOG_MEAN)  # estimates are ratios (1.0 = no change); SHARE's are differences (0.0)
RELEASE_BIN_DAYS = 14  # a sprint: releases bunch at sprint ends, so a week alternates full and empty
POWER = 0.8  # the minimum detectable effect's power
BASES = ("did", "its", "raw")
SLOPE_DAYS = 30  # pre-trend slopes are given per 30 days
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Bins:
    """One team's bins within one window, as arrays of equal length (bins without data included).

    ``size``: exposure days (RATE) or items (SHARE, LOG_MEAN) in the bin;
    ``total``: release days (RATE), items on time (SHARE) or the sum of the log values (LOG_MEAN);
    ``total_sq``: the sum of the squared log values (LOG_MEAN only, else None);
    ``time``: the bin's middle, in days from the team's anchor (negative before it).
    """

    size: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray | None
    time: np.ndarray
    kind: str

    @property
    def with_data(self) -> int:
        """Bins holding at least one release day (RATE) or item (SHARE, LOG_MEAN)."""
        return int(np.count_nonzero(self.total if self.kind == RATE else self.size))

    @property
    def events(self) -> float:
        """Release days (RATE) or items (SHARE, LOG_MEAN): what weighs a comparison team."""
        return float(self.total.sum() if self.kind == RATE else self.size.sum())


@dataclass(frozen=True)
class PreTrend:
    """The slope over the before window, per 30 days (relative for RATE: 0.05 = +5% a month;
    shares per 30 days for SHARE; log units for LOG_MEAN), with its interval; ``passed`` when the
    interval holds 0 at the decision's confidence. For ``did`` it is the team's slope minus the
    comparison teams'."""

    slope: float
    ci_low: float
    ci_high: float
    passed: bool


@dataclass(frozen=True)
class Decision:
    """One metric's decision for one team. ``estimate``, ``ci_low``, ``ci_high`` are on the
    metric's scale (ratios for RATIO_KINDS, differences for SHARE); None when they cannot be
    computed (a side without data, a trend projecting a rate at or below zero)."""

    kind: str
    basis: str  # did, its, raw
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    df: float | None  # the t distribution's degrees of freedom
    standard_error: float | None  # on the log scale for RATIO_KINDS
    n_clusters: int  # bins with data in the team's two windows
    n_comparisons: int  # comparison teams in the did (0 for its and raw)
    mde: float | None  # a ratio above 1 (a change by this factor either way) or a difference above 0
    pre_trend: PreTrend | None

    @property
    def t_statistic(self) -> float | None:
        """The estimate over its standard error, on the scale the test uses (log for ratios)."""
        if self.estimate is None or not self.standard_error:
            return None
        shift = np.log(self.estimate) if self.kind in RATIO_KINDS else self.estimate
        return float(shift / self.standard_error)


# ---- bins ------------------------------------------------------------------------------------


def rate_bins(days: np.ndarray, start: np.datetime64, end: np.datetime64, anchor: np.datetime64) -> Bins:
    """RATE bins of RELEASE_BIN_DAYS from `start` (the last one shorter) over [start, end), from
    sorted release days (datetime64[D], one per release day)."""
    start, end, anchor = (np.datetime64(d, "D") for d in (start, end, anchor))
    length = int((end - start) / DAY)
    offsets = np.append(np.arange(0, max(length, 0), RELEASE_BIN_DAYS), max(length, 0))
    edges = start + offsets * DAY
    counts = np.diff(np.searchsorted(days, edges, "left"))
    middle = (start - anchor) / DAY + (offsets[:-1] + offsets[1:]) / 2
    return Bins(np.diff(offsets).astype(float), counts.astype(float), None, middle, RATE)


def month_bins(
    days: np.ndarray,
    values: np.ndarray,
    start: np.datetime64,
    end: np.datetime64,
    anchor: np.datetime64,
    kind: str,
) -> Bins:
    """SHARE or LOG_MEAN bins per calendar month of [start, end), from sorted days and their
    values (booleans for SHARE: on time; log values for LOG_MEAN)."""
    start, end, anchor = (np.datetime64(d, "D") for d in (start, end, anchor))
    if end <= start:
        empty = np.zeros(0)
        return Bins(empty, empty, empty if kind == LOG_MEAN else None, empty, kind)
    months = np.arange(start.astype("datetime64[M]"), (end - DAY).astype("datetime64[M]") + 1)
    edges = np.concatenate([[start], months[1:].astype("datetime64[D]"), [end]])
    positions = np.searchsorted(days, edges, "left")
    values = np.asarray(values, dtype=float)[positions[0] : positions[-1]]
    local = positions - positions[0]

    def sums(x: np.ndarray) -> np.ndarray:
        running = np.concatenate([[0.0], np.cumsum(x)])
        return running[local[1:]] - running[local[:-1]]

    middle = (edges[:-1] - anchor) / DAY + (edges[1:] - edges[:-1]) / DAY / 2
    return Bins(
        np.diff(positions).astype(float), sums(values), sums(values**2) if kind == LOG_MEAN else None, middle, kind
    )


# ---- one team's window: its level, each bin's influence on it, and its independent variance ----


@dataclass(frozen=True)
class _Cell:
    level: float  # on the test's scale: log rate, share, mean log
    natural: float  # the rate (per day), share or mean log
    influence: np.ndarray  # each bin's part of the level's error (they sum to zero)
    working: np.ndarray  # each bin's part of the level's variance if events were independent
    bin_level: np.ndarray  # each bin's own level (relative to `natural` for RATE); nan without data
    bin_variance: np.ndarray  # that bin level's variance if events were independent


def _cell(bins: Bins) -> _Cell | None:
    """A window's level with what the cluster variance needs; None when it has no level (no
    release, no item, or a single wait)."""
    size, total = bins.size, bins.total
    n, s = size.sum(), total.sum()
    if n <= 0 or (bins.kind == RATE and s <= 0) or (bins.kind == LOG_MEAN and n < 2):
        return None
    mean = s / n
    with np.errstate(divide="ignore", invalid="ignore"):
        bin_mean = np.where(size > 0, total / size, np.nan)
    if bins.kind == RATE:
        # d log(rate) = d count / count: a bin's influence is its surplus over the mean rate.
        influence = (total - mean * size) / s
        working = mean * size / s**2  # Poisson: a count's variance is its mean
        bin_level, unit = bin_mean / mean, 1.0 / mean  # relative rates, each with variance 1 / (rate x days)
        return _Cell(np.log(mean), mean, influence, working, bin_level, unit / np.where(size > 0, size, np.nan))
    if bins.kind == SHARE:
        smoothed = (s + 1) / (n + 2)  # keeps the binomial variance above 0 at 0% and 100%
        unit = smoothed * (1 - smoothed)
    else:
        unit = max(bins.total_sq.sum() - n * mean**2, 0.0) / (n - 1)  # the items' variance
    with np.errstate(divide="ignore"):
        bin_variance = unit / np.where(size > 0, size, np.nan)
    return _Cell(mean, mean, (total - mean * size) / n, unit * size / n**2, bin_mean, bin_variance)


def _window_variance(cells: list[_Cell], weights: list[float], rate: bool) -> tuple[float, float]:
    """The variance of sum(weight x level) over one window, and its degrees of freedom.

    The teams' bins cover the same calendar days, so a bin is one cluster across teams: what
    all teams share in a month (an org-wide good or bad month) cancels in a difference instead
    of adding to its variance. Each cluster's residual is scaled by 1/(1 - h), h its share of
    the independent-events variance (CR2, the bias-reduced sandwich; B/(B-1) for equal bins), and
    the degrees of freedom are the effective number of bins less one (Bell-McCaffrey-style;
    B - 1 for equal bins). The variance is never below the independent-events one; its degrees
    of freedom stay the bins' (a known Poisson variance has infinite ones)."""
    influence = sum(w * c.influence for w, c in zip(weights, cells))
    working = sum(w * w * c.working for w, c in zip(weights, cells))
    independent = float(working.sum())
    used = working > 0
    leverage = working[used] / independent
    if used.sum() < 2 or leverage.max() >= 1:
        return np.inf, 1.0
    cluster = float(np.sum(influence[used] ** 2 / (1 - leverage)))
    df = max(1.0 / np.sum(leverage**2) - 1, 1.0)
    if cluster >= independent:
        return cluster, df
    return independent, (np.inf if rate else df)


def _satterthwaite(variances: list[float], dfs: list[float]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of independent variance estimates."""
    denominator = sum(v * v / d for v, d in zip(variances, dfs) if np.isfinite(d))
    return np.inf if denominator == 0 else sum(variances) ** 2 / denominator


# ---- trends through the before bins -------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    slope: float  # per day, on the natural scale
    slope_variance: float
    df: float
    level: float  # the weighted mean level
    centre: float  # the weighted mean time
    weight: float  # the sum of weights
    residual: float  # the residual variance per unit weight

    def at(self, time: float) -> tuple[float, float]:
        """The line's value at `time` and that value's variance."""
        value = self.level + self.slope * (time - self.centre)
        return value, self.residual / self.weight + (time - self.centre) ** 2 * self.slope_variance


def _line(bins: Bins) -> _Line | None:
    """Weighted least squares of each bin's level on its time (weights: exposure or items), the
    residual variance never below the independent-events one; None with under 3 bins with data."""
    used = bins.size > 0
    size, total, time = bins.size[used], bins.total[used], bins.time[used]
    if len(size) < 3 or (bins.kind == RATE and total.sum() <= 0):
        return None
    level_of_bin = total / size
    weight = size.sum()
    centre, level = np.sum(size * time) / weight, np.sum(size * level_of_bin) / weight
    sxx = np.sum(size * (time - centre) ** 2)
    if sxx <= 0:
        return None
    slope = np.sum(size * (time - centre) * (level_of_bin - level)) / sxx
    fitted = level + slope * (time - centre)
    residual = np.sum(size * (level_of_bin - fitted) ** 2) / (len(size) - 2)
    if bins.kind == RATE:
        floor = level  # Poisson: a bin's rate has variance rate / exposure
    elif bins.kind == SHARE:
        smoothed = (total.sum() + 1) / (weight + 2)
        floor = smoothed * (1 - smoothed)
    else:
        floor = max(bins.total_sq[used].sum() - weight * level**2, 0.0) / max(weight - 1, 1)
    df = len(size) - 2.0
    if residual < floor:
        residual, df = floor, np.inf
    return _Line(slope, residual / sxx, df, level, centre, weight, residual)


def _relative_slope(line: _Line, kind: str) -> tuple[float, float]:
    """The slope per day and its variance on the test's scale (relative to the level for RATE)."""
    if kind == RATE:
        return line.slope / line.level, line.slope_variance / line.level**2
    return line.slope, line.slope_variance


# ---- the decision -------------------------------------------------------------------------------


def decide(
    kind: str,
    team: tuple[Bins, Bins],
    comparisons: list[tuple[Bins, Bins]],
    confidence: float,
    basis: str | None = None,
) -> Decision:
    """The decision for one team: ``team`` and each of ``comparisons`` are (before, after) bins
    over the team's own windows. Basis: ``did`` when comparison teams with data on both sides are
    given, else ``its``; pass ``basis="raw"`` for the plain before/after (a comparison team
    without others)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if basis not in (None, *BASES):
        raise ValueError(f"unknown basis {basis!r}")
    before, after = team
    clusters = before.with_data + after.with_data
    cells = (_cell(before), _cell(after))
    # Comparison teams without data on a side cannot take part; with none left, the team's own
    # trend is the counterfactual.
    usable = [] if basis == "raw" else [(pair, (_cell(pair[0]), _cell(pair[1]))) for pair in comparisons]
    usable = [(pair, measured) for pair, measured in usable if None not in measured]
    if basis != "raw":
        basis = "did" if usable else "its"
    n_comparisons = len(usable) if basis == "did" else 0
    undecided = Decision(kind, basis, None, None, None, None, None, None, clusters, n_comparisons, None, None)
    if cells[1] is None or (basis != "its" and cells[0] is None):
        return undecided

    if basis == "its":
        found = _interrupted_time_series(kind, before, after, cells[1], confidence)
        if found is None:
            return undecided
        shift, parts, pre_trend = found
    else:
        # The team with weight 1 less each comparison team with its share of their events.
        events = [pair[0].events + pair[1].events for pair, _ in usable]
        weights = [1.0] + [-e / sum(events) for e in events]
        groups = [cells] + [measured for _, measured in usable]
        shift = sum(w * (g[1].level - g[0].level) for w, g in zip(weights, groups))
        parts = [_window_variance([g[side] for g in groups], weights, kind == RATE) for side in (0, 1)]
        pre_trend = _paired_pre_trend([g[0] for g in groups], weights, before.time, confidence)

    variance = sum(v for v, _ in parts)
    if not np.isfinite(variance):  # a window with a single bin: its variance cannot be estimated
        return undecided
    se = float(np.sqrt(variance))
    df = float(_satterthwaite([v for v, _ in parts], [d for _, d in parts]))
    critical = float(stdtrit(df, 1 - (1 - confidence) / 2))
    low, high = shift - critical * se, shift + critical * se
    p_value = float(2 * stdtr(df, -abs(shift) / se)) if se > 0 else (1.0 if shift == 0 else 0.0)
    detectable = (critical + float(stdtrit(df, POWER))) * se
    if kind in RATIO_KINDS:
        estimate, low, high, mde = np.exp(shift), np.exp(low), np.exp(high), np.exp(detectable)
    else:
        estimate = shift
        mde = detectable if detectable <= 1 else None  # a share cannot move more than 100 points
    if kind == RATE and basis == "raw":
        # Never narrower than the exact Poisson comparison of the same counts.
        exact = rate_ratio_test(after.total.sum(), after.size.sum(), before.total.sum(), before.size.sum(), confidence)
        low, high, p_value = min(low, exact.ci_low), max(high, exact.ci_high), max(p_value, exact.p_value)
    return Decision(
        kind,
        basis,
        _finite(estimate),
        _finite(low),
        _finite(high),
        _finite(p_value),
        df,
        se,
        clusters,
        n_comparisons,
        _finite(mde),
        pre_trend,
    )


def _interrupted_time_series(kind: str, before: Bins, after: Bins, after_cell: _Cell, confidence: float):
    """(shift, variance parts, pre-trend): the after level against the before trend projected
    to the after bins' mean time; None when no trend can be fitted."""
    line = _line(before)
    if line is None:
        return None
    time_after = np.sum(after.size * after.time) / after.size.sum()
    projected, projected_variance = line.at(time_after)
    if kind == RATE:
        if projected <= 0:
            return None
        shift, projected_variance = after_cell.level - np.log(projected), projected_variance / projected**2
    else:
        shift = after_cell.level - projected
    own = _window_variance([after_cell], [1.0], kind == RATE)
    slope, slope_variance = _relative_slope(line, kind)
    return shift, [own, (projected_variance, line.df)], _pre_trend(slope, slope_variance, line.df, confidence)


def _paired_pre_trend(cells: list[_Cell], weights: list[float], time: np.ndarray, confidence: float) -> PreTrend | None:
    """The slope over the before window of the team's bin levels less the comparison teams'
    weighted ones (bin by bin), weighted by each bin's inverse independent-events variance, with
    a residual variance never below that one. None with under 3 bins where every team has data."""
    levels = sum(w * c.bin_level for w, c in zip(weights, cells))
    variance = sum(w * w * c.bin_variance for w, c in zip(weights, cells))
    used = np.isfinite(levels) & np.isfinite(variance) & (variance > 0)
    if used.sum() < 3:
        return None
    y, x, w = levels[used], time[used], 1.0 / variance[used]
    centre = np.sum(w * x) / w.sum()
    sxx = np.sum(w * (x - centre) ** 2)
    slope = np.sum(w * (x - centre) * y) / sxx
    fitted = np.sum(w * y) / w.sum() + slope * (x - centre)
    residual = np.sum(w * (y - fitted) ** 2) / (used.sum() - 2)
    df = used.sum() - 2.0
    if residual < 1.0:
        residual, df = 1.0, np.inf
    return _pre_trend(slope, residual / sxx, df, confidence)


def _pre_trend(slope: float, variance: float, df: float, confidence: float) -> PreTrend:
    """A slope per day as a PreTrend per 30 days with its t interval."""
    slope, half = slope * SLOPE_DAYS, float(stdtrit(df, 1 - (1 - confidence) / 2)) * np.sqrt(variance) * SLOPE_DAYS
    return PreTrend(float(slope), float(slope - half), float(slope + half), bool(abs(slope) <= half))


def _finite(value) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None
