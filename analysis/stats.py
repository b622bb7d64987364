"""Before/after effects, their intervals and p-values, and the plain-language verdict.

Pure functions, no I/O. One function per comparison the spec names:

- release frequency: :func:`rate_ratio_test` (exact conditional test, as R's ``poisson.test``);
- timeline accuracy: :func:`proportion_difference` (Newcombe interval, Fisher's exact test);
- dependency waits: :func:`median_difference` (bootstrap interval, Mann-Whitney U);
- across teams: :func:`benjamini_hochberg`; per team and metric: :func:`verdict`;
- against comparison teams: :func:`did_ratio`, :func:`did_proportion`, :func:`did_median`.

Comparisons return an :class:`Effect`; ``after`` always comes before ``before`` in the
arguments, and every estimate reads "after compared with before".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

__all__ = [
    "Effect",
    "rate_ratio_test",
    "proportion_difference",
    "median_difference",
    "benjamini_hochberg",
    "verdict",
    "VERDICTS",
    "did_ratio",
    "did_proportion",
    "did_median",
]

NAN = float("nan")
INF = float("inf")
VERDICTS = ("improved", "worsened", "no clear change", "insufficient data")


@dataclass(frozen=True)
class Effect:
    """An estimate with its interval and p-value; any of them may be nan (not computable).

    Examples
    --------
    >>> Effect(2.3456789, 1.0, float("inf"), float("nan")).as_dict()
    {'estimate': 2.346, 'ci_low': 1.0, 'ci_high': None, 'p_value': None}
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float

    def as_dict(self) -> dict:
        """The four numbers to 4 significant digits, with None for nan and infinity (JSON)."""

        def rounded(value: float) -> float | None:
            return float(f"{value:.4g}") if math.isfinite(value) else None

        return {name: rounded(float(getattr(self, name))) for name in ("estimate", "ci_low", "ci_high", "p_value")}


def rate_ratio_test(count_after, time_after, count_before, time_before, confidence=0.95) -> Effect:
    """Ratio of two Poisson rates (after / before) with the exact conditional test.

    Same as R's ``poisson.test(c(count_after, count_before), c(time_after, time_before))``:
    given the total n, ``count_after`` is Binomial(n, time_after / (time_after + time_before))
    when the rates are equal. The p-value is the two-sided exact binomial test (R's
    ``binom.test`` rule) and the interval is the Clopper-Pearson interval for that proportion
    mapped to the rate ratio ``p / (1 - p) * time_before / time_after``.

    Zero counts: ``count_before == 0`` gives an infinite estimate and upper limit; both zero
    give a nan estimate, the interval (0, inf) and p-value 1.0. A zero exposure time gives an
    all-nan Effect (nothing was observed). Negative inputs raise ``ValueError``.

    Examples
    --------
    >>> rate_ratio_test(11, 800, 6 + 8 + 7, 1083 + 1050 + 878).as_dict()
    {'estimate': 1.971, 'ci_low': 0.8584, 'ci_high': 4.277, 'p_value': 0.07967}
    """
    x_a, x_b = _count(count_after, "count_after"), _count(count_before, "count_before")
    _check_confidence(confidence)
    if time_after < 0 or time_before < 0:
        raise ValueError("exposure times must not be negative")
    if time_after == 0 or time_before == 0:
        return Effect(NAN, NAN, NAN, NAN)
    if x_a + x_b == 0:
        return Effect(NAN, 0.0, INF, 1.0)
    n = x_a + x_b
    test = stats.binomtest(x_a, n, time_after / (time_after + time_before))
    # Clopper-Pearson from the beta quantiles (what binomtest's proportion_ci(method="exact")
    # solves for numerically, at a hundredth of its cost: a report makes one per team).
    alpha = 1 - confidence
    low = 0.0 if x_a == 0 else float(stats.beta.ppf(alpha / 2, x_a, n - x_a + 1))
    high = 1.0 if x_a == n else float(stats.beta.ppf(1 - alpha / 2, x_a + 1, n - x_a))

    def to_ratio(q: float) -> float:
        return INF if q >= 1.0 else q / (1.0 - q) * time_before / time_after

    estimate = INF if x_b == 0 else (x_a / time_after) / (x_b / time_before)
    return Effect(estimate, to_ratio(low), to_ratio(high), float(test.pvalue))


def proportion_difference(successes_after, n_after, successes_before, n_before, confidence=0.95) -> Effect:
    """Difference of two proportions (after - before), Newcombe interval, Fisher's exact test.

    The interval is Newcombe's (1998) hybrid score interval, his method 10: built from the
    Wilson score interval of each proportion, without continuity correction. The p-value is
    Fisher's exact test, two-sided, on the 2x2 table. An empty side (n = 0) gives a nan
    estimate and interval and p-value 1.0.

    Examples
    --------
    Newcombe (1998), Table II, example (a):

    >>> proportion_difference(56, 70, 48, 80).as_dict()
    {'estimate': 0.2, 'ci_low': 0.05243, 'ci_high': 0.3339, 'p_value': 0.01252}
    """
    s_a, n_a = _count(successes_after, "successes_after"), _count(n_after, "n_after")
    s_b, n_b = _count(successes_before, "successes_before"), _count(n_before, "n_before")
    _check_confidence(confidence)
    if s_a > n_a or s_b > n_b:
        raise ValueError("successes cannot exceed the number of trials")
    if n_a == 0 or n_b == 0:
        return Effect(NAN, NAN, NAN, 1.0)
    z = _z(confidence)
    estimate, low, high = _mover([_wilson(s_a, n_a, z)], [_wilson(s_b, n_b, z)])
    p_value = stats.fisher_exact([[s_a, n_a - s_a], [s_b, n_b - s_b]]).pvalue
    return Effect(estimate, low, high, float(p_value))


def median_difference(after, before, confidence=0.95, n_boot=2000, seed=0) -> Effect:
    """Difference of medians (after - before), percentile bootstrap interval, Mann-Whitney U.

    Each group is resampled independently (``numpy.random.default_rng(seed)``, so a seed
    always gives the same interval). The p-value is the two-sided Mann-Whitney U test
    (``scipy.stats.mannwhitneyu``, ``method='auto'``: exact for small samples without ties).
    Missing values (nan) are dropped. An empty side gives an all-nan Effect: nan p-value,
    because no test was possible.

    Examples
    --------
    >>> effect = median_difference([3, 5, 8, 9, 12], [1, 2, 4, 6, 7])
    >>> effect.estimate, round(effect.p_value, 4)
    (4.0, 0.1508)
    """
    after, before = _sample(after), _sample(before)
    _check_confidence(confidence)
    if after.size == 0 or before.size == 0:
        return Effect(NAN, NAN, NAN, NAN)
    rng = np.random.default_rng(seed)
    diffs = _bootstrap_medians(after, n_boot, rng) - _bootstrap_medians(before, n_boot, rng)
    low, high = _percentiles(diffs, confidence)
    p_value = stats.mannwhitneyu(after, before, alternative="two-sided", method="auto").pvalue
    return Effect(float(np.median(after) - np.median(before)), low, high, float(p_value))


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, as R's ``p.adjust(p, method = "BH")``.

    NaNs stay NaN and do not count among the m tests.

    Examples
    --------
    >>> benjamini_hochberg([0.01, float("nan"), 0.04, 0.03]).round(4).tolist()
    [0.03, nan, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=float).ravel()
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    adjusted = np.full(p.shape, NAN)
    present = ~np.isnan(p)
    if present.any():
        adjusted[present] = multipletests(p[present], method="fdr_bh")[1]
    return adjusted


def verdict(effect: Effect, n_before, n_after, minimum_n, higher_is_better, no_change) -> str:
    """The plain verdict: "improved", "worsened", "no clear change" or "insufficient data".

    Insufficient when either side has fewer than ``minimum_n`` observations or the estimate or
    interval is nan. Improved or worsened only when the interval excludes ``no_change`` (1.0
    for ratios, 0.0 for differences); which one is decided by ``higher_is_better``.

    Examples
    --------
    >>> verdict(Effect(2.3, 1.3, 4.4, 0.04), 7, 16, 3, higher_is_better=True, no_change=1.0)
    'improved'
    """
    numbers = (effect.estimate, effect.ci_low, effect.ci_high)
    if min(n_before, n_after) < minimum_n or any(math.isnan(x) for x in numbers):
        return "insufficient data"
    if effect.ci_low > no_change:
        return "improved" if higher_is_better else "worsened"
    if effect.ci_high < no_change:
        return "worsened" if higher_is_better else "improved"
    return "no clear change"


def did_ratio(treated_after, treated_before, control_after, control_before, confidence=0.95) -> Effect:
    """Difference-in-differences for rates: the ratio of the two rate ratios (after / before).

    Each argument is a ``(count, exposure_time)`` pair. Estimate =
    (treated rate ratio) / (control rate ratio). Interval and p-value are Wald, on the log
    scale, with the delta-method standard error ``sqrt(sum(1 / count))`` (the interaction
    term of a saturated Poisson regression with log-exposure offsets). Any zero count gives
    the uninformative interval (0, inf) and a nan p-value; a zero exposure gives all nan.

    Examples
    --------
    >>> did_ratio((30, 180), (15, 180), (20, 180), (20, 180)).as_dict()
    {'estimate': 2.0, 'ci_low': 0.8325, 'ci_high': 4.805, 'p_value': 0.1212}
    """
    cells = [treated_after, treated_before, control_after, control_before]
    counts = [_count(count, "count") for count, _ in cells]
    times = [float(time) for _, time in cells]
    _check_confidence(confidence)
    if min(times) < 0:
        raise ValueError("exposure times must not be negative")
    if min(times) == 0:
        return Effect(NAN, NAN, NAN, NAN)
    rates = [count / time for count, time in zip(counts, times)]
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = float(np.float64(rates[0] * rates[3]) / (rates[1] * rates[2]))
    if min(counts) == 0:
        return Effect(estimate, 0.0, INF, NAN)
    log_estimate, se = math.log(estimate), math.sqrt(sum(1 / count for count in counts))
    z = _z(confidence)
    p_value = 2 * stats.norm.sf(abs(log_estimate) / se)
    return Effect(estimate, math.exp(log_estimate - z * se), math.exp(log_estimate + z * se), float(p_value))


def did_proportion(treated_after, treated_before, control_after, control_before, confidence=0.95) -> Effect:
    """Difference-in-differences for shares: (treated after - before) - (control after - before).

    Each argument is a ``(successes, n)`` pair. The interval is the MOVER interval of Zou and
    Donner (2008) built from the four Wilson score intervals: the same construction as
    Newcombe's method 10, which it reduces to for two groups. The p-value is the Wald z-test
    with the unpooled standard error (nan when that is 0). Any empty group gives all nan.

    Examples
    --------
    >>> round(did_proportion((9, 10), (3, 10), (5, 10), (5, 10)).estimate, 4)
    0.6
    """
    cells = [
        (_count(s, "successes"), _count(n, "n"))
        for s, n in (treated_after, treated_before, control_after, control_before)
    ]
    _check_confidence(confidence)
    if any(s > n for s, n in cells):
        raise ValueError("successes cannot exceed the number of trials")
    if any(n == 0 for _, n in cells):
        return Effect(NAN, NAN, NAN, NAN)
    z = _z(confidence)
    ta, tb, ca, cb = (_wilson(s, n, z) for s, n in cells)
    estimate, low, high = _mover([ta, cb], [tb, ca])
    se = math.sqrt(sum(s / n * (1 - s / n) / n for s, n in cells))
    p_value = 2 * stats.norm.sf(abs(estimate) / se) if se > 0 else NAN
    return Effect(estimate, low, high, float(p_value))


def did_median(
    treated_after, treated_before, control_after, control_before, confidence=0.95, n_boot=2000, seed=0
) -> Effect:
    """Difference-in-differences for medians: (treated after - before) - (control after - before).

    Each argument is a sample of raw values (wait days, say). The interval is the percentile
    bootstrap, every group resampled independently in argument order with
    ``numpy.random.default_rng(seed)``. There is no standard test here: the p-value is nan
    and the interval is the evidence. Any empty group gives all nan.

    Examples
    --------
    >>> did_median([1, 2, 3], [5, 6, 7], [4, 5, 6], [4, 5, 6]).estimate
    -4.0
    """
    groups = [_sample(group) for group in (treated_after, treated_before, control_after, control_before)]
    _check_confidence(confidence)
    if any(group.size == 0 for group in groups):
        return Effect(NAN, NAN, NAN, NAN)
    rng = np.random.default_rng(seed)
    ta, tb, ca, cb = (_bootstrap_medians(group, n_boot, rng) for group in groups)
    low, high = _percentiles((ta - tb) - (ca - cb), confidence)
    m = [np.median(group) for group in groups]
    return Effect(float((m[0] - m[1]) - (m[2] - m[3])), low, high, NAN)


# Helpers ---------------------------------------------------------------------------------


def _bootstrap_medians(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` bootstrap resamples of ``values``, without building the resamples.

    The k-th smallest of n indices drawn uniformly from 0..n-1 is floor(n * U(k)), where U(k),
    the k-th smallest of n uniforms, is Beta(k, n - k + 1); the next one is
    U(k) + (1 - U(k)) * Beta(1, n - k). So this has exactly the distribution of resampling,
    at O(n_boot) cost instead of O(n_boot * n): fast for samples of 10^5 and more.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot!r}")
    ordered = np.sort(values)
    n, k = ordered.size, (ordered.size + 1) // 2

    def value_at(u: np.ndarray) -> np.ndarray:
        return ordered[np.minimum((n * u).astype(np.intp), n - 1)]

    u_k = rng.beta(k, n - k + 1, n_boot)
    if n % 2:
        return value_at(u_k)
    return (value_at(u_k) + value_at(u_k + (1 - u_k) * rng.beta(1, n - k, n_boot))) / 2


def _wilson(successes: int, n: int, z: float) -> tuple[float, float, float]:
    """(proportion, low, high) with the Wilson score interval, no continuity correction."""
    centre = (successes + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(successes * (n - successes) / n + z * z / 4)
    return successes / n, max(0.0, centre - half), min(1.0, centre + half)


def _mover(plus, minus) -> tuple[float, float, float]:
    """MOVER interval for sum(plus) - sum(minus), from (estimate, low, high) triples."""
    estimate = sum(e for e, _, _ in plus) - sum(e for e, _, _ in minus)
    down = sum((e - lo) ** 2 for e, lo, _ in plus) + sum((hi - e) ** 2 for e, _, hi in minus)
    up = sum((hi - e) ** 2 for e, _, hi in plus) + sum((e - lo) ** 2 for e, lo, _ in minus)
    return estimate, estimate - math.sqrt(down), estimate + math.sqrt(up)


def _percentiles(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    low, high = np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def _z(confidence: float) -> float:
    return float(stats.norm.ppf((1 + confidence) / 2))


def _sample(values) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[~np.isnan(array)]


def _count(value, name: str) -> int:
    if value < 0 or value != int(value):
        raise ValueError(f"{name} must be a whole number of at least 0, got {value!r}")
    return int(value)


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
