"""Shared by every chart: colour-blind-safe colours, verdict badges, the reorg marker and windows."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, MutableMapping

import pandas as pd
import plotly.graph_objects as go

from ..headline import shown_verdict
from ..metrics import LABELS
from ..spreadsheet import formula_safe_frame

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}
PERIOD_COLOURS = {"before": OKABE_ITO["grey"], "after": OKABE_ITO["blue"]}
# Colour plus a symbol, so a verdict never depends on colour alone.
VERDICT_BADGES = {
    "improved": ("▲ improved", OKABE_ITO["blue"]),
    "worsened": ("▼ worsened", OKABE_ITO["vermillion"]),
    "no clear change": ("● no clear change", OKABE_ITO["grey"]),
    "insufficient data": ("○ insufficient data", "#CCCCCC"),
}
METRIC_LABELS = LABELS  # name -> label of every registered metric
CLEAR_VERDICTS = ("improved", "worsened")


def badge_text(metric: dict, adjusted: bool, confidence: float, comparisons: int | None) -> str:
    """The badge's words with their symbol; an improved or worsened verdict that the adjustment
    takes back says so, with the number of p-values adjusted together."""
    shown = shown_verdict(metric, adjusted, confidence)
    text = VERDICT_BADGES[shown][0]
    if shown != metric["verdict"]:
        text += f" (after adjusting for {comparisons} comparisons)"
    return text


def badge_colour(badge: str) -> str | None:
    """The colour of a badge's text (badge_text), by the verdict it starts with."""
    return next((colour for text, colour in VERDICT_BADGES.values() if badge.startswith(text)), None)


# Any ASCII punctuation may be backslash-escaped in CommonMark; Streamlit's own syntax
# (:red[...], emoji :x:, $LaTeX$) is made of such characters too.
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_literal(text) -> str:
    """Export text made literal for st.markdown, st.title, st.caption, st.error, page links:
    every punctuation mark backslash-escaped and line breaks flattened, so nothing in it is
    read as Markdown, HTML, LaTeX or a Streamlit directive."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


# Headers of tables read from the store, where the column's name alone would not read well.
HEADERS = {
    "load_id": "Load",
    "reject_id": "Rejected row",
    "row_number": "Row",
    "file_name": "File",
    "table_name": "Table",
    "row_count": "Rows",
    "reorg_date": "Reorg date (empty: comparison team)",
    "github_repo": "GitHub repository",
    "jira_project": "Jira project",
}


def header_text(column: str) -> str:
    """A column's name as a table header: 'rows_read' -> 'Rows read'."""
    return HEADERS.get(column) or column.replace("_", " ").capitalize()


def table_headers(frame: pd.DataFrame) -> dict[str, str]:
    """column -> header for a page's column_config: every column named by its key (lower case,
    snake_case) gets words with a capital."""
    return {column: header_text(column) for column in frame.columns if str(column) == str(column).lower()}


def markdown_list(lines: list[str]) -> str:
    """Plain lines as a Markdown bullet list, each line escaped."""
    return "\n".join("- " + markdown_literal(line) for line in lines)


def plotly_text(text) -> str:
    """Export text made literal for Plotly labels and hover text (they read a subset of HTML).

    Plotly splits text on tags (`<...>`) and then decodes only a few entities (plotly.js
    svg_text_utils: &amp; &lt; &gt; &nbsp; &mu; &times; &plusmn; &deg; and numeric ones), so
    `&`, `<` and `>` are escaped and quotes are left as they are: `&quot;` would be shown as is."""
    return html.escape(str(text), quote=False)


def csv_download(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV for a download button, safe to open in a spreadsheet: text cells
    that would run as a formula are escaped (spreadsheet.py). Every page's table downloads
    through this (Streamlit's own table download is switched off: client.disableDataExport).

    Lines end in CRLF (RFC 4180), so the writer also quotes a cell holding a bare carriage
    return, which a spreadsheet would otherwise take for the end of the row."""
    return formula_safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def cached(cache: MutableMapping, key, build: Callable, keep: int):
    """build() once per key, keeping the `keep` most recent keys (callers pass session state:
    never a global cache, which would show one visitor's data to another)."""
    if key not in cache:
        cache[key] = build()
        while len(cache) > keep:
            cache.pop(next(iter(cache)))
    return cache[key]


def mark_reorg(figure: go.Figure, reorg_date: str | dt.date | None, label: str = "reorg") -> go.Figure:
    """A vertical line at the reorg (or comparison) date."""
    if reorg_date is not None:
        x = str(reorg_date)
        figure.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": OKABE_ITO["black"], "dash": "dash", "width": 1},
        )
        figure.add_annotation(x=x, y=1, yref="paper", text=label, showarrow=False, yanchor="bottom")
    return figure


def shade_windows(figure: go.Figure, windows: dict) -> go.Figure:
    """Shade the before and after windows ({"before": {"start", "end"}, ...} as in the report).

    The labels sit on either side of the reorg, "before" ending at its window's end and "after"
    starting at its window's start, so they stay apart however narrow the windows are drawn."""
    for period, window in (windows or {}).items():
        if window and window["start"] != window["end"]:
            figure.add_vrect(
                x0=window["start"],
                x1=window["end"],
                fillcolor=PERIOD_COLOURS.get(period, "#DDDDDD"),
                opacity=0.12,
                line_width=0,
                layer="below",
                annotation_text=period,
                annotation_position="top right" if period == "before" else "top left",
            )
    return figure
