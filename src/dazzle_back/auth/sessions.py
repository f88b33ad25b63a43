"""Server-side sessions: in Redis when ``REDIS_URL`` is set, in the database otherwise.

The cookie carries an opaque random id; the store keys on its HMAC under the session key
(derived from ``DAZZLE_SECRET_KEY``), so reading the store never yields a usable cookie,
and rotating the secret key ends every session. Each account's sessions are indexed, so a
password change or a deactivation revokes all of them at once, on every worker.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle_back.auth.keys import Keys
from dazzle_back.db.engine import writer
from dazzle_back.db.framework import SESSIONS
from dazzle_back.db.schema import SchemaModel
from dazzle_back.kv import KV


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class SessionStore(Protocol):
    async def create(self, account_id: str, data: dict[str, Any], ttl: float) -> str: ...

    async def get(self, cookie_value: str) -> dict[str, Any] | None: ...

    async def delete(self, cookie_value: str) -> None: ...

    async def revoke_account(self, account_id: str) -> None: ...


class RedisSessions:
    def __init__(self, kv: KV, keys: Keys) -> None:
        self.kv = kv
        self.keys = keys

    def _key(self, cookie_value: str) -> str:
        return self.keys.digest("session", cookie_value)

    async def create(self, account_id: str, data: dict[str, Any], ttl: float) -> str:
        value = new_session_id()
        key = self._key(value)
        await self.kv.set(f"dazzle:session:{key}", json.dumps({**data, "account_id": account_id}),
                          ttl=ttl)  # fmt: skip
        await self.kv.sadd(f"dazzle:account-sessions:{account_id}", key, ttl=ttl)
        return value

    async def _find(self, cookie_value: str) -> tuple[str, dict[str, Any]] | None:
        """The session's store key and data; a session started before a key rotation is
        found under its fallback key (one more lookup, only for unknown cookies)."""
        for key in self.keys.digests("session", cookie_value):
            raw = await self.kv.get(f"dazzle:session:{key}")
            if raw:
                return key, json.loads(raw)
        return None

    async def get(self, cookie_value: str) -> dict[str, Any] | None:
        found = await self._find(cookie_value)
        return found[1] if found else None

    async def delete(self, cookie_value: str) -> None:
        found = await self._find(cookie_value)
        if found:
            key, data = found
            await self.kv.delete(f"dazzle:session:{key}")
            await self.kv.srem(f"dazzle:account-sessions:{data['account_id']}", key)

    async def revoke_account(self, account_id: str) -> None:
        index = f"dazzle:account-sessions:{account_id}"
        keys = await self.kv.smembers(index)
        await self.kv.delete(*(f"dazzle:session:{k}" for k in keys), index)


class DatabaseSessions:
    def __init__(self, engine: AsyncEngine, schema: SchemaModel, keys: Keys) -> None:
        self.keys = keys
        self.engine = engine
        self.writer = writer(engine)
        self.table = schema.framework[SESSIONS]

    def _key(self, cookie_value: str) -> str:
        return self.keys.digest("session", cookie_value)

    async def create(self, account_id: str, data: dict[str, Any], ttl: float) -> str:
        value = new_session_id()
        expires = datetime.now(UTC) + timedelta(seconds=ttl)
        async with self.writer.begin() as conn:
            stale = self.table.c.expires_at < datetime.now(UTC)
            await conn.execute(self.table.delete().where(stale))
            await conn.execute(self.table.insert().values(
                id=self._key(value), account_id=uuid.UUID(account_id),
                data={**data, "account_id": account_id}, expires_at=expires))  # fmt: skip
        return value

    async def get(self, cookie_value: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(self.table.c.data, self.table.c.expires_at)
                .where(self.table.c.id.in_(self.keys.digests("session", cookie_value)))
            )).first()  # fmt: skip
        if row is None or row.expires_at <= datetime.now(UTC):
            return None
        return dict(row.data)

    async def delete(self, cookie_value: str) -> None:
        async with self.writer.begin() as conn:
            keys = self.keys.digests("session", cookie_value)
            await conn.execute(delete(self.table).where(self.table.c.id.in_(keys)))

    async def revoke_account(self, account_id: str) -> None:
        async with self.writer.begin() as conn:
            await conn.execute(
                delete(self.table).where(self.table.c.account_id == uuid.UUID(account_id))
            )
