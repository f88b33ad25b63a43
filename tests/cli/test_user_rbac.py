"""`dazzle user ...` and `dazzle rbac matrix` as an operator runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPUS, require_corpus


def dazzle(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dazzle", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_user_commands(tmp_path: Path) -> None:
    require_corpus()
    project = tmp_path / "st"
    shutil.copytree(CORPUS / "v0.38" / "simple_task", project)
    p = ["-p", str(project)]
    made = dazzle(
        "user", "create", "Carol@Example.com", "--role", "member", "--name", "Carol Developer", *p
    )
    assert made.returncode == 0, made.stderr
    assert "created carol@example.com roles=member" in made.stdout
    assert "password: " in made.stdout  # not a terminal: generated and shown once
    assert dazzle("user", "create", "carol@example.com", *p).returncode == 1  # taken
    bad = dazzle("user", "create", "x@example.com", "--role", "wizard", *p)
    assert bad.returncode == 1 and "roles are persona ids: admin, manager, member" in bad.stderr
    assert dazzle("user", "set-roles", "carol@example.com", "manager", *p).returncode == 0
    listed = dazzle("user", "list", *p).stdout
    assert "carol@example.com  roles=manager" in listed
    assert (
        dazzle(
            "user", "reset-password", "carol@example.com", "--password", "a new long secret", *p
        ).returncode
        == 0
    )
    assert (
        dazzle("user", "reset-password", "carol@example.com", "--password", "short", *p).returncode
        == 1
    )
    assert dazzle("user", "deactivate", "carol@example.com", *p).returncode == 0
    assert "(deactivated)" in dazzle("user", "list", *p).stdout
    assert dazzle("user", "deactivate", "nobody@example.com", *p).returncode == 1


def test_rbac_matrix() -> None:
    require_corpus()
    app = str(CORPUS / "v0.38" / "simple_task")
    text = dazzle("rbac", "matrix", app, "-e", "Task")
    assert text.returncode == 0
    assert (
        "member               list    if (assigned_to == current_user) or (created_by == "
        "current_user)" in text.stdout
    )
    assert "admin                delete  deny" in text.stdout
    assert "[auth] enabled = false" in text.stderr
    cells = json.loads(dazzle("rbac", "matrix", app, "--format", "json").stdout)
    assert {
        "role": "(anonymous)",
        "entity": "Task",
        "operation": "read",
        "outcome": "deny",
        "condition": None,
    } in cells


def test_invitations_and_email_changes(tmp_path: Path) -> None:
    """An operator invites someone (the link works once, in the app, and takes over the
    user row already made for that address) and moves an account to a new email."""
    from urllib.parse import parse_qs, urlsplit

    from fastapi.testclient import TestClient

    from dazzle_back.runtime.app_factory import create_app
    from dazzle_back.runtime.settings import load_settings

    require_corpus()
    project = tmp_path / "st"
    shutil.copytree(CORPUS / "v0.38" / "simple_task", project)
    toml = project / "dazzle.toml"
    toml.write_text(toml.read_text().replace("enabled = false", "enabled = true"))
    p = ["-p", str(project)]
    app = create_app(project, load_settings({"DAZZLE_ENV": "development"}))
    with TestClient(app) as client:
        made = client.app.state.runtime.services["User"]
        row = client.portal.call(
            lambda: made.create({"email": "dora@example.com", "name": "Dora"}, _system())
        )
    out = dazzle("user", "invite", "Dora@Example.com", "--role", "member",
                 "--base-url", "https://tasks.example", *p)  # fmt: skip
    assert out.returncode == 0, out.stderr
    link = next(line[6:] for line in out.stdout.splitlines() if line.startswith("link: "))
    assert link.startswith("https://tasks.example/app/invite?token=")
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert dazzle("user", "invite", "dora@example.com", *p).returncode == 0  # a fresh link...
    app = create_app(project, load_settings({"DAZZLE_ENV": "development"}))
    with TestClient(app) as client:
        stale = client.post("/auth/invite/accept", json={"token": token, "password": "x" * 20})
        assert stale.status_code == 404  # ...replaces the first
    out = dazzle("user", "invite", "dora@example.com", "--role", "member", *p)
    link = next(line[6:] for line in out.stdout.splitlines() if line.startswith("link: "))
    assert link.startswith("/app/invite?token=") and "put the app's address" in out.stdout
    token = parse_qs(urlsplit(link).query)["token"][0]
    with TestClient(create_app(project, load_settings({"DAZZLE_ENV": "development"}))) as c:
        page = c.get(f"/app/invite?token={token}")
        assert page.status_code == 200 and "dora@example.com" in page.text
        weak = c.post("/auth/invite/accept", json={"token": token, "password": "password"})
        assert weak.status_code == 422
        done = c.post("/auth/invite/accept", json={"token": token, "password": "dora's secret"})
        assert done.status_code == 201, done.text
        assert done.json()["user"]["roles"] == ["member"]
        assert done.json()["user"]["user_id"] == str(row["id"])  # the row made for her
        again = c.post("/auth/invite/accept", json={"token": token, "password": "dora's secret"})
        assert again.status_code == 404
    taken = dazzle("user", "invite", "dora@example.com", *p)
    assert taken.returncode == 1 and "already exists" in taken.stderr
    moved = dazzle("user", "set-email", "dora@example.com", "Dora.K@Example.com", *p)
    assert moved.returncode == 0, moved.stderr
    assert "dora.k@example.com" in dazzle("user", "list", *p).stdout
    with TestClient(create_app(project, load_settings({"DAZZLE_ENV": "development"}))) as c:
        c.get("/health")
        r = c.get(f"/users/{row['id']}", headers=_bearer(c, "dora.k@example.com"))
        assert r.json()["email"] == "dora.k@example.com"  # the row moved with the account
    closed = tmp_path / "closed"
    shutil.copytree(project, closed)
    (closed / "dazzle.toml").write_text(
        toml.read_text().replace("allow_registration = true", 'registration = "closed"')
    )
    refused = dazzle("user", "invite", "eve@example.com", "-p", str(closed))
    assert refused.returncode == 1 and 'registration = "invite"' in refused.stderr


def _system():  # type: ignore[no-untyped-def]
    from dazzle_back.services.principal import Principal

    return Principal.system()


def _bearer(client, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rt = client.app.state.runtime
    account = client.portal.call(lambda: rt.auth.accounts.by_email(email))
    token, _ = client.portal.call(lambda: rt.auth.tokens.create(account.id, "t"))
    return {"Authorization": f"Bearer {token}"}
