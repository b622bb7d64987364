"""Event study, placebo check and difference-in-differences (analysis/comparison.py)."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analysis.comparison import TeamHistory, event_study, placebo
from analysis.metrics.dependency_wait import median_interval as _median_interval
from analysis.metrics.release_frequency import poisson_interval as _poisson_interval
from analysis.metrics.rows import MetricData
from analysis.metrics.timeline_accuracy import wilson as _wilson
from analysis.settings import Settings

ANCHOR = dt.date(2025, 7, 1)


def history(release_days=(), commitments=(), waits=(), first=dt.date(2024, 7, 1), last=dt.date(2025, 12, 31)):
    """A TeamHistory for team T from plain lists: days, (resolved_day, slip_days), (day, wait_days)."""
    data = MetricData(
        windows=[],
        span=(first, last),
        comparison_date=None,
        release_days=pd.DataFrame({"team": "T", "period": "all", "release_day": list(release_days)}),
        commitments=pd.DataFrame(
            {
                "team": "T",
                "period": "all",
                "resolved_day": [d for d, _ in commitments],
                "slip_days": [s for _, s in commitments],
            }
        ),
        waits=pd.DataFrame(
            {"team": "T", "period": "all", "resolved_day": [d for d, _ in waits], "wait_days": [w for _, w in waits]}
        ),
        wait_matrix=pd.DataFrame(),
        resolved=pd.DataFrame(),
    )
    return TeamHistory(data, "T", Settings(tolerance_days=3))


def test_poisson_interval_matches_r_poisson_test():
    # R: poisson.test(5)$conf.int -> 1.623486 11.668332; poisson.test(0)$conf.int -> 0 3.688879
    assert _poisson_interval(5, 0.95) == pytest.approx((1.623486, 11.668332), abs=1e-6)
    assert _poisson_interval(0, 0.95) == pytest.approx((0.0, 3.688879), abs=1e-6)


def test_wilson_interval_matches_textbook():
    # Wilson score interval for 8/10 at 95%: 0.4902 to 0.9433 (Newcombe 1998, Table I style; hand)
    share, low, high = _wilson(8, 10, 0.95)
    assert share == 0.8
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert all(math.isnan(v) for v in _wilson(0, 0, 0.95))


def test_median_interval_uses_order_statistics():
    # n = 10 at 95%: the classic interval is [x(2), x(9)] with coverage 1 - 2*11/1024 = 0.9785 (hand)
    values = np.arange(1.0, 11.0)
    median, low, high = _median_interval(values, 0.95)
    assert (median, low, high) == (5.5, 2.0, 9.0)
    # n = 3 is too small for 95% coverage: the interval is unbounded
    assert _median_interval(np.array([1.0, 2.0, 3.0]), 0.95)[1:] == (-np.inf, np.inf)


def test_event_study_counts_each_30_day_period_from_the_anchor():
    releases = [ANCHOR - dt.timedelta(days=1), ANCHOR, ANCHOR + dt.timedelta(days=29), ANCHOR + dt.timedelta(days=30)]
    commitments = [(ANCHOR, 0), (ANCHOR + dt.timedelta(days=5), 10), (ANCHOR - dt.timedelta(days=3), 2)]
    study = event_study(history(releases, commitments), ANCHOR, Settings())
    rows = study.set_index(["period", "metric"])
    assert rows.loc[(-1, "release_frequency"), "value"] == 1
    assert rows.loc[(0, "release_frequency"), "value"] == 2  # day 0 and day 29
    assert rows.loc[(1, "release_frequency"), "value"] == 1  # day 30 opens period 1
    assert rows.loc[(0, "timeline_accuracy"), "value"] == 0.5  # slip 0 on time, slip 10 late
    assert rows.loc[(0, "timeline_accuracy"), "n"] == 2
    assert rows.loc[(-1, "timeline_accuracy"), "value"] == 1.0
    # span 2024-07-01 .. 2025-12-31: period -6 starts 2025-01-02; period +6 (2025-12-28 ..
    # 2026-01-26) runs past the data, so it is left out
    assert sorted(study["period"].unique()) == list(range(-6, 6))


def test_placebo_counts_pretend_changes_as_large_as_the_real_one():
    # A steady weekly release before the reorg: pretend dates show ratios near 1, so a real
    # tripling is larger than all of them, and a real ratio of 1 is matched by all.
    releases = [dt.date(2024, 7, 1) + dt.timedelta(days=7 * k) for k in range(52)]
    team = history(releases)
    # 365 days before the reorg, windows of 60 days: pretend dates, R-300 (each one
    # needs 60 days before it in the data; the next would be R-420). Counted by hand.
    settings = Settings(window_days=60)
    large = placebo(team, ANCHOR, {"release_frequency": 3.0}, settings)
    assert large["dates"] == 3 and large["window_days"] == 60 and large["transition_days"] == 0
    assert large["release_frequency"] == {"share_as_large": 0.0, "placebo_effects": 3}
    none = placebo(team, ANCHOR, {"release_frequency": 1.0}, settings)
    assert none["release_frequency"]["share_as_large"] == 1.0


def test_placebo_says_why_when_the_before_period_is_too_short():
    team = history([ANCHOR], first=ANCHOR - dt.timedelta(days=359))
    result = placebo(team, ANCHOR, {"release_frequency": 2.0}, Settings())
    assert result["dates"] == 0 and "fewer than 360 days" in result["reason"]
    enough = history([ANCHOR], first=ANCHOR - dt.timedelta(days=360))
    assert placebo(enough, ANCHOR, {"release_frequency": 2.0}, Settings())["dates"] == 1
