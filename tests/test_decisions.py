"""The verdict from its decision, and how the report wires the decision engine in.

analysis/inference.py computes each decision; these tests check everything around it with
Decisions made by hand or a recording stand-in for the engine: the verdict rules and their
reasons, which bins each decision is given (the team's own calendar windows, leave-one-out for
comparison teams, raw for a lone comparison team), the placebo's full-length windows, the
Benjamini-Hochberg adjustment of the decisions, the randomization rank, and the contract's keys
in JSON, text and CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from analysis import inference, metrics
from analysis.comparison import (
    MIN_RANDOMIZATION,
    Span,
    TeamHistory,
    add_decisions,
    add_randomization,
    placebo,
    placebo_days,
    randomization_rank,
    t_value,
)
from analysis.metrics.base import MetricResult, WindowValue, basis_text, decision_verdict, months_with_data
from analysis.metrics.rows import MetricData, Window
from analysis.report import add_adjusted_p_values
from analysis.report_format import CSV_COLUMNS, format_csv, format_text
from analysis.results import CONTRACT_VERSION, Report, TeamResult
from analysis.settings import Settings
from analysis.stats import Effect
from analysis.views import common

RELEASES = metrics.get("release_frequency")
ACCURACY = metrics.get("timeline_accuracy")
WAITS = metrics.get("dependency_wait")
SETTINGS = Settings()


def decision(kind=inference.RATE, basis="did", estimate=2.0, p_value=0.01, mde=1.5, trend_passed=True, **changes):
    values = {
        "kind": kind,
        "basis": basis,
        "estimate": estimate,
        "ci_low": None if estimate is None else estimate * 0.8,
        "ci_high": None if estimate is None else estimate * 1.2,
        "p_value": p_value,
        "df": 10.0,
        "standard_error": 0.2,
        "n_clusters": 12,
        "n_comparisons": 1 if basis == "did" else 0,
        "mde": mde,
        "pre_trend": inference.PreTrend(0.01, -0.02, 0.04, True)
        if trend_passed
        else inference.PreTrend(0.2, 0.1, 0.3, False),
    }
    return inference.Decision(**(values | changes))


def verdict(metric, made, n=(20, 20), months=(6, 6), settings=SETTINGS):
    found, reasons = decision_verdict(metric, made, n, months, settings)
    return found, [reason["code"] for reason in reasons]


# ---- the verdict from a decision ---------------------------------------------------------------


def test_a_clear_decision_is_improved_or_worsened_by_the_metrics_direction():
    assert verdict(RELEASES, decision(estimate=2.0)) == ("improved", [])
    assert verdict(RELEASES, decision(estimate=0.5)) == ("worsened", [])
    # Waits: a ratio below 1 is shorter waiting, which is better.
    assert verdict(WAITS, decision(kind=inference.LOG_MEAN, estimate=0.5)) == ("improved", [])
    assert verdict(WAITS, decision(kind=inference.LOG_MEAN, estimate=1.6)) == ("worsened", [])
    # Shares: a difference, compared with 0, not 1.
    assert verdict(ACCURACY, decision(kind=inference.SHARE, estimate=0.2, mde=0.1)) == ("improved", [])
    assert verdict(ACCURACY, decision(kind=inference.SHARE, estimate=-0.2, mde=0.1)) == ("worsened", [])


def test_the_verdict_is_taken_at_the_unadjusted_p_against_one_minus_confidence():
    assert verdict(RELEASES, decision(p_value=0.0499))[0] == "improved"
    assert verdict(RELEASES, decision(p_value=0.05))[0] == "no clear change"
    assert verdict(RELEASES, decision(p_value=0.05), settings=Settings(confidence=0.9))[0] == "improved"


def test_too_few_items_or_release_days_on_either_side_is_insufficient_data():
    found, reasons = decision_verdict(RELEASES, decision(), (2, 30), (6, 6), SETTINGS)
    assert found == "insufficient data" and [r["code"] for r in reasons] == ["min_sample"]
    assert reasons[0]["text"] == "2 release days before and 30 after; at least 3 are needed on each side."
    assert verdict(WAITS, decision(kind=inference.LOG_MEAN), n=(5, 4)) == ("insufficient data", ["min_sample"])
    assert verdict(WAITS, decision(kind=inference.LOG_MEAN), n=(5, 5))[0] == "worsened"


def test_too_few_months_with_data_is_insufficient_data_even_with_enough_items():
    # 5 vs 5 items, each side in a single month: the count passes, the months do not.
    found, reasons = decision_verdict(ACCURACY, decision(kind=inference.SHARE, estimate=0.3), (5, 5), (1, 2), SETTINGS)
    assert found == "insufficient data"
    assert [r["code"] for r in reasons] == ["min_months"]
    assert "1 calendar month with data before and 2 after; at least 3" in reasons[0]["text"]  # one month
    assert verdict(ACCURACY, decision(kind=inference.SHARE, estimate=0.3), months=(3, 3))[0] == "improved"
    fewer = Settings(min_months=2)
    assert (
        verdict(ACCURACY, decision(kind=inference.SHARE, estimate=0.3), months=(2, 3), settings=fewer)[0] == "improved"
    )


def test_a_decision_without_an_estimate_is_insufficient_data():
    assert verdict(RELEASES, decision(estimate=None, p_value=None, mde=None)) == ("insufficient data", ["no_estimate"])
    assert verdict(RELEASES, None) == ("insufficient data", ["no_estimate"])


def test_a_failed_pre_trend_check_gives_no_clear_change_with_its_reason():
    for basis in ("did", "raw"):
        found, reasons = decision_verdict(
            RELEASES, decision(basis=basis, trend_passed=False), (20, 20), (6, 6), SETTINGS
        )
        assert found == "no clear change" and [r["code"] for r in reasons] == ["pre_trend"]
        assert "+20% of the before rate a month" in reasons[0]["text"]  # no before rate given
        _, reasons = decision_verdict(
            RELEASES, decision(basis=basis, trend_passed=False), (20, 20), (6, 6), SETTINGS, before=1.5
        )
        # Relative slope 0.2 of a before rate of 1.5 release days per 30 days: +0.30 of them a month.
        assert "(+0.30 release days per 30 days each month)" in reasons[0]["text"]
        assert ("relative to the comparison teams" in reasons[0]["text"]) == (basis == "did")
    # its models the trend instead of testing it: a pre-trend does not stop its verdict.
    assert verdict(RELEASES, decision(basis="its", trend_passed=False)) == ("improved", ["no_comparison_teams"])


def test_without_comparison_teams_the_reason_says_an_org_wide_change_cannot_be_ruled_out():
    found, reasons = decision_verdict(RELEASES, decision(basis="its"), (20, 20), (6, 6), SETTINGS)
    assert found == "improved"
    assert reasons == [
        {
            "code": "no_comparison_teams",
            "text": "no comparison teams (with data in these windows): judged against the team's own trend "
            "before the reorg; an org-wide change cannot be ruled out.",
        }
    ]


def test_a_release_pre_trend_reads_in_release_days_per_30_days_as_a_weighted_regression_gives_it():
    # A team releasing on 3, 1, 1, 0, 0, 0 days of its 14-day bins (the last 12 days long): a
    # small rate that stopped, whose slope relative to its before rate is -141% a month, which the
    # page used to print as such.
    counts, sizes = np.array([3.0, 1, 1, 0, 0, 0]), np.array([14.0, 14, 14, 14, 14, 12])
    middles = -80 + np.cumsum(sizes) - sizes / 2
    before = inference.Bins(sizes, counts, None, middles, inference.RATE)
    after = inference.Bins(sizes, np.array([1.0, 2, 1, 2, 1, 1]), None, middles + 100, inference.RATE)
    trend = inference.decide(inference.RATE, (before, after), [], 0.95, basis="raw").pre_trend
    before_rate = counts.sum() / sizes.sum() * 30  # release days per 30 days, as the JSON's value
    # Independent value: statsmodels' WLS of each bin's release days per 30 days on its middle in
    # months of 30 days, weighted by the bin's days.
    fitted = sm.WLS(counts / sizes * 30, sm.add_constant(middles / 30), weights=sizes).fit()
    assert trend.slope * before_rate == pytest.approx(fitted.params[1], rel=1e-9)
    # statsmodels 0.15: slope -2.5795 release days per 30 days a month, of a before rate of 1.829.
    assert fitted.params[1] == pytest.approx(-2.5795, abs=1e-4) and trend.slope == pytest.approx(-1.4101, abs=1e-4)
    assert RELEASES.trend_text(trend.slope, before_rate) == "-2.58 release days per 30 days each month"
    assert RELEASES.trend_interval_text(trend.ci_low, trend.ci_high, before_rate) == (
        f"{trend.ci_low * before_rate:+.2f} to {trend.ci_high * before_rate:+.2f} release days per 30 days each month"
    )
    # Without the before rate: a percentage only within +-100%, else the direction alone.
    assert RELEASES.trend_text(-0.41, None) == "-41% of the before rate a month"
    assert RELEASES.trend_text(-1.42, None) == "down by more than the whole before rate a month"
    assert RELEASES.trend_text(1.42, None) == "up by more than the whole before rate a month"


def test_no_detectable_change_is_said_when_the_mde_is_missing():
    assert verdict(RELEASES, decision(p_value=0.6, mde=None)) == ("no clear change", ["no_detectable_change"])
    assert RELEASES.mde_text(None) == "no change could have been detected"
    assert (
        RELEASES.mde_text(2.4) == "only a change larger than 2.4 times the release rate (up or down) would have shown"
    )
    assert ACCURACY.mde_text(0.18) == (
        "only a change of more than 18 percentage points in the on-time share would have shown"
    )
    assert WAITS.mde_text(1.9) == "only waits longer or shorter by a factor of 1.9 would have shown"


def test_months_with_data_counts_distinct_calendar_months_in_the_window():
    days = np.array(["2025-01-31", "2025-02-01", "2025-02-20", "2025-04-02", "2025-05-01"], dtype="datetime64[D]")
    # [2025-01-15, 2025-05-01): January, February and April (May 1 is the end, outside).
    assert months_with_data(days, np.datetime64("2025-01-15"), np.datetime64("2025-05-01")) == 3
    assert months_with_data(days, np.datetime64("2025-03-01"), np.datetime64("2025-04-01")) == 0


# ---- which bins each decision is given -----------------------------------------------------------


class Recorded:
    """Bins that remember which history and window they came from (the engine's stand-in)."""

    def __init__(self, days, start, end):
        self.days, self.start, self.end = len(days), start, end


@pytest.fixture
def recording(monkeypatch):
    """inference.rate_bins / month_bins / decide replaced by recorders; returns the calls."""
    calls = []

    def decide(kind, team, comparisons, confidence, basis=None, trend=None):
        # As the engine: comparison teams without data take no part; with none left, its.
        trend = trend() if callable(trend) else trend  # the engine calls it only for its
        calls.append({"kind": kind, "team": team, "comparisons": comparisons, "basis": basis, "trend": trend})
        usable = [pair for pair in comparisons if pair[0].days and pair[1].days]
        return decision(kind=kind, basis=basis or ("did" if usable else "its"), n_comparisons=len(usable))

    monkeypatch.setattr(inference, "rate_bins", lambda days, start, end, anchor: Recorded(days, start, end))
    monkeypatch.setattr(
        inference, "month_bins", lambda days, values, start, end, anchor, kind: Recorded(days, start, end)
    )
    monkeypatch.setattr(inference, "decide", decide)
    return calls


# Each team's release days: a different number for each team, so the bins say whose they are.
RELEASE_COUNTS = {"A": 1, "B": 2, "C1": 3, "C2": 4, "C3": 5, "E": 0}
FIRST, LAST = dt.date(2023, 1, 1), dt.date(2026, 6, 30)


def histories(teams) -> dict[str, TeamHistory]:
    day = dt.date(2024, 6, 1)
    data = MetricData(
        windows=[],
        span=(FIRST, LAST),
        comparison_date=None,
        release_days=pd.DataFrame(
            [{"team": t, "period": "all", "release_day": day} for t in teams for _ in range(RELEASE_COUNTS[t])]
        ),
        commitments=pd.DataFrame(columns=["team", "period", "resolved_day", "slip_days"]),
        waits=pd.DataFrame(columns=["team", "period", "resolved_day", "wait_days"]),
        wait_matrix=pd.DataFrame(),
        resolved=pd.DataFrame(),
    )
    return {team: TeamHistory(data, team, SETTINGS) for team in teams}


def team_result(team, reorg, before, after) -> TeamResult:
    windows = {"before": Window(team, "before", *before), "after": Window(team, "after", *after)}
    return TeamResult(
        team=team,
        reorg_date=reorg,
        model=None,
        windows=windows,
        metrics={
            m.name: MetricResult(WindowValue(1.0, 20), WindowValue(1.0, 20), NAN_EFFECT) for m in metrics.registered()
        },
        supporting={},
    )


NAN_EFFECT = Effect(float("nan"), float("nan"), float("nan"), float("nan"))


def release_calls(calls):
    return [call for call in calls if call["kind"] == inference.RATE]


def test_comparison_teams_are_binned_in_each_reorganised_teams_own_calendar_windows(recording):
    """Two reorg dates: each team's decision takes the comparison teams' bins over its own windows."""
    found = histories(["A", "B", "C1", "C2"])
    dates = {"A": dt.date(2025, 1, 1), "B": dt.date(2025, 7, 1)}
    for team, reorg in dates.items():
        result = team_result(
            team, reorg, (reorg - dt.timedelta(days=180), reorg), (reorg, reorg + dt.timedelta(days=180))
        )
        span = Span.of(result.windows["before"], result.windows["after"], reorg)
        add_decisions(result, span, found, ["C1", "C2"], SETTINGS)
    a, b = release_calls(recording)
    for call, team in ((a, "A"), (b, "B")):
        reorg = np.datetime64(dates[team], "D")
        before, after = call["team"]
        assert before.days == after.days == RELEASE_COUNTS[team]
        assert (before.start, before.end, after.start, after.end) == (reorg - 180, reorg, reorg, reorg + 180)
        assert [pair[0].days for pair in call["comparisons"]] == [RELEASE_COUNTS["C1"], RELEASE_COUNTS["C2"]]
        for before_c, after_c in call["comparisons"]:
            assert (before_c.start, before_c.end, after_c.start, after_c.end) == (
                reorg - 180,
                reorg,
                reorg,
                reorg + 180,
            )
        assert call["basis"] is None  # did, as comparisons are given
    assert [len(c["comparisons"]) for c in recording] == [2] * 2 * len(metrics.NAMES)


def test_the_trend_bins_reach_a_year_back_from_the_first_event_on(recording):
    """The interrupted time series' trend: the team's history before the reorg, at most
    inference.TREND_DAYS (365) days back, from the day after its first event (every team's
    releases fall on 2024-06-01), never later than the before window; a raw decision takes none."""
    found = histories(["A", "B", "C2", "C1"])
    dates = {"A": dt.date(2026, 6, 1), "B": dt.date(2025, 1, 1), "C2": dt.date(2023, 3, 1)}
    for team, reorg in dates.items():
        start = max(reorg - dt.timedelta(days=180), FIRST)
        result = team_result(team, reorg, (start, reorg), (reorg, reorg + dt.timedelta(days=180)))
        add_decisions(result, Span.of(result.windows["before"], result.windows["after"], reorg), found, [], SETTINGS)
    a, b, c2 = release_calls(recording)
    # A year back from 2026-06-01 is after the first release day: the year bounds it.
    assert (a["trend"].start, a["trend"].end) == (np.datetime64("2025-06-01"), np.datetime64("2026-06-01"))
    # A year back from 2025-01-01 (2024-01-02) is before the first release day: the day after it.
    assert (b["trend"].start, b["trend"].end) == (np.datetime64("2024-06-02"), np.datetime64("2025-01-01"))
    # A reorg before the first release: the before window itself (from the data's first day).
    assert (c2["trend"].start, c2["trend"].end) == (np.datetime64(FIRST, "D"), np.datetime64("2023-03-01"))
    recording.clear()
    anchor = dt.date(2025, 1, 1)
    lone = team_result("C1", None, (anchor - dt.timedelta(days=180), anchor), (anchor, anchor + dt.timedelta(days=180)))
    add_decisions(lone, Span.of(lone.windows["before"], lone.windows["after"], anchor), found, ["C1"], SETTINGS)
    assert {call["basis"] for call in recording} == {"raw"} and all(call["trend"] is None for call in recording)


def test_a_comparison_team_is_compared_with_the_others_leaving_itself_out(recording):
    found = histories(["C1", "C2", "C3"])
    anchor = dt.date(2025, 1, 1)
    result = team_result(
        "C1", None, (anchor - dt.timedelta(days=180), anchor), (anchor, anchor + dt.timedelta(days=180))
    )
    add_decisions(
        result, Span.of(result.windows["before"], result.windows["after"], anchor), found, ["C1", "C2", "C3"], SETTINGS
    )
    (call,) = release_calls(recording)
    assert call["team"][0].days == RELEASE_COUNTS["C1"]
    assert [pair[0].days for pair in call["comparisons"]] == [RELEASE_COUNTS["C2"], RELEASE_COUNTS["C3"]]
    assert call["basis"] is None
    assert all(r["code"] != "raw_comparison" for r in result.metrics[RELEASES.name].reasons)


def test_a_lone_comparison_team_gets_its_raw_change_labelled_as_such(recording):
    found = histories(["C1"])
    anchor = dt.date(2025, 1, 1)
    result = team_result(
        "C1", None, (anchor - dt.timedelta(days=180), anchor), (anchor, anchor + dt.timedelta(days=180))
    )
    add_decisions(result, Span.of(result.windows["before"], result.windows["after"], anchor), found, ["C1"], SETTINGS)
    assert {call["basis"] for call in recording} == {"raw"}
    assert all(call["comparisons"] == [] for call in recording)
    for measured in result.metrics.values():
        assert measured.decision.basis == "raw"
        raw = [r for r in measured.reasons if r["code"] == "raw_comparison"]
        assert raw and "the raw change of C1 around the comparison date" in raw[0]["text"]
    assert common.badge_text(result.metrics[RELEASES.name].as_dict(), True, 0.95, 3)  # a valid badge


def test_a_comparison_team_whose_only_peer_has_no_data_gets_its_raw_change(recording):
    found = histories(["C1", "E"])  # E: a comparison team without a release
    anchor = dt.date(2025, 1, 1)
    result = team_result(
        "C1", None, (anchor - dt.timedelta(days=180), anchor), (anchor, anchor + dt.timedelta(days=180))
    )
    add_decisions(
        result, Span.of(result.windows["before"], result.windows["after"], anchor), found, ["C1", "E"], SETTINGS
    )
    first, second = release_calls(recording)
    assert [pair[0].days for pair in first["comparisons"]] == [0] and first["basis"] is None
    assert second["comparisons"] == [] and second["basis"] == "raw"
    release = result.metrics[RELEASES.name]
    assert release.decision.basis == "raw" and "raw_comparison" in [r["code"] for r in release.reasons]


def test_a_reorganised_team_without_comparison_teams_is_judged_against_its_own_trend(recording):
    found = histories(["A"])
    reorg = dt.date(2025, 1, 1)
    result = team_result("A", reorg, (reorg - dt.timedelta(days=180), reorg), (reorg, reorg + dt.timedelta(days=180)))
    add_decisions(result, Span.of(result.windows["before"], result.windows["after"], reorg), found, [], SETTINGS)
    for measured in result.metrics.values():
        assert measured.decision.basis == "its"
        assert "no_comparison_teams" in [r["code"] for r in measured.reasons]


def test_a_team_with_an_empty_window_gets_no_decision():
    reorg = dt.date(2025, 1, 1)
    result = team_result("A", reorg, (reorg, reorg), (reorg, reorg + dt.timedelta(days=180)))
    assert Span.of(result.windows["before"], result.windows["after"], reorg) is None
    add_decisions(result, None, histories(["A"]), [], SETTINGS)
    for measured in result.metrics.values():
        assert measured.verdict == "insufficient data" and measured.decision is None
        assert measured.as_dict()["decision"]["basis"] is None


# ---- placebo: full-length windows that do not overlap ------------------------------------------


def test_placebo_dates_have_full_windows_that_do_not_overlap_and_end_before_the_reorg():
    # 1000 days of data before the reorg; window 180, transition 30: a pretend date needs 180 days
    # before it and 210 after it (ending on the reorg at the latest), and the next one 390 days
    # earlier. Dates: R-210, R-600 (its before window starts R-780 >= R-1000); R-990 needs R-1170: no.
    first, reorg = dt.date(2022, 1, 1), dt.date(2022, 1, 1) + dt.timedelta(days=1000)
    settings = Settings(window_days=180, transition_days=30)
    days = placebo_days(first, reorg, settings)
    assert days == [reorg - dt.timedelta(days=210), reorg - dt.timedelta(days=600)]
    spans = [Span.around(day, settings) for day in days]
    for span in spans:
        assert span.before_end - span.before_start == 180 and span.after_end - span.after_start == 180
        assert span.after_start - span.before_end == 30
        assert span.after_end <= np.datetime64(reorg, "D") and span.before_start >= np.datetime64(first, "D")
    # Windows of consecutive dates do not overlap.
    assert spans[1].after_end <= spans[0].before_start


def test_placebo_says_zero_comparisons_rather_than_shortening_the_windows():
    found = histories(["A"])["A"]  # data from 2023-01-01
    result = placebo(found, dt.date(2023, 10, 1), {RELEASES.name: 2.0}, SETTINGS)
    assert result == {
        "dates": 0,
        "reason": "fewer than 360 days of data before the reorg (two full windows and the transition)",
    }
    # 2023-01-01 to 2024-12-27 holds 726 days: two dates of 360 days each.
    two = placebo(found, dt.date(2024, 12, 27), {RELEASES.name: 2.0}, SETTINGS)
    assert two["dates"] == 2 and two["window_days"] == 180 and two["transition_days"] == 0


# ---- randomization rank --------------------------------------------------------------------------


def test_randomization_rank_counts_the_comparisons_at_least_as_extreme():
    # |t| = 2.5 among 19 others: 2 of them (3.0 and -2.5, a tie counting against it) as extreme.
    others = [3.0, -2.5] + [0.1 * k for k in range(17)]
    assert randomization_rank(2.5, others) == {"rank": 3, "comparisons": 19}
    assert randomization_rank(-4.0, others) == {"rank": 1, "comparisons": 19}
    # Missing values do not count; fewer than 19 gives no rank.
    assert randomization_rank(2.5, others[:-1] + [None, float("nan")]) is None
    assert MIN_RANDOMIZATION == 19


def test_t_value_is_on_the_log_scale_for_ratios():
    assert t_value(decision(estimate=np.e**0.4, standard_error=0.2)) == pytest.approx(2.0)
    assert t_value(decision(kind=inference.SHARE, estimate=-0.3, standard_error=0.1)) == pytest.approx(-3.0)
    assert t_value(decision(estimate=None)) is None


def test_randomization_pseudo_treats_each_comparison_team_and_each_placebo_date(recording, monkeypatch):
    teams = ["A"] + [f"C{k}" for k in range(1, 4)]
    found = histories(teams)
    reorg = dt.date(2025, 1, 1)
    result = team_result("A", reorg, (reorg - dt.timedelta(days=180), reorg), (reorg, reorg + dt.timedelta(days=180)))
    span = Span.of(result.windows["before"], result.windows["after"], reorg)
    add_decisions(result, span, found, ["C1", "C2", "C3"], SETTINGS)
    recording.clear()
    days = placebo_days(FIRST, reorg, SETTINGS)
    assert len(days) == 2  # 731 days of data before the reorg
    # 3 pseudo-treated comparison teams and 2 placebo dates: fewer than 19, so no rank, and none of
    # those decisions is made.
    add_randomization(result, span, found, ["C1", "C2", "C3"], days, SETTINGS)
    assert recording == [] and result.metrics[RELEASES.name].randomization is None
    # 16 placebo dates (as a longer history would give) and the 3 pseudo-treated teams: 19.
    many = [reorg - dt.timedelta(days=360 * k + 180) for k in range(16)]
    add_randomization(result, span, found, ["C1", "C2", "C3"], many, SETTINGS)
    calls = release_calls(recording)
    # Each comparison team pseudo-treated against the two others, then the team at each date.
    assert [call["team"][0].days for call in calls] == [3, 4, 5] + [1] * 16
    assert [len(call["comparisons"]) for call in calls] == [2, 2, 2] + [3] * 16
    assert calls[3]["team"][1].end == np.datetime64(many[0], "D") + 180
    # Every stand-in decision has the same t (log 2 / 0.2): ties count against the team, rank 20.
    assert result.metrics[RELEASES.name].randomization == {"rank": 20, "comparisons": 19}
    assert result.metrics[RELEASES.name].as_dict()["decision"]["randomization"] == {"rank": 20, "comparisons": 19}


# ---- Benjamini-Hochberg on the decisions, and the contract ----------------------------------------

P_VALUES = {("A", 0): 0.001, ("A", 1): 0.04, ("A", 2): 0.3, ("B", 0): 0.02, ("B", 1): None, ("B", 2): 0.049}


def hand_report() -> Report:
    teams = []
    for team in ("A", "B"):
        reorg = dt.date(2025, 1, 1) if team == "A" else None
        result = team_result(
            team, reorg, (dt.date(2024, 7, 5), dt.date(2025, 1, 1)), (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
        )
        for index, metric in enumerate(metrics.registered()):
            p_value = P_VALUES[(team, index)]
            kind = metric.kind
            made = decision(
                kind=kind,
                estimate=None if p_value is None else (0.9 if kind in inference.RATIO_KINDS else -0.1),
                p_value=p_value,
                basis="did" if reorg else "raw",
            )
            metric.decide(result.metrics[metric.name], made, (6, 6), SETTINGS)
        teams.append(result)
    return Report(SETTINGS, dt.date(2025, 1, 1), (dt.date(2024, 1, 1), dt.date(2025, 12, 31)), teams, rejected=[])


def test_adjusted_p_values_are_benjamini_hochberg_on_the_decisions_across_teams_and_metrics():
    report = hand_report()
    add_adjusted_p_values(report)
    keys = [key for key, p in P_VALUES.items() if p is not None]
    expected = multipletests([P_VALUES[key] for key in keys], method="fdr_bh")[1]  # statsmodels
    names = list(metrics.NAMES)
    found = {(t.team, names.index(n)): m.p_adjusted for t in report.teams for n, m in t.metrics.items()}
    assert [found[key] for key in keys] == pytest.approx(expected, rel=1e-3)
    assert found[("B", 1)] is None
    assert report.adjusted_comparisons == 5


def test_the_adjusted_badge_takes_back_a_verdict_the_adjustment_does_not_support():
    report = hand_report()
    add_adjusted_p_values(report)
    waits = report.as_json()["teams"][1]["metrics"][WAITS.name]  # p 0.049, 0.9x the wait: improved
    assert waits["verdict"] == "improved" and waits["decision"]["p_adjusted"] >= 0.05
    assert common.shown_verdict(waits, adjusted=True, confidence=0.95) == "no clear change"
    assert common.badge_text(waits, True, 0.95, 5) == "● no clear change (after adjusting for 5 comparisons)"
    assert common.badge_text(waits, False, 0.95, 5) == "▲ improved"
    first = report.as_json()["teams"][0]["metrics"][RELEASES.name]  # p 0.001 stays clear
    assert common.badge_text(first, True, 0.95, 5) == "▼ worsened"


def test_the_json_carries_the_contract_version_and_each_metrics_decision_block():
    report = hand_report()
    add_adjusted_p_values(report)
    found = report.as_json()
    assert list(found)[:2] == ["contract_version", "settings"] and found["contract_version"] == CONTRACT_VERSION == "2"
    for team in found["teams"]:
        for metric in team["metrics"].values():
            assert list(metric)[:5] == ["before", "after", "effect", "verdict", "decision"]
            assert list(metric["effect"]) == ["estimate", "ci_low", "ci_high", "p_value"]
            assert list(metric["decision"]) == [
                "basis",
                "estimate",
                "ci_low",
                "ci_high",
                "p_value",
                "p_adjusted",
                "n_clusters",
                "n_comparisons",
                "mde",
                "reasons",
                "pre_trend",
                "randomization",
            ]
    block = found["teams"][0]["metrics"][RELEASES.name]["decision"]
    assert block["pre_trend"] == {"slope": 0.01, "ci_low": -0.02, "ci_high": 0.04, "passed": True}
    assert block["estimate"] == 0.9 and block["ci_high"] == 1.08 and block["n_clusters"] == 12


def test_text_and_csv_carry_the_decision():
    report = hand_report()
    add_adjusted_p_values(report)
    found = report.as_json()
    rows = list(csv.DictReader(io.StringIO(format_csv(found))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    for column in ("basis", "decision_estimate", "p_adjusted", "n_clusters", "n_comparisons", "mde", "reasons"):
        assert column in CSV_COLUMNS
    first = rows[0]
    decision_block = found["teams"][0]["metrics"][RELEASES.name]["decision"]
    assert first["basis"] == "did" and float(first["decision_p_value"]) == decision_block["p_value"]
    assert float(first["p_adjusted"]) == decision_block["p_adjusted"]
    lone = next(row for row in rows if row["team"] == "B" and row["metric"] == ACCURACY.name)
    assert lone["basis"] == "raw" and lone["reasons"] == "no_estimate"
    text = format_text(found)
    # Estimate 0.9 (0.72 to 1.08), p 0.001: ratios and p-values in words (number_words).
    assert "decision against 1 comparison team (B): 10% less often (0.72 to 1.1 times), p = 0.001" in text
    assert "decision raw change, labelled as such" in text
    assert "only a change larger than 1.5 times the release rate" in text


def test_the_basis_in_words():
    did = {"basis": "did", "n_comparisons": 1}
    assert basis_text(did, ["Billing"]) == "against 1 comparison team (Billing)"
    # A comparison team without data took no part: the count is the decision's, the names those asked.
    assert basis_text(did, ["Billing", "Platform"]) == (
        "against 1 comparison team (those with data in these windows, of Billing, Platform)"
    )
    assert basis_text({"basis": "did", "n_comparisons": 2}, ["Billing", "Platform"]) == (
        "against 2 comparison teams (Billing, Platform)"
    )
    assert basis_text({"basis": "its", "n_comparisons": 0}, []) == (
        "against its own trend before the reorg (an org-wide change cannot be ruled out)"
    )
    assert basis_text({"basis": "raw", "n_comparisons": 0}, []) == "raw change, labelled as such"
