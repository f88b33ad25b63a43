"""Two server processes sharing PostgreSQL and Redis, as two workers or two dynos would:
throttling, sessions, token revocation and deactivation hold across them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dazzle_back.runtime.live import factory_command, free_port, wait_ready
from tests.conftest import EXAMPLES
from tests.runtime.conftest import fresh_database

PASSWORD = "correct horse battery"


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str], Path]]:
    project = tmp_path / "app"
    shutil.copytree(EXAMPLES / "team_tasks", project, ignore=shutil.ignore_patterns(".dazzle"))
    toml = project / "dazzle.toml"
    toml.write_text(toml.read_text().replace("enabled = false", "enabled = true"))
    with fresh_database("postgresql", tmp_path) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DAZZLE_ENV": "test",
            "DAZZLE_PROJECT_ROOT": str(project),
            "DAZZLE_DB_POOL_MIN": "1",
        }
        subprocess.run(
            [sys.executable, "-m", "dazzle", "db", "migrate", str(project)],
            env=env,
            check=True,
            capture_output=True,
        )
        ports = [free_port(), free_port()]
        procs = [
            subprocess.Popen(
                factory_command(p, 1, "--log-level", "warning"),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for p in ports
        ]
        try:
            bases = [f"http://127.0.0.1:{p}" for p in ports]
            for b in bases:
                wait_ready(f"{b}/health")
            yield bases[0], bases[1], env, project
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(30)


def _user(env: dict[str, str], project: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "dazzle", "user", *args, "-p", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_throttle_is_shared_by_workers(two_servers) -> None:  # type: ignore[no-untyped-def]
    a, b, env, project = two_servers
    email = f"t{uuid.uuid4().hex[:8]}@example.com"
    _user(env, project, "create", email, "--password", PASSWORD, "--role", "lead")
    for base in (a, a, a, b, b):
        r = httpx.post(f"{base}/auth/login", json={"email": email, "password": "wrong-password"})
        assert r.status_code == 401
    r = httpx.post(f"{b}/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    r = httpx.post(f"{a}/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429


def test_sessions_tokens_and_deactivation_across_workers(two_servers) -> None:  # type: ignore[no-untyped-def]
    a, b, env, project = two_servers
    email = f"t{uuid.uuid4().hex[:8]}@example.com"
    _user(env, project, "create", email, "--password", PASSWORD, "--role", "lead")
    browser = httpx.Client()
    assert (
        browser.post(f"{a}/auth/login", json={"email": email, "password": PASSWORD}).status_code
        == 200
    )
    assert browser.get(f"{b}/auth/me").json()["email"] == email  # the session is shared
    csrf = {"X-CSRF-Token": browser.cookies["dazzle_csrf"]}
    created = browser.post(f"{a}/auth/tokens", json={"name": "ci"}, headers=csrf).json()
    token = {"Authorization": f"Bearer {created['token']}"}
    assert httpx.get(f"{b}/teams", headers=token).status_code == 200  # cached on B now
    assert browser.delete(f"{a}/auth/tokens/{created['id']}", headers=csrf).status_code == 200
    assert httpx.get(f"{b}/teams", headers=token).status_code == 401  # revoked everywhere
    second = browser.post(f"{a}/auth/tokens", json={"name": "ci2"}, headers=csrf).json()
    token2 = {"Authorization": f"Bearer {second['token']}"}
    assert httpx.get(f"{b}/teams", headers=token2).status_code == 200
    _user(env, project, "deactivate", email)
    assert browser.get(f"{a}/auth/me").status_code == 401
    assert browser.get(f"{b}/auth/me").status_code == 401
    assert httpx.get(f"{b}/teams", headers=token2).status_code == 401
    listed = _user(env, project, "list")
    assert f"{email}  roles=lead (deactivated)" in listed
