"""The Team page: one team's three metrics over time, the numbers behind them, and how sure we are.

Everything here is plain data, sentences and Plotly figures; the page only draws them.

- Statistics (values, n, effects, verdicts, difference-in-differences, placebo) are read from the
  report dict; the only extra computation is one `compute()` call for this team's before, after
  and whole-span windows, which gives the per-item rows the charts plot and the history the
  event study (`comparison.event_study`) needs.
- Text from exports (team names, item keys, titles) is escaped for wherever it goes: Markdown
  (`markdown_literal`) or Plotly's HTML-like labels (`plotly_text`). Tables (st.dataframe) show
  it as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import queries
from ..comparison import TeamHistory, event_study, history_windows
from ..metrics.rows import PERIODS, MetricData, Window, compute, data_span, teams_table
from ..report import METRICS
from ..report_format import effect_text
from ..settings import Settings
from ..store import ensure_attribution
from .common import (
    METRIC_LABELS,
    OKABE_ITO,
    PERIOD_COLOURS,
    VERDICT_BADGES,
    mark_reorg,
    markdown_literal,
    plotly_text,
    shade_windows,
)

WHOLE_SPAN = "all"  # the period label of comparison.history_windows (the data's whole span)
ROLLING_DAYS = 30  # the release timeline's rolling rate, per 30 days like the metric
ROWS_SHOWN = 2000  # item and release tables: enough to browse, small to send
TEAM_PAGES_KEPT = 4  # per session: a few teams to flip between without recomputing
OUTSIDE_COLOUR = "#D9D9D9"  # items resolved outside both windows
BADGE_COLOURS = {"improved": "blue", "worsened": "red", "no clear change": "gray", "insufficient data": "gray"}
ATTRIBUTION_LABELS = {
    "team_field": "Jira team field",
    "component": "component owner",
    "project": "project owner",
    "assignee": "assignee's team",
    "none": "no rule",
}
CHART_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


# ---- the data ---------------------------------------------------------------------------------


@dataclass
class TeamData:
    """One team's report entry and the per-item rows behind it."""

    team: str
    entry: dict  # the team's entry of report["teams"]
    anchor: dt.date | None  # the reorg date, or the comparison date for a comparison team
    comparison_date: dt.date | None
    settings: Settings
    rows: MetricData  # windows: before, after and WHOLE_SPAN for this team only
    history: TeamHistory
    events: pd.DataFrame  # comparison.event_study around the anchor (empty without one)

    @property
    def is_comparison(self) -> bool:
        return self.entry["reorg_date"] is None

    def metric(self, name: str) -> dict:
        return self.entry["metrics"][name]

    def window(self, period: str) -> dict | None:
        return self.entry["windows"].get(period)


def team_names(con) -> list[str]:
    """Reorganised teams by reorg date, then comparison teams (the report's order)."""
    return teams_table(con)["team"].tolist()


def load_team(con, settings: Settings, entry: dict) -> TeamData:
    """The rows behind one team's report entry (from build_report or build_team_report): its
    before and after windows and the data's whole span, from one compute() call."""
    team = entry["team"]
    windows = [Window(team, period, _date(w["start"]), _date(w["end"])) for period, w in entry["windows"].items() if w]
    rows = compute(con, settings, windows=windows + history_windows([team], data_span(con, settings)), supporting=False)
    anchor = _date(entry["reorg_date"]) or rows.comparison_date
    history = TeamHistory(rows, team, settings.tolerance_days)
    events = (
        event_study(history, anchor, settings)
        if anchor
        else pd.DataFrame(columns=["period", "start", "metric", "value", "n", "ci_low", "ci_high"])
    )
    return TeamData(team, entry, anchor, rows.comparison_date, settings, rows, history, events)


def item_sources(con, team: str) -> pd.DataFrame:
    """attributed_by, items, items_with_changelog for the team's work items."""
    return con.execute(queries.sql("team_item_sources"), {"team": team}).df()


def items_table(con, data: TeamData, search: str = "") -> tuple[pd.DataFrame, int]:
    """The items resolved in the team's windows matching `search` (at most ROWS_SHOWN), with
    each one's commitment and wait as the metrics counted them, and how many matched in all."""
    before, after = data.window("before"), data.window("after")
    if not (before and after):
        return pd.DataFrame(columns=ITEM_COLUMNS), 0
    # The query reads the resolution days stored with the attribution: in this time zone.
    ensure_attribution(con, data.settings.timezone)
    found = con.execute(
        queries.sql("team_items"),
        {
            "team": data.team,
            "search": search.strip(),
            "before_start": _date(before["start"]),
            "before_end": _date(before["end"]),
            "after_start": _date(after["start"]),
            "after_end": _date(after["end"]),
            "row_limit": ROWS_SHOWN,
        },
    ).df()
    matching = int(found["matching_items"].iloc[0]) if len(found) else 0
    commitments = pd.concat([data.rows.rows("commitments", data.team, p) for p in PERIODS])
    waits = pd.concat([data.rows.rows("waits", data.team, p) for p in PERIODS])
    table = found.merge(
        commitments[["item_key", "committed_date", "commitment_source", "replans", "slip_days"]],
        on="item_key",
        how="left",
    ).merge(waits[["item_key", "wait_days"]], on="item_key", how="left")
    # On time as the metric counts it: at most `tolerance_days` late, early included.
    table["on_time"] = table["slip_days"].map(
        lambda slip: None if pd.isna(slip) else bool(slip <= data.settings.tolerance_days)
    )
    table["url"] = table["url"].map(safe_url)
    for column in ("resolved_day", "committed_date"):
        table[column] = pd.to_datetime(table[column]).dt.date
    return table[ITEM_COLUMNS], matching


ITEM_COLUMNS = [
    "item_key",
    "url",
    "title",
    "item_type",
    "status",
    "assignee",
    "period",
    "resolved_day",
    "committed_date",
    "commitment_source",
    "replans",
    "slip_days",
    "on_time",
    "wait_days",
    "attributed_by",
]
ITEM_COLUMN_LABELS = {
    "item_key": "Key",
    "url": "Link",
    "title": "Title",
    "item_type": "Type",
    "status": "Status",
    "assignee": "Assignee",
    "period": "Window",
    "resolved_day": "Resolved",
    "committed_date": "Committed",
    "commitment_source": "Committed date from",
    "replans": "Re-plans",
    "slip_days": "Slip (days)",
    "on_time": "On time",
    "wait_days": "Cross-team wait (days)",
    "attributed_by": "Team from",
}


def releases_table(con, data: TeamData, search: str = "") -> tuple[pd.DataFrame, int]:
    """The team's releases matching `search` (at most ROWS_SHOWN) and how many matched in all."""
    found = con.execute(
        queries.sql("team_releases"),
        {
            "team": data.team,
            "timezone": data.settings.timezone,
            "search": search.strip(),
            "row_limit": ROWS_SHOWN,
        },
    ).df()
    matching = int(found["matching_releases"].iloc[0]) if len(found) else 0
    found["url"] = found["url"].map(safe_url)
    found["release_day"] = pd.to_datetime(found["release_day"]).dt.date
    found["period"] = found["release_day"].map(lambda day: period_of(data, day) or "outside")
    return found[RELEASE_COLUMNS], matching


RELEASE_COLUMNS = [
    "release_day",
    "name",
    "url",
    "source",
    "repository",
    "tag_name",
    "is_draft",
    "is_prerelease",
    "is_released",
    "period",
]
RELEASE_COLUMN_LABELS = {
    "release_day": "Day",
    "name": "Name",
    "url": "Link",
    "source": "Source",
    "repository": "Repository / project",
    "tag_name": "Tag",
    "is_draft": "Draft",
    "is_prerelease": "Prerelease",
    "is_released": "Released",
    "period": "Window",
}


def period_of(data: TeamData, day) -> str | None:
    """Which report window a day falls in (windows are [start, end)), or None."""
    if day is None or pd.isna(day):
        return None
    day = pd.Timestamp(day).date()
    for period in PERIODS:
        window = data.window(period)
        if window and _date(window["start"]) <= day < _date(window["end"]):
            return period
    return None


def safe_url(url) -> str | None:
    """A link only for http(s) URLs: an export could carry a javascript: or data: URL."""
    if not isinstance(url, str) or not re.match(r"https?://", url.strip(), re.IGNORECASE):
        return None
    return url.strip()


# ---- escaping export text ---------------------------------------------------------------------


def markdown_list(lines: list[str]) -> str:
    """Plain lines as a Markdown bullet list, each line escaped."""
    return "\n".join("- " + markdown_literal(line) for line in lines)


# ---- sentences --------------------------------------------------------------------------------


def context_sentence(data: TeamData) -> str:
    """Who the team is and which dates it is measured around."""
    entry, settings = data.entry, data.settings
    if data.is_comparison:
        if data.comparison_date is None:
            return (
                f"{entry['team']} did not reorganise, and no team has a reorg date, so there is "
                "no date to measure it around."
            )
        chosen = "chosen in the settings" if settings.comparison_date else "the earliest reorg date"
        return (
            f"{entry['team']} did not reorganise: it is a comparison team, measured around "
            f"{data.comparison_date.isoformat()} ({chosen}), the same calendar windows as the "
            "reorganised teams, to show what changed without a reorg."
        )
    model = f" to the {entry['model']} model" if entry["model"] else ""
    return f"{entry['team']} reorganised{model} on {entry['reorg_date']}."


def windows_sentence(data: TeamData) -> str:
    parts = []
    for period in PERIODS:
        window = data.window(period)
        if window and window["days"]:
            last = _date(window["end"]) - dt.timedelta(days=1)
            parts.append(f"{period} = {window['start']} to {last.isoformat()} ({window['days']} days)")
        else:
            parts.append(f"{period} = no data")
    transition = data.settings.transition_days
    gap = f", after a {transition}-day transition left out" if transition else ""
    return "Windows: " + "; ".join(parts) + gap + "."


def summary_sentence(data: TeamData, metric: str) -> str:
    """One plain-English line per metric, always with n on each side."""
    name, settings = data.team, data.settings
    m = data.metric(metric)
    before, after, effect, verdict = m["before"], m["after"], m["effect"], m["verdict"]
    confidence = f"{settings.confidence:.0%}"
    if metric == "release_frequency":
        counts = f"{before['n']} release days before, {after['n']} after"
        if verdict == "insufficient data" or effect["estimate"] is None:
            return (
                f"{name}: too few release days to say whether release frequency changed "
                f"({counts}; at least {settings.min_releases} needed on each side)."
            )
        interval = _interval(effect, lambda x: f"{x:.1f}x")
        return f"{name} now releases {effect['estimate']:.1f}x as often ({confidence} interval {interval}): {verdict} ({counts})."
    if metric == "timeline_accuracy":
        counts = f"{before['n']} commitments before, {after['n']} after"
        if verdict == "insufficient data" or effect["estimate"] is None:
            return (
                f"{name}: too few delivered commitments to say whether timeline accuracy changed "
                f"({counts}; at least {settings.min_items} needed on each side)."
            )
        interval = _interval(effect, lambda x: f"{x * 100:+.0f}")
        return (
            f"{name} now delivers {after['value']:.0%} of its commitments on time, against "
            f"{before['value']:.0%} before ({effect['estimate'] * 100:+.0f} points, {confidence} interval "
            f"{interval}): {verdict} ({counts})."
        )
    counts = f"{before['n']} items waiting on other teams before, {after['n']} after"
    if verdict == "insufficient data" or effect["estimate"] is None:
        return (
            f"{name}: too few items waited on other teams to say whether dependency waits changed "
            f"({counts}; at least {settings.min_items} needed on each side)."
        )
    interval = _interval(effect, lambda x: f"{x:+.1f}")
    return (
        f"{name}'s items that waited on other teams now wait a median {after['value']:.1f} days, against "
        f"{before['value']:.1f} before ({effect['estimate']:+.1f} days, {confidence} interval {interval}): "
        f"{verdict} ({counts})."
    )


def effect_sentence(data: TeamData, metric: str) -> str:
    m = data.metric(metric)
    what = {
        "release_frequency": "Rate ratio after/before",
        "timeline_accuracy": "Change in on-time share",
        "dependency_wait": "Change in median wait",
    }[metric]
    adjusted = m["effect"].get("p_value_adjusted")
    adjusted_text = "" if adjusted is None else f" (adjusted for every team and metric: p={adjusted:.3g})"
    return f"{what}: {effect_text(metric, m['effect'])}{adjusted_text}. Verdict: {m['verdict']}."


def verdict_badge(verdict: str) -> tuple[str, str]:
    """(label with its symbol, a colour st.badge knows) for a verdict."""
    return VERDICT_BADGES[verdict][0], BADGE_COLOURS[verdict]


def placebo_sentences(data: TeamData) -> list[str]:
    """The placebo check in words, one line per metric."""
    placebo = data.entry.get("placebo") or {}
    if not placebo.get("dates"):
        return [f"No placebo check: {placebo.get('reason', 'no dates to try')}."]
    lines = [
        (
            f"Each check pretends the reorg happened on {placebo['dates']} random dates in the before period "
            f"(windows of {placebo['window_days']} days on each side) and counts how often that alone "
            "changed the metric as much as the real date did."
        )
    ]
    for metric in METRICS:
        result = placebo.get(metric)
        label = METRIC_LABELS[metric]
        if result is None:
            lines.append(f"{label}: no check (the real change could not be estimated, or no pretend date gave one).")
            continue
        tried = result["placebo_effects"]
        as_large = round(result["share_as_large"] * tried)
        meaning = (
            "so a change this large is rare in this team's data before the reorg"
            if result["share_as_large"] <= 1 - data.settings.confidence
            else "so a change this large is within the ordinary noise of this team's data"
        )
        lines.append(
            f"{label}: in {as_large} of {tried} random dates in the before period a change "
            f"this large appeared, {meaning}."
        )
    return lines


def data_quality_notes(data: TeamData, sources: pd.DataFrame, unattributed_items: int = 0) -> list[str]:
    """What to keep in mind when reading this team's numbers."""
    settings, notes = data.settings, []
    total = int(sources["items"].sum()) if len(sources) else 0
    if total:
        by_rule = ", ".join(
            f"{ATTRIBUTION_LABELS.get(r.attributed_by, r.attributed_by)} {int(r.items)}" for r in sources.itertuples()
        )
        notes.append(f"The team's {total} work items got their team from: {by_rule}.")
        with_changelog = int(sources["items_with_changelog"].sum())
        notes.append(
            f"{with_changelog} of {total} items ({with_changelog / total:.0%}) came with a changelog. "
            "Without one, the first due date and re-plans are unknown and a dependency wait is "
            "counted from the item's creation, not from when the link was added."
        )
    else:
        notes.append("No work items are attributed to this team.")
    if unattributed_items:
        notes.append(f"{unattributed_items} work items in the organisation have no team and count for no team.")
    timeline = data.metric("timeline_accuracy")
    for period in PERIODS:
        side = timeline[period]
        if not side["n"]:
            continue
        sources_used = data.rows.rows("commitments", data.team, period)["commitment_source"].value_counts()
        sources_used = sources_used.sort_index().sort_values(ascending=False, kind="stable")  # ties: by name
        basis = ", ".join(f"the {source} for {count}" for source, count in sources_used.items())
        note = f"{period.capitalize()} window: of {side['n']} commitments, {basis}"
        if "first due date" in side["commitment_basis"]:
            note += f"; {side['replanned_items']} were re-planned after their first due date"
        if "final due date" in side["commitment_basis"]:
            note += (
                ". A final due date means no changelog: re-plans are invisible, so accuracy may look better than it was"
            )
        notes.append(note + ".")
    for metric in METRICS:
        m = data.metric(metric)
        if m["verdict"] == "insufficient data":
            minimum, unit = (
                (settings.min_releases, "release days")
                if metric == "release_frequency"
                else (settings.min_items, "items")
            )
            notes.append(
                f"{METRIC_LABELS[metric]}: insufficient data, {m['before']['n']} {unit} before and "
                f"{m['after']['n']} after; at least {minimum} are needed on each side."
            )
    for period in PERIODS:
        window = data.window(period)
        if window and window["days"] < settings.window_days:
            notes.append(
                f"The {period} window is cut to {window['days']} of {settings.window_days} days by "
                "the span of the data."
            )
    return notes


# ---- numbers tables ---------------------------------------------------------------------------


def metric_numbers(data: TeamData, metric: str) -> pd.DataFrame:
    """The numbers behind one metric's chart: measure, before, after (as text)."""
    m = data.metric(metric)
    b, a = m["before"], m["after"]
    if metric == "release_frequency":
        rows = [
            ("Release days (n)", b["n"], a["n"]),
            ("Window (days)", b["window_days"], a["window_days"]),
            ("Release days per 30 days", _number(b["value"], ".2f"), _number(a["value"], ".2f")),
            (
                "Median days between releases",
                _number(b["median_days_between"], ".1f"),
                _number(a["median_days_between"], ".1f"),
            ),
        ]
    elif metric == "timeline_accuracy":
        rows = [
            ("Delivered commitments (n)", b["n"], a["n"]),
            (f"On time (at most {data.settings.tolerance_days} days late)", b["on_time"], a["on_time"]),
            ("On-time share", _number(b["value"], ".0%"), _number(a["value"], ".0%")),
            (
                "Median slip (days, late > 0)",
                _number(b["median_slip_days"], ".1f"),
                _number(a["median_slip_days"], ".1f"),
            ),
            (
                "85th percentile of |slip| (days)",
                _number(b["p85_abs_slip_days"], ".1f"),
                _number(a["p85_abs_slip_days"], ".1f"),
            ),
            ("Re-planned items", b["replanned_items"], a["replanned_items"]),
        ]
    else:
        rows = [
            ("Items resolved", b["items_resolved"], a["items_resolved"]),
            ("Items with a cross-team wait (n)", b["n"], a["n"]),
            ("Share of items waiting", _number(b["share_waiting"], ".0%"), _number(a["share_waiting"], ".0%")),
            ("Median wait (days)", _number(b["value"], ".1f"), _number(a["value"], ".1f")),
            ("85th percentile wait (days)", _number(b["p85_wait_days"], ".1f"), _number(a["p85_wait_days"], ".1f")),
        ]
    return pd.DataFrame(
        [(label, str(before), str(after)) for label, before, after in rows], columns=["measure", "before", "after"]
    )


def waits_on_table(data: TeamData) -> pd.DataFrame:
    """Who the team waited on: blocking team, items and total wait days, before and after."""
    rows = [
        (side["team"], period, side["items"], side["wait_days"])
        for period in PERIODS
        for side in data.metric("dependency_wait")[period]["waits_on"]
    ]
    frame = pd.DataFrame(rows, columns=["team", "period", "items", "wait_days"])
    if frame.empty:
        return pd.DataFrame(columns=WAITS_ON_COLUMNS)
    wide = frame.pivot_table(index="team", columns="period", values=["items", "wait_days"], aggfunc="sum")
    table = pd.DataFrame({"team": wide.index})
    for period in PERIODS:
        table[f"items {period}"] = _column(wide["items"], period).fillna(0).astype(int).to_numpy()
        table[f"days {period}"] = _column(wide["wait_days"], period).fillna(0).round(1).to_numpy()
    return table.sort_values(["days after", "days before"], ascending=False, ignore_index=True)[WAITS_ON_COLUMNS]


WAITS_ON_COLUMNS = ["team", "items before", "days before", "items after", "days after"]


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(float("nan"), index=frame.index)


def supporting_table(data: TeamData) -> pd.DataFrame:
    s = data.entry["supporting"]
    rows = [
        ("Throughput (items resolved)", "throughput", "d"),
        ("Median cycle time (days)", "median_cycle_days", ".1f"),
        ("Items per release day", "items_per_release_day", ".1f"),
        ("Median epic duration (days)", "median_epic_days", ".1f"),
    ]
    return pd.DataFrame(
        [(label, _number(s["before"][key], fmt), _number(s["after"][key], fmt)) for label, key, fmt in rows],
        columns=["measure", "before", "after"],
    )


def did_table(data: TeamData) -> pd.DataFrame | None:
    """The team's change against the comparison teams' change, per metric; None if not computed."""
    did = data.entry.get("difference_in_differences")
    if not did:
        return None
    measured_as = {
        "release_frequency": "team's rate ratio / comparison teams' rate ratio",
        "timeline_accuracy": "team's change in on-time share - comparison teams' change",
        "dependency_wait": "team's change in median wait - comparison teams' change",
    }
    return pd.DataFrame(
        [(METRIC_LABELS[m], measured_as[m], effect_text(m, did[m])) for m in METRICS],
        columns=["metric", "measured as", "estimate (interval), p"],
    )


def did_sentence(data: TeamData) -> str:
    if data.is_comparison:
        return (
            f"{data.team} is a comparison team itself, so it has no difference-in-differences; "
            "reorganised teams are compared against it."
        )
    did = data.entry.get("difference_in_differences")
    if not did:
        return "No comparison teams (a team in teams.csv without a reorg date), so no difference-in-differences."
    return (
        f"The change of {data.team} minus the pooled change of the comparison teams ("
        + ", ".join(did["comparison_teams"])
        + ") over the same calendar windows: what changed beyond "
        "what changed for teams that did not reorganise."
    )


# ---- figures ----------------------------------------------------------------------------------


def release_figure(data: TeamData) -> go.Figure:
    """Release days on a timeline, the rolling 30-day rate, and each window's rate from the report."""
    days = pd.to_datetime(data.rows.rows("release_days", data.team, WHOLE_SPAN)["release_day"])
    figure = go.Figure()
    span = rolling_release_rate(data)
    figure.add_trace(
        go.Scatter(
            x=span["day"],
            y=span["rate"],
            mode="lines",
            name=f"release days in the last {ROLLING_DAYS} days",
            line={"color": OKABE_ITO["black"], "width": 1.5},
            hovertemplate="%{x|%Y-%m-%d}: %{y:.0f} release days in the last 30 days<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[0] * len(days),
            mode="markers",
            name="release day",
            marker={"symbol": "line-ns-open", "size": 14, "color": OKABE_ITO["orange"], "line": {"width": 2}},
            hovertemplate="release on %{x|%Y-%m-%d}<extra></extra>",
        )
    )
    m = data.metric("release_frequency")
    for period in PERIODS:
        _window_level(
            figure,
            data.window(period),
            m[period]["value"],
            period,
            f"{period}: {_number(m[period]['value'], '.2f')} per 30 days (n={m[period]['n']})",
        )
    _headroom(figure, span["rate"])
    _decorate(figure, data, y_title=f"release days per {ROLLING_DAYS} days")
    return figure


def rolling_release_rate(data: TeamData) -> pd.DataFrame:
    """Release days in the 30 days up to each day of the data's span (from the 30th day on)."""
    window = _whole_span(data)
    if window is None:
        return pd.DataFrame({"day": pd.to_datetime([]), "rate": []})
    calendar = pd.date_range(window.start, window.end - dt.timedelta(days=1), freq="D")
    released = pd.Series(0, index=calendar)
    days = pd.to_datetime(data.rows.rows("release_days", data.team, WHOLE_SPAN)["release_day"])
    released[released.index.isin(days)] = 1
    rate = released.rolling(ROLLING_DAYS, min_periods=ROLLING_DAYS).sum()
    return pd.DataFrame({"day": calendar, "rate": rate.to_numpy()})


def slip_figure(data: TeamData) -> go.Figure:
    """Each delivered commitment's slip over time, the tolerance band, each window's median,
    and the before/after distributions at the side."""
    tolerance = data.settings.tolerance_days
    figure = _items_over_time(data, "commitments", "slip_days", "slip")
    band = {"color": OKABE_ITO["green"], "width": 1, "dash": "dot"}
    figure.add_hrect(y0=0, y1=tolerance, fillcolor=OKABE_ITO["green"], opacity=0.15, line_width=0, layer="below")
    figure.add_hline(y=tolerance, line=band)
    # The band's legend entry: a line that draws nothing.
    figure.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            line=band,
            name=f"tolerance: on time up to {tolerance} d late (early counts)",
        )
    )
    m = data.metric("timeline_accuracy")
    for period in PERIODS:
        _window_level(
            figure,
            data.window(period),
            m[period]["median_slip_days"],
            period,
            f"{period}: median slip {_number(m[period]['median_slip_days'], '.1f')} d (n={m[period]['n']})",
        )
    _decorate(figure, data, y_title="slip (days late; early < 0)")
    return figure


def wait_figure(data: TeamData) -> go.Figure:
    """Each waiting item's cross-team wait over time, each window's median, and the before/after
    distributions at the side."""
    figure = _items_over_time(data, "waits", "wait_days", "wait")
    m = data.metric("dependency_wait")
    for period in PERIODS:
        _window_level(
            figure,
            data.window(period),
            m[period]["value"],
            period,
            f"{period}: median wait {_number(m[period]['value'], '.1f')} d (n={m[period]['n']})",
        )
    _decorate(figure, data, y_title="days blocked by other teams")
    return figure


def event_study_figure(data: TeamData) -> go.Figure:
    """Each metric per 30-day period around the reorg (or comparison) date with its interval band."""
    figure = make_subplots(
        rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07, subplot_titles=[METRIC_LABELS[m] for m in METRICS]
    )
    titles = {
        "release_frequency": "release days / 30 d",
        "timeline_accuracy": "on-time share",
        "dependency_wait": "median wait (d)",
    }
    for row, metric in enumerate(METRICS, start=1):
        rows = data.events[data.events["metric"] == metric]
        starts = pd.to_datetime(rows["start"])
        ends = starts + pd.Timedelta(days=30)
        band_x, band_y = [], []
        for start, end, low, high in zip(starts, ends, rows["ci_low"], rows["ci_high"]):
            if pd.notna(low) and pd.notna(high) and abs(low) != float("inf") and abs(high) != float("inf"):
                band_x += [start, end, end, start, start, None]
                band_y += [low, low, high, high, low, None]
        figure.add_trace(
            go.Scatter(
                x=band_x,
                y=band_y,
                fill="toself",
                mode="lines",
                line={"width": 0},
                fillcolor="rgba(0, 114, 178, 0.18)",
                name=f"{data.settings.confidence:.0%} interval",
                showlegend=row == 1,
                legendgroup="band",
                hoverinfo="skip",
            ),
            row=row,
            col=1,
        )
        middles = starts + pd.Timedelta(days=15)
        hovers = [
            f"30 days from {start:%Y-%m-%d}: {_number(value, '.2f')} (n={n}, interval {_bound(low)} to {_bound(high)})"
            for start, value, n, low, high in zip(starts, rows["value"], rows["n"], rows["ci_low"], rows["ci_high"])
        ]
        figure.add_trace(
            go.Scatter(
                x=middles,
                y=rows["value"],
                mode="lines+markers",
                name="per 30-day period",
                line={"color": OKABE_ITO["blue"]},
                marker={"size": 6},
                showlegend=row == 1,
                legendgroup="value",
                customdata=rows["n"].tolist(),
                text=hovers,
                hovertemplate="%{text}<extra></extra>",
            ),
            row=row,
            col=1,
        )
        figure.update_yaxes(title_text=titles[metric], row=row, col=1)
        _headroom(figure, pd.concat([rows["value"], rows["ci_high"]]), row=row)
    figure.update_yaxes(tickformat=".0%", row=2, col=1)
    for annotation in figure.layout.annotations:  # the subplot titles, clear of the reorg label
        annotation.update(x=0, xanchor="left")
    _mark_windows(figure, data)
    # The window labels once, in the top row, rather than in every row.
    figure.layout.annotations = [a for a in figure.layout.annotations if a.text not in PERIODS or a.yref == "y domain"]
    figure.update_layout(height=640, margin=CHART_MARGIN, legend={"orientation": "h", "y": -0.08})
    return figure


def _items_over_time(data: TeamData, table: str, column: str, what: str) -> go.Figure:
    """Per-item values over the resolution day (coloured by window), with horizontal histograms of
    the before and after windows on a second x axis at the right (the marginal distribution)."""
    # Sorted for a figure that is the same on every run: the query's rows come in any order.
    everything = data.rows.rows(table, data.team, WHOLE_SPAN).sort_values(["resolved_day", "item_key"])
    by_period = {p: data.rows.rows(table, data.team, p) for p in PERIODS}
    period_of_item = {key: p for p in PERIODS for key in by_period[p]["item_key"]}
    figure = go.Figure()
    for period, colour in (("outside the windows", OUTSIDE_COLOUR), *((p, PERIOD_COLOURS[p]) for p in PERIODS)):
        rows = everything[
            everything["item_key"].map(lambda key: period_of_item.get(key, "outside the windows")) == period
        ]
        figure.add_trace(
            go.Scatter(
                x=pd.to_datetime(rows["resolved_day"]),
                y=rows[column].astype(float),
                mode="markers",
                name=period,
                marker={"color": colour, "size": 6, "opacity": 0.75, "line": {"width": 0.5, "color": "white"}},
                customdata=[plotly_text(key) for key in rows["item_key"]],
                legendgroup=period,
                hovertemplate=f"%{{customdata}}: {what} %{{y:.1f}} d, resolved %{{x|%Y-%m-%d}}<extra></extra>",
            )
        )
    for period in PERIODS:
        values = by_period[period][column].astype(float)
        figure.add_trace(
            go.Histogram(
                y=values,
                xaxis="x2",
                yaxis="y",
                orientation="h",
                name=f"{period} (n={len(values)})",
                marker={"color": PERIOD_COLOURS[period]},
                opacity=0.6,
                legendgroup=period,
                showlegend=False,
                hovertemplate=f"{period}: %{{x}} items at %{{y}} d<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="overlay",
        xaxis={"domain": [0, 0.72], "type": "date"},
        xaxis2={"domain": [0.8, 1], "anchor": "y", "title": {"text": "items"}},
    )
    _headroom(figure, everything[column].astype(float))
    return figure


def _window_level(figure: go.Figure, window: dict | None, value, period: str, label: str) -> None:
    """A horizontal segment across a window at the report's value for it."""
    if not window or value is None or not window["days"]:
        return
    figure.add_trace(
        go.Scatter(
            x=[window["start"], window["end"]],
            y=[value, value],
            mode="lines",
            name=label,
            line={"color": PERIOD_COLOURS[period], "width": 3, "dash": "dash"},
            hovertemplate=f"{label}<extra></extra>",
        )
    )


def _headroom(figure: go.Figure, values: pd.Series, row: int | None = None) -> None:
    """Room above the highest finite value for the window labels along the top of the plot."""
    finite = values[values.abs() != float("inf")].dropna()
    if len(finite):
        low, high = min(float(finite.min()), 0.0), max(float(finite.max()), 1.0)
        figure.update_yaxes(
            range=[low - 0.05 * (high - low), high + 0.2 * (high - low)], row=row, col=1 if row else None
        )


def _decorate(figure: go.Figure, data: TeamData, y_title: str) -> None:
    _mark_windows(figure, data)
    figure.update_layout(
        height=420,
        margin=CHART_MARGIN,
        yaxis_title=y_title,
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
    )


def _mark_windows(figure: go.Figure, data: TeamData) -> None:
    """Shade the windows and mark the reorg; the window labels move clear of the reorg line."""
    shade_windows(figure, data.entry["windows"])
    for annotation in figure.layout.annotations:
        if annotation.text in PERIODS:
            annotation.xshift = -6 if annotation.text == "before" else 6
    mark_reorg(figure, data.anchor, _anchor_label(data))


def event_study_title(data: TeamData) -> str:
    return f"Month by month around the {'comparison date' if data.is_comparison else 'reorg'}"


def _anchor_label(data: TeamData) -> str:
    return "comparison date" if data.is_comparison else "reorg"


def _whole_span(data: TeamData) -> Window | None:
    return data.rows.window(data.team, WHOLE_SPAN)


def _interval(effect: dict, fmt: Callable[[float], str]) -> str:
    low, high = effect["ci_low"], effect["ci_high"]
    return f"{'unbounded' if low is None else fmt(low)} to {'unbounded' if high is None else fmt(high)}"


def _bound(value) -> str:
    """An interval bound; infinite when the sample is too small to bound it."""
    return "unbounded" if pd.isna(value) or abs(value) == float("inf") else f"{value:.2f}"


def _number(value, fmt: str) -> str:
    return "-" if value is None or pd.isna(value) else format(value, fmt)


def _date(value) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def unattributed_items(con) -> int:
    """Work items in the whole organisation that no attribution rule gave a team."""
    summary = con.execute(queries.sql("attribution_summary")).df()
    return int(summary.loc[summary["attributed_by"] == "none", "items"].sum())


# ---- the whole page -----------------------------------------------------------------------------

METRIC_FIGURES = {"release_frequency": release_figure, "timeline_accuracy": slip_figure, "dependency_wait": wait_figure}


@dataclass
class MetricSection:
    """One metric's chart and the numbers behind it."""

    metric: str
    label: str
    badge: tuple[str, str]  # (verdict with its symbol, st.badge colour)
    figure: go.Figure
    numbers: pd.DataFrame  # measure, before, after
    effect: str
    waits_on: pd.DataFrame | None  # dependency wait only


@dataclass
class TeamPage:
    """Everything the Team page shows for one team except the searchable tables, built once per
    data version, settings and team (it does not change while the visitor searches or scrolls).
    Texts are plain: the page escapes them for Markdown (markdown_text)."""

    data: TeamData
    context: str
    windows: str
    summaries: list[str]
    sections: list[MetricSection]
    event_study_title: str
    event_study: go.Figure
    did_sentence: str
    did_table: pd.DataFrame | None
    placebo: list[str]
    supporting: pd.DataFrame
    quality_notes: list[str]


def team_page(con, settings: Settings, entry: dict) -> TeamPage:
    data = load_team(con, settings, entry)
    team = data.team
    sections = [
        MetricSection(
            metric,
            METRIC_LABELS[metric],
            verdict_badge(data.metric(metric)["verdict"]),
            build(data),
            metric_numbers(data, metric),
            effect_sentence(data, metric),
            waits_on_table(data) if metric == "dependency_wait" else None,
        )
        for metric, build in METRIC_FIGURES.items()
    ]
    return TeamPage(
        data=data,
        context=context_sentence(data),
        windows=windows_sentence(data),
        summaries=[summary_sentence(data, metric) for metric in METRICS],
        sections=sections,
        event_study_title=event_study_title(data),
        event_study=event_study_figure(data),
        did_sentence=did_sentence(data),
        did_table=did_table(data),
        placebo=placebo_sentences(data),
        supporting=supporting_table(data),
        quality_notes=data_quality_notes(data, item_sources(con, team), unattributed_items(con)),
    )
