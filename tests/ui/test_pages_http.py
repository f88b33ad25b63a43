"""Page behaviour over HTTP, on SQLite and PostgreSQL, with the bad input next to the good:
refs to records the caller may not read, entities keyed by text, money filters, failed
deletes and moves, what a move may change, CSRF with accounts off, editing without
changing, and signing in from a form post."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import EXAMPLES, write_project
from tests.runtime.conftest import bearer_for, client_for, make_account

SHOP = """\
entity Category "Category":
  code: str(10) pk
  name: str(60) required

entity Product "Product":
  id: uuid pk
  name: str(80) required
  category: ref Category required
  price: money(GBP)
  checked_at: datetime
  status: enum[draft,live,retired]=draft

  transitions:
    draft -> live
    live -> retired

surface product_list "Products":
  uses entity Product
  mode: list
  section main:
    field name
    field category
    field price
  ux:
    filter: category, status

surface product_view "Product":
  uses entity Product
  mode: view
  section main:
    field name
    field category
    field checked_at

surface product_edit "Edit Product":
  uses entity Product
  mode: edit
  section main:
    field name
    field category
    field checked_at

surface category_view "Category":
  uses entity Category
  mode: view
  section main:
    field name
"""

SECRETS = """\
entity Secret "Secret":
  id: uuid pk
  name: str(60) required
  access:
    read: role(boss)
    write: role(boss)

entity Note "Note":
  id: uuid pk
  body: str(200) required
  secret: ref Secret

surface note_list "Notes":
  uses entity Note
  mode: list
  section main:
    field body
    field secret

persona boss "Boss":
  description: "b"
"""


def csrf(client: TestClient, page: str) -> str:
    client.get(page)
    return str(client.cookies["dazzle_csrf"])


@pytest.fixture
def shop(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    root = write_project(tmp_path / "shop", SHOP)
    with client_for(root, database_url) as client:
        client.post("/categories", json={"code": "BOOKS", "name": "Books"})
        client.post("/categories", json={"code": "TOYS", "name": "Toys"})
        yield client


def product(client: TestClient, **fields: object) -> dict:
    body = {"name": "Atlas", "category": "BOOKS", "price": "12.50", **fields}
    r = client.post("/products", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_text_keyed_refs_filter_and_edit(shop: TestClient) -> None:
    made = product(shop, checked_at="2030-01-02T10:11:12.500000Z")
    listed = shop.get("/app/product?filter[category]=BOOKS")
    assert listed.status_code == 200 and "Atlas" in listed.text and "Books" in listed.text
    assert shop.get("/app/product?filter[category]=NOPE").status_code == 200  # no rows
    form = shop.get(f"/app/product/{made['id']}/edit").text
    assert re.search(r'<option value="BOOKS" selected>', form)
    token = csrf(shop, f"/app/product/{made['id']}/edit")
    shown = re.search(r'id="f-checked_at"[^>]*value="([^"]+)"', form)
    assert shown is not None
    r = shop.post(
        f"/app/product/{made['id']}/edit",
        data={
            "csrf_token": token,
            "name": "Atlas",
            "category": "BOOKS",
            "checked_at": shown.group(1),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    after = shop.get(f"/products/{made['id']}").json()
    assert after["category"]["code"] == "BOOKS"
    assert after["checked_at"] == made["checked_at"]  # unchanged fields keep every digit


@pytest.mark.parametrize("bad", ["NaN", "1e999999", "inf", "abc"])
def test_money_filters_refuse_non_amounts(shop: TestClient, bad: str) -> None:
    for url in (f"/products?filter[price]={bad}", f"/products?filter[price__in]={bad},1"):
        r = shop.get(url)
        assert r.status_code == 422, (url, r.text)
    page = shop.get(f"/app/product?filter[price]={bad}")
    assert page.status_code == 422 and "price" in page.text


def test_money_form_refuses_an_overflowing_amount(shop: TestClient) -> None:
    assert (
        shop.post(
            "/products", json={"name": "X", "category": "BOOKS", "price": "1e999999"}
        ).status_code
        == 422
    )
    token = csrf(shop, "/app/product")
    r = shop.post(
        "/app/product/create",
        data={"csrf_token": token, "name": "X", "category": "BOOKS", "price": "1e999999"},
    )
    assert r.status_code in (404, 422)  # no create surface: 404; never a 500


def test_failed_delete_and_move_say_why_on_the_record_page(shop: TestClient) -> None:
    token = csrf(shop, "/app/category/BOOKS")
    product(shop)
    r = shop.post("/app/category/BOOKS/delete", data={"csrf_token": token})
    assert r.status_code == 409 and "Books" in r.text and 'role="alert"' in r.text
    made = product(shop, name="Globe")
    r = shop.post(
        f"/app/product/{made['id']}/transition", data={"csrf_token": token, "to_state": "retired"}
    )
    assert r.status_code == 422 and "draft" in r.text and 'role="alert"' in r.text
    ok = shop.post(
        f"/app/product/{made['id']}/transition",
        data={"csrf_token": token, "to_state": "live"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and "notice=moved" in ok.headers["location"]


def test_a_move_changes_only_a_state_field(shop: TestClient) -> None:
    token = csrf(shop, "/app/product")
    made = product(shop)
    r = shop.post(
        f"/app/product/{made['id']}/transition",
        data={"csrf_token": token, "field": "name", "to_state": "pwned"},
    )
    assert r.status_code == 422
    assert shop.get(f"/products/{made['id']}").json()["name"] == "Atlas"


def test_page_forms_need_the_csrf_token_with_accounts_off(shop: TestClient) -> None:
    made = product(shop)
    url = f"/app/product/{made['id']}/transition"
    refused = shop.post(url, data={"to_state": "live"})
    assert refused.status_code == 403
    assert shop.get(f"/products/{made['id']}").json()["status"] == "draft"
    forged = shop.post(url, data={"to_state": "live", "csrf_token": "forged"})
    assert forged.status_code == 403
    token = csrf(shop, "/app/product")
    assert (
        shop.post(
            url, data={"to_state": "live", "csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )


def test_refs_to_unreadable_records_are_not_shown(tmp_path: Path, database_url: str) -> None:
    root = write_project(tmp_path / "secrets", SECRETS)
    with client_for(root, database_url, auth=True) as client:
        boss = bearer_for(client, make_account(client, "boss@example.com", roles=["boss"]))
        other = bearer_for(client, make_account(client, "eve@example.com"))
        secret = client.post("/secrets", json={"name": "Launch codes"}, headers=boss).json()
        client.post("/notes", json={"body": "see attached", "secret": secret["id"]}, headers=boss)
        as_boss = client.get("/notes", headers=boss).json()["items"][0]
        assert as_boss["secret"]["name"] == "Launch codes"
        as_eve = client.get("/notes", headers=other).json()["items"][0]
        assert as_eve["secret"] == secret["id"]  # the id it holds, nothing more
        page = client.get("/app/note", headers=other)
        assert page.status_code == 200
        assert "Launch codes" not in page.text and "(hidden)" in page.text


def test_signing_in_from_a_form_post_returns_to_the_form(database_url: str) -> None:
    with client_for(EXAMPLES / "team_tasks", database_url, auth=True) as client:
        token = csrf(client, "/app/login")  # a page left open while the session expired
        r = client.post(
            "/app/task/00000000-0000-0000-0000-000000000000/transition",
            data={"to_state": "done", "csrf_token": token},
            headers={"referer": "http://testserver/app/task?sort=title"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert r.headers["location"] == "/app/login?next=/app/task%3Fsort%3Dtitle"
        elsewhere = client.post(
            "/app/task/00000000-0000-0000-0000-000000000000/transition",
            data={"to_state": "done", "csrf_token": token},
            headers={"referer": "https://evil.example/app/x"},
            follow_redirects=False,
        )
        assert elsewhere.headers["location"] == "/app/login?next=/app"


def test_persona_variant_shapes_the_list(database_url: str) -> None:
    """v0.38/simple_task: the manager's variant has `action_primary: task_create` and a
    purpose; a member's has its own purpose and scope; without a persona, the defaults."""
    from tests.conftest import CORPUS, require_corpus

    require_corpus()
    with client_for(CORPUS / "v0.38" / "simple_task", database_url, auth=True) as client:
        manager = bearer_for(client, make_account(client, "m@example.com", roles=["manager"]))
        member = bearer_for(client, make_account(client, "w@example.com", roles=["member"]))
        as_manager = client.get("/app/task", headers=manager).text
        assert re.search(r'class="button primary" href="/app/task/create">Create Task<', as_manager)
        assert "Review and assign team tasks" in as_manager
        as_member = client.get("/app/task", headers=member).text
        assert "View your assigned and created tasks" in as_member
        assert ">Create Task<" not in as_member


def test_an_edit_over_someone_elses_save_is_caught(shop: TestClient) -> None:
    """Two people open the same edit form; the second to save is told, keeps their input,
    and saving again replaces the other's change on purpose."""
    made = product(shop)
    url = f"/app/product/{made['id']}/edit"
    form = shop.get(url).text
    version = re.search(r'name="_version" value="([^"]+)"', form)
    assert version is not None
    token = csrf(shop, url)
    # unchanged, the form's version saves (the page escapes the quotes of the tag)
    same = {"csrf_token": token, "_version": html.unescape(version.group(1)), "name": "Atlas",
            "category": "BOOKS"}  # fmt: skip
    assert shop.post(url, data=same, follow_redirects=False).status_code == 303
    assert shop.patch(f"/products/{made['id']}", json={"name": "Theirs"}).status_code == 200
    mine = {**same, "name": "Mine", "category": "TOYS"}
    r = shop.post(url, data=mine, follow_redirects=False)
    assert r.status_code == 412 and "Someone else changed this product" in r.text
    assert re.search(r'id="f-name"[^>]*value="Mine"', r.text)  # the user's input is kept
    assert shop.get(f"/products/{made['id']}").json()["name"] == "Theirs"  # nothing saved
    fresh = re.search(r'name="_version" value="([^"]+)"', r.text)
    assert fresh is not None and fresh.group(1) != version.group(1)
    again = shop.post(url, data={**mine, "_version": html.unescape(fresh.group(1))},
                      follow_redirects=False)  # fmt: skip
    assert again.status_code == 303
    stored = shop.get(f"/products/{made['id']}").json()
    assert (stored["name"], stored["category"]["code"]) == ("Mine", "TOYS")
