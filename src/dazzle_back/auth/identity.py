"""The user entity's rows are identities once an account is linked to them.

Whatever rules the app gives its user entity (often none: any signed-in user may edit
it), the email of a row that belongs to an account may be changed only by that account
or a superuser, and the account's email follows in the same transaction, so the two never
disagree. Such a row is deleted only by a superuser, which also deactivates the account.
Emails are stored lower-cased, so the entity's uniqueness and account lookup agree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from dazzle_back.auth.accounts import TAKEN, email_problem, normalize_email
from dazzle_back.errors import Forbidden, UniqueViolation, ValidationFailed
from dazzle_back.services.principal import Principal

if TYPE_CHECKING:
    from dazzle_back.auth.service import Auth


class IdentityGuard:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth
        self.accounts = auth.accounts
        self.field = auth.accounts.email_field
        entity = auth.accounts.user_entity
        assert entity is not None
        self.title = entity.title
        self.pk = auth.services[entity.name].et.pk

    def _normalize(self, values: dict[str, Any]) -> None:
        if self.field and isinstance(values.get(self.field), str):
            values[self.field] = normalize_email(values[self.field])

    async def before_create(
        self, conn: AsyncConnection, values: dict[str, Any], principal: Principal
    ) -> Callable[[], Awaitable[None]] | None:
        self._normalize(values)
        return None

    async def before_update(
        self,
        conn: AsyncConnection,
        old: Mapping[str, Any],
        values: dict[str, Any],
        principal: Principal,
    ) -> Callable[[], Awaitable[None]] | None:
        self._normalize(values)
        if self.field is None or self.field not in values:
            return None
        new = values[self.field]
        if new == normalize_email(str(old.get(self.field) or "")):
            return None
        account = await self.accounts.linked_to(conn, old[self.pk])
        if account is None:
            return None
        if not (principal.superuser or principal.account_id == str(account.id)):
            raise Forbidden(
                f"only the account holder or a superuser may change the email of this "
                f"{self.title}: it signs in with it"
            )
        if not isinstance(new, str) or email_problem(new):
            raise ValidationFailed.fields(
                [{"field": self.field, "message": "is not a valid email"}]
            )
        t = self.accounts.table
        clash = await conn.execute(select(t.c.id).where(t.c.email == new, t.c.id != account.id))
        if clash.first() is not None:
            raise UniqueViolation(TAKEN, errors=[{"field": self.field, "message": "is taken"}])
        await conn.execute(
            t.update().where(t.c.id == account.id).values(email=new, updated_at=datetime.now(UTC))
        )
        account_id = str(account.id)
        return lambda: self.auth.refresh(account_id)

    async def before_delete(
        self, conn: AsyncConnection, old: Mapping[str, Any], principal: Principal
    ) -> Callable[[], Awaitable[None]] | None:
        account = await self.accounts.linked_to(conn, old[self.pk])
        if account is None:
            return None
        if not principal.superuser:
            raise Forbidden(
                f"this {self.title} belongs to the account {account.email}: only a superuser "
                "may delete it"
            )
        t = self.accounts.table
        await conn.execute(
            t.update()
            .where(t.c.id == account.id)
            .values(user_id=None, is_active=False, updated_at=datetime.now(UTC))
        )
        account_id = str(account.id)
        return lambda: self.auth.revoke(account_id)
