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

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import metrics, queries
from ..comparison import TeamHistory, event_study, history_windows
from ..headline import STO_EXPLAINED, STO_MODELS
from ..metrics import supporting
from ..metrics.base import INSUFFICIENT_REASONS, ItemChart, ReleaseChart, basis_text, number
from ..metrics.rows import PERIODS, MetricData, Window, compute, data_span, teams_table
from ..number_words import p_number_text, p_value_text
from ..report import METRICS
from ..report_format import decision_text, effect_text
from ..settings import Settings
from ..store import check_derived
from . import common, palette
from .common import (
    METRIC_LABELS,
    badge_text,
    markdown_literal,
    plotly_text,
    shown_verdict,
    window_marks,
)

WHOLE_SPAN = "all"  # the period label of comparison.history_windows (the data's whole span)
ROLLING_DAYS = 30  # the release timeline's rolling rate, per 30 days like the metric
# Items of one kind (a window's, or those outside the windows) drawn one mark each up to this many;
# beyond it, one mark per day at that day's median (DAILY_MEDIANS). Thousands of marks (a large
# team's history) take a second to draw, hide one another, and make the page and the pack heavy.
ITEM_MARKS_MAX = 1000
DAILY_MEDIANS = "daily medians"  # the trace's meta: each mark is a day's items
ROLLING_RATE = "rolling rate"  # the trace's meta: each point is the 30 days up to its day
OUTSIDE_WINDOWS = "outside the windows"  # the kind of the items no window counts
ROWS_SHOWN = 2000  # item and release tables: enough to browse, small to send
TEAM_PAGES_KEPT = 4  # per session: a few teams to flip between without recomputing
BADGE_COLOURS = {"improved": "blue", "worsened": "red", "no clear change": "gray", "insufficient data": "gray"}
ATTRIBUTION_LABELS = {
    "team_field": "Jira team field",
    "component": "component owner",
    "project": "project owner",
    "assignee": "assignee's team",
    "none": "no rule",
}
CHART_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def selectable_line_marker(colour: str) -> dict:
    """Markers that draw nothing (the legend included), for the lines a click or a box selects
    (Plotly selects no point of a trace drawn as lines alone): the rolling release rate and the
    window levels. Their colour is the line's, for the hover label."""
    return {"opacity": 0, "size": 0, "color": colour}


LEVEL_POINT_DAYS = 7  # days between the selectable points of a window's level
EVENT_TITLE_LINE = 24  # pixels: one line of a subplot title (16 px type) in the month-by-month chart


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
    compared_with: list[str] = dataclasses.field(default_factory=list)  # the teams in its decisions
    adjusted_comparisons: int | None = None  # p-values adjusted together in its report (None: not adjusted)

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


def unknown_team_note(asked: str | None, names: list[str], shown: str | None) -> str | None:
    """What to say when a link names a team this data does not hold (mistyped, renamed, or
    another workspace's): the team selectbox then drops the name and shows `shown` instead."""
    if not asked or asked in names or shown is None:
        return None
    return f"No team named {markdown_literal(asked)} in this data: showing {markdown_literal(shown)}."


def load_team(
    con, settings: Settings, entry: dict, rows: MetricData | None = None, report: dict | None = None
) -> TeamData:
    """The rows behind one team's report entry (from build_report or build_team_report): its
    before and after windows and the data's whole span, from one compute() call, or the rows
    build_team_report_with_rows computed the entry from (they hold them already). `report`, the
    whole report the entry comes from, names the teams its decisions compared it with and how
    many p-values were adjusted together (the Overview's badges)."""
    team = entry["team"]
    if rows is None:
        windows = [
            Window(team, period, _date(w["start"]), _date(w["end"])) for period, w in entry["windows"].items() if w
        ]
        rows = compute(
            con, settings, windows=windows + history_windows([team], data_span(con, settings)), supporting=False
        )
    anchor = _date(entry["reorg_date"]) or rows.comparison_date
    history = TeamHistory(rows, team, settings)
    events = (
        event_study(history, anchor, settings)
        if anchor
        else pd.DataFrame(columns=["period", "start", "metric", "value", "n", "ci_low", "ci_high"])
    )
    teams = teams_table(con)
    # The teams its decisions were compared with: every comparison team but itself (report order).
    compared_with = [t.team for t in teams.itertuples() if pd.isna(t.reorg_date) and t.team != team]
    adjusted_comparisons = None if report is None else report.get("adjusted_comparisons")
    return TeamData(
        team,
        entry,
        anchor,
        rows.comparison_date,
        settings,
        rows,
        history,
        events,
        compared_with,
        adjusted_comparisons,
    )


def item_sources(con, team: str) -> pd.DataFrame:
    """attributed_by, items, items_with_changelog for the team's work items."""
    return con.execute(queries.sql("team_item_sources"), {"team": team}).df()


# The item table's outcome filter: what each choice keeps (queries/team_items.sql, $outcomes).
ITEM_OUTCOMES = ("late", "on time", "waiting")


def items_table(
    con,
    data: TeamData,
    search: str = "",
    outcomes: tuple[str, ...] | list[str] = (),
    item_types: tuple[str, ...] | list[str] = (),
    labels: tuple[str, ...] | list[str] = (),
) -> tuple[pd.DataFrame, int]:
    """The items resolved in the team's windows matching `search` and the filters (at most
    ROWS_SHOWN), with each one's commitment and wait as the metrics counted them, and how many
    matched in all. `outcomes` keeps items that are any of ITEM_OUTCOMES (late or on time by the
    timeline metric's rule, waiting on another team); `item_types` and `labels` keep those types
    and items with any of those labels; an empty filter keeps everything. The filtering is the
    query's, with bound values: only the rows shown come back."""
    before, after = data.window("before"), data.window("after")
    if not (before and after):
        return pd.DataFrame(columns=ITEM_COLUMNS), 0
    unknown = sorted(set(outcomes) - set(ITEM_OUTCOMES))
    if unknown:
        raise ValueError(f"unknown item outcome {', '.join(unknown)}: expected any of {', '.join(ITEM_OUTCOMES)}")
    # The query reads the resolution days stored with the attribution: in this time zone.
    check_derived(con, data.settings)
    found = con.execute(
        queries.sql("team_items"),
        {
            **_item_window_params(data),
            "search": search.strip(),
            "row_limit": ROWS_SHOWN,
            "outcomes": list(outcomes),
            "item_types": list(item_types),
            "labels": list(labels),
            "tolerance_days": data.settings.tolerance_days,
            "issue_types": list(data.settings.commitment_issue_types),
        },
    ).df()
    matching = int(found["matching_items"].iloc[0]) if len(found) else 0
    table = found
    # Each metric's own columns, as it counted the item (on time by its rule, say).
    for metric in metrics.registered():
        values = metric.item_values(data.rows, data.team, PERIODS, data.settings)
        if values is not None:
            table = table.merge(values, on="item_key", how="left")
    table["url"] = table["url"].map(safe_url)
    table["resolved_day"] = pd.to_datetime(table["resolved_day"]).dt.date
    return table[item_columns()], matching


def _item_window_params(data: TeamData) -> dict:
    """team_items.sql's and team_item_facets.sql's team and windows."""
    before, after = data.window("before"), data.window("after")
    return {
        "team": data.team,
        "before_start": _date(before["start"]),
        "before_end": _date(before["end"]),
        "after_start": _date(after["start"]),
        "after_end": _date(after["end"]),
    }


def item_filter_choices(con, data: TeamData) -> dict[str, list[str]]:
    """The item table's filter choices: "type" and "label", each the values its items carry."""
    choices = {"type": [], "label": []}
    if not (data.window("before") and data.window("after")):
        return choices
    facets = con.execute(queries.sql("team_item_facets"), _item_window_params(data)).df()
    for facet, values in facets.groupby("facet")["value"]:
        choices[facet] = sorted(values)
    return choices


ITEM_BASE_COLUMNS = {
    "item_key": "Key",
    "url": "Link",
    "title": "Title",
    "item_type": "Type",
    "status": "Status",
    "assignee": "Assignee",
    "period": "Window",
    "resolved_day": "Resolved",
}


def item_column_labels() -> dict[str, str]:
    """Column: label of the item table, each registered metric's columns after the item's own."""
    labels = dict(ITEM_BASE_COLUMNS)
    for metric in metrics.registered():
        labels.update(metric.item_columns)
    return labels | {"attributed_by": "Team from"}


def item_columns() -> list[str]:
    return list(item_column_labels())


ITEM_COLUMN_LABELS = item_column_labels()
ITEM_COLUMNS = item_columns()


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
    model = (entry["model"] or "").strip()
    if model.lower() in STO_MODELS:
        return f"{entry['team']} reorganised on {entry['reorg_date']} to {STO_EXPLAINED}."
    return f"{entry['team']} reorganised{f' (model: {model})' if model else ''} on {entry['reorg_date']}."


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


def summary_sentence(data: TeamData, metric: str, adjusted: bool = True) -> str:
    """One plain-English line per metric, always with n on each side; its verdict is the
    badge's (adjusted or not), as on the Overview."""
    m = data.metric(metric)
    shown = shown_verdict(m, adjusted, data.settings.confidence)
    return metrics.get(metric).summary(data.team, {**m, "verdict": shown}, data.settings)


def effect_sentence(data: TeamData, metric: str) -> str:
    """The raw before/after change (the JSON's `effect`), shown beside the verdict."""
    m = data.metric(metric)
    return f"Raw before/after: {metrics.get(metric).effect_label.lower()} {effect_text(metric, m['effect'])}."


def decision_lines(data: TeamData, metric: str) -> list[str]:
    """The decision behind the verdict in words: what it was judged against, its estimate and
    interval with the p-values, the pre-trend check, the minimum detectable effect, the
    randomization rank when there is one, and every reason."""
    chosen, m = metrics.get(metric), data.metric(metric)
    decision, level = m["decision"], f"{data.settings.confidence:.0%}"
    basis = basis_text(decision, data.compared_with)
    judged = f"Verdict on the {basis}" if decision["basis"] == "raw" else f"Verdict judged {basis}"
    if decision["estimate"] is None:
        lines = [f"{judged}: no estimate."]
    else:
        shown = decision_text(metric, {**decision, "p_value": None})
        p_values = p_value_text(decision["p_value"])
        if decision["p_adjusted"] is not None:
            together = f" {data.adjusted_comparisons}" if data.adjusted_comparisons else ""
            p_values += (
                f"; adjusted for{together} comparisons across teams and metrics: "
                f"{p_value_text(decision['p_adjusted'], adjusted=True)}"
            )
        lines = [
            f"{judged}: {shown} ({level} interval; {p_values}; {decision['n_clusters']} bins with data behind it).",
            f"Minimum detectable effect: {chosen.mde_text(decision['mde'])} ({level} confidence, 80% power).",
        ]
    trend = decision["pre_trend"]
    if trend is not None and None not in (trend["slope"], trend["ci_low"], trend["ci_high"]):
        before = m["before"]["value"]
        shown = (
            f"{chosen.trend_text(trend['slope'], before)} ({level} interval "
            f"{chosen.trend_interval_text(trend['ci_low'], trend['ci_high'], before)})"
        )
        if decision["basis"] == "its":  # the trend is the counterfactual there, not a check
            lines.append(f"Trend before the reorg, carried forward as what would have happened anyway: {shown}.")
        else:
            outcome = "passed" if trend["passed"] else "failed: the verdict is no clear change"
            against = " relative to the comparison teams" if decision["basis"] == "did" else ""
            lines.append(f"Pre-trend check: over the before window the trend{against} was {shown}: {outcome}.")
    randomization = decision["randomization"]
    if randomization:
        lines.append(
            f"Randomization: this change ranks {randomization['rank']} of {randomization['comparisons'] + 1} "
            "against the same test with each comparison team and placebo date in its place "
            "(1 = the most extreme; shown beside the verdict, it does not decide it)."
        )
    lines += [reason["text"][0].upper() + reason["text"][1:] for reason in decision["reasons"]]
    return lines


def verdict_badge(metric: dict, adjusted: bool = True, confidence: float = 0.95, comparisons=None) -> tuple[str, str]:
    """(label with its symbol, a colour st.badge knows) for a metric's verdict: the same words as
    the Overview's badge for the same report and switch (common.badge_text)."""
    label = badge_text(metric, adjusted, confidence, comparisons)
    verdict = next(v for v, (text, _) in common.VERDICT_BADGES.items() if label.startswith(text))
    return label, BADGE_COLOURS[verdict]


def section_badge(data: TeamData, metric: str, adjusted: bool) -> tuple[str, str]:
    """The badge of one metric's section for the Overview's switch (adjusted or not)."""
    return verdict_badge(data.metric(metric), adjusted, data.settings.confidence, data.adjusted_comparisons)


def placebo_sentences(data: TeamData) -> list[str]:
    """The placebo check in words, one line per metric."""
    placebo = data.entry.get("placebo") or {}
    if not placebo.get("dates"):
        return [f"No placebo check (0 comparisons): {placebo.get('reason', 'no dates to try')}."]
    dates = placebo["dates"]
    lines = [
        (
            f"The check pretends the reorg happened on {dates} earlier date{'s' if dates != 1 else ''}, with "
            f"full-length windows ({placebo['window_days']} days on each side, {placebo['transition_days']} "
            "transition days) that do not overlap and end before the real reorg, and counts how often that "
            f"alone changed the metric as much as the real date did: {dates} independent "
            f"comparison{'s' if dates != 1 else ''}."
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
        lines.append(f"{label}: in {as_large} of {tried} pretend dates a raw change this large appeared.")
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
    for metric in metrics.registered():
        notes += metric.quality_notes(data.rows, data.team, data.metric(metric.name), PERIODS)
    for metric in metrics.registered():
        reason = data.metric(metric.name).get("no_data_reason")
        if reason and reason["code"] != "too_few":  # too few: the minimum-sample note below says it
            notes.append(f"{metric.label}: {reason['text']}.")
    moved = supporting.moved_to_done_text(data.entry["supporting"])
    if moved:
        notes.append(moved)
    for metric in metrics.registered():
        m = data.metric(metric.name)
        if m["verdict"] == "insufficient data":
            why = [r["text"] for r in m["decision"]["reasons"] if r["code"] in INSUFFICIENT_REASONS]
            notes.append(f"{metric.label}: insufficient data: " + " ".join(why))
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
    rows = metrics.get(metric).numbers(data.metric(metric), data.settings)
    return pd.DataFrame(
        [(label, str(before), str(after)) for label, before, after in rows], columns=["measure", "before", "after"]
    )


def waits_on_table(data: TeamData, metric: str) -> pd.DataFrame:
    """Who the team waited on: blocking team, items and total wait days, before and after."""
    rows = [
        (side["team"], period, side["items"], side["wait_days"])
        for period in PERIODS
        for side in data.metric(metric)[period]["waits_on"]
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
    return pd.DataFrame(supporting.numbers(data.entry["supporting"]), columns=["measure", "before", "after"])


def did_table(data: TeamData) -> pd.DataFrame | None:
    """Each metric's decision (the test its verdict comes from): what it was judged against, the
    estimate with its interval and p-value, and the minimum detectable effect."""
    rows = []
    for metric in metrics.registered():
        decision = data.metric(metric.name)["decision"]
        rows.append(
            (
                metric.label,
                basis_text(decision, data.compared_with),
                decision_text(metric.name, decision),
                p_number_text(decision["p_adjusted"]) or "-",
                metric.mde_text(decision["mde"]) if decision["estimate"] is not None else "-",
            )
        )
    return pd.DataFrame(rows, columns=list(DID_COLUMNS))


# The comparison table on screen: each column's header, tooltip and width in pixels (summing to
# under the 938 pixels of the page's main column at a 1400-pixel-wide window), and rows tall
# enough for Streamlit to wrap a cell's text (it wraps only above 4rem), so every column shows
# in full without a sideways scroll. The CSV and the printed table keep the column names.
DID_COLUMNS = {
    "metric": {"label": "Metric", "width": 120},
    "judged": {"label": "Judged", "width": 180, "help": "What the verdict compares the team's change with."},
    "estimate (interval), p": {
        "label": "Estimate (interval), p",
        "width": 255,
        "help": "The change the verdict rests on, its interval at the confidence in the settings, and its p-value.",
    },
    "adjusted p": {
        "label": "Adjusted p",
        "width": 135,
        "help": "The p-value adjusted for every team and metric in the report (Benjamini-Hochberg).",
    },
    "minimum detectable effect": {
        "label": "Min. detectable effect",
        "width": 240,
        "help": "Minimum detectable effect: the smallest change this much data would have shown (80% power).",
    },
}
DID_ROW_HEIGHT = 84  # pixels: four lines of a cell's text


def did_sentence(data: TeamData) -> str:
    """How this team's verdicts were judged: against the comparison teams, its own trend, or raw."""
    names = ", ".join(data.compared_with)
    bases = {data.metric(metric.name)["decision"]["basis"] for metric in metrics.registered()}
    if "did" in bases:
        if data.is_comparison:
            return (
                f"{data.team} is a comparison team: its verdicts compare its change around the comparison "
                f"date with the other comparison teams' change over the same windows ({names})."
            )
        return (
            f"Each verdict is the change of {data.team} relative to the change of the comparison teams "
            f"({names}) over the same calendar windows (difference-in-differences): what changed beyond "
            "what changed for teams that did not reorganise."
        )
    if data.is_comparison:
        return (
            f"{data.team} is a comparison team with no other comparison team (with data) to compare it with: "
            "its verdicts are its raw change around the comparison date, labelled as such."
        )
    if "its" in bases:
        return (
            "No comparison teams with data in these windows (a team in teams.csv without a reorg date): each "
            "verdict judges the change against the team's own trend before the reorg, so an org-wide change "
            "cannot be ruled out."
        )
    return "No verdict could be decided: see each metric's reasons above."


# ---- figures ----------------------------------------------------------------------------------


def metric_figure(data: TeamData, metric: str) -> go.Figure:
    """The chart the metric asks for (its `chart`): a release timeline or items over time."""
    chosen = metrics.get(metric)
    if isinstance(chosen.chart, ReleaseChart):
        return release_figure(data, chosen)
    return items_figure(data, chosen)


def release_figure(data: TeamData, metric) -> go.Figure:
    """Release days on a timeline, the rolling 30-day rate, and each window's rate from the report."""
    chart: ReleaseChart = metric.chart
    days = pd.to_datetime(data.rows.rows(chart.table, data.team, WHOLE_SPAN)[chart.day_column])
    span = rolling_release_rate(data, chart.table, chart.day_column)
    m = data.metric(metric.name)
    rolling = f"release days in the last {ROLLING_DAYS} days"
    released = span[span["rate"] > 0]
    traces = [
        {
            "type": "scatter",
            "x": span["day"],
            "y": span["rate"],
            "mode": "lines",
            "name": rolling,
            "legendgroup": ROLLING_RATE,
            "line": {"color": palette.ROLLING_RATE, "width": 1.5},
            "hoverinfo": "skip",  # its points below answer the pointer
        },
        {
            "type": "scatter",
            "x": days,
            "y": [0] * len(days),
            "mode": "markers",
            "name": "release day",
            "marker": {
                "symbol": "line-ns-open",
                "size": 14,
                "color": palette.RELEASE,
                "line": {"width": 2, "color": palette.RELEASE},
            },
            "hovertemplate": "release on %{x|%Y-%m-%d}<extra></extra>",
        },
        # The rolling line's days with a release in their 30 days, as see-through markers: Plotly
        # selects only points with markers. Days at zero are left out: they hold no release, and
        # beside a release-day mark Plotly would take the zero (the nearer) over the mark.
        {
            "type": "scatter",
            "x": released["day"],
            "y": released["rate"],
            "mode": "markers",
            "meta": ROLLING_RATE,
            "name": rolling,
            "legendgroup": ROLLING_RATE,
            "showlegend": False,
            "marker": selectable_line_marker(palette.ROLLING_RATE),
            "hovertemplate": "%{x|%Y-%m-%d}: %{y:.0f} release days in the last 30 days<extra></extra>",
        },
    ]
    for period in PERIODS:
        label = f"{period}: {number(m[period]['value'], '.2f')} per 30 days (n={m[period]['n']})"
        traces += _window_level(data.window(period), m[period]["value"], period, label)
    shapes, annotations = _window_marks(data)
    layout = _decorated(chart.y_title, _headroom(span["rate"]), shapes, annotations)
    return go.Figure(data=traces, layout=layout)


def rolling_release_rate(data: TeamData, table: str = "release_days", day_column: str = "release_day") -> pd.DataFrame:
    """Release days in the 30 days up to each day of the data's span (from the 30th day on)."""
    window = _whole_span(data)
    if window is None:
        return pd.DataFrame({"day": pd.to_datetime([]), "rate": []})
    calendar = pd.date_range(window.start, window.end - dt.timedelta(days=1), freq="D")
    released = pd.Series(0, index=calendar)
    days = pd.to_datetime(data.rows.rows(table, data.team, WHOLE_SPAN)[day_column])
    released[released.index.isin(days)] = 1
    rate = released.rolling(ROLLING_DAYS, min_periods=ROLLING_DAYS).sum()
    return pd.DataFrame({"day": calendar, "rate": rate.to_numpy()})


def items_figure(data: TeamData, metric) -> go.Figure:
    """Each item's value over time (a commitment's slip, a waiting item's wait), the metric's band
    if it has one (the on-time tolerance), each window's level, and the before/after
    distributions at the side."""
    chart: ItemChart = metric.chart
    traces, layout, values = _items_over_time(data, chart.table, chart.column, chart.what)
    band_shapes = []
    if chart.band is not None:
        low, high, name = chart.band(data.settings)
        line = {"color": palette.ON_TIME, "width": 1.5, "dash": "dot"}
        band_shapes = [
            {
                "type": "rect",
                "x0": 0,
                "x1": 1,
                "xref": "x domain",
                "y0": low,
                "y1": high,
                "yref": "y",
                "fillcolor": palette.ON_TIME,
                "opacity": palette.BAND_OPACITY,
                "line": {"width": 0},
                "layer": "below",
            },
            {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": high, "y1": high, "yref": "y", "line": line},
        ]
        # The band's legend entry: a line that draws nothing.
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines", "line": line, "name": name})
    m = data.metric(metric.name)
    for period in PERIODS:
        level = m[period][chart.level]
        label = f"{period}: {chart.level_text(number(level, '.1f'))} (n={m[period]['n']})"
        traces += _window_level(data.window(period), level, period, label)
    shapes, annotations = _window_marks(data)
    decorated = _decorated(chart.y_title, _headroom(values), band_shapes + shapes, annotations)
    return go.Figure(data=traces, layout={**layout, **decorated, "yaxis": {**layout["yaxis"], **decorated["yaxis"]}})


def event_study_figure(data: TeamData) -> go.Figure:
    """Each metric per 30-day period around the reorg (or comparison) date with its interval band."""
    shown = metrics.registered()
    figure = make_subplots(
        rows=len(shown), cols=1, shared_xaxes=True, vertical_spacing=0.07, subplot_titles=[m.label for m in shown]
    )
    traces, axes, layout = [], [], {}
    for row, metric in enumerate(shown, start=1):
        suffix = "" if row == 1 else str(row)
        xaxis, yaxis = f"x{suffix}", f"y{suffix}"
        axes.append((xaxis, yaxis))
        rows = data.events[data.events["metric"] == metric.name]
        starts = pd.to_datetime(rows["start"])
        ends = starts + pd.Timedelta(days=30)
        band_x, band_y = [], []
        for start, end, low, high in zip(starts, ends, rows["ci_low"], rows["ci_high"]):
            if pd.notna(low) and pd.notna(high) and abs(low) != float("inf") and abs(high) != float("inf"):
                band_x += [start, end, end, start, start, None]
                band_y += [low, low, high, high, low, None]
        middles = starts + pd.Timedelta(days=15)
        hovers = [
            f"30 days from {start:%Y-%m-%d}: {number(value, '.2f')} (n={n}, interval {_bound(low)} to {_bound(high)})"
            for start, value, n, low, high in zip(starts, rows["value"], rows["n"], rows["ci_low"], rows["ci_high"])
        ]
        traces += [
            {
                "type": "scatter",
                "x": band_x,
                "y": band_y,
                "xaxis": xaxis,
                "yaxis": yaxis,
                "fill": "toself",
                "mode": "lines",
                "line": {"width": 0},
                "fillcolor": palette.translucent(palette.ESTIMATE, palette.INTERVAL_OPACITY),
                "name": f"{data.settings.confidence:.0%} interval",
                "showlegend": row == 1,
                "legendgroup": "band",
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "x": middles,
                "y": rows["value"],
                "xaxis": xaxis,
                "yaxis": yaxis,
                "mode": "lines+markers",
                "name": "per 30-day period",
                "line": {"color": palette.ESTIMATE},
                "marker": {"size": 6, "color": palette.ESTIMATE},
                "showlegend": row == 1,
                "legendgroup": "value",
                "customdata": rows["n"].tolist(),
                "text": hovers,
                "hovertemplate": "%{text}<extra></extra>",
            },
        ]
        y_axis = {"title": {"text": metric.event_title}}
        headroom = _headroom(pd.concat([rows["value"], rows["ci_high"]]))
        if headroom is not None:
            y_axis["range"] = headroom
        if metric.event_tickformat:
            y_axis["tickformat"] = metric.event_tickformat
        layout[f"yaxis{suffix}"] = y_axis
    # The subplot titles at the left; the reorg label a line above the first one, since on a
    # narrow (phone) chart the two would meet on one line; the window labels once, in the top row.
    grid = figure.layout.to_plotly_json()
    titles = [{**title, "x": 0, "xanchor": "left"} for title in grid.pop("annotations", [])]
    for name, axis in layout.items():
        layout[name] = {**grid.pop(name, {}), **axis}
    shapes, annotations = _window_marks(data, axes, anchor_label_lift=EVENT_TITLE_LINE)
    return go.Figure(
        data=traces,
        layout={
            **grid,
            **layout,
            "shapes": shapes,
            "annotations": titles + annotations,
            "height": max(640, 210 * len(shown)),
            "margin": {**CHART_MARGIN, "t": CHART_MARGIN["t"] + EVENT_TITLE_LINE},
            "legend": {"orientation": "h", "y": -0.08},
        },
    )


def _items_over_time(data: TeamData, table: str, column: str, what: str) -> tuple[list[dict], dict, pd.Series]:
    """Per-item values over the resolution day (coloured by window), with horizontal histograms of
    the before and after windows on a second x axis at the right (the marginal distribution):
    the traces, the layout's axes and every item's value."""
    # Sorted for a figure that is the same on every run: the query's rows come in any order.
    everything = data.rows.rows(table, data.team, WHOLE_SPAN).sort_values(["resolved_day", "item_key"])
    by_period = {p: data.rows.rows(table, data.team, p) for p in PERIODS}
    item_periods = item_kinds(data, table, everything)
    traces = []
    # Opaque markers: a translucent one loses its contrast on both backgrounds. Items outside the
    # windows are open circles, apart from the "before" ones of the same grey.
    markers = {OUTSIDE_WINDOWS: (palette.OUTSIDE, "circle-open")} | {
        p: (palette.PERIOD_COLOURS[p], "circle") for p in PERIODS
    }
    for period, (colour, symbol) in markers.items():
        rows = everything[item_periods == period]
        trace = {
            "type": "scatter",
            "mode": "markers",
            "marker": {"color": colour, "symbol": symbol, "size": 6},
            "legendgroup": period,
        }
        if len(rows) > ITEM_MARKS_MAX:
            trace |= _daily_medians(rows, column, what, colour) | {"name": f"{period} ({DAILY_MEDIANS})"}
        else:
            trace |= {
                "x": pd.to_datetime(rows["resolved_day"]),
                "y": rows[column].astype(float),
                "name": period,
                "customdata": [plotly_text(key) for key in rows["item_key"]],
                "hovertemplate": f"%{{customdata}}: {what} %{{y:.1f}} d, resolved %{{x|%Y-%m-%d}}<extra></extra>",
            }
        traces.append(trace)
    for period in PERIODS:
        # Sorted, so the figure is the same on every run; the keys say which item each value is.
        window = by_period[period].sort_values([column, "item_key"], kind="stable")
        values = window[column].astype(float)
        traces.append(
            {
                "type": "histogram",
                "y": values,
                "customdata": [plotly_text(key) for key in window["item_key"]],
                "xaxis": "x2",
                "yaxis": "y",
                "orientation": "h",
                "name": f"{period} (n={len(values)})",
                # The two windows' bars overlap: a translucent fill inside an opaque outline.
                "marker": {
                    "color": palette.translucent(palette.PERIOD_COLOURS[period], palette.HISTOGRAM_OPACITY),
                    "line": {"width": 1, "color": palette.PERIOD_COLOURS[period]},
                },
                "legendgroup": period,
                "showlegend": False,
                "hovertemplate": f"{period}: %{{x}} items at %{{y}} d<extra></extra>",
            }
        )
    layout = {
        "barmode": "overlay",
        "xaxis": {"domain": [0, 0.72], "type": "date"},
        "xaxis2": {"domain": [0.8, 1], "anchor": "y", "title": {"text": "items"}, "nticks": 4},  # few: a narrow axis
        "yaxis": {},
    }
    return traces, layout, everything[column].astype(float)


def item_kinds(data: TeamData, table: str, items: pd.DataFrame) -> pd.Series:
    """Each of `items`' kind on its chart: the window whose rows hold it, else OUTSIDE_WINDOWS
    (the chart's marks and the drill-down behind a mark both read it)."""
    period_of_item = {key: p for p in PERIODS for key in data.rows.rows(table, data.team, p)["item_key"]}
    return items["item_key"].map(lambda key: period_of_item.get(key, OUTSIDE_WINDOWS))


def _daily_medians(rows: pd.DataFrame, column: str, what: str, colour: str) -> dict:
    """One mark per resolution day at the median of that day's values, a thin bar from the day's
    lowest to its highest value (so outliers still show where they fell), and a hover with
    the day's count and range. The side histograms still show every value."""
    days = rows.groupby("resolved_day", sort=True)[column].agg(["median", "size", "min", "max"]).astype(float)
    hover = [
        f"{day:%Y-%m-%d}: {items:.0f} item{'s' if items > 1 else ''}, median {what} {median:.1f} d"
        + (f" ({low:.1f} to {high:.1f} d)" if items > 1 else "")
        for day, (median, items, low, high) in zip(days.index, days.itertuples(index=False))
    ]
    return {
        "x": pd.to_datetime(days.index),
        "y": days["median"],
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": days["max"] - days["median"],
            "arrayminus": days["median"] - days["min"],
            "thickness": 1,
            "width": 0,
            "color": colour,
        },
        "customdata": hover,
        "hovertemplate": "%{customdata}<extra></extra>",
        "meta": DAILY_MEDIANS,
    }


def _window_level(window: dict | None, value, period: str, label: str) -> list[dict]:
    """A horizontal segment across a window at the report's value for it (none without one)."""
    if not window or value is None or not window["days"]:
        return []
    # A point every week along it (see-through markers): Plotly selects only points with markers,
    # and a click picks a point within 20 pixels, a month or more on these charts, so a click
    # anywhere on the segment selects the window.
    start, end = _date(window["start"]), _date(window["end"])
    days = [*pd.date_range(start, end, freq=f"{LEVEL_POINT_DAYS}D").date, end]
    days = sorted(set(days))
    return [
        {
            "type": "scatter",
            "x": days,
            "y": [value] * len(days),
            "mode": "lines+markers",
            "marker": selectable_line_marker(palette.PERIOD_COLOURS[period]),
            "name": label,
            "line": {"color": palette.PERIOD_COLOURS[period], "width": 3, "dash": "dash"},
            "hovertemplate": f"{label}<extra></extra>",
        }
    ]


def _headroom(values: pd.Series) -> list[float] | None:
    """A y range with room above the highest finite value for the window labels along the top of
    the plot (None: no finite value, Plotly's own range)."""
    finite = values[values.abs() != float("inf")].dropna()
    if not len(finite):
        return None
    low, high = min(float(finite.min()), 0.0), max(float(finite.max()), 1.0)
    return [low - 0.05 * (high - low), high + 0.2 * (high - low)]


def _decorated(y_title: str, y_range: list[float] | None, shapes: list[dict], annotations: list[dict]) -> dict:
    """The layout every metric chart shares: its size, the legend below, the y axis, the marks."""
    y_axis = {"title": {"text": y_title}} | ({"range": y_range} if y_range is not None else {})
    return {
        "height": 420,
        "margin": CHART_MARGIN,
        "yaxis": y_axis,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        "shapes": shapes,
        "annotations": annotations,
    }


def _window_marks(
    data: TeamData, axes: list[tuple[str, str]] | None = None, anchor_label_lift: int = 0
) -> tuple[list[dict], list[dict]]:
    """The windows shaded and the reorg (or comparison date) marked, as layout shapes and annotations."""
    return window_marks(
        data.entry["windows"], data.anchor, _anchor_label(data), axes or [("x", "y")], anchor_label_lift
    )


def event_study_title(data: TeamData) -> str:
    return f"Month by month around the {'comparison date' if data.is_comparison else 'reorg'}"


def _anchor_label(data: TeamData) -> str:
    return "comparison date" if data.is_comparison else "reorg"


def _whole_span(data: TeamData) -> Window | None:
    return data.rows.window(data.team, WHOLE_SPAN)


def _bound(value) -> str:
    """An interval bound; infinite when the sample is too small to bound it."""
    return "unbounded" if pd.isna(value) or abs(value) == float("inf") else f"{value:.2f}"


def _date(value) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def unattributed_items(con) -> int:
    """Work items in the whole organisation that no attribution rule gave a team."""
    summary = con.execute(queries.sql("attribution_summary")).df()
    return int(summary.loc[summary["attributed_by"] == "none", "items"].sum())


# ---- the whole page -----------------------------------------------------------------------------


@dataclass
class MetricSection:
    """One metric's chart and the numbers behind it."""

    metric: str
    label: str
    badges: dict[bool, tuple[str, str]]  # adjusted or not: (verdict with its symbol, st.badge colour)
    figure: go.Figure
    numbers: pd.DataFrame  # measure, before, after
    effect: str  # the raw before/after change
    decision: list[str]  # decision_lines
    waits_on: pd.DataFrame | None  # dependency wait only

    def badge(self, adjusted: bool = True) -> tuple[str, str]:
        """The badge for the Overview's switch: on adjusted p-values or unadjusted ones."""
        return self.badges[adjusted]


@dataclass
class TeamPage:
    """Everything the Team page shows for one team except the searchable tables, built once per
    data version, settings and team (it does not change while the visitor searches or scrolls).
    Texts are plain: the page escapes them for Markdown (markdown_text)."""

    data: TeamData
    context: str
    windows: str
    summaries_by_switch: dict[bool, list[str]]  # for the badges' switch: adjusted or not
    sections: list[MetricSection]
    event_study_title: str
    event_study: go.Figure
    did_sentence: str
    did_table: pd.DataFrame | None
    placebo: list[str]
    supporting: pd.DataFrame
    quality_notes: list[str]

    def summaries(self, adjusted: bool = True) -> list[str]:
        """The plain-English lines, their verdicts the badges' (adjusted or not)."""
        return self.summaries_by_switch[adjusted]


def team_page(
    con, settings: Settings, entry: dict, rows: MetricData | None = None, report: dict | None = None
) -> TeamPage:
    """The page for one report entry; pass the whole `report` it comes from for the Overview's
    badges (adjusted p-values) and the names of the teams it was compared with."""
    data = load_team(con, settings, entry, rows, report)
    team = data.team
    sections = [
        MetricSection(
            metric.name,
            metric.label,
            {adjusted: section_badge(data, metric.name, adjusted) for adjusted in (True, False)},
            metric_figure(data, metric.name),
            metric_numbers(data, metric.name),
            effect_sentence(data, metric.name),
            decision_lines(data, metric.name),
            waits_on_table(data, metric.name) if metric.waits_on else None,
        )
        for metric in metrics.registered()
    ]
    return TeamPage(
        data=data,
        context=context_sentence(data),
        windows=windows_sentence(data),
        summaries_by_switch={
            adjusted: [summary_sentence(data, metric, adjusted) for metric in metrics.NAMES]
            for adjusted in (True, False)
        },
        sections=sections,
        event_study_title=event_study_title(data),
        event_study=event_study_figure(data),
        did_sentence=did_sentence(data),
        did_table=did_table(data),
        placebo=placebo_sentences(data),
        supporting=supporting_table(data),
        quality_notes=data_quality_notes(data, item_sources(con, team), unattributed_items(con)),
    )
