"""SQLite connections that read on the event loop and write on a thread.

aiosqlite hands every call (execute, fetch, close, rollback...) to a thread of its own and
back: a dozen thread hops for a page whose queries take a tenth of a millisecond in an
index. Reads in WAL mode never wait for a lock, so this connection runs them directly.
A write transaction may wait for another process's write lock (``busy_timeout``), which
must not stall the event loop: from its ``BEGIN IMMEDIATE`` until the connection returns
to the pool, calls go through aiosqlite's thread as usual.

One sqlite3 connection is used from two threads, never at the same time (SQLAlchemy runs
one call at a time per connection, and the mode only changes between calls), hence
``check_same_thread=False``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from queue import SimpleQueue
from typing import Any

import aiosqlite
from aiosqlite.core import _STOP_RUNNING_SENTINEL as STOP


class _Dispatch:
    """Stands in for aiosqlite's queue (SQLAlchemy's dialect also puts work on it):
    inline, or on to the thread while the connection is threaded."""

    def __init__(self, conn: HybridConnection) -> None:
        self.conn = conn
        self.queue: SimpleQueue[Any] = SimpleQueue()

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        if self.conn.threaded:
            self.conn.ensure_thread()
            self.queue.put_nowait(item)
            return
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as the thread would
            if future is not None:
                future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)

    def get(self, *args: Any, **kwargs: Any) -> Any:  # the worker thread's side
        return self.queue.get(*args, **kwargs)


class HybridConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.threaded = False
        self._thread_started = False
        dispatch = _Dispatch(self)
        self._tx = dispatch  # type: ignore[assignment]
        self._thread._args = (dispatch,)  # type: ignore[attr-defined]

    def ensure_thread(self) -> None:
        if not self._thread_started:
            self._thread_started = True
            self._thread.daemon = True
            self._thread.start()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.threaded:
            self.ensure_thread()
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> HybridConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, HybridConnection]:
        return self._connect().__await__()

    def stop(self) -> asyncio.Future[Any] | None:
        self._running = False
        if not self._thread_started:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            return None

        def close_and_stop() -> object:  # on the thread: close, then end the thread
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            return STOP

        try:
            future: asyncio.Future[Any] | None = asyncio.get_event_loop().create_future()
        except RuntimeError:
            future = None
        self._tx.queue.put_nowait((future, close_and_stop))  # type: ignore[attr-defined]
        return future

    async def close(self) -> None:
        if self._connection is None and (not self._thread_started or not self._running):
            return  # never opened, or closed already (its thread, if any, has ended)
        if self._connection is not None and not self.threaded:
            self._connection.close()
            self._connection = None
        future = self.stop()
        if future is not None:
            await future


def connector(path: str, timeout: float) -> Callable[[], Any]:
    """An ``async_creator`` for SQLAlchemy's aiosqlite dialect."""

    async def create() -> HybridConnection:
        conn = HybridConnection(
            lambda: sqlite3.connect(path, timeout=timeout, check_same_thread=False)
        )
        return await conn

    return create


def set_threaded(driver_connection: Any, threaded: bool) -> None:
    if isinstance(driver_connection, HybridConnection):
        driver_connection.threaded = threaded
