"""Screenshots of the dashboard's main pages for docs/ (``make screenshots``).

Serves the dashboard (``dashboard.live.serve``) with the bundled sample, opens each
page in Debian's Chromium through Playwright at 1280 px wide, waits for the plan, and saves
one PNG per page into the folder given (default docs/screenshots).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from dashboard.live import launch, serve  # noqa: E402

PAGES = (("plan", ""), ("inventory", "Inventory"), ("vendors", "Vendors and policy"),
         ("compare", "Compare quotes"), ("whatif", "What if"), ("export", "Export"))


def main(out: Path) -> None:
    """Serve the app, visit every page, save the screenshots."""
    out.mkdir(parents=True, exist_ok=True)
    env = {"PLANNER_TIME_LIMIT": os.environ.get("PLANNER_TIME_LIMIT", "20")}
    with serve(env) as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1500})
        page.goto(url)
        page.get_by_text("Recovery PCs to contract").wait_for(timeout=60_000)
        for name, link in PAGES:
            if link:
                page.locator('[data-testid="stSidebarNav"] a', has_text=link).first.click()
            time.sleep(8 if name in ("plan", "compare") else 4)
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached",
                                   timeout=60_000)
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote {out / f'{name}.png'}")
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
