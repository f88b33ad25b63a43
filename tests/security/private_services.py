"""A PostgreSQL and a Redis of a test's own, on free ports: the test may kill, restart,
freeze (SIGSTOP) and thaw them without touching the machine's shared servers.

PostgreSQL refuses to run as root; under root the server runs as the ``postgres`` account
(Debian's packages create it), with its directories handed to that account.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from dazzle_back.runtime.live import free_port


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (PostgreSQL's backends run in sessions of their own, so
    a process group would not reach them)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # it has just ended
            os.kill(pid, sig)


def _postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    found = candidates[-1] if candidates else shutil.which("postgres")
    if not found:
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    return Path(found).parent


class PrivatePostgres:
    """One cluster in a temporary folder; ``kill`` is an immediate shutdown (a crash: the
    next start runs crash recovery)."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="dazzle-pg-"))
        self.data = self.root / "data"
        self.run_as: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.run_as = {"user": account.pw_uid, "group": account.pw_gid}
        try:
            subprocess.run(
                [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"],
                check=True,
                capture_output=True,
                cwd=self.root,
                **self.run_as,
            )
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self.proc: subprocess.Popen[bytes] | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 30.0) -> None:
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 (the server keeps it)
        self.proc = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-k", str(self.root), "-c", "listen_addresses=127.0.0.1"],
            stdout=log, stderr=log, cwd=self.root, **self.run_as,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while not asyncio.run(self._answers()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private PostgreSQL did not start: see {self.root}")
            time.sleep(0.1)

    async def _answers(self) -> bool:
        import asyncpg

        try:
            conn = await asyncpg.connect(self.url, timeout=2)
        except (OSError, asyncpg.PostgresError):  # refused, or starting up
            return False
        await conn.close()
        return True

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGQUIT)  # immediate shutdown: no checkpoint
        self.proc.wait(30)

    def freeze(self) -> None:
        assert self.proc is not None
        _signal_all(process_tree(self.proc.pid), signal.SIGSTOP)  # the postmaster first
        self.frozen = True

    def thaw(self) -> None:
        assert self.proc is not None
        _signal_all(process_tree(self.proc.pid)[::-1], signal.SIGCONT)
        self.frozen = False

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        import asyncpg

        conn = await asyncpg.connect(self.url, timeout=10)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    def stop(self) -> None:
        """Whatever state it is in: thawed, shut down, its folder removed."""
        if self.proc is not None and self.proc.poll() is None:
            self.thaw()
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                _signal_all(process_tree(self.proc.pid), signal.SIGKILL)
                self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """An in-memory Redis (no snapshots): a restart starts it empty, as a crash would."""

    def __init__(self) -> None:
        self.bin = shutil.which("redis-server")
        if not self.bin:
            pytest.skip("no redis-server (apt-get install redis-server)")
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> None:
        assert self.bin is not None
        self.proc = subprocess.Popen(
            [self.bin, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("private Redis did not start")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)
