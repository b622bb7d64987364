"""Dependencies: who waits on whom, before and after the reorg."""

import streamlit as st

from analysis.views import dependencies as view
from analysis.views.common import CHART_CONFIG, csv_download
from dashboard import page_setup

context = page_setup()
report = context.report()

st.title("Dependencies")
st.caption(
    "Rows: the team whose items waited. Columns: the team they waited on. A cell adds up the items "
    "resolved in the window that waited, or their days of waiting; empty means none. Single-threaded "
    "teams are expected to untangle these: fewer and lighter cells after the reorg."
)

left, right = st.columns(2)
with left:
    period = st.segmented_control(
        "Period",
        list(view.PERIOD_CHOICES),
        default="Before and after",
        required=True,
        key="period",
        bind="query-params",
    )
with right:
    measure = st.segmented_control(
        "Value", list(view.MEASURES), default="Total wait days", required=True, key="measure", bind="query-params"
    )

if view.matrix_axes(report)[1]:
    figure = view.heatmap_figure(report, view.PERIOD_CHOICES[period], view.MEASURES[measure])
    st.plotly_chart(figure, key="wait_heatmap", width="stretch", config=CHART_CONFIG)
else:
    st.info("No item waited on another team in these windows (or the exports have no blocking links).")

st.header("Totals per waiting team")
st.caption("Row sums of the matrices: an item that waited on two teams counts once for each.")
totals = view.totals_table(report)
st.dataframe(
    totals,
    key="wait_totals",
    hide_index=True,
    column_config={name: st.column_config.NumberColumn(format="%.1f") for name in view.DAY_COLUMNS},
)
st.download_button(
    "Download CSV", csv_download(totals), "wait_totals.csv", "text/csv", key="wait_totals_csv", on_click="ignore"
)
