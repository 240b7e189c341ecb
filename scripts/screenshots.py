"""Screenshots of the dashboard's main pages for docs/ (``make screenshots``).

Starts ``streamlit run app.py`` on a free loopback port with the bundled sample, opens each
page in Debian's Chromium through Playwright at 1280 px wide, waits for the plan, and saves
one PNG per page into the folder given (default docs/screenshots).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PAGES = (("plan", "Plan", ""), ("inventory", "Inventory", "Inventory"),
         ("vendors", "Vendors and policy", "Vendors and policy"),
         ("compare", "Compare quotes", "Compare quotes"), ("whatif", "What if", "What if"),
         ("export", "Export", "Export"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(out: Path) -> None:
    """Serve the app, visit every page, save the screenshots."""
    out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PLANNER_TIME_LIMIT": os.environ.get("PLANNER_TIME_LIMIT", "20")}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.address", "127.0.0.1", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto(url)
            page.get_by_text("Recovery PCs to contract").wait_for(timeout=60_000)
            for name, _title, link in PAGES:
                if link:
                    page.locator('[data-testid="stSidebarNav"] a', has_text=link).first.click()
                time.sleep(8 if name in ("plan", "compare") else 4)
                page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached",
                                       timeout=60_000)
                page.screenshot(path=str(out / f"{name}.png"))
                print(f"wrote {out / f'{name}.png'}")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
