"""Building the ASGI app for one project.

``create_app_factory`` is what ``uvicorn --factory --workers N`` calls once per worker;
``dazzle serve`` builds the very same app. Boot order per worker: settings, dazzle.toml and
its version pin, DSL, then (in the lifespan) connect, migrate under the lock, open the pool
with MIN connections, check Redis, serve.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from sqlalchemy.engine import make_url

from dazzle import __version__
from dazzle_back.api.auth_routes import build_auth_router
from dazzle_back.api.caller import Caller
from dazzle_back.api.docs import build_docs_router
from dazzle_back.api.entities import build_entity_router
from dazzle_back.api.errors import install_error_handlers
from dazzle_back.api.health import build_health_router
from dazzle_back.api.openapi import extend_openapi
from dazzle_back.db.engine import make_engine, make_utility_engine, open_min_connections
from dazzle_back.db.locks import MigrationLockTimeout
from dazzle_back.db.migrate import LossyMigrationError, migrate
from dazzle_back.db.schema import SchemaModel, build_schema
from dazzle_back.errors import Unauthenticated
from dazzle_back.kv import make_kv
from dazzle_back.runtime.auth_setup import build_auth
from dazzle_back.runtime.body_limit import BodyLimit
from dazzle_back.runtime.boot import BootError, boot
from dazzle_back.runtime.logging import configure_logging
from dazzle_back.runtime.middleware import RequestLog
from dazzle_back.runtime.same_origin import SameOriginWrites
from dazzle_back.runtime.security import SecurityHeaders
from dazzle_back.runtime.settings import Settings, resolve_database_url
from dazzle_back.runtime.state import Runtime
from dazzle_back.services.entity import EntityService
from dazzle_back.services.principal import Principal
from dazzle_ui.routes import mount_aliases, mount_ui

STARTUP_FAILURE = 3  # uvicorn's exit code for "do not restart this worker"
log = structlog.get_logger("dazzle")


def create_app(
    project_dir: str | Path | None = None,
    settings: Settings | None = None,
    *,
    migrate_on_boot: bool = True,
    auth_enabled: bool | None = None,
) -> FastAPI:
    """The app for a project. Raises :class:`BootError` listing every problem.
    ``auth_enabled`` overrides ``[auth] enabled`` (tests run apps both ways)."""
    booted = boot(project_dir, settings)
    if auth_enabled is not None:
        auth = replace(booted.manifest.auth, enabled=auth_enabled)
        booted = replace(booted, manifest=replace(booted.manifest, auth=auth))
    s = booted.settings
    configure_logging(s.production)
    log.info(
        "boot",
        app=booted.spec.name,
        version=__version__,
        env=s.env,
        entities=len(booted.spec.entities),
    )
    url = resolve_database_url(s, booted.manifest, booted.project_dir)
    schema = build_schema(booted.spec)
    engine = make_engine(
        url,
        pool_min=s.db_pool_min,
        pool_max=s.db_pool_max,
        pool_timeout=s.db_pool_timeout,
        statement_timeout=s.db_statement_timeout,
    )
    runtime = Runtime(
        project_dir=booted.project_dir,
        manifest=booted.manifest,
        spec=booted.spec,
        settings=s,
        schema=schema,
        database_url=url,
        engine=engine,
        kv=make_kv(s.redis_url),
    )
    runtime.services = {
        name: EntityService(booted.spec, schema, engine, et) for name, et in schema.tables.items()
    }
    runtime.auth = accounts = build_auth(booted, schema, engine, runtime.kv, runtime.services)
    runtime.caller = caller = Caller(
        accounts, production=s.production, trust_forwarded=s.forwarded_allow_ips == "*"
    )
    if migrate_on_boot:
        _migrate_or_stop(url, schema, s.migration_lock_timeout)
    app = FastAPI(
        title=booted.spec.title,
        version=booted.manifest.version,
        lifespan=_lifespan(),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.include_router(build_health_router())
    if not s.production or booted.manifest.auth.enabled:
        # API docs: development only, or for signed-in users when the app has accounts
        app.include_router(build_docs_router(booted.spec.title, _docs_reader))
    app.include_router(build_auth_router(accounts, caller))
    app.state.ui = mount_ui(app, runtime)
    app.include_router(build_entity_router(runtime.services, _principal))
    mount_aliases(app, app.state.ui)
    app.openapi = _openapi(app, runtime)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, max_bytes=s.max_body_bytes, idle_seconds=s.body_timeout)
    app.add_middleware(SameOriginWrites)
    app.add_middleware(
        SecurityHeaders,
        production=s.production,
        csrf=accounts.csrf,
        session_cookie=accounts.cookie_name,
    )
    app.add_middleware(RequestLog, quiet_paths=frozenset({"/health"}))
    return app


async def _principal(request: Request) -> Principal:
    """The caller (session cookie, Bearer token or anonymous); cookie-authenticated writes
    must carry the CSRF token."""
    rt: Runtime = request.app.state.runtime
    assert rt.caller is not None
    who = await rt.caller.principal(request)
    rt.caller.check_api_csrf(request, who)
    return who


async def _docs_reader(request: Request) -> None:
    """With accounts on, the API description is for signed-in users only."""
    rt: Runtime = request.app.state.runtime
    assert rt.auth is not None and rt.caller is not None
    if rt.auth.enabled and not (await rt.caller.principal(request)).authenticated:
        raise Unauthenticated("sign in to read the API documentation")


def _openapi(app: FastAPI, runtime: Runtime) -> Any:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            base = get_openapi(
                title=app.title,
                version=app.version,
                routes=app.routes,
                description=f"REST API of {runtime.spec.title}",
            )
            app.openapi_schema = extend_openapi(base, runtime.spec)
        return app.openapi_schema

    return build


def _migrate_or_stop(url: str, schema: SchemaModel, lock_timeout: float) -> None:
    """Migrate before the app exists (in a thread with its own loop and a pool-less engine),
    so a blocked migration or an unreachable database stops the boot like a bad setting:
    one line per problem, no traceback, and the dev server waits for the next edit."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        async def go() -> None:
            engine = make_utility_engine(url, role="migrate")
            try:
                outcome["result"] = await migrate(engine, schema, lock_timeout=lock_timeout)
            finally:
                await engine.dispose()

        try:
            asyncio.run(go())
        except Exception as exc:  # reported below, whatever it is
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="dazzle-migrate")
    thread.start()
    thread.join()
    error = outcome.get("error")
    if isinstance(error, LossyMigrationError):
        raise BootError(str(error).splitlines())
    if isinstance(error, MigrationLockTimeout):
        raise BootError([f"cannot migrate: {error}"])
    if error is not None:
        where = make_url(url).render_as_string(hide_password=True)
        first = str(error).splitlines()[0][:200] if str(error) else ""
        raise BootError(
            [f"cannot migrate the database at {where}: {type(error).__name__}: {first}"]
        )
    result = outcome["result"]
    log.info(
        "migrations",
        applied=len(result.applied),
        steps=[str(x) for x in result.applied][:50],
        schema_hash=result.schema_hash,
        seconds=round(result.seconds, 3),
    )


def _lifespan() -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt: Runtime = app.state.runtime
        s = rt.settings
        try:
            await open_min_connections(rt.engine, s.db_pool_min)
            if s.redis_url and not await rt.kv.ping():
                raise BootError(["REDIS_URL is set but Redis does not answer: check the URL"])
        except BootError as exc:
            for line in exc.problems:
                log.error("boot_failed", problem=line)
            await _close(rt)
            raise
        log.info(
            "ready", database=rt.engine.dialect.name, pool_min=s.db_pool_min, pool_max=s.db_pool_max
        )
        # The model, tables, templates and compiled statements live as long as the worker:
        # keep the collector from walking them on every full collection (long pauses that
        # show up as slow requests under load).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await _close(rt)

    return lifespan


async def _close(rt: Runtime) -> None:
    await rt.engine.dispose()
    await rt.kv.close()


def create_app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory``: boot problems are printed one per line and the
    worker exits with uvicorn's start-up failure code, which stops the whole server."""
    try:
        return create_app()
    except BootError as exc:
        for line in exc.problems:
            print(f"dazzle: {line}", file=sys.stderr, flush=True)
        raise SystemExit(STARTUP_FAILURE) from None
