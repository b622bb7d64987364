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

RATE, SHARE, LOG_MEAN = "rate", "share", "log_mean"
KINDS = (RATE, SHARE, LOG_MEAN)
RATIO_KINDS = (RATE, LOG_MEAN)  # estimates are ratios (1.0 = no change); SHARE's are differences (0.0)
RELEASE_BIN_DAYS = 14  # a sprint: releases bunch at sprint ends, so a week alternates full and empty
POWER = 0.8  # the minimum detectable effect's power
BASES = ("did", "its", "raw")


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

    @property
    def with_data(self) -> int:
        """Bins holding at least one item (SHARE, LOG_MEAN) or release day (RATE)."""
        raise NotImplementedError


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


def rate_bins(days: np.ndarray, start: np.datetime64, end: np.datetime64, anchor: np.datetime64) -> Bins:
    """RATE bins of RELEASE_BIN_DAYS from `start` (the last one shorter) over [start, end), from
    sorted release days (datetime64[D], one per release day)."""
    raise NotImplementedError


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
    raise NotImplementedError


def decide(
    kind: str,
    team: tuple[Bins, Bins],
    comparisons: list[tuple[Bins, Bins]],
    confidence: float,
    basis: str | None = None,
) -> Decision:
    """The decision for one team: ``team`` and each of ``comparisons`` are (before, after) bins
    over the team's own windows. Basis: ``did`` when comparisons are given, else ``its``; pass
    ``basis="raw"`` for the plain before/after (a comparison team without others)."""
    raise NotImplementedError
