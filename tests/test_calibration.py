"""The calibration bench's instruments, and a quick calibration check on realistic data.

- The baseline's Welch test against scipy's ``ttest_ind(equal_var=False)`` and a hand
  calculation; its month values against a hand-built organisation.
- The generator (tests/realistic.py) does what its knobs say: negative binomial releases are
  overdispersed where Poisson ones are not, the trend and the December dip show in the
  monthly means, month random effects cluster on-time shares, shapes vary as documented, and
  the same seed writes byte-identical files.
- One realistic organisation goes through files -> Store -> report with the counts the
  generator drew.
- Power at equal size (the bench's size-adjusted column): each method's p threshold from its
  null twin by hand, and every row's p-value and direction give back its verdict at 5%.
- The quick calibration check: in the clustered null world, verdicts must not say "improved"
  or "worsened" more often than the SPEC allows (the first version's statistics failed it:
  15-25% on timeline accuracy and waits).
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
import pytest
import realistic
from planted import UTC, Item, Release
from realistic import (
    METRICS,
    POISSON,
    WORLDS,
    RealisticOrg,
    TeamTruth,
    World,
    baseline_series,
    baseline_verdict,
    baseline_verdicts,
    generate,
    month_values,
    project_verdicts,
    report_organisation,
    welch_difference,
)
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

DAY = dt.timedelta(days=1)


# ---- the baseline ---------------------------------------------------------------------------


def test_welch_difference_matches_scipy_and_a_hand_calculation():
    before, after = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    estimate, p = welch_difference(before, after)
    # By hand: means 2.5 and 6; variances 5/3 and 10; se^2 = 10/5 + (5/3)/4 = 2.41667;
    # t = 3.5 / 1.55456 = 2.25145; df = 2.41667^2 / (2^2/4 + 0.41667^2/3) = 5.52083.
    assert estimate == 3.5
    hand_p = 2 * scipy_stats.t.sf(3.5 / math.sqrt(2.0 + 5 / 12), 2.41667**2 / (1.0 + (5 / 12) ** 2 / 3))
    assert p == pytest.approx(hand_p, rel=1e-4)
    # The independent reference: scipy's Welch test.
    reference = scipy_stats.ttest_ind(after, before, equal_var=False)
    assert p == pytest.approx(reference.pvalue, rel=1e-12)
    # nan months are dropped; too few months or no variance give no p-value.
    assert welch_difference([1.0, math.nan, 2.0, 3.0, 4.0], after + [math.nan]) == (estimate, p)
    assert math.isnan(welch_difference([1.0], after)[1])
    assert math.isnan(welch_difference([2.0, 2.0], [3.0, 3.0])[1])


def test_baseline_verdict_follows_the_direction_of_each_metric():
    low, high = [1.0, 2.0, 1.5, 2.5], [6.0, 7.0, 6.5, 7.5]
    assert baseline_verdict(low, high, "release_frequency") == "improved"
    assert baseline_verdict(low, high, "dependency_wait") == "worsened"  # more waiting is worse
    assert baseline_verdict(high, low, "dependency_wait") == "improved"
    assert baseline_verdict(low, low[::-1], "timeline_accuracy") == "no clear change"
    assert baseline_verdict(low[:2], high, "release_frequency") == "insufficient data"


def test_each_power_world_says_which_verdict_its_planted_effects_call_for():
    for name in realistic.POWER_WORLDS:
        world = realistic.WORLDS[name]
        called = {metric: world.planted(metric) for metric in realistic.METRICS}
        # 2x releases, +25 points on time, waits halved: all better; reversed, all worse.
        assert set(called.values()) == {"worsened" if name.endswith("_down") else "improved"}, (name, called)
    assert {name for name in realistic.POWER_WORLDS if name.endswith("_down")} == {"power_down", "power_poisson_down"}
    assert all(realistic.WORLDS[name].planted(metric) is None for name in realistic.NULL_WORLDS for metric in METRICS)


def test_each_power_world_has_the_null_world_it_plants_its_effects_in():
    assert {name: realistic.null_twin(name) for name in realistic.POWER_WORLDS} == {
        "power": "clustered",
        "power_down": "clustered",
        "power_poisson": "poisson",
        "power_poisson_down": "poisson",
    }
    assert realistic.null_twin("bursty") == "bursty"  # a null world is its own


def test_baseline_test_gives_the_p_and_direction_behind_its_verdict():
    low, high = [1.0, 2.0, 1.5, 2.5], [6.0, 7.0, 6.5, 7.5]
    verdict, p, toward = realistic.baseline_test(low, high, "dependency_wait")
    assert (verdict, toward) == ("worsened", "worsened") and p == welch_difference(low, high)[1]
    # A p above 5% still says which way the estimate points; a 10% threshold would call it.
    verdict, p, toward = realistic.baseline_test([1.0, 2.0, 3.0], [2.0, 3.5, 4.0], "release_frequency")
    assert (verdict, toward) == ("no clear change", "improved") and 0.05 < p < 0.5
    verdict, p, toward = realistic.baseline_test(low[:2], high, "release_frequency")
    assert (verdict, toward) == ("insufficient data", None) and math.isnan(p)


def _hand_org() -> RealisticOrg:
    """Two teams, data 2025-01-01..2025-12-31, anchor 2025-07-01 for both."""
    reorg = dt.date(2025, 7, 1)

    def team(name, date):
        return TeamTruth(name, date, 1.0, None, 10.0, 0.5, 0.5, 0.3, 5.0)

    org = RealisticOrg(
        world=replace(POISSON, history_days=0),
        seed=0,
        index=0,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
        teams=[team("A", reorg), team("C", None)],
        trend=dict.fromkeys(METRICS, 0.0),
    )

    def at(day):
        return dt.datetime.combine(day, dt.time(12, 0), UTC)

    def release(name, day):
        org.releases.append(Release(name, name.lower(), "v1", 1, at(day), at(day)))

    def item(name, day, slip=None, wait=None):
        due = None if slip is None else day - DAY * slip
        org.items.append(
            Item(f"{name}-{len(org.items)}", len(org.items), name, name, "Story", "", at(day), at(day), at(day), due)
        )
        org.items[-1].wait_days = wait

    # Team A, block -1 = [Jun 1, Jul 1): 2 release days (3 releases), 1 of 2 on time, waits 2, 4, 9.
    for day in (dt.date(2025, 6, 3), dt.date(2025, 6, 3), dt.date(2025, 6, 20)):
        release("A", day)
    item("A", dt.date(2025, 6, 5), slip=0)
    item("A", dt.date(2025, 6, 6), slip=5)
    for wait in (2.0, 4.0, 9.0):
        item("A", dt.date(2025, 6, 10), wait=wait)
    # Block 0 = [Jul 1, Jul 31): 1 release day; 3 of 3 on time (slip 3 = the tolerance); wait 1.
    release("A", dt.date(2025, 7, 1))
    for slip in (-2, 3, 1):
        item("A", dt.date(2025, 7, 30), slip=slip)
    item("A", dt.date(2025, 7, 2), wait=1.0)
    # Team C: 4 release days in block -1, none in block 0; an item on Jul 31 is in block 1.
    for k in range(4):
        release("C", dt.date(2025, 6, 2 + k))
    item("C", dt.date(2025, 7, 31), slip=10)
    return org


def test_month_values_count_each_30_day_block_from_the_anchor():
    org = _hand_org()
    values = month_values(org, "A", dt.date(2025, 7, 1))
    # 180-day windows: blocks -6..5, all inside 2025 (Jan 2 .. Dec 28).
    assert values["blocks"] == list(range(-6, 6))
    index = {k: i for i, k in enumerate(values["blocks"])}
    assert values["release_frequency"][index[-1]] == 2.0
    assert values["release_frequency"][index[0]] == 1.0
    assert values["release_frequency"][index[-2]] == 0.0
    assert values["timeline_accuracy"][index[-1]] == 0.5
    assert values["timeline_accuracy"][index[0]] == 1.0
    assert math.isnan(values["timeline_accuracy"][index[-2]])
    assert values["dependency_wait"][index[-1]] == 4.0
    assert values["dependency_wait"][index[0]] == 1.0
    # A window cut by the data keeps whole blocks only.
    assert month_values(org, "A", dt.date(2025, 3, 1))["blocks"] == [-1, 0, 1, 2, 3, 4, 5]


def test_baseline_series_is_the_team_minus_the_mean_of_its_controls():
    org = _hand_org()
    series = baseline_series(org, "A", ["C"])
    before, after = series["release_frequency"]
    assert len(before) == 6 and len(after) == 6
    assert before[-1] == 2.0 - 4.0 and after[0] == 1.0 - 0.0
    # A month where a control has no commitments (C's only one is in block 1) stays nan.
    before, after = series["timeline_accuracy"]
    assert math.isnan(before[-1]) and math.isnan(after[0])
    own_before, own_after = baseline_series(org, "A", [])["timeline_accuracy"]
    assert own_before[-1] == 0.5 and own_after[0] == 1.0
    # Verdicts: A against C; C, the only comparison team, against its own months.
    verdicts = baseline_verdicts(org)
    assert verdicts["A"]["reorganised"] and not verdicts["C"]["reorganised"]
    # Release days minus C's: before [0, 0, 0, 0, 0, -2], after [1, 0, 0, 0, 0, 0]: Welch p = 0.22.
    assert verdicts["A"]["release_frequency"] == "no clear change"
    assert verdicts["A"]["timeline_accuracy"] == "insufficient data"  # no month with both teams' commitments
    assert verdicts["C"]["timeline_accuracy"] == "insufficient data"  # one month with commitments


def test_wilson_interval_matches_statsmodels():
    # The independent reference: statsmodels' Wilson interval.
    for successes, n in ((0, 52), (5, 52), (19, 103), (40, 40)):
        assert realistic.wilson(successes, n) == pytest.approx(
            proportion_confint(successes, n, alpha=0.05, method="wilson"), abs=1e-12
        )
    assert all(math.isnan(x) for x in realistic.wilson(0, 0))


def test_tally_counts_verdicts_per_metric_and_kind_of_team():
    def row(team, reorganised, metric, project, baseline="no clear change"):
        return dict(
            world="w", index=0, team=team, reorganised=reorganised, metric=metric, project=project, baseline=baseline
        )

    rows = [
        row("A", True, "release_frequency", "improved"),
        row("A", True, "timeline_accuracy", "no clear change", baseline="worsened"),
        row("B", True, "release_frequency", "insufficient data"),
        row("B", True, "timeline_accuracy", "worsened"),
        row("C", False, "release_frequency", "improved"),
    ]
    c = realistic.tally(rows, "project", "release_frequency")
    assert (c["false"], c["decided"], c["total"], c["insufficient data"]) == (1, 1, 2, 1)
    assert realistic.tally(rows, "project", "release_frequency", reorganised=False)["false"] == 1
    assert realistic.tally(rows, "baseline", None)["false"] == 1
    assert realistic.teams_with_any(rows, "project") == (2, 2)
    assert realistic.teams_with_any(rows, "baseline") == (1, 2)
    assert realistic.teams_with_any(rows, "project", reorganised=None) == (3, 3)


# ---- the generator's knobs ------------------------------------------------------------------


def _orgs(world: World, count: int, seed: int = 5) -> list[RealisticOrg]:
    return [generate(world, seed, index) for index in range(count)]


def _sprint_counts(org: RealisticOrg) -> list[np.ndarray]:
    """Per team, its releases per whole sprint (sprints start on the data's first day)."""
    sprints = (org.end - org.first_day).days // org.world.sprint_days
    result = []
    for team in org.teams:
        counts = np.zeros(sprints)
        for r in org.releases:
            k = (r.published.date() - org.first_day).days // org.world.sprint_days
            if r.team == team.name and k < sprints:
                counts[k] += 1
        result.append(counts)
    return result


def _dispersion(orgs: list[RealisticOrg]) -> float:
    """Pooled variance-to-mean ratio of sprint release counts within teams (1 for Poisson)."""
    ratios = [c.var(ddof=1) / c.mean() for org in orgs for c in _sprint_counts(org) if c.mean() > 0]
    return float(np.mean(ratios))


def test_power_at_equal_size_takes_each_methods_threshold_from_its_null_twin():
    def row(team, p, toward, verdict=None, reorganised=True, comparison_teams=1):
        verdict = verdict or (toward if p < 0.05 else "no clear change")
        return dict(
            world="w", index=0, team=team, reorganised=reorganised, comparison_teams=comparison_teams,
            metric="release_frequency", project=verdict, project_p=p, project_toward=toward,
        )  # fmt: skip

    # A null world's reorganised teams with comparison teams: 40 tested verdicts, 3 of them below
    # 5% (7.5% false), one insufficient, one held back by its pre-trend check; and two rows of
    # other kinds (a comparison team, an organisation without comparison teams) left out.
    null = [
        row(f"N{i}", p, "improved") for i, p in enumerate([0.01, 0.02, 0.03, *[0.06 + 0.02 * k for k in range(37)]])
    ]
    null += [row("X", math.nan, None, "insufficient data"), row("Y", math.nan, None, "no clear change")]
    null += [row("C", 0.001, "improved", reorganised=False), row("O", 0.001, "worsened", comparison_teams=0)]
    # By hand: 41 decided verdicts (40 tested + Y); 5% of 41 allows 2 false verdicts (2.05), so
    # the threshold is the third smallest p of a tested reorganised team with comparisons: 0.03.
    assert realistic.size_adjusted_threshold(null, "project", "release_frequency") == 0.03
    assert realistic.tally(null, "project", "release_frequency", True, True, threshold=0.03)["false"] == 2
    # Every p below the threshold is called toward its estimate; the rest is no clear change, and
    # what no threshold changes stays: insufficient data, the failed pre-trend check.
    power = [row("A", 0.025, "improved"), row("B", 0.04, "improved"), row("D", 0.02, "worsened")]
    power += [row("E", math.nan, None, "insufficient data"), row("F", math.nan, None, "no clear change")]
    assert [realistic.called_at(r, "project", 0.03) for r in power] == [
        "improved", "no clear change", "worsened", "insufficient data", "no clear change"
    ]  # fmt: skip
    counts = realistic.tally(power, "project", "release_frequency", threshold=0.03)
    assert (counts["improved"], counts["worsened"], counts["decided"], counts["total"]) == (1, 1, 4, 5)
    # One tested verdict (p = 0.01) beside pre-trend holds: of 19 decided, 5% allows no false
    # verdict (0.95), so nothing may be called; of 20, one (1.0), so any p may be.
    tested, held = null[:1], null[-3:-2]
    assert realistic.size_adjusted_threshold(tested + held * 18, "project", "release_frequency") == 0.01
    assert realistic.size_adjusted_threshold(tested + held * 19, "project", "release_frequency") == math.inf


def test_negative_binomial_releases_are_overdispersed_and_poisson_ones_are_not():
    # The same organisations' shapes in both worlds (same seeds); only the release process differs.
    poisson = _dispersion(_orgs(POISSON, 12))
    bursty = _dispersion(_orgs(WORLDS["bursty"], 12))
    # Poisson: variance = mean. NB with k = 1.5 and 0.8-3 releases per sprint: 1 + mean / k,
    # about 2.3 on average (a little less once sprints cut by the data's end are counted).
    assert 0.8 < poisson < 1.2
    assert bursty > 1.6


def test_releases_bunch_at_sprint_ends():
    org_list = _orgs(WORLDS["bursty"], 6)
    last_days = sum(
        (r.published.date() - org.first_day).days % org.world.sprint_days >= org.world.sprint_days - 5
        for org in org_list
        for r in org.releases
    )
    total = sum(len(org.releases) for org in org_list)
    # The last 3 working days are the last 5 calendar days of a 14-day sprint starting Monday:
    # 70% bunched there plus 30% * 3/10 spread evenly = 79%, against 30% without bunching.
    assert 0.72 < last_days / total < 0.86


def _halves(org: RealisticOrg, days: int = 180):
    """The first and last `days` of resolved items, and the years between their middles. The
    first days belong: no wait there is cut short by the data's start (World.history_days)."""
    early = (org.start, org.start + DAY * days)
    late = (org.end + DAY - DAY * days, org.end + DAY)
    years = ((late[0] - early[0]).days) / 365.25
    return early, late, years


def _trend_measures(orgs: list[RealisticOrg]) -> dict:
    """Pooled late/early ratios: releases, on-time odds, geometric mean wait; and years apart."""
    counts = {"early": [0, 0, 0, 0], "late": [0, 0, 0, 0]}  # releases, on time, late, waits
    log_waits = {"early": [], "late": []}
    years = []
    for org in orgs:
        early, late, gap = _halves(org)
        years.append(gap)
        for side, (lo, hi) in (("early", early), ("late", late)):
            counts[side][0] += sum(lo <= r.published.date() < hi for r in org.releases)
            for team in org.teams:
                for day, on_time in org.commitments(team.name):
                    if lo <= day < hi and day.month != 12:
                        counts[side][1 if on_time else 2] += 1
                log_waits[side] += [math.log(w) for day, w in org.waits(team.name) if lo <= day < hi]
    e, la = counts["early"], counts["late"]
    return {
        "release_ratio": la[0] / e[0],
        "on_time_odds_ratio": (la[1] / la[2]) / (e[1] / e[2]),
        "wait_ratio": math.exp(np.mean(log_waits["late"]) - np.mean(log_waits["early"])),
        "years": float(np.mean(years)),
    }


def test_an_org_wide_trend_shows_in_every_metric():
    shape = replace(POISSON, months=(18, 18), reorganised_teams=(4,), comparison_teams=(6,))
    flat = _trend_measures(_orgs(shape, 8))
    rising = _trend_measures(_orgs(replace(shape, trend=0.3), 8))
    expected = 1.3 ** rising["years"]  # +30% a year over the years between the halves' middles
    assert rising["years"] == pytest.approx((548 - 180) / 365.25, abs=0.01)
    for name in ("release_ratio", "on_time_odds_ratio", "wait_ratio"):
        assert 0.88 < flat[name] < 1.12, (name, flat)
        # Log-scale tolerance of about 3 standard errors at these sample sizes (thousands of events).
        assert expected / 1.15 < rising[name] < expected * 1.15, (name, rising)


def test_december_dips_in_releases_and_items():
    world = replace(POISSON, months=(18, 18), december_dip=0.4)
    # december?: [events, team-weekdays], for releases (from the data's first day) and for the
    # teams' own items (resolved from `start`; blockers resolved for others are left out).
    releases = {True: [0, 0], False: [0, 0]}
    items = {True: [0, 0], False: [0, 0]}
    for org in _orgs(world, 8):
        for counts, first in ((releases, org.first_day), (items, org.start)):
            day = first
            while day <= org.end:
                if day.weekday() < 5:
                    counts[day.month == 12][1] += len(org.teams)
                day += DAY
        for r in org.releases:
            releases[r.published.month == 12][0] += 1
        for i in org.items:
            if i.team != realistic.PLATFORM and not i.blocks:
                items[i.resolved.month == 12][0] += 1
    for counts in (releases, items):
        ratio = (counts[True][0] / counts[True][1]) / (counts[False][0] / counts[False][1])
        # Both drop by 40% in December (a sprint by its middle day, so the edges blur a little).
        assert 0.5 < ratio < 0.7, (counts, ratio)


def test_month_random_effects_cluster_on_time_shares():
    """Across team-months, on-time shares vary more than binomial sampling alone when the
    team-month and org-month random effects are on (sd 0.8 and 0.4 on the logit)."""

    def overdispersion(world: World) -> float:
        statistic, df = 0.0, 0
        for org in _orgs(replace(world, months=(12, 12), comparison_teams=(3,)), 6):
            for team in org.teams:
                months: dict[tuple, list[bool]] = {}
                for day, on_time in org.commitments(team.name):
                    months.setdefault((day.year, day.month), []).append(on_time)
                groups = [np.array(v) for v in months.values() if len(v) >= 3]
                p = np.mean(np.concatenate(groups))
                statistic += sum(len(g) * (g.mean() - p) ** 2 / (p * (1 - p)) for g in groups)
                df += len(groups) - 1
        return statistic / df  # Pearson chi-square / df: about 1 without clustering

    assert 0.75 < overdispersion(POISSON) < 1.3
    assert overdispersion(replace(POISSON, team_month_logit_sd=0.8, org_month_logit_sd=0.4)) > 1.8


def test_organisations_vary_in_shape_as_documented():
    org_list = _orgs(WORLDS["clustered"], 40, seed=3)
    comparison = {sum(t.reorg_date is None for t in org.teams) for org in org_list}
    reorganised = {sum(t.reorg_date is not None for t in org.teams) for org in org_list}
    months = [((org.end - org.start).days + 1) / 30.44 for org in org_list]
    assert comparison == {0, 1, 3, 6}
    assert reorganised == {1, 2, 3, 4}
    assert 11.9 < min(months) and max(months) < 18.1
    several = [org for org in org_list if len({t.reorg_date for t in org.teams if t.reorg_date}) > 1]
    assert several and len(several) < len(org_list)
    for org in org_list:
        for t in org.teams:
            if t.reorg_date:
                assert t.reorg_date.weekday() == 0
                assert (t.reorg_date - org.start).days >= 144 and (org.end - t.reorg_date).days >= 150
        # Cross-team blocking: every blocked item's blocker is another team's item.
        keys = {i.key: i for i in org.items}
        for i in org.items:
            for key in i.blocked_by:
                assert keys[key].team != i.team


def test_the_same_seed_writes_byte_identical_files(tmp_path):
    def files(index: int, name: str) -> dict:
        folder = generate("clustered", 7, index).write(tmp_path / name)
        return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}

    first = files(0, "a")
    assert first == files(0, "b")
    assert first != files(1, "c")
    assert {"teams.csv", "members.csv", "ownership.csv", "jira_export_all_fields.csv"} <= set(first)


# ---- one organisation through the project ---------------------------------------------------


def test_a_realistic_organisation_is_reported_with_the_counts_it_was_drawn_with():
    org = generate("clustered", 11, 2)
    report = report_organisation(org)
    assert report["rejected"] == []
    verdicts = project_verdicts(report)
    assert set(verdicts) == {t.name for t in org.teams}  # the platform team is not studied
    comparison_date = org.comparison_date()
    assert report["comparison_date"] == comparison_date.isoformat()
    for team in report["teams"]:
        truth = next(t for t in org.teams if t.name == team["team"])
        assert verdicts[team["team"]]["reorganised"] == (truth.reorg_date is not None)
        assert team["reorg_date"] == (truth.reorg_date.isoformat() if truth.reorg_date else None)
        anchor = org.anchor(team["team"])
        windows = {
            "before": (max(anchor - 180 * DAY, org.first_day), anchor),
            "after": (anchor, min(anchor + 180 * DAY, org.end + DAY)),
        }
        for period, (lo, hi) in windows.items():
            m = team["metrics"]
            days = {d for d in org.release_days(team["team"]) if lo <= d < hi}
            assert m["release_frequency"][period]["n"] == len(days), (team["team"], period)
            commitments = [ok for d, ok in org.commitments(team["team"]) if lo <= d < hi]
            assert m["timeline_accuracy"][period]["n"] == len(commitments)
            assert m["timeline_accuracy"][period]["on_time"] == sum(commitments)
            waits = [w for d, w in org.waits(team["team"]) if lo <= d < hi]
            assert m["dependency_wait"][period]["n"] == len(waits)
            if waits:
                assert m["dependency_wait"][period]["value"] == pytest.approx(np.median(waits), abs=1e-3)


# ---- the quick calibration check -----------------------------------------------------------

QUICK_ORGS = 80  # about 200 reorganised teams; about 30 s on an idle 2-core machine (0.6 s CPU each)
QUICK_SEED = 20261127


@pytest.fixture(scope="module")
def clustered_rows() -> list[dict]:
    # Fresh interpreters ("spawn"): forking a test process that may hold other threads can hang.
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = pool.map(
            realistic.evaluate_organisation, ["clustered"] * QUICK_ORGS, [QUICK_SEED] * QUICK_ORGS, range(QUICK_ORGS)
        )
        return [row for rows in results for row in rows]


def test_each_rows_p_and_direction_give_back_its_verdict_at_5_percent(clustered_rows):
    """What the bench's power at equal size rests on: taken at p < 0.05, every row's p-value and
    direction give exactly the verdict the method gave, for the project's report (read from the
    decision block) and for the baseline."""
    for method in ("project", "baseline"):
        differ = [r for r in clustered_rows if realistic.called_at(r, method, 0.05) != r[method]]
        assert not differ, (method, differ[:3])
        tested = [r for r in clustered_rows if r[f"{method}_toward"] is not None]
        assert len(tested) > 0.8 * len(clustered_rows), method


def test_the_baseline_is_calibrated_in_the_clustered_world(clustered_rows):
    """The bench's reference works: the month-block Welch test, whose unit (the month) carries
    the clustering, stays near its nominal 5% on the same organisations."""
    for metric in METRICS:
        c = realistic.tally(clustered_rows, "baseline", metric)
        assert c["decided"] >= 50, metric
        low, _ = realistic.wilson(c["false"], c["decided"])
        assert low < 0.07, (metric, c)


def test_verdicts_are_calibrated_in_the_clustered_world(clustered_rows):
    """SPEC "Honest comparison": on realistic null organisations at most 7% of verdicts per metric
    say improved or worsened, and at least 80% are decided. Where comparison teams exist (the
    verdict is then the change against theirs) the rate itself must be at most 7% on these
    ~150 teams, and the Wilson interval's lower end under 5% (a procedure at its nominal 5%
    passes; the 15-25% of the first version, measured in issue 11, fails by far). Without
    comparison teams (the team's own trend) the bound is checked on the Wilson lower end only:
    these are ~50 teams."""
    for with_comparisons, most in ((True, 0.07), (False, None)):
        for metric in METRICS:
            c = realistic.tally(clustered_rows, "project", metric, True, with_comparisons)
            assert c["decided"] >= 0.8 * c["total"] and c["decided"] >= 30, (metric, c)
            low, _ = realistic.wilson(c["false"], c["decided"])
            if most is not None:
                assert c["false"] / c["decided"] <= most, (metric, c)
                assert low < 0.05, (metric, c)
            else:
                assert low < 0.07, (metric, c)
