"""One-time links sent by email: confirm a sign-up, accept an invitation, reset a password.

The link carries a random token; the database keeps only its keyed hash, the purpose, the
address it was sent to and what redeeming it does. A link works once, before it expires.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dazzle_back.auth.keys import Keys
from dazzle_back.db.engine import writer
from dazzle_back.db.framework import LINKS
from dazzle_back.db.schema import SchemaModel
from dazzle_back.errors import NotFound

SIGNUP, INVITE, RESET = "signup", "invite", "reset"
LIFETIMES = {SIGNUP: timedelta(hours=24), INVITE: timedelta(days=7), RESET: timedelta(hours=1)}
EXPIRED = "this link has expired or was already used: ask for a new one"


@dataclass(frozen=True)
class Link:
    purpose: str
    email: str
    data: dict[str, Any]


class Links:
    def __init__(self, engine: AsyncEngine, schema: SchemaModel, keys: Keys) -> None:
        self.engine = engine
        self.writer = writer(engine)
        self.table = schema.framework[LINKS]
        self.keys = keys

    def _id(self, token: str) -> str:
        return self.keys.digest("links", token)

    def _ids(self, token: str) -> list[str]:
        """Where the link may be stored: under the current key or, issued before a key
        rotation, a fallback key."""
        return self.keys.digests("links", token)

    async def issue(self, purpose: str, email: str, data: dict[str, Any]) -> str:
        """A new token; earlier unused links of the same purpose for the address stop
        working (only the latest email counts)."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        t = self.table
        async with self.writer.begin() as conn:
            await conn.execute(
                delete(t).where(
                    (t.c.expires_at < now) | and_(t.c.email == email, t.c.purpose == purpose)
                )
            )
            await conn.execute(t.insert().values(
                id=self._id(token), purpose=purpose, email=email, data=data, created_at=now,
                expires_at=now + LIFETIMES[purpose]))  # fmt: skip
        return token

    async def peek(self, purpose: str, token: str) -> Link:
        """The link's content without using it up (to show its page); NotFound if gone."""
        async with self.engine.connect() as conn:
            return await self._live(conn, purpose, token)

    async def redeem(self, purpose: str, token: str) -> Link:
        """Use the link up (once, even for concurrent requests); ``restore`` it when what
        it was for fails, so the owner can try again."""
        t = self.table
        async with self.writer.begin() as conn:
            link = await self._live(conn, purpose, token)
            done = await conn.execute(
                t.update()
                .where(t.c.id.in_(self._ids(token)), t.c.used_at.is_(None))
                .values(used_at=datetime.now(UTC))
            )
            if done.rowcount != 1:  # redeemed by a concurrent request
                raise NotFound(EXPIRED)
        return link

    async def restore(self, token: str) -> None:
        t = self.table
        async with self.writer.begin() as conn:
            await conn.execute(t.update().where(t.c.id.in_(self._ids(token))).values(used_at=None))

    async def _live(self, conn: AsyncConnection, purpose: str, token: str) -> Link:
        if not token or len(token) > 100:
            raise NotFound(EXPIRED)
        t = self.table
        row = (
            await conn.execute(
                select(t.c.email, t.c.data, t.c.expires_at, t.c.used_at).where(
                    t.c.id.in_(self._ids(token)), t.c.purpose == purpose
                )
            )
        ).first()
        if row is None or row.used_at is not None or row.expires_at <= datetime.now(UTC):
            raise NotFound(EXPIRED)
        return Link(purpose, row.email, dict(row.data))
