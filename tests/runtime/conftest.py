"""Runtime test fixtures: a fresh database per test on SQLite *and* PostgreSQL, and an app
client for a project folder."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from dazzle_back.runtime.app_factory import create_app
from dazzle_back.runtime.settings import Settings, load_settings

T = TypeVar("T")
PG_ADMIN = os.environ.get("DAZZLE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DIALECTS = ["sqlite", "postgresql"]


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` that also works where a loop already runs in this thread (Playwright's
    sync API keeps one): then the coroutine runs on a loop of its own in another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@contextmanager
def fresh_database(dialect: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database; dropped afterwards (PostgreSQL) or left in tmp (SQLite)."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    name = f"dazzle_t_{uuid.uuid4().hex[:12]}"
    try:
        run_sync(_pg(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN} ({exc}); start it or set DAZZLE_TEST_PG"
        )
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        run_sync(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(dialect: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(dialect, tmp_path) as url:
        yield url


TEST_SECRET = "test-secret-key-with-enough-entropy-0123456789-abcdefXYZ"


def settings_for(database_url: str, **overrides: Any) -> Settings:
    """Test settings; the secret key is given, so nothing is written into the project
    folder (corpus apps are read-only data)."""
    base = load_settings({"DAZZLE_ENV": "test"})
    values = {"database_url": database_url, "db_pool_min": 1, "secret_key": TEST_SECRET}
    return replace(base, **{**values, **overrides})


@contextmanager
def client_for(
    project: Path, database_url: str, *, auth: bool | None = False, **overrides: Any
) -> Iterator[TestClient]:
    """A client for the project. ``auth`` False runs it without accounts (the default),
    None as its dazzle.toml says, True with accounts on."""
    app = create_app(project, settings_for(database_url, **overrides), auth_enabled=auth)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def make_account(
    client: TestClient,
    email: str,
    password: str = "correct horse battery",
    roles: list[str] | None = None,
    superuser: bool = False,
) -> Any:
    rt = client.app.state.runtime
    return client.portal.call(
        lambda: rt.auth.accounts.create(email, password, roles or [], superuser=superuser)
    )


def bearer_for(client: TestClient, account: Any, name: str = "test") -> dict[str, str]:
    rt = client.app.state.runtime
    token, _ = client.portal.call(lambda: rt.auth.tokens.create(account.id, name))
    return {"Authorization": f"Bearer {token}"}


def as_superuser(client: TestClient) -> None:
    """Every request of this client carries a superuser's API token."""
    account = make_account(client, "root@example.com", superuser=True)
    client.headers.update(bearer_for(client, account, "superuser"))
