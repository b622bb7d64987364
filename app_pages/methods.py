"""Methods: the definitions, the statistics and the verdict rules, with the current settings."""

import streamlit as st

from analysis.views import methods as view
from analysis.views.common import csv_download, table_headers
from dashboard import page_setup

context = page_setup()
settings = context.settings

st.title("Methods")
st.markdown(view.STO_SENTENCE)
st.markdown(
    "How every number in Threadline is defined and tested, in plain words, with the settings "
    "in use right now. Change the window, transition, tolerance and time zone in the sidebar; "
    "the rest on the Data page."
)

st.header("Current settings")
table = view.settings_table(settings, context.comparison_date())
st.dataframe(  # every row, no scroll
    table,
    key="settings_table",
    hide_index=True,
    placeholder="",
    height=38 + 35 * len(table),
    column_config=table_headers(table),
)
st.download_button(
    "Download CSV", csv_download(table), "settings.csv", "text/csv", key="settings_csv", on_click="ignore"
)
st.caption("Release tag pattern (a regular expression):")
st.code(settings.release_tag_pattern, language="regex")

for heading, text in view.method_sections(settings):
    st.header(heading)
    st.markdown(text)
