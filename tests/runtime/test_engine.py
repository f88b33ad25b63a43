"""What the SQLite engines promise the services, pinned against a real file and a second,
independent connection standing in for another worker process: the pragmas, foreign keys
enforced, reads that see every commit at once, and writes that take the write lock up front
and wait for it without stalling the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle_back.db.engine import make_engine, make_utility_engine, writer

SCHEMA = """
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id));
INSERT INTO parent (id) VALUES (1);
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = tmp_path / "contract.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(SCHEMA)
    conn.close()
    return db


def other_process(path: Path) -> sqlite3.Connection:
    """Another worker's connection: its own, in autocommit mode, never waiting for locks."""
    return sqlite3.connect(path, isolation_level=None, timeout=0)


def app_engine(path: Path) -> AsyncEngine:
    # one connection, so every read below goes through the same pooled connection
    return make_engine(f"sqlite+aiosqlite:///{path}", pool_max=1)


async def parents(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM parent"))).scalar_one())


@pytest.mark.parametrize("kind", ["app", "utility"])
def test_every_connection_has_the_pragmas(path: Path, kind: str) -> None:
    async def go() -> tuple[object, ...]:
        url = f"sqlite+aiosqlite:///{path}"
        engine = app_engine(path) if kind == "app" else make_utility_engine(url)
        try:
            async with engine.connect() as conn:
                names = ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
                return tuple(
                    [(await conn.exec_driver_sql(f"PRAGMA {n}")).scalar_one() for n in names]
                )
        finally:
            await engine.dispose()

    assert asyncio.run(go()) == (1, "wal", 1, 30000)  # synchronous 1 is NORMAL


def test_foreign_keys_are_enforced(path: Path) -> None:
    async def go() -> None:
        engine = app_engine(path)
        try:
            with pytest.raises(IntegrityError, match="FOREIGN KEY"):
                async with writer(engine).begin() as conn:
                    await conn.execute(text("INSERT INTO child (id, parent) VALUES (1, 99)"))
            async with writer(engine).begin() as conn:  # the failed write left nothing open
                await conn.execute(text("INSERT INTO child (id, parent) VALUES (1, 1)"))
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_reads_see_other_commits_at_once(path: Path) -> None:
    """No BEGIN for reads in the app's pool: each SELECT sees the latest commit, even on a
    connection that read before, inside the same block, while another writer is busy."""
    other = other_process(path)

    async def go() -> list[int]:
        engine = app_engine(path)
        try:
            seen = [await parents(engine)]
            other.execute("INSERT INTO parent (id) VALUES (2)")
            seen.append(await parents(engine))  # the same pooled connection, reused
            async with engine.connect() as conn:
                count = text("SELECT count(*) FROM parent")
                seen.append((await conn.execute(count)).scalar_one())
                other.execute("INSERT INTO parent (id) VALUES (3)")
                seen.append((await conn.execute(count)).scalar_one())
                other.execute("BEGIN IMMEDIATE")  # a writer mid-transaction blocks no reader
                other.execute("INSERT INTO parent (id) VALUES (4)")
                seen.append((await conn.execute(count)).scalar_one())
                other.execute("COMMIT")
            return seen
        finally:
            await engine.dispose()

    try:
        assert asyncio.run(go()) == [1, 2, 2, 3, 3]
    finally:
        other.close()


def test_a_write_takes_the_write_lock_at_begin(path: Path) -> None:
    """BEGIN IMMEDIATE: a write transaction that has only read so far already holds the
    lock, so it cannot fail half-way on a lock another writer took meanwhile."""
    other = other_process(path)

    async def go() -> None:
        engine = app_engine(path)
        try:
            async with writer(engine).begin() as conn:
                await conn.execute(text("SELECT count(*) FROM parent"))
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
        finally:
            await engine.dispose()

    try:
        asyncio.run(go())
        other.execute("BEGIN IMMEDIATE")  # free again once the transaction ended
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_write_waits_for_another_writer_without_stalling_the_loop(path: Path) -> None:
    other = other_process(path)
    hold = 0.5

    async def go() -> tuple[float, int]:
        engine = app_engine(path)
        try:
            await parents(engine)  # the connection is open before the clock starts
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO parent (id) VALUES (2)")
            asyncio.get_running_loop().call_later(hold, other.execute, "COMMIT")
            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            ticker = asyncio.create_task(tick())
            start = time.monotonic()
            async with writer(engine).begin() as conn:
                await conn.execute(text("INSERT INTO parent (id) VALUES (3)"))
            waited = time.monotonic() - start
            ticker.cancel()
            assert await parents(engine) == 3
            return waited, ticks
        finally:
            await engine.dispose()

    try:
        waited, ticks = asyncio.run(go())
    finally:
        other.close()
    assert waited >= hold * 0.9  # it waited for the lock instead of failing
    assert ticks >= hold / 0.01 / 3  # and the event loop ran on meanwhile
