"""Overview: the answer in a few sentences, every team's verdicts, each team in plain words, and
who reorganised when."""

import streamlit as st

from analysis.headline import organisation_headline
from analysis.views import drill, roster
from analysis.views import overview as view
from analysis.views.common import CHART_CONFIG, csv_download, markdown_list, markdown_literal
from dashboard import page_setup, show_drill

context = page_setup()
report = context.report()
confidence = context.settings.confidence
adjusted = context.adjusted

st.title("Overview")
if not report["teams"]:
    st.info("No teams yet: load a teams.csv (and the exports) on the Data page.")
    st.stop()
with st.container(key="headline"):
    st.markdown(markdown_list(organisation_headline(report, adjusted, confidence)))

st.header("Verdicts")
st.caption(
    "One row per team and metric; hover a column's name for what it holds, open a team's name for its "
    "page. ▲ improved · ▼ worsened · ● no clear change · ○ insufficient data."
)
grid = view.verdict_grid(report, adjusted=adjusted, confidence=confidence)
headers = view.grid_headers(confidence, adjusted)
column_config = {column: st.column_config.TextColumn(label, help=text) for column, (label, text) in headers.items()}
column_config["team"] = st.column_config.LinkColumn(
    headers["team"][0], help=headers["team"][1], display_text=view.TEAM_LINK_TEXT, pinned=True
)
column_config["comparison"] = st.column_config.CheckboxColumn(headers["comparison"][0], help=headers["comparison"][1])
# Wide enough for the longest badge, "● no clear change (after adjusting for N comparisons)".
column_config["verdict"] = st.column_config.TextColumn(
    headers["verdict"][0], help=headers["verdict"][1], width=330 if grid["verdict"].str.len().max() > 20 else "medium"
)
selected = st.dataframe(
    view.styled_grid(view.linked_grid(grid, st.query_params.to_dict())),
    key="verdict_grid",
    on_select="rerun",
    selection_mode="single-cell",
    hide_index=True,
    placeholder="",
    height=min(38 + 35 * len(grid), 38 + 35 * 24),  # every row of up to 8 teams visible, then scroll
    column_config=column_config,
)
# On paper, this table replaces the grid above (a canvas prints only the rows in view): analysis/views/app.css.
with st.container(key="print_only_verdict_grid"):
    st.html(view.paper_grid(grid, {column: headers[column][0] for column in grid.columns}))
st.caption("Select a cell of the grid for the releases or items behind its numbers.")
st.download_button(
    "Download CSV", csv_download(grid), "verdicts.csv", "text/csv", key="verdict_grid_csv", on_click="ignore"
)
st.download_button(
    "Download the executive pack (HTML)",
    context.executive_pack(),  # built on click, from this page's report and badge switch
    "threadline-executive-pack.html",
    "text/html",
    key="executive_pack",
    on_click="ignore",
    icon=":material/download:",
    help="One HTML file for the business review: opens offline, charts interactive, prints one team per page.",
)
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

st.header("Each team in plain words")
st.caption("Each team's name opens its Team page with the same settings.")
pages = view.summary_pages(report)
page = pages[0]
if len(pages) > 1:
    chosen = st.selectbox(
        "Teams shown",
        range(len(pages)),
        format_func=lambda index: view.summary_page_label(report, pages[index]),
        key="summary_page",
        help="In the grid's order: by reorg date, comparison teams last.",
    )
    page = pages[chosen]
# Scrolls in its own box once there are more teams than fit on a screen.
with st.container(height=480 if len(report["teams"][page]) > 4 else "content", key="summaries"):
    for team, sentences in view.summaries(report, confidence, adjusted, teams=page):
        st.page_link(
            "app_pages/team.py",
            label=markdown_literal(team),
            icon=":material/groups:",
            query_params=view.team_page_query(team),
        )
        st.markdown(markdown_list(sentences))

st.header("Reorganisation timeline")
st.caption(view.settings_caption(report))
st.plotly_chart(view.timeline_figure(report), key="timeline", width="stretch", config=CHART_CONFIG)

st.header("Who moved where")
people_by_date = roster.people_by_date(context.roster_flows())
if people_by_date:
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
    chosen = None
    if len(people_by_date) > roster.DRAWN_AT_ONCE:
        dates = list(people_by_date)
        chosen = st.selectbox(
            "Reorg date",
            dates,
            index=dates.index(roster.dates_to_draw(people_by_date, None)[0]),
            format_func=lambda day: f"{day.isoformat()}: {roster.people(people_by_date[day])}",
            key="moves_date",
            help=f"{len(dates)} reorg dates; the one with the most people is shown first.",
        )
    for day in roster.dates_to_draw(people_by_date, chosen):
        st.plotly_chart(
            context.roster_figure(day), key=f"moves_{day.isoformat()}", width="stretch", config=CHART_CONFIG
        )
else:
    st.info("No one changed team at a reorg date in the roster (members.csv with dates), so there is nothing to draw.")
