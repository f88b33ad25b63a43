"""``/health`` (the process answers; no I/O) and ``/ready`` (database and shared state
reachable; 503 otherwise, so a load balancer stops sending traffic)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

if TYPE_CHECKING:
    from dazzle_back.runtime.state import Runtime

READY_TIMEOUT = 2.0


def build_health_router() -> APIRouter:
    router = APIRouter()

    @router.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @router.get("/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        rt: Runtime = request.app.state.runtime
        checks = {"database": await _db_ok(rt), "shared_state": await _kv_ok(rt)}
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        return JSONResponse(
            {"detail": "not ready", "type": "unavailable", "checks": checks},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    return router


async def _db_ok(rt: Runtime) -> str:
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            async with rt.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any failure means "not ready", with its reason
        return f"error: {type(exc).__name__}"


async def _kv_ok(rt: Runtime) -> str:
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            return "ok" if await rt.kv.ping() else "error: no reply"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
