"""The decision engine (analysis/inference.py) against independent values.

- bins counted by hand;
- with one wait per month, the raw decision is Welch's t-test on the log waits (R's t.test);
- the month-cluster variance of a share is statsmodels' cluster-robust OLS variance, times the
  CR2 factor B/(B-1) for equal bins; the difference-in-differences is the OLS interaction;
- a raw release comparison is never narrower than R's poisson.test;
- the interrupted time series projects like statsmodels' WLS prediction;
- the minimum detectable effect is (t(1 - alpha/2) + t(0.8)) x se, by hand;
- an org-wide month shared by every team cancels in the difference, and never narrows its interval;
- the dispersion's prior and its moderation are R's limma::fitFDist and squeezeVar, and a
  difference-in-differences takes its variance from them, its ratios counted by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as scipy_stats

from analysis import inference
from analysis.inference import LOG_MEAN, RATE, SHARE, Bins, decide, month_bins, rate_bins

D = np.timedelta64(1, "D")
ANCHOR = np.datetime64("2025-07-01")


def share(sizes, on_time, start_time: float) -> Bins:
    sizes = np.asarray(sizes, dtype=float)
    return Bins(sizes, np.asarray(on_time, dtype=float), None, start_time + 30 * np.arange(len(sizes)) + 15, SHARE)


def logs(values_per_bin, start_time: float) -> Bins:
    size = np.array([len(v) for v in values_per_bin], dtype=float)
    total = np.array([np.sum(v) for v in values_per_bin])
    squares = np.array([np.sum(np.square(v)) for v in values_per_bin])
    return Bins(size, total, squares, start_time + 30 * np.arange(len(size)) + 15, LOG_MEAN)


# ---- bins ------------------------------------------------------------------------------------


def test_rate_bins_are_fourteen_days_from_the_window_start_the_last_shorter():
    days = np.array(["2025-01-01", "2025-01-14", "2025-01-15", "2025-02-01", "2025-02-10"], dtype="datetime64[D]")
    bins = rate_bins(days, np.datetime64("2025-01-01"), np.datetime64("2025-02-10"), np.datetime64("2025-02-10"))
    # 40 days: [Jan 1, Jan 15) holds Jan 1 and Jan 14; [Jan 15, Jan 29) holds Jan 15; [Jan 29, Feb 10)
    # (12 days) holds Feb 1; Feb 10 is the end, outside.
    assert bins.size.tolist() == [14, 14, 12]
    assert bins.total.tolist() == [2, 1, 1]
    assert bins.time.tolist() == [-40 + 7, -40 + 21, -40 + 34]
    assert bins.with_data == 3 and bins.events == 4


def test_month_bins_follow_calendar_months_cut_by_the_window():
    days = np.array(["2025-01-20", "2025-01-31", "2025-02-01", "2025-03-05", "2025-03-20"], dtype="datetime64[D]")
    values = np.array([1, 0, 1, 1, 0])
    bins = month_bins(days, values, np.datetime64("2025-01-20"), np.datetime64("2025-03-10"), ANCHOR, SHARE)
    # Jan 20-31 (2 items, 1 on time), February (1, 1), Mar 1-9 (1, 1); Mar 20 is outside.
    assert bins.size.tolist() == [2, 1, 1]
    assert bins.total.tolist() == [1, 1, 1]
    # Middles: Jan 20 + 6 days, Feb 1 + 14, Mar 1 + 4.5, in days from the anchor.
    expected = [np.datetime64("2025-01-20"), np.datetime64("2025-02-01"), np.datetime64("2025-03-01")]
    lengths = [12, 28, 9]
    assert bins.time.tolist() == [(d - ANCHOR) / D + n / 2 for d, n in zip(expected, lengths)]
    waits = month_bins(days, np.log([2.0, 4, 8, 1, 1]), days[0], np.datetime64("2025-03-01"), ANCHOR, LOG_MEAN)
    assert waits.total.tolist() == pytest.approx([math.log(8), math.log(8)])
    assert waits.total_sq.tolist() == pytest.approx([math.log(2) ** 2 + math.log(4) ** 2, math.log(8) ** 2])


# ---- one team, raw -----------------------------------------------------------------------------


def test_one_wait_per_month_gives_welchs_t_test_on_the_logs_as_r():
    # R: x_before <- log(c(3.0, 5.5, 2.0, 8.0, 4.5, 6.0)); x_after <- log(c(1.5, 2.5, 1.0, 3.0, 2.2, 4.0, 1.8))
    #    t.test(x_after, x_before)  ->  t = -2.7423470665, df = 10.2913193003, p = 0.0202466919,
    #    conf.int[1] = -1.3357177403
    before = np.log([3.0, 5.5, 2.0, 8.0, 4.5, 6.0])
    after = np.log([1.5, 2.5, 1.0, 3.0, 2.2, 4.0, 1.8])
    decision = decide(LOG_MEAN, (logs([[x] for x in before], -180), logs([[x] for x in after], 0)), [], 0.95, "raw")
    assert decision.basis == "raw"
    assert decision.t_statistic == pytest.approx(-2.7423470665, rel=1e-9)
    assert decision.df == pytest.approx(10.2913193003, rel=1e-9)
    assert decision.p_value == pytest.approx(0.0202466919, rel=1e-8)
    assert math.log(decision.ci_low) == pytest.approx(-1.3357177403, rel=1e-8)
    assert decision.estimate == pytest.approx(math.exp(after.mean() - before.mean()))
    assert scipy_stats.ttest_ind(after, before, equal_var=False).pvalue == pytest.approx(decision.p_value)


def item_rows(bins_per_window):
    """Item-level rows (on_time, after, month) from per-window (sizes, on_time) lists."""
    y, after, month = [], [], []
    for window, (sizes, on_time) in enumerate(bins_per_window):
        for m, (n, k) in enumerate(zip(sizes, on_time)):
            y += [1.0] * k + [0.0] * (n - k)
            after += [window] * n
            month += [window * 100 + m] * n
    return np.array(y), np.array(after, dtype=float), np.array(month)


def test_month_clustered_share_difference_is_statsmodels_cluster_ols_with_the_cr2_factor():
    before = ([10, 10, 10, 10, 10, 10], [2, 9, 5, 3, 8, 6])
    after = ([10, 10, 10, 10, 10, 10], [9, 4, 10, 6, 9, 3])
    decision = decide(SHARE, (share(*before, -180), share(*after, 0)), [], 0.95, "raw")
    y, post, month = item_rows([before, after])
    fit = sm.OLS(y, sm.add_constant(post)).fit(cov_type="cluster", cov_kwds={"groups": month, "use_correction": False})
    assert decision.estimate == pytest.approx(fit.params[1])
    # Equal bins: CR2 scales each window's sandwich by B / (B - 1) = 6 / 5, and df = B - 1 per window.
    assert decision.standard_error == pytest.approx(math.sqrt(fit.cov_params()[1, 1] * 6 / 5))
    # Welch-Satterthwaite over the two windows, each with B - 1 = 5 df, by hand.
    windows = [6 / 5 * np.sum((np.array(k) - np.mean(k)) ** 2) / 60**2 for _, k in (before, after)]
    assert decision.df == pytest.approx(sum(windows) ** 2 / sum(v * v / 5 for v in windows))
    assert decision.n_clusters == 12


def test_share_variance_is_never_below_the_binomial_one():
    # Every month exactly at the window's share: no cluster variance at all.
    decision = decide(SHARE, (share([10] * 6, [5] * 6, -180), share([10] * 6, [7] * 6, 0)), [], 0.95, "raw")
    smoothed = [(30 + 1) / 62, (42 + 1) / 62]
    binomial = sum(p * (1 - p) / 60 for p in smoothed)
    assert decision.standard_error == pytest.approx(math.sqrt(binomial))


def test_raw_release_comparison_is_never_narrower_than_poisson_test_in_r():
    # R: poisson.test(c(9, 3), c(180, 180)) -> p = 0.1459960938, conf.int 0.7486844502 17.2280031269
    before = rate_bins(
        np.array(["2025-02-01", "2025-04-01", "2025-06-01"], dtype="datetime64[D]"), ANCHOR - 180, ANCHOR, ANCHOR
    )
    after_days = ANCHOR + np.array([3, 20, 40, 60, 80, 100, 120, 140, 160]) * D
    after = rate_bins(after_days, ANCHOR, ANCHOR + 180, ANCHOR)
    decision = decide(RATE, (before, after), [], 0.95, "raw")
    assert decision.estimate == pytest.approx(3.0)
    assert decision.p_value >= 0.1459960938 - 1e-9
    assert decision.ci_low <= 0.7486844502 + 1e-9 and decision.ci_high >= 17.2280031269 - 1e-6


# ---- against comparison teams -----------------------------------------------------------------


def test_difference_in_differences_is_the_ols_interaction_and_a_shared_month_cancels():
    team = ([10] * 6, [2, 9, 5, 3, 8, 6]), ([10] * 6, [9, 4, 10, 6, 9, 3])
    other = ([10] * 6, [5, 6, 4, 6, 5, 5]), ([10] * 6, [6, 5, 6, 4, 5, 6])
    bins = [tuple(share(*w, t0) for w, t0 in zip(pair, (-180, 0))) for pair in (team, other)]
    decision = decide(SHARE, bins[0], [bins[1]], 0.95)
    assert decision.basis == "did" and decision.n_comparisons == 1
    # The OLS interaction: (after - before) for the team less the same for the comparison team.
    expected = (41 / 60 - 33 / 60) - (32 / 60 - 31 / 60)
    assert decision.estimate == pytest.approx(expected)
    # A month that is better for everyone by the same 3 items out of 10 does not move the
    # difference (the month is one cluster across teams). It raises each team's own dispersion,
    # towards which the difference's is moderated, so it may widen the interval, never narrow it.
    lifted = [
        tuple(share(sizes, np.add(k, [0, 0, 3, 0, 0, 0]), t0) for (sizes, k), t0 in zip(pair, (-180, 0)))
        for pair in (team, other)
    ]
    moved = decide(SHARE, lifted[0], [lifted[1]], 0.95)
    assert moved.estimate == pytest.approx(decision.estimate)
    assert moved.standard_error >= decision.standard_error * (1 - 1e-9)


# R 4.2.2, limma 3.54.1 (Debian's r-bioc-limma):
#   library(limma); options(digits = 12)
#   x <- c(1.42, 0.87, 2.31, 1.10, 1.65, 3.05, 0.95); d <- c(22.4, 18.9, 24.0, 11.2, 20.5, 23.1, 16.0)
#   fitFDist(x, d)              # scale 1.48924148275, df2 22.812944379
#   squeezeVar(x, d)$var.post   # 1.45493694375 1.20866517249 1.91002690173 1.36106955626
#                               # 1.56532842745 2.27449980665 1.26694802210
#   fitFDist(c(1.02, 0.97, 1.05, 0.99), rep(24, 4))   # scale 1.0075 (their mean), df2 Inf
LIMMA_RATIOS = [1.42, 0.87, 2.31, 1.10, 1.65, 3.05, 0.95]
LIMMA_DFS = [22.4, 18.9, 24.0, 11.2, 20.5, 23.1, 16.0]
LIMMA_POSTERIOR = [
    1.45493694375,
    1.20866517249,
    1.91002690173,
    1.36106955626,
    1.56532842745,
    2.27449980665,
    1.26694802210,
]


def test_the_dispersion_prior_and_its_moderation_are_limmas_fitfdist_and_squeezevar():
    prior = inference.dispersion_prior(LIMMA_RATIOS, LIMMA_DFS)
    assert prior.scale == pytest.approx(1.48924148275, rel=1e-9)
    assert prior.df == pytest.approx(22.812944379, rel=1e-9)
    assert prior.pooled_df == pytest.approx(sum(LIMMA_DFS))
    for ratio, df, expected in zip(LIMMA_RATIOS, LIMMA_DFS, LIMMA_POSTERIOR):
        moderated, moderated_df = prior.moderate(ratio, df)
        assert moderated == pytest.approx(expected, rel=1e-9)
        assert moderated_df == pytest.approx(min(df + 22.812944379, sum(LIMMA_DFS)))
    # Ratios that differ only by chance: each is replaced by their mean, on all their df.
    alike = inference.dispersion_prior([1.02, 0.97, 1.05, 0.99], [24] * 4)
    assert alike.scale == pytest.approx(1.0075) and np.isinf(alike.df)
    assert alike.moderate(1.3, 24) == pytest.approx((1.0075, 96))
    # A single ratio is its own estimate; none gives no prior.
    assert inference.dispersion_prior([2.0], [12]).moderate(2.5, 10) == (2.5, 10)
    assert inference.dispersion_prior([np.nan], [12]) is None


def release_pair(before, after) -> tuple[Bins, Bins]:
    """Four 14-day bins a window, the before window ending where the after window starts."""
    middles = 14 * np.arange(4) + 7.0
    return (
        Bins(np.full(4, 14.0), np.array(before, dtype=float), None, middles - 56, RATE),
        Bins(np.full(4, 14.0), np.array(after, dtype=float), None, middles, RATE),
    )


def satterthwaite(parts: list[float]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of variances, each on 3 (four bins less one)."""
    return sum(parts) ** 2 / sum(p * p / 3 for p in parts)


def by_hand(teams: list[tuple[list, list]]) -> dict:
    """A release difference-in-differences of equal bins by hand: the comparison teams weighted
    by their share of release days; per window, the Poisson variance of sum(w log rate) is
    sum(w^2 / n); a team's dispersion is its bins' index of dispersion (sample variance / mean),
    whose Poisson-weighted mean over the windows is its ratio, on B - 1 df a window
    (Welch-Satterthwaite for two); the contrast's ratio is the CR2 variance of its bin
    residuals, B / (B - 1) x their sum of squares, over its Poisson variance."""
    events = np.array([np.sum(b) + np.sum(a) for b, a in teams[1:]], dtype=float)
    w = np.concatenate([[1.0], -events / events.sum()])
    own = []
    for before, after in teams:
        parts = [np.var(y, ddof=1) / np.mean(y) / np.sum(y) for y in (before, after)]
        own.append((sum(parts) / sum(1 / np.sum(y) for y in (before, after)), satterthwaite(parts)))
    cluster, poisson = [], []
    for side in (0, 1):
        y = np.array([team[side] for team in teams], dtype=float)
        residual = w @ ((y - y.mean(axis=1, keepdims=True)) / y.sum(axis=1, keepdims=True))
        cluster.append(4 / 3 * np.sum(residual**2))
        poisson.append(np.sum(w**2 / y.sum(axis=1)))
    shift = sum(w[t] * (np.log(np.mean(a)) - np.log(np.mean(b))) for t, (b, a) in enumerate(teams))
    return {
        "own": own,
        "ratio": sum(cluster) / sum(poisson),
        "df": satterthwaite(cluster),
        "poisson": sum(poisson),
        "estimate": np.exp(shift),
    }


def test_a_release_did_takes_the_poisson_variance_times_the_dispersion_moderated_across_its_teams():
    teams = [([1, 9, 0, 8], [3, 14, 2, 13]), ([6, 1, 7, 2], [7, 2, 8, 1]), ([0, 8, 1, 9], [1, 9, 0, 8])]
    hand = by_hand(teams)
    assert [r for r, _ in hand["own"]] == pytest.approx([4.911481481481482, 2.4368191721132897, 4.814814814814815])
    # R: fitFDist(c(4.911481481481482, 2.4368191721132897, 4.814814814814815),
    #             c(5.634190198947344, 5.979494277412559, 6))  ->  scale 4.0543718228032, df2 Inf
    assert [d for _, d in hand["own"]] == pytest.approx([5.634190198947344, 5.979494277412559, 6.0])
    decision = decide(RATE, release_pair(*teams[0]), [release_pair(*t) for t in teams[1:]], 0.95)
    assert decision.basis == "did" and decision.estimate == pytest.approx(hand["estimate"])
    # The three ratios differ only by chance: the contrast takes their mean, on all their df.
    assert decision.standard_error == pytest.approx(math.sqrt(4.0543718228032 * hand["poisson"]), rel=1e-9)
    assert decision.df == pytest.approx(sum(d for _, d in hand["own"]))
    # Without moderation the contrast's own ratio (2.09 on 5.5 df) would have given it.
    assert hand["ratio"] == pytest.approx(2.0899986006983395) and hand["df"] == pytest.approx(5.4632991178980745)


def test_a_release_did_never_varies_less_than_poisson_counts():
    teams = [([3, 5, 2, 6], [6, 9, 5, 8]), ([4, 4, 5, 3], [4, 6, 3, 5]), ([1, 7, 2, 6], [2, 8, 1, 5])]
    hand = by_hand(teams)
    # R: fitFDist(c(0.7034632034632035, 0.26252723311546844, 2.333333333333333),
    #             c(4.770417764395934, 5.417835266316344, 5.96954314720812))  ->  scale 0.684737885659219,
    #   df2 3.66548188294066; the contrast's ratio 0.28843 on 5.81 df moderates to 0.4417 < 1.
    assert [r for r, _ in hand["own"]] == pytest.approx([0.7034632034632035, 0.26252723311546844, 2.333333333333333])
    moderated = (3.66548188294066 * 0.684737885659219 + hand["df"] * hand["ratio"]) / (3.66548188294066 + hand["df"])
    assert moderated == pytest.approx(0.44169193193009304)
    decision = decide(RATE, release_pair(*teams[0]), [release_pair(*t) for t in teams[1:]], 0.95)
    # So the Poisson variance stands, known: normal quantiles.
    assert decision.standard_error == pytest.approx(math.sqrt(hand["poisson"]), rel=1e-9)
    assert np.isinf(decision.df)
    assert decision.ci_high / decision.estimate == pytest.approx(math.exp(1.959963985 * decision.standard_error))


def test_a_comparison_team_without_data_falls_back_to_the_teams_own_trend():
    team = (share([10] * 6, [5, 6, 5, 6, 5, 6], -180), share([10] * 6, [7, 8, 7, 8, 7, 8], 0))
    empty = (share([0] * 6, [0] * 6, -180), share([0] * 6, [0] * 6, 0))
    decision = decide(SHARE, team, [empty], 0.95)
    assert decision.basis == "its" and decision.n_comparisons == 0


def test_pre_trend_fails_when_the_team_was_already_improving_against_its_comparison():
    rising = share([20] * 6, [4, 7, 10, 13, 16, 19], -180), share([20] * 6, [19] * 6, 0)
    flat = share([20] * 6, [10, 11, 10, 9, 10, 10], -180), share([20] * 6, [10] * 6, 0)
    assert not decide(SHARE, rising, [flat], 0.95).pre_trend.passed
    assert decide(SHARE, flat, [rising], 0.95).pre_trend.passed is False  # the mirror image
    steady = share([20] * 6, [9, 10, 11, 10, 9, 11], -180), share([20] * 6, [15] * 6, 0)
    assert decide(SHARE, steady, [flat], 0.95).pre_trend.passed


# ---- the team's own trend ----------------------------------------------------------------------


def test_interrupted_time_series_is_statsmodels_segmented_wls():
    # Months far more varied than chance, rising before the reorg and level after it.
    before = share([12, 15, 9, 14, 11, 13], [2, 12, 1, 13, 3, 12], -180)
    after = share([10, 14, 12, 11, 13, 12], [9, 6, 11, 4, 12, 7], 0)
    decision = decide(SHARE, (before, after), [], 0.95)
    assert decision.basis == "its"
    # The same regression by statsmodels: level ~ 1 + time + after, weights 1 / (unit / n + tau^2),
    # each window's unit its smoothed binomial variance, tau^2 the engine's pooled month variance
    # (checked by hand in the next test).
    tau2 = inference._month_variance(SHARE, [inference._stack([before]), inference._stack([after])])
    units = [(b.total.sum() + 1) / (b.size.sum() + 2) for b in (before, after)]
    weights = np.concatenate([1 / (u * (1 - u) / b.size + tau2) for u, b in zip(units, (before, after))])
    y = np.concatenate([b.total / b.size for b in (before, after)])
    x = np.column_stack([np.ones(12), np.concatenate([before.time, after.time]), np.repeat([0.0, 1.0], 6)])
    fit = sm.WLS(y, x, weights=weights).fit()
    assert fit.scale > 1  # above chance: statsmodels' own variance is the engine's
    assert decision.estimate == pytest.approx(fit.params[2])
    assert decision.standard_error == pytest.approx(fit.bse[2])
    assert decision.df == pytest.approx(fit.df_resid)
    assert decision.p_value == pytest.approx(fit.pvalues[2])


def test_interrupted_time_series_of_releases_is_rs_quasipoisson_glm():
    # R: count <- c(1, 0, 2, 3, 4, 2, 2, 2, 1, 4, 1, 4, 0, 5, 2, 6, 1, 7, 3, 2, 8, 4, 6, 2)
    #    days <- c(rep(14, 12), 12, rep(14, 10), 12)
    #    time <- c(seq(-173, -19, by = 14), -6, seq(7, 133, by = 14), 146)
    #    post <- c(rep(0, 13), rep(1, 11))
    #    fit <- glm(count ~ time + post + offset(log(days)), family = quasipoisson)
    #    coef(fit)[3] = 0.5042716830; summary(fit)$coefficients[3, 2] = 0.5139735101;
    #    summary(fit)$dispersion = 1.1328212065 (above 1: it scales the variance); df.residual = 21
    count = np.array([1.0, 0, 2, 3, 4, 2, 2, 2, 1, 4, 1, 4, 0, 5, 2, 6, 1, 7, 3, 2, 8, 4, 6, 2])
    days = np.array([14.0] * 12 + [12] + [14] * 10 + [12])
    time = np.concatenate([np.arange(-173, -18, 14), [-6], np.arange(7, 134, 14), [146]]).astype(float)
    before = Bins(days[:13], count[:13], None, time[:13], RATE)
    after = Bins(days[13:], count[13:], None, time[13:], RATE)
    decision = decide(RATE, (before, after), [], 0.95)
    assert decision.basis == "its"
    assert math.log(decision.estimate) == pytest.approx(0.5042716830, rel=1e-8)
    assert decision.standard_error == pytest.approx(0.5139735101, rel=1e-7)
    assert decision.df == pytest.approx(21)
    assert decision.p_value == pytest.approx(2 * scipy_stats.t.sf(0.5042716830 / 0.5139735101, 21), rel=1e-6)
    # The same model by statsmodels.
    x = np.column_stack([np.ones_like(time), time, np.repeat([0.0, 1.0], [13, 11])])
    fit = sm.GLM(count, x, family=sm.families.Poisson(), offset=np.log(days)).fit(scale="X2")
    assert math.log(decision.estimate) == pytest.approx(fit.params[2], rel=1e-8)
    assert decision.standard_error == pytest.approx(fit.bse[2], rel=1e-7)


def test_the_trend_history_is_asked_for_only_when_the_teams_own_trend_decides():
    team = (share([10] * 6, [5, 6, 5, 6, 5, 6], -180), share([10] * 6, [7, 8, 7, 8, 7, 8], 0))
    other = (share([10] * 6, [5, 5, 6, 5, 5, 6], -180), share([10] * 6, [5, 6, 5, 5, 6, 5], 0))

    def never():
        raise AssertionError("the trend history was built for a difference-in-differences")

    assert decide(SHARE, team, [other], 0.95, trend=never).basis == "did"
    asked = []
    its = decide(SHARE, team, [], 0.95, trend=lambda: asked.append(1) or team[0])
    assert its.basis == "its" and asked == [1]
    assert its.estimate == pytest.approx(decide(SHARE, team, [], 0.95).estimate)


def test_release_trend_bins_varying_less_than_poisson_keep_the_poisson_variance():
    # R: count <- c(rep(2, 6), 3, 2, rep(4, 6), 5, 4); days <- rep(14, 16)
    #    time <- c(seq(-105, -7, by = 14), seq(7, 105, by = 14)); post <- rep(0:1, each = 8)
    #    fit <- glm(count ~ time + post + offset(log(days)), family = poisson)
    #    coef(fit)[3] = 0.5108533348; summary(fit)$coefficients[3, 2] = 0.5772554623;
    #    Pearson chi2 / df = 0.0388439603 (below 1: the Poisson variance stands, normal quantiles)
    count = np.array([2.0] * 6 + [3, 2] + [4] * 6 + [5, 4])
    time = np.concatenate([np.arange(-105, 0, 14), np.arange(7, 106, 14)]).astype(float)
    before = Bins(np.full(8, 14.0), count[:8], None, time[:8], RATE)
    after = Bins(np.full(8, 14.0), count[8:], None, time[8:], RATE)
    decision = decide(RATE, (before, after), [], 0.95)
    assert math.log(decision.estimate) == pytest.approx(0.5108533348, rel=1e-8)
    assert decision.standard_error == pytest.approx(0.5772554623, rel=1e-7)
    assert decision.df == math.inf
    assert decision.p_value == pytest.approx(2 * scipy_stats.norm.sf(0.5108533348 / 0.5772554623), rel=1e-6)


def test_interrupted_time_series_takes_its_trend_from_the_longer_history_when_given():
    # Release days at a steady rate for a year before the reorg, twice that after it: the before
    # window alone (6 months) leaves the slope loose; the whole history pins it down, so the same
    # shift has a smaller standard error, and the estimate is statsmodels' GLM on the history's bins.
    history_days = ANCHOR - np.arange(3, 365, 6)[::-1] * D
    after_days = ANCHOR + np.arange(1, 180, 3) * D
    history = rate_bins(history_days, ANCHOR - 364, ANCHOR, ANCHOR)
    before = rate_bins(history_days, ANCHOR - 180, ANCHOR, ANCHOR)
    after = rate_bins(after_days, ANCHOR, ANCHOR + 180, ANCHOR)
    window_only = decide(RATE, (before, after), [], 0.95)
    longer = decide(RATE, (before, after), [], 0.95, trend=history)
    assert longer.standard_error < 0.85 * window_only.standard_error
    size = np.concatenate([history.size, after.size])
    count = np.concatenate([history.total, after.total])
    x = np.column_stack(
        [np.ones_like(size), np.concatenate([history.time, after.time]), np.repeat([0.0, 1.0], [13 * 2, 13])]
    )
    assert len(history.size) == 26 and len(after.size) == 13
    fit = sm.GLM(count, x, family=sm.families.Poisson(), offset=np.log(size)).fit(scale="X2")
    assert math.log(longer.estimate) == pytest.approx(fit.params[2], rel=1e-8)
    assert longer.estimate == pytest.approx(2.0, rel=0.1)
    # The pre-trend check still reads the before window alone (SPEC: the slope over the before window).
    assert longer.pre_trend == window_only.pre_trend


def test_months_are_weighted_by_precision_with_the_month_variance_by_dersimonian_laird():
    # One window of months with very different shares and sizes. By hand (DerSimonian-Laird):
    # p = 60/120 (smoothed 61/122), unit = p(1 - p); w_i = n_i / unit; Q = sum w_i (y_i - ybar_w)^2;
    # tau^2 = (Q - (k - 1)) / (sum w - sum w^2 / sum w); the level = sum v_i y_i / sum v_i with
    # v_i = 1 / (unit / n_i + tau^2).
    sizes, on_time = np.array([40.0, 10, 30, 10, 20, 10]), np.array([36.0, 1, 6, 9, 4, 4])
    bins = share(sizes, on_time, -180)
    unit = 61 / 122 * (1 - 61 / 122)
    w = sizes / unit
    y = on_time / sizes
    q = np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2)
    tau2 = (q - 5) / (w.sum() - np.sum(w**2) / w.sum())
    assert inference._month_variance(SHARE, [inference._stack([bins])]) == pytest.approx(tau2)
    # In a decision the estimate is pooled over every window given: a flat window of six months
    # of 10/20 (the same unit variance) adds Q = 0 with 5 df and its own scale.
    flat = share([20] * 6, [10] * 6, 0)
    w_flat = np.full(6, 20 / unit)
    pooled = (q - 10) / (w.sum() - np.sum(w**2) / w.sum() + w_flat.sum() - np.sum(w_flat**2) / w_flat.sum())
    assert inference._month_variance(SHARE, [inference._stack([bins]), inference._stack([flat])]) == pytest.approx(
        pooled
    )
    v = 1 / (unit / sizes + pooled)
    expected_level = np.sum(v * y) / v.sum()
    decision = decide(SHARE, (flat, bins), [], 0.95, "raw")
    # The raw shift: this window's level less the flat window's 50% (equal months either way).
    assert decision.estimate == pytest.approx(expected_level - 0.5)
    assert expected_level != pytest.approx(60 / 120)  # not the item-weighted share


# ---- the minimum detectable effect -------------------------------------------------------------


def test_minimum_detectable_effect_by_hand():
    before = ([10] * 6, [2, 9, 5, 3, 8, 6])
    after = ([10] * 6, [9, 4, 10, 6, 9, 3])
    decision = decide(SHARE, (share(*before, -180), share(*after, 0)), [], 0.9, "raw")
    t = scipy_stats.t
    expected = (t.ppf(0.95, decision.df) + t.ppf(0.8, decision.df)) * decision.standard_error
    assert decision.mde == pytest.approx(expected)
    waits = decide(
        LOG_MEAN,
        (logs([[1.0, 2.0]] * 6, -180), logs([[1.5, 2.5, 0.5]] * 6, 0)),
        [],
        0.95,
        "raw",
    )
    factor = math.exp((t.ppf(0.975, waits.df) + t.ppf(0.8, waits.df)) * waits.standard_error)
    assert waits.mde == pytest.approx(factor)


def test_a_share_that_could_not_move_enough_has_no_detectable_change():
    decision = decide(SHARE, (share([1, 1], [0, 1], -180), share([1, 1], [1, 0], 0)), [], 0.95, "raw")
    assert decision.mde is None


def test_a_window_without_data_gives_no_estimate():
    empty = share([0] * 6, [0] * 6, 0)
    decision = decide(SHARE, (share([10] * 6, [5] * 6, -180), empty), [], 0.95, "raw")
    assert decision.estimate is None and decision.p_value is None
    with pytest.raises(ValueError):
        decide("speed", (empty, empty), [], 0.95)
    assert inference.KINDS == (RATE, SHARE, LOG_MEAN)
