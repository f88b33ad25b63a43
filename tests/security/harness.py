"""A production server to attack: the uvicorn factory with two workers on PostgreSQL (or
SQLite), a private Redis (rate-limit counters start at zero for every server), a real
SMTP server on loopback collecting the emails it sends, and browsers that keep their own
cookies (production cookies are ``Secure``, which an HTTP client keeps to itself on plain
http, so the jar here is by hand, as a browser behind TLS would keep it)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from aiosmtpd.controller import Controller

from dazzle_back.runtime.live import factory_command, free_port, wait_ready
from tests.conftest import CORPUS, require_corpus
from tests.runtime.conftest import fresh_database
from tests.security.private_services import PrivateRedis

PASSWORD = "correct horse battery"
SIMPLE_TASK = CORPUS / "v0.38" / "simple_task"


class Inbox:
    """An SMTP server (aiosmtpd) that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"].lower() == address.lower()]

    def token(self, address: str) -> str:
        """The token of the last link sent to ``address``."""
        sent = self.to(address)
        assert sent, f"no email to {address}"
        body = sent[-1].get_payload(decode=True)
        assert isinstance(body, bytes)
        found = re.search(r"token=([\w\-%]+)", body.decode())
        assert found, body
        return unquote(found.group(1))


@dataclass
class Server:
    base: str
    env: dict[str, str]
    project: Path
    database_url: str
    inbox: Inbox
    redis: PrivateRedis

    def cli(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "dazzle", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    def user(self, email: str, *roles: str, superuser: bool = False) -> None:
        flags = [f"--role={r}" for r in roles] + (["--superuser"] if superuser else [])
        self.cli("user", "create", email, "--password", PASSWORD, *flags, "-p", str(self.project))

    def browser(self, address: str | None = None) -> Browser:
        """A browser; ``address`` is the client address the router reports for it."""
        return Browser(self.base, address)


@dataclass
class Browser:
    base: str
    address: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=60, follow_redirects=False)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.cookies:
            headers.setdefault("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if self.address:  # as Heroku's router does: the client's address goes last
            forwarded = headers.pop("X-Forwarded-For", None)
            headers["X-Forwarded-For"] = ", ".join(x for x in (forwarded, self.address) if x)
        r = self.http.request(method, path, headers=headers, **kwargs)
        for header in r.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return r

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    @property
    def csrf(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.cookies.get("dazzle_csrf", "")}

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        r = self.post("/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return r

    def token(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        """A Bearer header for the account (signs this browser in to make it)."""
        self.login(email, password)
        r = self.post("/auth/tokens", json={"name": "attack"}, headers=self.csrf)
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def close(self) -> None:
        self.http.close()


def copy_app(source: Path, tmp_path: Path, auth: bool = True) -> Path:
    project = tmp_path / source.name
    shutil.copytree(source, project, ignore=shutil.ignore_patterns(".dazzle"))
    toml = project / "dazzle.toml"
    text = toml.read_text()
    if auth:
        text = re.sub(r"(?m)^enabled = false.*$", "enabled = true", text)
    toml.write_text(text)
    return project


@contextmanager
def production_server(
    tmp_path: Path,
    app: Path = SIMPLE_TASK,
    *,
    dialect: str = "postgresql",
    workers: int = 2,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """The app served as the deployment guide says (``DAZZLE_ENV=production`` on
    PostgreSQL; on SQLite, which production refuses, the same with ``DAZZLE_ENV=test``),
    behind a stand-in for Heroku's router (``FORWARDED_ALLOW_IPS='*'``)."""
    if CORPUS in app.parents:
        require_corpus()
    project = copy_app(app, tmp_path)
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(dialect, tmp_path))
        redis = PrivateRedis()
        redis.start()
        stack.callback(redis.stop)
        inbox = Inbox()
        inbox.controller.start()
        stack.callback(inbox.controller.stop)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        full_env = {
            **os.environ,
            "DAZZLE_ENV": "production" if dialect == "postgresql" else "test",
            "DATABASE_URL": url,
            "REDIS_URL": redis.url,
            "DAZZLE_SECRET_KEY": secrets.token_urlsafe(48),
            "DAZZLE_PROJECT_ROOT": str(project),
            "DAZZLE_DB_POOL_MIN": "1",
            "DAZZLE_SMTP_URL": f"smtp://127.0.0.1:{inbox.port}",
            "DAZZLE_BASE_URL": base,
            "FORWARDED_ALLOW_IPS": "*",
            **(env or {}),
        }
        subprocess.run(
            [sys.executable, "-m", "dazzle", "db", "migrate", str(project)],
            env=full_env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        log_path = tmp_path / f"server-{port}.log"
        log = stack.enter_context(log_path.open("wb"))
        proc = subprocess.Popen(
            factory_command(port, workers, "--log-level", "warning", "--no-access-log"),
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

        def stop() -> None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

        stack.callback(stop)
        try:
            wait_ready(f"{base}/health", proc=proc)
        except RuntimeError:
            stop()
            err = log_path.read_text(errors="replace")
            raise RuntimeError(f"the server did not start:\n{err[-3000:]}") from None
        yield Server(base, full_env, project, url, inbox, redis)
