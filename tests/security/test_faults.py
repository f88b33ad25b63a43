"""Dependency faults under load are 503s, never 500s, dropped connections or hangs.

The production server (two workers) runs on a PostgreSQL and a Redis of the test's own
while eight clients read and write, signed in by API token or by session cookie with the
CSRF header. Redis is killed and restarted, then frozen (SIGSTOP) and thawed; PostgreSQL
likewise (an immediate shutdown, so it restarts through crash recovery). While a
dependency is down every answer is a 503 with ``Retry-After``; afterwards the same server
processes recover by themselves within seconds; every create acknowledged with a 201 is
in the database.

Sessions live in Redis in production, so a Redis crash signs every browser out: once Redis
is back, cookie clients get a 401 (pages: a redirect to the sign-in page) and sign in
again. That is expected. API tokens are stored in the database and keep working.

The smaller tests check the parts one by one: which driver errors mean "unavailable", the
answer the contract gives for them, Redis waits bounded by their timeouts, and a statement
the server cancels at ``DAZZLE_DB_STATEMENT_TIMEOUT`` without breaking the pool.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.requests import Request

from dazzle_back.api.errors import json_error
from dazzle_back.db.faults import is_unavailable
from dazzle_back.errors import SharedStateUnavailable
from dazzle_back.kv.redis import SOCKET_TIMEOUT, RedisKV
from dazzle_back.runtime.live import factory_command, free_port, wait_ready
from tests.conftest import EXAMPLES
from tests.runtime.conftest import client_for, fresh_database
from tests.security.private_services import PrivatePostgres, PrivateRedis, process_tree

PASSWORD = "correct horse battery"
SESSION_COOKIE = "dazzle_session"
CSRF_COOKIE = "dazzle_csrf"
STATEMENT_TIMEOUT = 2  # seconds: DAZZLE_DB_STATEMENT_TIMEOUT for this server
PAUSE = 0.05  # seconds between one client's requests
SETTLE = 0.5  # seconds after a fault before every request must see it
AFTER = 5.0  # seconds of load after each repair
RECOVERY = 2.0  # requests started this long after a repair must all succeed
FRIENDLY_503 = "Please try again shortly"


class _DriverError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the server's SQLSTATE on the error."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _wrapped(message: str, sqlstate: str, kind: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return kind("SELECT 1", None, _DriverError(message, sqlstate))


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_wrapped("the database system is starting up", "57P03"), True),
        (_wrapped("the database system is shutting down", "57P03"), True),
        (_wrapped("terminating connection due to administrator command", "57P01"), True),
        (_wrapped("canceling statement due to statement timeout", "57014"), True),
        (_wrapped("sorry, too many clients already", "53300"), True),
        (_wrapped("connection was closed in the middle of operation", "08003"), True),
        (DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True), True),
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (TimeoutError(), True),  # asyncpg's command_timeout
        (_wrapped("duplicate key value", "23505", IntegrityError), False),
        (_wrapped('relation "x" does not exist', "42P01"), False),
        (_wrapped("division by zero", "22012"), False),
        (ValueError("a bug"), False),
    ],
)
def test_which_database_errors_mean_unavailable(error: BaseException, unavailable: bool) -> None:
    assert is_unavailable(error) is unavailable


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/tasks", "headers": [],
                    "query_string": b"", "state": {"request_id": "r1"}})  # fmt: skip


@pytest.mark.parametrize(
    ("error", "event"),
    [
        (_wrapped("the database system is starting up", "57P03"), "database_unavailable"),
        (TimeoutError(), "database_unavailable"),
        (SharedStateUnavailable("Redis did not answer get"), "redis_unavailable"),
    ],
)
def test_dependency_errors_answer_503_with_retry_after(
    error: Exception, event: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = asyncio.run(json_error(_request(), error))
    assert answer.status_code == 503 and int(answer.headers["retry-after"]) > 0
    body = json.loads(bytes(answer.body))
    assert body["type"] == "unavailable" and "retry" in body["detail"]
    out = capsys.readouterr().out
    assert event in out and "r1" in out and "Traceback" not in out


def test_redis_waits_are_bounded() -> None:
    """Refused: at once. Frozen (a socket that accepts and never answers): one socket
    timeout, not redis-py's default ten retries. Either way the typed error, and ``ping``
    says no instead of raising."""
    frozen = socket.socket()
    frozen.bind(("127.0.0.1", 0))
    frozen.listen(64)

    async def attempt(url: str) -> float:
        kv = RedisKV(url)
        start = time.monotonic()
        try:
            with pytest.raises(SharedStateUnavailable):
                await kv.get("k")
            elapsed = time.monotonic() - start
            assert await kv.ping() is False
            return elapsed
        finally:
            await kv.close()

    try:
        assert asyncio.run(attempt(f"redis://127.0.0.1:{free_port()}/0")) < 1
        waited = asyncio.run(attempt(f"redis://127.0.0.1:{frozen.getsockname()[1]}/0"))
        assert SOCKET_TIMEOUT * 0.9 < waited < SOCKET_TIMEOUT * 2
    finally:
        frozen.close()


def test_statement_timeout_is_503_and_the_pool_recovers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A statement stuck behind a lock is cancelled by PostgreSQL at the statement timeout:
    503 with Retry-After; the connection stays usable and the next request is served."""
    import asyncpg

    with (
        fresh_database("postgresql", tmp_path) as url,
        client_for(EXAMPLES / "team_tasks", url, db_statement_timeout=0.5) as client,
    ):
        assert client.get("/tasks").status_code == 200

        async def lock() -> Any:
            conn = await asyncpg.connect(url, timeout=10)
            await conn.execute('BEGIN; LOCK TABLE "Task" IN ACCESS EXCLUSIVE MODE')
            return conn

        holder = client.portal.call(lock)
        try:
            start = time.monotonic()
            r = client.get("/tasks")
            waited = time.monotonic() - start
        finally:
            client.portal.call(holder.close)
        assert r.status_code == 503 and r.headers["retry-after"]
        assert r.json()["type"] == "unavailable"
        assert 0.4 < waited < 3
        assert client.get("/tasks").status_code == 200
        assert client.get("/tasks").status_code == 200
    assert "statement timeout" in capsys.readouterr().out


@dataclass(frozen=True)
class Outcome:
    who: str  # "token" or "cookie"
    op: str  # "create", "read", "page" or "login"
    start: float
    end: float
    status: int | None = None
    retry_after: str | None = None
    body: str = ""  # the JSON "type", or "friendly" for the HTML error page
    error: str | None = None  # the connection failed: reset, dropped or timed out

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def signed_out(self) -> bool:
        return self.status == 401 or (self.op == "page" and self.status in (302, 303))


@dataclass
class Fault:
    name: str
    cause: Callable[[], None]
    repair: Callable[[], None]
    outage: float
    down: float = 0.0  # when it was caused
    repairing: float = 0.0  # when the repair began
    up: float = 0.0  # when the dependency answered again


@dataclass
class Load:
    base: str
    email: str
    token: str
    project_id: str
    stop: threading.Event = field(default_factory=threading.Event)
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # id -> title, from 201s
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, who: str, number: int) -> None:
        cookies: dict[str, str] = {}
        ops = itertools.cycle(("create", "read", "page") if who == "cookie" else ("create", "read"))
        with httpx.Client(base_url=self.base, timeout=httpx.Timeout(30, connect=5)) as http:
            while not self.stop.is_set():
                signed_in = who == "token" or SESSION_COOKIE in cookies
                op = next(ops) if signed_in else "login"
                self._call(http, who, number, op, cookies)
                self.stop.wait(PAUSE)

    def _call(
        self, http: httpx.Client, who: str, number: int, op: str, cookies: dict[str, str]
    ) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if who == "token" else {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            headers["X-CSRF-Token"] = cookies.get(CSRF_COOKIE, "")
        title = f"fault {who} {number} {uuid.uuid4().hex[:12]}"
        start = time.monotonic()
        try:
            if op == "create":
                body = {"title": title, "project": self.project_id}
                r = http.post("/tasks", json=body, headers=headers)
            elif op == "read":
                r = http.get("/tasks", params={"page_size": 5}, headers=headers)
            elif op == "page":
                r = http.get("/app/task", headers=headers)
            else:
                r = http.post("/auth/login", json={"email": self.email, "password": PASSWORD})
        except httpx.HTTPError as exc:
            self._record(Outcome(who, op, start, time.monotonic(), error=type(exc).__name__))
            return
        outcome = Outcome(who, op, start, time.monotonic(), r.status_code,
                          r.headers.get("retry-after"), _body_kind(r))  # fmt: skip
        cookies.update(_set_cookies(r))
        if who == "cookie" and outcome.signed_out:
            cookies.pop(SESSION_COOKIE, None)  # Redis lost the session: sign in again
        if op == "create" and r.status_code == 201:
            with self.lock:
                self.acknowledged[r.json()["id"]] = title
        self._record(outcome)

    def _record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def _body_kind(r: httpx.Response) -> str:
    if r.headers.get("content-type", "").startswith("application/json"):
        try:
            return str(r.json().get("type") or "")
        except ValueError:
            return "bad json"
    return "friendly" if FRIENDLY_503 in r.text else ""


def _set_cookies(r: httpx.Response) -> dict[str, str]:
    """The cookies a response sets. Read by hand: production cookies are ``Secure``, which
    an HTTP client keeps to itself on plain http."""
    jar: SimpleCookie = SimpleCookie()
    for header in r.headers.get_list("set-cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "app"
    shutil.copytree(EXAMPLES / "team_tasks", project, ignore=shutil.ignore_patterns(".dazzle"))
    toml = project / "dazzle.toml"
    toml.write_text(toml.read_text().replace("enabled = false", "enabled = true"))
    return project


def _sign_in_and_seed(base: str, email: str) -> tuple[str, str]:
    """An API token for the account and a project to file tasks under."""
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        cookies = _set_cookies(r)
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "X-CSRF-Token": cookies[CSRF_COOKIE],
        }
        r = http.post("/auth/tokens", json={"name": "faults"}, headers=headers)
        assert r.status_code == 201, r.text
        token = {"Authorization": f"Bearer {r.json()['token']}"}
        team = http.post("/teams", json={"name": "Faults"}, headers=token)
        assert team.status_code == 201, team.text
        body = {"name": "Faults", "code": "FLT", "team": team.json()["id"]}
        project = http.post("/projects", json=body, headers=token)
        assert project.status_code == 201, project.text
        return r.json()["token"], str(project.json()["id"])


def _stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_dependency_faults_are_503s_and_the_server_recovers(tmp_path: Path) -> None:
    pg = PrivatePostgres()
    redis = PrivateRedis()
    server: subprocess.Popen[bytes] | None = None
    load: Load | None = None
    threads: list[threading.Thread] = []
    try:
        pg.start()
        redis.start()
        project = _project(tmp_path)
        env = {
            **os.environ,
            "DAZZLE_ENV": "production",
            "DATABASE_URL": pg.url,
            "REDIS_URL": redis.url,
            "DAZZLE_SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
            "DAZZLE_PROJECT_ROOT": str(project),
            "DAZZLE_DB_POOL_MIN": "1",
            "DAZZLE_DB_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
        }
        email = "faults@example.com"
        made = subprocess.run(
            [sys.executable, "-m", "dazzle", "user", "create", email, "--password", PASSWORD,
             "--role", "lead", "-p", str(project)],
            env=env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(tmp_path / "out.log", "wb") as out, open(tmp_path / "err.log", "wb") as err:
            server = subprocess.Popen(
                factory_command(port, 2, "--log-level", "warning"), env=env, stdout=out, stderr=err
            )
        wait_ready(f"{base}/ready", timeout=90, proc=server)
        workers = set(process_tree(server.pid))
        token, project_id = _sign_in_and_seed(base, email)

        load = Load(base, email, token, project_id)
        threads = [
            threading.Thread(target=load.client, args=(who, n), daemon=True)
            for n, who in enumerate(["token", "cookie"] * 4)
        ]
        for t in threads:
            t.start()
        time.sleep(2)
        faults = [
            Fault("redis killed", redis.kill, redis.start, 3),
            Fault("redis frozen", redis.freeze, redis.thaw, 6),
            Fault("postgres killed", pg.kill, pg.start, 3),
            # the frozen server answers nothing: waits end at the driver's own timeouts
            Fault("postgres frozen", pg.freeze, pg.thaw, 11),
        ]
        for fault in faults:
            fault.down = time.monotonic()
            fault.cause()
            time.sleep(fault.outage)
            fault.repairing = time.monotonic()
            fault.repair()
            fault.up = time.monotonic()
            time.sleep(AFTER)
        load.stop.set()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "a client hung"

        outcomes = sorted(load.outcomes, key=lambda o: o.start)
        report = _report(outcomes, faults)
        print(report)
        _check(outcomes, faults, report)

        # the same processes served it all: no worker died and was replaced
        assert server.poll() is None
        assert set(process_tree(server.pid)) == workers

        # no acknowledged write was lost
        rows = asyncio.run(pg.fetch('SELECT id::text, title FROM "Task"'))
        stored = {r["id"]: r["title"] for r in rows}
        missing = {i: t for i, t in load.acknowledged.items() if stored.get(i) != t}
        assert len(load.acknowledged) > 50
        assert not missing, f"{len(missing)} acknowledged creates are not stored"
    finally:
        if load is not None:
            load.stop.set()
        if server is not None:
            _stop_server(server)
        pg.stop()
        redis.stop()
        for t in threads:
            t.join(10)
    _check_logs(tmp_path)


def _check(outcomes: list[Outcome], faults: list[Fault], report: str) -> None:
    broken = [o for o in outcomes if o.error is not None]
    assert not broken, f"{len(broken)} connections failed, first {broken[:3]}\n{report}"
    redis_crash = faults[0].down
    for o in outcomes:
        if o.status == 503:
            assert o.retry_after, f"503 without Retry-After: {o}"
            want = "friendly" if o.op == "page" else "unavailable"
            assert o.body == want, f"503 body is not the contract's: {o}"
        elif o.signed_out:  # sessions are lost with Redis, only then, and only sessions
            assert o.who == "cookie" and o.start >= redis_crash, f"unexpected sign-out: {o}"
        else:
            assert o.ok, f"status {o.status}: {o}\n{report}"
    for fault in faults:
        during = [
            o for o in outcomes if o.start >= fault.down + SETTLE and o.end <= fault.repairing
        ]
        assert len(during) >= 3, f"{fault.name}: the outage was not exercised\n{report}"
        wrong = [o for o in during if o.status != 503]
        assert not wrong, f"{fault.name}: not 503 while down: {wrong[:3]}\n{report}"
        later = [o for o in outcomes if o.start >= fault.up + RECOVERY and o.end < fault.up + AFTER]
        failed = [o for o in later if not (o.ok or o.signed_out or o.op == "login")]
        assert later and not failed, f"{fault.name}: no recovery: {failed[:3]}\n{report}"


def _report(outcomes: list[Outcome], faults: list[Fault]) -> str:
    lines = [f"{len(outcomes)} requests"]
    for fault in faults:
        during = [o for o in outcomes if fault.down <= o.start < fault.repairing]
        after = [o for o in outcomes if fault.repairing <= o.start < fault.up + AFTER]
        first_ok = min((o.end for o in after if o.ok and o.who == "token"), default=None)
        last_bad = max((o.end for o in after if not o.ok and not o.signed_out), default=None)
        slowest = max((o.end - o.start for o in during), default=0.0)
        lines.append(
            f"{fault.name}: {sum(o.status == 503 for o in during)} x 503 of {len(during)}"
            f" while down (slowest {slowest:.1f}s); repaired in {fault.up - fault.repairing:.1f}s;"
            f" first token success {_since(first_ok, fault.up)}, last failure"
            f" {_since(last_bad, fault.up)} after it answered"
        )
    return "\n".join(lines)


def _since(moment: float | None, origin: float) -> str:
    return "-" if moment is None else f"{moment - origin:+.2f}s"


def _check_logs(tmp_path: Path) -> None:
    """One event per failed request saying what happened, and never an unhandled error."""
    events: list[dict[str, Any]] = []
    for line in (tmp_path / "out.log").read_text().splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    names = {e.get("event") for e in events}
    assert "redis_unavailable" in names and "database_unavailable" in names
    assert "unhandled_error" not in names, [e for e in events if e["event"] == "unhandled_error"]
    assert "Exception in ASGI application" not in (tmp_path / "err.log").read_text()
