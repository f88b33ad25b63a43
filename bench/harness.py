"""What every benchmark needs: a throw-away database, the production server (uvicorn with
N workers) on a free port, and ``wrk`` (Debian's) as the client."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dazzle_back.runtime.live import factory_command, free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("DAZZLE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CORPUS = Path(os.environ.get("DAZZLE_SHARED", ROOT.parent / "shared")) / "corpus"


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def database(dialect: str) -> Iterator[str]:
    """A new empty database URL, dropped (PostgreSQL) or deleted (SQLite) afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="dazzle-bench-"))
    name = f"dazzle_bench_{uuid.uuid4().hex[:8]}"
    if dialect == "postgresql":
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
    try:
        yield url
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if dialect == "postgresql":
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def server(project: Path, url: str, workers: int, **env: str) -> Iterator[str]:
    """``uvicorn --factory --workers N`` as production runs it; yields the base URL."""
    port = free_port()
    full_env = {
        **os.environ,
        "DATABASE_URL": url,
        "DAZZLE_PROJECT_ROOT": str(project),
        "DAZZLE_ENV": "test",
        "DAZZLE_DB_POOL_MIN": "2",
        "DAZZLE_DB_POOL_MAX": "10",
        **env,
    }
    cmd = factory_command(port, workers, "--no-access-log", "--log-level", "warning")
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{base}/ready", proc=proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def options(doc: str | None, *, dialect: str | None = None) -> argparse.Namespace:
    """The options every benchmark takes (and ``--dialect`` where it runs on both)."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=16)
    if dialect is not None:
        ap.add_argument("--dialect", default=dialect, choices=["sqlite", "postgresql", "both"])
    return ap.parse_args()


def dialects(choice: str) -> list[str]:
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


def wrk(
    url: str,
    seconds: int,
    connections: int,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """requests/s, p50, p99 and the count of non-2xx/3xx answers."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    for k, v in (headers or {}).items():
        cmd[1:1] = ["-H", f"{k}: {v}"]
    if script is not None:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = {"rps": re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)}  # type: ignore[union-attr]
    for pct in ("50", "99"):
        m = re.search(rf"\s{pct}%\s+([\d.]+\w+)", out)
        result[f"p{pct}"] = m.group(1) if m else "?"
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = non2xx.group(1) if non2xx else "0"
    return result


def row(label: str, r: dict[str, str], extra: str = "") -> str:
    return f"{label:<52}{r['rps']:>9}{r['p50']:>10}{r['p99']:>10}{r['errors']:>9}{extra}"


HEADER = f"{'request':<52}{'req/s':>9}{'p50':>10}{'p99':>10}{'non-2xx':>9}"
