"""One migrator at a time: a PostgreSQL advisory lock, or a file lock next to a SQLite
database. Every other worker waits, then re-checks and finds nothing left to do.

Waiting is never silent and never endless: every few seconds a ``migration_lock_wait``
event names who holds the lock (process id, application name, since when) and after
``timeout`` seconds the wait gives up with what to do. A dyno that waits quietly past
Heroku's 60 s boot limit is killed with nothing useful in the log.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger("dazzle.db")
REPORT_EVERY = 5.0  # seconds between "still waiting" events
POLL = 0.25  # seconds between attempts


class MigrationLockTimeout(Exception):
    """Another process held the migration lock longer than we may wait."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock``."""
    digest = hashlib.sha256(f"dazzle-migrate:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


HOLDER_SQL = """
SELECT a.pid, a.application_name, a.client_addr::text AS client_addr,
       a.backend_start, a.xact_start, a.state
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.classid = :hi AND l.objid = :lo AND l.objsubid = 1
"""


def _key_parts(key: int) -> tuple[int, int]:
    """pg_locks shows a bigint advisory key as two unsigned 32-bit halves."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


async def lock_holder(conn: AsyncConnection, key: int) -> dict[str, Any] | None:
    """Who holds the migration lock, as PostgreSQL sees it (None when nobody)."""
    hi, lo = _key_parts(key)
    row = (await conn.execute(text(HOLDER_SQL), {"hi": hi, "lo": lo})).mappings().first()
    return dict(row) if row else None


def describe_holder(holder: dict[str, Any] | None) -> str:
    if holder is None:
        return "another process"
    since = holder.get("xact_start") or holder.get("backend_start")
    name = holder.get("application_name") or "no application name"
    when = f" since {since.isoformat(timespec='seconds')}" if since else ""
    return f"PostgreSQL backend {holder['pid']} ({name}){when}"


@asynccontextmanager
async def migration_lock(engine: AsyncEngine, timeout: float = 45.0) -> AsyncIterator[None]:
    url = make_url(str(engine.url))
    if engine.dialect.name == "postgresql":
        key = lock_key(url.database or "")
        async with engine.connect() as conn:
            await _acquire_pg(conn, key, timeout)
            try:
                yield
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()
        return
    path = Path(url.database or "dazzle.db").with_suffix(".migrate.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        await _acquire_file(fd, path, timeout)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


async def _acquire_pg(conn: AsyncConnection, key: int, timeout: float) -> None:
    start = last_report = time.monotonic()
    while True:
        got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar()
        await conn.commit()
        if got:
            return
        now = time.monotonic()
        if now - start >= timeout or now - last_report >= REPORT_EVERY:
            holder = describe_holder(await lock_holder(conn, key))
            await conn.commit()
            if now - start >= timeout:
                raise MigrationLockTimeout(
                    f"the migration lock is held by {holder}; waited {timeout:g} s "
                    "(DAZZLE_MIGRATION_LOCK_TIMEOUT). If that process is stuck, end it: "
                    "`dazzle doctor` names it, or SELECT pg_terminate_backend(pid) after "
                    "checking pg_locks"
                )
            log.warning("migration_lock_wait", held_by=holder, waited_s=round(now - start, 1))
            last_report = now
        await asyncio.sleep(POLL)


async def _acquire_file(fd: int, path: Path, timeout: float) -> None:
    start = last_report = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        now = time.monotonic()
        if now - start >= timeout:
            raise MigrationLockTimeout(
                f"the migration lock {path} is held by another process; waited {timeout:g} s "
                "(DAZZLE_MIGRATION_LOCK_TIMEOUT): is another `dazzle` command still running?"
            )
        if now - last_report >= REPORT_EVERY:
            log.warning("migration_lock_wait", held_by=str(path), waited_s=round(now - start, 1))
            last_report = now
        await asyncio.sleep(POLL)
