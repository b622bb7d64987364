"""The Dependencies page's content: who waits on whom, before and after, as matrices and heatmaps.

The numbers are the dependency-wait metric's `waits_on` lists of each window as they are: for
each waiting team and blocking team, the items resolved in the window that waited on that team
("items") and their total days blocked by it ("wait_days"). Nothing is recomputed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..metrics.dependency_wait import METRIC as DEPENDENCY_WAIT
from ..metrics.rows import PERIODS
from .common import plotly_text
from .overview import category_ticks, is_comparison

# The selectors' options are their labels, which are also what the URL shows (?measure=Items+waiting).
MEASURES = {"Total wait days": "wait_days", "Items waiting": "items"}
PERIOD_CHOICES = {"Before and after": ["before", "after"], "Before": ["before"], "After": ["after"]}
PERIOD_TITLES = {"before": "Before", "after": "After"}
# One hue from light to dark: less waiting reads lighter, for every colour vision and in greyscale.
# The lightest shade is still a tint, so a small wait stays distinct from an empty (white) cell.
COLOUR_SCALE = [[0.0, "#D6E6F4"], [1.0, "#08306B"]]
CELL_PIXELS = 28
MAX_LABELLED_COLUMNS = 15  # write the numbers in the cells only while they still fit
DAY_COLUMNS = ["wait days before", "wait days after", "change in wait days"]
TOTALS_COLUMNS = [
    "team",
    "comparison",
    "items waiting before",
    "wait days before",
    "items waiting after",
    "wait days after",
    "change in wait days",
]


def matrix_axes(report: dict) -> tuple[list[str], list[str]]:
    """(waiting teams, blocking teams), the same for every period so matrices line up.

    Rows are every team of the report, in its order. Columns are the teams anything waited on in
    either period: the report's teams in its order, then any other (one missing from teams.csv,
    say) alphabetically. A team nobody waited on would only add an empty column.
    """
    rows = [team["team"] for team in report["teams"]]
    waited_on = {entry["team"] for team in report["teams"] for period in PERIODS for entry in _waits_on(team, period)}
    return rows, [name for name in rows if name in waited_on] + sorted(waited_on - set(rows))


def wait_matrix(report: dict, period: str, measure: str) -> pd.DataFrame:
    """Waiting team (rows) × blocking team (columns); NaN where nothing waited on that team."""
    rows, columns = matrix_axes(report)
    cells = {
        team["team"]: {entry["team"]: entry[measure] for entry in _waits_on(team, period)} for team in report["teams"]
    }
    matrix = pd.DataFrame.from_dict(cells, orient="index", dtype=float).reindex(index=rows, columns=columns)
    return matrix.rename_axis(index="waiting team", columns="blocking team")


def matrix_table(report: dict, period: str, measure: str) -> pd.DataFrame:
    """wait_matrix as a table to select cells in: the waiting team as the first column, then one
    column per blocking team (a heatmap cannot report a click on a cell; this table can)."""
    matrix = wait_matrix(report, period, measure)
    if measure == "wait_days":
        matrix = matrix.round(1)
    table = matrix.rename_axis(index=None, columns=None)
    table.insert(0, WAITING_COLUMN, table.index)
    return table.reset_index(drop=True)


WAITING_COLUMN = "waiting team"


def matrix_text(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    """matrix_table as text for the page: empty cells blank (a table shows a missing number as
    "None"), days to one decimal, items whole. Positions are matrix_table's, so a selected cell
    reads its number there."""
    shown = table.copy()
    digits = 1 if measure == "wait_days" else 0
    for column in shown.columns[1:]:
        shown[column] = [("" if pd.isna(value) else f"{value:.{digits}f}") for value in table[column]]
    return shown


def totals_table(report: dict) -> pd.DataFrame:
    """Per waiting team: items waiting and total wait days on other teams, before and after.

    An item that waited on two teams counts once for each: these are the matrix's row sums.
    """
    rows = []
    for team in report["teams"]:
        row = {"team": team["team"], "comparison": is_comparison(team)}
        for period in PERIODS:
            waits = _waits_on(team, period)
            row[f"items waiting {period}"] = sum(entry["items"] for entry in waits)
            row[f"wait days {period}"] = round(sum(entry["wait_days"] for entry in waits), 1)
        row["change in wait days"] = round(row["wait days after"] - row["wait days before"], 1)
        rows.append(row)
    return pd.DataFrame(rows, columns=TOTALS_COLUMNS)


def axis_label(name: str, comparison_teams: set[str]) -> str:
    """A heatmap axis category, escaped for Plotly, marked when it is a comparison team."""
    return plotly_text(name) + _mark(name, comparison_teams)


def heatmap_figure(report: dict, periods: list[str], measure: str) -> go.Figure:
    """One heatmap per period ("before", "after"), side by side, on one colour scale so the periods
    compare directly; `measure` is "wait_days" or "items"."""
    comparison = {team["team"] for team in report["teams"] if is_comparison(team)}
    rows, columns = matrix_axes(report)
    row_labels = [axis_label(name, comparison) for name in rows]
    column_labels = [axis_label(name, comparison) for name in columns]
    matrices = {period: wait_matrix(report, period, measure) for period in periods}
    highest = max((m.max().max() for m in matrices.values() if m.notna().any().any()), default=0) or 1
    amount = "%{z:.1f} days" if measure == "wait_days" else "%{z:.0f} items"
    figure = make_subplots(
        rows=1,
        cols=len(periods),
        shared_yaxes=True,
        horizontal_spacing=0.03,
        subplot_titles=[PERIOD_TITLES[p] for p in periods],
    )
    for position, (period, matrix) in enumerate(matrices.items(), start=1):
        values = matrix.to_numpy(dtype=float)
        figure.add_heatmap(
            z=values,
            x=column_labels,
            y=row_labels,
            coloraxis="coloraxis",
            xgap=1,
            ygap=1,
            name=period,
            # A fixed template over the cells' own values: team names never become template text.
            hovertemplate=f"%{{y}} waited on %{{x}}: {amount}<extra>{period}</extra>",
            hoverongaps=False,
            text=_cell_text(values) if len(columns) <= MAX_LABELLED_COLUMNS else None,
            texttemplate="%{text}",
            row=1,
            col=position,
        )
        figure.update_xaxes(
            title_text="waited on",
            tickangle=-45,
            row=1,
            col=position,
            **category_ticks(columns, [_mark(name, comparison) for name in columns]),
        )
    figure.update_yaxes(autorange="reversed", **category_ticks(rows, [_mark(name, comparison) for name in rows]))
    # No grid lines: the gaps between cells already mark them, and the theme's lines (dark ones on
    # a dark page) would cross the white card.
    figure.update_xaxes(showgrid=False, zeroline=False)
    figure.update_yaxes(showgrid=False, zeroline=False)
    figure.update_yaxes(title_text="waiting team", row=1, col=1)
    # The period titles clear of the card's top edge (in the theme's text colour, light on a dark
    # page, they would not read where they overlap the white).
    figure.update_annotations(yshift=8)
    figure.update_layout(
        coloraxis={
            "colorscale": COLOUR_SCALE,
            "cmin": 0,
            "cmax": highest,
            "colorbar": {"title": {"text": "wait days" if measure == "wait_days" else "items waiting"}},
        },
        height=260 + CELL_PIXELS * len(rows),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        # A white card inside the axes in both themes: the light-to-dark scale reads the same on it,
        # and an empty cell (white) stays apart from the lightest tint.
        plot_bgcolor="#FFFFFF",
    )
    return figure


def _mark(name: str, comparison_teams: set[str]) -> str:
    return " (comparison)" if name in comparison_teams else ""


def _cell_text(values: np.ndarray) -> np.ndarray:
    """The numbers written in the cells, as a numpy array (Plotly checks nested lists cell by cell)."""
    return np.array([["" if np.isnan(value) else f"{value:.0f}" for value in row] for row in values], dtype=object)


def _waits_on(team: dict, period: str) -> list[dict]:
    side = team["metrics"][DEPENDENCY_WAIT.name].get(period) or {}
    return side.get("waits_on") or []
