"""team page."""
import streamlit as st

from dashboard import page_setup

context = page_setup()
st.title("Team")
