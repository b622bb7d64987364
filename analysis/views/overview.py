"""The Overview page's content: the reorg timeline, the verdict grid and one summary line per team.

Everything here formats the report dict (analysis.report.build_report); no statistic is
recomputed. Team names come from teams.csv, i.e. from an export: they reach Plotly escaped
(Plotly reads a subset of HTML in labels) and Markdown labels through `markdown_literal`.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go

from .. import metrics
from ..headline import team_headline
from ..number_words import p_value_text
from ..report_format import decision_text, effect_text
from .common import badge_colour, badge_text, plotly_text
from .palette import PERIOD_COLOURS, REORG

TIMELINE_ROW_PIXELS = 26
TICK_LABEL_CHARACTERS = 28  # longer names are cut on the axis (the hover text has them whole)
# Markdown treats any ASCII punctuation specially somewhere (links, emphasis, Streamlit's
# :colour[...] and :material/...: directives, $maths$); a backslash makes each one literal.


# ---- shared small helpers ----------------------------------------------------------------------


def is_comparison(team: dict) -> bool:
    return team["reorg_date"] is None


def category_ticks(names: list[str], suffixes: list[str]) -> dict:
    """Category-axis settings: each category is the whole escaped name plus its suffix (two long
    names that start alike never merge), shown as a tick label cut to a readable length."""

    def cut(name: str) -> str:
        return name if len(name) <= TICK_LABEL_CHARACTERS else name[: TICK_LABEL_CHARACTERS - 1] + "…"

    return {
        "type": "category",
        "tickmode": "array",
        "tickvals": [plotly_text(name) + suffix for name, suffix in zip(names, suffixes)],
        "ticktext": [plotly_text(cut(name)) + suffix for name, suffix in zip(names, suffixes)],
    }


def team_page_query(team: str) -> dict[str, str]:
    """The Team page's query parameters for `team`. The sidebar's settings are not repeated:
    they are URL-bound widgets of the entry script, which add themselves to the new page's URL."""
    return {"team": team}


TEAM_PAGE_PATH = "team"  # the Team page's url_path (dashboard.PAGES)
TEAM_PAGE_OWN_PARAMETERS = ("team", "search")  # the Team page's own widgets: never carried over
# The grid's link column shows the team's name, cut out of the link's `team` parameter (the
# browser decodes it back: LinkColumn's display_text takes a regular expression's first group).
TEAM_LINK_TEXT = r"[?&]team=([^&#]*)"
SUMMARIES_AT_ONCE = 10  # teams whose sentences the Overview shows at a time


def team_page_url(team: str, current: dict[str, str]) -> str:
    """A link to the Team page of `team`, relative to the app, keeping the current page's query
    parameters (the sidebar's settings, an open workspace): a grid link opens in a new tab,
    where the URL-bound widgets read their values from the address. The team goes last."""
    kept = {key: value for key, value in current.items() if key not in TEAM_PAGE_OWN_PARAMETERS}
    return f"{TEAM_PAGE_PATH}?{urlencode({**kept, 'team': team})}"


def linked_grid(grid: pd.DataFrame, current: dict[str, str]) -> pd.DataFrame:
    """The grid with each team's name replaced by the link to its Team page (shown as the name)."""
    linked = grid.copy()
    linked["team"] = [team_page_url(team, current) for team in grid["team"]]
    return linked


def interval_label(confidence: float) -> str:
    return f"{confidence * 100:g}% interval"


# ---- the verdict grid --------------------------------------------------------------------------

GRID_COLUMNS = [  # the verdict right after the team: the grid scrolls sideways on a narrow screen
    "team",
    "verdict",
    "metric",
    "comparison",
    "before → after",
    "raw change",
    "judged",
    "change",
    "n before → after",
]


def grid_headers(confidence: float, adjusted: bool) -> dict[str, tuple[str, str]]:
    """column -> (header shown, help tooltip) for every column of the grid."""
    p_value = "Benjamini-Hochberg adjusted p-value" if adjusted else "unadjusted p-value"
    return {
        "team": ("Team", "Opens the team's Team page (in a new tab) with the same settings."),
        "verdict": (
            "Verdict",
            "▲ improved · ▼ worsened · ● no clear change · ○ insufficient data: the symbol and the words carry "
            f"the verdict, the colour only repeats it. Badges use the {p_value} (switch in the sidebar).",
        ),
        "metric": ("Metric", "Release frequency, timeline accuracy or dependency wait (see Methods)."),
        "comparison": (
            "Comparison team",
            "Ticked: the team did not reorganise; it is measured around the comparison date to show what changed "
            "without a reorg.",
        ),
        "before → after": ("Before → after", "The metric's value in the before window and in the after window."),
        "raw change": (
            "Raw change",
            f"After against before for this team alone, with its {interval_label(confidence)}; shown, it does not "
            "decide the verdict.",
        ),
        "judged": (
            "Judged against",
            "What the verdict compares the team's change with: the comparison teams' change, the team's own trend "
            "before (no comparison teams), or nothing (a raw change).",
        ),
        "change": (
            f"Change ({interval_label(confidence)}), p",
            f"The change the verdict comes from, with its {interval_label(confidence)} and {p_value}.",
        ),
        "n before → after": (
            "n before → after",
            "Sample size on each side: release days, delivered commitments or items that waited on other teams.",
        ),
    }


def verdict_grid(report: dict, adjusted: bool = True, confidence: float = 0.95) -> pd.DataFrame:
    """Teams × metrics as text: one row per team and metric, teams in report order.

    Each row is one cell of the grid: before → after values, the raw change (the JSON's
    `effect`), what the verdict was judged against, the decision's change with its interval
    and p-value (Benjamini-Hochberg adjusted when `adjusted`), n on each side, and the badge
    (symbol and words, so it never depends on colour alone), on the adjusted p-values when
    `adjusted` (badge_text). One row per cell rather than one column per metric keeps the table
    narrow enough to read, and searchable with 100 teams.
    """
    rows = []
    comparisons = report.get("adjusted_comparisons")
    for team in report["teams"]:
        for metric in metrics.registered():
            m = team["metrics"][metric.name]
            rows.append(
                [
                    team["team"],
                    badge_text(m, adjusted, confidence, comparisons),
                    metric.label,
                    is_comparison(team),
                    metric.values_text(m["before"]["value"], m["after"]["value"]),
                    effect_text(metric.name, {**m["effect"], "p_value": None}),
                    judged_text(m["decision"]),
                    _change_text(metric.name, m["decision"], adjusted),
                    f"{m['before']['n']} → {m['after']['n']}",
                ]
            )
    return pd.DataFrame(rows, columns=GRID_COLUMNS)


JUDGED = {"did": "vs comparison teams", "its": "vs own trend", "raw": "raw change"}


def judged_text(decision: dict) -> str:
    """What the verdict was judged against, briefly (the Team page says it in full)."""
    if decision["basis"] == "did":
        count = decision["n_comparisons"]
        return f"vs {count} comparison team{'s' if count != 1 else ''}"
    return JUDGED.get(decision["basis"], "-")


def _change_text(metric: str, decision: dict, adjusted: bool) -> str:
    """The decision's estimate and interval, then its unadjusted or adjusted p-value."""
    text = decision_text(metric, {**decision, "p_value": None})
    p_value = decision.get("p_adjusted" if adjusted else "p_value")
    if p_value is None or decision["estimate"] is None:
        return text
    return f"{text}, {p_value_text(p_value, adjusted)}"


def badge_style(badge: str) -> str:
    """CSS for a verdict badge cell: its Okabe-Ito colour, with the text colour that reads on it."""
    colour = badge_colour(badge)
    if colour is None:
        return ""
    return f"background-color: {colour}; color: {_readable_text_colour(colour)}"


def paper_grid(grid: pd.DataFrame, labels: dict[str, str]) -> str:
    """The grid as one plain HTML table, for paper (a canvas table prints only the rows in view):
    headers in words, "yes" for comparison teams, verdict cells coloured like their badges. Not
    st.table, which draws every cell through Markdown: with 100 teams (300 rows) that alone took
    the browser about a second of every visitor's first Overview. Export text is escaped."""

    def cell(column: str, value) -> str:
        if column == "comparison":
            value = "yes" if value else ""
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
        style = badge_style(text) if column == "verdict" else ""
        return f'<td style="{style}">{escape(text)}</td>' if style else f"<td>{escape(text)}</td>"

    head = "".join(f"<th>{escape(labels[column])}</th>" for column in grid.columns)
    rows = "".join(
        "<tr>" + "".join(cell(column, value) for column, value in zip(grid.columns, row)) + "</tr>"
        for row in grid.itertuples(index=False)
    )
    return f'<table class="paper-grid"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def styled_grid(grid: pd.DataFrame):
    """The grid as a pandas Styler with each verdict cell coloured like its badge."""
    return grid.style.map(badge_style, subset=["verdict"])


def _readable_text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with the background (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(background[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#FFFFFF"


# ---- plain-English sentences ----------------------------------------------------------------------


def summaries(
    report: dict, confidence: float = 0.95, adjusted: bool = True, teams: slice = slice(None)
) -> list[tuple[str, list[str]]]:
    """(team, its headline sentences) for every team (or the `teams` slice of them), in report
    order; their words follow the badges of the grid (adjusted or not), as analysis.headline
    writes them."""
    return [
        (team["team"], team_headline(report, team["team"], adjusted, confidence)) for team in report["teams"][teams]
    ]


def summary_pages(report: dict) -> list[slice]:
    """The teams in slices of SUMMARIES_AT_ONCE: a hundred teams' sentences at once are slow to
    draw in the browser (several seconds) and nobody reads them all in one go."""
    count = len(report["teams"])
    return [slice(start, start + SUMMARIES_AT_ONCE) for start in range(0, count, SUMMARIES_AT_ONCE)]


def summary_page_label(report: dict, page: slice) -> str:
    """'Teams 11-20 of 100: Alpha to Kilo', in report order."""
    shown = report["teams"][page]
    first, last = page.start + 1, page.start + len(shown)
    return f"Teams {first}-{last} of {len(report['teams'])}: {shown[0]['team']} to {shown[-1]['team']}"


# ---- the reorg timeline ------------------------------------------------------------------------


def comparison_mark(team: dict) -> str:
    return " (comparison)" if is_comparison(team) else ""


def timeline_label(team: dict) -> str:
    """The y-axis category: the team, marked when it is a comparison team (escaped for Plotly)."""
    return plotly_text(team["team"]) + comparison_mark(team)


def timeline_figure(report: dict) -> go.Figure:
    """Each team's before and after windows as horizontal bars, with its reorg date marked.

    Teams keep the report's order (by reorg date, comparison teams last), top to bottom, so the
    waves of the reorg read as a staircase. Comparison teams did not reorganise: their windows sit
    around the comparison date, drawn with an open marker.
    """
    teams = report["teams"]
    traces = []  # built as plain dicts and validated once: Plotly's add_* validate at every call
    for period in ("before", "after"):
        bars = [(timeline_label(t), t["windows"][period]) for t in teams if t["windows"].get(period)]
        traces.append(
            {
                "type": "bar",
                "name": f"{period} window",
                "orientation": "h",
                "y": [label for label, _ in bars],
                "base": [window["start"] for _, window in bars],
                "x": [_days_in_ms(window["days"]) for _, window in bars],
                "marker": {"color": PERIOD_COLOURS[period]},
                "hovertext": [f"{label}<br>{period}: {_window_text(window)}" for label, window in bars],
                "hoverinfo": "text",
            }
        )
    for comparison, symbol, name in (
        (False, "diamond", "reorg date"),
        (True, "diamond-open", "comparison date (no reorg)"),
    ):
        marked = [(t, t["reorg_date"] or report["comparison_date"]) for t in teams if is_comparison(t) == comparison]
        marked = [(t, day) for t, day in marked if day]
        if marked:
            traces.append(
                {
                    "type": "scatter",
                    "name": name,
                    "mode": "markers",
                    "x": [day for _, day in marked],
                    "y": [timeline_label(t) for t, _ in marked],
                    "marker": {"symbol": symbol, "size": 11, "color": REORG, "line": {"width": 2, "color": REORG}},
                    "hovertext": [f"{timeline_label(t)}<br>{name}: {day}" for t, day in marked],
                    "hoverinfo": "text",
                }
            )
    layout = {
        "barmode": "overlay",
        "height": 140 + TIMELINE_ROW_PIXELS * max(len(teams), 1),
        # Dates and legend on top, where the reader starts: with 100 teams the bottom is far away.
        "margin": {"l": 10, "r": 10, "t": 90, "b": 10},
        "legend": {"orientation": "h", "yref": "container", "y": 1.0, "yanchor": "top", "x": 0},
        "xaxis": {"type": "date", "title": {"text": None}, "side": "top"},
        # First team on top; a fixed range, as autorange pads the ends for the markers.
        "yaxis": {
            "range": [len(teams) - 0.5, -0.5],
            "title": {"text": None},
            **category_ticks([t["team"] for t in teams], [comparison_mark(t) for t in teams]),
        },
    }
    return go.Figure(data=traces, layout=layout)


def _days_in_ms(days: int) -> int:
    return days * 86_400_000  # a bar's length on a date axis is in milliseconds


def _window_text(window: dict) -> str:
    """'2025-04-04 to 2025-09-30 (180 days)': windows are [start, end), so the last day is end - 1."""
    last_day = dt.date.fromisoformat(window["end"]) - dt.timedelta(days=1)
    return f"{window['start']} to {last_day.isoformat()} ({window['days']} days)"


def settings_caption(report: dict) -> str:
    """Which windows the page shows (numbers and dates only: safe for Markdown)."""
    s, comparison_date = report["settings"], report["comparison_date"]
    comparison = f" Comparison teams are measured around {comparison_date}." if comparison_date else ""
    return (
        f"Before and after windows of {s['window_days']} days, {s['transition_days']} transition days left out "
        f"after each reorg; on time = at most {s['tolerance_days']} days late.{comparison}"
    )
