"""Synthetic organisations with PLANTED effects, written in the real export formats.

A test says what is true of each team (reorg date, release rate, on-time probability, how many
commitments, how often and how long items wait on other teams, before and after), the
generator draws one organisation from a seed, keeps every event it drew as Python objects (the
ground truth), and writes the same events as an analyst would hand them over:

- ``jira_export_all_fields.csv``: Jira's English "Export CSV (all fields)" shape (repeated
  ``Component/s``, ``Inward/Outward issue link (Blocks)``, ``Sprint``... columns, a UTF-8 BOM,
  dates like ``15/Feb/25 4:37 PM``), split into files of at most 1000 rows as Jira Cloud does;
- ``acme__<repo>__releases.json``: GitHub REST ``GET /repos/{owner}/{repo}/releases`` lists
  (``tag_name``, ``draft``, ``prerelease``, ``created_at``, ``published_at``, ``html_url``
  ``https://github.com/acme/<repo>/releases/tag/<tag>``...), newest first;
- ``teams.csv``, ``members.csv``, ``ownership.csv``: Threadline's organisation files.

What the generator plants, per team, on each side of its anchor (the reorg date, or for a
comparison team the organisation's comparison date: the earliest reorg date):

- releases: a Poisson number per day at ``release_rate_*`` over the whole side of the data
  span (several on one day happen and count once), or, when ``release_days_*`` is given,
  exactly that many distinct release days inside the window and none elsewhere on that side;
- ``commitments_*`` items with a due date resolved inside the window, each on time (slip of
  -7..tolerance days) with probability ``on_time_*`` and late (tolerance+1..tolerance+20)
  otherwise; ``other_items_*`` resolved items without a due date; ``items_outside`` more
  commitments resolved in the span outside both windows (they must not be counted);
- a share ``blocked_share_*`` of those items blocked by an item of the blocker team
  (``Platform``): the blocker resolves ``W`` days after the blocked item was created, with W
  drawn from a gamma distribution (shape 2) of mean ``wait_days_*``, capped at ``MAX_WAIT_DAYS``.
  Without a changelog that is exactly the cross-team wait Threadline measures.

Noise that must NOT be counted (``noise=True``): draft releases (one never published, one
published and turned back into a draft), prereleases (``-rc.N`` tags, the day before a release),
unresolved items, a second overlapping blocker (the wait counts once), blocking links inside
the team, "Relates" links to other teams' items, and the blocker's own outward "Blocks" link
(the same dependency seen from the other side).

Every timestamp has minute precision (what the Jira CSV keeps), lies in working hours (UTC),
and falls inside [start, end]; a long-running Platform epic created on ``start`` and last
updated on ``end`` pins the data span to exactly [start, end]. Everything comes from
``numpy.random.default_rng(seed)``: the same plan and seed write byte-identical files.

Usage::

    plan = OrgPlan(teams=(TeamPlan("Checkout", reorg_date=R, release_rate_after=0.3), ...),
                   start=R - timedelta(days=250), end=R + timedelta(days=220), seed=7)
    org = generate(plan)
    org.write(folder)
    org.items, org.releases           # the ground truth, to compute what must be found
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

UTC = dt.UTC
OWNER = "acme"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_WAIT_DAYS = 60.0  # planted waits are capped (the same on both sides)
MAX_ROWS_PER_FILE = 1000  # Jira Cloud's CSV export limit
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


# ---- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamPlan:
    name: str
    reorg_date: dt.date | None = None  # None: a comparison team
    model: str | None = None  # default: "sto" when reorganised, else "triad"
    release_rate_before: float = 0.1  # releases per day (Poisson)
    release_rate_after: float = 0.1
    release_days_before: int | None = None  # exact release days in the window instead
    release_days_after: int | None = None
    on_time_before: float = 0.6
    on_time_after: float = 0.6
    commitments_before: int = 30  # resolved inside the window, with a due date
    commitments_after: int = 30
    other_items_before: int = 10  # resolved inside the window, no due date
    other_items_after: int = 10
    items_outside: int = 6  # commitments resolved outside both windows
    blocked_share_before: float = 0.3
    blocked_share_after: float = 0.3
    wait_days_before: float = 8.0  # mean wait on another team, days
    wait_days_after: float = 8.0
    project: str | None = None  # Jira project key; default from the name
    repo: str | None = None  # GitHub repo name; default from the name
    people: int = 4

    def side(self, which: str, name: str):
        return getattr(self, f"{name}_{which}")


@dataclass(frozen=True)
class OrgPlan:
    teams: tuple[TeamPlan, ...]
    start: dt.date  # first day of data
    end: dt.date  # last day of data
    seed: int = 0
    window_days: int = 180
    tolerance_days: int = 3
    comparison_date: dt.date | None = None  # default: the earliest reorg date (SPEC)
    blocker_team: str = "Platform"  # owns the items others wait on
    blocker_project: str = "PLT"
    list_blocker_team: bool = True  # False: the blocker team is outside teams.csv
    noise: bool = True


# ---- the ground truth ----------------------------------------------------------------------


@dataclass
class Item:
    key: str
    item_id: int
    project: str
    team: str  # the team that owns it (ground truth)
    item_type: str
    summary: str
    created: dt.datetime
    resolved: dt.datetime | None
    updated: dt.datetime
    due: dt.date | None = None
    assignee: str | None = None
    components: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)  # Inward issue link (Blocks)
    blocks: list[str] = field(default_factory=list)  # Outward issue link (Blocks)
    relates: list[str] = field(default_factory=list)  # Outward issue link (Relates)
    on_time: bool | None = None  # planted: a commitment met (None: no due date)
    wait_days: float | None = None  # planted cross-team wait (None: not blocked)

    @property
    def resolved_day(self) -> dt.date | None:
        return self.resolved.date() if self.resolved else None


@dataclass
class Release:
    team: str
    repo: str
    tag: str
    release_id: int
    created: dt.datetime
    published: dt.datetime | None  # None for a draft
    draft: bool = False
    prerelease: bool = False

    @property
    def counts(self) -> bool:
        """A release Threadline must count: published, not a draft, not a prerelease."""
        return self.published is not None and not self.draft and not self.prerelease


@dataclass
class Organisation:
    plan: OrgPlan
    teams: list[tuple[str, dt.date | None, str, str]]  # team, reorg_date, model, leader
    members: list[tuple[str, str, dt.date | None, dt.date | None]]  # person, team, start, end
    ownership: list[tuple[str, str, str, dt.date | None, dt.date | None]]
    items: list[Item] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    _next_id: int = 10000

    # -- the truth a test compares with --

    def comparison_date(self) -> dt.date | None:
        if self.plan.comparison_date:
            return self.plan.comparison_date
        dates = [reorg for _, reorg, _, _ in self.teams if reorg is not None]
        return min(dates) if dates else None

    def anchor(self, team: str) -> dt.date | None:
        reorg = next(r for t, r, _, _ in self.teams if t == team)
        return reorg or self.comparison_date()

    def span(self) -> tuple[dt.date, dt.date]:
        """First and last day with any data, as the SPEC defines it (items, published releases)."""
        firsts = [i.created.date() for i in self.items]
        lasts = [(i.resolved or i.updated or i.created).date() for i in self.items]
        published = [r.published.date() for r in self.releases if r.published is not None and not r.draft]
        return min(firsts + published), max(lasts + published)

    def windows(
        self, team: str, window_days: int | None = None, transition_days: int = 0
    ) -> dict[str, tuple[dt.date, dt.date]]:
        """{period: (first day, first day after)} per the SPEC, cut to the span; empty -> (d, d)."""
        w = dt.timedelta(days=window_days or self.plan.window_days)
        anchor = self.anchor(team)
        first, last = self.span()
        after_start = anchor + dt.timedelta(days=transition_days)
        raw = {
            "before": (max(anchor - w, first), min(anchor, last + DAY)),
            "after": (max(after_start, first), min(after_start + w, last + DAY)),
        }
        return {p: (s, e) if e > s else (s, s) for p, (s, e) in raw.items()}

    # -- adding events by hand (edge-case tests) --

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_item(
        self,
        project: str,
        team: str,
        created: dt.datetime,
        resolved: dt.datetime | None,
        due: dt.date | None = None,
        assignee: str | None = None,
        item_type: str = "Story",
        summary: str = "Hand-made item",
    ) -> Item:
        number = sum(1 for i in self.items if i.project == project) + 1
        while any(i.key == f"{project}-{number}" for i in self.items):
            number += 1
        item = Item(
            key=f"{project}-{number}",
            item_id=self.new_id(),
            project=project,
            team=team,
            item_type=item_type,
            summary=summary,
            created=created,
            resolved=resolved,
            updated=resolved or created,
            due=due,
            assignee=assignee,
        )
        if due is not None and resolved is not None:
            item.on_time = (resolved.date() - due).days <= self.plan.tolerance_days
        self.items.append(item)
        return item

    def add_release(
        self, team: str, published: dt.datetime | None, draft: bool = False, prerelease: bool = False
    ) -> Release:
        repo = next(
            value.split("/", 1)[1]
            for kind, value, owner, _, _ in self.ownership
            if kind == "github_repo" and owner == team
        )
        number = sum(1 for r in self.releases if r.repo == repo) + 1
        release = Release(
            team=team,
            repo=repo,
            tag=f"v2.{number}.0" + ("-rc.1" if prerelease else ""),
            release_id=180000000 + self.new_id(),
            created=(published or self.span_start()) - MINUTE * 5,
            published=published,
            draft=draft,
            prerelease=prerelease,
        )
        self.releases.append(release)
        return release

    def span_start(self) -> dt.datetime:
        return dt.datetime.combine(self.plan.start, dt.time(8, 0), UTC)

    # -- writing the exports --

    def write(self, folder: Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_org_files(folder, self.teams, self.members, self.ownership)
        rng = np.random.default_rng(self.plan.seed + 1)  # only shuffles the row order
        order = rng.permutation(len(self.items))
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


# ---- generating ----------------------------------------------------------------------------


def project_key(name: str) -> str:
    letters = re.sub(r"[^A-Za-z]", "", name).upper()
    return (letters[:3] or "PRJ").ljust(3, "X")


def repo_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "repo"


class _Generator:
    def __init__(self, plan: OrgPlan):
        self.plan = plan
        self.rng = np.random.default_rng(plan.seed)
        self.start_at = dt.datetime.combine(plan.start, dt.time(8, 0), UTC)
        self.end_at = dt.datetime.combine(plan.end, dt.time(19, 59), UTC)
        names = [t.name for t in plan.teams]
        if plan.blocker_team in names or len(set(names)) != len(names):
            raise ValueError("team names must be distinct and differ from the blocker team")
        keys = [t.project or project_key(t.name) for t in plan.teams] + [plan.blocker_project]
        if len(set(keys)) != len(keys):
            raise ValueError(f"project keys collide: {keys}; give TeamPlan.project")
        self.projects = dict(zip(names + [plan.blocker_team], keys))
        self.repos = {t.name: t.repo or repo_name(t.name) for t in plan.teams}
        self.counters: dict[str, int] = {}
        self.tags: dict[str, int] = {}

    # -- small draws --

    def uniform_minutes(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        minutes = max(int((hi - lo) / MINUTE), 0)
        return lo + MINUTE * int(self.rng.integers(0, minutes + 1))

    def time_on(self, day: dt.date) -> dt.datetime:
        """A working-hours minute on `day` (08:00-19:59 UTC)."""
        return dt.datetime.combine(day, dt.time(8, 0), UTC) + MINUTE * int(self.rng.integers(0, 720))

    def days_in(self, lo: dt.date, hi: dt.date) -> list[dt.date]:
        """Days of [lo, hi) that lie in the data span."""
        lo, hi = max(lo, self.plan.start), min(hi, self.plan.end + DAY)
        return [lo + DAY * k for k in range((hi - lo).days)] if hi > lo else []

    def person(self, team: str) -> str:
        return f"{team} Person {int(self.rng.integers(1, self.people[team] + 1))}"

    def next_key(self, project: str) -> str:
        self.counters[project] = self.counters.get(project, 0) + 1
        return f"{project}-{self.counters[project]}"

    # -- the organisation --

    def run(self) -> Organisation:
        plan = self.plan
        self.people = {t.name: t.people for t in plan.teams} | {plan.blocker_team: 3}
        teams = [
            (t.name, t.reorg_date, t.model or ("sto" if t.reorg_date else "triad"), f"{t.name} Person 1")
            for t in plan.teams
        ]
        if plan.list_blocker_team:
            teams.append((plan.blocker_team, None, "platform", f"{plan.blocker_team} Person 1"))
        members = [
            (f"{name} Person {k}", name, None, None) for name, count in self.people.items() for k in range(1, count + 1)
        ]
        ownership = [("jira_project", self.projects[name], name, None, None) for name in self.people]
        ownership += [("github_repo", f"{OWNER}/{self.repos[t.name]}", t.name, None, None) for t in plan.teams]
        org = Organisation(plan=plan, teams=teams, members=members, ownership=ownership)
        self.org = org
        # The span marker: a long-running epic from the first to the last day of the data.
        org.items.append(
            Item(
                key=self.next_key(plan.blocker_project),
                item_id=org.new_id(),
                project=plan.blocker_project,
                team=plan.blocker_team,
                item_type="Epic",
                summary="Platform roadmap, long-running",
                created=self.start_at,
                resolved=None,
                updated=self.end_at,
                assignee=f"{plan.blocker_team} Person 1",
            )
        )
        for team in plan.teams:
            self.team_events(team)
        return org

    def team_events(self, team: TeamPlan) -> None:
        anchor = self.org.anchor(team.name)
        w = dt.timedelta(days=self.plan.window_days)
        if anchor is None:
            raise ValueError("a comparison team needs a reorganised team or comparison_date")
        windows = {"before": (anchor - w, anchor), "after": (anchor, anchor + w)}
        sides = {"before": self.days_in(self.plan.start, anchor), "after": self.days_in(anchor, self.plan.end + DAY)}
        for which in ("before", "after"):
            self.releases(team, which, sides[which], self.days_in(*windows[which]))
            window_days = self.days_in(*windows[which])
            outside = [d for d in sides[which] if not windows[which][0] <= d < windows[which][1]]
            for _ in range(team.side(which, "commitments") if window_days else 0):
                self.work_item(team, which, self.pick(window_days), commitment=True)
            for _ in range(team.side(which, "other_items") if window_days else 0):
                self.work_item(team, which, self.pick(window_days), commitment=False)
            share = len(outside) / max(len(sides["before"]) + len(sides["after"]), 1)
            for _ in range(int(round(team.items_outside * share)) if outside else 0):
                self.work_item(team, which, self.pick(outside), commitment=True)
        if self.plan.noise:
            for _ in range(3):  # open items: never counted
                day = self.pick(sides["before"] + sides["after"])
                created = self.time_on(day)
                self.org.items.append(
                    Item(
                        key=self.next_key(self.projects[team.name]),
                        item_id=self.org.new_id(),
                        project=self.projects[team.name],
                        team=team.name,
                        item_type="Story",
                        summary="Open item, still in progress",
                        created=created,
                        resolved=None,
                        updated=min(created + DAY * 2, self.end_at),
                        due=day + DAY * 10,
                        assignee=self.person(team.name),
                    )
                )

    def pick(self, days: list[dt.date]) -> dt.date:
        return days[int(self.rng.integers(0, len(days)))]

    # -- releases --

    def releases(self, team: TeamPlan, which: str, side_days: list[dt.date], window_days: list[dt.date]) -> None:
        exact = team.side(which, "release_days")
        if exact is not None:
            if exact > len(window_days):
                raise ValueError(f"{team.name}: {exact} release days do not fit the {which} window")
            chosen = sorted(self.rng.choice(len(window_days), size=exact, replace=False))
            per_day = {window_days[i]: 1 for i in chosen}
        else:
            counts = self.rng.poisson(team.side(which, "release_rate"), size=len(side_days))
            per_day = {day: int(n) for day, n in zip(side_days, counts) if n}
        repo = self.repos[team.name]
        for day, n in sorted(per_day.items()):
            if self.plan.noise and day - DAY >= self.plan.start and self.rng.random() < 0.15:
                # A release candidate the day before (a prerelease: not counted).
                self.release(team.name, repo, self.time_on(day - DAY), prerelease=True)
            for published in sorted(self.time_on(day) for _ in range(n)):
                self.release(team.name, repo, published)
        if self.plan.noise and side_days:
            # Drafts are never counted: one never published, one turned back into a draft
            # after publishing (it still carries its published_at).
            self.release(team.name, repo, None, draft=True, day=self.pick(side_days))
            self.release(team.name, repo, self.time_on(self.pick(side_days)), draft=True)

    def release(
        self,
        team: str,
        repo: str,
        published: dt.datetime | None,
        draft: bool = False,
        prerelease: bool = False,
        day: dt.date | None = None,
    ) -> Release:
        self.tags[repo] = self.tags.get(repo, 0) + 1
        tag = f"v1.{self.tags[repo]}.0" + ("-rc.1" if prerelease else "")
        moment = published or self.time_on(day)
        created = max(moment - MINUTE * int(self.rng.integers(5, 600)), self.start_at)
        release = Release(
            team=team,
            repo=repo,
            tag=tag,
            release_id=self.org.new_id() * 7 + 180000000,
            created=created,
            published=published,
            draft=draft,
            prerelease=prerelease,
        )
        self.org.releases.append(release)
        return release

    # -- work items and their waits --

    def work_item(self, team: TeamPlan, which: str, day: dt.date, commitment: bool) -> Item:
        project = self.projects[team.name]
        resolved = self.time_on(day)
        tolerance = self.plan.tolerance_days
        blocked = self.rng.random() < team.side(which, "blocked_share")
        wait = None
        if blocked:
            mean = team.side(which, "wait_days")
            wait_draw = min(self.rng.gamma(2.0, mean / 2.0), MAX_WAIT_DAYS)
            wait = MINUTE * max(int(round(wait_draw * 1440)), 1)
            created = resolved - wait - MINUTE * int(self.rng.integers(720, 14400))  # 0.5-10 days
            if created < self.start_at:  # cut by the data's start: keep the order of events
                created = self.uniform_minutes(self.start_at, resolved - MINUTE * 10)
                wait = max((resolved - created) * float(self.rng.uniform(0.2, 0.9)) // MINUTE, 1) * MINUTE
        else:
            created = resolved - MINUTE * int(self.rng.integers(1440, 28800))  # 1-20 days
            created = max(created, self.start_at)
            if created >= resolved:
                created = resolved - MINUTE
        due, on_time = None, None
        if commitment:
            on_time = bool(self.rng.random() < team.side(which, "on_time"))
            slip = int(
                self.rng.integers(-7, tolerance + 1) if on_time else self.rng.integers(tolerance + 1, tolerance + 21)
            )
            due = day - DAY * slip
        item = Item(
            key=self.next_key(project),
            item_id=self.org.new_id(),
            project=project,
            team=team.name,
            item_type=str(self.rng.choice(["Story", "Task", "Bug"])),
            summary=f"{team.name}: change {self.counters[project]}, part {int(self.rng.integers(1, 4))}",
            created=created,
            resolved=resolved,
            updated=min(resolved + MINUTE * int(self.rng.integers(1, 120)), self.end_at),
            due=due,
            assignee=self.person(team.name),
            components=[f"{team.name} core"],
            on_time=on_time,
        )
        if blocked:
            blocker = self.blocker(item, created + wait)
            item.wait_days = (blocker.resolved - created).total_seconds() / 86400.0
            if self.plan.noise and self.rng.random() < 0.2:  # a second, shorter blocker
                shorter = created + max((wait * float(self.rng.uniform(0.2, 0.9))) // MINUTE, 1) * MINUTE
                self.blocker(item, shorter)
        if self.plan.noise:
            mine = [i for i in self.org.items if i.team == team.name and i.resolved is not None]
            if mine and self.rng.random() < 0.1:  # blocked inside the team: not a dependency
                other = mine[int(self.rng.integers(0, len(mine)))]
                item.blocked_by.append(other.key)
                other.blocks.append(item.key)
            platform = [i for i in self.org.items if i.team == self.plan.blocker_team and i.resolved]
            if platform and self.rng.random() < 0.1:  # related, not blocking
                item.relates.append(platform[int(self.rng.integers(0, len(platform)))].key)
        self.org.items.append(item)
        return item

    def blocker(self, blocked: Item, resolved: dt.datetime) -> Item:
        team = self.plan.blocker_team
        created = max(blocked.created - MINUTE * int(self.rng.integers(1440, 43200)), self.start_at)
        item = Item(
            key=self.next_key(self.plan.blocker_project),
            item_id=self.org.new_id(),
            project=self.plan.blocker_project,
            team=team,
            item_type="Task",
            summary=f"Platform support for {blocked.key}",
            created=created,
            resolved=resolved,
            updated=resolved + MINUTE,
            assignee=self.person(team),
            components=["Shared services"],
            blocks=[blocked.key],
        )
        blocked.blocked_by.append(item.key)
        self.org.items.append(item)
        return item


def generate(plan: OrgPlan) -> Organisation:
    """One organisation drawn from the plan's seed (the same plan gives the same events)."""
    return _Generator(plan).run()


def code(k: int) -> str:
    """0 -> "AA", 1 -> "AB", ...: letters for project keys of numbered organisations."""
    return chr(65 + k // 26 % 26) + chr(65 + k % 26)


def null_plan(seed: int, k: int | None = None, reorg: dt.date = dt.date(2025, 1, 6), **team_changes) -> OrgPlan:
    """An organisation with NO planted effect: one reorganised team and one comparison team
    whose release rate, on-time share and waits are the same before and after.

    With `k`, names, project keys and repos carry the number, so several such organisations
    can be merged into one export folder (see `merge`) without sharing anything.
    """
    base = (
        dict(
            release_rate_before=0.1,
            release_rate_after=0.1,
            on_time_before=0.6,
            on_time_after=0.6,
            commitments_before=30,
            commitments_after=30,
            other_items_before=10,
            other_items_after=10,
            blocked_share_before=0.35,
            blocked_share_after=0.35,
            wait_days_before=8.0,
            wait_days_after=8.0,
            items_outside=4,
        )
        | team_changes
    )
    suffix, letters = ("", None) if k is None else (f" {k}", code(k))
    return OrgPlan(
        teams=(
            TeamPlan(f"Treated{suffix}", reorg_date=reorg, project=letters and f"T{letters}", **base),
            TeamPlan(f"Control{suffix}", project=letters and f"C{letters}", **base),
        ),
        start=reorg - dt.timedelta(days=260),
        end=reorg + dt.timedelta(days=200),
        seed=seed,
        blocker_team=f"Platform{suffix}",
        blocker_project=f"P{letters}" if letters else "PLT",
        list_blocker_team=False,  # another department's team: not studied, not in teams.csv
    )


def merge(orgs: list[Organisation]) -> Organisation:
    """Several organisations drawn separately (distinct team names, projects and repos), as one
    export folder. Their spans and comparison dates must agree for each team's numbers to be
    what they would be alone; item and release ids are renumbered to stay unique."""
    spans = {o.span() for o in orgs}
    dates = {o.comparison_date() for o in orgs}
    if len(spans) != 1 or len(dates) != 1:
        raise ValueError(f"organisations to merge must share span and comparison date: {spans}, {dates}")
    plan = replace(orgs[0].plan, teams=tuple(t for o in orgs for t in o.plan.teams))
    merged = Organisation(
        plan=plan,
        teams=[t for o in orgs for t in o.teams],
        members=[m for o in orgs for m in o.members],
        ownership=[w for o in orgs for w in o.ownership],
        items=[i for o in orgs for i in o.items],
        releases=[r for o in orgs for r in o.releases],
    )
    for number, item in enumerate(merged.items, start=10001):
        item.item_id = number
    for number, release in enumerate(merged.releases, start=180000001):
        release.release_id = number
    merged._next_id = 10001 + len(merged.items)
    return merged


# ---- writers: the real export formats ------------------------------------------------------


def jira_time(moment: dt.datetime | None) -> str:
    """Jira's CSV date format, e.g. 15/Feb/25 4:37 PM."""
    if moment is None:
        return ""
    hour = moment.hour % 12 or 12
    return (
        f"{moment.day:02d}/{MONTHS[moment.month - 1]}/{moment.year % 100:02d} "
        f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    )


def jira_day(day: dt.date | None) -> str:
    return jira_time(dt.datetime.combine(day, dt.time(0, 0))) if day else ""


def write_jira_csv(path: Path, items: list[Item]) -> None:
    """An English "Export CSV (all fields)" file: repeated columns as wide as the data needs."""

    def width(values) -> int:
        return max([len(v) for v in values] + [1])

    repeated = {
        "Component/s": width(i.components for i in items),
        "Inward issue link (Blocks)": width(i.blocked_by for i in items),
        "Outward issue link (Blocks)": width(i.blocks for i in items),
        "Outward issue link (Relates)": width(i.relates for i in items),
    }
    header = [
        "Summary",
        "Issue key",
        "Issue id",
        "Issue Type",
        "Status",
        "Project key",
        "Project name",
        "Project type",
        "Priority",
        "Resolution",
        "Assignee",
        "Reporter",
        "Creator",
        "Created",
        "Updated",
        "Last Viewed",
        "Resolved",
        "Fix versions",
        *["Component/s"] * repeated["Component/s"],
        "Due date",
        "Labels",
        "Description",
        *["Inward issue link (Blocks)"] * repeated["Inward issue link (Blocks)"],
        *["Outward issue link (Blocks)"] * repeated["Outward issue link (Blocks)"],
        *["Outward issue link (Relates)"] * repeated["Outward issue link (Relates)"],
        "Sprint",
        "Custom field (Story Points)",
        "Custom field (Team)",
        "Status Category",
        "Status Category Changed",
    ]

    def cells(values: list[str], name: str) -> list[str]:
        return values + [""] * (repeated[name] - len(values))

    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header)
        for i in items:
            done = i.resolved is not None
            writer.writerow(
                [
                    i.summary,
                    i.key,
                    str(i.item_id),
                    i.item_type,
                    "Done" if done else "In Progress",
                    i.project,
                    f"{i.project} project",
                    "software",
                    "Medium",
                    "Done" if done else "",
                    i.assignee or "",
                    i.assignee or "",
                    i.assignee or "",
                    jira_time(i.created),
                    jira_time(i.updated),
                    "",
                    jira_time(i.resolved),
                    "",
                    *cells(i.components, "Component/s"),
                    jira_day(i.due),
                    "",
                    f'Planted item {i.key}.\nSecond line, with "quotes".',
                    *cells(i.blocked_by, "Inward issue link (Blocks)"),
                    *cells(i.blocks, "Outward issue link (Blocks)"),
                    *cells(i.relates, "Outward issue link (Relates)"),
                    "",
                    "3",
                    "",
                    "Done" if done else "In Progress",
                    jira_time(i.resolved or i.created),
                ]
            )


def gh_time(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def write_releases_json(path: Path, repo: str, releases: list[Release]) -> None:
    """GET /repos/{owner}/{repo}/releases: newest first, drafts (no published_at) on top."""

    def sort_key(r: Release):
        return (r.published is None, r.published or r.created)

    api = f"https://api.github.com/repos/{OWNER}/{repo}"
    records = []
    for r in sorted(releases, key=sort_key, reverse=True):
        author = {
            "login": f"{repo}-bot",
            "id": 4242,
            "type": "User",
            "site_admin": False,
            "url": f"https://api.github.com/users/{repo}-bot",
            "html_url": f"https://github.com/{repo}-bot",
        }
        records.append(
            {
                "url": f"{api}/releases/{r.release_id}",
                "assets_url": f"{api}/releases/{r.release_id}/assets",
                "upload_url": f"https://uploads.github.com/repos/{OWNER}/{repo}/releases/{r.release_id}/assets{{?name,label}}",
                "html_url": (
                    f"https://github.com/{OWNER}/{repo}/releases/tag/{r.tag}"
                    if not r.draft
                    else f"https://github.com/{OWNER}/{repo}/releases/tag/untagged-{r.release_id}"
                ),
                "id": r.release_id,
                "author": author,
                "node_id": f"RE_kwDO{r.release_id}",
                "tag_name": r.tag,
                "target_commitish": "main",
                "name": r.tag,
                "draft": r.draft,
                "prerelease": r.prerelease,
                "created_at": gh_time(r.created),
                "published_at": gh_time(r.published),
                "assets": [],
                "tarball_url": f"{api}/tarball/{r.tag}",
                "zipball_url": f"{api}/zipball/{r.tag}",
                "body": f"Release {r.tag}",
            }
        )
    path.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")


def write_org_files(folder: Path, teams, members, ownership) -> None:
    def iso(day):
        return day.isoformat() if day else ""

    def write(name: str, header: list[str], rows) -> None:
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([iso(c) if isinstance(c, dt.date) or c is None else c for c in row] for row in rows)

    write("teams.csv", ["team", "reorg_date", "model", "leader"], teams)
    write("members.csv", ["person", "team", "start_date", "end_date"], members)
    write("ownership.csv", ["kind", "value", "team", "start_date", "end_date"], ownership)


__all__ = [
    "TeamPlan",
    "OrgPlan",
    "Organisation",
    "Item",
    "Release",
    "generate",
    "null_plan",
    "merge",
    "code",
    "jira_time",
    "write_jira_csv",
    "write_releases_json",
    "write_org_files",
]
