"""Dependencies: who waits on whom, before and after the reorg."""

import streamlit as st

from analysis.views import dependencies as view
from analysis.views import drill
from analysis.views.common import CHART_CONFIG, csv_download, header_text, markdown_literal_frame, table_headers
from dashboard import page_setup, show_drill

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
    st.subheader("Select a cell for the blocking links behind it")
    st.caption("The same matrices as tables: rows wait on columns. Select a number for its blocked items and blockers.")
    periods = view.PERIOD_CHOICES[period]
    for shown_period in periods:
        table = view.matrix_table(report, shown_period, view.MEASURES[measure])
        st.markdown(f"**{view.PERIOD_TITLES[shown_period]}**")
        chosen = st.dataframe(
            view.matrix_text(table, view.MEASURES[measure]),
            key=f"wait_matrix_{shown_period}",
            hide_index=True,
            column_config={
                **{team: st.column_config.TextColumn(alignment="right") for team in table.columns[1:]},
                table.columns[0]: st.column_config.TextColumn(header_text(table.columns[0])),
            },
            on_select="rerun",
            selection_mode="single-cell",
        )
        st.download_button(
            "Download CSV",
            csv_download(table),
            f"wait_matrix_{shown_period}.csv",
            "text/csv",
            key=f"wait_matrix_{shown_period}_csv",
            on_click="ignore",
        )
        cells = chosen.selection.cells
        cell = drill.matrix_cell(table, cells[0][0], cells[0][1]) if cells else None
        if cell:
            waiting, blocker = cell
            entry = next(entry for entry in report["teams"] if entry["team"] == waiting)
            behind = drill.blocking_links(context.con, context.settings, entry, blocker, [shown_period])
            show_drill(behind, f"links_{shown_period}")
else:
    st.info("No item waited on another team in these windows (or the exports have no blocking links).")

st.header("Totals per waiting team")
st.caption("Row sums of the matrices: an item that waited on two teams counts once for each.")
totals = view.totals_table(report)
st.dataframe(
    totals,
    key="wait_totals",
    hide_index=True,
    placeholder="",
    column_config={
        **table_headers(totals),
        **{name: st.column_config.NumberColumn(header_text(name), format="%.1f") for name in view.DAY_COLUMNS},
    },
)
# On paper, this table replaces the one above (a canvas prints only what is in view): analysis/views/app.css.
with st.container(key="print_only_wait_totals"):
    st.table(
        markdown_literal_frame(totals).style.format(dict.fromkeys(view.DAY_COLUMNS, "{:.1f}"), na_rep="-"),
        hide_index=True,
    )
st.download_button(
    "Download CSV", csv_download(totals), "wait_totals.csv", "text/csv", key="wait_totals_csv", on_click="ignore"
)
