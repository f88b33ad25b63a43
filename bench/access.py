"""What access control costs: a list filtered by a row rule (a member of v0.38/simple_task,
``read: ... or assigned_to = current_user or created_by = current_user``) against the same
list for a superuser, at 10,000 tasks on PostgreSQL; and the time a session lookup in Redis
adds to a request.

    python3 -m bench.access [--rows 10000] [--seconds 10] [--workers 2] [--connections 16]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.harness import CORPUS, database, options, server, wrk

APP = CORPUS / "v0.38" / "simple_task"


async def seed(project: Path, url: str, rows: int) -> tuple[str, str]:
    """Tasks spread over 20 users; returns (member token, superuser token)."""
    from dazzle_back.runtime.offline import offline_runtime

    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    async with offline_runtime(project) as rt:
        member = await rt.auth.accounts.create("member@example.com", "x" * 12, ["member"])
        root = await rt.auth.accounts.create("root@example.com", "x" * 12, [], superuser=True)
        others = [
            await rt.auth.accounts.create(f"u{i}@example.com", "x" * 12, ["member"])
            for i in range(19)
        ]
        owners = [uuid.UUID(a.user_id) for a in [member, *others] if a.user_id]
        t = rt.schema.tables["Task"].table
        now = datetime.now(UTC)
        async with rt.engine.begin() as conn:
            batch = []
            for i in range(rows):
                batch.append(
                    {
                        "id": uuid.uuid4(),
                        "title": f"Task {i:05d}",
                        "status": "todo",
                        "priority": "medium",
                        "assigned_to": owners[i % 20],
                        "created_by": owners[(i + 7) % 20],
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                if len(batch) == 2000:
                    await conn.execute(t.insert(), batch)
                    batch = []
            if batch:
                await conn.execute(t.insert(), batch)
        member_token, _ = await rt.auth.tokens.create(member.id, "bench")
        root_token, _ = await rt.auth.tokens.create(root.id, "bench")
    return member_token, root_token


async def session_lookup_ms(samples: int = 2000) -> tuple[float, float]:
    """p50 and p99 of one Redis-backed session lookup (what a cookie request adds)."""
    from dazzle_back.auth.sessions import RedisSessions
    from dazzle_back.kv.redis import RedisKV

    kv = RedisKV("redis://127.0.0.1:6379/0")
    store = RedisSessions(kv)
    cookie = await store.create(
        str(uuid.uuid4()), {"roles": ["member"], "user_id": "x", "user_attrs": {"name": "n"}}, 60
    )
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        assert await store.get(cookie) is not None
        times.append((time.perf_counter() - t) * 1000)
    await kv.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def main() -> None:
    opts = options(__doc__)
    if not APP.is_dir():
        raise SystemExit(f"{APP} not found")
    tmp = Path(tempfile.mkdtemp(prefix="dazzle-bench-"))
    project = tmp / "app"
    shutil.copytree(APP, project)
    toml = project / "dazzle.toml"
    toml.write_text(toml.read_text().replace("enabled = false", "enabled = true"))
    redis = "redis://127.0.0.1:6379/0"
    try:
        with database("postgresql") as url:
            member, root = asyncio.run(seed(project, url, opts.rows))
            with server(project, url, opts.workers, REDIS_URL=redis) as base:
                seen = httpx.get(
                    f"{base}/tasks", headers={"Authorization": f"Bearer {member}"}
                ).json()
                print(
                    f"\n{opts.rows} tasks on PostgreSQL, {opts.workers} workers, "
                    f"{opts.connections} connections, {opts.seconds}s each; the member sees "
                    f"{seen['total']} of them"
                )
                print(f"{'GET /tasks (page 1 of 20)':<40}{'req/s':>9}{'p50':>10}{'p99':>10}")
                results = {}
                for label, token in (
                    ("superuser (no row rule)", root),
                    ("member (row rule)", member),
                ):
                    auth = {"Authorization": f"Bearer {token}"}
                    r = wrk(f"{base}/tasks", opts.seconds, opts.connections, headers=auth)
                    results[label] = float(r["rps"])
                    print(f"{label:<40}{r['rps']:>9}{r['p50']:>10}{r['p99']:>10}")
        cost = 1 - results["member (row rule)"] / results["superuser (no row rule)"]
        print(f"row rule cost: {cost * 100:.1f}% of throughput (goal: under 20%)")
        p50, p99 = asyncio.run(session_lookup_ms())
        print(f"session lookup in Redis: p50 {p50:.3f} ms, p99 {p99:.3f} ms (goal: p50 under 1 ms)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
