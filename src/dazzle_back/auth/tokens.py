"""Named API tokens: shown once, stored hashed, usable as ``Authorization: Bearer``.

Lookups are cached in the shared store for a minute; revoking a token (or deactivating its
account) deletes the cache entry too, so every worker refuses it at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle_back.db.engine import writer
from dazzle_back.db.framework import TOKENS
from dazzle_back.db.schema import SchemaModel
from dazzle_back.errors import NotFound, ValidationFailed
from dazzle_back.kv import KV

PREFIX = "dzl_"
CACHE_SECONDS = 60


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, engine: AsyncEngine, schema: SchemaModel, kv: KV) -> None:
        self.engine = engine
        self.writer = writer(engine)
        self.table = schema.framework[TOKENS]
        self.kv = kv

    async def create(self, account_id: uuid.UUID, name: str) -> tuple[str, dict[str, Any]]:
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationFailed.fields([{"field": "name", "message": "needs 1-100 characters"}])
        token = PREFIX + secrets.token_urlsafe(32)
        row = {"id": uuid.uuid4(), "account_id": account_id, "name": name,
               "token_hash": token_hash(token), "prefix": token[: len(PREFIX) + 6],
               "created_at": datetime.now(UTC)}  # fmt: skip
        async with self.writer.begin() as conn:
            await conn.execute(self.table.insert().values(**row))
        return token, self._public(row)

    @staticmethod
    def _public(row: Any) -> dict[str, Any]:
        get = row.get if isinstance(row, dict) else row._mapping.get
        last = get("last_used_at")
        return {
            "id": str(get("id")),
            "name": get("name"),
            "prefix": get("prefix"),
            "created_at": _iso(get("created_at")) if get("created_at") else None,
            "last_used_at": _iso(last) if last else None,
        }

    async def list(self, account_id: uuid.UUID) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(self.table).where(self.table.c.account_id == account_id)
                .order_by(self.table.c.created_at)
            )).all()  # fmt: skip
        return [self._public(r) for r in rows]

    async def revoke(self, account_id: uuid.UUID, token_id: str) -> None:
        try:
            key = uuid.UUID(token_id)
        except ValueError:
            raise NotFound("no such token") from None
        async with self.writer.begin() as conn:
            row = (await conn.execute(
                select(self.table.c.token_hash).where(
                    self.table.c.id == key, self.table.c.account_id == account_id)
            )).first()  # fmt: skip
            if row is None:
                raise NotFound("no such token")
            await conn.execute(self.table.delete().where(self.table.c.id == key))
        await self.kv.delete(f"dazzle:token:{row.token_hash}")

    async def revoke_all(self, account_id: uuid.UUID) -> int:
        """Delete every token of an account (a password change or reset: whoever held
        the old password may have made one); returns how many there were."""
        await self.forget_account(account_id)
        async with self.writer.begin() as conn:
            done = await conn.execute(
                self.table.delete().where(self.table.c.account_id == account_id)
            )
        return int(done.rowcount or 0)

    async def forget_account(self, account_id: uuid.UUID) -> None:
        """Drop cached lookups of an account's tokens (after deactivation)."""
        async with self.engine.connect() as conn:
            hashes = (await conn.execute(
                select(self.table.c.token_hash).where(self.table.c.account_id == account_id)
            )).scalars().all()  # fmt: skip
        if hashes:
            await self.kv.delete(*(f"dazzle:token:{h}" for h in hashes))

    async def account_for(self, token: str) -> str | None:
        """The account id a token belongs to, or None."""
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        digest = token_hash(token)
        cached = await self.kv.get(f"dazzle:token:{digest}")
        if cached is not None:
            value = json.loads(cached)
            return value or None
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                select(self.table.c.account_id).where(self.table.c.token_hash == digest)
            )).first()  # fmt: skip
        account = str(row.account_id) if row else ""
        await self.kv.set(f"dazzle:token:{digest}", json.dumps(account), ttl=CACHE_SECONDS)
        return account or None


def _iso(value: Any) -> str:
    return str(value.isoformat()).replace("+00:00", "Z")
