"""Proof that Threadline finds what is there, and only that.

Organisations are drawn by `planted.py` with effects planted on purpose, written in the real
export formats (Jira CSV "all fields", GitHub REST releases, teams/members/ownership CSVs), and
read back through the whole path. Every expected number below is computed here from the
generator's own event lists (the ground truth), never from Threadline's code:

(a) a team that clearly improves, one with no change, a comparison team and a team with too
    little data, through `python -m analysis report` (JSON, text and CSV);
(b) the edge cases of the issue, one small test each;
(c) null calibration: organisations with NO planted effect, to measure how often a verdict of
    "improved" or "worsened" appears when nothing changed (it should be about 5% or less).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT
from planted import UTC, OrgPlan, TeamPlan, generate, merge, null_plan
from scipy import stats as scipy_stats

from analysis.importers import ImportOptions
from analysis.report import build_report
from analysis.settings import Settings
from analysis.store import Store

R = dt.date(2025, 1, 6)  # the reorg date most tests use (a Monday)
DAY = dt.timedelta(days=1)
METRICS = ("release_frequency", "timeline_accuracy", "dependency_wait")
PERIODS = ("before", "after")
TOLERANCE = 3


# ---- the truth, from the generator's event lists ------------------------------------------


def truth(org, team: str, window_days: int = 180) -> dict:
    """What the report must say for `team`: counts and values per period, from the events."""
    result = {}
    for period, (start, end) in org.windows(team, window_days).items():

        def inside(day, start=start, end=end):
            return day is not None and start <= day < end

        release_days = {
            r.published.date() for r in org.releases if r.team == team and r.counts and inside(r.published.date())
        }
        resolved = [i for i in org.items if i.team == team and inside(i.resolved_day)]
        commitments = [i for i in resolved if i.due is not None]
        waits = [i.wait_days for i in resolved if i.wait_days is not None]
        result[period] = {
            "window_days": (end - start).days,
            "release_days": len(release_days),
            "commitments": len(commitments),
            "on_time": sum(bool(i.on_time) for i in commitments),
            "waits": waits,
            "items_resolved": len(resolved),
        }
    return result


def assert_matches_truth(team_report: dict, expected: dict) -> None:
    """Every n (and the value built from it) is exactly what was planted."""
    m = team_report["metrics"]
    for period in PERIODS:
        want = expected[period]
        rf, ta, dw = (m[name][period] for name in METRICS)
        where = f"{team_report['team']} {period}"
        assert rf["n"] == want["release_days"], where
        assert rf["window_days"] == want["window_days"], where
        if want["window_days"]:
            assert rf["value"] == round(want["release_days"] / want["window_days"] * 30, 4), where
        assert ta["n"] == want["commitments"], where
        assert ta["on_time"] == want["on_time"], where
        assert ta["value"] == (round(want["on_time"] / want["commitments"], 4) if want["commitments"] else None), where
        assert dw["n"] == len(want["waits"]), where
        assert dw["items_resolved"] == want["items_resolved"], where
        if want["waits"]:
            assert dw["value"] == pytest.approx(statistics.median(want["waits"]), abs=1e-4), where
        else:
            assert dw["value"] is None, where


def verdicts(team_report: dict) -> dict:
    return {name: team_report["metrics"][name]["verdict"] for name in METRICS}


def by_team(report: dict) -> dict:
    return {t["team"]: t for t in report["teams"]}


# ---- running Threadline -------------------------------------------------------------------


def run_cli(folder: Path, cwd: Path, *options: str) -> subprocess.CompletedProcess:
    """`python -m analysis report FOLDER ...` as a user runs it: from a scratch folder, with
    only PYTHONPATH pointing at the project."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "report", str(folder), *options],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return run


def report_in_process(folder: Path, **settings) -> dict:
    store = Store()
    try:
        store.load_paths([folder])
        return build_report(store.con, Settings(**settings))
    finally:
        store.close()


def assert_nothing_rejected(report: dict) -> None:
    assert report["rejected"] == [], report["rejected"][:5]


# ---- (a) the whole path: improved, no change, comparison, too little data -----------------

# Release rates are per day. Checkout triples its releases, goes from 30% to 90% on time, and
# waits shorter and less often on other teams. Search (reorganised 45 days later) and Billing
# (no reorg: measured around the comparison date, the earliest reorg) change nothing. Tiny
# has 2 release days and 3 commitments on each side, below the minimum of 3 and 5.
STEADY = dict(
    release_rate_before=0.12,
    release_rate_after=0.12,
    on_time_before=0.6,
    on_time_after=0.6,
    commitments_before=35,
    commitments_after=35,
    other_items_before=12,
    other_items_after=12,
    blocked_share_before=0.35,
    blocked_share_after=0.35,
    wait_days_before=8.0,
    wait_days_after=8.0,
)
PLANTED = OrgPlan(
    teams=(
        TeamPlan(
            "Checkout",
            reorg_date=R,
            release_rate_before=0.08,
            release_rate_after=0.3,
            on_time_before=0.3,
            on_time_after=0.9,
            commitments_before=40,
            commitments_after=40,
            other_items_before=15,
            other_items_after=15,
            blocked_share_before=0.45,
            blocked_share_after=0.3,
            wait_days_before=14.0,
            wait_days_after=3.0,
        ),
        TeamPlan("Search", reorg_date=R + 45 * DAY, **STEADY),
        TeamPlan("Billing", **STEADY),
        TeamPlan(
            "Tiny",
            reorg_date=R + 20 * DAY,
            release_days_before=2,
            release_days_after=2,
            commitments_before=3,
            commitments_after=3,
            other_items_before=0,
            other_items_after=0,
            items_outside=2,
            blocked_share_before=0.5,
            blocked_share_after=0.5,
        ),
    ),
    start=R - 250 * DAY,
    end=R + 245 * DAY,
    # A fixed draw. With any seed the steady teams show "no clear change" on each metric about
    # 95% of the time or more (part (c) measures it); this seed is one of those draws, so the
    # test pins exact verdicts without being flaky.
    seed=11,
)
EXPECTED_VERDICTS = {
    "Checkout": dict.fromkeys(METRICS, "improved"),
    "Search": dict.fromkeys(METRICS, "no clear change"),
    "Billing": dict.fromkeys(METRICS, "no clear change"),
    "Tiny": dict.fromkeys(METRICS, "insufficient data"),
    "Platform": dict.fromkeys(METRICS, "insufficient data"),  # the blocker team: no releases, no due dates
}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    org = generate(PLANTED)
    folder = org.write(tmp_path_factory.mktemp("planted") / "exports")
    return org, folder


@pytest.fixture(scope="module")
def planted_json(planted, tmp_path_factory):
    org, folder = planted
    run = run_cli(folder, tmp_path_factory.mktemp("cwd"), "--format", "json")
    return json.loads(run.stdout)


def test_planted_effects_found_with_exact_counts(planted, planted_json):
    org, _ = planted
    report = planted_json
    assert_nothing_rejected(report)
    assert report["comparison_date"] == R.isoformat()
    assert report["data_span"] == {"first_day": PLANTED.start.isoformat(), "last_day": PLANTED.end.isoformat()}
    teams = by_team(report)
    assert list(teams) == ["Checkout", "Tiny", "Search", "Billing", "Platform"]
    for name, expected in EXPECTED_VERDICTS.items():
        assert verdicts(teams[name]) == expected, name
        assert_matches_truth(teams[name], truth(org, name))
    # The planted data is not trivially small: the counts the verdicts rest on.
    checkout = truth(org, "Checkout")
    assert checkout["after"]["release_days"] >= 2.5 * checkout["before"]["release_days"]
    assert {p: truth(org, "Tiny")[p]["release_days"] for p in PERIODS} == {"before": 2, "after": 2}
    assert {p: truth(org, "Tiny")[p]["commitments"] for p in PERIODS} == {"before": 3, "after": 3}
    # Effects point the planted way and the release-frequency estimate is the exact ratio.
    rf = teams["Checkout"]["metrics"]["release_frequency"]
    ratio = (checkout["after"]["release_days"] / 180) / (checkout["before"]["release_days"] / 180)
    assert rf["effect"]["estimate"] == float(f"{ratio:.4g}")
    assert teams["Checkout"]["metrics"]["dependency_wait"]["effect"]["estimate"] < 0
    # Comparison teams sit around the comparison date; Search around its own reorg date.
    assert teams["Billing"]["reorg_date"] is None
    assert teams["Billing"]["windows"]["before"] == {
        "start": (R - 180 * DAY).isoformat(),
        "end": R.isoformat(),
        "days": 180,
    }
    assert teams["Search"]["windows"]["after"]["start"] == (R + 45 * DAY).isoformat()


def test_noise_that_must_not_be_counted_was_there(planted):
    """The organisation does hold what must be left out, so the exact counts above mean
    something: drafts, prereleases, several releases on one day, items resolved outside the
    windows, open items, blocks inside a team, related-not-blocking links, double blockers."""
    org, _ = planted
    checkout = [r for r in org.releases if r.team == "Checkout"]
    published_days = Counter(r.published.date() for r in checkout if r.counts)
    assert max(published_days.values()) >= 2
    assert any(r.draft and r.published for r in checkout) and any(r.draft and not r.published for r in checkout)
    assert any(r.prerelease and r.published.date() not in published_days for r in checkout)
    windows = org.windows("Checkout")
    outside = [
        i
        for i in org.items
        if i.team == "Checkout" and i.resolved and not any(s <= i.resolved_day < e for s, e in windows.values())
    ]
    assert outside
    assert any(i.resolved is None for i in org.items if i.team == "Checkout")
    checkout_keys = {i.key for i in org.items if i.team == "Checkout"}
    assert any(set(i.blocked_by) & checkout_keys for i in org.items if i.team == "Checkout")
    assert any(i.relates for i in org.items)
    assert any(len(i.blocked_by) >= 2 and i.wait_days for i in org.items)


def test_text_and_csv_formats_render_the_planted_teams(planted, planted_json, tmp_path):
    _, folder = planted
    teams = by_team(planted_json)
    text = run_cli(folder, tmp_path, "--format", "text").stdout
    blocks = {block.splitlines()[0].split(" (")[0]: block for block in text.split("\n\n")[1:] if block.strip()}
    for name, expected in EXPECTED_VERDICTS.items():
        block = blocks[name]
        for metric, label in (
            ("release_frequency", "Release frequency"),
            ("timeline_accuracy", "Timeline accuracy"),
            ("dependency_wait", "Dependency wait"),
        ):
            line = next(line for line in block.splitlines() if line.strip().startswith(label))
            m = teams[name]["metrics"][metric]
            assert f"(n={m['before']['n']})" in line and f"(n={m['after']['n']})" in line, line
            assert line.endswith(f"[{expected[metric]}]"), line
    assert "Checkout (sto, reorganised 2025-01-06)" in text
    assert "Billing (triad, comparison team)" in text

    rows = list(csv.DictReader(io.StringIO(run_cli(folder, tmp_path, "--format", "csv").stdout)))
    assert len(rows) == len(EXPECTED_VERDICTS) * len(METRICS)
    for row in rows:
        m = teams[row["team"]]["metrics"][row["metric"]]
        assert row["verdict"] == EXPECTED_VERDICTS[row["team"]][row["metric"]]
        assert (int(row["before_n"]), int(row["after_n"])) == (m["before"]["n"], m["after"]["n"])


def test_generator_is_deterministic(tmp_path):
    """The same plan and seed write byte-identical exports; another seed does not."""

    def files(seed: int, name: str) -> dict:
        folder = generate(replace(PLANTED, seed=seed)).write(tmp_path / name)
        return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}

    first = files(PLANTED.seed, "a")
    assert first == files(PLANTED.seed, "b")
    assert first != files(PLANTED.seed + 1, "c")


# ---- (b) edge cases -----------------------------------------------------------------------


def small_team(name: str, reorg: dt.date | None = R, **changes) -> TeamPlan:
    base = dict(
        release_rate_before=0.15,
        release_rate_after=0.15,
        commitments_before=12,
        commitments_after=12,
        other_items_before=4,
        other_items_after=4,
        items_outside=4,
    )
    return TeamPlan(name, reorg_date=reorg, **(base | changes))


def test_team_without_releases_is_reported_with_zero_release_days(tmp_path):
    plan = OrgPlan(
        teams=(small_team("Steady"), small_team("Quiet", release_rate_before=0, release_rate_after=0)),
        start=R - 200 * DAY,
        end=R + 200 * DAY,
        seed=3,
    )
    org = generate(plan)
    org.releases = [r for r in org.releases if r.team != "Quiet"]  # not even a draft
    folder = org.write(tmp_path / "exports")
    report = json.loads(run_cli(folder, tmp_path, "--format", "json").stdout)
    assert_nothing_rejected(report)
    quiet = by_team(report)["Quiet"]
    rf = quiet["metrics"]["release_frequency"]
    assert (rf["before"]["n"], rf["after"]["n"]) == (0, 0)
    assert (rf["before"]["value"], rf["after"]["value"]) == (0.0, 0.0)
    assert rf["verdict"] == "insufficient data"
    assert rf["effect"]["estimate"] is None
    assert_matches_truth(quiet, truth(org, "Quiet"))  # its other metrics are still there
    assert quiet["metrics"]["timeline_accuracy"]["before"]["n"] == 12


def test_window_cut_short_by_the_data_uses_the_shorter_exposure():
    # Data from R-100 to R+60: the before window is 100 days, the after window 61 (R..R+60).
    plan = OrgPlan(teams=(small_team("Cut"),), start=R - 100 * DAY, end=R + 60 * DAY, seed=5)
    org = generate(plan)
    assert org.span() == (R - 100 * DAY, R + 60 * DAY)
    report = _report(org)
    cut = by_team(report)["Cut"]
    assert cut["windows"]["before"] == {"start": (R - 100 * DAY).isoformat(), "end": R.isoformat(), "days": 100}
    assert cut["windows"]["after"] == {"start": R.isoformat(), "end": (R + 61 * DAY).isoformat(), "days": 61}
    rf = cut["metrics"]["release_frequency"]
    n_before, n_after = truth(org, "Cut")["before"]["release_days"], truth(org, "Cut")["after"]["release_days"]
    assert n_before > 5 and n_after > 3
    # By hand: release days per 30 days of the exposure actually observed.
    assert rf["before"]["window_days"] == 100 and rf["after"]["window_days"] == 61
    assert rf["before"]["value"] == round(n_before * 30 / 100, 4)
    assert rf["after"]["value"] == round(n_after * 30 / 61, 4)
    assert rf["effect"]["estimate"] == float(f"{(n_after / 61) / (n_before / 100):.4g}")
    # The exact test conditions on exposures 61 : 100, not 180 : 180.
    p = scipy_stats.binomtest(n_after, n_before + n_after, 61 / 161).pvalue
    assert rf["effect"]["p_value"] == float(f"{p:.4g}")
    assert_matches_truth(cut, truth(org, "Cut"))


def test_reorg_date_after_the_data_gives_insufficient_data_without_crashing():
    plan = OrgPlan(
        teams=(small_team("Now"), small_team("Later", reorg=R + 800 * DAY, items_outside=20)),
        start=R - 200 * DAY,
        end=R + 200 * DAY,
        seed=8,
    )
    org = generate(plan)
    report = _report(org)
    teams = by_team(report)
    later = teams["Later"]
    assert [i for i in org.items if i.team == "Later" and i.resolved]  # it has data, all outside
    assert verdicts(later) == dict.fromkeys(METRICS, "insufficient data")
    for metric in METRICS:
        assert (later["metrics"][metric]["before"]["n"], later["metrics"][metric]["after"]["n"]) == (0, 0)
    assert later["windows"]["before"]["days"] == 0 and later["windows"]["after"]["days"] == 0
    assert report["comparison_date"] == R.isoformat()  # the earliest reorg is still R
    assert_matches_truth(teams["Now"], truth(org, "Now"))


def test_reorg_date_before_the_data_gives_insufficient_data_without_crashing():
    plan = OrgPlan(
        teams=(small_team("Early", reorg=R - 900 * DAY, items_outside=20),),
        start=R - 200 * DAY,
        end=R + 200 * DAY,
        seed=9,
    )
    org = generate(plan)
    early = by_team(_report(org))["Early"]
    assert verdicts(early) == dict.fromkeys(METRICS, "insufficient data")
    for metric in METRICS:
        assert (early["metrics"][metric]["before"]["n"], early["metrics"][metric]["after"]["n"]) == (0, 0)
    assert early["placebo"]["dates"] == 0


def test_items_and_releases_on_the_reorg_date_belong_to_after():
    """before = [R - w, R), after = [R, R + w): the reorg day itself is the first day after."""
    plan = OrgPlan(teams=(small_team("Edge"),), start=R - 200 * DAY, end=R + 200 * DAY, seed=12)
    org = generate(plan)
    # Releases one second either side of midnight, on days with no other release.
    org.releases = [r for r in org.releases if not (r.published and r.published.date() in (R - DAY, R))]
    planted = truth(org, "Edge")
    midnight = dt.datetime.combine(R, dt.time(0, 0), UTC)
    org.add_release("Edge", midnight)
    org.add_release("Edge", midnight - dt.timedelta(seconds=1))
    # Commitments resolved at 00:00, 00:01 and 23:59 on the reorg day, and 23:59 the day before.
    for moment in (
        midnight,
        midnight + dt.timedelta(minutes=1),
        midnight + dt.timedelta(hours=23, minutes=59),
        midnight - dt.timedelta(minutes=1),
    ):
        org.add_item("EDG", "Edge", created=moment - 5 * DAY, resolved=moment, due=moment.date() - 2 * DAY)

    edge = by_team(_report(org))["Edge"]
    m = edge["metrics"]
    assert m["release_frequency"]["before"]["n"] == planted["before"]["release_days"] + 1
    assert m["release_frequency"]["after"]["n"] == planted["after"]["release_days"] + 1
    assert m["timeline_accuracy"]["before"]["n"] == planted["before"]["commitments"] + 1
    assert m["timeline_accuracy"]["after"]["n"] == planted["after"]["commitments"] + 3
    assert_matches_truth(edge, truth(org, "Edge"))


def test_people_who_moved_are_attributed_through_the_dated_roster():
    """Items of a project no team owns follow their assignee's team on the resolution date:
    the old team up to the day before the move, the new team from the move on. A project
    owned by a team still wins over the roster."""
    moved_on = R + 30 * DAY
    plan = OrgPlan(
        teams=(small_team("Alpha"), small_team("Beta", reorg=None)), start=R - 200 * DAY, end=R + 200 * DAY, seed=21
    )
    org = generate(plan)
    before = {team: truth(org, team) for team in ("Alpha", "Beta")}
    org.members += [("Mo Ved", "Alpha", None, moved_on - DAY), ("Mo Ved", "Beta", moved_on, None)]

    def shared(team: str, day: dt.date, hour: int, minute: int = 0, project: str = "SHR"):
        """A commitment by Mo Ved; `team` is the truth the roster must give."""
        resolved = dt.datetime.combine(day, dt.time(hour, minute), UTC)
        return org.add_item(
            project, team, created=resolved - 6 * DAY, resolved=resolved, due=day - DAY, assignee="Mo Ved"
        )

    old = [
        shared("Alpha", R - 40 * DAY, 10),
        shared("Alpha", R - DAY, 23, 50),  # before
        shared("Alpha", R, 9),
        shared("Alpha", R + 10 * DAY, 15),  # after
        shared("Alpha", moved_on - DAY, 23, 30),
    ]  # last day
    new = [
        shared("Beta", moved_on, 0, 10),
        shared("Beta", moved_on + DAY, 11),
        shared("Beta", R + 90 * DAY, 14),
        shared("Beta", R + 170 * DAY, 16),
    ]
    owned = shared("Alpha", R + 60 * DAY, 12, project="ALP")  # Alpha's project, after the move

    folder_report, store_teams = _report(org, with_attribution=True)
    teams = by_team(folder_report)
    n = {team: {p: teams[team]["metrics"]["timeline_accuracy"][p]["n"] for p in PERIODS} for team in ("Alpha", "Beta")}
    assert n["Alpha"] == {
        "before": before["Alpha"]["before"]["commitments"] + 2,
        "after": before["Alpha"]["after"]["commitments"] + 3 + 1,
    }
    assert n["Beta"] == {
        "before": before["Beta"]["before"]["commitments"],
        "after": before["Beta"]["after"]["commitments"] + 4,
    }
    assert {store_teams[i.key] for i in old} == {("Alpha", "assignee")}
    assert {store_teams[i.key] for i in new} == {("Beta", "assignee")}
    assert store_teams[owned.key] == ("Alpha", "project")
    for team in ("Alpha", "Beta"):
        assert_matches_truth(teams[team], truth(org, team))


def test_reorg_day_is_the_report_time_zone_day():
    """With --timezone Europe/Berlin (UTC+1 in January), Jira CSV times are Berlin wall-clock
    times and days are Berlin days: a release at 23:30 UTC on the day before the reorg is at
    00:30 on the reorg day in Berlin, so it belongs to "after"."""
    plan = OrgPlan(teams=(small_team("Edge"),), start=R - 200 * DAY, end=R + 200 * DAY, seed=13)
    org = generate(plan)
    org.releases = [r for r in org.releases if not (r.published and r.published.date() in (R - DAY, R))]
    planted = truth(org, "Edge")  # generated times lie in 08:00-19:59: same day in Berlin
    utc_midnight = dt.datetime.combine(R, dt.time(0, 0), UTC)
    org.add_release("Edge", utc_midnight - dt.timedelta(minutes=30))  # 00:30 on R in Berlin
    org.add_release("Edge", utc_midnight - dt.timedelta(minutes=61))  # 23:59 on R - 1 in Berlin
    wall_clock = dt.datetime.combine(R, dt.time(0, 30), UTC)  # written as 06/Jan/25 12:30 AM
    org.add_item("EDG", "Edge", created=wall_clock - 5 * DAY, resolved=wall_clock, due=R)
    m = by_team(_report(org, timezone="Europe/Berlin"))["Edge"]["metrics"]
    assert m["release_frequency"]["before"]["n"] == planted["before"]["release_days"] + 1
    assert m["release_frequency"]["after"]["n"] == planted["after"]["release_days"] + 1
    assert m["timeline_accuracy"]["before"]["n"] == planted["before"]["commitments"]
    assert m["timeline_accuracy"]["after"]["n"] == planted["after"]["commitments"] + 1


# Attribution dates an item in the report's time zone, like the windows do.
def test_moved_person_is_dated_in_the_report_time_zone():
    moved_on = R + 30 * DAY
    plan = OrgPlan(
        teams=(small_team("Alpha"), small_team("Beta", reorg=None)), start=R - 200 * DAY, end=R + 200 * DAY, seed=21
    )
    org = generate(plan)
    planted = {team: truth(org, team) for team in ("Alpha", "Beta")}
    org.members += [("Mo Ved", "Alpha", None, moved_on - DAY), ("Mo Ved", "Beta", moved_on, None)]
    wall_clock = dt.datetime.combine(moved_on, dt.time(0, 10), UTC)  # 00:10 Berlin on the move day
    moved = org.add_item(
        "SHR", "Beta", created=wall_clock - 6 * DAY, resolved=wall_clock, due=moved_on, assignee="Mo Ved"
    )
    report, attribution = _report(org, with_attribution=True, timezone="Europe/Berlin")
    teams = by_team(report)
    assert attribution[moved.key] == ("Beta", "assignee")
    assert teams["Beta"]["metrics"]["timeline_accuracy"]["after"]["n"] == planted["Beta"]["after"]["commitments"] + 1
    assert teams["Alpha"]["metrics"]["timeline_accuracy"]["after"]["n"] == planted["Alpha"]["after"]["commitments"]


def _report(org, with_attribution: bool = False, **settings):
    """Write the organisation, load it and build the report in-process (placebo off)."""
    timezone = settings.get("timezone", "UTC")
    with tempfile.TemporaryDirectory(prefix="planted-") as folder:
        org.write(Path(folder))
        store = Store()
        try:
            store.load_paths([Path(folder)], ImportOptions(timezone=timezone))
            report = build_report(store.con, Settings(**settings))
            attribution = {
                key: (team, rule)
                for key, team, rule in store.con.execute(
                    "select item_key, team, attributed_by from work_item_teams"
                ).fetchall()
            }
        finally:
            store.close()
    assert_nothing_rejected(report)
    return (report, attribution) if with_attribution else report


# ---- (c) null calibration -----------------------------------------------------------------

NULL_ORGANISATIONS = 200
ORGANISATIONS_PER_LOAD = 20  # written side by side into one folder: one load, one report
NULL_SETTINGS = dict(bootstrap_samples=2000)
FALSE_VERDICTS = ("improved", "worsened")


def test_null_organisations_rarely_show_a_change(tmp_path, capsys):
    """No effect is planted, so every "improved" or "worsened" verdict is a false one.

    Each null organisation has a reorganised team and a comparison team with the same release
    rate, on-time share and wait distribution before and after (planted.null_plan), sized so
    almost every run has enough data. Every team's verdicts depend only on its own events (the
    span and the comparison date are the same in all of them), so 20 organisations are
    written side by side into one folder to share one load and one report.

    Bound: a test whose false-verdict rate really is 5% (two-sided, both directions counted)
    gives a count of false verdicts that is Binomial(n, 0.05); the bound is that
    distribution's 99.9% quantile (about 8.6% for n = 400), so a correct 5% test fails this
    with probability 0.1%, while a test that really runs at 10% fails it almost surely. Exact
    tests (the conditional binomial test, Fisher's test) are conservative and land below 5%.
    """
    started = time.perf_counter()
    counts = {metric: Counter() for metric in METRICS}
    any_false, teams_seen = 0, 0
    for batch in range(NULL_ORGANISATIONS // ORGANISATIONS_PER_LOAD):
        orgs = [
            generate(null_plan(seed=10_000 + batch * ORGANISATIONS_PER_LOAD + k, k=k))
            for k in range(ORGANISATIONS_PER_LOAD)
        ]
        folder = merge(orgs).write(tmp_path / f"batch{batch}")
        report = report_in_process(folder, **NULL_SETTINGS)
        assert_nothing_rejected(report)
        assert len(report["teams"]) == 2 * ORGANISATIONS_PER_LOAD
        for team in report["teams"]:
            teams_seen += 1
            found = verdicts(team)
            for metric, verdict in found.items():
                counts[metric][verdict] += 1
            any_false += any(v in FALSE_VERDICTS for v in found.values())
    elapsed = time.perf_counter() - started

    lines = [f"null calibration: {NULL_ORGANISATIONS} organisations, {teams_seen} null teams, {elapsed:.0f} s"]
    rates = {}
    for metric in METRICS:
        c = counts[metric]
        decided = sum(c[v] for v in ("improved", "worsened", "no clear change"))
        false = sum(c[v] for v in FALSE_VERDICTS)
        rates[metric] = (false, decided)
        lines.append(
            f"  {metric:<18} false {false}/{decided} = {false / decided:.1%} "
            f"(improved {c['improved']}, worsened {c['worsened']}; "
            f"insufficient data {c['insufficient data']})"
        )
    pooled_false = sum(f for f, _ in rates.values())
    pooled_decided = sum(d for _, d in rates.values())
    lines.append(
        f"  all metrics        false {pooled_false}/{pooled_decided} = {pooled_false / pooled_decided:.1%}; "
        f"teams with any false verdict {any_false}/{teams_seen} = {any_false / teams_seen:.1%}"
    )
    with capsys.disabled():  # shown in every run, not only with -s
        print("\n" + "\n".join(lines))

    for metric, (false, decided) in rates.items():
        assert decided >= 0.9 * teams_seen, f"{metric}: too many runs without enough data to calibrate"
        bound = scipy_stats.binom.ppf(0.999, decided, 0.05) / decided
        assert false / decided <= bound, f"{metric}: {false}/{decided} false verdicts, above {bound:.1%}"
    # Three metrics per team: if independent, 1 - 0.95^3 = 14.3% of null teams show at least one.
    assert any_false / teams_seen <= scipy_stats.binom.ppf(0.999, teams_seen, 1 - 0.95**3) / teams_seen
