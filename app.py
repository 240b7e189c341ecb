"""The DR contract planner's dashboard: `streamlit run app.py` (or `make run`).

Thin by design: page set-up and navigation only. The pages live in dashboard/pages/, the
session state and UI helpers in dashboard/, and every number comes from the planner package.
"""

import streamlit as st

from dashboard import state

PAGES = "dashboard/pages"

st.set_page_config(page_title="DR contract planner", layout="wide",
                   page_icon=":material/health_and_safety:")
state.init()
pages = [
    st.Page(f"{PAGES}/plan.py", title="Plan", icon=":material/assignment:", default=True),
    st.Page(f"{PAGES}/inventory.py", title="Inventory", icon=":material/dns:"),
    st.Page(f"{PAGES}/vendors.py", title="Vendors and policy", icon=":material/sell:"),
    st.Page(f"{PAGES}/compare.py", title="Compare quotes", icon=":material/balance:"),
    st.Page(f"{PAGES}/whatif.py", title="What if", icon=":material/tune:"),
    st.Page(f"{PAGES}/export.py", title="Export", icon=":material/download:"),
]
state.sidebar()
st.navigation(pages).run()
