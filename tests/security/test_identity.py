"""Attacks on identity against the production server (v0.38/simple_task with accounts on,
PostgreSQL, Redis, two workers): each test first plays the attack as it worked before,
then checks it fails and that nothing was stored.

Every test signs in from its own client address (the router's ``X-Forwarded-For``), so the
per-address budgets of one do not spend another's.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.harness import PASSWORD, Browser, Server, production_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with production_server(tmp_path_factory.mktemp("identity")) as s:
        s.user("root@example.com", superuser=True)
        yield s


def _address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


def _member(server: Server, email: str) -> tuple[Browser, dict[str, str]]:
    server.user(email, "member")
    b = server.browser(_address())
    return b, b.token(email)


def _root(server: Server) -> dict[str, str]:
    return server.browser(_address()).token("root@example.com")


def _user_row(server: Server, email: str) -> dict:
    r = server.browser().get(f"/users?filter[email]={email}", headers=_root(server))
    items = r.json()["items"]
    assert len(items) == 1, r.text
    return items[0]


def _sign_up(server: Server, email: str, address: str | None = None) -> Browser:
    b = server.browser(address or _address())
    r = b.post("/auth/register", json={"email": email, "password": PASSWORD, "name": "N"})
    assert r.status_code == 202, r.text
    r = b.post("/auth/register/confirm", json={"token": server.inbox.token(email)})
    assert r.status_code == 201, r.text
    return b


def test_registration_cannot_take_over_a_member(server: Server) -> None:
    """The attack: register, point a member's User row at your own address, register that
    address: the new account was linked to the member's row and acted as them."""
    _victim, _ = _member(server, "victim@example.com")
    victim_row = _user_row(server, "victim@example.com")
    attacker = _sign_up(server, "mallory@example.com")
    r = attacker.patch(
        f"/users/{victim_row['id']}", json={"email": "mallory2@example.com"}, headers=attacker.csrf
    )
    assert r.status_code == 403 and "account holder" in r.json()["detail"]
    assert _user_row(server, "victim@example.com")["email"] == "victim@example.com"
    # signing up with the victim's address gets the attacker nothing: same answer, no
    # session, and the mail goes to the victim
    fresh = server.browser(_address())
    r = fresh.post("/auth/register", json={"email": "victim@example.com", "password": PASSWORD})
    unknown = server.browser(_address()).post(
        "/auth/register", json={"email": "nobody-yet@example.com", "password": PASSWORD}
    )
    assert r.status_code == unknown.status_code == 202
    assert r.json()["detail"].replace("victim", "X") == unknown.json()["detail"].replace(
        "nobody-yet", "X"
    )
    assert "dazzle_session" not in fresh.cookies
    assert fresh.get("/auth/me").status_code == 401
    assert "already have" in server.inbox.to("victim@example.com")[-1]["Subject"]
    # nor can the CLI link a second account to a row that has one
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dazzle",
            "user",
            "create",
            "victim@example.com",
            "--password",
            PASSWORD,
            "-p",
            str(server.project),
        ],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "already exists" in done.stderr


def test_the_account_holder_changes_their_email_on_both_sides(server: Server) -> None:
    me, token = _member(server, "ann@example.com")
    row = _user_row(server, "ann@example.com")
    r = me.patch(f"/users/{row['id']}", json={"email": "Ann.New@Example.com"}, headers=token)
    assert r.status_code == 200 and r.json()["email"] == "ann.new@example.com"
    fresh = server.browser(_address())
    assert (
        fresh.post(
            "/auth/login", json={"email": "ann@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )
    assert (
        fresh.post(
            "/auth/login", json={"email": "ANN.NEW@example.com", "password": PASSWORD}
        ).status_code
        == 200
    )
    # a superuser may too; a clash with another account is refused, nothing changes
    server.user("bob@example.com", "member")
    root = _root(server)
    clash = fresh.patch(f"/users/{row['id']}", json={"email": "bob@example.com"}, headers=root)
    assert clash.status_code == 409
    assert _user_row(server, "ann.new@example.com")["id"] == row["id"]


def test_emails_are_one_identity_whatever_their_case(server: Server) -> None:
    root = _root(server)
    b = server.browser()
    made = b.post("/users", json={"email": "Carol@Example.COM", "name": "Carol"}, headers=root)
    assert made.status_code == 201 and made.json()["email"] == "carol@example.com"
    dup = b.post("/users", json={"email": "CAROL@example.com", "name": "C2"}, headers=root)
    assert dup.status_code == 409
    # Carol proves the address: her account takes over the row made for her
    carol = _sign_up(server, "CAROL@EXAMPLE.COM")
    assert carol.get("/auth/me").json()["user_id"] == made.json()["id"]


def test_a_password_change_revokes_api_tokens(server: Server) -> None:
    me, token = _member(server, "dan@example.com")
    assert me.get("/tasks", headers=token).status_code == 200
    r = me.post(
        "/auth/change-password",
        headers=me.csrf,
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    assert r.status_code == 200, r.text
    assert server.browser().get("/tasks", headers=token).status_code == 401
    assert me.get("/auth/me").status_code == 200  # this browser got a fresh session


@pytest.mark.parametrize("path", ["/auth/login", "/app/login", "/auth/register", "/app/register"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null"},
    ],
)
def test_cross_site_posts_are_refused(server: Server, path: str, headers: dict[str, str]) -> None:
    """Login CSRF: a hostile page posts a form that signs the victim in as the attacker."""
    server.user(f"eve-{uuid.uuid4().hex[:6]}@example.com")
    b = server.browser(_address())
    b.get("/app/login")  # the browser holds a CSRF cookie, as a victim's would
    form = {
        "email": "root@example.com",
        "password": PASSWORD,
        "csrf_token": b.cookies.get("dazzle_csrf", ""),
    }
    r = b.post(path, data=form, headers=headers)
    assert r.status_code == 403 and "cross-site" in r.text
    assert "dazzle_session" not in b.cookies


def test_same_origin_forms_still_sign_in(server: Server) -> None:
    b = server.browser(_address())
    page = b.get("/app/login")
    assert page.status_code == 200
    form = {
        "email": "root@example.com",
        "password": PASSWORD,
        "next": "/app",
        "csrf_token": b.cookies["dazzle_csrf"],
    }
    r = b.post(
        "/app/login", data=form, headers={"Origin": server.base, "Sec-Fetch-Site": "same-origin"}
    )
    assert r.status_code == 303 and "dazzle_session" in b.cookies
    # and without the token the same form is refused, even same-origin
    other = server.browser(_address())
    other.get("/app/login")
    r = other.post("/app/login", data={**form, "csrf_token": "forged"})
    assert r.status_code == 403 and "dazzle_session" not in other.cookies


def test_csrf_tokens_are_bound_to_the_session(server: Server) -> None:
    server.user("fay@example.com", "member")
    server.user("gus@example.com", "member")
    fay, gus = server.browser(_address()), server.browser(_address())
    fay.login("fay@example.com")
    gus.login("gus@example.com")
    body = {"name": "token test"}
    # Gus's token does not work for Fay's session, nor a cookie and header of his choosing
    assert fay.post("/auth/tokens", json=body, headers=gus.csrf).status_code == 403
    fay.cookies["dazzle_csrf"] = "planted"
    assert (
        fay.post("/auth/tokens", json=body, headers={"X-CSRF-Token": "planted"}).status_code == 403
    )
    fay.login("fay@example.com")
    assert fay.post("/auth/tokens", json=body, headers=fay.csrf).status_code == 201


def test_signup_and_reset_requests_are_rate_limited(server: Server) -> None:
    b = server.browser(_address())
    answers = [
        b.post("/auth/register", json={"email": f"s{i}@example.com", "password": PASSWORD})
        for i in range(12)
    ]
    assert [r.status_code for r in answers[:10]] == [202] * 10
    assert answers[10].status_code == 429 and int(answers[10].headers["retry-after"]) > 0
    server.user("hal@example.com")
    c = server.browser(_address())
    resets = [c.post("/auth/password-reset", json={"email": "hal@example.com"}) for _ in range(4)]
    assert [r.status_code for r in resets] == [202, 202, 202, 429]
    assert len(server.inbox.to("hal@example.com")) == 3  # nobody floods an inbox
    unknown = c.post("/auth/password-reset", json={"email": "nobody@example.com"})
    assert unknown.status_code == 202 and "nobody@example.com" in unknown.json()["detail"]


def test_a_reset_link_works_once_and_signs_out_everywhere(server: Server) -> None:
    me, token = _member(server, "ivy@example.com")
    asker = server.browser(_address())
    assert asker.post("/auth/password-reset", json={"email": "ivy@example.com"}).status_code == 202
    link = server.inbox.token("ivy@example.com")
    weak = asker.post("/auth/password-reset/confirm", json={"token": link, "password": "password1"})
    assert weak.status_code == 422 and "common" in weak.json()["detail"]
    ok = asker.post(
        "/auth/password-reset/confirm", json={"token": link, "password": "ivy's new one!"}
    )
    assert ok.status_code == 200, ok.text
    again = asker.post("/auth/password-reset/confirm", json={"token": link, "password": "x" * 20})
    assert again.status_code == 404
    assert me.get("/auth/me").status_code == 401  # the old session ended
    assert server.browser().get("/tasks", headers=token).status_code == 401  # and the token


def test_refs_to_unreadable_records_look_missing(server: Server) -> None:
    """A member could comment on a task he got 404 for: the ref check answered
    'exists' where reading said 'no such task'."""
    root = _root(server)
    b = server.browser()
    owner = _user_row(server, "root@example.com")
    hidden = b.post("/tasks", json={"title": "secret", "created_by": owner["id"]}, headers=root)
    assert hidden.status_code == 201
    _me, token = _member(server, "jim@example.com")
    jim = _user_row(server, "jim@example.com")
    assert b.get(f"/tasks/{hidden.json()['id']}", headers=token).status_code == 404

    def comment(task_id: str) -> dict:
        r = b.post(
            "/taskcomments",
            headers=token,
            json={"task": task_id, "author": jim["id"], "content": "hi"},
        )
        assert r.status_code == 422, r.text
        return r.json()

    missing = str(uuid.uuid4())
    seen, unseen = comment(hidden.json()["id"]), comment(missing)
    assert str(seen).replace(hidden.json()["id"], "ID") == str(unseen).replace(missing, "ID")
    listed = b.get(f"/taskcomments?filter[task]={hidden.json()['id']}", headers=root)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short", "at least 8"),
        ("            ", "only spaces"),
        ("Password123!", "most common"),
        ("qwertyuiop", "most common"),
        ("kim@example.com", "email"),
        ("zzzzzzzzzzzz", "repeats"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    server: Server, password: str, words: str
) -> None:
    b = server.browser(_address())
    r = b.post("/auth/register", json={"email": "kim@example.com", "password": password})
    assert r.status_code == 422 and words in r.json()["detail"], r.text


def test_registration_is_closed_by_default_in_production(tmp_path: Path) -> None:
    """Without `allow_registration` or `registration` in dazzle.toml, production has no
    self sign-up; invitations need it switched to invite."""
    from tests.conftest import EXAMPLES

    with production_server(tmp_path, EXAMPLES / "team_tasks", workers=1) as s:
        r = s.browser().post(
            "/auth/register", json={"email": "a@example.com", "password": PASSWORD}
        )
        assert r.status_code == 403
        assert s.browser().get("/app/register").status_code in (302, 404)
