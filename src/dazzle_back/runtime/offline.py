"""The runtime's parts without a server, for CLI commands (users, demo data, backups):
boot checks, a migrated database, the services and the auth stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle_back.auth.service import Auth
from dazzle_back.db.engine import make_utility_engine
from dazzle_back.db.migrate import migrate
from dazzle_back.db.schema import SchemaModel, build_schema
from dazzle_back.kv import make_kv
from dazzle_back.runtime.auth_setup import build_auth
from dazzle_back.runtime.boot import Booted, boot
from dazzle_back.runtime.settings import resolve_database_url
from dazzle_back.services.entity import EntityService


@dataclass
class Offline:
    booted: Booted
    schema: SchemaModel
    engine: AsyncEngine
    services: dict[str, EntityService]
    auth: Auth


@asynccontextmanager
async def offline_runtime(project_dir: Path) -> AsyncIterator[Offline]:
    booted = boot(project_dir)
    url = resolve_database_url(booted.settings, booted.manifest, booted.project_dir)
    schema = build_schema(booted.spec)
    engine = make_utility_engine(url)
    kv = make_kv(booted.settings.redis_url)
    try:
        await migrate(engine, schema)
        services = {n: EntityService(booted.spec, schema, engine, et)
                    for n, et in schema.tables.items()}  # fmt: skip
        auth = build_auth(booted, schema, engine, kv, services)
        yield Offline(booted, schema, engine, services, auth)
    finally:
        await engine.dispose()
        await kv.close()
