"""Team page: one team's three metrics before and after its reorg, the numbers behind each chart,
and how sure we can be (event study, comparison teams, placebo check, data quality)."""

import streamlit as st

from analysis.views import team as view
from dashboard import page_setup

context = page_setup()
header = st.container()
team = st.selectbox("Team", view.team_names(context.con), key="team", bind="query-params")
if team is None:
    st.info("No teams yet: load a teams.csv on the Data page.")
    st.stop()
page = context.team_page(team)
if page is None:
    st.info(f"No team named {view.markdown_literal(team)} in this data.")
    st.stop()
header.title(view.markdown_literal(team))
(st.info if page.data.is_comparison else st.markdown)(view.markdown_literal(page.context))
st.caption(view.markdown_literal(page.windows))
st.markdown(view.markdown_list(page.summaries))

for section in page.sections:
    st.subheader(section.label, divider="gray")
    st.badge(section.badge[0], color=section.badge[1])
    chart, numbers = st.columns([3, 2])
    chart.plotly_chart(section.figure, key=f"chart_{section.metric}")
    numbers.dataframe(section.numbers, hide_index=True, key=f"numbers_{section.metric}")
    numbers.caption(view.markdown_literal(section.effect))
    if section.waits_on is not None:
        chart.caption("Who it waits on: items waiting and days blocked, per window")
        chart.dataframe(section.waits_on, hide_index=True, key="waits_on")

st.subheader(page.event_study_title, divider="gray")
st.plotly_chart(page.event_study, key="chart_event_study")

st.subheader("Against the comparison teams", divider="gray")
st.markdown(view.markdown_literal(page.did_sentence))
if page.did_table is not None:
    st.dataframe(page.did_table, hide_index=True, key="did")

st.subheader("Placebo check", divider="gray")
st.markdown(view.markdown_list(page.placebo))

st.subheader("Supporting measures", divider="gray")
st.dataframe(page.supporting, hide_index=True, key="supporting")

st.subheader("Data quality", divider="gray")
st.markdown(view.markdown_list(page.quality_notes))

st.subheader("Items and releases", divider="gray")
search = st.text_input(
    "Search",
    key="search",
    bind="query-params",
    type="search",
    placeholder="Key, title, type, status, assignee, release name or tag",
)
items, matching_items = view.items_table(context.con, page.data, search)
st.caption(f"Work items resolved in the windows: showing {len(items)} of {matching_items} matching.")
st.dataframe(
    items,
    hide_index=True,
    key="items",
    column_config={**view.ITEM_COLUMN_LABELS, "url": st.column_config.LinkColumn("Link", display_text="open")},
)
releases, matching_releases = view.releases_table(context.con, page.data, search)
st.caption(f"Releases of the team (counted or not): showing {len(releases)} of {matching_releases} matching.")
st.dataframe(
    releases,
    hide_index=True,
    key="releases",
    column_config={**view.RELEASE_COLUMN_LABELS, "url": st.column_config.LinkColumn("Link", display_text="open")},
)
