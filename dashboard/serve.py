"""``make run``: ``streamlit run app.py`` with the planner already imported.

Streamlit runs the app's script only when the first browser opens a page, so that visitor
would also wait for the package's imports (pandas, pint, HiGHS, plotly: a few seconds on a
slow machine). Importing them here, before the server starts, moves that wait to start-up;
the server, its options and the app are exactly those of ``streamlit run app.py ARGS``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import plotly.graph_objects  # noqa: F401  (warm import, see above)
from streamlit.web import cli

import dashboard.state  # noqa: F401
import planner
import planner.present.charts  # noqa: F401

APP = Path(__file__).resolve().parent.parent / "app.py"


def main() -> None:
    """Serve the dashboard (extra arguments go to ``streamlit run``)."""
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
