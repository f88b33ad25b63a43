"""Operating the server: settings checked at boot, the pool, readiness, shared state."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dazzle.manifest import load_manifest
from dazzle_back.db.engine import postgres_timeouts
from dazzle_back.kv.memory import MemoryKV
from dazzle_back.kv.redis import RedisKV
from dazzle_back.runtime.app_factory import create_app
from dazzle_back.runtime.boot import BootError
from dazzle_back.runtime.live import factory_command, free_port
from dazzle_back.runtime.settings import check_settings, load_settings, to_async_url
from tests.conftest import EXAMPLES, write_project
from tests.runtime.conftest import client_for

APP = EXAMPLES / "team_tasks"
GOOD_SECRET = "k3J9xQ2mV8pL5nR7tY1wZ4cB6dF0gH3jK5lM8nP2qS4uW7yA9"


def _manifest(tmp_path: Path, pin: str | None = None, auth: bool = True):  # type: ignore[no-untyped-def]
    text = '[project]\nname = "x"\n'
    if pin:
        text += f'framework_version = "{pin}"\n'
    text += f"[auth]\nenabled = {'true' if auth else 'false'}\n"
    (tmp_path / "dazzle.toml").write_text(text)
    m, _ = load_manifest(tmp_path)
    return m


def test_production_lists_every_missing_setting(tmp_path: Path) -> None:
    settings = load_settings(
        {"DAZZLE_ENV": "production", "DAZZLE_DB_POOL_MIN": "5", "DAZZLE_DB_POOL_MAX": "2"}
    )
    problems = check_settings(settings, _manifest(tmp_path))
    text = "\n".join(problems)
    assert "DAZZLE_DB_POOL_MAX=2 is below DAZZLE_DB_POOL_MIN=5" in text
    assert "DATABASE_URL is not set" in text
    assert "REDIS_URL is not set" in text
    assert "DAZZLE_SECRET_KEY is not set" in text
    assert len(problems) == 4


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("short", "needs at least 32"),
        ("a" * 40, "too little entropy"),
        ("abababababababababababababababababab", "too little entropy"),
    ],
)
def test_weak_secret_keys_are_refused(tmp_path: Path, secret: str, why: str) -> None:
    settings = load_settings(
        {
            "DAZZLE_ENV": "production",
            "DATABASE_URL": "postgres://h/db",
            "REDIS_URL": "redis://h",
            "DAZZLE_SECRET_KEY": secret,
        }
    )
    problems = check_settings(settings, _manifest(tmp_path))
    assert len(problems) == 1 and why in problems[0]


def test_good_production_settings_pass(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DAZZLE_ENV": "production",
            "DATABASE_URL": "postgres://h/db",
            "REDIS_URL": "rediss://h:6380",
            "DAZZLE_SECRET_KEY": GOOD_SECRET,
        }
    )
    assert check_settings(settings, _manifest(tmp_path)) == []
    open_app = check_settings(settings, _manifest(tmp_path, auth=False))
    assert len(open_app) == 1 and "DAZZLE_ALLOW_NO_AUTH=1" in open_app[0]
    allowed = replace(settings, allow_no_auth=True)
    assert check_settings(allowed, _manifest(tmp_path, auth=False)) == []


def test_unparseable_values_are_problems_not_crashes(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "DAZZLE_DB_POOL_MIN": "two",
            "DAZZLE_DB_POOL_TIMEOUT": "-1",
            "DAZZLE_ENV": "prod",
            "DATABASE_URL": "mysql://x/y",
        }
    )
    problems = check_settings(settings, None)
    assert any("DAZZLE_DB_POOL_MIN='two'" in p for p in problems)
    assert any("DAZZLE_DB_POOL_TIMEOUT" in p for p in problems)
    assert any("DAZZLE_ENV='prod'" in p for p in problems)
    assert any("scheme 'mysql'" in p for p in problems)


def test_statement_timeout_setting_and_driver_bounds() -> None:
    assert load_settings({}).db_statement_timeout == 30
    assert load_settings({"DAZZLE_DB_STATEMENT_TIMEOUT": "2.5"}).db_statement_timeout == 2.5
    for raw in ("soon", "0", "-3", "inf", "100000"):
        problems = check_settings(load_settings({"DAZZLE_DB_STATEMENT_TIMEOUT": raw}), None)
        assert any(p.startswith("DAZZLE_DB_STATEMENT_TIMEOUT=") for p in problems), raw
    # the server cancels at the timeout; the driver gives up a second later, connects too
    short = postgres_timeouts(2)
    assert short["server_settings"]["statement_timeout"] == "2000"
    assert short["server_settings"]["application_name"].startswith("dazzle web ")
    assert short["command_timeout"] == 3 and short["timeout"] == 3
    assert postgres_timeouts(30)["timeout"] == 5  # a connect never waits longer


def test_version_pin_mismatch(tmp_path: Path) -> None:
    problems = check_settings(load_settings({}), _manifest(tmp_path, pin="~0.20"))
    assert len(problems) == 1
    assert "'~0.20'" in problems[0] and "pip install 'dazzle>=0.20,<0.21'" in problems[0]
    assert check_settings(load_settings({}), _manifest(tmp_path, pin="~0.38")) == []


def test_url_normalisation() -> None:
    assert to_async_url("postgres://u:p@h:5432/d?sslmode=require") == (
        "postgresql+asyncpg://u:p@h:5432/d?ssl=require"
    )
    assert to_async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"


def _pinned_project(tmp_path: Path) -> Path:
    root = tmp_path / "pinned"
    shutil.copytree(APP, root)
    toml = (
        (root / "dazzle.toml")
        .read_text()
        .replace('framework_version = "~0.38"', 'framework_version = "~0.20"')
    )
    (root / "dazzle.toml").write_text(toml)
    return root


@pytest.mark.parametrize("workers", ["1", "2"])
def test_pin_stops_uvicorn_factory(tmp_path: Path, workers: str) -> None:
    """The production entry point refuses to start, with one line naming both versions; with
    several workers uvicorn's supervisor stops instead of restarting them forever."""
    root = _pinned_project(tmp_path)
    proc = subprocess.run(
        factory_command(free_port(), int(workers)),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DAZZLE_PROJECT_ROOT": str(root)},
    )
    assert "framework_version '~0.20' but Dazzle 0.38.1 is installed" in proc.stderr
    assert "Application startup complete" not in proc.stderr
    if workers == "1":
        assert proc.returncode == 3  # uvicorn's start-up failure: nothing was served


def test_pin_stops_dazzle_serve_before_binding(tmp_path: Path) -> None:
    root = _pinned_project(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "dazzle", "serve", str(root), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "framework_version '~0.20'" in proc.stderr
    assert "serving" not in proc.stderr


def test_boot_error_lists_dsl_errors(tmp_path: Path) -> None:
    root = write_project(tmp_path / "broken", "entity Task:\n  title: strr(10)\n")
    with pytest.raises(BootError) as err:
        create_app(root, load_settings({}))
    assert any("E011" in p for p in err.value.problems)


def test_pool_opens_min_connections_and_times_out_with_503(database_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    with client_for(APP, database_url, db_pool_min=2, db_pool_max=2, db_pool_timeout=0.5) as client:
        engine = client.app.state.runtime.engine
        assert engine.pool.checkedin() == 2  # opened at boot
        held = [client.portal.call(engine.connect().start) for _ in range(2)]
        try:
            start = time.perf_counter()
            r = client.get("/tasks")
            waited = time.perf_counter() - start
        finally:
            for conn in held:
                client.portal.call(conn.close)
        assert r.status_code == 503 and r.headers["retry-after"] == "2"
        assert r.json()["type"] == "unavailable"
        assert 0.4 < waited < 3
        assert engine.pool.size() == 2  # never more than the maximum
        assert client.get("/tasks").status_code == 200  # recovered
    assert "pool_exhausted" in capsys.readouterr().out


def test_ready_is_503_when_a_dependency_is_down(database_url: str) -> None:
    with client_for(APP, database_url) as client:
        rt = client.app.state.runtime
        good = rt.kv
        rt.kv = RedisKV("redis://127.0.0.1:1")
        try:
            r = client.get("/ready")
            assert r.status_code == 503 and r.json()["checks"]["shared_state"].startswith("error")
            assert client.get("/health").status_code == 200
        finally:
            client.portal.call(rt.kv.close)
            rt.kv = good


def test_redis_kv_shares_state(tmp_path: Path) -> None:
    import asyncio
    import uuid

    async def go() -> None:
        a, b = RedisKV("redis://127.0.0.1:6379/0"), RedisKV("redis://127.0.0.1:6379/0")
        key = f"dazzle-test:{uuid.uuid4().hex}"
        try:
            assert await a.ping()
            await a.set(key, "v", ttl=30)
            assert await b.get(key) == b"v"
            assert await a.incr(key + ":n", ttl=30) == 1
            assert await b.incr(key + ":n", ttl=30) == 2
            ttl = await b.ttl(key + ":n")
            assert ttl is not None and 0 < ttl <= 30
            assert await b.delete(key, key + ":n") == 2
        finally:
            await a.close()
            await b.close()

    asyncio.run(go())


def test_memory_kv_expires() -> None:
    import asyncio

    async def go() -> None:
        kv = MemoryKV()
        await kv.set("k", "v", ttl=0.05)
        assert await kv.get("k") == b"v"
        await asyncio.sleep(0.08)
        assert await kv.get("k") is None
        assert await kv.incr("n") == 1 and await kv.incr("n") == 2

    asyncio.run(go())


@pytest.fixture
def tls_redis(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A Redis speaking TLS with a self-signed certificate, as Heroku Redis does."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            "0",
            "--tls-port",
            str(port),
            "--tls-cert-file",
            str(cert),
            "--tls-key-file",
            str(key),
            "--tls-ca-cert-file",
            str(cert),
            "--tls-auth-clients",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"rediss://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def test_rediss_with_self_signed_certificate(tls_redis: str) -> None:
    import asyncio

    async def go() -> bool:
        kv = RedisKV(tls_redis)
        try:
            await kv.set("k", "v")
            return await kv.ping() and await kv.get("k") == b"v"
        finally:
            await kv.close()

    assert asyncio.run(go())


def _wait_http(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def test_production_server_logs_json_lines(tmp_path: Path) -> None:
    """`dazzle serve --production` on PostgreSQL and Redis: every line on stdout and stderr
    is one JSON event (uvicorn's too); one request event per request with the router's
    request id reused (a malformed one replaced), the client behind the trusted proxy, and
    the request id on every event of the request (here: slow queries)."""
    import httpx

    from tests.runtime.conftest import fresh_database

    with fresh_database("postgresql", tmp_path) as url:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DAZZLE_SECRET_KEY": GOOD_SECRET,
            "DAZZLE_ALLOW_NO_AUTH": "1",
            "DAZZLE_DB_POOL_MIN": "1",
            "DAZZLE_DB_SLOW_QUERY_MS": "0.001",
            "FORWARDED_ALLOW_IPS": "*",
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dazzle",
                "serve",
                str(APP),
                "--production",
                "--port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            _wait_http(f"http://127.0.0.1:{port}/health")
            base = f"http://127.0.0.1:{port}"
            router = {"x-request-id": "6f1c2f8e-1d2b-4c55-9a77-3b0d1f2e4a10",
                      "x-forwarded-for": "203.0.113.9, 198.51.100.7"}  # fmt: skip
            r = httpx.get(f"{base}/tasks", headers=router)
            assert r.status_code == 200
            assert r.headers["x-request-id"] == router["x-request-id"]
            bad = httpx.get(f"{base}/tasks?x=1", headers={"x-request-id": "<script> x"})
            assert bad.headers["x-request-id"] != "<script> x"
            assert httpx.get(f"{base}/docs").status_code == 404
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=30)
    events = [json.loads(line) for line in (out + err).splitlines() if line.strip()]
    assert any(e.get("logger", "").startswith("uvicorn") for e in events)  # theirs, as JSON
    requests = [e for e in events if e.get("event") == "request" and e["path"] == "/tasks"]
    assert len(requests) == 2  # no second (uvicorn access) line
    first = requests[0]
    assert first["status"] == 200 and first["request_id"] == router["x-request-id"]
    assert first["client"] == "198.51.100.7"  # the right-most hop: what the proxy saw
    assert first["bytes"] == len(r.content) and first["method"] == "GET"
    assert "duration_ms" in first
    slow = [e for e in events if e.get("event") == "slow_query"]
    assert any(e.get("request_id") == router["x-request-id"] for e in slow)
    ours = [e["event"] for e in events if "logger" not in e]
    assert ours[:3] == ["boot", "migrations", "ready"]
    assert "Traceback" not in out + err
