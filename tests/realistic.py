"""Realistic organisations for calibration, written in the real export formats.

`planted.py` plants exact effects in organisations of independent events; real delivery data
is not like that. This generator draws whole organisations that behave like real ones, so the
project's verdicts can be measured where it matters (benchmarks/calibration.py, and a quick
version in tests/test_calibration.py):

- 12-18 months of resolved work items, with releases and item creations reaching 17 weeks
  further back (an export of the items resolved since a date); one to four teams reorganising on one date or on several; none, 1, 3 or
  6 comparison teams that keep the old model; a platform team (outside teams.csv) and the
  other teams that items wait on;
- releases per sprint: negative binomial (dispersion ``k`` from 1 to 3) and bunched on the last
  working days of each sprint, several on one day counting once as Threadline counts them;
- work items per team-month: Poisson-Gamma volumes (a Gamma multiplier per team-month), each
  resolved on a working day of its month; a share are commitments with a due date that they meet
  (slip -7..tolerance days) or miss (later, by a geometric number of days);
- cross-team blocking links: a blocked item waits on an item of another team (a studied team or
  the platform team) that resolves ``W`` days after the blocked item was created (Threadline's
  wait without a changelog), W log-normal around the team's median;
- an org-wide trend on every metric, drawn per organisation and metric up to ``trend_max`` a
  year (release rates and waits multiply by (1 + g) per year, on-time odds too), a December dip
  (fewer releases and items, more misses, longer waits), and team-month and org-month random
  effects on the on-time logit and the log wait (the month clustering of real work);
- for power worlds, a true effect for reorganised teams from their reorg date on.

Every knob is a field of :class:`World` with a default and a comment; named worlds are in
``WORLDS``. Everything is drawn from ``numpy.random.default_rng`` seeded with
``[seed, index]`` (a SeedSequence, never Python's salted ``hash()``): the same world, seed and
index write byte-identical files. Files are written by ``planted``'s writers: Jira's English
"Export CSV (all fields)", GitHub REST releases JSON, teams/members/ownership CSVs.

Also here, shared by the tests and the benchmark:

- :func:`report_organisation`: one organisation on its own through files -> Store -> report;
- :func:`project_verdicts`: verdicts read from the JSON contract keys only;
- :func:`month_values`, :func:`welch_difference`, :func:`baseline_verdicts`: the plain
  month-block Welch test an analyst would write by hand, computed from the generator's events;
- :func:`tally`, :func:`size_adjusted_threshold`: verdict counts, at the default 5% or at the p
  threshold that gives a method a 5% false rate on a power world's null twin (:func:`null_twin`).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from planted import (
    OWNER,
    UTC,
    Item,
    Release,
    project_key,
    repo_name,
    write_jira_csv,
    write_org_files,
    write_releases_json,
)
from scipy import stats as scipy_stats

DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
METRICS = ("release_frequency", "timeline_accuracy", "dependency_wait")
FALSE_VERDICTS = ("improved", "worsened")
DECIDED = ("improved", "worsened", "no clear change")
MAX_ROWS_PER_FILE = 1000  # Jira Cloud's CSV export limit
# Team names with distinct three-letter project keys (planted.project_key).
TEAM_NAMES = (
    "Checkout",
    "Search",
    "Billing",
    "Onboarding",
    "Catalog",
    "Identity",
    "Messaging",
    "Mobile Apps",
    "Reporting",
    "Fulfilment",
    "Growth",
    "Analytics",
)
PLATFORM = "Platform"  # the team others wait on most; another department, not in teams.csv
PLATFORM_PROJECT = "PLT"


# ---- the knobs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """How organisations of one world are drawn. Ranges ``(low, high)`` are drawn uniformly
    per organisation or per team; ``None`` switches a mechanism off."""

    name: str = "custom"
    # -- shape of the organisation (drawn per organisation) --
    months: tuple[int, int] = (12, 18)  # months of resolved work items
    # Releases, and the creation of items resolved later, reach back this far before the first
    # resolved item: an export of the items resolved since a date holds older creations, so
    # no wait at the start of the data is cut short (17 weeks: longer than any capped wait).
    history_days: int = 119  # a multiple of 7 keeps sprints starting on Mondays
    reorganised_teams: tuple[int, ...] = (1, 2, 3, 4)  # how many teams reorganise (one of)
    comparison_teams: tuple[int, ...] = (0, 1, 3, 6)  # how many keep the old model (one of)
    several_dates_share: float = 0.5  # chance that reorganised teams reorganise on several dates
    date_spread_days: int = 90  # the latest reorg date is at most this long after the first
    min_side_days: int = 150  # data on each side of the reorg dates, at least
    people: tuple[int, int] = (4, 9)  # people per team
    # -- releases --
    sprint_days: int = 14  # org-wide sprint cadence; sprints start on the first Monday
    releases_per_sprint: tuple[float, float] = (0.8, 3.0)  # a team's mean releases per sprint
    release_k: tuple[float, float] | None = None  # NB dispersion of a sprint's count; None: Poisson
    sprint_end_share: float = 0.0  # share of releases on the sprint's last working days
    sprint_end_days: int = 3  # "last working days" of a sprint
    # -- work items --
    items_per_month: tuple[float, float] = (8.0, 22.0)  # a team's mean resolved items per month
    volume_k: float | None = None  # Gamma shape of a team-month's volume multiplier; None: fixed
    commitment_share: tuple[float, float] = (0.5, 0.8)  # share of items with a due date
    on_time: tuple[float, float] = (0.45, 0.75)  # a team's share of commitments met
    tolerance_days: int = 3  # on time = no later than this after the due date (SPEC default)
    late_mean_days: float = 8.0  # mean days late beyond the tolerance for a missed commitment
    cycle_days: float = 8.0  # mean days from creation to resolution of an unblocked item
    blocked_share: tuple[float, float] = (0.2, 0.4)  # share of items waiting on another team
    wait_median_days: tuple[float, float] = (4.0, 12.0)  # a team's median wait per blocked item
    wait_sigma: float = 0.9  # sd of an individual wait's log around the month's median
    max_wait_days: float = 90.0  # waits are capped
    platform_share: float = 0.5  # share of blockers owned by the platform team (else a studied team)
    # -- time: trend, December, clustering --
    trend_max: float = 0.0  # org-wide change per year on every metric, drawn in [-max, max]
    trend: float | None = None  # instead of a draw: this change per year on every metric, every org
    december_dip: float = 0.0  # December: releases and item volumes multiply by (1 - dip)
    december_logit: float = 0.0  # December: added to the on-time logit
    december_log_wait: float = 0.0  # December: added to the log wait
    team_month_logit_sd: float = 0.0  # team-month random effect on the on-time logit
    org_month_logit_sd: float = 0.0  # org-month random effect on the on-time logit
    team_month_log_wait_sd: float = 0.0  # team-month random effect on the log wait
    org_month_log_wait_sd: float = 0.0  # org-month random effect on the log wait
    # -- a true effect for reorganised teams from their reorg date on (power worlds) --
    release_ratio: float = 1.0  # release rate multiplies by this
    on_time_points: float = 0.0  # on-time probability gains this many points (share, 0.25 = 25)
    wait_ratio: float = 1.0  # waits multiply by this

    @property
    def null(self) -> bool:
        return self.release_ratio == 1.0 and self.on_time_points == 0.0 and self.wait_ratio == 1.0

    def planted(self, metric: str) -> str | None:
        """The verdict a reorganised team's true effect on `metric` calls for: "improved",
        "worsened", or None where nothing is planted."""
        shift = {
            "release_frequency": math.log(self.release_ratio),
            "timeline_accuracy": self.on_time_points,
            "dependency_wait": math.log(self.wait_ratio),
        }[metric]
        if shift == 0:
            return None
        return "improved" if (shift > 0) == HIGHER_IS_BETTER[metric] else "worsened"


POISSON = World(name="poisson")  # independent events: Poisson releases, fixed volumes, no trend
BURSTY = replace(POISSON, name="bursty", release_k=(1.5, 1.5), sprint_end_share=0.7)
TREND = replace(BURSTY, name="trend", trend_max=0.3, december_dip=0.4, december_logit=-0.5, december_log_wait=0.3)
CLUSTERED = replace(
    TREND,
    name="clustered",
    release_k=(1.0, 3.0),
    volume_k=2.0,
    team_month_logit_sd=0.8,
    org_month_logit_sd=0.4,
    team_month_log_wait_sd=0.5,
    org_month_log_wait_sd=0.3,
)
EFFECTS = dict(release_ratio=2.0, on_time_points=0.25, wait_ratio=0.5)
# The same effects the other way: a log-scale test is symmetric, a count-difference one is not.
REVERSED = dict(release_ratio=0.5, on_time_points=-0.25, wait_ratio=2.0)
WORLDS = {
    world.name: world
    for world in (
        POISSON,
        BURSTY,
        TREND,
        CLUSTERED,
        replace(CLUSTERED, name="power", **EFFECTS),  # realistic, with all three true effects
        replace(POISSON, name="power_poisson", **EFFECTS),  # the same effects, independent events
        replace(CLUSTERED, name="power_down", **REVERSED),
        replace(POISSON, name="power_poisson_down", **REVERSED),
    )
}
NULL_WORLDS = tuple(name for name, world in WORLDS.items() if world.null)
POWER_WORLDS = tuple(name for name, world in WORLDS.items() if not world.null)


def null_twin(name: str) -> str | None:
    """The null world a power world plants its effects in (every other knob equal; a null
    world is its own), or None."""
    without_effects = replace(WORLDS[name], name="", release_ratio=1.0, on_time_points=0.0, wait_ratio=1.0)
    return next((n for n in NULL_WORLDS if replace(WORLDS[n], name="") == without_effects), None)


# ---- the organisation ----------------------------------------------------------------------


@dataclass
class TeamTruth:
    """One studied team as drawn (its parameters, for tests that check the knobs)."""

    name: str
    reorg_date: dt.date | None
    releases_per_sprint: float
    release_k: float | None
    items_per_month: float
    commitment_share: float
    on_time: float
    blocked_share: float
    wait_median_days: float


@dataclass
class RealisticOrg:
    world: World
    seed: int
    index: int
    start: dt.date
    end: dt.date
    teams: list[TeamTruth]
    trend: dict[str, float]  # per metric: the org-wide change per year g
    members: list[tuple] = field(default_factory=list)
    ownership: list[tuple] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date:
        """The data's first day: releases and the span's marker start here (items resolve from `start`)."""
        return self.start - DAY * self.world.history_days

    def comparison_date(self) -> dt.date | None:
        dates = [t.reorg_date for t in self.teams if t.reorg_date is not None]
        return min(dates) if dates else None

    def anchor(self, team: str) -> dt.date:
        reorg = next(t.reorg_date for t in self.teams if t.name == team)
        return reorg or self.comparison_date()

    def write(self, folder: Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        teams = [(t.name, t.reorg_date, "sto" if t.reorg_date else "triad", f"{t.name} Person 1") for t in self.teams]
        write_org_files(folder, teams, self.members, self.ownership)
        order = np.random.default_rng([self.seed, self.index, 1]).permutation(len(self.items))
        rows = [self.items[i] for i in order]
        for part, first in enumerate(range(0, len(rows), MAX_ROWS_PER_FILE), start=1):
            name = "jira_export_all_fields.csv" if part == 1 else f"jira_export_all_fields_{part}.csv"
            write_jira_csv(folder / name, rows[first : first + MAX_ROWS_PER_FILE])
        by_repo: dict[str, list[Release]] = {}
        for release in self.releases:
            by_repo.setdefault(release.repo, []).append(release)
        for repo, releases in sorted(by_repo.items()):
            write_releases_json(folder / f"{OWNER}__{repo}__releases.json", repo, releases)
        return folder

    # -- the events, as an analyst would tabulate them (the baseline's input) --

    def release_days(self, team: str) -> set[dt.date]:
        return {r.published.date() for r in self.releases if r.team == team}

    def commitments(self, team: str) -> list[tuple[dt.date, bool]]:
        """(resolution day, on time) of the team's items with a due date."""
        tolerance = self.world.tolerance_days
        return [
            (i.resolved_day, (i.resolved_day - i.due).days <= tolerance)
            for i in self.items
            if i.team == team and i.due is not None and i.resolved is not None
        ]

    def waits(self, team: str) -> list[tuple[dt.date, float]]:
        """(resolution day, days waited on another team) of the team's blocked items."""
        return [(i.resolved_day, i.wait_days) for i in self.items if i.team == team and i.wait_days is not None]


def generate(world: World | str, seed: int, index: int = 0) -> RealisticOrg:
    """Organisation number `index` of `world` under `seed` (the same three give the same org)."""
    world = WORLDS[world] if isinstance(world, str) else world
    return _Generator(world, seed, index).run()


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _weekdays(lo: dt.date, hi: dt.date) -> int:
    """Weekdays in [lo, hi)."""
    return sum((lo + DAY * k).weekday() < 5 for k in range((hi - lo).days))


def _month_index(day: dt.date, start: dt.date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


class _Generator:
    def __init__(self, world: World, seed: int, index: int):
        self.world, self.seed, self.index = world, seed, index
        self.rng = np.random.default_rng([seed, index])
        self.counters: dict[str, int] = {}
        self.next_id = 10000

    def uniform(self, bounds: tuple[float, float]) -> float:
        low, high = bounds
        return float(self.rng.uniform(low, high)) if high > low else float(low)

    def choice(self, options: tuple) -> object:
        return options[int(self.rng.integers(0, len(options)))]

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def next_key(self, project: str) -> str:
        self.counters[project] = self.counters.get(project, 0) + 1
        return f"{project}-{self.counters[project]}"

    def time_on(self, day: dt.date) -> dt.datetime:
        """A working-hours minute on `day` (08:00-19:59 UTC)."""
        return dt.datetime.combine(day, dt.time(8, 0), UTC) + MINUTE * int(self.rng.integers(0, 720))

    # -- the organisation's shape --

    def run(self) -> RealisticOrg:
        w, rng = self.world, self.rng
        months = int(rng.integers(w.months[0], w.months[1] + 1))
        start = dt.date(2024, 1, 1) + DAY * int(rng.integers(0, 365))
        start += DAY * ((7 - start.weekday()) % 7)  # a Monday: sprints start there
        end = start + DAY * (round(months * 30.44) - 1)
        n_reorg = int(self.choice(w.reorganised_teams))
        n_comparison = int(self.choice(w.comparison_teams))
        names = [TEAM_NAMES[i] for i in rng.permutation(len(TEAM_NAMES))[: n_reorg + n_comparison]]
        dates = self.reorg_dates(start, end, n_reorg)
        teams = [self.team(name, dates[k] if k < n_reorg else None) for k, name in enumerate(names)]
        trend = {metric: self.uniform((-w.trend_max, w.trend_max)) for metric in METRICS}
        if w.trend is not None:
            trend = dict.fromkeys(METRICS, w.trend)
        org = RealisticOrg(world=w, seed=self.seed, index=self.index, start=start, end=end, teams=teams, trend=trend)
        self.org, self.start, self.end = org, start, end
        self.first = start - DAY * w.history_days
        self.first_at = dt.datetime.combine(self.first, dt.time(8, 0), UTC)
        self.end_at = dt.datetime.combine(end, dt.time(19, 59), UTC)
        self.projects = {t.name: project_key(t.name) for t in teams} | {PLATFORM: PLATFORM_PROJECT}
        self.people = {t.name: int(rng.integers(w.people[0], w.people[1] + 1)) for t in teams} | {PLATFORM: 5}
        org.members = [
            (f"{team} Person {k}", team, None, None) for team, n in self.people.items() for k in range(1, n + 1)
        ]
        org.ownership = [("jira_project", key, team, None, None) for team, key in self.projects.items()]
        org.ownership += [("github_repo", f"{OWNER}/{repo_name(t.name)}", t.name, None, None) for t in teams]
        self.month_effects()
        # The span marker: a long-running platform epic from the first to the last day.
        org.items.append(
            Item(
                key=self.next_key(PLATFORM_PROJECT),
                item_id=self.new_id(),
                project=PLATFORM_PROJECT,
                team=PLATFORM,
                item_type="Epic",
                summary="Platform roadmap, long-running",
                created=self.first_at,
                resolved=None,
                updated=self.end_at,
                assignee=f"{PLATFORM} Person 1",
            )
        )
        for team in teams:
            self.team_releases(team)
        for team in teams:
            self.team_items(team)
        return org

    def reorg_dates(self, start: dt.date, end: dt.date, n: int) -> list[dt.date]:
        """Mondays with at least `min_side_days` of data on each side of every date."""
        w = self.world
        several = n > 1 and self.rng.random() < w.several_dates_share
        room = (end - start).days - 2 * w.min_side_days
        spread = min(w.date_spread_days, max(room, 0)) if several else 0
        first = start + DAY * (w.min_side_days + int(self.rng.integers(0, max(room - spread, 0) + 1)))
        dates = [first + DAY * (int(self.rng.integers(0, spread + 1)) if k and spread else 0) for k in range(n)]
        return [d - DAY * d.weekday() for d in dates]

    def team(self, name: str, reorg: dt.date | None) -> TeamTruth:
        w = self.world
        return TeamTruth(
            name=name,
            reorg_date=reorg,
            releases_per_sprint=self.uniform(w.releases_per_sprint),
            release_k=self.uniform(w.release_k) if w.release_k else None,
            items_per_month=self.uniform(w.items_per_month),
            commitment_share=self.uniform(w.commitment_share),
            on_time=self.uniform(w.on_time),
            blocked_share=self.uniform(w.blocked_share),
            wait_median_days=self.uniform(w.wait_median_days),
        )

    def month_effects(self) -> None:
        """Random effects per org-month and team-month, drawn once in a fixed order."""
        w, n = self.world, _month_index(self.end, self.start) + 1
        self.org_logit = self.rng.normal(0.0, w.org_month_logit_sd, n) if w.org_month_logit_sd else np.zeros(n)
        self.org_log_wait = self.rng.normal(0.0, w.org_month_log_wait_sd, n) if w.org_month_log_wait_sd else np.zeros(n)
        self.team_logit, self.team_log_wait, self.team_volume = {}, {}, {}
        for team in self.org.teams:
            sd_logit, sd_wait = w.team_month_logit_sd, w.team_month_log_wait_sd
            self.team_logit[team.name] = self.rng.normal(0.0, sd_logit, n) if sd_logit else np.zeros(n)
            self.team_log_wait[team.name] = self.rng.normal(0.0, sd_wait, n) if sd_wait else np.zeros(n)
            k = w.volume_k
            self.team_volume[team.name] = self.rng.gamma(k, 1.0 / k, n) if k else np.ones(n)

    # -- what changes over time --

    def years(self, day: dt.date) -> float:
        return (day - self.start).days / 365.25

    def growth(self, metric: str, day: dt.date) -> float:
        """The org-wide trend's log-multiplier on `day`: years * log(1 + g)."""
        return self.years(day) * math.log1p(self.org.trend[metric])

    def treated(self, team: TeamTruth, day: dt.date) -> bool:
        return team.reorg_date is not None and day >= team.reorg_date

    def working_days(self, lo: dt.date, hi: dt.date, first: dt.date) -> list[dt.date]:
        """Weekdays in [lo, hi) from `first` to the data's last day."""
        lo, hi = max(lo, first), min(hi, self.end + DAY)
        return [lo + DAY * k for k in range((hi - lo).days) if (lo + DAY * k).weekday() < 5]

    # -- releases --

    def team_releases(self, team: TeamTruth) -> None:
        w, rng = self.world, self.rng
        repo = repo_name(team.name)
        tags = 0
        sprint = self.first  # a Monday, as `start`
        while sprint <= self.end:
            following = sprint + DAY * w.sprint_days
            days = self.working_days(sprint, following, self.first)
            middle = sprint + DAY * (w.sprint_days // 2)
            full = _weekdays(sprint, following)
            sprint = following
            if not days:
                continue
            mean = team.releases_per_sprint * len(days) / full  # a sprint cut by the data's end
            mean *= math.exp(self.growth("release_frequency", middle))
            if middle.month == 12:
                mean *= 1.0 - w.december_dip
            if self.treated(team, middle):
                mean *= w.release_ratio
            rate = rng.gamma(team.release_k, mean / team.release_k) if team.release_k else mean
            ends = days[-min(w.sprint_end_days, len(days)) :]
            for _ in range(int(rng.poisson(rate))):
                pool = ends if rng.random() < w.sprint_end_share else days
                day = pool[int(rng.integers(0, len(pool)))]
                published = self.time_on(day)
                tags += 1
                self.org.releases.append(
                    Release(
                        team=team.name,
                        repo=repo,
                        tag=f"v3.{tags}.0",
                        release_id=180000000 + self.new_id(),
                        created=max(published - MINUTE * int(rng.integers(5, 600)), self.first_at),
                        published=published,
                    )
                )

    # -- work items --

    def team_items(self, team: TeamTruth) -> None:
        w, rng = self.world, self.rng
        first_month = dt.date(self.start.year, self.start.month, 1)
        for m in range(_month_index(self.end, self.start) + 1):
            month = dt.date(
                first_month.year + (first_month.month - 1 + m) // 12, (first_month.month - 1 + m) % 12 + 1, 1
            )
            following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
            days = self.working_days(month, following, self.start)
            if not days:
                continue
            full = _weekdays(month, following)
            mean = team.items_per_month * len(days) / full * self.team_volume[team.name][m]
            if month.month == 12:
                mean *= 1.0 - w.december_dip
            for _ in range(int(rng.poisson(mean))):
                self.work_item(team, days[int(rng.integers(0, len(days)))], m)

    def work_item(self, team: TeamTruth, day: dt.date, m: int) -> None:
        w, rng = self.world, self.rng
        december = day.month == 12
        resolved = self.time_on(day)
        project = self.projects[team.name]
        due, wait = None, None
        if rng.random() < team.blocked_share:
            log_wait = (
                math.log(team.wait_median_days)
                + self.growth("dependency_wait", day)
                + self.team_log_wait[team.name][m]
                + self.org_log_wait[m]
                + (w.december_log_wait if december else 0.0)
                + (math.log(w.wait_ratio) if self.treated(team, day) else 0.0)
            )
            wait_days = min(float(np.exp(rng.normal(log_wait, w.wait_sigma))), w.max_wait_days)
            wait = MINUTE * max(int(round(wait_days * 1440)), 1)
            created = resolved - wait - MINUTE * int(rng.integers(720, 14400))  # 0.5-10 days more
            if created < self.first_at:  # (not with the default history) keep the order of events
                created = self.first_at + MINUTE * int(rng.integers(0, 60))
                created = min(created, resolved - MINUTE * 10)
                wait = max((resolved - created) * float(rng.uniform(0.2, 0.9)) // MINUTE, 1) * MINUTE
        else:
            created = resolved - MINUTE * max(int(rng.exponential(w.cycle_days) * 1440), 60)
            created = min(max(created, self.first_at), resolved - MINUTE)
        if rng.random() < team.commitment_share:
            logit = (
                _logit(team.on_time)
                + self.growth("timeline_accuracy", day)  # odds multiply by (1 + g) a year
                + self.team_logit[team.name][m]
                + self.org_logit[m]
                + (w.december_logit if december else 0.0)
            )
            p = _expit(logit)
            if self.treated(team, day):
                p = min(max(p + w.on_time_points, 0.0), 0.99)
            if rng.random() < p:
                slip = int(rng.integers(-7, w.tolerance_days + 1))
            else:
                slip = w.tolerance_days + int(rng.geometric(1.0 / w.late_mean_days))
            due = day - DAY * slip
        item = Item(
            key=self.next_key(project),
            item_id=self.new_id(),
            project=project,
            team=team.name,
            item_type=str(self.choice(("Story", "Story", "Task", "Bug"))),
            summary=f"{team.name}: change {self.counters[project]}",
            created=created,
            resolved=resolved,
            updated=min(resolved + MINUTE * int(rng.integers(1, 120)), self.end_at),
            due=due,
            assignee=f"{team.name} Person {int(rng.integers(1, self.people[team.name] + 1))}",
            components=[f"{team.name} core"],
        )
        if wait is not None:
            blocker = self.blocker(item, team, created + wait)
            item.wait_days = (blocker.resolved - created).total_seconds() / 86400.0
        self.org.items.append(item)

    def blocker(self, blocked: Item, team: TeamTruth, resolved: dt.datetime) -> Item:
        """An item of another team that `blocked` waits on, resolved at `resolved`."""
        others = [t.name for t in self.org.teams if t.name != team.name]
        owner = PLATFORM if not others or self.rng.random() < self.world.platform_share else self.choice(tuple(others))
        created = max(blocked.created - MINUTE * int(self.rng.integers(1440, 43200)), self.first_at)
        project = self.projects[owner]
        item = Item(
            key=self.next_key(project),
            item_id=self.new_id(),
            project=project,
            team=owner,
            item_type="Task",
            summary=f"{owner} support for {blocked.key}",
            created=created,
            resolved=resolved,
            updated=min(resolved + MINUTE, self.end_at),
            assignee=f"{owner} Person {int(self.rng.integers(1, self.people[owner] + 1))}",
            components=[f"{owner} core"],
            blocks=[blocked.key],
        )
        blocked.blocked_by.append(item.key)
        self.org.items.append(item)
        return item


# ---- one organisation through the project ------------------------------------------------


def report_organisation(org: RealisticOrg, settings=None) -> dict:
    """The project's JSON report of `org` alone: files in a temp folder -> Store -> report."""
    from analysis.report import build_report
    from analysis.settings import Settings
    from analysis.store import Store

    settings = settings or Settings()
    with tempfile.TemporaryDirectory(prefix="realistic-") as folder:
        org.write(Path(folder))
        store = Store(memory_limit="1GB", threads=1)
        try:
            store.load_paths([Path(folder)])
            store.prepare(settings)
            return build_report(store.con, settings)
        finally:
            store.close()


def project_verdicts(report: dict) -> dict[str, dict]:
    """{team: {"reorganised": bool, metric: verdict}} from the contract keys only
    (``teams[].reorg_date``, ``teams[].metrics.<metric>.verdict``)."""
    return verdicts_of(project_tests(report))


def project_tests(report: dict) -> dict[str, dict]:
    """{team: {"reorganised": bool, metric: (verdict, p, toward)}} from the contract: the verdict,
    the decision's p-value, and the verdict its estimate points to (``toward``, improved or
    worsened), which a p below another threshold than the report's would give. p is nan and
    toward None where no threshold could give one: insufficient data, or a failed pre-trend
    check (its verdict is no clear change whatever the p)."""
    from analysis import inference, metrics

    def test(metric: str, entry: dict) -> tuple[str, float, str | None]:
        decision = entry["decision"]
        if entry["verdict"] == "insufficient data" or any(r["code"] == "pre_trend" for r in decision["reasons"]):
            return entry["verdict"], math.nan, None
        no_change = 1.0 if metrics.get(metric).kind in inference.RATIO_KINDS else 0.0
        up = decision["estimate"] > no_change
        return entry["verdict"], decision["p_value"], "improved" if up == HIGHER_IS_BETTER[metric] else "worsened"

    return {
        t["team"]: {"reorganised": t["reorg_date"] is not None}
        | {metric: test(metric, t["metrics"][metric]) for metric in METRICS}
        for t in report["teams"]
    }


# ---- the baseline: a month-block Welch test ------------------------------------------------

BLOCK_DAYS = 30  # a "month": 30-day blocks counted from the anchor, as the event study
MIN_BLOCKS = 3  # the baseline decides only with at least this many months on each side


def month_values(org: RealisticOrg, team: str, anchor: dt.date, window_days: int = 180) -> dict[str, list[float]]:
    """Per metric, the team's value in each 30-day block around `anchor` (block -1 ends on the
    day before it, block 0 starts on it), for whole blocks inside the windows and the data:
    release days in the block, on-time share of its commitments, median wait of its blocked
    items (nan where the block has none). Returns {metric: [values in block order]} and the
    block offsets under "blocks"."""
    per_side = window_days // BLOCK_DAYS
    offsets = [k for k in range(-per_side, per_side) if org.first_day <= anchor + DAY * (k * BLOCK_DAYS)]
    offsets = [k for k in offsets if anchor + DAY * ((k + 1) * BLOCK_DAYS) <= org.end + DAY]
    releases = org.release_days(team)
    commitments, waits = org.commitments(team), org.waits(team)
    values = {"blocks": offsets, **{metric: [] for metric in METRICS}}
    for k in offsets:
        lo, hi = anchor + DAY * (k * BLOCK_DAYS), anchor + DAY * ((k + 1) * BLOCK_DAYS)
        on_time = [ok for day, ok in commitments if lo <= day < hi]
        wait = [days for day, days in waits if lo <= day < hi]
        values["release_frequency"].append(float(sum(lo <= day < hi for day in releases)))
        values["timeline_accuracy"].append(float(np.mean(on_time)) if on_time else math.nan)
        values["dependency_wait"].append(float(np.median(wait)) if wait else math.nan)
    return values


def welch_difference(before, after) -> tuple[float, float]:
    """(mean(after) - mean(before), two-sided p-value) of Welch's unequal-variance t-test,
    from the textbook formulas (Welch-Satterthwaite degrees of freedom). nan values are
    dropped; fewer than two values on a side, or no variance at all, give a nan p-value."""
    a = np.asarray(after, dtype=float)
    b = np.asarray(before, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return (float(a.mean() - b.mean()) if len(a) and len(b) else math.nan), math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    estimate = float(a.mean() - b.mean())
    if va + vb == 0:
        return estimate, math.nan
    t = estimate / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return estimate, float(2 * scipy_stats.t.sf(abs(t), df))


def baseline_series(org: RealisticOrg, team: str, controls: list[str], window_days: int = 180) -> dict:
    """Per metric, (before, after) month values of the team minus the mean of its controls in
    the same calendar blocks (the team's own values without controls)."""
    anchor = org.anchor(team)
    own = month_values(org, team, anchor, window_days)
    others = [month_values(org, c, anchor, window_days) for c in controls]
    series = {}
    for metric in METRICS:
        values = np.array(own[metric])
        if others:
            with warnings.catch_warnings():  # an all-nan block stays nan ("mean of empty slice")
                warnings.simplefilter("ignore", RuntimeWarning)
                control = np.nanmean(np.array([o[metric] for o in others]), axis=0)
            values = values - control
        blocks = np.array(own["blocks"])
        series[metric] = (values[blocks < 0], values[blocks >= 0])
    return series


HIGHER_IS_BETTER = {"release_frequency": True, "timeline_accuracy": True, "dependency_wait": False}


def baseline_test(before, after, metric: str, alpha: float = 0.05) -> tuple[str, float, str | None]:
    """The month-block Welch test's (verdict, p, toward): the plain verdict, its p-value, and the
    verdict its estimate points to (nan and None where it cannot decide)."""
    n_before = int(np.sum(~np.isnan(np.asarray(before, dtype=float))))
    n_after = int(np.sum(~np.isnan(np.asarray(after, dtype=float))))
    if min(n_before, n_after) < MIN_BLOCKS:
        return "insufficient data", math.nan, None
    estimate, p = welch_difference(before, after)
    if math.isnan(p):
        return "no clear change", math.nan, None
    toward = "improved" if (estimate > 0) == HIGHER_IS_BETTER[metric] else "worsened"
    return (toward if p < alpha else "no clear change"), p, toward


def baseline_verdict(before, after, metric: str, alpha: float = 0.05) -> str:
    """The plain verdict of the month-block Welch test."""
    return baseline_test(before, after, metric, alpha)[0]


def baseline_tests(org: RealisticOrg, window_days: int = 180) -> dict[str, dict]:
    """{team: {"reorganised": bool, metric: (verdict, p, toward)}} (see baseline_test): a
    reorganised team against the mean of the comparison teams (its own months without any); a
    comparison team against the other comparison teams (its own months when it is the only one)."""
    comparison = [t.name for t in org.teams if t.reorg_date is None]
    result = {}
    for team in org.teams:
        controls = [c for c in comparison if c != team.name]
        series = baseline_series(org, team.name, controls, window_days)
        result[team.name] = {"reorganised": team.reorg_date is not None} | {
            metric: baseline_test(*series[metric], metric) for metric in METRICS
        }
    return result


def baseline_verdicts(org: RealisticOrg, window_days: int = 180) -> dict[str, dict]:
    """{team: {"reorganised": bool, metric: verdict}} of baseline_tests."""
    return verdicts_of(baseline_tests(org, window_days))


def verdicts_of(tests: dict[str, dict]) -> dict[str, dict]:
    """{team: {"reorganised": bool, metric: verdict}} of {team: {..., metric: (verdict, p, toward)}}."""
    return {
        team: {key: value if key == "reorganised" else value[0] for key, value in entry.items()}
        for team, entry in tests.items()
    }


# ---- one organisation, both methods, as rows ----------------------------------------------


def evaluate_organisation(world: str, seed: int, index: int) -> list[dict]:
    """Draw organisation `index` of `world`, report it on its own, and return one row per team
    and metric: {world, index, team, reorganised, comparison_teams, metric, project, baseline,
    project_p, project_toward, baseline_p, baseline_toward, seconds, cpu_seconds}: each method's
    verdict, p-value and the verdict its estimate points to (see project_tests, baseline_test),
    and the whole organisation's wall-clock and CPU time, generation to verdicts, on every row."""
    import time

    started, cpu_started = time.perf_counter(), time.process_time()
    org = generate(world, seed, index)
    project = project_tests(report_organisation(org))
    baseline = baseline_tests(org)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    n_comparison = sum(t.reorg_date is None for t in org.teams)
    return [
        {
            "world": world,
            "index": index,
            "team": team,
            "reorganised": verdicts["reorganised"],
            "comparison_teams": n_comparison,
            "metric": metric,
            "project": verdicts[metric][0],
            "baseline": baseline[team][metric][0],
            "project_p": verdicts[metric][1],
            "project_toward": verdicts[metric][2],
            "baseline_p": baseline[team][metric][1],
            "baseline_toward": baseline[team][metric][2],
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
        }
        for team, verdicts in project.items()
        for metric in METRICS
    ]


def chosen_rows(rows: list[dict], metric: str | None, reorganised: bool | None, with_comparisons: bool | None):
    """The rows of one metric (all when None), one kind of team (both when None) and
    organisations with or without comparison teams (both when None)."""
    return [
        r
        for r in rows
        if (metric is None or r["metric"] == metric)
        and (reorganised is None or r["reorganised"] == reorganised)
        and (with_comparisons is None or (r["comparison_teams"] > 0) == with_comparisons)
    ]


def called_at(row: dict, method: str, threshold: float) -> str:
    """`method`'s verdict on `row` had its test been taken at p < `threshold` instead of the
    default 5%: the verdict its estimate points to when p is below the threshold, else no clear
    change; a verdict no threshold changes (insufficient data, a failed pre-trend check) stays."""
    toward = row[f"{method}_toward"]
    if toward is None:
        return row[method]
    return toward if row[f"{method}_p"] < threshold else "no clear change"


def size_adjusted_threshold(
    null_rows: list[dict], method: str, metric: str, with_comparisons: bool | None = True, rate: float = 0.05
) -> float:
    """The p threshold at which `method` calls a change for at most `rate` of the decided verdicts
    of reorganised teams on `metric` in a null world: the threshold that gives each method the
    same false rate, so that their power can be compared at equal size (a method that says
    "improved" more often where nothing happened also gains power from it)."""
    chosen = chosen_rows(null_rows, metric, True, with_comparisons)
    decided = sum(r[method] in DECIDED for r in chosen)
    p_values = sorted(r[f"{method}_p"] for r in chosen if r[f"{method}_toward"] is not None)
    allowed = math.floor(rate * decided)  # false verdicts allowed; p < the next p calls exactly those
    return p_values[allowed] if allowed < len(p_values) else math.inf


def tally(
    rows: list[dict],
    method: str,
    metric: str | None = None,
    reorganised: bool | None = True,
    with_comparisons: bool | None = None,
    threshold: float | None = None,
) -> dict:
    """Counts of `method`'s ("project" or "baseline") verdicts over rows of one metric (all
    metrics when None), one kind of team (both when None) and organisations with or without
    comparison teams (both when None): each verdict's count, "decided" (improved + worsened +
    no clear change), "false" (improved + worsened) and "total". With `threshold`, the verdicts
    are those of p < threshold (called_at) instead of the default 5%."""
    chosen = chosen_rows(rows, metric, reorganised, with_comparisons)
    verdicts = [r[method] if threshold is None else called_at(r, method, threshold) for r in chosen]
    counts = {verdict: verdicts.count(verdict) for verdict in (*DECIDED, "insufficient data")}
    counts["decided"] = sum(counts[v] for v in DECIDED)
    counts["false"] = sum(counts[v] for v in FALSE_VERDICTS)
    counts["total"] = len(chosen)
    return counts


def teams_with_any(rows: list[dict], method: str, verdicts=FALSE_VERDICTS, reorganised: bool | None = True):
    """(teams with at least one of `verdicts` on any metric, teams), over (world, index, team)."""
    teams: dict[tuple, bool] = {}
    for r in rows:
        if reorganised is None or r["reorganised"] == reorganised:
            key = (r["world"], r["index"], r["team"])
            teams[key] = teams.get(key, False) or r[method] in verdicts
    return sum(teams.values()), len(teams)


# ---- rates with intervals ------------------------------------------------------------------


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion, (nan, nan) for n = 0."""
    if n == 0:
        return math.nan, math.nan
    z = float(scipy_stats.norm.ppf((1 + confidence) / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


__all__ = [
    "World",
    "WORLDS",
    "NULL_WORLDS",
    "POWER_WORLDS",
    "RealisticOrg",
    "TeamTruth",
    "generate",
    "report_organisation",
    "project_verdicts",
    "project_tests",
    "month_values",
    "welch_difference",
    "baseline_series",
    "baseline_verdict",
    "baseline_verdicts",
    "baseline_test",
    "baseline_tests",
    "evaluate_organisation",
    "tally",
    "chosen_rows",
    "called_at",
    "size_adjusted_threshold",
    "null_twin",
    "teams_with_any",
    "wilson",
]
