"""Signing in and out, and who a request is from (a session or an API token).

This is the services side: it takes what the request carried (a Bearer token, the
session cookie's value, the client's address) and answers with a principal, a session to
hand out, or a typed error. Reading and setting cookies is the HTTP layer's business
(``dazzle_back.api.caller``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle.ir.appspec import AppSpec
from dazzle.manifest import AuthConfig
from dazzle_back.auth.accounts import Account, AccountStore, normalize_email
from dazzle_back.auth.csrf import CsrfTokens
from dazzle_back.auth.identity import IdentityGuard
from dazzle_back.auth.keys import Keys
from dazzle_back.auth.links import Links
from dazzle_back.auth.options import AuthOptions
from dazzle_back.auth.passwords import Passwords
from dazzle_back.auth.sessions import DatabaseSessions, RedisSessions, SessionStore
from dazzle_back.auth.signup import SignUp
from dazzle_back.auth.throttle import (
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    LOGIN_DEVICE,
    PASSWORD_CHANGE,
    Throttle,
)
from dazzle_back.auth.tokens import TokenStore
from dazzle_back.db.schema import SchemaModel
from dazzle_back.errors import Unauthenticated, ValidationFailed
from dazzle_back.kv import KV
from dazzle_back.services.entity import EntityService
from dazzle_back.services.principal import Principal
from dazzle_back.services.records import to_json

PRINCIPAL_CACHE_SECONDS = 60
BAD_LOGIN = "invalid email or password"
TOO_MANY = "too many failed sign-in attempts; try again later"


class Auth:
    def __init__(
        self,
        spec: AppSpec,
        schema: SchemaModel,
        engine: AsyncEngine,
        kv: KV,
        config: AuthConfig,
        options: AuthOptions,
        services: dict[str, EntityService],
    ) -> None:
        self.spec = spec
        self.enabled = config.enabled
        self.config = config
        self.options = options
        self.kv = kv
        self.production = options.production
        self.keys = Keys(options.master_key, options.fallback_keys)
        self.csrf = CsrfTokens(self.keys)
        self.passwords = Passwords(cheap=options.cheap_hashing)
        self.accounts = AccountStore(spec, schema, engine, config, services, self.passwords)
        self.sessions: SessionStore = (
            RedisSessions(kv, self.keys)
            if options.shared_sessions
            else DatabaseSessions(engine, schema, self.keys)
        )
        self.tokens = TokenStore(engine, schema, kv)
        self.throttle = Throttle(kv)
        self.links = Links(engine, schema, self.keys)
        self.signup = SignUp(self, options)
        self.services = services
        self.engine = engine
        self.cookie_name = config.cookie_name
        self.ttl = config.session_duration_hours * 3600
        users = self.accounts.user_entity
        if users is not None and users.name in services:
            services[users.name].add_guard(IdentityGuard(self))

    # -- who is asking ----------------------------------------------------------------------

    async def authenticate(self, bearer: str | None, session_cookie: str | None) -> Principal:
        """The caller: an API token wins over a session; neither is an anonymous caller."""
        if not self.enabled:
            return Principal.system()
        if bearer is not None:
            account_id = await self.tokens.account_for(bearer)
            data = await self._principal_data(account_id) if account_id else None
            if data is None:
                raise Unauthenticated("the API token is not valid")
            return self._principal(data, "token")
        if session_cookie and len(session_cookie) <= 100:
            data = await self.sessions.get(session_cookie)
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
        service = self.services[entity.name]
        et = service.et
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(et.table).where(et.table.c[et.pk] == service.parse_id(account.user_id))
            )).mappings().first()  # fmt: skip
        return {str(k): to_json(v) for k, v in row.items()} if row else {}

    # -- signing in and out -----------------------------------------------------------------

    def device_cookie(self, email: str) -> str:
        """Proof, kept by a browser, that it signed in to this account before."""
        nonce = uuid.uuid4().hex
        return f"{nonce}.{self.keys.mac('device', normalize_email(email) + ':' + nonce)}"

    def _trusted_device(self, email: str, device: str | None) -> str | None:
        nonce, _, mac = (device or "").partition(".")
        if nonce and mac and self.keys.verify("device", email + ":" + nonce, mac):
            return nonce
        return None

    async def login(self, email: str, password: str, address: str, device: str | None) -> Account:
        """The account for these credentials. The attempt is counted before the password
        is checked (see ``throttle``); unknown emails and wrong passwords look the same."""
        email = normalize_email(email or "")[:320]
        nonce = self._trusted_device(email, device)
        per_account = (LOGIN_DEVICE, f"{email}:{nonce}") if nonce else (LOGIN_ACCOUNT, email)
        ticket = await self.throttle.take((LOGIN_ADDRESS, address), per_account, message=TOO_MANY)
        account = await self.accounts.by_email(email) if email else None
        ok = await self.passwords.verify(account.password_hash if account else None, password)
        if not ok or account is None or not account.is_active:
            raise Unauthenticated(BAD_LOGIN)
        await self.throttle.give_back(ticket)
        return account

    async def start_session(self, account: Account, old_cookie: str | None = None) -> str:
        """A fresh session (never the old one: no fixation); its cookie value."""
        if old_cookie:
            await self.sessions.delete(old_cookie)
        return await self.sessions.create(str(account.id), await self.session_data(account),
                                          self.ttl)  # fmt: skip

    async def end_session(self, cookie: str | None) -> None:
        if cookie:
            await self.sessions.delete(cookie)

    async def change_password(self, account_id: str, current: str, new: str) -> Account:
        """Check the current password (counted like sign-ins, so a stolen session cannot
        guess it quickly), set the new one, and sign the account out everywhere."""
        account = await self.accounts.get(account_id)
        if account is None:
            raise Unauthenticated("sign in to continue")
        ticket = await self.throttle.take((PASSWORD_CHANGE, account_id), message=TOO_MANY)
        if not await self.passwords.verify(account.password_hash, current):
            raise ValidationFailed.fields(
                [{"field": "current_password", "message": "is not your current password"}]
            )
        await self.throttle.give_back(ticket)
        await self.accounts.set_password(account.id, new)
        await self.revoke(str(account.id))
        return account

    async def revoke(self, account_id: str, *, tokens: bool = True) -> None:
        """Sign an account out everywhere, on every worker: every session and (unless
        ``tokens`` is False, as for a change of roles) every API token."""
        await self.sessions.revoke_account(account_id)
        if tokens:
            await self.tokens.revoke_all(uuid.UUID(account_id))
        else:
            await self.tokens.forget_account(uuid.UUID(account_id))
        await self.kv.delete(f"dazzle:principal:{account_id}")

    async def refresh(self, account_id: str) -> None:
        """Forget cached views of an account (its roles or linked row changed)."""
        await self.kv.delete(f"dazzle:principal:{account_id}")

    def landing(self, account: Account) -> str:
        """Where to go after sign-in (as published): the first of the account's personas
        with a ``default_route``, else ``/app``, which sends each persona on to its default
        workspace. The UI serves every ``default_route`` (see dazzle_ui.routes)."""
        for persona in self.spec.personas.values():
            if persona.id in account.roles and persona.default_route:
                return persona.default_route
        return "/app"
