"""Building the ASGI app for one project.

``create_app_factory`` is what ``uvicorn --factory --workers N`` calls once per worker;
``dazzle serve`` builds the very same app. Boot order per worker: settings, dazzle.toml and
its version pin, DSL, Redis answers, migrate under the lock (all before the app exists, so
each problem is one line); then, in the lifespan, open MIN pool connections and serve.
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
from dazzle_back.runtime.logging import configure_logging, json_everywhere
from dazzle_back.runtime.middleware import RequestLog
from dazzle_back.runtime.same_origin import SameOriginWrites
from dazzle_back.runtime.security import SecurityHeaders
from dazzle_back.runtime.settings import Settings, load_settings, resolve_database_url
from dazzle_back.runtime.state import Runtime
from dazzle_back.runtime.supervision import STARTUP_FAILURE, first_to_report
from dazzle_back.services.entity import EntityService
from dazzle_back.services.principal import Principal
from dazzle_ui.routes import mount_aliases, mount_ui

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
        slow_query_ms=s.db_slow_query_ms,
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
    _preflight(s, url, schema, migrate_db=migrate_on_boot)
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
    app.add_middleware(
        RequestLog,
        quiet_paths=frozenset({"/health"}),
        trust_forwarded=s.forwarded_allow_ips == "*",
    )
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


def _preflight(s: Settings, url: str, schema: SchemaModel, *, migrate_db: bool) -> None:
    """Check Redis and migrate before the app exists (in a thread with its own loop and a
    pool-less engine), so an unreachable service or a blocked migration stops the boot like
    a bad setting: one line per problem, no traceback, and the dev server waits for the
    next edit."""
    outcome: dict[str, Any] = {}

    async def go() -> None:
        if s.redis_url:
            from dazzle_back.kv.redis import unreachable

            outcome["redis"] = await unreachable(s.redis_url)
        if not migrate_db:
            return
        engine = make_utility_engine(url, role="migrate")
        try:
            outcome["result"] = await migrate(engine, schema, lock_timeout=s.migration_lock_timeout)
        except Exception as exc:  # reported below, whatever it is
            outcome["error"] = exc
        finally:
            await engine.dispose()

    thread = threading.Thread(target=lambda: asyncio.run(go()), name="dazzle-preflight")
    thread.start()
    thread.join()
    problems = [outcome["redis"]] if outcome.get("redis") else []
    error = outcome.get("error")
    if isinstance(error, LossyMigrationError):
        problems += str(error).splitlines()
    elif isinstance(error, MigrationLockTimeout):
        problems.append(f"cannot migrate: {error}")
    elif error is not None:
        where = make_url(url).render_as_string(hide_password=True)
        first = str(error).splitlines()[0][:200] if str(error) else ""
        problems.append(f"cannot migrate the database at {where}: {type(error).__name__}: {first}")
    if problems:
        raise BootError(problems)
    if migrate_db:
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
        except Exception as exc:  # the database answered the preflight: not worth a crash
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            log.warning("pool_warmup_failed", reason=f"{type(exc).__name__}: {first}")
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
    """Entry point for ``uvicorn --factory``. In production every line is JSON from here on
    (uvicorn's too). Boot problems are printed once, however many workers fail with them,
    and the worker exits with uvicorn's start-up failure code, which stops the server."""
    production = load_settings().production
    if production:
        configure_logging(production=True)
        json_everywhere()
    try:
        return create_app()
    except BootError as exc:
        if first_to_report():
            for line in exc.problems:
                if production:
                    log.error("boot_failed", problem=line)
                else:
                    print(f"dazzle: {line}", file=sys.stderr, flush=True)
        raise SystemExit(STARTUP_FAILURE) from None
