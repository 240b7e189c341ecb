"""Streamlit dashboard (arrives with the dashboard issue; the package holds all logic)."""
