"""REST throughput of the example app: a page of 20 tasks (3 refs expanded each), one
task, creating tasks, and updating them (spread over 100 rows, and all on one row, where
row locks queue the writers), on SQLite and PostgreSQL, with ``wrk`` (Debian's) as the
client.

    python3 -m bench.api [--rows 10000] [--seconds 10] [--workers 2] [--connections 16]
                         [--dialect sqlite|postgresql|both]

Prints requests/s and latency percentiles; not a test. Needs ``wrk`` on PATH.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from bench.harness import ROOT, database, dialects, options, server, wrk

APP = ROOT / "examples" / "team_tasks"


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


def run(dialect: str, rows: int, seconds: int, workers: int, connections: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dazzle-bench-"))
    try:
        with database(dialect) as url:
            project = asyncio.run(seed(url, rows))
            with server(APP, url, workers) as base:
                one = httpx.get(f"{base}/tasks?page_size=1").json()["items"][0]["id"]
                body = tmp / "create.lua"
                body.write_text(
                    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                    "local threads = 0\n"
                    'function setup(thread) threads = threads + 1; thread:set("tid", threads) end\n'
                    "counter = 0\nrequest = function()\n  counter = counter + 1\n"
                    '  local title = "Bench " .. tid .. "-" .. counter\n'
                    "  return wrk.format(nil, nil, nil, "
                    '\'{"title": "\' .. title .. \'", "project": "' + project + "\"}')\nend\n"
                )
                ids = [
                    t["id"]
                    for t in httpx.get(f"{base}/tasks?page_size=100&expand=false").json()["items"]
                ]
                patch = tmp / "update.lua"
                patch.write_text(
                    'wrk.method = "PATCH"\nwrk.headers["Content-Type"] = "application/json"\n'
                    "ids = {" + ",".join(f'"{i}"' for i in ids) + "}\ncounter = 0\n"
                    "request = function()\n  counter = counter + 1\n"
                    "  local id = ids[(counter % #ids) + 1]\n"
                    '  return wrk.format(nil, "/tasks/" .. id, nil, '
                    '\'{"title": "Edited \' .. counter .. \'", "estimate_hours": 3}\')\nend\n'
                )
                hot = tmp / "hot.lua"
                hot.write_text(
                    'wrk.method = "PATCH"\nwrk.headers["Content-Type"] = "application/json"\n'
                    "counter = 0\nrequest = function()\n  counter = counter + 1\n"
                    "  return wrk.format(nil, nil, nil, "
                    "'{\"title\": \"Hot ' .. counter .. '\"}')\nend\n"
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
                    ("PATCH /tasks/{id} (100 rows in turn)", f"{base}/tasks/{one}", patch),
                    ("PATCH /tasks/{id} (one hot row)", f"{base}/tasks/{one}", hot),
                ]
                print(
                    f"\n{dialect}: {rows} tasks, {workers} workers, {connections} connections, "
                    f"{seconds}s each"
                )
                print(f"{'request':<48}{'req/s':>9}{'p50':>10}{'p99':>10}{'non-2xx':>9}")
                for label, target, script in cases:
                    r = wrk(target, seconds, connections, script)
                    print(f"{label:<48}{r['rps']:>9}{r['p50']:>10}{r['p99']:>10}{r['errors']:>9}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    opts = options(__doc__, dialect="both")
    for dialect in dialects(opts.dialect):
        run(dialect, opts.rows, opts.seconds, opts.workers, opts.connections)


if __name__ == "__main__":
    main()
