"""Threadline: did reorganising teams under single-threaded owners change how they deliver?"""
import streamlit as st

from analysis.metrics import teams_table
from analysis.quality import quality_report
from analysis.workspace import open_shared_store, shared_data_dir

st.set_page_config(page_title="Threadline", layout="wide")


def session_store():
    # One store per visitor session: uploads must never be visible to another visitor.
    if "store" not in st.session_state:
        with st.spinner("Loading the organisation..."):
            st.session_state["store"] = open_shared_store()
    return st.session_state["store"]


store = session_store()
st.title("Threadline")
st.caption(f"Data: {shared_data_dir().name}")
teams = teams_table(store.con)
st.subheader("Teams")
st.dataframe(teams, hide_index=True, column_config={"reorg_date": st.column_config.DateColumn("reorg date")})
report = quality_report(store.con)
st.subheader("Data quality")
st.dataframe(report.files.drop(columns=["load_id"]), hide_index=True)
st.metric("Work items without a team", f"{report.unattributed_share:.1%}")
