"""Report benchmark: a synthetic organisation generated straight into a Store, then the report.

    python benchmarks/report.py [--issues N] [--teams T] [--status-changes S] [--releases R]
                                [--folder DIR] [--keep] [--reuse] [--repeat K]

Builds a deterministic organisation (numpy, seeded) directly in the DuckDB tables of a Store in
a temporary .duckdb file (no export files): teams with reorg dates and about 10% comparison
teams without one, one Jira project and one GitHub repository owned per team, N work items over
two years (created, resolved, due and first due dates, re-plans), status changes (S in all),
'Blocks' links (mostly cross-team, some same-team, half of them also stored from the blocker's
side), 'Relates' links that must be ignored, a few 'Link' field changes so that the changelog
path of the dependency-wait query is used, and about R / T releases per team (GitHub releases,
some drafts and prereleases, git tags, some '-rc'), then Store.refresh_attribution().

The build runs in a child process, and so does each measured phase (peak RSS = the child's
ru_maxrss, Python and its imports included; "base" is the peak after imports and opening the
store). The parent itself never loads the data: Linux carries ru_maxrss over fork + exec, so a
big parent would raise every child's figure. The phases open the built file one after the
other (read-write only so that a file from an older version gets its derived tables first):

  report    build_report(store.con, Settings())                    (target: under 10 s)
  compute   compute(con, settings) for every team: the three metrics' queries only
  team      one team: compute(con, settings, windows=team_windows(team, ...)) + team_report
  pandas    the three metrics in plain pandas from the tables read with .df()
            (target: DuckDB at least 5x faster)
  profile   build_report again, with every query and Python step timed (the breakdown)

and checks that the pandas and DuckDB paths agree on the per-team counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

SEED = 20240701
SPAN_START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 730  # two years of data
CREATED_DAYS = 700  # items are created over the first 700 days
REORG_FIRST, REORG_LAST = dt.date(2023, 8, 1), dt.date(2024, 6, 30)
DAY = 86_400
TARGET_REPORT_SECONDS = 10.0
TARGET_SPEEDUP = 5.0
BUILD_MEMORY = "4GB"  # the build only; phases use the Store's defaults
ITEM_TYPES = ["Story", "Bug", "Task", "Sub-task", "Epic"]
ITEM_TYPE_SHARES = [0.45, 0.25, 0.20, 0.08, 0.02]
STATUSES = ["To Do", "In Progress", "In Review", "Done"]


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


# ---------------------------------------------------------------------------------------------
# The organisation, generated into the store.


def team_name(t: int) -> str:
    return f"Team {t:03d}"


def build(db: Path, issues: int, teams: int, status_changes: int, releases: int) -> dict:
    import numpy as np
    import pyarrow as pa

    from analysis.store import Store

    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    store = Store(db, memory_limit=BUILD_MEMORY)
    con = store.con
    start_s = int(SPAN_START.timestamp())

    def ts(seconds):
        """Seconds since the epoch (int64, -1 = null) as an Arrow UTC timestamp column."""
        seconds = np.asarray(seconds, dtype=np.int64)
        return pa.array(seconds * 1_000_000, type=pa.timestamp("us", tz="UTC"), mask=seconds < 0)

    def days(day_numbers):
        """Days since the epoch (int32, -1 = null) as an Arrow date column."""
        day_numbers = np.asarray(day_numbers, dtype=np.int32)
        return pa.array(day_numbers, type=pa.date32(), mask=day_numbers < 0)

    def insert(table: str, arrays: dict, select: str) -> int:
        source = pa.table(arrays)
        con.register("src", source)
        con.execute(f"insert into {table} {select}")
        con.unregister("src")
        return source.num_rows

    # ---- teams, ownership, members --------------------------------------------------------
    comparison = max(1, round(teams * 0.1)) if teams > 1 else 0
    reorg_span = (REORG_LAST - REORG_FIRST).days
    reorg_offsets = rng.integers(0, reorg_span + 1, size=teams)
    reorg = [
        None if t >= teams - comparison else REORG_FIRST + dt.timedelta(days=int(reorg_offsets[t]))
        for t in range(teams)
    ]
    epoch = dt.date(1970, 1, 1)
    reorg_day = np.array([(r - epoch).days if r else -1 for r in reorg], dtype=np.int32)
    con.executemany(
        "insert into teams (team, reorg_date, model, leader, source_file) values (?, ?, ?, ?, 'teams.csv')",
        [[team_name(t), reorg[t], "sto" if reorg[t] else "triad", f"Leader {t:03d}"] for t in range(teams)],
    )
    ownership = []
    for t in range(teams):
        ownership.append(["jira_project", f"P{t:03d}", team_name(t), None, None])
        ownership.append(["github_repo", f"acme/repo-{t:03d}", team_name(t), None, None])
    con.executemany(
        "insert into ownership (kind, value, team, start_date, end_date, source_file) "
        "values (?, ?, ?, ?, ?, 'ownership.csv')",
        ownership,
    )
    people_per_team = 8
    con.executemany(
        "insert into members (person, team, start_date, end_date, source_file) "
        "values (?, ?, null, null, 'members.csv')",
        [[f"person-{t:03d}-{k}", team_name(t)] for t in range(teams) for k in range(people_per_team)],
    )

    # ---- work items -----------------------------------------------------------------------
    n = issues
    weights = rng.gamma(3.0, size=teams)
    team_of = rng.choice(teams, size=n, p=weights / weights.sum()).astype(np.int32)
    created = start_s + np.sort(rng.integers(0, CREATED_DAYS * DAY, size=n))
    created_day = (created // DAY).astype(np.int32)
    after_reorg = (reorg_day[team_of] >= 0) & (created_day >= reorg_day[team_of])
    item_type = rng.choice(len(ITEM_TYPES), size=n, p=ITEM_TYPE_SHARES).astype(np.int8)
    duration = rng.lognormal(np.log(6.0), 1.0, size=n) * np.where(item_type == 4, 5.0, 1.0)
    duration_s = np.maximum((duration * DAY).astype(np.int64), 600)
    end_s = start_s + SPAN_DAYS * DAY
    resolved = np.where((rng.random(n) < 0.92) & (created + duration_s < end_s), created + duration_s, -1)
    updated = np.where(resolved >= 0, resolved, np.minimum(created + rng.integers(0, 10 * DAY, size=n), end_s - 1))
    has_changelog = rng.random(n) < 0.9
    # Committed dates: an estimate of the duration; teams estimate better after their reorg.
    committed = rng.random(n) < 0.45
    estimate = duration * np.exp(rng.normal(0.0, 0.5, size=n)) + np.where(after_reorg, 2.0, 0.0)
    first_due = np.where(committed, created_day + np.ceil(estimate).astype(np.int32), -1)
    replanned = committed & (rng.random(n) < 0.3)
    due = np.where(replanned, first_due + rng.integers(1, 21, size=n), first_due)
    due_changes = np.where(replanned, rng.integers(1, 4, size=n), 0)
    first_due_stored = np.where(has_changelog, first_due, -1)  # only a changelog shows it
    due_changes_stored = np.where(has_changelog & committed, due_changes, -1)
    # A few items sit in a project nobody owns: attributed through the assignee, or not at all.
    unowned = rng.random(n) < 0.005
    assignee = np.where(unowned & (rng.random(n) < 0.2), -1, rng.integers(0, people_per_team, size=n))
    insert(
        "work_items",
        {
            "i": np.arange(n, dtype=np.int64),
            "team": team_of,
            "unowned": unowned,
            "item_type": item_type,
            "assignee": assignee,
            "created": ts(created),
            "updated": ts(updated),
            "resolved": ts(resolved),
            "due": days(due),
            "first_due": days(first_due_stored),
            "due_changes": pa.array(due_changes_stored, mask=due_changes_stored < 0, type=pa.int32()),
            "has_changelog": has_changelog,
        },
        f"""
        (item_key, item_id, project_key, title, item_type, status, status_category, priority,
         resolution, assignee, reporter, created_at, updated_at, resolved_at, due_date,
         first_due_date, due_date_changes, has_changelog, source_file)
        select
            project_key || '-' || cast(i + 1 as varchar), cast(10000 + i as varchar), project_key,
            'Synthetic work item ' || cast(i as varchar), {ITEM_TYPES!r}[item_type + 1],
            case when resolved is null then 'In Progress' else 'Done' end,
            case when resolved is null then 'In Progress' else 'Done' end,
            ['Highest', 'High', 'Medium', 'Low'][cast(i % 4 as integer) + 1],
            case when resolved is null then null else 'Done' end,
            case when assignee < 0 then null else 'person-' || lpad(cast(team as varchar), 3, '0') || '-' || cast(assignee as varchar) end,
            'person-' || lpad(cast(team as varchar), 3, '0') || '-0',
            created, updated, resolved, due, first_due, due_changes, has_changelog, 'bench'
        from (select *, case when unowned then 'ZZZ' else 'P' || lpad(cast(team as varchar), 3, '0') end as project_key from src)
    """,
    )
    # Item keys by index, for the tables below.
    con.execute("""create or replace temp table item_index as
                   select cast(item_id as bigint) - 10000 as i, item_key from work_items""")

    # ---- status changes: ~S in all, only for items with a changelog ------------------------
    lam = status_changes / max(int(has_changelog.sum()), 1)
    counts = np.where(has_changelog, rng.poisson(lam, size=n), 0)
    item = np.repeat(np.arange(n, dtype=np.int64), counts)
    first_row = np.repeat(np.cumsum(counts) - counts, counts)
    position = np.arange(len(item), dtype=np.int64) - first_row
    spread = np.where(resolved >= 0, resolved - created, 20 * DAY)[item]
    changed = created[item] + ((position + rng.random(len(item))) / counts[item] * spread).astype(np.int64)
    insert(
        "status_changes",
        {
            "i": item,
            "k": position,
            "changed": ts(changed),
        },
        """
        (item_key, change_id, changed_at, from_status, to_status, source_file)
        select k.item_key, cast(src.i as varchar) || '-' || cast(src.k as varchar), changed,
               ['To Do', 'In Progress', 'In Review'][cast(src.k % 3 as integer) + 1],
               ['In Progress', 'In Review', 'Done'][cast(src.k % 3 as integer) + 1], 'bench'
        from src join item_index k on k.i = src.i
    """,
    )

    # ---- links: 'Blocks' (inward on the blocked item; half also outward on the blocker) ----
    blocked_share = np.where(after_reorg, 0.12, 0.18)  # fewer dependencies after a reorg
    is_blocked = rng.random(n) < blocked_share
    blocked = np.flatnonzero(is_blocked)
    blocked = np.concatenate([blocked, blocked[rng.random(len(blocked)) < 0.3]])  # some have two
    # Same-team blocker for ~30%: an earlier item of the same team; otherwise any earlier item
    # (with 100 teams almost always another team's).
    order = np.argsort(team_of, kind="stable")
    position_in_order = np.empty(n, dtype=np.int64)
    position_in_order[order] = np.arange(n)
    same_team = rng.random(len(blocked)) < 0.3
    candidate_same = order[np.maximum(position_in_order[blocked] - rng.integers(1, 60, size=len(blocked)), 0)]
    candidate_other = np.maximum(blocked - rng.integers(1, 3000, size=len(blocked)), 0)
    blocker = np.where(same_team, candidate_same, candidate_other)
    keep = blocker != blocked
    blocked, blocker = blocked[keep], blocker[keep]
    pairs = np.unique(np.stack([blocked, blocker], axis=1), axis=0)
    blocked, blocker = pairs[:, 0], pairs[:, 1]
    both_sides = rng.random(len(blocked)) < 0.5
    relates_from = rng.choice(n, size=n // 20, replace=False)
    relates_to = rng.integers(0, n, size=n // 20)
    relates_keep = relates_from != relates_to
    insert(
        "links",
        {
            "a": np.concatenate([blocked, blocker[both_sides], relates_from[relates_keep]]),
            "b": np.concatenate([blocker, blocked[both_sides], relates_to[relates_keep]]),
            "kind": np.concatenate(
                [
                    np.zeros(len(blocked), np.int8),
                    np.ones(int(both_sides.sum()), np.int8),
                    np.full(int(relates_keep.sum()), 2, np.int8),
                ]
            ),
        },
        """
        (item_key, link_type, direction, linked_key, source_file)
        select distinct ka.item_key, case when kind = 2 then 'Relates' else 'Blocks' end,
               case when kind = 1 then 'outward' else 'inward' end, kb.item_key, 'bench'
        from src join item_index ka on ka.i = src.a join item_index kb on kb.i = src.b
    """,
    )

    # ---- 'Link' field changes for ~2% of the blocked items: the changelog path --------------
    with_history = rng.random(len(blocked)) < 0.02
    h_blocked, h_blocker = blocked[with_history], blocker[with_history]
    added = created[h_blocked] + rng.integers(0, 5 * DAY, size=len(h_blocked))
    removed_too = rng.random(len(h_blocked)) < 0.25
    removed = added + rng.integers(DAY, 10 * DAY, size=len(h_blocked))
    noise = rng.random(len(h_blocked)) < 0.3  # "This issue blocks ...": not a blocked link
    insert(
        "field_changes",
        {
            "i": np.concatenate([h_blocked, h_blocked[removed_too], h_blocked[noise]]),
            "other": np.concatenate([h_blocker, h_blocker[removed_too], h_blocker[noise]]),
            "kind": np.concatenate(
                [
                    np.zeros(len(h_blocked), np.int8),
                    np.ones(int(removed_too.sum()), np.int8),
                    np.full(int(noise.sum()), 2, np.int8),
                ]
            ),
            "changed": ts(np.concatenate([added, removed[removed_too], added[noise] + 60])),
        },
        """
        (item_key, change_id, changed_at, field, from_value, from_string, to_value, to_string, source_file)
        select k.item_key, 'link-' || cast(row_number() over (partition by k.item_key order by changed, kind, o.item_key) as varchar),
               changed, 'Link',
               case when kind = 1 then o.item_key end,
               case when kind = 1 then 'This issue is blocked by ' || o.item_key end,
               case when kind <> 1 then o.item_key end,
               case when kind = 0 then 'This issue is blocked by ' || o.item_key
                    when kind = 2 then 'This issue blocks ' || o.item_key end,
               'bench'
        from src join item_index k on k.i = src.i join item_index o on o.i = src.other
    """,
    )

    # ---- releases: ~R / T per team, more often after the reorg -------------------------------
    per_team = releases / teams
    rel_team, rel_time = [], []
    for t in range(teams):
        if reorg[t] is None:
            count = rng.poisson(per_team)
            times = rng.integers(0, SPAN_DAYS * DAY, size=count)
        else:
            split = (reorg[t] - SPAN_START.date()).days * DAY
            rate = per_team / (split + 1.6 * (SPAN_DAYS * DAY - split))
            before = rng.integers(0, split, size=rng.poisson(rate * split))
            after = rng.integers(split, SPAN_DAYS * DAY, size=rng.poisson(1.6 * rate * (SPAN_DAYS * DAY - split)))
            times = np.concatenate([before, after])
        rel_team.append(np.full(len(times), t, np.int32))
        rel_time.append(np.sort(times) + start_s)
    rel_team, rel_time = np.concatenate(rel_team), np.concatenate(rel_time)
    m = len(rel_team)
    rel_kind = (rng.random(m) < 0.35).astype(np.int8)  # 1 = git tag
    insert(
        "releases",
        {
            "r": np.arange(m, dtype=np.int64),
            "team": rel_team,
            "kind": rel_kind,
            "released": ts(rel_time),
            "draft": (rel_kind == 0) & (rng.random(m) < 0.05),
            "pre": (rel_kind == 0) & (rng.random(m) < 0.08),
            "rc": (rel_kind == 1) & (rng.random(m) < 0.10),
        },
        """
        (release_id, source, repo, name, tag_name, created_at, released_at, is_draft, is_prerelease,
         is_released, source_file)
        select case when kind = 1 then 'tag:' else 'github:' end || repo || ':' || tag,
               case when kind = 1 then 'git_tag' else 'github_release' end,
               repo, tag, tag, released, released, draft, pre, true, 'bench'
        from (
            select *, 'acme/repo-' || lpad(cast(team as varchar), 3, '0') as repo,
                   'v' || cast(r // 100 as varchar) || '.' || cast(r % 100 as varchar) || '.0'
                       || case when rc then '-rc1' else '' end as tag
            from src
        )
    """,
    )
    generated = time.perf_counter() - started
    attribution_started = time.perf_counter()
    store.refresh_attribution()
    attribution = time.perf_counter() - attribution_started
    con.execute("checkpoint")
    tables = {
        table: con.execute(f"select count(*) from {table}").fetchall()[0][0]
        for table in ("teams", "work_items", "status_changes", "links", "field_changes", "releases")
    }
    unattributed = con.execute("select count(*) from work_item_teams where team is null").fetchall()[0][0]
    store.close()
    return {
        "generate_seconds": generated,
        "attribution_seconds": attribution,
        "tables": tables,
        "comparison_teams": comparison,
        "unattributed_items": unattributed,
        "db_bytes": db.stat().st_size,
    }


# ---------------------------------------------------------------------------------------------
# Phases, each in a child process (`--phase NAME --db FILE`), printing one JSON line.


def open_store(db: Path):
    from analysis.settings import Settings
    from analysis.store import Store

    store = Store(db)  # the app's defaults: 2 threads, 2 GB
    store.prepare(Settings())  # a file from an older version gets its derived tables once, before timing
    return store


def report_counts(report: dict) -> dict:
    """Per team and period: release days n, commitments n, on time, waits n, median wait."""
    counts = {}
    for team in report["teams"]:
        metrics = team["metrics"]
        counts[team["team"]] = {
            period: [
                metrics["release_frequency"][period]["n"],
                metrics["timeline_accuracy"][period]["n"],
                metrics["timeline_accuracy"][period]["on_time"],
                metrics["dependency_wait"][period]["n"],
                metrics["dependency_wait"][period]["value"],
            ]
            for period in ("before", "after")
        }
    return counts


def phase_report(db: Path) -> dict:
    from analysis.report import build_report
    from analysis.settings import Settings

    store = open_store(db)
    base = peak_rss_bytes()
    started = time.perf_counter()
    report = build_report(store.con, Settings())
    seconds = time.perf_counter() - started
    store.close()
    return {"seconds": seconds, "base_rss": base, "teams": len(report["teams"]), "counts": report_counts(report)}


# compute() also runs these two, for the supporting measures and the wait matrix; the pandas
# version does not compute them, so they are left out of the like-for-like comparison.
NOT_IN_PANDAS_VERSION = ("resolved_items", "wait_matrix")


def phase_compute(db: Path) -> dict:
    from analysis.metrics.rows import compute
    from analysis.settings import Settings

    store = open_store(db)
    timer = Timer()
    con = TimedConnection(store.con, timer)
    base = peak_rss_bytes()
    started = time.perf_counter()
    data = compute(con, Settings())
    seconds = time.perf_counter() - started
    store.close()
    extra = sum(total for path, (total, _) in timer.totals.items() if path[-1].split(" ")[-1] in NOT_IN_PANDAS_VERSION)
    return {
        "seconds": seconds,
        "base_rss": base,
        "three_metrics_seconds": seconds - extra,
        "rows": {
            "release_days": len(data.release_days),
            "commitments": len(data.commitments),
            "waits": len(data.waits),
        },
    }


def phase_team(db: Path) -> dict:
    from analysis.metrics.rows import anchors, compute, data_span, team_windows, teams_table
    from analysis.report import team_report
    from analysis.settings import Settings

    settings = Settings()
    store = open_store(db)
    con = store.con
    base = peak_rss_bytes()
    started = time.perf_counter()
    teams = teams_table(con)
    team = teams.iloc[0]  # the first reorganised team
    windows = team_windows(team.team, anchors(teams, settings)[team.team], data_span(con, settings), settings)
    data = compute(con, settings, windows=windows)
    computed = time.perf_counter()
    result = team_report(team, data, settings)
    finished = time.perf_counter()
    store.close()
    metrics = result.as_json()["metrics"]
    return {
        "seconds": finished - started,
        "compute_seconds": computed - started,
        "effects_seconds": finished - computed,
        "base_rss": base,
        "team": team.team,
        "n": {m: [metrics[m]["before"]["n"], metrics[m]["after"]["n"]] for m in metrics},
    }


# ---- the pandas version ---------------------------------------------------------------------


def pandas_metrics(con, settings) -> tuple[dict, float]:
    """Release days, commitments (on-time share) and dependency waits per team window, in pandas.

    Same definitions as queries/{counted_releases,commitments,blocked_intervals,dependency_waits}.sql,
    from the same stored model: like the queries, it reads each item's team, resolution day and
    committed date from work_item_teams (the attribution's per-item facts, computed at load time
    for both versions). Dependency waits: snapshot links from
    the blocked item's creation, or the changelog's link history where an item has one, to the
    blocker's resolution (or the link's removal), capped by the item's resolution; cross-team
    only; overlapping stretches of one item merged (exact union, not an approximation). Time in a
    blocked status or flagged is left out: the generated data has neither (no 'Blocked' status,
    no Flagged changes), so the query's extra step finds nothing, at its full cost.
    Returns (counts per team and period, seconds spent reading tables).
    """
    import numpy as np
    import pandas as pd

    from analysis.metrics.rows import anchors, team_windows

    read_started = time.perf_counter()
    teams = con.execute("select team, reorg_date from teams").df()
    items = con.execute("select created_at, updated_at, resolved_at from work_items").df()
    item_teams = con.execute(
        "select item_key, team, item_type, created_at, resolved_at, resolved_day, committed_date from work_item_teams"
    ).df()
    releases = con.execute(
        "select release_id, source, tag_name, released_at, release_date, is_draft, "
        "is_prerelease, is_released from releases"
    ).df()
    release_teams = con.execute("select release_id, team from release_teams").df()
    links = con.execute("select item_key, link_type, direction, linked_key from links").df()
    changes = con.execute(
        "select item_key, changed_at, field, from_value, from_string, to_value, to_string from field_changes"
    ).df()
    read_seconds = time.perf_counter() - read_started

    def day(times: pd.Series) -> pd.Series:  # UTC calendar day, as a naive midnight timestamp
        return times.dt.tz_convert(None).dt.floor("D")

    def as_day(dates: pd.Series) -> pd.Series:
        return pd.to_datetime(dates).astype("datetime64[us]")

    # Windows: the data's span, then the same window rule as the app (pure Python).
    released_day = day(releases["released_at"])
    release_day = released_day.fillna(as_day(releases["release_date"]))
    first_day = min(day(items["created_at"]).min(), release_day.min())
    last_day = max(
        day(items["resolved_at"].fillna(items["updated_at"]).fillna(items["created_at"])).max(), release_day.max()
    )
    span = (first_day.date(), last_day.date())
    windows = pd.DataFrame(
        [
            (w.team, w.period, pd.Timestamp(w.start), pd.Timestamp(w.end))
            for team, anchor in anchors(teams, settings).items()
            for w in team_windows(team, anchor, span, settings)
        ],
        columns=["team", "period", "start", "end"],
    )
    windows[["start", "end"]] = windows[["start", "end"]].astype("datetime64[us]")

    def in_windows(frame: pd.DataFrame, team_column: str, day_column: str) -> pd.DataFrame:
        joined = frame.merge(windows, left_on=team_column, right_on="team", suffixes=("_row", ""))
        return joined[(joined[day_column] >= joined["start"]) & (joined[day_column] < joined["end"])]

    # 1. Release days.
    r = releases.assign(released_day=released_day).merge(release_teams, on="release_id")
    counted = (
        r["team"].notna()
        & ~r["is_draft"]
        & (~r["is_prerelease"] | settings.include_prereleases)
        & (
            ((r["source"] == "github_release") & r["released_at"].notna())
            | ((r["source"] == "git_tag") & r["tag_name"].fillna("").str.fullmatch(settings.release_tag_pattern))
            | ((r["source"] == "jira_version") & r["is_released"] & r["release_date"].notna())
        )
    )
    r = r[counted]
    r = r.assign(release_day=np.where(r["source"] == "jira_version", as_day(r["release_date"]), r["released_day"]))
    release_days = in_windows(r[["team", "release_day"]].drop_duplicates(), "team", "release_day")
    release_n = release_days.groupby(["team", "period"]).size()

    # 2. Commitments: items resolved in the window with a committed date.
    resolved = item_teams[item_teams["resolved_at"].notna() & item_teams["team"].notna()]
    resolved = resolved.assign(
        resolved_day=as_day(resolved["resolved_day"]), committed=as_day(resolved["committed_date"])
    )
    if settings.commitment_issue_types:
        resolved = resolved[resolved["item_type"].isin(settings.commitment_issue_types)]
    commitments = in_windows(resolved[resolved["committed"].notna()], "team", "resolved_day")
    commitments = commitments.assign(slip=(commitments["resolved_day"] - commitments["committed"]).dt.days)
    commitment_n = commitments.groupby(["team", "period"]).size()
    on_time = (
        (commitments["slip"] <= settings.tolerance_days).groupby([commitments["team"], commitments["period"]]).sum()
    )

    # 3. Dependency waits.
    pattern = "|".join(re.escape(phrase.lower()) for phrase in settings.blocked_phrases)
    link_changes = changes[changes["field"] == "Link"]
    added = link_changes[
        link_changes["to_value"].notna()
        & link_changes["to_string"].str.lower().str.contains(pattern, regex=True, na=False)
    ]
    added = added.rename(columns={"item_key": "blocked_key", "to_value": "blocker_key", "changed_at": "started_at"})
    removals = link_changes[link_changes["from_value"].notna() & link_changes["to_value"].isna()]
    removals = removals.rename(
        columns={"item_key": "blocked_key", "from_value": "blocker_key", "changed_at": "removed_at"}
    )
    history = pd.merge_asof(
        added[["blocked_key", "blocker_key", "started_at"]].sort_values("started_at"),
        removals[["blocked_key", "blocker_key", "removed_at"]].sort_values("removed_at"),
        left_on="started_at",
        right_on="removed_at",
        by=["blocked_key", "blocker_key"],
        direction="forward",
        allow_exact_matches=False,
    )
    blocking = links[links["link_type"].isin(settings.blocking_link_types)]
    inward = blocking["direction"] == "inward"
    snapshot = pd.DataFrame(
        {
            "blocked_key": blocking["item_key"].where(inward, blocking["linked_key"]),
            "blocker_key": blocking["linked_key"].where(inward, blocking["item_key"]),
        }
    )
    snapshot = snapshot[~snapshot["blocked_key"].isin(set(link_changes["item_key"]))]
    no_time = pd.Series(pd.NaT, index=snapshot.index, dtype=history["started_at"].dtype)
    snapshot = snapshot.assign(started_at=no_time, removed_at=no_time)
    intervals = pd.concat([history, snapshot], ignore_index=True).drop_duplicates()
    with_teams = item_teams[["item_key", "created_at", "resolved_at", "team"]]
    intervals = intervals.merge(
        with_teams.rename(
            columns={
                "item_key": "blocked_key",
                "created_at": "blocked_created",
                "resolved_at": "blocked_resolved",
                "team": "blocked_team",
            }
        ),
        on="blocked_key",
    ).merge(
        with_teams[["item_key", "resolved_at", "team"]].rename(
            columns={"item_key": "blocker_key", "resolved_at": "blocker_resolved", "team": "blocker_team"}
        ),
        on="blocker_key",
    )
    intervals = intervals[
        intervals["blocked_resolved"].notna()
        & intervals["blocked_team"].notna()
        & intervals["blocker_team"].notna()
        & (intervals["blocked_team"] != intervals["blocker_team"])
    ]
    started = intervals["started_at"].fillna(intervals["blocked_created"])
    ended = pd.concat(
        [
            intervals["removed_at"].fillna(intervals["blocked_resolved"]),
            intervals["blocker_resolved"].fillna(intervals["blocked_resolved"]),
            intervals["blocked_resolved"],
        ],
        axis=1,
    ).min(axis=1)
    stretches = pd.DataFrame(
        {
            "blocked_key": intervals["blocked_key"],
            "blocked_team": intervals["blocked_team"],
            "blocked_resolved": intervals["blocked_resolved"],
            "start": started,
            "end": ended,
        }
    )
    stretches = stretches[stretches["end"] > stretches["start"]].sort_values(["blocked_key", "start", "end"])
    previous_end = stretches.groupby("blocked_key")["end"].cummax().groupby(stretches["blocked_key"]).shift(1)
    island = (previous_end.isna() | (stretches["start"] > previous_end)).cumsum()
    merged = stretches.groupby(island).agg(
        blocked_key=("blocked_key", "first"),
        blocked_team=("blocked_team", "first"),
        blocked_resolved=("blocked_resolved", "first"),
        start=("start", "min"),
        end=("end", "max"),
    )
    merged["seconds"] = (merged["end"] - merged["start"]).dt.total_seconds()
    waits = merged.groupby(["blocked_key", "blocked_team", "blocked_resolved"], as_index=False)["seconds"].sum()
    waits = waits.assign(wait_days=waits["seconds"] / 86400.0, resolved_day=day(waits["blocked_resolved"]))
    waits = in_windows(waits, "blocked_team", "resolved_day")
    wait_groups = waits.groupby(["team", "period"])["wait_days"]
    wait_n, wait_median = wait_groups.size(), wait_groups.median()
    items_resolved = in_windows(resolved, "team", "resolved_day").groupby(["team", "period"]).size()

    counts = {}
    for w in windows.itertuples():
        key = (w.team, w.period)
        median = wait_median.get(key)
        counts.setdefault(w.team, {})[w.period] = [
            int(release_n.get(key, 0)),
            int(commitment_n.get(key, 0)),
            int(on_time.get(key, 0)),
            int(wait_n.get(key, 0)),
            None if median is None or pd.isna(median) else round(float(median), 4),
            int(items_resolved.get(key, 0)),
        ]
    return counts, read_seconds


def phase_pandas(db: Path) -> dict:
    import warnings

    from analysis.settings import Settings

    # duckdb 2.0's .df() calls DataFrame.drop(inplace=True), deprecated in pandas 3.1.
    warnings.filterwarnings("ignore", message="The inplace keyword")
    store = open_store(db)
    base = peak_rss_bytes()
    started = time.perf_counter()
    counts, read_seconds = pandas_metrics(store.con, Settings())
    seconds = time.perf_counter() - started
    store.close()
    return {
        "seconds": seconds,
        "read_seconds": read_seconds,
        "compute_seconds": seconds - read_seconds,
        "base_rss": base,
        "counts": counts,
    }


# ---- the breakdown: build_report with every query and Python step timed ----------------------


class Timer:
    """Inclusive wall time per call path ("build_report > histories > compute > sql ...")."""

    def __init__(self):
        self.stack: list[str] = []
        self.totals: dict[tuple, list] = {}  # in the order regions were first entered

    def region(self, name: str):
        timer = self

        class Region:
            def __enter__(self):
                timer.stack.append(name)
                self.path = tuple(timer.stack)
                timer.totals.setdefault(self.path, [0.0, 0])
                self.started = time.perf_counter()

            def __exit__(self, *exc):
                entry = timer.totals[self.path]
                entry[0] += time.perf_counter() - self.started
                entry[1] += 1
                timer.stack.pop()

        return Region()

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            with self.region(name):
                return function(*args, **kwargs)

        return timed


def query_label(sql: str) -> str:
    from analysis import queries

    for name in queries.names():
        if queries.sql(name) in sql:
            return name
    return " ".join(sql.split())[:40]


class TimedResult:
    def __init__(self, result, label: str, timer: Timer):
        self._result, self._label, self._timer = result, label, timer

    def df(self):
        with self._timer.region(f"fetch .df() {self._label}"):
            return self._result.df()

    def fetchall(self):
        with self._timer.region(f"fetch {self._label}"):
            return self._result.fetchall()

    def __getattr__(self, name):
        return getattr(self._result, name)


class TimedRelation:
    def __init__(self, relation, label: str, timer: Timer):
        self._relation, self._label, self._timer = relation, label, timer

    def to_arrow_table(self):
        with self._timer.region(f"sql+fetch arrow {self._label}"):
            return self._relation.to_arrow_table()

    def __getattr__(self, name):
        found = getattr(self._relation, name)
        if not callable(found):
            return found

        def derived(*args, **kwargs):  # project, distinct, order...: still this query's time
            result = found(*args, **kwargs)
            return (
                TimedRelation(result, self._label, self._timer) if isinstance(result, type(self._relation)) else result
            )

        return derived


class TimedConnection:
    def __init__(self, con, timer: Timer):
        self._con, self._timer = con, timer
        self.last_call: dict[str, tuple] = {}  # label -> (sql, args) of its last execution

    def execute(self, sql, *args):
        label = query_label(sql)
        self.last_call[label] = (sql, args)
        with self._timer.region(f"sql {label}"):
            result = self._con.execute(sql, *args)
        return TimedResult(result, label, self._timer)

    def sql(self, sql, params=None):
        """con.sql(...).to_arrow_table(), as metrics.fetch_frame calls it: timed as one region,
        also through the relations made from it (metrics.rows.release_days' distinct days)."""
        label = query_label(sql)
        self.last_call[label] = (sql, (params,) if params else ())
        return TimedRelation(self._con.sql(sql, params=params), label, self._timer)

    def executemany(self, sql, *args):
        with self._timer.region(f"sql (executemany) {query_label(sql)}"):
            return self._con.executemany(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def phase_profile(db: Path) -> dict:
    from analysis import comparison, metrics, report
    from analysis.metrics import supporting
    from analysis.settings import Settings

    timer = Timer()
    for module, names in (
        (
            report,
            (
                "teams_table",
                "data_span",
                "compute",
                "team_histories",
                "team_report",
                "difference_in_differences",
                "placebo",
                "rejected_rows",
                "add_adjusted_p_values",
            ),
        ),
        (comparison, ("TeamHistory",)),
    ):
        for name in names:
            setattr(module, name, timer.wrap(name, getattr(module, name)))
    # Each metric's measure (on its registered instance) and the supporting measures.
    for metric in metrics.registered():
        metric.measure = timer.wrap(metric.name, metric.measure)
    supporting.measure = timer.wrap("supporting_measures", supporting.measure)
    store = open_store(db)
    con = TimedConnection(store.con, timer)
    started = time.perf_counter()
    with timer.region("build_report"):
        report.build_report(con, Settings())
    seconds = time.perf_counter() - started
    sql_times = defaultdict(float)
    for path, (total, _) in timer.totals.items():
        if path[-1].startswith("sql ") or path[-1].startswith("sql+fetch arrow ") or path[-1].startswith("fetch"):
            sql_times[path[-1].split(" ")[-1]] += total
    # DuckDB's own profile of the two slowest metric queries, run again as the report's last
    # compute() ran them (with the same bound windows): the costliest operators.
    plans = {}
    slowest = [
        label
        for label, _ in sorted(sql_times.items(), key=lambda kv: -kv[1])
        if label in con.last_call and label in METRIC_QUERIES
    ][:2]
    for label in slowest:
        sql, args = con.last_call[label]
        plan = json.loads(store.con.execute("explain (analyze, format json) " + sql, *args).fetchall()[0][1])
        plans[label] = costliest_operators(plan)
    store.close()
    return {
        "seconds": seconds,
        "breakdown": [[list(path), total, calls] for path, (total, calls) in timer.totals.items()],
        "sql_totals": dict(sql_times),
        "plans": plans,
    }


METRIC_QUERIES = ("counted_releases", "commitments", "dependency_waits", "wait_matrix", "resolved_items", "data_span")


def costliest_operators(plan: dict, top: int = 3) -> list[dict]:
    """The `top` operators of an EXPLAIN (ANALYZE, FORMAT JSON) plan by their own time."""
    found = []

    def walk(node):
        info = node.get("extra_info", {})
        conditions = info.get("Conditions")
        found.append(
            {
                "operator": node.get("type"),
                "seconds": node.get("timing", 0.0),
                "rows": node.get("intermediate_rows"),
                "estimated": info.get("Estimated Cardinality"),
                "conditions": " and ".join(conditions) if isinstance(conditions, list) else conditions,
            }
        )
        for child in node.get("children", []):
            walk(child)

    for node in plan.get("operator", plan.get("children", [])):
        walk(node)
    return sorted(found, key=lambda op: -(op["seconds"] or 0))[:top]


PHASES = {
    "build": None,
    "report": phase_report,
    "compute": phase_compute,
    "team": phase_team,
    "pandas": phase_pandas,
    "profile": phase_profile,
}


def run_phase(name: str, db: Path, extra: list[str] = ()) -> dict:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--db", str(db), *extra],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    if completed.returncode != 0:
        raise SystemExit(f"phase {name} failed (exit {completed.returncode}):\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------


def compare_counts(duckdb_counts: dict, pandas_counts: dict) -> dict[str, list[str]]:
    """Mismatches per check: release days n, commitments n (the required check), then extras."""
    checks = {"release days n + commitments n": [], "on-time count": [], "waits n": [], "median wait": []}
    for team in sorted(set(duckdb_counts) | set(pandas_counts)):
        for period in ("before", "after"):
            d = duckdb_counts.get(team, {}).get(period)
            p = pandas_counts.get(team, {}).get(period)
            if d is None or p is None:
                checks["release days n + commitments n"].append(f"{team} {period}: missing on one side")
                continue
            for label, index, check in (
                ("release days n", 0, "release days n + commitments n"),
                ("commitments n", 1, "release days n + commitments n"),
                ("on time", 2, "on-time count"),
                ("waits n", 3, "waits n"),
            ):
                if d[index] != p[index]:
                    checks[check].append(f"{team} {period} {label}: duckdb {d[index]} pandas {p[index]}")
            if (d[4] is None) != (p[4] is None) or (d[4] is not None and abs(d[4] - p[4]) > 1e-3):
                checks["median wait"].append(f"{team} {period} median wait: duckdb {d[4]} pandas {p[4]}")
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--status-changes", type=int, help="default: 5 per issue")
    parser.add_argument("--releases", type=int, help="default: 200 per team")
    parser.add_argument("--folder", type=Path, help="work folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database already in --folder (same arguments) instead of building",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each timed phase K times; the table shows the fastest run and the highest peak",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    status_changes = args.status_changes if args.status_changes is not None else 5 * args.issues
    releases = args.releases if args.releases is not None else 200 * args.teams
    if args.phase:
        if args.phase == "build":
            measured = build(args.db, args.issues, args.teams, status_changes, releases)
        else:
            measured = PHASES[args.phase](args.db)
        measured["peak_rss"] = peak_rss_bytes()
        print(json.dumps(measured))
        return 0

    workdir = args.folder or Path(tempfile.mkdtemp(prefix="threadline-report-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"report-{args.issues}-{args.teams}-{status_changes}-{releases}.duckdb"
    try:
        if args.reuse and db.exists():
            print(f"database: {db} (reused)")
        else:
            for stale in (db, Path(str(db) + ".wal")):
                stale.unlink(missing_ok=True)
            # In a child too: Linux carries ru_maxrss across fork + exec, so a parent that had
            # built the database itself would pass its peak on to every phase measured after.
            built = run_phase(
                "build",
                db,
                [
                    "--issues",
                    str(args.issues),
                    "--teams",
                    str(args.teams),
                    "--status-changes",
                    str(status_changes),
                    "--releases",
                    str(releases),
                ],
            )
            print(f"database: {db}")
            print(
                f"  generated in {built['generate_seconds']:.1f} s, attribution (refresh_attribution) "
                f"{built['attribution_seconds']:.1f} s; {mib(built['db_bytes'])} on disk; "
                f"build peak RSS {mib(built['peak_rss'])}"
            )
            print(
                "  rows: "
                + ", ".join(f"{table} {count:,}" for table, count in built["tables"].items())
                + f"; {built['comparison_teams']} comparison teams; "
                f"{built['unattributed_items']:,} unattributed items"
            )

        print(
            f"  load average before the phases: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
            f"on {os.cpu_count()} CPUs (the Store uses 2 threads)"
        )
        results = {}
        for name in ("report", "compute", "team", "pandas", "profile"):
            runs = [run_phase(name, db) for _ in range(max(args.repeat, 1) if name != "profile" else 1)]
            results[name] = min(runs, key=lambda run: run["seconds"])
            results[name]["peak_rss"] = max(run["peak_rss"] for run in runs)
            results[name]["all_seconds"] = [round(run["seconds"], 2) for run in runs]

        rep, comp, team, pand = results["report"], results["compute"], results["team"], results["pandas"]
        rows = [
            ("(a) full report build_report()", rep),
            ("    context: compute() all teams", comp),
            ("      of which the three metrics", {"seconds": comp["three_metrics_seconds"]}),
            (f"(b) one team ({team['team']}): total", team),
            ("      compute(windows=team)", {"seconds": team["compute_seconds"]}),
            ("      team_report (effects)", {"seconds": team["effects_seconds"]}),
            ("(c) pandas, three metrics: total", pand),
            ("      read tables with .df()", {"seconds": pand["read_seconds"]}),
            ("      pandas computation", {"seconds": pand["compute_seconds"]}),
        ]
        print()
        print(f"{'phase':<38}{'seconds':>9}{'peak RSS':>12}{'base':>10}")
        for label, measured in rows:
            peak = mib(measured["peak_rss"]) if "peak_rss" in measured else ""
            base = mib(measured["base_rss"]) if "base_rss" in measured else ""
            print(f"{label:<38}{measured['seconds']:>9.2f}{peak:>12}{base:>10}")
        if args.repeat > 1:
            for name in ("report", "compute", "team", "pandas"):
                print(f"  {name} runs: {results[name]['all_seconds']} s")
        speedup_metrics = pand["seconds"] / comp["three_metrics_seconds"]
        speedup_compute = pand["seconds"] / comp["seconds"]
        speedup_report = pand["seconds"] / rep["seconds"]
        print()
        print(
            f"speed-up, pandas / DuckDB three metrics (compute() without {' and '.join(NOT_IN_PANDAS_VERSION)}): "
            f"{speedup_metrics:.2f}x"
        )
        print(f"speed-up, pandas / whole compute() (all teams): {speedup_compute:.2f}x")
        print(
            f"speed-up, pandas / full report (which also runs histories, effects, DiD, placebo): {speedup_report:.2f}x"
        )

        checks = compare_counts(rep["counts"], pand["counts"])
        required = checks.pop("release days n + commitments n")
        print()
        if required:
            print(f"counts DISAGREE ({len(required)} mismatches), first ones:")
            for line in required[:10]:
                print(f"  {line}")
        else:
            print(f"counts agree (release days n and commitments n, {len(rep['counts'])} teams x 2 windows)")
        for label, mismatches in checks.items():
            print(
                f"  also {label}: "
                + ("agrees" if not mismatches else f"{len(mismatches)} mismatches, e.g. {mismatches[0]}")
            )

        print()
        print(f"breakdown of build_report (inclusive seconds, profiled run {results['profile']['seconds']:.2f} s):")
        for path, total, calls in results["profile"]["breakdown"]:
            if total >= 0.01 or len(path) <= 2:
                print(f"  {'  ' * (len(path) - 1)}{path[-1]:<{60 - 2 * len(path)}}{total:>8.2f}{calls:>6}x")
        print("  SQL totals (execute + fetch):")
        for label, total in sorted(results["profile"]["sql_totals"].items(), key=lambda kv: -kv[1])[:8]:
            print(f"    {label:<40}{total:>8.2f}")
        for label, operators in results["profile"]["plans"].items():
            print(f"  EXPLAIN ANALYZE {label} (report windows), costliest operators:")
            for op in operators:
                print(
                    f"    {op['operator']:<24}{op['seconds']:>7.2f} s {op['rows'] or 0:>13,} rows "
                    f"(estimated {op['estimated']})" + (f"  on {op['conditions']}" if op["conditions"] else "")
                )

        print()
        print(f"load average after the phases: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        targets = [
            (
                f"full report under {TARGET_REPORT_SECONDS:g} s",
                rep["seconds"] < TARGET_REPORT_SECONDS,
                f"{rep['seconds']:.2f} s",
            ),
            (
                f"DuckDB three metrics at least {TARGET_SPEEDUP:g}x faster than pandas",
                speedup_metrics >= TARGET_SPEEDUP,
                f"{speedup_metrics:.2f}x (whole compute(): {speedup_compute:.2f}x, full report: {speedup_report:.2f}x)",
            ),
            ("pandas and DuckDB counts agree", not required, f"{len(required)} mismatches"),
        ]
        for label, holds, shown in targets:
            print(f"  [{'ok' if holds else 'MISSED'}] {label}: {shown}")
        return 0 if all(holds for _, holds, _ in targets) else 1
    finally:
        if args.keep:
            print(f"\nkept {db}")
        else:
            if args.folder:
                for stale in (db, Path(str(db) + ".wal")):
                    stale.unlink(missing_ok=True)
            else:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
