"""The web UI under load: ``../shared/corpus/v0.38/simple_task`` (unmodified, auth off) with
10,000 tasks, served by uvicorn with 2 workers, 16 clients (wrk).

    python bench/ui.py [--rows 10000] [--seconds 10] [--workers 2] [--connections 16]
                       [--dialect sqlite|postgresql|both]

Measures the list page, the HTMX table rows for a page deep in the list, a form page, a
workspace page and one of its regions; prints requests/s, p50, p99 and page sizes.
"""

from __future__ import annotations

import asyncio

import httpx

from bench.fake import fill
from bench.harness import CORPUS, HEADER, database, dialects, options, row, server, wrk

APP = CORPUS / "v0.38" / "simple_task"
ROWS_HEADERS = {"HX-Request": "true", "HX-Target": "records"}


def run(dialect: str, rows: int, seconds: int, workers: int, connections: int) -> None:
    with database(dialect) as url:
        asyncio.run(fill(APP, url, {"Task": rows}, default=20))
        with server(APP, url, workers) as base:
            cases = [
                ("GET /app/task (list page, 10k rows)", "/app/task", None),
                ("GET /app/task?page=250 (HTMX rows)", "/app/task?page=250", ROWS_HEADERS),
                ("GET /app/task/create (form page)", "/app/task/create", None),
                ("GET /app/workspaces/task_board (workspace)", "/app/workspaces/task_board", None),
                (
                    "GET .../regions/metrics (KPI region)",
                    "/app/workspaces/admin_dashboard/regions/metrics",
                    {"HX-Request": "true"},
                ),
            ]
            print(
                f"\n{dialect}: {rows} tasks, {workers} workers, {connections} connections, "
                f"{seconds}s each"
            )
            print(HEADER + f"{'bytes':>9}")
            for label, path, headers in cases:
                size = len(httpx.get(base + path, headers=headers or {}).content)
                r = wrk(base + path, seconds, connections, headers=headers)
                print(row(label, r, f"{size:>9}"))


def main() -> None:
    opts = options(__doc__, dialect="sqlite")
    if not APP.is_dir():
        raise SystemExit(f"{APP} not found (set DAZZLE_SHARED to the shared folder)")
    for dialect in dialects(opts.dialect):
        run(dialect, opts.rows, opts.seconds, opts.workers, opts.connections)


if __name__ == "__main__":
    main()
