"""The example app in headless Chromium, on SQLite and PostgreSQL: list (sort, filter,
search, page), create, edit with errors then fixed, transitions allowed and refused,
delete, kanban moves, a metrics workspace; no JavaScript; phone width; labels; assets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import EXAMPLES
from tests.ui.conftest import Site, serve

APP = EXAMPLES / "team_tasks"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    tmp: Path = tmp_path_factory.mktemp("site")
    with serve(APP, request.param, tmp, counts={"Task": 45}) as s:
        yield s


def task(site: Site, title: str, **fields: Any) -> dict[str, Any]:
    """A task made through the API (auth is off for this app)."""
    project = site.api.get("/projects", params={"page_size": 1}).json()["items"][0]["id"]
    r = site.api.post("/tasks", json={"title": title, "project": project, **fields})
    assert r.status_code == 201, r.text
    return dict(r.json())


def member_id(site: Site) -> str:
    return str(site.api.get("/members", params={"page_size": 1}).json()["items"][0]["id"])


def first_column(page: Page) -> list[str]:
    return page.locator("#records tbody tr td:first-child a").all_inner_texts()


# -- list ---------------------------------------------------------------------------------


def test_sort_filter_search_and_page_update_the_table_and_the_url(site: Site, page: Page) -> None:
    page.goto(site.url("/app/task"))
    expect(page.locator("#records .count")).to_contain_text("page 1 of")
    page.evaluate("window.__same_page = true")  # survives only if nothing reloads the page

    page.click("#records th a:text-is('Title')")
    expect(page).to_have_url(re.compile(r"sort=title&dir=asc"))
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Title")
    want = site.api.get("/tasks", params={"sort": "title", "page_size": 20}).json()["items"]
    assert first_column(page) == [t["title"] for t in want]
    page.click("#records th a:text-is('Title')")
    expect(page.locator("th[aria-sort=descending]")).to_have_text("Title")
    assert page.evaluate("window.__same_page") is True

    page.select_option("select[name='filter[status]']", "review")
    expect(page).to_have_url(re.compile(r"filter%5Bstatus%5D=review"))
    total = site.api.get("/tasks", params={"filter[status]": "review"}).json()["total"]
    expect(page.locator("#records .count")).to_have_text(re.compile(rf"^{total} records?\b"))
    statuses = set(page.locator("#records tbody tr td:nth-child(3)").all_inner_texts())
    assert statuses <= {"Review"}

    page.select_option("select[name='filter[status]']", "")
    unique = task(site, "Zebracorn migration")
    page.fill("#search", "zebracorn")
    expect(page.locator("#records .count")).to_have_text("1 record")
    assert first_column(page) == [unique["title"]]
    assert page.evaluate("window.__same_page") is True

    page.fill("#search", "")
    expect(page.locator("#records .count")).to_contain_text("page 1 of 3")
    page.click(".pager a:text-is('2')")
    expect(page.locator("#records .count")).to_contain_text("page 2 of 3")
    expect(page).to_have_url(re.compile(r"page=2"))
    shared = page.url
    page.goto(shared)  # the URL alone brings the same view back
    expect(page.locator("#records .count")).to_contain_text("page 2 of 3")
    expect(page.locator(".pager [aria-current=page]")).to_have_text("2")


def test_enum_and_ref_values_read_as_labels(site: Site, page: Page) -> None:
    who = site.api.get(f"/members/{member_id(site)}").json()
    made = task(site, "Labelled row", status="todo", priority="high", assignee=who["id"])
    page.goto(site.url("/app/task?search=Labelled"))
    row = page.locator("#records tbody tr").first
    expect(row).to_contain_text("High")
    expect(row).to_contain_text(who["name"])
    assert "in_progress" not in page.locator("#records").inner_text()
    row.locator("td").nth(1).click()  # a click anywhere on the row opens the record
    expect(page).to_have_url(re.compile(made["id"]))


# -- forms --------------------------------------------------------------------------------


def test_create_then_edit_with_errors_then_fix(site: Site, page: Page) -> None:
    page.goto(site.url("/app/task"))
    page.click("text=New Task")
    page.fill("#f-title", "Write the release notes")
    page.fill("#f-description", "Cover the new UI")
    page.select_option("#f-project", index=1)
    page.click("button:text('Create Task')")
    expect(page.locator("#notices")).to_have_text("Saved.")
    expect(page.locator("h1")).to_have_text("Write the release notes")
    record_url = page.url.split("?")[0]

    page.click("a:text-is('Edit')")
    page.fill("#f-title", "")
    page.fill("#f-description", "Cover the new UI and the kanban")
    page.click("button:text('Save changes')")
    expect(page.locator("#f-title-err")).to_have_text("is required")
    expect(page.locator("#f-title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-description")).to_have_value("Cover the new UI and the kanban")

    page.fill("#f-title", "Write the release notes (v2)")
    page.select_option("#f-priority", "urgent")
    page.click("button:text('Save changes')")
    expect(page.locator(".error-summary")).to_contain_text("Urgent tasks need a due date")
    expect(page.locator("#f-title")).to_have_value("Write the release notes (v2)")

    page.fill("#f-due_date", "2030-01-31")
    page.click("button:text('Save changes')")
    expect(page.locator("#notices")).to_have_text("Changes saved.")
    expect(page).to_have_url(re.compile(re.escape(record_url)))
    saved = site.api.get(record_url.replace("/app/task/", "/tasks/")).json()
    assert (saved["title"], saved["priority"], saved["due_date"]) == (
        "Write the release notes (v2)",
        "urgent",
        "2030-01-31",
    )
    assert saved["description"] == "Cover the new UI and the kanban"


def test_transitions_allowed_and_explained_when_not(site: Site, page: Page) -> None:
    unowned = task(site, "Nobody owns this")
    owned = task(site, "Somebody owns this", assignee=member_id(site))
    page.goto(site.url(f"/app/task/{unowned['id']}"))
    button = page.locator("button:text('Move to In Progress')")
    expect(button).to_be_disabled()
    expect(page.locator(".why").first).to_have_text("needs assignee")

    page.goto(site.url(f"/app/task/{owned['id']}"))
    page.click("button:text('Move to In Progress')")
    expect(page.locator("#notices")).to_have_text("Status changed.")
    expect(page.locator(".state .pill")).to_have_text("In Progress")
    assert site.api.get(f"/tasks/{owned['id']}").json()["status"] == "in_progress"


def test_delete_asks_then_removes(site: Site, page: Page) -> None:
    doomed = task(site, "Delete me")
    page.goto(site.url(f"/app/task/{doomed['id']}"))
    page.click("button:text('Delete')")
    expect(page.locator("#notices")).to_have_text("Deleted.")
    expect(page).to_have_url(re.compile(r"/app/task\?notice=deleted"))
    assert site.api.get(f"/tasks/{doomed['id']}").status_code == 404


# -- workspaces -----------------------------------------------------------------------------


def lane(page: Page, value: str) -> Any:
    return page.locator(f".lane[data-value='{value}']")


def drag(page: Page, card: Any, to_lane: str) -> None:
    """Drop a card on a lane's heading (near the top, so nothing scrolls mid-drag)."""
    card.drag_to(lane(page, to_lane).locator("h3"))


def test_kanban_move_goes_through_the_state_machine(site: Site, page: Page) -> None:
    ready = task(
        site,
        "Card ready to start",
        assignee=member_id(site),
        priority="urgent",
        due_date="2030-01-01",
    )
    stuck = task(site, "Card nobody owns", priority="urgent", due_date="2030-01-01")
    page.set_viewport_size({"width": 1280, "height": 3000})  # no scrolling in mid-drag
    page.goto(site.url("/app/workspaces/task_board"))
    card = lane(page, "todo").locator(".kcard", has_text=ready["title"])
    drag(page, card, "in_progress")
    expect(page.locator("#notices")).to_contain_text("Moved to In Progress")
    expect(lane(page, "in_progress").locator(".kcard", has_text=ready["title"])).to_be_visible()
    assert site.api.get(f"/tasks/{ready['id']}").json()["status"] == "in_progress"

    drag(page, lane(page, "todo").locator(".kcard", has_text=stuck["title"]), "done")
    expect(page.locator("#notices [role=alert]")).to_contain_text("Could not move")
    expect(lane(page, "todo").locator(".kcard", has_text=stuck["title"])).to_be_visible()
    assert site.api.get(f"/tasks/{stuck['id']}").json()["status"] == "todo"


def test_metrics_workspace_counts_match_the_api(site: Site, page: Page) -> None:
    page.goto(site.url("/app/workspaces/team_overview"))
    tiles = page.locator("#r-headline .kpi")
    expect(tiles).to_have_count(5)
    total = site.api.get("/tasks", params={"page_size": 1}).json()["total"]
    done = site.api.get("/tasks", params={"filter[status]": "done"}).json()["total"]
    expect(tiles.filter(has_text="All Tasks").locator(".kpi-value")).to_have_text(f"{total:,}")
    expect(tiles.filter(has_text="Finished").locator(".kpi-value")).to_have_text(f"{done:,}")
    expect(page.locator("#r-due_this_week table")).to_be_visible()
    expect(page.locator(".loading")).to_have_count(0)


# -- quality bar ----------------------------------------------------------------------------


def test_works_without_javascript(site: Site, chromium: Browser) -> None:
    ctx = chromium.new_context(java_script_enabled=False)
    page = ctx.new_page()
    try:
        page.goto(site.url("/app/task"))
        page.click("#records th a:text-is('Title')")
        expect(page).to_have_url(re.compile(r"sort=title"))
        page.select_option("select[name='filter[status]']", "todo")
        page.click("button:text('Apply')")
        expect(page).to_have_url(re.compile(r"filter%5Bstatus%5D=todo"))

        page.goto(site.url("/app/task/create"))
        page.fill("#f-title", "Made without JavaScript")
        page.select_option("#f-project", index=1)
        page.select_option("#f-assignee", index=1)
        page.click("button:text('Create Task')")
        expect(page.locator("h1")).to_have_text("Made without JavaScript")
        page.click("button:text('Move to In Progress')")
        expect(page.locator(".state .pill")).to_have_text("In Progress")

        page.goto(site.url("/app/workspaces/team_overview"))
        page.click("a[href$='?inline=1']")  # inside <noscript>, which text= skips
        expect(page.locator("#r-headline .kpi").first).to_be_visible()
        page.goto(site.url("/app/workspaces/task_board?inline=1"))
        card = page.locator(".lane[data-value='in_progress'] .kcard").first
        card.locator("select").select_option("review")
        card.locator("button:text('Move')").click()
        expect(page).to_have_url(re.compile(r"/app/workspaces/task_board"))
        expect(page.locator("#notices")).to_have_text("Status changed.")
    finally:
        ctx.close()


PAGES = [
    "/app/task",
    "/app/task/create",
    "/app/workspaces/team_overview",
    "/app/workspaces/task_board",
    "/app/member",
]


def test_everything_comes_from_our_origin_with_no_console_errors(site: Site, page: Page) -> None:
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path in PAGES:
        page.goto(site.url(path))
        page.wait_for_load_state("networkidle")
    page.goto(site.url("/app/task"))
    page.click("#records tbody tr td:first-child a >> nth=0")
    page.wait_for_load_state("networkidle")
    assert requested and all(u.startswith(site.base) for u in requested), requested
    assert problems == []


def test_phone_width_needs_no_sideways_scrolling(site: Site, page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    for path in PAGES:
        page.goto(site.url(path))
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)


def test_controls_are_labelled_and_reachable_by_keyboard(site: Site, page: Page) -> None:
    for path in ["/app/task", "/app/task/create"]:
        page.goto(site.url(path))
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
               .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
               .map(e => e.name || e.id)"""
        )
        assert unlabelled == [], (path, unlabelled)
    page.goto(site.url("/app/task/create"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id || document.activeElement.textContent")
    assert focused  # focus moved into the page's content
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
