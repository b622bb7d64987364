"""Who moved where: the dated roster's moves at each reorg date as Sankey diagrams.

`queries/roster_moves.sql` gives, for each reorg date in teams.csv, each person's team the day
before and on the date (people who stayed in a reorganised team too). Here they become flows:
old team (left) -> new team (right), a flow's value the number of people; one diagram per date,
so teams that reorganised at different times get a diagram each. People's names are shown only
on hover and only when the settings allow it (`Settings.show_roster_names`); otherwise the hover
says counts only. Team and person names come from exports: they reach Plotly escaped.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from .. import queries
from . import palette
from .common import plotly_text

FLOW_COLUMNS = ["reorg_date", "old_team", "new_team", "people", "names"]
NODE_PIXELS = 56  # height per team on the taller side, so a large reorg stays readable
OLD_COLOUR = palette.ORANGE  # the old teams: 3:1 on the light and the dark page, like every mark
NEW_COLOUR = palette.BLUE
SIDE_LABEL = {"y": 1.0, "xref": "paper", "yref": "paper", "yanchor": "bottom", "showarrow": False}
DRAWN_AT_ONCE = 4  # reorg dates drawn one under the other; with more, the page asks which one


def roster_moves(con) -> pd.DataFrame:
    """reorg_date, person, old_team, new_team (queries/roster_moves.sql)."""
    moves = con.execute(queries.sql("roster_moves")).df()
    moves["reorg_date"] = pd.to_datetime(moves["reorg_date"]).dt.date
    return moves


def roster_flows(moves: pd.DataFrame) -> pd.DataFrame:
    """One row per reorg date, old team and new team: how many people went that way and who
    (names sorted). Dates, then old teams, then new teams in alphabetical order."""
    if moves.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    grouped = moves.groupby(["reorg_date", "old_team", "new_team"], sort=True)["person"]
    flows = grouped.agg(people="count", names=lambda names: sorted(names)).reset_index()
    return flows[FLOW_COLUMNS]


def sankey_figure(flows: pd.DataFrame, day: dt.date, show_names: bool = False) -> go.Figure:
    """The flows of one reorg date: old teams on the left, new teams on the right, each link as
    wide as the people who moved that way. A team on both sides is two nodes (before and after).
    Hover: the count, and the people's names only when `show_names`."""
    shown = flows[flows["reorg_date"] == day]
    old_teams = sorted(set(shown["old_team"]))
    new_teams = sorted(set(shown["new_team"]))
    labels = [plotly_text(team) for team in old_teams] + [plotly_text(team) for team in new_teams]
    source = [old_teams.index(team) for team in shown["old_team"]]
    target = [len(old_teams) + new_teams.index(team) for team in shown["new_team"]]
    values = shown["people"].astype(int).tolist()
    # The hover's words are written here (a template cannot make "1 person" singular): the count,
    # then the names only when allowed.
    counts = [people(count) for count in values]
    if show_names:
        counts = [
            text + "<br>" + "<br>".join(plotly_text(name) for name in names)
            for text, names in zip(counts, shown["names"])
        ]
    node_totals = [int(shown.loc[shown["old_team"] == team, "people"].sum()) for team in old_teams] + [
        int(shown.loc[shown["new_team"] == team, "people"].sum()) for team in new_teams
    ]
    sides = ["before"] * len(old_teams) + ["after"] * len(new_teams)
    # Plain dicts validated once by go.Figure: add_annotation/update_layout re-validate the
    # whole layout at each call.
    sankey = {
        "type": "sankey",
        "arrangement": "fixed",
        "valueformat": ".0f",  # people are whole: "3", not Plotly's default "3.00"
        "textfont": {"size": 14},
        "node": {
            "label": labels,
            "color": [OLD_COLOUR] * len(old_teams) + [NEW_COLOUR] * len(new_teams),
            "pad": 18,
            "thickness": 18,
            "line": {"width": 0},
            "customdata": [f"{side}: {people(total)}" for side, total in zip(sides, node_totals)],
            "hovertemplate": "%{label} (%{customdata})<extra></extra>",
        },
        "link": {
            "source": source,
            "target": target,
            "value": values,
            "customdata": counts,
            "color": "rgba(0, 114, 178, 0.25)",
            "hovertemplate": "%{source.label} → %{target.label}: %{customdata}<extra></extra>",
            "hoverlabel": {"align": "left"},
        },
    }
    annotations = [
        {"x": 0, "xanchor": "left", "text": "team the day before", **SIDE_LABEL},
        {"x": 1, "xanchor": "right", "text": "team on the day", **SIDE_LABEL},
    ]
    layout = {
        "title": {"text": f"Who moved where on {day.isoformat()}", "x": 0, "xanchor": "left"},
        "height": 120 + NODE_PIXELS * max(len(old_teams), len(new_teams), 1),
        "margin": {"l": 10, "r": 10, "t": 70, "b": 10},
        "font": {"size": 13},
        "annotations": annotations,
    }
    return go.Figure(data=[sankey], layout=layout)


def people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def people_by_date(flows: pd.DataFrame) -> dict[dt.date, int]:
    """How many people the roster places at each reorg date (moved or stayed), oldest first."""
    return {day: int(count) for day, count in flows.groupby("reorg_date", sort=True)["people"].sum().items()}


def dates_to_draw(counts: dict[dt.date, int], chosen: dt.date | None) -> list[dt.date]:
    """Every date when there are at most DRAWN_AT_ONCE of them; otherwise the chosen one (by
    default the date with the most people, the earliest of a tie): dozens of diagrams on one
    page are neither readable nor cheap to draw."""
    if len(counts) <= DRAWN_AT_ONCE:
        return list(counts)
    if chosen in counts:
        return [chosen]
    return [max(counts, key=lambda day: (counts[day], -day.toordinal()))]
