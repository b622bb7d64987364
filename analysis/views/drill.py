"""Drill-down: the releases, items and blocking links behind a number the pages show.

Every selection here is a pure function of the metric's own rows (`metrics.rows.compute`, the
rows the report counted) or of the query its number comes from (`queries/wait_matrix.sql` ->
`queries/blocking_links.sql`), so the rows shown for a grid cell, a chart point or a heatmap
cell are the ones counted, as many as its n. Details that identify a row for a person (titles,
release names, links) are added from `queries/item_details.sql` and
`queries/counted_releases.sql`. Links go through `safe_url` (http and https only); tables show
export text as it is, never as HTML.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import pandas as pd

from .. import metrics, queries
from ..metrics.base import ReleaseChart
from ..metrics.rows import (
    PERIODS,
    MetricData,
    Window,
    compute,
    counted_release_parameters,
    fetch_frame,
    window_parameter,
)
from ..settings import Settings
from .team import DAILY_MEDIANS, ROLLING_RATE, WHOLE_SPAN, TeamData, item_kinds, period_of, safe_url

RELEASE_COLUMNS = {
    "period": "Window",
    "release_day": "Release day",
    "name": "Name",
    "tag_name": "Tag",
    "source": "Source",
    "repository": "Repository / project",
    "url": "Link",
}
ITEM_COLUMNS = {
    "period": "Window",
    "item_key": "Key",
    "title": "Title",
    "item_type": "Type",
    "status": "Status",
    "resolved_day": "Resolved",
}
LINK_COLUMNS = {
    "period": "Window",
    "blocked_key": "Blocked item",
    "blocked_title": "Blocked title",
    "blocked_url": "Blocked link",
    "blocker_key": "Blocker",
    "blocker_title": "Blocker title",
    "blocker_url": "Blocker link",
    "started_at": "Blocked from",
    "ended_at": "Blocked until",
    "resolved_day": "Blocked item resolved",
    "wait_days": "Wait (days)",
}


SELECTED = "selected"  # the counts' key for points picked on a chart (any window)


@dataclass
class Drill:
    """The rows behind one number: `rows` (columns labelled by `labels`, links in `links`),
    and per window how many of what the metric counts they hold (`counts`, its n: release days
    or items), which `counted` names."""

    title: str
    rows: pd.DataFrame
    counts: dict[str, int]
    counted: str
    labels: dict[str, str]
    links: tuple[str, ...] = ("url",)
    row_name: str = "row"  # what one row is: "release" (a release day may have several), "blocking link"

    def caption(self) -> str:
        rows = f"{len(self.rows)} {self.row_name}{'s' if len(self.rows) != 1 else ''}"
        if list(self.counts) == [SELECTED]:
            return f"{self.title}: {self.counted} selected: {self.counts[SELECTED]} ({rows})."
        if not self.counts:
            return f"{self.title}: no window to count {self.counted} in ({rows})."
        per_window = ", ".join(f"{period} n={n}" for period, n in self.counts.items())
        return f"{self.title}: {per_window} {self.counted} ({rows})."


# ---- the metric's rows -------------------------------------------------------------------------


def team_windows(entry: dict) -> list[Window]:
    """A report entry's before and after windows, as the report measured them."""
    return [
        Window(entry["team"], period, _date(w["start"]), _date(w["end"])) for period, w in entry["windows"].items() if w
    ]


def metric_rows(con, settings: Settings, entry: dict) -> MetricData:
    """The rows the report counted for one team's windows (compute() for that team alone)."""
    return compute(con, settings, windows=team_windows(entry), supporting=False)


def grid_cell(grid: pd.DataFrame, row: int) -> tuple[str, str] | None:
    """(team, metric name) of the Overview grid's row at position `row` (None: no such row).
    The grid has one row per team and metric, so any selected cell of a row names both."""
    if not 0 <= row < len(grid):
        return None
    by_label = {metric.label: metric.name for metric in metrics.registered()}
    found = grid.iloc[row]
    name = by_label.get(found["metric"])
    return (found["team"], name) if name else None


def metric_drill(con, settings: Settings, entry: dict, metric: str, rows: MetricData | None = None) -> Drill:
    """The rows behind one team's metric in both windows (a cell of the Overview grid): the
    releases of its release days, or its counted items with the metric's own columns (committed
    and resolved dates, slip, on time; or the wait). `rows` are the metric's rows if they were
    computed already (the Team page's), else they are computed for this team."""
    chosen = metrics.get(metric)
    rows = rows if rows is not None else metric_rows(con, settings, entry)
    team = entry["team"]
    counted = {period: rows.rows(chosen.chart.table, team, period) for period in PERIODS}
    title = f"{team}, {chosen.label}"
    if isinstance(chosen.chart, ReleaseChart):
        days = pd.concat([frame[["period", chosen.chart.day_column]] for frame in counted.values()])
        days = days.rename(columns={chosen.chart.day_column: "release_day"})
        windows = [w for w in rows.windows if w.team == team and w.period in PERIODS]
        found = releases_on_days(con, settings, windows, days)
        counts = {p: len(f) for p, f in counted.items()}
        return Drill(title, found, counts, "release days", RELEASE_COLUMNS, row_name="release")
    found = item_rows(con, chosen, rows, team, PERIODS, settings, pd.concat(counted.values()))
    return Drill(title, found, {p: len(f) for p, f in counted.items()}, "items", item_labels(chosen))


def releases_on_days(con, settings: Settings, windows: list[Window], days: pd.DataFrame) -> pd.DataFrame:
    """The counted releases (queries/counted_releases.sql, whose distinct days are the metric's
    release days) of `windows` whose (period, release_day) is a row of `days`: each release
    day's releases, newest first."""
    if not windows or days.empty:
        return pd.DataFrame(columns=list(RELEASE_COLUMNS))
    found = con.execute(queries.sql("counted_releases"), counted_release_parameters(windows, settings)).df()
    found["release_day"] = pd.to_datetime(found["release_day"]).dt.date
    wanted = set(zip(days["period"], pd.to_datetime(days["release_day"]).dt.date))
    found = found[[key in wanted for key in zip(found["period"], found["release_day"])]]
    found["url"] = found["url"].map(safe_url)
    found = found.sort_values(["release_day", "release_id"], ascending=[False, True], ignore_index=True)
    return found[list(RELEASE_COLUMNS)]


def item_labels(metric) -> dict[str, str]:
    return {**ITEM_COLUMNS, **metric.item_columns, "url": "Link"}


def item_rows(con, metric, data: MetricData, team: str, periods, settings: Settings, counted: pd.DataFrame):
    """`counted` (rows of the metric's table: period, item_key, resolved_day...) with the
    metric's own columns for each item (its item_values) and what identifies it (title, type,
    status, link from queries/item_details.sql)."""
    base = counted[["period", "item_key", "resolved_day"]].copy()
    values = metric.item_values(data, team, periods, settings)
    if values is not None:
        base = base.merge(values.drop_duplicates("item_key"), on="item_key", how="left")
    details = con.execute(queries.sql("item_details"), {"item_keys": base["item_key"].tolist()}).df()
    base = base.merge(details.drop(columns=["assignee", "labels"]), on="item_key", how="left")
    base["url"] = base["url"].map(safe_url)
    base["resolved_day"] = pd.to_datetime(base["resolved_day"]).dt.date
    base = base.sort_values(["resolved_day", "item_key"], ascending=[False, True], ignore_index=True)
    return base[list(item_labels(metric))]


# ---- Team page chart points --------------------------------------------------------------------


def chart_points(con, data: TeamData, metric: str, figure, points: list[dict]) -> Drill | None:
    """The rows behind the points selected on one metric's Team page chart (None: nothing
    selected that stands for rows). A release day's mark: that day's releases; a point of the
    rolling line: the release days of the 30 days up to it; an item's point: that item; a day's
    median mark: that day's items of its kind; a bar of the distributions: its items; a window's
    level: the window's rows."""
    chosen = metrics.get(metric)
    table = chosen.chart.table
    day_column = chosen.chart.day_column if isinstance(chosen.chart, ReleaseChart) else "resolved_day"
    everything = data.rows.rows(table, data.team, WHOLE_SPAN)
    picked = []
    for point in points:
        trace = figure.data[point["curve_number"]]
        name = trace.name or ""
        index = point.get("point_index", point.get("point_number"))
        if trace.type == "histogram":  # a bar of a window's distribution: its items, by their keys
            period = name.split(" ")[0]
            keys = {html.unescape(str(trace.customdata[number])) for number in point.get("point_numbers") or []}
            window = data.rows.rows(table, data.team, period)
            picked.append(window[window["item_key"].isin(keys)])
        elif name.startswith(tuple(f"{p}:" for p in PERIODS)) and "lines" in trace.mode:  # a window's level
            picked.append(data.rows.rows(table, data.team, name.split(":")[0]))
        elif trace.meta == DAILY_MEDIANS and "x" in point:  # a day's median: that day's items of its kind
            picked.append(_items_of_day(data, table, everything, trace.legendgroup, _date(point["x"])))
        elif trace.customdata is not None and index is not None and day_column == "resolved_day":
            key = html.unescape(str(trace.customdata[index]))  # plotly_text escaped it for the hover
            picked.append(everything[everything["item_key"] == key])
        elif "x" in point and (trace.meta == ROLLING_RATE or trace.mode == "lines"):  # the rolling rate
            last = _date(point["x"])  # the 30 days up to it
            first = last - dt.timedelta(days=29)
            days = pd.to_datetime(everything[day_column]).dt.date
            picked.append(everything[(days >= first) & (days <= last)])
        elif "x" in point and trace.mode == "markers":  # a release day's mark
            day = _date(point["x"])
            picked.append(everything[pd.to_datetime(everything[day_column]).dt.date == day])
    if not picked:
        return None
    return _team_drill(con, data, chosen, pd.concat(picked).drop_duplicates(), f"{data.team}, {chosen.label}")


def _items_of_day(data: TeamData, table: str, everything: pd.DataFrame, kind: str, day: dt.date) -> pd.DataFrame:
    """The items resolved on `day` that a daily-median mark of `kind` (a window, or outside the
    windows) stands for."""
    of_day = everything[pd.to_datetime(everything["resolved_day"]).dt.date == day]
    return of_day[item_kinds(data, table, of_day) == kind]


def event_points(con, data: TeamData, figure, points: list[dict]) -> Drill | None:
    """The rows behind the selected points of the event study (one 30-day period of one metric,
    the period's n): the metric's rows of the whole span in [start, start + 30 days)."""
    shown = metrics.registered()
    picked, chosen = [], None
    for point in points:
        trace = figure.data[point["curve_number"]]
        index = point.get("point_index", point.get("point_number"))
        if trace.mode != "lines+markers" or index is None:
            continue
        axis = trace.yaxis or "y"
        chosen = shown[int(axis[1:] or 1) - 1]
        events = data.events[data.events["metric"] == chosen.name].reset_index(drop=True)
        start = _date(events.loc[index, "start"])
        picked.append((chosen, start))
    if not picked:
        return None
    chosen = picked[-1][0]
    frames = [period_rows(data, metric, start) for metric, start in picked if metric is chosen]
    starts = ", ".join(sorted({start.isoformat() for metric, start in picked if metric is chosen}))
    return _team_drill(con, data, chosen, pd.concat(frames), f"{data.team}, {chosen.label}, 30 days from {starts}")


def period_rows(data: TeamData, metric, start: dt.date) -> pd.DataFrame:
    """One metric's rows of the team's whole span in the event study's period [start, +30 days)."""
    table = metric.chart.table
    day_column = metric.chart.day_column if isinstance(metric.chart, ReleaseChart) else "resolved_day"
    everything = data.rows.rows(table, data.team, WHOLE_SPAN)
    days = pd.to_datetime(everything[day_column]).dt.date
    return everything[(days >= start) & (days < start + dt.timedelta(days=30))]


def _team_drill(con, data: TeamData, metric, picked: pd.DataFrame, title: str) -> Drill:
    """Rows of the metric's table (any window) as a Drill, each marked with its report window."""
    if isinstance(metric.chart, ReleaseChart):
        days = picked.rename(columns={metric.chart.day_column: "release_day"}).assign(period=WHOLE_SPAN)
        window = data.rows.window(data.team, WHOLE_SPAN)
        found = releases_on_days(con, data.settings, [window] if window else [], days[["period", "release_day"]])
        found["period"] = found["release_day"].map(lambda day: _period_of(data, day))
        counts = {SELECTED: int(days["release_day"].nunique())}
        return Drill(title, found, counts, "release days", RELEASE_COLUMNS, row_name="release")
    picked = picked.assign(period=WHOLE_SPAN).drop_duplicates("item_key")
    found = item_rows(con, metric, data.rows, data.team, (WHOLE_SPAN,), data.settings, picked)
    found["period"] = found["resolved_day"].map(lambda day: _period_of(data, day))
    return Drill(title, found, {SELECTED: len(picked)}, "items", item_labels(metric))


def _period_of(data: TeamData, day) -> str:
    return period_of(data, day) or "outside"


# ---- Dependencies heatmap cells ----------------------------------------------------------------


def blocking_links(con, settings: Settings, entry: dict, blocker_team: str, periods=PERIODS) -> Drill:
    """The blocking links behind one cell of the wait matrix (`entry`'s team waited on
    `blocker_team`) in `periods`: each blocked stretch with both items, its dates and its share
    of the team's wait; the distinct blocked items are the cell's items, the waits add up to its
    wait days (queries/blocking_links.sql reads the stretches queries/wait_matrix.sql sums)."""
    windows = [w for w in team_windows(entry) if w.period in periods]
    found = fetch_frame(con, "blocking_links", {**window_parameter(windows), "blocker_team": blocker_team})
    for column in ("blocked_url", "blocker_url"):
        found[column] = found[column].map(safe_url)
    found["resolved_day"] = pd.to_datetime(found["resolved_day"]).dt.date
    counts = {w.period: int(found.loc[found["period"] == w.period, "blocked_key"].nunique()) for w in windows}
    title = f"{entry['team']} waited on {blocker_team}"
    links = ("blocked_url", "blocker_url")
    return Drill(title, found[list(LINK_COLUMNS)], counts, "items waiting", LINK_COLUMNS, links, "blocking link")


def matrix_cell(matrix: pd.DataFrame, row: int, column: str) -> tuple[str, str] | None:
    """(waiting team, blocking team) of a selected cell of the wait matrix table (None: the
    cell is empty, or is the row's label)."""
    if not 0 <= row < len(matrix) or column not in matrix.columns or column == matrix.columns[0]:
        return None
    value = matrix.iloc[row][column]
    if value is None or pd.isna(value):
        return None
    return str(matrix.iloc[row, 0]), column


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return dt.date.fromisoformat(str(value)[:10])
