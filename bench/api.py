"""REST throughput of the example app: a page of 20 tasks (3 refs expanded each), one
task, and creating tasks, on SQLite and PostgreSQL, with ``wrk`` (Debian's) as the client.

    python bench/api.py [--rows 10000] [--seconds 10] [--workers 2] [--connections 16]
                        [--dialect sqlite|postgresql|both]

Prints requests/s and latency percentiles; not a test. Needs ``wrk`` on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "team_tasks"
PG_ADMIN = os.environ.get("DAZZLE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed(url: str, rows: int) -> str:
    """Migrate, then insert teams, members, a project and ``rows`` tasks in bulk."""
    from dazzle.project import load_project
    from dazzle_back.db.engine import make_utility_engine
    from dazzle_back.db.migrate import migrate
    from dazzle_back.db.schema import build_schema
    from dazzle_back.runtime.settings import to_async_url

    spec = load_project(APP).spec
    assert spec is not None
    schema = build_schema(spec)
    engine = make_utility_engine(to_async_url(url))
    await migrate(engine, schema)
    t = {n: et.table for n, et in schema.tables.items()}
    now = datetime.now(UTC)
    team = uuid.uuid4()
    members = [uuid.uuid4() for _ in range(20)]
    project = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(t["Team"].insert(), [{"id": team, "name": "Bench", "created_at": now}])
        await conn.execute(
            t["Member"].insert(),
            [
                {
                    "id": m,
                    "email": f"m{i}@example.com",
                    "name": f"Member {i}",
                    "role": "member",
                    "active": True,
                    "team": team,
                    "joined_at": now,
                }
                for i, m in enumerate(members)
            ],
        )
        await conn.execute(
            t["Project"].insert(),
            [
                {
                    "id": project,
                    "name": "Bench",
                    "code": "BENCH",
                    "team": team,
                    "budget_currency": "EUR",
                    "created_at": now,
                }
            ],
        )
        statuses = ["todo", "in_progress", "review", "done"]
        batch = []
        for i in range(rows):
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "title": f"Task {i:05d}",
                    "status": statuses[i % 4],
                    "priority": "medium",
                    "estimate_hours": Decimal("1.50"),
                    "assignee": members[i % 20],
                    "reporter": members[(i + 1) % 20],
                    "project": project,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(batch) == 2000:
                await conn.execute(t["Task"].insert(), batch)
                batch = []
        if batch:
            await conn.execute(t["Task"].insert(), batch)
    await engine.dispose()
    return str(project)


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> dict[str, str]:
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
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


def run(dialect: str, rows: int, seconds: int, workers: int, connections: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dazzle-bench-"))
    db_name = f"dazzle_bench_{uuid.uuid4().hex[:8]}"
    if dialect == "postgresql":
        import asyncpg

        async def admin(sql: str) -> None:
            conn = await asyncpg.connect(PG_ADMIN)
            await conn.execute(sql)
            await conn.close()

        asyncio.run(admin(f'CREATE DATABASE "{db_name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{db_name}"
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
    try:
        project = asyncio.run(seed(url, rows))
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DAZZLE_PROJECT_ROOT": str(APP),
            "DAZZLE_ENV": "test",
            "DAZZLE_DB_POOL_MIN": "2",
            "DAZZLE_DB_POOL_MAX": "10",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "dazzle_back.runtime.app_factory:create_app_factory",
                "--factory",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.3)
        one = httpx.get(f"{base}/tasks?page_size=1").json()["items"][0]["id"]
        body = tmp / "create.lua"
        body.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            "local threads = 0\n"
            'function setup(thread) threads = threads + 1; thread:set("tid", threads) end\n'
            "counter = 0\nrequest = function()\n  counter = counter + 1\n"
            '  local title = "Bench " .. tid .. "-" .. counter\n'
            '  return wrk.format(nil, nil, nil, \'{"title": "\' .. title .. \'", "project": "'
            + project
            + "\"}')\nend\n"
        )
        cases = [
            ("GET /tasks (page 50 of 20, refs expanded)", f"{base}/tasks?page=50", None),
            (
                "GET /tasks?filter[status]=review&sort=title",
                f"{base}/tasks?filter[status]=review&sort=title",
                None,
            ),
            ("GET /tasks/{id}", f"{base}/tasks/{one}", None),
            ("POST /tasks", f"{base}/tasks", body),
        ]
        print(
            f"\n{dialect}: {rows} tasks, {workers} workers, {connections} connections, "
            f"{seconds}s each"
        )
        print(f"{'request':<48}{'req/s':>9}{'p50':>10}{'p99':>10}{'non-2xx':>9}")
        for label, target, script in cases:
            r = wrk(target, seconds, connections, script)
            print(f"{label:<48}{r['rps']:>9}{r['p50']:>10}{r['p99']:>10}{r['errors']:>9}")
        server.terminate()
        server.wait(30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if dialect == "postgresql":
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--dialect", default="both", choices=["sqlite", "postgresql", "both"])
    opts = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    for dialect in ["sqlite", "postgresql"] if opts.dialect == "both" else [opts.dialect]:
        run(dialect, opts.rows, opts.seconds, opts.workers, opts.connections)


if __name__ == "__main__":
    main()
