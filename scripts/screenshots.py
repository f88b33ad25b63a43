"""Screenshots of the example app's main pages for review: the task list with 10,000 rows,
a form showing its errors, a record, an edit form, each workspace, and the list at phone
width.

    python scripts/screenshots.py [OUT_DIR]      # default: ./screenshots

Needs Chromium (``apt-get install chromium``) and the dev extras (Playwright).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fake import fill  # noqa: E402
from dazzle_back.runtime.app_factory import create_app  # noqa: E402
from dazzle_back.runtime.live import CHROMIUM_ARGS, chromium_path, live_server  # noqa: E402
from dazzle_back.runtime.settings import load_settings  # noqa: E402

APP = ROOT / "examples" / "team_tasks"


def settled(page: Page) -> None:
    """Wait until every workspace region has loaded."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('.loading')", timeout=15_000)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dazzle-shots-"))
    url = f"sqlite:///{tmp / 'shots.sqlite'}"
    asyncio.run(fill(APP, url, {"Task": 10_000, "Comment": 200}, default=12))
    settings = replace(load_settings({"DAZZLE_ENV": "development"}), database_url=url)
    app = create_app(APP, settings, auth_enabled=False)
    spec = app.state.runtime.spec
    with live_server(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def shot(name: str, full: bool = True) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=full)
            print(path)

        page.goto(f"{base}/app/task")
        shot("task-list-10000-rows")
        page.goto(f"{base}/app/task?page=250&sort=due_date&dir=desc")
        shot("task-list-page-250")
        page.goto(f"{base}/app/task/create")
        page.fill("#f-title", "")
        page.click("button[type=submit].primary")
        page.wait_for_selector(".error-summary")
        shot("task-form-errors")
        page.goto(f"{base}/app/task")
        page.click("table.records tbody tr:first-child td a")
        page.wait_for_selector("dl.fields")
        shot("task-view")
        page.click("text=Edit")
        shot("task-edit")
        for name in spec.workspaces:
            page.goto(f"{base}/app/workspaces/{name}")
            settled(page)
            shot(f"workspace-{name}")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/app/task")
        shot("task-list-phone", full=False)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screenshots"))
