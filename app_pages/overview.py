"""Overview: who reorganised when, every team's before/after verdicts, and a summary per team."""

import streamlit as st

from analysis.views import overview as view
from analysis.views.common import CHART_CONFIG, csv_download, markdown_literal
from dashboard import page_setup

context = page_setup()
report = context.report()
confidence = context.settings.confidence

st.title("Overview")
if not report["teams"]:
    st.info("No teams yet: load a teams.csv (and the exports) on the Data page.")
    st.stop()
st.caption(view.settings_caption(report))

st.header("Verdicts")
adjusted = context.adjusted
grid = view.verdict_grid(report, adjusted=adjusted, confidence=confidence)
st.dataframe(
    view.styled_grid(grid),
    key="verdict_grid",
    hide_index=True,
    height=min(38 + 35 * len(grid), 38 + 35 * 24),  # every row of up to 8 teams visible, then scroll
    column_config={
        "comparison": st.column_config.CheckboxColumn(
            "comparison", help="Did not reorganise: measured around the comparison date."
        ),
        "change": st.column_config.TextColumn(f"change ({view.interval_label(confidence)}), p"),
    },
)
st.caption(
    f"Raw change = after vs before; change = the decision the verdict comes from (judged against the "
    f"comparison teams, or the team's own trend) with its {view.interval_label(confidence)} and "
    f"{'adjusted' if adjusted else 'unadjusted'} p-value; badges on "
    f"{'Benjamini-Hochberg adjusted' if adjusted else 'unadjusted'} p-values (switch in the sidebar); "
    "n = release days, commitments or waiting items. "
    "▲ improved · ▼ worsened · ● no clear change · ○ insufficient data."
)
st.download_button(
    "Download CSV", csv_download(grid), "verdicts.csv", "text/csv", key="verdict_grid_csv", on_click="ignore"
)

st.header("Reorganisation timeline")
st.plotly_chart(view.timeline_figure(report), key="timeline", width="stretch", config=CHART_CONFIG)

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
