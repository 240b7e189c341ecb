"""The Streamlit dashboard: pages and UI helpers; every number comes from the package."""
