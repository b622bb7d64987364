"""Overview: who reorganised when, every team's before/after verdicts, and a summary per team."""

import streamlit as st

from analysis.views import drill, roster
from analysis.views import overview as view
from analysis.views.common import csv_download, markdown_literal
from dashboard import page_setup, show_drill

context = page_setup()
report = context.report()
confidence = context.settings.confidence

st.title("Overview")
if not report["teams"]:
    st.info("No teams yet: load a teams.csv (and the exports) on the Data page.")
    st.stop()
st.caption(view.settings_caption(report))

st.header("Reorganisation timeline")
st.plotly_chart(view.timeline_figure(report), key="timeline", width="stretch")

st.header("Who moved where")
moves = roster.sankey_figures(context.con, show_names=context.settings.show_roster_names)
if moves:
    st.caption(
        "From the dated roster (members.csv): at each reorg date, each person's team the day before (left) "
        "and on the day (right), with the people who stayed in a reorganised team; a flow's width is "
        "the number of people. "
        + (
            "Hover a flow for the names."
            if context.settings.show_roster_names
            else "Hover shows counts only; names can be switched on in the Data page's settings."
        )
    )
    for day, figure in moves:
        st.plotly_chart(figure, key=f"moves_{day.isoformat()}", width="stretch")
else:
    st.info("No one changed team at a reorg date in the roster (members.csv with dates), so there is nothing to draw.")

st.header("Verdicts")
adjusted = context.adjusted
st.caption(
    f"Raw change = after vs before; change = the decision the verdict comes from (judged against the "
    f"comparison teams, or the team's own trend) with its {view.interval_label(confidence)} and "
    f"{'adjusted' if adjusted else 'unadjusted'} p-value; badges on "
    f"{'Benjamini-Hochberg adjusted' if adjusted else 'unadjusted'} p-values (switch in the sidebar); "
    "n = release days, commitments or waiting items. "
    "▲ improved · ▼ worsened · ● no clear change · ○ insufficient data."
)
grid = view.verdict_grid(report, adjusted=adjusted, confidence=confidence)
selected = st.dataframe(
    view.styled_grid(grid),
    key="verdict_grid",
    on_select="rerun",
    selection_mode="single-cell",
    hide_index=True,
    height=min(38 + 35 * len(grid), 560),  # every row visible for a few teams, then scroll
    column_config={
        "comparison": st.column_config.CheckboxColumn(
            "comparison", help="Did not reorganise: measured around the comparison date."
        ),
        "change": st.column_config.TextColumn(f"change ({view.interval_label(confidence)}), p"),
    },
)
st.download_button(
    "Download CSV", csv_download(grid), "verdicts.csv", "text/csv", key="verdict_grid_csv", on_click="ignore"
)
st.caption("Select a cell of the grid for the releases or items behind its numbers.")
cells = selected.selection.cells
cell = drill.grid_cell(grid, cells[0][0]) if cells else None
if cell:
    team, metric = cell
    entry = next(entry for entry in report["teams"] if entry["team"] == team)
    behind = drill.metric_drill(context.con, context.settings, entry, metric)
    show_drill(behind, "grid_drill")
    st.page_link(
        "app_pages/team.py",
        label=f"Open the Team page of {markdown_literal(team)}",
        icon=":material/groups:",
        query_params=view.team_page_query(team),
    )

st.header("In plain words")
st.caption("Each team's name opens its Team page with the same settings.")
# Scrolls in its own box once there are more teams than fit on a screen (100 teams stay readable).
with st.container(height=480 if len(report["teams"]) > 8 else "content", key="summaries"):
    for team, summary in view.summaries(report, confidence, adjusted):
        st.page_link(
            "app_pages/team.py",
            label=markdown_literal(team),
            icon=":material/groups:",
            query_params=view.team_page_query(team),
        )
        st.text(summary)
