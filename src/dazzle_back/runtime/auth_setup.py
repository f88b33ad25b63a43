"""The auth services for a booted project: settings and dazzle.toml turned into the
options the services take, so the services never read the environment themselves."""

from __future__ import annotations

from urllib.parse import urlsplit

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle_back.auth.options import AuthOptions
from dazzle_back.auth.service import Auth
from dazzle_back.db.schema import SchemaModel
from dazzle_back.kv import KV
from dazzle_back.mail import make_mailer
from dazzle_back.runtime.boot import Booted
from dazzle_back.runtime.settings import master_key, registration_mode
from dazzle_back.services.entity import EntityService

log = structlog.get_logger("dazzle")


def build_auth(
    booted: Booted,
    schema: SchemaModel,
    engine: AsyncEngine,
    kv: KV,
    services: dict[str, EntityService],
) -> Auth:
    s = booted.settings
    host = urlsplit(s.base_url).hostname if s.base_url else None
    sender = s.email_from or f"no-reply@{host or 'localhost'}"
    options = AuthOptions(
        master_key=master_key(s, booted.project_dir),
        fallback_keys=tuple(k.encode() for k in s.secret_key_fallbacks),
        mailer=make_mailer(s.smtp_url, sender),
        production=s.production,
        cheap_hashing=s.env == "test",
        shared_sessions=bool(s.redis_url),
        registration=registration_mode(booted.manifest, s.production),
        base_url=s.base_url,
    )
    auth = Auth(booted.spec, schema, engine, kv, booted.manifest.auth, options, services)
    if auth.enabled and options.registration == "open" and not auth.signup.open:
        log.warning(
            "signup_off",
            problem="self sign-up needs email in production to confirm addresses: set "
            'DAZZLE_SMTP_URL and DAZZLE_BASE_URL, or [auth] registration = "invite"',
        )
    return auth
