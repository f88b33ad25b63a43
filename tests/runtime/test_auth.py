"""Accounts, sessions, tokens, CSRF and access control, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CORPUS, EXAMPLES, require_corpus, write_project
from tests.runtime.conftest import bearer_for, client_for, make_account

APP = EXAMPLES / "team_tasks"
PASSWORD = "correct horse battery"


@pytest.fixture
def app(database_url: str) -> Iterator[TestClient]:
    with client_for(APP, database_url, auth=True) as client:
        yield client


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict:
    r = client.post("/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


@contextmanager
def browser(client: TestClient, cookies: dict[str, str] | None = None) -> Iterator[TestClient]:
    """Another browser on the same app (and event loop): its own cookie jar, swapped in."""
    saved = list(client.cookies.jar)
    client.cookies.clear()
    for k, v in (cookies or {}).items():
        client.cookies.set(k, v)
    try:
        yield client
    finally:
        client.cookies.clear()
        for cookie in saved:
            client.cookies.jar.set_cookie(cookie)


def csrf(client: TestClient) -> dict[str, str]:
    client.get("/health")  # any response sets the cookie when missing
    return {"X-CSRF-Token": client.cookies["dazzle_csrf"]}


def test_login_me_logout(app: TestClient) -> None:
    make_account(app, "lee@example.com", roles=["lead"])
    assert app.get("/auth/me").status_code == 401
    body = login(app, "LEE@example.com")  # emails are case-insensitive
    assert body["user"]["email"] == "lee@example.com" and body["user"]["roles"] == ["lead"]
    assert body["redirect_url"].startswith("/app")
    me = app.get("/auth/me").json()
    assert me["email"] == "lee@example.com" and me["user"]["name"] == "lee"  # linked row
    assert app.post("/auth/logout", headers=csrf(app)).status_code == 200
    assert app.get("/auth/me").status_code == 401


def test_same_error_for_unknown_email_and_wrong_password(app: TestClient) -> None:
    make_account(app, "lee@example.com")
    wrong = app.post("/auth/login", json={"email": "lee@example.com", "password": "nope-nope"})
    unknown = app.post("/auth/login", json={"email": "who@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"detail": "invalid email or password", "type": "unauthenticated"}
    )
    assert "dazzle_session" not in wrong.headers.get("set-cookie", "")


def test_session_cookie_flags_and_fixation(app: TestClient) -> None:
    make_account(app, "lee@example.com")
    app.cookies.set("dazzle_session", "attacker-chosen-value")
    r = app.post("/auth/login", json={"email": "lee@example.com", "password": PASSWORD})
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("dazzle_session="))
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value != "attacker-chosen-value" and len(value) >= 40
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    again = app.post("/auth/login", json={"email": "lee@example.com", "password": PASSWORD})
    second = next(
        c for c in again.headers.get_list("set-cookie") if c.startswith("dazzle_session=")
    )
    assert second.split(";")[0] != cookie.split(";")[0]  # rotated at every sign-in
    with browser(app, {"dazzle_session": value}) as old:
        assert old.get("/auth/me").status_code == 401  # the previous session is gone


def test_cookie_is_secure_behind_https(app: TestClient) -> None:
    make_account(app, "lee@example.com")
    r = app.post(
        "https://testserver/auth/login", json={"email": "lee@example.com", "password": PASSWORD}
    )
    cookies = r.headers.get_list("set-cookie")
    assert all("Secure" in c for c in cookies if c.startswith(("dazzle_session", "dazzle_csrf")))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/teams", {"name": "X"}),
        ("put", "/teams/{id}", {"name": "Y"}),
        ("patch", "/teams/{id}", {"name": "Y"}),
        ("delete", "/teams/{id}", None),
        ("post", "/auth/logout", None),
        (
            "post",
            "/auth/change-password",
            {"current_password": PASSWORD, "new_password": "a much better secret"},
        ),
        ("post", "/auth/tokens", {"name": "ci"}),
        ("delete", "/auth/tokens/{token}", None),
    ],
)
def test_csrf_on_every_unsafe_route(
    app: TestClient, method: str, path: str, body: dict | None
) -> None:
    admin = make_account(app, "root@example.com", superuser=True)
    bearer = bearer_for(app, admin)
    team = app.post("/teams", json={"name": "Core"}, headers=bearer).json()
    token_id = app.get("/auth/tokens", headers=bearer).json()["items"][0]["id"]
    url = path.replace("{id}", team["id"]).replace("{token}", token_id)
    login(app, "root@example.com")
    kwargs = {"json": body} if body is not None else {}
    refused = getattr(app, method)(url, **kwargs)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    bad = getattr(app, method)(url, headers={"X-CSRF-Token": "forged"}, **kwargs)
    assert bad.status_code == 403
    ok = getattr(app, method)(url, headers=csrf(app), **kwargs)
    assert ok.status_code in (200, 201), ok.text
    app.cookies.clear()
    assert (
        getattr(app, method)(
            url.replace(team["id"], team["id"]), headers=bearer, **kwargs
        ).status_code
        != 403
        or method == "delete"
    )


def test_bearer_tokens(app: TestClient) -> None:
    make_account(app, "lee@example.com", roles=["lead"])
    login(app, "lee@example.com")
    created = app.post("/auth/tokens", json={"name": "ci"}, headers=csrf(app))
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("dzl_") and "shown" in created.json()["detail"]
    listed = app.get("/auth/tokens").json()["items"]
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    headers = {"Authorization": f"Bearer {token}"}
    with browser(app) as other:
        assert other.get("/auth/me", headers=headers).json()["email"] == "lee@example.com"
        assert (
            other.post("/teams", json={"name": "T"}, headers=headers).status_code == 201
        )  # no CSRF with a token
    assert app.delete(f"/auth/tokens/{listed[0]['id']}", headers=csrf(app)).status_code == 200
    with browser(app) as other:
        assert other.get("/auth/me", headers=headers).status_code == 401
        assert (
            other.get("/auth/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
        )


def test_change_password_revokes_other_sessions(app: TestClient) -> None:
    make_account(app, "lee@example.com")
    with browser(app) as elsewhere:
        login(elsewhere, "lee@example.com")
        elsewhere_cookie = elsewhere.cookies["dazzle_session"]
    login(app, "lee@example.com")
    r = app.post(
        "/auth/change-password",
        headers=csrf(app),
        json={"current_password": PASSWORD, "new_password": "a much better secret"},
    )
    assert r.status_code == 200, r.text
    assert app.get("/auth/me").status_code == 200  # this browser got a fresh session
    with browser(app, {"dazzle_session": elsewhere_cookie}) as elsewhere:
        assert elsewhere.get("/auth/me").status_code == 401
    bad = app.post(
        "/auth/change-password",
        headers=csrf(app),
        json={"current_password": "wrong", "new_password": "whatever long"},
    )
    assert bad.status_code == 422
    short = app.post(
        "/auth/change-password",
        headers=csrf(app),
        json={"current_password": "a much better secret", "new_password": "short"},
    )
    assert short.status_code == 422 and "at least 8" in short.text


def test_deactivation_kills_sessions_and_tokens(app: TestClient) -> None:
    account = make_account(app, "lee@example.com", roles=["lead"])
    token = bearer_for(app, account)
    login(app, "lee@example.com")
    assert app.get("/teams", headers=token).status_code == 200
    rt = app.app.state.runtime
    app.portal.call(lambda: rt.auth.accounts.set_active(account.id, False))
    app.portal.call(lambda: rt.auth.revoke(str(account.id)))
    assert app.get("/auth/me").status_code == 401
    with browser(app) as other:
        assert other.get("/teams", headers=token).status_code == 401
    assert (
        app.post("/auth/login", json={"email": "lee@example.com", "password": PASSWORD}).status_code
        == 401
    )


def test_login_is_throttled(app: TestClient) -> None:
    make_account(app, "lee@example.com")
    for _ in range(5):
        assert (
            app.post(
                "/auth/login", json={"email": "lee@example.com", "password": "wrong-wrong"}
            ).status_code
            == 401
        )
    r = app.post("/auth/login", json={"email": "lee@example.com", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["type"] == "rate_limited"
    assert 0 < int(r.headers["retry-after"]) <= 900


def mailed_token(client: TestClient, to: str) -> str:
    """The token of the last link emailed to ``to`` (development mail goes to the log)."""
    sent = [m for m in client.app.state.runtime.auth.options.mailer.sent if m.to == to]
    assert sent, f"no email to {to}"
    match = re.search(r"token=([\w\-%]+)", sent[-1].body)
    assert match, sent[-1].body
    return unquote(match.group(1))


def test_registration(app: TestClient, tmp_path: Path, database_url: str) -> None:
    r = app.post(
        "/auth/register", json={"email": "new@example.com", "password": PASSWORD, "roles": ["lead"]}
    )
    assert r.status_code == 202 and "new@example.com" in r.json()["detail"]
    assert app.get("/auth/me").status_code == 401  # nothing until the address is confirmed
    done = app.post("/auth/register/confirm", json={"token": mailed_token(app, "new@example.com")})
    assert done.status_code == 201, done.text
    assert done.json()["user"]["roles"] == []  # no default_role: no persona, never the first
    assert app.get("/auth/me").json()["email"] == "new@example.com"
    dup = app.post("/auth/register", json={"email": "NEW@example.com", "password": PASSWORD})
    assert dup.status_code == 202 and dup.json() == {"detail": r.json()["detail"]}
    mailer = app.app.state.runtime.auth.options.mailer
    assert "already have" in mailer.sent[-1].subject


def test_registration_off_and_default_role(tmp_path: Path, database_url: str) -> None:
    dsl = 'entity Note:\n  id: uuid pk\n  body: text\n\npersona member:\n  description: "m"\n'
    closed = write_project(
        tmp_path / "closed",
        dsl,
        '[project]\nname = "c"\nroot = "app"\n[auth]\nenabled = true\nallow_registration = false\n',
    )
    with client_for(closed, database_url, auth=True) as client:
        r = client.post("/auth/register", json={"email": "a@example.com", "password": PASSWORD})
        assert r.status_code == 403
    open_ = write_project(
        tmp_path / "open",
        dsl,
        '[project]\nname = "o"\nroot = "app"\n[auth]\nenabled = true\ndefault_role = "member"\n',
    )
    with client_for(open_, database_url, auth=True) as client:
        r = client.post("/auth/register", json={"email": "a@example.com", "password": PASSWORD})
        assert r.status_code == 202
        token = mailed_token(client, "a@example.com")
        r = client.post("/auth/register/confirm", json={"token": token})
        assert r.status_code == 201 and r.json()["user"]["roles"] == ["member"]


def test_nothing_is_reachable_anonymously(app: TestClient) -> None:
    """Every API route answers 401 to an anonymous caller and every page sends them to sign
    in, except health, signing in and out, and static assets."""
    open_routes = {
        "/health",
        "/ready",
        "/auth/login",
        "/auth/register",
        "/auth/register/confirm",  # the emailed token is the credential
        "/auth/invite/accept",
        "/auth/password-reset",
        "/auth/password-reset/confirm",
        "/auth/logout",
        "/docs/assets/init.js",
        "/docs/assets/{name}",
        "/app/login",
        "/app/register",
        "/app/register/confirm",
        "/app/invite",
        "/app/password-reset",
        "/app/password-reset/confirm",
        "/favicon.ico",
        "/static",
    }
    seen = 0
    for route in _all_routes(app.app.routes):
        path = getattr(route, "path", "")
        if path in open_routes:
            continue
        for method in sorted(getattr(route, "methods", None) or []):
            if method == "HEAD":
                continue
            url = path.replace("{id}", "6d1f1d9e-3a4c-4c6b-9b76-0f6a8b0a1c11")
            for name in ("token_id", "raw_id", "slug", "name", "region_name", "entity"):
                url = url.replace("{" + name + "}", "task" if name == "slug" else "x")
            r = app.request(
                method, url, json={} if method != "GET" else None, follow_redirects=False
            )
            if path.startswith("/app") and method != "GET":
                # a page form post: refused for want of the CSRF token, or sent to sign in
                refused = r.status_code == 403 and "CSRF" in r.text
                to_login = r.status_code in (302, 303) and r.headers["location"].startswith(
                    "/app/login"
                )
                assert refused or to_login, (method, path, r.status_code)
            elif path == "/" or path.startswith("/app") or r.status_code in (302, 303):
                # pages (and the DSL's own paths, such as a persona's default_route)
                assert r.status_code in (302, 303), (method, path, r.status_code, r.text)
                target = r.headers["location"]
                assert target.startswith("/app/login") or (path, target) == ("/", "/app"), (
                    path,
                    target,
                )
            else:
                assert r.status_code == 401, (method, path, r.status_code, r.text)
            seen += 1
    assert seen > 30


def _all_routes(routes: list) -> list:  # type: ignore[type-arg]
    """Routes, looking inside included routers."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            prefix = getattr(route, "include_context", None)
            prefix = getattr(prefix, "prefix", "") or ""
            for r in _all_routes(inner.routes):
                out.append(
                    _Prefixed(prefix + getattr(r, "path", ""), getattr(r, "methods", None))
                    if prefix
                    else r
                )
        else:
            out.append(route)
    return out


class _Prefixed:
    def __init__(self, path: str, methods: set[str] | None) -> None:
        self.path = path
        self.methods = methods


def test_security_headers(app: TestClient) -> None:
    r = app.get("/health")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in r.headers  # production only


def test_the_csrf_cookie_is_set_only_where_a_browser_needs_it(app: TestClient) -> None:
    """Pages get an anonymous token until sign-in, then one bound to the session, each set
    once; API calls with a token get no cookie at all."""
    account = make_account(app, "lee@example.com", roles=["lead"])
    token = bearer_for(app, account)
    with browser(app) as api:
        r = api.get("/teams", headers=token)
        assert r.status_code == 200 and "set-cookie" not in r.headers
    with browser(app) as page:
        first = page.get("/app/login")
        assert "dazzle_csrf=a." in first.headers["set-cookie"]
        assert "set-cookie" not in page.get("/app/login").headers  # kept, not renewed
        anonymous = page.cookies["dazzle_csrf"]
        login(page, "lee@example.com")
        bound = page.cookies["dazzle_csrf"]
        assert bound != anonymous and bound.startswith("s.")
        assert "set-cookie" not in page.get("/auth/me").headers
        page.cookies.set("dazzle_csrf", anonymous)  # a stale token is replaced
        assert f"dazzle_csrf={bound}" in page.get("/auth/me").headers["set-cookie"]


def test_member_sees_only_their_tasks(database_url: str) -> None:
    """v0.38/simple_task: `read: role(admin) or role(manager) or assigned_to = current_user or
    created_by = current_user` — a member lists only their tasks, and the total agrees."""
    require_corpus()
    with client_for(CORPUS / "v0.38" / "simple_task", database_url, auth=True) as client:
        admin = make_account(client, "admin@example.com", roles=["admin"])
        carol = make_account(client, "carol@example.com", roles=["member"])
        dave = make_account(client, "dave@example.com", roles=["member"])
        as_admin = bearer_for(client, admin)
        for i in range(6):
            owner = carol if i % 3 == 0 else dave
            r = client.post(
                "/tasks",
                headers=as_admin,
                json={
                    "title": f"T{i}",
                    "assigned_to": owner.user_id,
                    "created_by": carol.user_id if i == 1 else admin.user_id,
                },
            )
            assert r.status_code == 201, r.text
        as_carol = bearer_for(client, carol)
        page = client.get("/tasks", headers=as_carol).json()
        assert sorted(t["title"] for t in page["items"]) == ["T0", "T1", "T3"]
        assert page["total"] == 3
        assert client.get("/tasks", headers=as_admin).json()["total"] == 6
        hidden = next(
            t for t in client.get("/tasks", headers=as_admin).json()["items"] if t["title"] == "T2"
        )
        assert client.get(f"/tasks/{hidden['id']}", headers=as_carol).status_code == 404
        mine_not_assigned = next(t for t in page["items"] if t["title"] == "T1")
        r = client.patch(
            f"/tasks/{mine_not_assigned['id']}", headers=as_carol, json={"title": "renamed"}
        )
        assert r.status_code == 403  # readable (she created it) but not hers to write
        own = next(t for t in page["items"] if t["title"] == "T0")
        assert (
            client.patch(
                f"/tasks/{own['id']}", headers=as_carol, json={"title": "mine"}
            ).status_code
            == 200
        )
        assert client.delete(f"/tasks/{own['id']}", headers=as_carol).status_code == 403
        r = client.post(
            "/tasks", headers=as_carol, json={"title": "for dave", "assigned_to": dave.user_id}
        )
        assert r.status_code == 403  # create checks the submitted record
        assert client.get("/tasks", headers=as_admin).json()["total"] == 6  # rolled back
        assert (
            client.post(
                "/tasks", headers=as_carol, json={"title": "for me", "assigned_to": carol.user_id}
            ).status_code
            == 201
        )


@pytest.mark.parametrize("store", ["database", "redis"])
def test_secret_key_rotation_keeps_sessions_via_fallbacks(database_url: str, store: str) -> None:
    """A new DAZZLE_SECRET_KEY signs everyone out, unless the previous key is kept in
    DAZZLE_SECRET_KEY_FALLBACKS: then sessions and CSRF tokens made under it still work."""
    old, new = "old-key-0123456789-abcdefghij-KLMNOP", "new-key-9876543210-zyxwvutsrq-PONMLK"
    extra = {"redis_url": "redis://127.0.0.1:6379/0"} if store == "redis" else {}
    with client_for(APP, database_url, auth=True, secret_key=old, **extra) as client:
        make_account(client, "lee@example.com")
        login(client, "lee@example.com")
        client.get("/health")
        cookies = {c.name: c.value for c in client.cookies.jar}
    assert {"dazzle_session", "dazzle_csrf"} <= set(cookies)
    with client_for(APP, database_url, auth=True, secret_key=new, **extra) as client:
        client.cookies.update(cookies)
        assert client.get("/auth/me").status_code == 401  # rotated: everyone signs in again
    rolled = {"secret_key_fallbacks": (old,), **extra}
    with client_for(APP, database_url, auth=True, secret_key=new, **rolled) as client:
        client.cookies.update(cookies)
        assert client.get("/auth/me").json()["email"] == "lee@example.com"
        out = client.post("/auth/logout", headers={"X-CSRF-Token": cookies["dazzle_csrf"]})
        assert out.status_code in (200, 204), out.text
        client.cookies.update(cookies)
        assert client.get("/auth/me").status_code == 401  # logout found the old session
