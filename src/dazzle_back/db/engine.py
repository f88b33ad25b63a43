"""The async engine and its pool.

The pool holds up to ``DAZZLE_DB_POOL_MAX`` connections per process and never more;
``DAZZLE_DB_POOL_MIN`` of them are opened at boot. A request that waits longer than
``DAZZLE_DB_POOL_TIMEOUT`` for a connection gets a ``PoolExhausted`` error (503).

On PostgreSQL no request waits on the database without bound: a statement running longer
than ``DAZZLE_DB_STATEMENT_TIMEOUT`` is cancelled by the server, and since a frozen or
unreachable server enforces nothing, the driver gives up on its own a moment later
(``command_timeout``), as it does on a connection attempt (``CONNECT_TIMEOUT``). The pool
pings a connection before lending it, so a restarted server costs no failed request.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = structlog.get_logger("dazzle.db")
WRITE_OPTION = "dazzle_write"  # execution option marking a transaction that will write
CONNECT_TIMEOUT = 5.0  # seconds at most for TCP, TLS and authentication
CLIENT_GRACE = 1.0  # seconds the driver waits past the server's own statement timeout


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for transactions that write."""
    return engine.execution_options(**{WRITE_OPTION: True})


def make_engine(
    url: str,
    *,
    pool_min: int = 2,
    pool_max: int = 10,
    pool_timeout: float = 5.0,
    statement_timeout: float = 30.0,
    slow_query_ms: float = 0.0,
) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("an in-memory SQLite database cannot be shared; use a file")
        kwargs.update(pool_size=max(pool_max, 1), max_overflow=0, pool_timeout=pool_timeout)
    else:
        kwargs.update(
            pool_size=max(pool_max, 1),
            max_overflow=0,
            pool_timeout=pool_timeout,
            pool_pre_ping=True,
            pool_recycle=1800,
            connect_args=postgres_timeouts(statement_timeout),
        )
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_pragmas(engine, read_transactions=False)
    if slow_query_ms > 0:
        _log_slow_queries(engine, slow_query_ms)
    return engine


def _log_slow_queries(engine: AsyncEngine, threshold_ms: float) -> None:
    """A ``slow_query`` event for every statement that takes ``threshold_ms`` or longer
    (with the request id, like every event of a request). Costs two clock reads a query."""
    started = "dazzle_query_started"

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info[started] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        ms = (time.perf_counter() - conn.info.get(started, time.perf_counter())) * 1000
        if ms >= threshold_ms:
            log.warning("slow_query", ms=round(ms, 1), statement=" ".join(statement.split())[:300])


def application_name(role: str) -> str:
    """How our connections show in ``pg_stat_activity`` (and so in ``dazzle doctor`` and
    the migration-lock messages): role, dyno or host, process id."""
    where = os.environ.get("DYNO") or socket.gethostname()
    return f"dazzle {role} {where} pid {os.getpid()}"[:63]


def postgres_timeouts(statement_timeout: float) -> dict[str, Any]:
    """asyncpg's connect arguments bounding every wait: the server cancels a statement after
    ``statement_timeout`` seconds; the driver abandons a statement (SQLAlchemy then discards
    the connection) a second later, and a connection attempt as soon (5 s at most)."""
    client_limit = statement_timeout + CLIENT_GRACE
    return {
        "timeout": min(CONNECT_TIMEOUT, client_limit),
        "command_timeout": client_limit,
        "server_settings": {
            "statement_timeout": str(max(1, round(statement_timeout * 1000))),
            "application_name": application_name("web"),
        },
    }


def make_utility_engine(url: str, role: str = "cli") -> AsyncEngine:
    """An engine without a pool, for CLI commands and migrations in short-lived processes."""
    kwargs: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"server_settings": {"application_name": application_name(role)}}
    engine = create_async_engine(url, poolclass=NullPool, **kwargs)
    if make_url(url).get_backend_name() == "sqlite":
        _sqlite_pragmas(engine)
    return engine


def _sqlite_pragmas(engine: AsyncEngine, *, read_transactions: bool = True) -> None:
    """Foreign keys on, WAL so readers do not block the writer, a busy timeout instead of
    instant 'database is locked' errors, and real transactions: the driver's own implicit
    ones skip DDL, so SQLAlchemy emits BEGIN itself (IMMEDIATE for writes, which then wait
    for the write lock up front instead of failing half-way).

    The app's pool leaves reads without BEGIN (``read_transactions=False``): each SELECT
    then reads its own snapshot, as under PostgreSQL's READ COMMITTED, and a page saves a
    round trip to the driver's thread per connection. Writes always take BEGIN IMMEDIATE.

    The driver is stock aiosqlite through SQLAlchemy's dialect: every call runs on the
    connection's own thread, so a write waiting for another process's lock never stalls the
    event loop."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL may wait for a lock
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif read_transactions:
            conn.exec_driver_sql("BEGIN")


async def open_min_connections(engine: AsyncEngine, count: int) -> None:
    """Open ``count`` connections now, so the first requests do not pay for them."""
    if count <= 0:
        return
    conns: list[AsyncConnection] = []
    try:
        for _ in range(count):
            conns.append(await engine.connect())
    finally:
        await asyncio.gather(*(c.close() for c in conns))


def dialect_name(engine: AsyncEngine) -> str:
    return engine.dialect.name
