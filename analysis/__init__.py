"""Threadline's analysis layer: importers, the DuckDB store, metrics, statistics and the CLI.

Nothing here imports Streamlit, so tests and scripts reach every piece without a UI.
"""
