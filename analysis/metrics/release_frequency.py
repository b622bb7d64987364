"""Release frequency: release days per 30 days (SPEC "The three metrics", 1).

Reads the release days of `queries/counted_releases.sql` (`rows.release_days`: one row per team
and day with at least one counted release: published non-draft GitHub releases, version-like
git tags, released Jira fix versions). Effect: the rate ratio after/before with the exact
conditional test; more releases is better.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as scipy_stats

from .. import inference, stats
from ..number_words import ratio_words, times_text
from ..settings import Settings
from .base import (
    DaySeries,
    Metric,
    ReleaseChart,
    WindowValue,
    insufficient,
    insufficient_why,
    interval,
    lacks_data,
    median,
    names_list,
    number,
    pooled_exposure,
    reason,
    rounded,
    safe_effect,
    too_few_reason,
    window_reason,
)
from .rows import PERIODS, MetricData

DAYS_PER_RATE = 30  # release frequency is shown per 30 days


class ReleaseHistory:
    def __init__(self, data: MetricData, team: str):
        self.days = DaySeries.of(data, "release_days", team, "release_day").days

    def window(self, start: np.datetime64, end: np.datetime64) -> int:
        """Release days in [start, end)."""
        return int(np.searchsorted(self.days, end, "left") - np.searchsorted(self.days, start, "left"))


class ReleaseFrequency(Metric):
    name = "release_frequency"
    label = "Release frequency"
    n_counts = "release days"
    sample_unit = "release days"
    higher_is_better = True
    no_change = 1.0
    sql = ("counted_releases.sql",)
    effect_label = "Rate ratio after/before"
    did_label = "team's rate ratio / comparison teams' rate ratio"
    event_title = "release days per 30 days"
    subject = "release frequency"
    chart = ReleaseChart(table="release_days", day_column="release_day", y_title="release days per 30 days")
    kind = inference.RATE

    def minimum(self, settings: Settings) -> int:
        return settings.min_releases

    def measure(self, team, data, windows, settings):
        sides = {}
        for period in PERIODS:
            days = np.sort(data.rows("release_days", team, period)["release_day"].to_numpy(dtype="datetime64[D]"))
            exposure = windows[period].days if windows[period] else 0
            gaps = np.diff(days).astype(float)
            sides[period] = WindowValue(
                rounded(len(days) / exposure * DAYS_PER_RATE) if exposure else None,
                len(days),
                {
                    "window_days": exposure,
                    "median_days_between": rounded(median(gaps)) if len(gaps) else None,
                },
            )
        effect = stats.rate_ratio_test(
            sides["after"].n,
            sides["after"].details["window_days"],
            sides["before"].n,
            sides["before"].details["window_days"],
            confidence=settings.confidence,
        )
        return self.result(sides, effect, settings)

    def no_data_reason(self, team, data, result, settings):
        if not lacks_data(result, self.minimum(settings)):
            return None
        found = window_reason(data, team)
        releases = data.team_input(team, "releases")
        if found is None and releases == 0:
            unowned = data.unowned[data.unowned["releases"] > 0] if len(data.unowned) else data.unowned
            where = (
                f" (releases with no team come from {names_list(f'{r.value} ({r.releases})' for r in unowned.itertuples())})"
                if len(unowned)
                else ""
            )
            found = reason(
                "no_releases_attributed",
                "no releases attributed to this team: map its repositories (github_repo) or Jira projects "
                f"(jira_project) in ownership.csv{where}",
            )
        for period in ("before", "after"):
            if found is None and releases and not getattr(result, period).n:
                found = reason(
                    "no_release_in_window",
                    f"no release day in the {period} window, though {releases} releases are attributed to this "
                    "team (drafts, prereleases and tags outside the tag pattern do not count)",
                )
        return found or too_few_reason(self, result, settings)

    def did(self, data, treated, control, settings):
        def counts(teams, period):
            return len(data.pooled_rows("release_days", tuple(teams), period)), pooled_exposure(data, teams, period)

        return safe_effect(stats.did_ratio, *(counts(g, p) for g in (treated, control) for p in ("after", "before")))

    def history(self, data, team, settings):
        return ReleaseHistory(data, team)

    def bins(self, history, start, end, anchor):
        return inference.rate_bins(history.days, start, end, anchor)

    def trend_parts(self, slope, before):
        # The slope is relative to the before window's rate (inference.PreTrend): times that rate
        # it is a change in release days per 30 days. As a percentage it reads -142% a month when
        # the before rate is small, so a percentage is written only when the rate is unknown.
        if before:
            return "", f"{slope * before:+.2f}", " release days per 30 days each month"
        return "", relative_trend_text(slope), ""

    def detectable_text(self, mde):
        return f"only a change larger than {times_text(mde)} times the release rate (up or down) would have shown"

    def event_point(self, sample, confidence):
        return (sample, sample, *poisson_interval(sample, confidence))

    def placebo_effect(self, before, after):
        return after / before if before else None

    def distance(self, estimate):
        """|log ratio|: a halving is as far from no change as a doubling."""
        return abs(np.log(estimate)) if estimate > 0 else np.inf

    def value_text(self, value):
        return f"{value:.2f} per 30 days"

    def values_text(self, before, after):
        shown = ("-" if value is None else f"{value:.2f}" for value in (before, after))
        return " → ".join(shown) + " release days per 30 days"

    def effect_text(self, effect):
        return f"{ratio_words(effect['estimate'])} ({self.interval_words(effect)})"

    def change_words(self, estimate):
        return f"it releases {ratio_words(estimate)}"

    def interval_words(self, decision):
        return interval(decision, times_text) + " times"

    def headline(self, team: str, metric: dict, confidence: float) -> str:
        """The text report's one line per team: the release-frequency change."""
        effect = metric["effect"]
        if metric["verdict"] == "insufficient data" or effect["estimate"] is None:
            return (
                f"{team}: too few releases to say whether release frequency changed "
                f"({metric['before']['n']} release days before, {metric['after']['n']} after)."
            )
        shown = (
            ""
            if effect["ci_low"] is None or effect["ci_high"] is None
            else f" ({confidence:.0%} interval {self.interval_words(effect)})"
        )
        return (
            f"{team} now releases {ratio_words(effect['estimate'])}{shown}; "
            f"verdict: {metric['verdict']} ({metric['before']['n']} release days before, {metric['after']['n']} after)."
        )

    def summary(self, team, metric, settings):
        before, after, effect, verdict = metric["before"], metric["after"], metric["effect"], metric["verdict"]
        counts = f"{before['n']} release days before, {after['n']} after"
        if insufficient(metric):
            return (
                f"{team}: too few release days to say whether release frequency changed "
                f"({insufficient_why(metric, counts)})"
            )
        return (
            f"{team} now releases {ratio_words(effect['estimate'])} ({settings.confidence:.0%} interval "
            f"{self.interval_words(effect)}, "
            f"raw before/after); verdict: {verdict} ({counts})."
        )

    def numbers(self, metric, settings):
        b, a = metric["before"], metric["after"]
        return [
            ("Release days (n)", b["n"], a["n"]),
            ("Window (days)", b["window_days"], a["window_days"]),
            ("Release days per 30 days", number(b["value"], ".2f"), number(a["value"], ".2f")),
            # The average follows the rate (30 / rate); the median gap need not: releases that come
            # in bursts on consecutive days make it short even when releases are rare, so the
            # average comes first and the median is named a gap.
            ("Average days between release days", average_gap(b), average_gap(a)),
            (
                "Median gap between release days",
                number(b["median_days_between"], ".1f"),
                number(a["median_days_between"], ".1f"),
            ),
        ]

    def methods(self, settings):
        level = f"{settings.confidence:.0%}"
        return (
            "Release frequency: release days per sprint-length bin, overdispersed",
            f"""
A release is a published, non-draft GitHub release, a git tag that matches the release tag pattern,
or a released Jira fix version. Several releases of a team on one day count once (**release days**),
so n is release days. The value is release days per 30 days. Beside it the Team page gives the
average days between release days (30 divided by that rate, so the two always agree) and the median
gap between consecutive release days, which is short when releases come in bursts and so can fall
even while releases become rarer.

**The verdict's unit** is not the single release: releases come in bursts at the ends of sprints.
Each window is cut into {inference.RELEASE_BIN_DAYS}-day bins (a sprint), and the release days of each bin
are the observations. The decision compares the rates on the log scale (a rate ratio, 2.0x = twice
as often); each window's variance is the bins' own (overdispersed) variance of the counts, never
below the Poisson variance, so no interval is narrower than the independent-releases one (against
comparison teams, once moderated as "One test per metric: the decision" says). Without comparison teams, the team's own trend is a log-linear Poisson
regression of its bins over up to {inference.TREND_DAYS} days before the reorg and the after
window, with a level shift at the reorg date (its variance scaled up by the Pearson chi-square per
degree of freedom when the bins vary more than Poisson counts, never down).
Minimum detectable effect: the rate ratio, either way, that the test would detect with 80% power at
{level} confidence.

The raw before/after beside the verdict is the rate ratio with the exact conditional test (R's
`poisson.test`), which treats releases as independent events: it is shown, it does not decide.
""",
        )


def relative_trend_text(slope: float) -> str:
    """A slope relative to the before rate, without that rate: a percentage a month within
    ±100%, beyond that only its direction (a rate cannot fall by more than all of it)."""
    if abs(slope) <= 1:
        return f"{slope * 100:+.0f}% of the before rate a month"
    return f"{'up' if slope > 0 else 'down'} by more than the whole before rate a month"


def average_gap(side: dict) -> str:
    """The window's days per release day: the reciprocal of the rate, so it agrees with it."""
    return number(side["window_days"] / side["n"] if side["n"] else None, ".1f")


def poisson_interval(count: int, confidence: float) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count, as R's poisson.test(count)$conf.int."""
    alpha = 1 - confidence
    low = scipy_stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count else 0.0
    high = scipy_stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return float(low), float(high)


METRIC = ReleaseFrequency()
