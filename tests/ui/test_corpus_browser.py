"""Two corpus apps, unmodified, in headless Chromium on SQLite and PostgreSQL: the same
journeys as the example app (list sort/filter/search/page, create, edit with an error then
fixed, a transition allowed and one explained, delete, kanban move where the app has a
board, a metrics workspace), driven by what each app's DSL declares."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import CORPUS, require_corpus
from tests.ui.conftest import Site, serve


@dataclass(frozen=True)
class Journey:
    app: str
    slug: str  # the UI's /app/<slug>
    api: str  # the REST collection
    users: str  # REST collection of the entity tasks are assigned to
    entity_title: str
    assignee: str  # the ref a transition requires
    create: dict[str, str]  # extra required inputs: selector -> "text" | "select"
    required_text: str  # a required text field to clear in the edit form
    state_from: str
    state_to: str
    state_to_label: str
    refused_to: str  # a lane the state machine has no move to
    metrics: tuple[str, str, str, dict[str, str]]  # workspace, region, tile, API filter
    kanban: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


JOURNEYS = [
    Journey(
        app="v0.38/simple_task",
        slug="task",
        api="/tasks",
        users="/users",
        entity_title="Task",
        assignee="assigned_to",
        create={},
        required_text="title",
        state_from="todo",
        state_to="in_progress",
        state_to_label="In Progress",
        refused_to="done",
        kanban="task_board",
        metrics=("admin_dashboard", "metrics", "Done", {"filter[status]": "done"}),
    ),
    Journey(
        app="v0.38/support_tickets",
        slug="ticket",
        api="/tickets",
        users="/users",
        entity_title="Support Ticket",
        assignee="assigned_to",
        create={"#f-description": "text", "#f-created_by": "select"},
        required_text="description",
        state_from="open",
        state_to="in_progress",
        state_to_label="In Progress",
        refused_to="closed",
        metrics=("ticket_queue", "queue_metrics", "Total Open", {"filter[status]": "open"}),
    ),
]


@pytest.fixture(
    scope="module",
    params=[(j, d) for j in JOURNEYS for d in ("sqlite", "postgresql")],
    ids=lambda p: f"{p[0].app}-{p[1]}",
)
def trip(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Journey, Site]]:
    require_corpus()
    journey, dialect = request.param
    entity = journey.entity_title.replace("Support ", "")
    with serve(
        CORPUS / journey.app, dialect, tmp_path_factory.mktemp("corpus"), counts={entity: 45}
    ) as site:
        yield journey, site


def make(site: Site, j: Journey, title: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": title, "description": "Made by a test", **fields}
    if j.slug == "ticket":
        body.setdefault("created_by", user(site, j))
    r = site.api.post(j.api, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def user(site: Site, j: Journey) -> str:
    return str(site.api.get(j.users, params={"page_size": 1}).json()["items"][0]["id"])


def test_list_sorts_filters_searches_and_pages(trip: tuple[Journey, Site], page: Page) -> None:
    j, site = trip
    page.goto(site.url(f"/app/{j.slug}"))
    page.click("#records th a:text-is('Title')")
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Title")
    want = site.api.get(j.api, params={"sort": "title", "page_size": 20}).json()["items"]
    rows = page.locator("#records tbody tr").all_inner_texts()
    assert len(rows) == len(want)
    assert all(w["title"] in row for w, row in zip(want, rows, strict=True))

    page.select_option("select[name='filter[status]']", j.state_from)
    total = site.api.get(j.api, params={"filter[status]": j.state_from}).json()["total"]
    expect(page.locator("#records .count")).to_have_text(re.compile(rf"^{total} records?\b"))

    page.select_option("select[name='filter[status]']", "")
    made = make(site, j, "Quokka onboarding")
    page.fill("#search", "quokka")
    expect(page.locator("#records .count")).to_have_text("1 record")
    expect(page.locator("#records tbody")).to_contain_text(made["title"])

    page.fill("#search", "")
    expect(page.locator("#records .count")).to_contain_text("page 1 of")
    page.click(".pager a[rel=next]")
    expect(page.locator("#records .count")).to_contain_text("page 2 of")
    expect(page).to_have_url(re.compile(r"page=2"))


def test_create_then_edit_with_an_error_then_fix(trip: tuple[Journey, Site], page: Page) -> None:
    j, site = trip
    page.goto(site.url(f"/app/{j.slug}"))
    page.click(f"text=New {j.entity_title}")
    page.fill("#f-title", "Made in the browser")
    for selector, kind in j.create.items():
        if kind == "text":
            page.fill(selector, "Steps to reproduce")
        else:
            page.select_option(selector, index=1)
    page.click("form.record-form button.primary")
    expect(page.locator("#notices")).to_have_text("Saved.")
    expect(page.locator("h1")).to_have_text("Made in the browser")

    page.click("a:text-is('Edit')")
    page.fill(f"#f-{j.required_text}", "")
    page.fill("#f-title" if j.required_text != "title" else "#f-description", "Kept input")
    page.click("form.record-form button.primary")
    expect(page.locator(f"#f-{j.required_text}-err")).to_have_text("is required")
    kept = "#f-title" if j.required_text != "title" else "#f-description"
    expect(page.locator(kept)).to_have_value("Kept input")
    page.fill(f"#f-{j.required_text}", "Fixed")
    page.click("form.record-form button.primary")
    expect(page.locator("#notices")).to_have_text("Changes saved.")


def test_transition_allowed_and_explained(trip: tuple[Journey, Site], page: Page) -> None:
    j, site = trip
    blocked = make(site, j, "Nobody has this")
    ready = make(site, j, "Somebody has this", **{j.assignee: user(site, j)})
    page.goto(site.url(f"/app/{j.slug}/{blocked['id']}"))
    expect(page.locator(f"button:text('Move to {j.state_to_label}')")).to_be_disabled()
    expect(page.locator(".why").first).to_contain_text("needs assigned to")
    page.goto(site.url(f"/app/{j.slug}/{ready['id']}"))
    page.click(f"button:text('Move to {j.state_to_label}')")
    expect(page.locator(".state .pill")).to_have_text(j.state_to_label)
    assert site.api.get(f"{j.api}/{ready['id']}").json()["status"] == j.state_to


def test_delete(trip: tuple[Journey, Site], page: Page) -> None:
    j, site = trip
    doomed = make(site, j, "Short-lived")
    page.goto(site.url(f"/app/{j.slug}/{doomed['id']}"))
    page.click("button:text('Delete')")
    expect(page.locator("#notices")).to_have_text("Deleted.")
    assert site.api.get(f"{j.api}/{doomed['id']}").status_code == 404


def test_kanban_move(trip: tuple[Journey, Site], page: Page) -> None:
    j, site = trip
    if j.kanban is None:
        pytest.skip(f"{j.app} has no kanban workspace")
    ready = make(
        site,
        j,
        "Aaa ready card",
        priority="urgent",
        due_date="2030-01-01",
        **{j.assignee: user(site, j)},
    )
    stuck = make(site, j, "Aaa stuck card", priority="urgent", due_date="2030-01-01")
    page.set_viewport_size({"width": 1280, "height": 3000})  # no scrolling in mid-drag
    page.goto(site.url(f"/app/workspaces/{j.kanban}"))
    lanes = {v: page.locator(f".lane[data-value='{v}']") for v in (j.state_from, j.state_to)}
    lanes[j.state_from].locator(".kcard", has_text=ready["title"]).drag_to(
        lanes[j.state_to].locator("h3")
    )
    expect(lanes[j.state_to].locator(".kcard", has_text=ready["title"])).to_be_visible()
    lanes[j.state_from].locator(".kcard", has_text=stuck["title"]).drag_to(
        page.locator(f".lane[data-value='{j.refused_to}'] h3")
    )
    expect(page.locator("#notices [role=alert]")).to_contain_text("Could not move")
    assert site.api.get(f"{j.api}/{stuck['id']}").json()["status"] == j.state_from


def test_metrics_workspace(trip: tuple[Journey, Site], page: Page) -> None:
    j, site = trip
    workspace, region, tile, where = j.metrics
    page.goto(site.url(f"/app/workspaces/{workspace}"))
    value = page.locator(f"#r-{region} .kpi", has_text=tile).locator(".kpi-value")
    total = site.api.get(j.api, params=where).json()["total"]
    expect(value).to_have_text(f"{total:,}")
