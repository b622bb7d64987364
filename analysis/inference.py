"""One test per metric, on the right unit: the decision behind every verdict (SPEC "Honest comparison").

Delivery data is not a stream of independent events: releases come in sprints, items resolved in
the same month share their month's luck, and whole organisations drift. So each metric is
measured per *bin* of its window (14-day bins for releases, calendar months for items), and the
bins are the units of inference:

- ``RATE`` (release days over exposure days): the estimate is a rate ratio, on the log scale; a
  side's variance is the bins' empirical (cluster) variance of the count, never below the
  Poisson variance (so no interval is narrower than the independent-events one).
- ``SHARE`` (on time out of commitments): a difference in shares;
- ``LOG_MEAN`` (the log of each wait): a ratio of geometric means.

For items, a window's level weighs each month by its precision (random-effects weights, the
variance between months beyond chance estimated once per decision over every team and window,
DerSimonian-Laird): with months that differ only by chance every item counts the same, and when
months differ a lot a busy month does not drown the others.

A window's variance is the month-cluster sandwich (CR2) with each calendar bin one cluster across
the teams compared, so a month that is good or bad for the whole organisation cancels; it is
never below the independent-events variance (binomial, sample or Poisson). Its degrees of freedom
are the effective number of bins less one (Bell-McCaffrey-style); a contrast of the two windows
takes the Welch-Satterthwaite degrees of freedom, and its interval and p-value come from that t
distribution (the small-cluster correction: windows hold 6-13 bins, far under 30). In a
difference-in-differences the contrast's dispersion (its cluster variance over its
independent-events variance) is first moderated towards the teams' own, then floored at 1
(empirical Bayes, as limma's squeezeVar; see "dispersion" below).

The three bases, all through :func:`decide`:

- ``did``: the team's change minus the comparison teams' change (each comparison team's own change,
  weighted by its share of their events), measured in the team's own calendar windows;
- ``its``: no comparison teams: a segmented regression through the team's bins over up to
  TREND_DAYS before the reorg and its after window's, one slope and a level shift at the anchor
  (the team's own trend as the counterfactual; quasi-Poisson log-linear for releases, so the shift
  is a rate ratio); an org-wide change cannot be ruled out;
- ``raw``: the team's after level against its before level, with the same cluster variance.

A pre-trend check tests the slope over the before window (the team's relative to the comparison
teams' for ``did``, the team's own for ``raw``); ``its`` models that slope instead of testing it.
The minimum detectable effect is the change that this standard error would detect with 80% power.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
from scipy.special import digamma, polygamma, stdtr, stdtrit

from .stats import rate_ratio_test

RATE, SHARE, LOG_MEAN = "rate", "share", "log_mean"
KINDS = (RATE, SHARE, LOG_MEAN)
RATIO_KINDS = (RATE, LOG_MEAN)  # estimates are ratios (1.0 = no change); SHARE's are differences (0.0)
RELEASE_BIN_DAYS = 14  # a sprint: releases bunch at sprint ends, so a week alternates full and empty
POWER = 0.8  # the minimum detectable effect's power
BASES = ("did", "its", "raw")
SLOPE_DAYS = 30  # pre-trend slopes are given per 30 days
TREND_DAYS = 365  # the interrupted time series' trend: at most a year of history before the reorg
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
    computed (a side without data, a window with a single bin)."""

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


# ---- teams' windows: levels, each bin's influence, and the independent-events variance ----------
# Arrays are teams x bins: the teams compared share their windows, so their bins line up.


@dataclass(frozen=True)
class _Cells:
    level: np.ndarray  # per team, on the test's scale: log rate, share, mean log
    influence: np.ndarray  # each bin's part of the level's error (a team's sum to zero)
    working: np.ndarray  # each bin's part of the level's variance if events were independent
    bin_level: np.ndarray  # each bin's own level (relative to the window's rate for RATE); nan without data
    bin_variance: np.ndarray  # that bin level's variance
    n: np.ndarray  # release days or items per team
    valid: np.ndarray  # whether a team has a level (a release, an item, two waits)


def _stack(windows: list[Bins]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    size = np.array([b.size for b in windows], dtype=float)
    total = np.array([b.total for b in windows], dtype=float)
    squares = np.array([b.total_sq for b in windows], dtype=float) if windows[0].kind == LOG_MEAN else None
    return size, total, squares


def _unit_variances(kind: str, size: np.ndarray, total: np.ndarray, squares: np.ndarray | None) -> np.ndarray:
    """Per team, one item's variance around the window's level: binomial for SHARE (smoothed so
    that 0% and 100% keep some), the sample variance of the logs for LOG_MEAN."""
    n, s = size.sum(axis=1), total.sum(axis=1)
    if kind == SHARE:
        smoothed = (s + 1) / (n + 2)
        return smoothed * (1 - smoothed)
    with np.errstate(divide="ignore", invalid="ignore"):
        sample = np.maximum(squares.sum(axis=1) - s * s / n, 0.0) / (n - 1)
    return np.maximum(np.nan_to_num(sample), 1e-12)


def _unit_variance(bins: Bins) -> float:
    return float(_unit_variances(bins.kind, *_stack([bins]))[0])


def _month_variance(kind: str, groups: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> float:
    """The variance between months beyond chance, pooled over every team-window given
    (DerSimonian-Laird's moment estimator, at least 0); 0 for RATE, whose bins are equal."""
    if kind == RATE:
        return 0.0
    excess, df, scale = 0.0, 0.0, 0.0
    for size, total, squares in groups:
        used = size > 0
        counted = used.sum(axis=1)
        keep = (counted >= 2) & (size.sum(axis=1) >= 2)
        if not keep.any():
            continue
        size, total, used = size[keep], total[keep], used[keep]
        unit = _unit_variances(kind, size, total, None if squares is None else squares[keep])
        weight = np.where(used, size / unit[:, None], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.where(used, total / size, 0.0)
        centre = np.sum(weight * level, axis=1) / weight.sum(axis=1)
        excess += float(np.sum(weight * (level - centre[:, None]) ** 2))
        df += float(np.sum(counted[keep] - 1))
        scale += float(np.sum(weight.sum(axis=1) - np.sum(weight**2, axis=1) / weight.sum(axis=1)))
    return max((excess - df) / scale, 0.0) if scale > 0 else 0.0


def _cells(kind: str, size: np.ndarray, total: np.ndarray, squares: np.ndarray | None, month_variance: float) -> _Cells:
    """Each team's window level with what the cluster variance needs.

    Months are weighted by their precision, 1 / (the items' variance / items + month_variance)
    (random-effects weights): with no month-to-month variance beyond chance every item counts
    the same; when months differ a lot, a busy month says little more than a quiet one."""
    n, s = size.sum(axis=1), total.sum(axis=1)
    valid = n > 0
    if kind == RATE:
        valid &= s > 0
    elif kind == LOG_MEAN:
        valid &= n >= 2
    n_safe, s_safe = np.where(valid, n, 1.0), np.where(valid, s, 1.0)
    used = size > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        bin_mean = np.where(used, total / size, np.nan)
        chance_per_item = np.where(used, 1.0 / size, np.nan)
    if kind == RATE:
        # d log(rate) = d count / count: a bin's influence is its surplus over the mean rate.
        mean = s_safe / n_safe
        influence = (total - mean[:, None] * size) / s_safe[:, None]
        working = mean[:, None] * size / s_safe[:, None] ** 2  # Poisson: a count's variance is its mean
        # Relative rates, each with variance 1 / (rate x days).
        bin_level, bin_variance = bin_mean / mean[:, None], chance_per_item / mean[:, None]
        return _Cells(np.log(mean), influence, working, bin_level, bin_variance, s, valid)
    unit = np.where(valid, _unit_variances(kind, size, total, squares), 1.0)
    weight = np.where(used, size / (1 + size * month_variance / unit[:, None]), 0.0)
    total_weight = np.where(valid, weight.sum(axis=1), 1.0)
    level = np.sum(weight * np.nan_to_num(bin_mean), axis=1) / total_weight
    influence = weight * np.nan_to_num(bin_mean - level[:, None]) / total_weight[:, None]
    chance = unit[:, None] * chance_per_item  # a month's level's variance by chance alone
    working = np.nan_to_num(weight**2 * chance) / total_weight[:, None] ** 2
    return _Cells(level, influence, working, bin_mean, chance + month_variance, n, valid)


@dataclass(frozen=True)
class _Part:
    """One window's variance estimates: the cluster one with its degrees of freedom, and the
    independent-events one with its own (inf for Poisson: that variance is known)."""

    cluster: float
    cluster_df: float
    independent: float
    independent_df: float


def _sandwich(influence: np.ndarray, working: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of bins: the cluster (CR2) variance, its degrees of freedom and the
    independent-events variance; the first two nan where they cannot be estimated (a single bin
    with data, or one bin holding everything).

    Each cluster's residual is scaled by 1/(1 - h), h its share of the independent-events
    variance (CR2, the bias-reduced sandwich; B/(B-1) for equal bins), and the degrees of freedom
    are the effective number of bins less one (Bell-McCaffrey-style; B - 1 for equal bins)."""
    independent = working.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(working > 0, working / independent[:, None], 0.0)
        cluster = np.sum(np.where(working > 0, influence**2 / (1 - leverage), 0.0), axis=1)
        df = np.maximum(1.0 / np.sum(leverage**2, axis=1) - 1, 1.0)
    estimable = (np.count_nonzero(working > 0, axis=1) >= 2) & (leverage.max(axis=1, initial=0.0) < 1)
    return np.where(estimable, cluster, np.nan), np.where(estimable, df, np.nan), independent


def _window_variance(cells: _Cells, weights: np.ndarray, rate: bool) -> _Part | None:
    """The variance of sum(weight x level) over one window, as a _Part; None when it cannot be
    estimated (`_sandwich`).

    The teams' bins cover the same calendar days, so a bin is one cluster across teams: what
    all teams share in a month (an org-wide good or bad month) cancels in a difference instead
    of adding to its variance."""
    cluster, df, independent = (
        float(x[0]) for x in _sandwich((weights @ cells.influence)[None], ((weights**2) @ cells.working)[None])
    )
    if not np.isfinite(cluster):
        return None
    # A Poisson variance is known; a sample variance rests on the items.
    independent_df = np.inf if rate else max(float(cells.n.sum()) - len(cells.n), 1.0)
    return _Part(cluster, df, independent, independent_df)


def _floored(part: _Part) -> tuple[float, float]:
    """A window's variance, never below its independent-events one, and its degrees of freedom.
    When the bins vary less than independent events would, the independent variance stands, with
    Satterthwaite's degrees of freedom for it and the (smaller, but uncertain) cluster estimate
    that let it stand."""
    if part.cluster >= part.independent * (1 - 1e-9):  # equal in exact arithmetic: one item per bin
        return part.cluster, part.cluster_df
    uncertain = part.independent**2 / part.independent_df + part.cluster**2 / part.cluster_df
    return part.independent, part.independent**2 / uncertain


def _satterthwaite(variances: list[float], dfs: list[float]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of independent variance estimates."""
    denominator = sum(v * v / d for v, d in zip(variances, dfs) if np.isfinite(d))
    return np.inf if denominator == 0 else sum(variances) ** 2 / denominator


# ---- dispersion, moderated across the teams compared --------------------------------------------
# A window's bins give a contrast's dispersion (its cluster variance over its independent-events
# variance) on some 5-12 degrees of freedom: so noisy that flooring it at 1 costs much of the power
# the data has. The teams of one comparison share their calendar, sprints and ways of working, so
# the contrast's ratio is moderated towards the teams' own ratios, by empirical Bayes as limma's
# squeezeVar does (Smyth 2004): as far as the teams' ratios agree beyond their sampling noise.
# A team's own ratio also holds what all teams share in a month, which the contrast's cancels: an
# org-wide month can widen an interval, never narrow it.


@dataclass(frozen=True)
class DispersionPrior:
    """limma's fitFDist without a covariate: the teams' typical dispersion ``scale``, how much a
    ratio's own estimate is worth against it (``df``: inf when the teams' ratios differ only by
    chance, 0 with a single ratio) and the degrees of freedom of all the ratios (``pooled_df``)."""

    scale: float
    df: float
    pooled_df: float

    def moderate(self, ratio: float, df: float) -> tuple[float, float]:
        """A ratio on `df` degrees of freedom moderated towards the scale, with its degrees of
        freedom: limma's squeezeVar posterior, and eBayes's df.total (never above pooled_df)."""
        if self.df == 0:
            return ratio, df
        if np.isinf(self.df):
            return self.scale, self.pooled_df
        return (self.df * self.scale + df * ratio) / (self.df + df), min(self.df + df, self.pooled_df)


def dispersion_prior(ratios: np.ndarray, dfs: np.ndarray) -> DispersionPrior | None:
    """The prior of variance ratios with their degrees of freedom, as R's limma::fitFDist(ratios,
    dfs); None without a usable ratio. Ratios that are not finite, or whose df is not, take no part."""
    ratios, dfs = np.asarray(ratios, dtype=float), np.asarray(dfs, dtype=float)
    ok = np.isfinite(ratios) & (ratios > -1e-15) & np.isfinite(dfs) & (dfs > 1e-15)
    ratios, dfs = ratios[ok], dfs[ok]
    if len(ratios) == 0:
        return None
    pooled_df = float(dfs.sum())
    if len(ratios) == 1:
        return DispersionPrior(float(ratios[0]), 0.0, pooled_df)
    ratios = np.maximum(ratios, 0.0)
    middle = float(np.median(ratios)) or 1.0
    ratios = np.maximum(ratios, 1e-5 * middle)
    e = np.log(ratios) - digamma(dfs / 2) + np.log(dfs / 2)
    mean = float(e.mean())
    excess = float(np.sum((e - mean) ** 2) / (len(e) - 1) - np.mean(polygamma(1, dfs / 2)))
    if excess <= 0:
        return DispersionPrior(float(ratios.mean()), np.inf, pooled_df)
    df = 2 * _trigamma_inverse(excess)
    return DispersionPrior(float(np.exp(mean + digamma(df / 2) - np.log(df / 2))), df, pooled_df)


def _trigamma_inverse(x: float) -> float:
    """y with trigamma(y) = x, by limma's Newton iteration (trigammaInverse)."""
    if x > 1e7:
        return 1 / np.sqrt(x)
    if x < 1e-6:
        return 1 / x
    y = 0.5 + 1 / x
    for _ in range(50):
        trigamma = float(polygamma(1, y))
        step = trigamma * (1 - trigamma / x) / float(polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def _own_dispersions(cells: list[_Cells]) -> tuple[np.ndarray, np.ndarray]:
    """Each team's ratio of its cluster variance to its Poisson variance over both windows, with
    its Welch-Satterthwaite degrees of freedom (nan where a window cannot give one)."""
    parts = [_sandwich(c.influence, c.working) for c in cells]
    cluster = sum(p[0] for p in parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = cluster**2 / sum(p[0] ** 2 / p[1] for p in parts)
        return cluster / sum(p[2] for p in parts), df


def _moderated_variance(parts: list[_Part], prior: DispersionPrior | None) -> tuple[float, float]:
    """The contrast's variance: its independent-events variance times its dispersion ratio
    moderated towards the prior (limma's squeezeVar posterior), never below 1, so never below the
    independent-events variance; its degrees of freedom the ratio's own plus the prior's, at most
    all the teams' together (limma's eBayes), or the independent variance's own where it stands."""
    independent = sum(p.independent for p in parts)
    ratio = sum(p.cluster for p in parts) / independent
    df = _satterthwaite([p.cluster for p in parts], [p.cluster_df for p in parts])
    if prior is not None:
        ratio, df = prior.moderate(ratio, df)
    if ratio <= 1:
        return independent, _satterthwaite([p.independent for p in parts], [p.independent_df for p in parts])
    return ratio * independent, df


# ---- trends through the before bins -------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    slope: float  # per day, on the natural scale
    slope_variance: float
    df: float
    level: float  # the weighted mean level


def _line(bins: Bins, month_variance: float = 0.0) -> _Line | None:
    """Weighted least squares of each bin's level on its time (weights: exposure for RATE, the
    months' precision weights of `_cell` otherwise), the residual variance never below the
    independent-events one; None with under 3 bins with data."""
    used = bins.size > 0
    size, total, time = bins.size[used], bins.total[used], bins.time[used]
    if len(size) < 3 or (bins.kind == RATE and total.sum() <= 0):
        return None
    if bins.kind == RATE:
        weights = size
        floor = total.sum() / size.sum()  # Poisson: a bin's rate has variance rate / exposure
    else:
        floor = _unit_variance(bins)  # a month's level has variance floor / weight by chance
        weights = size / (1 + size * month_variance / floor)
    level_of_bin = total / size
    weight = weights.sum()
    centre, level = np.sum(weights * time) / weight, np.sum(weights * level_of_bin) / weight
    sxx = np.sum(weights * (time - centre) ** 2)
    if sxx <= 0:
        return None
    slope = np.sum(weights * (time - centre) * (level_of_bin - level)) / sxx
    fitted = level + slope * (time - centre)
    residual = np.sum(weights * (level_of_bin - fitted) ** 2) / (len(size) - 2)
    df = len(size) - 2.0
    if residual < floor:
        residual, df = floor, np.inf
    return _Line(slope, residual / sxx, df, level)


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
    trend: Bins | Callable[[], Bins] | None = None,
) -> Decision:
    """The decision for one team: ``team`` and each of ``comparisons`` are (before, after) bins
    over the team's own windows. Basis: ``did`` when comparison teams with data on both sides are
    given, else ``its``; pass ``basis="raw"`` for the plain before/after (a comparison team
    without others). ``trend``: the team's bins over its history before the reorg (ending where
    the before window ends), from which ``its`` estimates the trend; the before window's when
    None; a callable giving them is called only when ``its`` needs them."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if basis not in (None, *BASES):
        raise ValueError(f"unknown basis {basis!r}")
    before, after = team
    clusters = before.with_data + after.with_data
    pairs = [team] + ([] if basis == "raw" else list(comparisons))
    windows = [_stack([pair[side] for pair in pairs]) for side in (0, 1)]
    month_variance = _month_variance(kind, windows)
    cells = [_cells(kind, *window, month_variance) for window in windows]
    # Comparison teams without data on a side cannot take part; with none left, the team's own
    # trend is the counterfactual.
    usable = np.flatnonzero(cells[0].valid[1:] & cells[1].valid[1:]) + 1
    if basis != "raw":
        basis = "did" if len(usable) else "its"
    n_comparisons = len(usable) if basis == "did" else 0
    undecided = Decision(kind, basis, None, None, None, None, None, None, clusters, n_comparisons, None, None)
    if not cells[1].valid[0] or (basis != "its" and not cells[0].valid[0]):
        return undecided

    if basis == "its":
        history = trend() if callable(trend) else trend
        found = _interrupted_time_series(kind, before, after, month_variance, confidence, history)
        if found is None:
            return undecided
        shift, (variance, df), pre_trend = found
    else:
        # The team with weight 1 less each comparison team with its share of their events.
        rows = np.concatenate([[0], usable])
        events = cells[0].n[usable] + cells[1].n[usable]
        weights = np.concatenate([[1.0], -events / events.sum()])
        chosen = [_select(c, rows) for c in cells]
        shift = float(weights @ (chosen[1].level - chosen[0].level))
        parts = [_window_variance(c, weights, kind == RATE) for c in chosen]
        if any(part is None for part in parts):  # a window with a single bin: no variance estimate
            return undecided
        if basis == "did":
            variance, df = _moderated_variance(parts, dispersion_prior(*_own_dispersions(chosen)))
        else:
            floored = [_floored(part) for part in parts]
            variance = sum(v for v, _ in floored)
            df = _satterthwaite([v for v, _ in floored], [d for _, d in floored])
        pre_trend = _paired_pre_trend(chosen[0], weights, before.time, confidence)

    if not np.isfinite(variance):
        return undecided
    se = float(np.sqrt(variance))
    df = float(df)
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


def _interrupted_time_series(
    kind: str, before: Bins, after: Bins, month_variance: float, confidence: float, trend: Bins | None = None
):
    """(shift, (variance, df), pre-trend) of a segmented regression: one slope through the team's
    history before the reorg (`trend`, else the before window) and its after window, and a level
    shift at the anchor, which compares the after window with that line at the after window's own
    times. A longer history pins the slope down far better than the before window alone, and the
    counterfactual is less of an extrapolation. None without 2 bins with data on each side.

    Releases: a log-linear Poisson model of the bins' counts with their days as exposure (GLM),
    so the shift is a rate ratio and a trend can never project a rate at or below zero; its
    variance is scaled by the Pearson chi2 / df when the bins vary more than Poisson counts, never
    less (quasi-Poisson with the Poisson variance as the floor). Items: weighted least squares of
    the months' levels with their precision weights, the residual variance never below chance."""
    history = before if trend is None else trend
    if kind == RATE:
        found = _poisson_level_shift(history, after)
    else:
        found = _level_shift(history, after, month_variance)
    if found is None:
        return None
    line = _line(before, month_variance)
    pre_trend = None if line is None else _pre_trend(*_relative_slope(line, kind), line.df, confidence)
    return found[0], found[1], pre_trend


def _design(history: Bins, after: Bins) -> tuple[np.ndarray, ...] | None:
    """The bins with data of both sides: (size, total, the model matrix [1, time, after]), time in
    SLOPE_DAYS from the anchor; None without 2 such bins on a side."""
    used = [bins.size > 0 for bins in (history, after)]
    if min(int(u.sum()) for u in used) < 2:
        return None
    size = np.concatenate([bins.size[u] for bins, u in zip((history, after), used)])
    total = np.concatenate([bins.total[u] for bins, u in zip((history, after), used)])
    time = np.concatenate([bins.time[u] for bins, u in zip((history, after), used)]) / SLOPE_DAYS
    post = np.repeat([0.0, 1.0], [int(u.sum()) for u in used])
    return size, total, np.column_stack([np.ones_like(time), time, post])


def _scaled(information: np.ndarray, residual: float, df: float) -> tuple[float, float]:
    """The level shift's variance from the model's information matrix and the residual variance
    per unit weight (Pearson chi2 / df), never below chance (1); with it the t's df (inf when
    the floor holds: the variance is then known)."""
    scale = residual / df if df > 0 else np.inf
    if scale < 1:
        scale, df = 1.0, np.inf
    return float(scale * np.linalg.inv(information)[2, 2]), df


def _poisson_level_shift(history: Bins, after: Bins) -> tuple[float, tuple[float, float]] | None:
    """log(rate ratio) of the after window against the trend, and (its variance, df), from the
    quasi-Poisson GLM log E[count] = log(days) + a + b time + shift after (iteratively reweighted
    least squares, as statsmodels' GLM); None without a release on a side."""
    design = _design(history, after)
    if design is None:
        return None
    size, count, x = design
    post = x[:, 2] > 0
    if count[~post].sum() <= 0 or count[post].sum() <= 0:
        return None
    offset = np.log(size)
    mean = (count + count.sum() / size.sum() * size) / 2  # start between the counts and a flat rate
    eta = np.log(mean)
    for _ in range(100):
        working = eta - offset + (count - mean) / mean
        information = x.T @ (mean[:, None] * x)
        coefficients = np.linalg.solve(information, x.T @ (mean * working))
        updated = x @ coefficients + offset
        converged = np.max(np.abs(updated - eta)) < 1e-10
        eta, mean = updated, np.exp(updated)
        if converged:
            break
    information = x.T @ (mean[:, None] * x)
    pearson = float(np.sum((count - mean) ** 2 / mean))
    return float(coefficients[2]), _scaled(information, pearson, len(count) - 3.0)


def _level_shift(history: Bins, after: Bins, month_variance: float) -> tuple[float, tuple[float, float]] | None:
    """The after months' level less the trend line's, and (its variance, df), by weighted least
    squares of each month's level (weights: 1 / (the items' variance / items + month_variance),
    the items' variance each side's own)."""
    design = _design(history, after)
    if design is None:
        return None
    size, total, x = design
    unit = np.repeat(
        [_unit_variance(history), _unit_variance(after)],
        [int(np.count_nonzero(history.size)), int(np.count_nonzero(after.size))],
    )
    y, w = total / size, 1 / (unit / size + month_variance)
    information = x.T @ (w[:, None] * x)
    coefficients = np.linalg.solve(information, x.T @ (w * y))
    residual = float(np.sum(w * (y - x @ coefficients) ** 2))
    return float(coefficients[2]), _scaled(information, residual, len(y) - 3.0)


def _select(cells: _Cells, rows: np.ndarray) -> _Cells:
    return _Cells(*(getattr(cells, f.name)[rows] for f in fields(_Cells)))


def _paired_pre_trend(cells: _Cells, weights: np.ndarray, time: np.ndarray, confidence: float) -> PreTrend | None:
    """The slope over the before window of the team's bin levels less the comparison teams'
    weighted ones (bin by bin), weighted by each bin's inverse variance, with a residual variance
    never below that one. None with under 3 bins where every team has data."""
    with np.errstate(invalid="ignore"):
        levels = weights @ cells.bin_level
        variance = (weights**2) @ cells.bin_variance
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
