"""Team page: one team's three metrics before and after its reorg, the numbers behind each chart,
and how sure we can be (event study, comparison teams, placebo check, data quality)."""

import streamlit as st

from analysis.headline import team_headline
from analysis.views import drill
from analysis.views import team as view
from analysis.views.common import CHART_CONFIG, csv_download, markdown_literal_frame, table_headers
from dashboard import page_setup, show_drill, show_table

context = page_setup()
header = st.container()
asked = st.query_params.get("team")  # read before the selectbox, which drops a name it does not hold
names = view.team_names(context.con)
if names and st.session_state.get("team") not in names and asked not in names:
    # No default team: a chosen one is never "the default" that Streamlit leaves out of the URL,
    # so a copied link names its team even when it is the first.
    st.session_state["team"] = names[0]
team = st.selectbox("Team", names, index=None, key="team", bind="query-params")
unknown = view.unknown_team_note(asked, names, team)
if unknown:
    st.warning(unknown)
if team is None:
    st.info("No teams yet: load a teams.csv on the Data page.")
    st.stop()
page = context.team_page(team)
if page is None:
    st.info(f"No team named {view.markdown_literal(team)} in this data.")
    st.stop()
header.title(view.markdown_literal(team))
with st.container(key="team_headline"):
    st.markdown(
        view.markdown_list(team_headline(context.report(), team, context.adjusted, context.settings.confidence))
    )
(st.info if page.data.is_comparison else st.markdown)(view.markdown_literal(page.context))
st.caption(view.markdown_literal(page.windows))

for section in page.sections:
    st.subheader(section.label, divider="gray")
    badge, colour = section.badge(context.adjusted)
    st.badge(badge, color=colour)
    st.markdown(view.markdown_list(section.decision))
    chart, numbers = st.columns([3, 2])
    clicked = chart.plotly_chart(
        section.figure,
        key=f"chart_{section.metric}",
        config=CHART_CONFIG,
        on_select="rerun",
        selection_mode=("points", "box"),
    )
    behind = drill.chart_points(context.con, page.data, section.metric, section.figure, clicked.selection.points)
    if behind is not None:
        show_drill(behind, f"chart_drill_{section.metric}", where=chart)
    else:
        chart.caption("Click a point (or drag a box) for the releases or items behind it.")
    show_table(section.numbers, f"numbers_{section.metric}", where=numbers)
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
        show_table(section.waits_on, "waits_on", where=chart)
        chart.download_button(
            "Download CSV",
            csv_download(section.waits_on),
            "waits_on.csv",
            "text/csv",
            key="waits_on_csv",
            on_click="ignore",
        )

st.subheader(page.event_study_title, divider="gray")
clicked = st.plotly_chart(
    page.event_study, key="chart_event_study", config=CHART_CONFIG, on_select="rerun", selection_mode="points"
)
behind = drill.event_points(context.con, page.data, page.event_study, clicked.selection.points)
if behind is not None:
    show_drill(behind, "event_study_drill")
else:
    st.caption("Click a month's point for the releases or items counted in it.")

st.subheader("Against the comparison teams", divider="gray")
st.markdown(view.markdown_literal(page.did_sentence))
if page.did_table is not None:
    show_table(page.did_table, "did", column_config=view.DID_COLUMNS, row_height=view.DID_ROW_HEIGHT)
    with st.container(key="print_only_did"):  # replaces the table above on paper: analysis/views/app.css
        st.table(markdown_literal_frame(page.did_table).rename(columns=table_headers(page.did_table)), hide_index=True)
    st.download_button(
        "Download CSV", csv_download(page.did_table), "comparison.csv", "text/csv", key="did_csv", on_click="ignore"
    )

st.subheader("Placebo check", divider="gray")
st.markdown(view.markdown_list(page.placebo))

st.subheader("Supporting measures", divider="gray")
show_table(page.supporting, "supporting")
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
choices = view.item_filter_choices(context.con, page.data)
outcome_filter, type_filter, label_filter = st.columns(3)
outcomes = outcome_filter.multiselect(
    "Outcome",
    view.ITEM_OUTCOMES,
    key="item_outcomes",
    placeholder="Any",
    help="Late or on time: commitments by the timeline rule (tolerance in the sidebar); waiting: blocked by "
    "another team. Several: any of them.",
)
item_types = type_filter.multiselect("Issue type", choices["type"], key="item_types", placeholder="Any")
labels = label_filter.multiselect("Label", choices["label"], key="item_labels", placeholder="Any")
items, matching_items = view.items_table(context.con, page.data, search, outcomes, item_types, labels)
st.caption(f"Work items resolved in the windows: showing {len(items)} of {matching_items} matching.")
st.dataframe(
    items,
    hide_index=True,
    placeholder="",
    key="items",
    column_config={
        **view.ITEM_COLUMN_LABELS,
        # The table is wider than the page: its key stays in view while it scrolls sideways.
        "item_key": st.column_config.TextColumn(view.ITEM_COLUMN_LABELS["item_key"], pinned=True),
        "url": st.column_config.LinkColumn("Link", display_text="open"),
        # Days to one decimal as everywhere on the page (the CSV keeps every digit).
        "wait_days": st.column_config.NumberColumn(view.ITEM_COLUMN_LABELS["wait_days"], format="%.1f"),
    },
)
st.download_button("Download CSV", csv_download(items), "items.csv", "text/csv", key="items_csv", on_click="ignore")
releases, matching_releases = view.releases_table(context.con, page.data, search)
st.caption(f"Releases of the team (counted or not): showing {len(releases)} of {matching_releases} matching.")
st.dataframe(
    releases,
    hide_index=True,
    placeholder="",
    key="releases",
    column_config={**view.RELEASE_COLUMN_LABELS, "url": st.column_config.LinkColumn("Link", display_text="open")},
)
st.download_button(
    "Download CSV", csv_download(releases), "releases.csv", "text/csv", key="releases_csv", on_click="ignore"
)
