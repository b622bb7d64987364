"""Shared by every chart: verdict badges, the reorg marker and windows (colours: palette.py)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path

import pandas as pd

from ..headline import shown_verdict
from ..metrics import LABELS
from ..spreadsheet import formula_safe_frame, text_cells
from .palette import OKABE_ITO, PERIOD_COLOURS, REORG, WINDOW_SHADE_OPACITY

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


# Every st.plotly_chart's config: no Plotly logo in the toolbar, which shows on hover (on a phone
# it would cover the legend: app.css hides it on narrow screens).
CHART_CONFIG = {"displaylogo": False, "displayModeBar": "hover"}
APP_CSS = (Path(__file__).with_name("app.css")).read_text(encoding="utf-8")


# Any ASCII punctuation may be backslash-escaped in CommonMark; Streamlit's own syntax
# (:red[...], emoji :x:, $LaTeX$) is made of such characters too.
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_literal(text) -> str:
    """Export text made literal for st.markdown, st.title, st.caption, st.error, page links:
    every punctuation mark backslash-escaped and line breaks flattened, so nothing in it is
    read as Markdown, HTML, LaTeX or a Streamlit directive."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def markdown_literal_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for st.table, which reads every cell through Markdown (a team name like
    ![x](https://…) would load an image in every visitor's browser): text cells made literal,
    numbers left as they are."""
    return text_cells(frame, markdown_literal)


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


def window_marks(
    windows: dict,
    anchor: str | dt.date | None,
    anchor_label: str = "reorg",
    axes: Sequence[tuple[str, str]] = (("x", "y"),),
    anchor_label_lift: int = 0,
) -> tuple[list[dict], list[dict]]:
    """(shapes, annotations) as layout dicts: the before and after windows ({"before": {"start",
    "end"}, ...} as in the report) shaded on every (x axis, y axis) pair of `axes`, and a dashed
    line across the whole figure at the reorg (or comparison) date, labelled above the plot.

    The window labels appear once, on the first pair, on either side of the reorg: "before"
    ending at its window's end and "after" starting at its window's start, each nudged clear of
    the line, so they stay apart however narrow the windows are drawn. Plain dicts for one
    update_layout: Plotly's add_vrect and add_shape validate the whole layout at every call.
    `anchor_label_lift` raises the reorg label that many pixels, over a subplot title of the
    same height."""
    shapes, annotations = [], []
    for period, window in (windows or {}).items():
        if not window or window["start"] == window["end"]:
            continue
        for xref, yref in axes:
            shapes.append(
                {
                    "type": "rect",
                    "x0": window["start"],
                    "x1": window["end"],
                    "xref": xref,
                    "y0": 0,
                    "y1": 1,
                    "yref": f"{yref} domain",
                    "fillcolor": PERIOD_COLOURS[period],
                    "opacity": WINDOW_SHADE_OPACITY,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
        before = period == "before"
        xref, yref = axes[0]
        annotations.append(
            {
                "text": period,
                "showarrow": False,
                "x": window["end"] if before else window["start"],
                "xref": xref,
                "xanchor": "right" if before else "left",
                "xshift": -6 if before else 6,
                "y": 1,
                "yref": f"{yref} domain",
                "yanchor": "top",
            }
        )
    if anchor is not None:
        x = str(anchor)
        shapes.append(
            {
                "type": "line",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": REORG, "dash": "dash", "width": 1.5},
            }
        )
        annotations.append(
            {
                "x": x,
                "y": 1,
                "yref": "paper",
                "yshift": anchor_label_lift,
                "text": anchor_label,
                "showarrow": False,
                "yanchor": "bottom",
            }
        )
    return shapes, annotations
