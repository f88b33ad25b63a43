"""Extra checks other services hang on an entity's writes (the account store guards the
user entity's email). They run inside the write's transaction, after the stored row is
locked, so what they check and change commits or rolls back with the write. What must wait for the
commit (signing an account out, dropping caches) they return as an action the service
runs once the transaction has committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from dazzle_back.services.principal import Principal

AfterCommit = Callable[[], Awaitable[None]] | None


class WriteGuard(Protocol):
    async def before_create(
        self, conn: AsyncConnection, values: dict[str, Any], principal: Principal
    ) -> AfterCommit:
        """May refuse (raise a DomainError) or adjust ``values``."""
        ...

    async def before_update(
        self,
        conn: AsyncConnection,
        old: Mapping[str, Any],
        values: dict[str, Any],
        principal: Principal,
    ) -> AfterCommit: ...

    async def before_delete(
        self, conn: AsyncConnection, old: Mapping[str, Any], principal: Principal
    ) -> AfterCommit: ...
