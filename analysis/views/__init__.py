"""What the dashboard's pages show, as plain data and Plotly figures (no Streamlit here)."""
