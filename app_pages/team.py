"""Team page: one team's three metrics before and after its reorg, the numbers behind each chart,
and how sure we can be (event study, comparison teams, placebo check, data quality)."""

import streamlit as st

from analysis.views import team as view
from analysis.views.common import CHART_CONFIG, csv_download
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
st.markdown(view.markdown_list(page.summaries(context.adjusted)))

for section in page.sections:
    st.subheader(section.label, divider="gray")
    badge, colour = section.badge(context.adjusted)
    st.badge(badge, color=colour)
    st.markdown(view.markdown_list(section.decision))
    chart, numbers = st.columns([3, 2])
    chart.plotly_chart(section.figure, key=f"chart_{section.metric}", config=CHART_CONFIG)
    numbers.dataframe(section.numbers, hide_index=True, key=f"numbers_{section.metric}")
    numbers.download_button(
        "Download CSV",
        csv_download(section.numbers),
        f"{section.metric}.csv",
        "text/csv",
        key=f"numbers_{section.metric}_csv",
        on_click="ignore",
    )
    numbers.caption(view.markdown_literal(section.effect))
    if section.waits_on is not None:
        chart.caption("Who it waits on: items waiting and days blocked, per window")
        chart.dataframe(section.waits_on, hide_index=True, key="waits_on")
        chart.download_button(
            "Download CSV",
            csv_download(section.waits_on),
            "waits_on.csv",
            "text/csv",
            key="waits_on_csv",
            on_click="ignore",
        )

st.subheader(page.event_study_title, divider="gray")
st.plotly_chart(page.event_study, key="chart_event_study", config=CHART_CONFIG)

st.subheader("Against the comparison teams", divider="gray")
st.markdown(view.markdown_literal(page.did_sentence))
if page.did_table is not None:
    st.dataframe(page.did_table, hide_index=True, key="did")
    st.download_button(
        "Download CSV", csv_download(page.did_table), "comparison.csv", "text/csv", key="did_csv", on_click="ignore"
    )

st.subheader("Placebo check", divider="gray")
st.markdown(view.markdown_list(page.placebo))

st.subheader("Supporting measures", divider="gray")
st.dataframe(page.supporting, hide_index=True, key="supporting")
st.download_button(
    "Download CSV", csv_download(page.supporting), "supporting.csv", "text/csv", key="supporting_csv", on_click="ignore"
)

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
st.download_button("Download CSV", csv_download(items), "items.csv", "text/csv", key="items_csv", on_click="ignore")
releases, matching_releases = view.releases_table(context.con, page.data, search)
st.caption(f"Releases of the team (counted or not): showing {len(releases)} of {matching_releases} matching.")
st.dataframe(
    releases,
    hide_index=True,
    key="releases",
    column_config={**view.RELEASE_COLUMN_LABELS, "url": st.column_config.LinkColumn("Link", display_text="open")},
)
st.download_button(
    "Download CSV", csv_download(releases), "releases.csv", "text/csv", key="releases_csv", on_click="ignore"
)
