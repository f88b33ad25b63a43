"""Signing in and out, and who a request is from (session cookie or Bearer token)."""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle.ir.appspec import AppSpec
from dazzle.manifest import Manifest
from dazzle_back.auth.accounts import Account, AccountStore, normalize_email
from dazzle_back.auth.passwords import Passwords
from dazzle_back.auth.sessions import DatabaseSessions, RedisSessions, SessionStore
from dazzle_back.auth.throttle import LoginThrottle
from dazzle_back.auth.tokens import TokenStore
from dazzle_back.db.schema import SchemaModel
from dazzle_back.errors import Forbidden, Unauthenticated
from dazzle_back.kv import KV
from dazzle_back.runtime.settings import Settings
from dazzle_back.services.entity import EntityService
from dazzle_back.services.principal import Principal
from dazzle_back.services.records import to_json

CSRF_COOKIE = "dazzle_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRINCIPAL_CACHE_SECONDS = 60


class Auth:
    def __init__(
        self,
        spec: AppSpec,
        schema: SchemaModel,
        engine: AsyncEngine,
        kv: KV,
        manifest: Manifest,
        settings: Settings,
        services: dict[str, EntityService],
    ) -> None:
        self.spec = spec
        self.enabled = manifest.auth.enabled
        self.config = manifest.auth
        self.kv = kv
        self.production = settings.production
        self.passwords = Passwords(cheap=settings.env == "test")
        self.accounts = AccountStore(spec, schema, engine, manifest.auth, services,
                                     self.passwords)  # fmt: skip
        self.sessions: SessionStore = (
            RedisSessions(kv) if settings.redis_url else DatabaseSessions(engine, schema)
        )
        self.tokens = TokenStore(engine, schema, kv)
        self.throttle = LoginThrottle(kv)
        self.services = services
        self.engine = engine
        self.cookie_name = manifest.auth.cookie_name
        self.ttl = manifest.auth.session_duration_hours * 3600

    # -- who is asking ----------------------------------------------------------------------

    async def authenticate(self, request: Request) -> Principal:
        cached = getattr(request.state, "principal", None)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        who = await self._resolve(request)
        request.state.principal = who
        return who

    async def _resolve(self, request: Request) -> Principal:
        if not self.enabled:
            return Principal.system()
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            account_id = await self.tokens.account_for(header[7:].strip())
            if account_id is None:
                raise Unauthenticated("the API token is not valid")
            data = await self._principal_data(account_id)
            if data is None:
                raise Unauthenticated("the API token is not valid")
            return self._principal(data, "token")
        cookie = request.cookies.get(self.cookie_name)
        if cookie:
            data = await self.sessions.get(cookie)
            if data is not None:
                return self._principal(data, "cookie")
        return Principal.anonymous()

    def _principal(self, data: dict[str, Any], via: str) -> Principal:
        return Principal(
            user_id=data.get("user_id") or data["account_id"],
            account_id=data["account_id"],
            email=data.get("email"),
            roles=frozenset(data.get("roles") or ()),
            superuser=bool(data.get("superuser")),
            authenticated=True,
            auth_enabled=True,
            user_attrs=data.get("user_attrs") or {},
            via=via,
        )

    async def _principal_data(self, account_id: str) -> dict[str, Any] | None:
        key = f"dazzle:principal:{account_id}"
        raw = await self.kv.get(key)
        if raw is not None:
            value = json.loads(raw)
            return value or None
        account = await self.accounts.get(account_id)
        data = await self.session_data(account) if account and account.is_active else None
        await self.kv.set(key, json.dumps(data or ""), ttl=PRINCIPAL_CACHE_SECONDS)
        return data

    async def session_data(self, account: Account) -> dict[str, Any]:
        return {
            "account_id": str(account.id),
            "email": account.email,
            "roles": account.roles,
            "superuser": account.is_superuser,
            "user_id": account.user_id,
            "user_attrs": await self._user_attrs(account),
        }

    async def _user_attrs(self, account: Account) -> dict[str, Any]:
        """The linked user row, for rules that say ``current_user.department``."""
        entity = self.accounts.user_entity
        if entity is None or account.user_id is None:
            return {}
        et = self.services[entity.name].et
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(et.table).where(et.table.c[et.pk] == self.services[entity.name]
                                       .parse_id(account.user_id))
            )).mappings().first()  # fmt: skip
        return {str(k): to_json(v) for k, v in row.items()} if row else {}

    def check_csrf(self, request: Request, who: Principal) -> None:
        """Cookie-authenticated writes must echo the CSRF cookie in the X-CSRF-Token header
        (or a ``csrf_token`` form field, checked by the page that reads the form)."""
        if who.via != "cookie" or request.method not in UNSAFE:
            return
        self.require_csrf_value(request, request.headers.get(CSRF_HEADER))

    def require_csrf_value(self, request: Request, sent: str | None) -> None:
        expected = request.cookies.get(CSRF_COOKIE)
        if not expected or not sent or not hmac.compare_digest(expected, sent):
            raise Forbidden(
                "missing or invalid CSRF token: send the dazzle_csrf cookie's "
                "value in the X-CSRF-Token header"
            )

    # -- signing in and out -----------------------------------------------------------------

    async def login(self, email: str, password: str, address: str) -> Account:
        email = normalize_email(email or "")
        await self.throttle.check(email, address)
        account = await self.accounts.by_email(email) if email else None
        ok = await self.passwords.verify(account.password_hash if account else None, password)
        if not ok or account is None or not account.is_active:
            await self.throttle.failed(email, address)
            raise Unauthenticated("invalid email or password")
        await self.throttle.succeeded(email)
        return account

    async def start_session(self, request: Request, response: Response, account: Account) -> None:
        """A fresh session id at every sign-in (no fixation): the old one is dropped."""
        old = request.cookies.get(self.cookie_name)
        if old:
            await self.sessions.delete(old)
        value = await self.sessions.create(str(account.id), await self.session_data(account),
                                           self.ttl)  # fmt: skip
        response.set_cookie(self.cookie_name, value, max_age=self.ttl, httponly=True,
                            samesite="lax", secure=self.secure(request), path="/")  # fmt: skip

    async def end_session(self, request: Request, response: Response) -> None:
        value = request.cookies.get(self.cookie_name)
        if value:
            await self.sessions.delete(value)
        response.delete_cookie(self.cookie_name, path="/", httponly=True, samesite="lax",
                               secure=self.secure(request))  # fmt: skip

    def secure(self, request: Request) -> bool:
        """Secure cookies in production, and whenever the request came over https (which
        uvicorn reads from the proxy's X-Forwarded-Proto when FORWARDED_ALLOW_IPS trusts it)."""
        return self.production or request.url.scheme == "https"

    async def revoke(self, account_id: str) -> None:
        """Every session and cached token lookup of an account, gone on every worker."""
        import uuid

        await self.sessions.revoke_account(account_id)
        await self.tokens.forget_account(uuid.UUID(account_id))
        await self.kv.delete(f"dazzle:principal:{account_id}")

    def landing(self, account: Account) -> str:
        """Where to go after sign-in (as published): the first of the account's personas
        with a ``default_route``, else ``/app``, which sends each persona on to its default
        workspace. The UI serves every ``default_route`` (see dazzle_ui.routes)."""
        for persona in self.spec.personas.values():
            if persona.id in account.roles and persona.default_route:
                return persona.default_route
        return "/app"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)
