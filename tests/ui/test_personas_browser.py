"""Accounts on (v0.38/simple_task, unmodified DSL): two personas sign in through the login
page and see different rows and different menus; anonymous visitors are sent to sign in
and come back where they were going."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from tests.conftest import CORPUS, require_corpus
from tests.runtime.conftest import bearer_for, make_account
from tests.ui.conftest import Site, serve

PASSWORD = "correct horse battery"
MINE = ["Member task one", "Member task two"]


def seed(client: TestClient) -> None:
    root = make_account(client, "root@example.com", superuser=True)
    make_account(client, "ada@example.com", roles=["admin"])
    member = make_account(client, "mo@example.com", roles=["member"])
    headers = bearer_for(client, root)
    for title in MINE:
        r = client.post(
            "/tasks", json={"title": title, "assigned_to": member.user_id}, headers=headers
        )
        assert r.status_code == 201, r.text


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    require_corpus()
    with serve(
        CORPUS / "v0.38" / "simple_task",
        request.param,
        tmp_path_factory.mktemp("p"),
        auth=True,
        counts={"Task": 30},
        setup=seed,
    ) as s:
        yield s


def sign_in(page: Page, site: Site, email: str, path: str = "/app") -> None:
    page.goto(site.url(path))
    expect(page).to_have_url(re.compile(r"/app/login"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text('Sign in')")
    expect(page.locator("#notices")).to_have_text("Signed in.")


def menu(page: Page) -> list[str]:
    return list(page.locator("nav.menu a").all_inner_texts())


def test_two_personas_see_different_rows_and_menus(site: Site, chromium: Browser) -> None:
    seen: dict[str, Any] = {}
    for email in ("mo@example.com", "ada@example.com"):
        ctx = chromium.new_context()
        page = ctx.new_page()
        sign_in(page, site, email)
        seen[email] = {"home": page.url, "menu": menu(page)}
        page.goto(site.url("/app/task"))
        seen[email]["count"] = page.locator("#records .count").inner_text()
        seen[email]["rows"] = page.locator("#records tbody tr td:first-child a").all_inner_texts()
        ctx.close()
    member, admin = seen["mo@example.com"], seen["ada@example.com"]
    assert "/app/workspaces/my_work" in member["home"]
    assert "/app/workspaces/admin_dashboard" in admin["home"]
    assert sorted(member["rows"]) == sorted(MINE)
    assert member["count"].startswith("2 records")
    assert admin["count"].startswith("32 records")
    assert "Admin Dashboard" in admin["menu"] and "Admin Dashboard" not in member["menu"]


def test_member_is_refused_the_admin_dashboard(site: Site, page: Page) -> None:
    sign_in(page, site, "mo@example.com")
    response = page.goto(site.url("/app/workspaces/admin_dashboard"))
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("You may not open this page")


def test_anonymous_visitors_sign_in_and_come_back(site: Site, page: Page) -> None:
    sign_in(page, site, "ada@example.com", "/app/task?sort=title")
    expect(page).to_have_url(re.compile(r"/app/task\?sort=title"))
    page.click("button:text('Sign out')")
    expect(page).to_have_url(re.compile(r"/app/login"))
    page.goto(site.url("/app/task"))
    expect(page).to_have_url(re.compile(r"/app/login\?next="))


def test_wrong_password_says_so_without_saying_which(site: Site, page: Page) -> None:
    page.goto(site.url("/app/login"))
    page.fill("#email", "ada@example.com")
    page.fill("#password", "nope")
    page.click("button:text('Sign in')")
    expect(page.locator("p.error")).to_have_text("invalid email or password")
    expect(page.locator("#email")).to_have_value("ada@example.com")
