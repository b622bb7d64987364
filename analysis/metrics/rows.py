"""The three delivery metrics (and supporting measures) per team, before and after its reorg.

DuckDB does the heavy lifting (queries/*.sql); what comes back to pandas is one small row per
release day, commitment or blocked item, which the statistics need anyway.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import queries
from ..settings import Settings
from ..store import check_derived

PERIODS = ("before", "after")
WHOLE_SPAN = "all"  # the period of a team's window over the data's whole span (history_windows)


@dataclass(frozen=True)
class Window:
    team: str
    period: str  # before / after
    start: dt.date  # first day
    end: dt.date  # first day after the window

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 0)


@dataclass
class MetricData:
    """Everything the report needs, for all teams at once."""

    windows: list[Window]
    span: tuple[dt.date | None, dt.date | None]
    comparison_date: dt.date | None
    release_days: pd.DataFrame  # team, period, release_day
    commitments: pd.DataFrame  # team, period, item_key, committed_date, slip_days, replans, ...
    waits: pd.DataFrame  # team, period, item_key, wait_days
    wait_matrix: pd.DataFrame  # team, period, blocker_team, items_waiting, wait_days
    resolved: pd.DataFrame  # team, period, items_resolved, median_cycle_days, ...
    # Reads a whole-data query by name, for no_data_reason's facts (None: computed without
    # supporting measures). Only a team with no data asks, so most reports never run them.
    fetch: Callable[[str], pd.DataFrame] | None = field(default=None, repr=False)
    _groups: dict = field(default_factory=dict, repr=False)

    def _fact(self, query: str) -> pd.DataFrame:
        key = ("fact", query)
        if key not in self._groups:
            self._groups[key] = self.fetch(query) if self.fetch else pd.DataFrame()
        return self._groups[key]

    @property
    def team_inputs(self) -> pd.DataFrame:
        """queries/team_inputs.sql: team, releases, items_resolved, resolved_with_commitment, ..."""
        return self._fact("team_inputs")

    @property
    def unowned(self) -> pd.DataFrame:
        """queries/unowned_sources.sql: kind, value, items, releases of what belongs to no team."""
        return self._fact("unowned_sources")

    def team_input(self, team: str, name: str) -> int | None:
        """One of queries/team_inputs.sql's counts for a team (None: not computed)."""
        if not len(self.team_inputs):
            return None
        found = self.team_inputs.loc[self.team_inputs["team"] == team, name]
        return int(found.iloc[0]) if len(found) else 0

    def window(self, team: str, period: str) -> Window | None:
        return next((w for w in self.windows if w.team == team and w.period == period), None)

    def pooled_rows(self, table: str, teams: tuple[str, ...], period: str) -> pd.DataFrame:
        """Several teams' rows of one window together (the comparison group of every DiD)."""
        key = ("pooled", table, teams, period)
        if key not in self._groups:
            self._groups[key] = pd.concat([self.rows(table, team, period) for team in teams])
        return self._groups[key]

    def rows(self, table: str, team: str, period: str) -> pd.DataFrame:
        """One team's rows of one window (reports ask for every team in turn; a boolean mask over
        the whole frame each time is too slow): the before and after windows from one split of
        the table, a whole-span window cut out when asked for (a report reads those column by
        column, `column`, never as frames; the Team page asks for its team's)."""
        if period != WHOLE_SPAN:
            if table not in self._groups:  # every team's windows, split in one pass
                frame = getattr(self, table)
                windows = frame[frame["period"] != WHOLE_SPAN] if len(frame) else frame
                groups = dict(tuple(windows.groupby(["team", "period"], sort=False))) if len(windows) else {}
                self._groups[table] = (groups, frame.iloc[0:0])
            groups, empty = self._groups[table]
            return groups.get((team, period), empty)
        key = ("rows", table, team, period)
        if key not in self._groups:
            positions = self._positions(table).get((team, period))
            frame = getattr(self, table)
            self._groups[key] = frame.iloc[0:0] if positions is None else frame.take(positions)
        return self._groups[key]

    def column(self, table: str, team: str, period: str, column: str) -> np.ndarray:
        """One column of `rows(table, team, period)` as a numpy array, without cutting out the rows."""
        key = ("array", table, column)
        if key not in self._groups:
            self._groups[key] = getattr(self, table)[column].to_numpy()
        values = self._groups[key]
        positions = self._positions(table).get((team, period))
        return values[:0] if positions is None else values[positions]

    def _positions(self, table: str) -> dict:
        key = ("positions", table)
        if key not in self._groups:
            frame = getattr(self, table)
            self._groups[key] = frame.groupby(["team", "period"], sort=False).indices if len(frame) else {}
        return self._groups[key]


def data_span(con, settings: Settings) -> tuple[dt.date | None, dt.date | None]:
    first_day, last_day = con.execute(queries.sql("data_span"), {"timezone": settings.timezone}).fetchall()[0][1:]
    return first_day, last_day


def comparison_date(teams: pd.DataFrame, settings: Settings) -> dt.date | None:
    """The calendar date comparison teams are measured around: chosen, else the earliest reorg."""
    if settings.comparison_date:
        return settings.comparison_date
    dates = teams["reorg_date"].dropna()
    return _as_date(min(dates)) if len(dates) else None


def team_windows(team: str, anchor: dt.date | None, span, settings: Settings) -> list[Window]:
    """before = [R - window, R), after = [R + transition, R + transition + window), cut to span."""
    first_day, last_day = span
    if anchor is None or first_day is None:
        return []
    after_start = anchor + dt.timedelta(days=settings.transition_days)
    day_after_span = last_day + dt.timedelta(days=1)
    before = Window(
        team, "before", max(anchor - dt.timedelta(days=settings.window_days), first_day), min(anchor, day_after_span)
    )
    after = Window(
        team,
        "after",
        max(after_start, first_day),
        min(after_start + dt.timedelta(days=settings.window_days), day_after_span),
    )
    return [w if w.days else Window(team, w.period, w.start, w.start) for w in (before, after)]


def teams_table(con) -> pd.DataFrame:
    return con.execute(queries.sql("teams_list")).df()


def anchors(teams: pd.DataFrame, settings: Settings) -> dict[str, dt.date | None]:
    """Each team's reorg date, or the comparison date for a team that did not reorganise."""
    fallback = comparison_date(teams, settings)
    return {team.team: _as_date(team.reorg_date) or fallback for team in teams.itertuples()}


def compute(con, settings: Settings, windows: list[Window] | None = None, supporting: bool = True) -> MetricData:
    """Metric rows for the given windows (default: every team's before and after windows).

    Reads only: the derived tables must have been prepared for these settings (Store.prepare).
    `supporting=False` skips the wait matrix and supporting measures (not needed for histories).
    """
    check_derived(con, settings)
    teams = teams_table(con)
    span = data_span(con, settings)
    if windows is None:
        windows = [
            window
            for team, anchor in anchors(teams, settings).items()
            for window in team_windows(team, anchor, span, settings)
        ]
    # Item days and commitments come from work_item_teams, made in the settings' time zone;
    # only release days are converted here (counted_release_parameters).
    window_rows = window_parameter(windows)
    return MetricData(
        windows=windows,
        span=span,
        comparison_date=comparison_date(teams, settings),
        release_days=release_days(con, counted_release_parameters(windows, settings)),
        commitments=fetch_frame(
            con, "commitments", {**window_rows, "issue_types": list(settings.commitment_issue_types)}
        ),
        waits=fetch_frame(con, "dependency_waits", window_rows),
        wait_matrix=fetch_frame(con, "wait_matrix", window_rows) if supporting else pd.DataFrame(),
        resolved=fetch_frame(con, "resolved_items", window_rows) if supporting else pd.DataFrame(),
        fetch=functools.partial(fetch_frame, con) if supporting else None,
    )


def window_parameter(windows: list[Window]) -> dict:
    """The $windows parameter of the metric queries: one list of structs, bound, never written."""
    return {
        "windows": [{"team": w.team, "period": w.period, "start_date": w.start, "end_date": w.end} for w in windows]
    }


def counted_release_parameters(windows: list[Window], settings: Settings) -> dict:
    """The parameters of queries/counted_releases.sql: the windows, and the settings that decide
    which releases count and on which day."""
    return {
        **window_parameter(windows),
        "timezone": settings.timezone,
        "include_prereleases": settings.include_prereleases,
        "tag_pattern": settings.release_tag_pattern,
    }


def release_days(con, params: dict) -> pd.DataFrame:
    """Each team's release days in each window (team, period, release_day): the distinct days of
    the counted releases of queries/counted_releases.sql, the one place that says which releases
    count, so the metric and its drill-down cannot disagree. Several releases on one day are one
    release day. The distinct days are taken in DuckDB (one row per day comes back, not one per
    release); the relation keeps the parameters bound."""
    releases = con.sql(queries.sql("counted_releases"), params=params)
    return arrow_frame(releases.project("team, period, release_day").distinct().order("team, period, release_day"))


def fetch_frame(con, query: str, params: dict | None = None) -> pd.DataFrame:
    """A metric query's rows as a DataFrame (arrow_frame)."""
    return arrow_frame(con.sql(queries.sql(query), params=params or {}))


def arrow_frame(relation) -> pd.DataFrame:
    """A relation's rows as a DataFrame, through Arrow: its strings stay Arrow-backed (pandas'
    str dtype) instead of becoming one Python object each, as .df() makes them, which took most
    of the time of the larger queries. Types are those .df() gives: dates as datetime64[us],
    integer columns with nulls as nullable integers."""
    table = relation.to_arrow_table()
    frame = table.to_pandas(date_as_object=False)
    for schema_field, column in zip(table.schema, table.columns):
        name, arrow_type = schema_field.name, schema_field.type
        if pa.types.is_date(arrow_type):
            frame[name] = frame[name].astype("datetime64[us]")
        elif pa.types.is_integer(arrow_type) and column.null_count:
            frame[name] = column.to_pandas(types_mapper=pd.ArrowDtype).astype(f"Int{arrow_type.bit_width}")
    return frame


def _as_date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else value
