"""analysis.stats against independent values: R's documented output, published tables, hand
calculations and brute-force enumeration. Each expected value names its source."""

import doctest
import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analysis import stats
from analysis.stats import (
    Effect,
    benjamini_hochberg,
    did_median,
    did_proportion,
    did_ratio,
    median_difference,
    proportion_difference,
    rate_ratio_test,
    verdict,
)

NAN, INF = float("nan"), float("inf")
Z95 = 1.959963984540054  # qnorm(0.975)


def test_docstring_examples_run():
    assert doctest.testmod(stats).failed == 0


# Effect -----------------------------------------------------------------------------------


def test_as_dict_rounds_to_four_significant_digits_and_nulls_nonfinite():
    effect = Effect(1.971488095, 0.000012345678, INF, NAN)
    assert effect.as_dict() == {"estimate": 1.971, "ci_low": 1.235e-05, "ci_high": None, "p_value": None}


def test_effect_is_frozen():
    with pytest.raises(AttributeError):
        Effect(1, 1, 1, 1).estimate = 2


# rate_ratio_test ---------------------------------------------------------------------------


def test_rate_ratio_matches_r_poisson_test_documented_example():
    # R, ?poisson.test example: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) prints
    # "rate ratio 1.971488", "95 percent confidence interval: 0.8584264 4.2772659",
    # "p-value = 0.07967".
    effect = rate_ratio_test(11, 800, 6 + 8 + 7, 1083 + 1050 + 878)
    assert effect.estimate == pytest.approx(1.971488, abs=1e-6)
    assert effect.ci_low == pytest.approx(0.8584264, abs=1e-7)
    assert effect.ci_high == pytest.approx(4.2772659, abs=1e-7)
    assert effect.p_value == pytest.approx(0.07967, abs=5e-6)


def _r_binom_test_p_value(x, n, p):
    """R's binom.test two-sided rule written out: sum the probabilities of every outcome no
    more likely than the observed one (relative tolerance 1e-7, as R's relErr)."""
    pmf = sps.binom.pmf(np.arange(n + 1), n, p)
    return min(1.0, pmf[pmf <= pmf[x] * (1 + 1e-7)].sum())


@pytest.mark.parametrize(
    "x_a, t_a, x_b, t_b",
    [
        (11, 800, 21, 3011),
        (0, 10, 7, 30),
        (5, 90, 0, 90),
        (40, 180, 25, 180),
        (3, 1, 3, 1),
    ],
)
def test_rate_ratio_test_from_its_definition(x_a, t_a, x_b, t_b):
    # Independent derivation: the p-value by R's rule on the Binomial(n, t_a/(t_a+t_b)) pmf,
    # and each Clopper-Pearson limit solves its tail equation (P(X >= x | p_lo) = 0.025,
    # P(X <= x | p_hi) = 0.025) once mapped back from the ratio scale.
    n, p0 = x_a + x_b, t_a / (t_a + t_b)
    effect = rate_ratio_test(x_a, t_a, x_b, t_b)
    assert effect.p_value == pytest.approx(_r_binom_test_p_value(x_a, n, p0), rel=1e-9)

    def to_p(ratio):  # inverse of p / (1 - p) * t_b / t_a
        scaled = ratio * t_a / t_b
        return 1.0 if math.isinf(scaled) else scaled / (1 + scaled)

    p_lo, p_hi = to_p(effect.ci_low), to_p(effect.ci_high)
    assert p_lo == 0.0 if x_a == 0 else sps.binom.sf(x_a - 1, n, p_lo) == pytest.approx(0.025)
    assert p_hi == 1.0 if x_a == n else sps.binom.cdf(x_a, n, p_hi) == pytest.approx(0.025)


def test_rate_ratio_zero_before_gives_infinite_estimate_and_upper_limit():
    effect = rate_ratio_test(5, 90, 0, 90)
    assert effect.estimate == INF and effect.ci_high == INF
    assert 0 < effect.ci_low < INF
    # hand: n = 5, p0 = 1/2, only outcomes 0 and 5 are as unlikely as 5: 2 / 2**5
    assert effect.p_value == pytest.approx(2 / 32)


def test_rate_ratio_zero_after_gives_zero_estimate_and_lower_limit():
    effect = rate_ratio_test(0, 90, 5, 90)
    assert effect.estimate == 0.0 and effect.ci_low == 0.0
    assert effect.p_value == pytest.approx(2 / 32)  # hand, as above


def test_rate_ratio_both_zero_is_nan_with_p_one():
    effect = rate_ratio_test(0, 180, 0, 180)
    assert math.isnan(effect.estimate)
    assert (effect.ci_low, effect.ci_high, effect.p_value) == (0.0, INF, 1.0)


def test_rate_ratio_zero_exposure_is_all_nan():
    assert all(math.isnan(v) for v in vars(rate_ratio_test(0, 0, 4, 180)).values())


def test_rate_ratio_equal_rates_give_p_one():
    effect = rate_ratio_test(10, 100, 10, 100)
    assert effect.estimate == 1.0 and effect.p_value == 1.0


@pytest.mark.parametrize("args", [(-1, 10, 3, 10), (1.5, 10, 3, 10), (1, -10, 3, 10)])
def test_rate_ratio_rejects_impossible_inputs(args):
    with pytest.raises(ValueError):
        rate_ratio_test(*args)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.floats(1, 400), st.floats(1, 400))
def test_rate_ratio_swapping_sides_inverts_the_effect(x_a, x_b, t_a, t_b):
    forward, backward = rate_ratio_test(x_a, t_a, x_b, t_b), rate_ratio_test(x_b, t_b, x_a, t_a)
    assert forward.estimate == pytest.approx(1 / backward.estimate)
    assert forward.ci_low == pytest.approx(1 / backward.ci_high, rel=1e-6)
    assert forward.ci_high == pytest.approx(1 / backward.ci_low, rel=1e-6)
    assert forward.p_value == pytest.approx(backward.p_value, rel=1e-6)
    assert forward.ci_low <= forward.estimate <= forward.ci_high


# proportion_difference ---------------------------------------------------------------------


def test_proportion_difference_matches_newcombe_1998_table_ii_example_a():
    # Newcombe (1998), Stat Med 17:873-890, Table II, example (a) 56/70 - 48/80:
    # difference 0.2000, method 10 (score, no continuity correction) 0.0524 to 0.3339.
    effect = proportion_difference(56, 70, 48, 80)
    assert effect.estimate == pytest.approx(0.2)
    assert effect.ci_low == pytest.approx(0.0524, abs=5e-5)
    assert effect.ci_high == pytest.approx(0.3339, abs=5e-5)


def test_newcombe_interval_by_hand_at_the_boundaries():
    # Hand: the Wilson interval of 0/n is [0, z^2/(n + z^2)] and of n/n is [n/(n + z^2), 1].
    edge = Z95**2 / (10 + Z95**2)  # 0.27753
    both_zero = proportion_difference(0, 10, 0, 10)
    assert (both_zero.ci_low, both_zero.ci_high) == pytest.approx((-edge, edge))
    # 10/10 - 0/10: L = 1 - sqrt(edge^2 + edge^2), U = 1
    extreme = proportion_difference(10, 10, 0, 10)
    assert extreme.ci_low == pytest.approx(1 - math.sqrt(2) * edge)  # 0.6075
    assert extreme.ci_high == pytest.approx(1.0)


@pytest.mark.parametrize(
    "s_a, n_a, s_b, n_b",
    [
        (9, 10, 3, 10),
        (6, 7, 2, 7),
        (5, 56, 0, 29),
        (0, 10, 0, 20),
        (33, 40, 12, 41),
        (1, 3, 2, 2),
    ],
)
def test_newcombe_interval_matches_statsmodels_implementation(s_a, n_a, s_b, n_b):
    # Independent implementation: statsmodels' confint_proportions_2indep(method="newcomb").
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(s_a, n_a, s_b, n_b, method="newcomb", compare="diff")
    effect = proportion_difference(s_a, n_a, s_b, n_b)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((low, high), abs=1e-9)


def test_fisher_p_value_matches_r_tea_tasting():
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2)) gives p-value = 0.4857; hand: the
    # hypergeometric probabilities are 1, 16, 36, 16, 1 (/70), so p = 34/70.
    effect = proportion_difference(3, 4, 1, 4)
    assert effect.p_value == pytest.approx(34 / 70)
    assert effect.p_value == pytest.approx(0.4857, abs=5e-5)


def test_fisher_p_value_by_enumerating_the_hypergeometric():
    # Brute force for 56/70 vs 48/80: every table with the same margins, summing those no
    # more likely than the observed one.
    s_a, n_a, s_b, n_b = 56, 70, 48, 80
    total = s_a + s_b
    probs = {
        k: math.comb(n_a, k) * math.comb(n_b, total - k) / math.comb(n_a + n_b, total)
        for k in range(max(0, total - n_b), min(total, n_a) + 1)
    }
    expected = sum(p for p in probs.values() if p <= probs[s_a] * (1 + 1e-7))
    assert proportion_difference(s_a, n_a, s_b, n_b).p_value == pytest.approx(expected)


def test_proportion_difference_identical_groups():
    effect = proportion_difference(7, 20, 7, 20)
    assert effect.estimate == 0.0 and effect.p_value == 1.0
    assert effect.ci_low < 0 < effect.ci_high


@pytest.mark.parametrize("args", [(0, 0, 3, 10), (3, 10, 0, 0), (0, 0, 0, 0)])
def test_proportion_difference_empty_side_is_nan_with_p_one(args):
    effect = proportion_difference(*args)
    assert math.isnan(effect.estimate) and math.isnan(effect.ci_low)
    assert effect.p_value == 1.0


def test_proportion_difference_rejects_more_successes_than_trials():
    with pytest.raises(ValueError):
        proportion_difference(11, 10, 3, 10)


# median_difference --------------------------------------------------------------------------

WILCOX_X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
WILCOX_Y = [1.15, 0.88, 0.90, 0.74, 1.21]


def test_mann_whitney_matches_r_wilcox_test_example_by_enumeration():
    # R, ?wilcox.test: wilcox.test(x, y, alternative = "g") gives W = 35, p-value = 0.1272.
    # Brute force: all C(15, 5) = 3003 equally likely rank sets of y (no ties);
    # W = U of x = 10 * 5 - U of y, with U of y = (rank sum of y) - 5 * 6 / 2.
    ranks = sps.rankdata(WILCOX_X + WILCOX_Y)
    observed = ranks[:10].sum() - 10 * 11 / 2
    assert observed == 35
    u_values = [50 - (sum(ys) - 15) for ys in itertools.combinations(range(1, 16), 5)]
    greater = sum(u >= observed for u in u_values) / len(u_values)
    assert greater == pytest.approx(0.1272, abs=5e-5)
    effect = median_difference(WILCOX_X, WILCOX_Y)
    assert effect.p_value == pytest.approx(min(1.0, 2 * greater))  # two-sided: 0.2544
    assert effect.p_value == pytest.approx(0.2544, abs=5e-5)


def test_median_difference_estimate_by_hand():
    # sorted x: ... 1.38, 1.45 ... -> median 1.415; sorted y: 0.74, 0.88, 0.90, ... -> 0.90
    effect = median_difference(WILCOX_X, WILCOX_Y)
    assert effect.estimate == pytest.approx(1.415 - 0.90)
    assert effect.ci_low < effect.estimate < effect.ci_high


def _exact_bootstrap_median_distribution(values):
    """Every one of the n**n equally likely resamples, enumerated."""
    n = len(values)
    medians = Counter(float(np.median([values[i] for i in idx])) for idx in itertools.product(range(n), repeat=n))
    return {m: c / n**n for m, c in medians.items()}


@pytest.mark.parametrize("values", [[1.0, 2.0, 2.0, 7.0], [3.0, 1.0, 4.0, 1.0, 5.0], [2.0, 9.0]])
def test_bootstrap_median_sampler_has_the_resampling_distribution(values):
    # Brute force: the order-statistic sampler must reproduce the exact distribution of the
    # median of a resample (n**n enumeration), to within Monte Carlo error (sd < 0.0012).
    exact = _exact_bootstrap_median_distribution(values)
    draws = stats._bootstrap_medians(np.array(values), 200_000, np.random.default_rng(1))
    observed = Counter(draws.tolist())
    assert set(observed) <= set(exact)
    for median, probability in exact.items():
        assert observed[median] / draws.size == pytest.approx(probability, abs=0.006)


def test_median_bootstrap_is_reproducible_with_a_seed():
    rng = np.random.default_rng(42)
    after, before = rng.exponential(3, 300), rng.exponential(5, 250)
    first = median_difference(after, before, seed=7)
    assert median_difference(after, before, seed=7) == first
    other = median_difference(after, before, seed=8)
    assert (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)
    assert other.ci_low == pytest.approx(first.ci_low, abs=0.3)
    assert other.ci_high == pytest.approx(first.ci_high, abs=0.3)


def test_median_difference_identical_groups():
    effect = median_difference([1, 2, 3, 4], [1, 2, 3, 4])
    assert effect.estimate == 0.0 and effect.p_value == 1.0


@pytest.mark.parametrize("after, before", [([], [1, 2]), ([1, 2], []), ([], [])])
def test_median_difference_empty_side_is_all_nan(after, before):
    assert all(math.isnan(v) for v in vars(median_difference(after, before)).values())


def test_median_difference_drops_missing_values():
    assert median_difference([1, NAN, 3], [1]) == median_difference([1, 3], [1])


def test_median_difference_on_large_equal_samples_finds_no_change():
    # Same distribution on both sides: the interval should cover 0 (speed is in benchmarks/).
    rng = np.random.default_rng(0)
    after, before = rng.exponential(3, 100_000), rng.exponential(3, 100_000)
    effect = median_difference(after, before)
    assert effect.ci_low < 0 < effect.ci_high


# benjamini_hochberg -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "p, expected",
    [
        # hand (R's p.adjust "BH" rule: cumulative min from the top of p_(i) * m / i):
        ([0.01, 0.02, 0.03, 0.04, 0.05], [0.05] * 5),
        # hand, and pingouin's multicomp docs: [.5, .0075, .4, .09, .0015]
        ([0.50, 0.003, 0.32, 0.054, 0.0003], [0.5, 0.0075, 0.4, 0.09, 0.0015]),
        # hand, the step-up minimum at work: 0.02 * 3 = 0.06 is lowered to 0.021 * 3/2 = 0.0315
        ([0.02, 0.021, 0.5], [0.0315, 0.0315, 0.5]),
        # hand, NaN is not a test: m = 3, not 4
        ([0.01, NAN, 0.04, 0.03], [0.03, NAN, 0.04, 0.04]),
        ([], []),
        ([NAN, NAN], [NAN, NAN]),
    ],
)
def test_benjamini_hochberg_by_hand(p, expected):
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12)


def test_benjamini_hochberg_rejects_values_outside_zero_one():
    with pytest.raises(ValueError):
        benjamini_hochberg([0.2, 1.2])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_benjamini_hochberg_never_lowers_and_keeps_order(p):
    adjusted = benjamini_hochberg(p)
    assert np.all(adjusted >= np.array(p) - 1e-15) and np.all(adjusted <= 1)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= -1e-15)


# verdict ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "effect, n_before, n_after, higher_is_better, no_change, expected",
    [
        (Effect(2.3, 1.3, 4.4, 0.04), 7, 16, True, 1.0, "improved"),
        (Effect(2.3, 1.3, 4.4, 0.04), 7, 16, False, 1.0, "worsened"),
        (Effect(0.4, 0.2, 0.8, 0.01), 9, 9, True, 1.0, "worsened"),
        (Effect(-3.0, -5.0, -1.0, 0.01), 9, 9, False, 0.0, "improved"),
        (Effect(0.1, -0.1, 0.3, 0.3), 9, 9, True, 0.0, "no clear change"),
        (Effect(1.5, 1.0, 2.0, 0.05), 9, 9, True, 1.0, "no clear change"),  # touching is not excluding
        (Effect(2.3, 1.3, 4.4, 0.04), 2, 16, True, 1.0, "insufficient data"),
        (Effect(2.3, 1.3, 4.4, 0.04), 16, 2, True, 1.0, "insufficient data"),
        (Effect(NAN, 0.0, INF, 1.0), 9, 9, True, 1.0, "insufficient data"),
        (Effect(0.2, NAN, NAN, 1.0), 9, 9, True, 0.0, "insufficient data"),
        (Effect(INF, 2.0, INF, 0.001), 9, 9, True, 1.0, "improved"),
    ],
)
def test_verdict(effect, n_before, n_after, higher_is_better, no_change, expected):
    assert verdict(effect, n_before, n_after, 3, higher_is_better, no_change) == expected


# difference in differences ------------------------------------------------------------------


def test_did_ratio_by_hand():
    # Hand: treated 30 vs 15 releases in 180 days (ratio 2), control 20 vs 20 (ratio 1):
    # estimate 2; se = sqrt(1/30 + 1/15 + 1/20 + 1/20) = sqrt(0.2);
    # interval 2 * exp(-/+ 1.959964 * 0.447214) = 0.8325 to 4.805; p = 2 * (1 - Phi(ln 2 / se)).
    effect = did_ratio((30, 180), (15, 180), (20, 180), (20, 180))
    se = math.sqrt(0.2)
    assert effect.estimate == pytest.approx(2.0)
    assert effect.ci_low == pytest.approx(2 * math.exp(-Z95 * se))
    assert effect.ci_high == pytest.approx(2 * math.exp(Z95 * se))
    assert effect.p_value == pytest.approx(math.erfc(math.log(2) / se / math.sqrt(2)))


@pytest.mark.filterwarnings("ignore")  # a saturated fit: statsmodels warns about zero df
def test_did_ratio_matches_poisson_regression_interaction():
    # Independent: the interaction of a saturated Poisson GLM with log-exposure offsets.
    import statsmodels.api as sm

    counts, times = np.array([30, 12, 22, 17]), np.array([180, 150, 180, 170])
    after, treated = np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0])
    design = sm.add_constant(np.column_stack([after, treated, after * treated]))
    fit = sm.GLM(counts, design, family=sm.families.Poisson(), offset=np.log(times)).fit()
    effect = did_ratio(*zip(counts.tolist(), times.tolist()))
    low, high = fit.conf_int()[3]
    assert effect.estimate == pytest.approx(math.exp(fit.params[3]))
    assert (effect.ci_low, effect.ci_high) == pytest.approx((math.exp(low), math.exp(high)))
    assert effect.p_value == pytest.approx(fit.pvalues[3])


def test_did_ratio_zero_counts_and_exposures():
    zero = did_ratio((0, 180), (15, 180), (20, 180), (20, 180))
    assert zero.estimate == 0.0 and (zero.ci_low, zero.ci_high) == (0.0, INF)
    assert math.isnan(zero.p_value)
    assert math.isnan(did_ratio((0, 180), (0, 180), (20, 180), (20, 180)).estimate)
    assert math.isnan(did_ratio((3, 0), (4, 180), (20, 180), (20, 180)).estimate)


def test_did_proportion_by_hand_and_independent_mover():
    # Hand estimate: (9/10 - 3/10) - (5/10 - 5/10) = 0.6; Wald se = sqrt(.09+.21+.25+.25)/sqrt(10)
    effect = did_proportion((9, 10), (3, 10), (5, 10), (5, 10))
    assert effect.estimate == pytest.approx(0.6)
    assert effect.p_value == pytest.approx(math.erfc(0.6 / math.sqrt(0.08) / math.sqrt(2)))
    # Independent: the MOVER limits (Zou & Donner 2008) from statsmodels' Wilson intervals.
    from statsmodels.stats.proportion import proportion_confint

    (la, ua), (lb, ub), (lc, uc), (ld, ud) = (proportion_confint(s, 10, method="wilson") for s in (9, 3, 5, 5))
    pa, pb, pc, pd = 0.9, 0.3, 0.5, 0.5
    low = 0.6 - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2 + (uc - pc) ** 2 + (pd - ld) ** 2)
    high = 0.6 + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2 + (pc - lc) ** 2 + (ud - pd) ** 2)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((low, high))


def test_did_proportion_reduces_to_newcombe_against_a_huge_steady_control():
    plain = proportion_difference(56, 70, 48, 80)
    did = did_proportion((56, 70), (48, 80), (0, 10**12), (0, 10**12))
    assert (did.estimate, did.ci_low, did.ci_high) == pytest.approx(
        (plain.estimate, plain.ci_low, plain.ci_high), abs=1e-6
    )


def test_did_proportion_empty_group_is_nan():
    assert math.isnan(did_proportion((1, 2), (0, 0), (1, 2), (1, 2)).estimate)


def test_did_median_by_hand_and_against_median_difference():
    # Hand: (median 2 - median 6) - (median 5 - median 5) = -4.
    assert did_median([1, 2, 3], [5, 6, 7], [4, 5, 6], [4, 5, 6]).estimate == -4.0
    # A control whose medians cannot move (one value each) adds no noise, and the treated
    # groups are drawn first from the same seed: the interval is median_difference's.
    rng = np.random.default_rng(3)
    after, before = rng.exponential(2, 80), rng.exponential(4, 60)
    plain = median_difference(after, before, seed=5)
    did = did_median(after, before, [10.0], [10.0], seed=5)
    assert (did.estimate, did.ci_low, did.ci_high) == (plain.estimate, plain.ci_low, plain.ci_high)
    assert math.isnan(did.p_value)


def test_did_median_is_reproducible_and_handles_empty_groups():
    groups = ([1, 2, 3, 9], [5, 6, 7], [4, 5, 6], [3, 5, 8])
    assert did_median(*groups, seed=1) == did_median(*groups, seed=1)
    assert all(math.isnan(v) for v in vars(did_median([], [1], [1], [1])).values())
