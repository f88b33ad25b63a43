"""Migrations on SQLite and PostgreSQL: safe steps on boot, lossy steps stop the boot,
`dazzle db plan/migrate/status`, and one migrator among many concurrent workers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from dazzle.project import load_project
from dazzle_back.db.engine import make_utility_engine
from dazzle_back.db.migrate import LossyMigrationError, history_for, migrate, plan_for
from dazzle_back.db.schema import build_schema
from dazzle_back.runtime.app_factory import create_app
from dazzle_back.runtime.boot import BootError
from dazzle_back.runtime.settings import to_async_url
from tests.conftest import write_project
from tests.runtime.conftest import settings_for

V1 = """\
entity Note:
  id: uuid pk
  title: str(50) required
  body: text
  status: enum[draft,done]=draft
"""


def _schema(root: Path):  # type: ignore[no-untyped-def]
    result = load_project(root, cwd=root)
    assert result.ok, [d.format() for d in result.errors]
    assert result.spec is not None
    return build_schema(result.spec)


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


class Db:
    """A project on a database, migrated and inspected from the test."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = to_async_url(url)

    def write(self, dsl: str) -> None:
        write_project(self.root, dsl)

    async def _with_engine(self, fn):  # type: ignore[no-untyped-def]
        engine = make_utility_engine(self.url)
        try:
            return await fn(engine)
        finally:
            await engine.dispose()

    def migrate(self, allow_destructive: bool = False):  # type: ignore[no-untyped-def]
        schema = _schema(self.root)
        return _run(
            self._with_engine(lambda e: migrate(e, schema, allow_destructive=allow_destructive))
        )

    def plan(self):  # type: ignore[no-untyped-def]
        schema = _schema(self.root)
        return _run(self._with_engine(lambda e: plan_for(e, schema)))

    def history(self):  # type: ignore[no-untyped-def]
        return _run(self._with_engine(history_for))

    def sql(self, statement: str):  # type: ignore[no-untyped-def]
        async def go(engine):  # type: ignore[no-untyped-def]
            async with engine.begin() as conn:
                result = await conn.execute(text(statement))
                return result.fetchall() if result.returns_rows else None

        return _run(self._with_engine(go))

    def columns(self, table: str) -> dict[str, str]:
        async def go(engine):  # type: ignore[no-untyped-def]
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: {
                        col["name"]: str(col["type"]) for col in inspect(c).get_columns(table)
                    }
                )

        return _run(self._with_engine(go))


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Db:
    d = Db(tmp_path / "proj", database_url)
    d.write(V1)
    return d


def test_first_boot_creates_everything_and_second_does_nothing(db: Db) -> None:
    first = db.migrate()
    assert not first.up_to_date
    assert any("create table Note" in str(s) for s in first.applied)
    second = db.migrate()
    assert second.up_to_date and second.applied == []
    assert len(db.history()) == 1
    assert db.plan() == []


def test_safe_changes_apply_and_keep_data(db: Db) -> None:
    db.migrate()
    db.sql(
        'INSERT INTO "Note" (id, title, status) VALUES '
        "('6d1f1d9e-3a4c-4c6b-9b76-0f6a8b0a1c11', 'hello', 'draft')"
    )
    db.write(
        V1.replace("str(50)", "str(100)").replace("[draft,done]", "[draft,review,done]")
        + "  pinned: bool=false required\n  tags: json\n\nentity Label:\n  id: uuid pk\n"
        "  name: str(30) required\n"
    )
    steps = db.plan()
    assert steps and not any(s.lossy for s in steps), [str(s) for s in steps]
    kinds = " | ".join(str(s) for s in steps)
    assert "create table Label" in kinds and "add column Note.pinned" in kinds
    assert "change enum Note.status" in kinds
    result = db.migrate()
    assert len(result.applied) == len(steps)
    assert db.sql('SELECT title, pinned FROM "Note"') == [("hello", False)]
    db.sql(
        'INSERT INTO "Note" (id, title, status, pinned) VALUES '
        "('6d1f1d9e-3a4c-4c6b-9b76-0f6a8b0a1c12', 'new', 'review', true)"
    )  # widened enum
    assert db.migrate().up_to_date


def test_lossy_changes_stop_until_allowed(db: Db) -> None:
    db.migrate()
    db.sql(
        'INSERT INTO "Note" (id, title, body, status) VALUES '
        "('6d1f1d9e-3a4c-4c6b-9b76-0f6a8b0a1c11', 'hello', 'text', 'done')"
    )
    db.write(
        V1.replace("  body: text\n", "").replace("[draft,done]", "[draft]")
        + "  owner: str(20) required\n"
    )
    with pytest.raises(LossyMigrationError) as err:
        db.migrate()
    message = str(err.value)
    assert "drop column Note.body" in message
    assert "add column Note.owner" in message and "no default for existing rows" in message
    assert "change enum Note.status" in message and "1 rows use them" in message
    assert "dazzle db migrate --allow-destructive" in message
    assert "body" in db.columns("Note")  # nothing was applied
    assert len(db.history()) == 1
    db.write(V1.replace("  body: text\n", ""))
    result = db.migrate(allow_destructive=True)
    assert any(s.lossy for s in result.applied)
    assert "body" not in db.columns("Note")
    assert db.sql('SELECT title FROM "Note"') == [("hello",)]


def test_narrowing_an_unused_enum_value_is_safe(db: Db) -> None:
    db.migrate()
    db.write(V1.replace("[draft,done]", "[draft,done,gone]"))
    db.migrate()
    db.write(V1)
    steps = db.plan()
    assert [s.lossy for s in steps] == [False]
    db.migrate()


def test_dropping_from_empty_tables_is_safe(db: Db) -> None:
    db.migrate()
    db.write(V1.replace("  body: text\n", ""))
    steps = db.plan()
    assert [(str(s), s.lossy) for s in steps] == [
        ("[safe] drop column Note.body (table is empty)", False)
    ]
    db.migrate()
    assert "body" not in db.columns("Note")


def test_tables_of_other_applications_are_left_alone(db: Db) -> None:
    db.sql('CREATE TABLE "legacy_stuff" (id INTEGER PRIMARY KEY)')
    db.migrate()
    assert db.plan() == []
    assert db.sql('SELECT count(*) FROM "legacy_stuff"') == [(0,)]


def test_concurrent_migrators_apply_once(db: Db, dialect: str) -> None:
    """Four processes migrate at once (as four workers booting): one applies, the others
    wait on the lock and find nothing to do."""
    env = {**os.environ, "DATABASE_URL": db.url.replace("+asyncpg", "").replace("+aiosqlite", "")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dazzle", "db", "migrate", str(db.root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    applied = [out for out, _ in outputs if "applied" in out]
    assert len(applied) == 1, outputs
    assert len(db.history()) == 1


def test_cli_plan_migrate_status(db: Db) -> None:
    env = {**os.environ, "DATABASE_URL": db.url.replace("+asyncpg", "").replace("+aiosqlite", "")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dazzle", "db", *args, str(db.root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    plan = cli("plan")
    assert plan.returncode == 0 and "[safe] create table Note" in plan.stdout
    assert "0 lossy" in plan.stdout
    assert "applied" in cli("migrate").stdout
    status = cli("status")
    assert "#1" in status.stdout and "up to date" in status.stdout
    db.sql(
        'INSERT INTO "Note" (id, title, status) VALUES '
        "('6d1f1d9e-3a4c-4c6b-9b76-0f6a8b0a1c11', 'hello', 'draft')"
    )
    db.write(V1.replace("  body: text\n", ""))
    plan = cli("plan")
    assert "[lossy] drop column Note.body" in plan.stdout
    blocked = cli("migrate")
    assert blocked.returncode == 1 and "drop column Note.body" in blocked.stderr
    assert cli("migrate", "--allow-destructive").returncode == 0


def _hold_lock(db: Db, dialect: str) -> subprocess.Popen[str]:
    """A process holding the migration lock until its stdin closes (a stuck migrator)."""
    code = (
        "import asyncio, sys\n"
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "from dazzle_back.db.locks import migration_lock\n"
        "async def main():\n"
        "    engine = create_async_engine(sys.argv[1], connect_args=sys.argv[2] == 'postgresql'"
        " and {'server_settings': {'application_name': 'stuck migrator'}} or {})\n"
        "    async with migration_lock(engine, timeout=5):\n"
        "        print('held', flush=True)\n"
        "        await asyncio.to_thread(sys.stdin.read)\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, db.url, dialect],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_held_migration_lock_is_named_while_waiting_and_gives_up(db: Db, dialect: str) -> None:
    """A stuck migrator must not make every booting dyno wait silently until the platform
    kills it: the waiter says who holds the lock every few seconds, then stops with one
    line naming the holder and the setting."""
    env = {
        **os.environ,
        "DATABASE_URL": db.url.replace("+asyncpg", "").replace("+aiosqlite", ""),
        "DAZZLE_MIGRATION_LOCK_TIMEOUT": "6",
    }
    holder = _hold_lock(db, dialect)
    try:
        blocked = subprocess.run(
            [sys.executable, "-m", "dazzle", "db", "migrate", str(db.root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert blocked.returncode == 1, blocked
        both = blocked.stdout + blocked.stderr
        assert "migration_lock_wait" in both, both
        assert "DAZZLE_MIGRATION_LOCK_TIMEOUT" in blocked.stderr, both
        if dialect == "postgresql":
            assert "stuck migrator" in blocked.stderr, both
        assert "Traceback" not in both
        assert db.history() == []
        with pytest.raises(BootError) as boot:  # a booting worker: one line, then stop
            create_app(db.root, settings_for(db.url, migration_lock_timeout=1.0))
        assert len(boot.value.problems) == 1
        assert boot.value.problems[0].startswith("cannot migrate: the migration lock")
        # released while a migrator waits: it goes ahead
        waiting = subprocess.Popen(
            [sys.executable, "-m", "dazzle", "db", "migrate", str(db.root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, "DAZZLE_MIGRATION_LOCK_TIMEOUT": "30"},
        )
        time.sleep(2)
        assert waiting.poll() is None
    finally:
        holder.communicate("", timeout=30)
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "applied" in out, (out, err)
    assert len(db.history()) == 1
