"""Framework-owned accounts, each linked to at most one row of the app's user entity.

``current_user`` in rules means the linked row's id, so ``assigned_to = current_user``
works as authors expect. Who may make that link matters: it decides whose records an
account acts on. A link is made only by whoever creates the account on the owner's
behalf (``dazzle user create``, an invitation) or by a confirmed sign-up (the owner proved
the address): then a row with the account's email and no account yet is taken over,
otherwise a new row is created with the account, its required fields filled from the
account. A row that belongs to an account is never linked to a second one (the database
refuses it too: ``user_id`` is unique).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Entity, FieldKind
from dazzle.manifest import AuthConfig
from dazzle_back.auth.passwords import Passwords, password_problem
from dazzle_back.db.engine import writer
from dazzle_back.db.framework import ACCOUNTS
from dazzle_back.db.schema import SchemaModel
from dazzle_back.errors import DomainError, NotFound, UniqueViolation, ValidationFailed
from dazzle_back.services.entity import EntityService
from dazzle_back.services.principal import Principal

_EMAIL_MAX = 320
_NAME_FIELDS = ("name", "full_name", "display_name", "username", "title", "label")
TAKEN = "an account with this email already exists"


@dataclass
class Account:
    id: uuid.UUID
    email: str
    roles: list[str]
    is_active: bool
    is_superuser: bool
    user_id: str | None
    password_hash: str | None = field(default=None, repr=False)

    def public(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "email": self.email,
            "roles": self.roles,
            "is_active": self.is_active,
            "is_superuser": self.is_superuser,
            "user_id": self.user_id,
        }


def normalize_email(email: str) -> str:
    """Emails identify accounts case-insensitively: stored and compared lower-cased."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    local, _, domain = email.partition("@")
    if (
        not local
        or "." not in domain
        or domain.startswith(".")
        or domain.endswith(".")
        or any(c.isspace() for c in email)
        or "@" in domain
        or len(email) > _EMAIL_MAX
    ):
        return "is not a valid email"
    return None


def user_entity(spec: AppSpec, config: AuthConfig) -> Entity | None:
    name = config.user_entity or ("User" if "User" in spec.entities else None)
    return spec.entities.get(name) if name else None


def identity_field(entity: Entity | None) -> str | None:
    """The user entity's field that holds the account's email."""
    if entity is None:
        return None
    by_name = entity.get_field("email")
    if by_name is not None and not by_name.type.is_virtual:
        return by_name.name
    return next((f.name for f in entity.fields if f.type.kind is FieldKind.EMAIL), None)


class AccountStore:
    def __init__(
        self,
        spec: AppSpec,
        schema: SchemaModel,
        engine: AsyncEngine,
        config: AuthConfig,
        services: dict[str, EntityService],
        passwords: Passwords,
    ) -> None:
        self.table = schema.framework[ACCOUNTS]
        self.engine = engine
        self.writer = writer(engine)
        self.config = config
        self.services = services
        self.passwords = passwords
        self.user_entity = user_entity(spec, config)
        self.email_field = identity_field(self.user_entity)

    @staticmethod
    def _row(row: Any) -> Account:
        roles = row.roles if isinstance(row.roles, list) else []
        return Account(row.id, row.email, roles, row.is_active, row.is_superuser, row.user_id,
                       row.password_hash)  # fmt: skip

    async def get(self, account_id: Any) -> Account | None:
        try:
            key = account_id if isinstance(account_id, uuid.UUID) else uuid.UUID(str(account_id))
        except ValueError:
            return None
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(self.table).where(self.table.c.id == key))).first()
        return self._row(row) if row else None

    async def by_email(self, email: str) -> Account | None:
        async with self.engine.connect() as conn:
            return await self.by_email_in(conn, email)

    async def by_email_in(self, conn: AsyncConnection, email: str) -> Account | None:
        t = self.table
        row = (await conn.execute(select(t).where(t.c.email == normalize_email(email)))).first()
        return self._row(row) if row else None

    async def linked_to(self, conn: AsyncConnection, user_id: Any) -> Account | None:
        """The account a user-entity row belongs to, if any."""
        t = self.table
        row = (await conn.execute(select(t).where(t.c.user_id == str(user_id)))).first()
        return self._row(row) if row else None

    async def all(self) -> list[Account]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(self.table).order_by(self.table.c.email))).all()
        return [self._row(r) for r in rows]

    async def count(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(self.table))).scalar()
                       or 0)  # fmt: skip

    def check_password(self, password: str, email: str | None = None) -> None:
        problem = password_problem(password, self.config.password_min_length, email)
        if problem:
            raise ValidationFailed.fields([{"field": "password", "message": problem}])

    def check_email(self, email: str) -> str:
        email = normalize_email(email)
        problem = email_problem(email)
        if problem:
            raise ValidationFailed.fields([{"field": "email", "message": problem}])
        return email

    async def create(
        self,
        email: str,
        password: str | None,
        roles: list[str],
        *,
        superuser: bool = False,
        name: str | None = None,
        password_hash: str | None = None,
    ) -> Account:
        """An account for ``email``, linked to the user row with that email when it has no
        account yet, or to a new row. Only callers acting for the owner create accounts
        (the CLI, an accepted invitation, a confirmed sign-up)."""
        email = self.check_email(email)
        if password is not None:
            self.check_password(password, email)
        if await self.by_email(email) is not None:
            raise UniqueViolation(TAKEN, errors=[{"field": "email", "message": "is already taken"}])
        user_id, created_row = await self._link_user(email, name, roles)
        now = datetime.now(UTC)
        account = Account(uuid.uuid4(), email, list(roles), True, superuser, user_id)
        hashed = password_hash
        if password is not None:
            hashed = await self.passwords.hash(password)
        try:
            async with self.writer.begin() as conn:
                await conn.execute(self.table.insert().values(
                    id=account.id, email=email, password_hash=hashed, roles=list(roles),
                    is_active=True, is_superuser=superuser, user_id=user_id, created_at=now,
                    updated_at=now))  # fmt: skip
        except IntegrityError:  # a concurrent create for the same email or row won
            if created_row and self.user_entity is not None:
                await self.services[self.user_entity.name].delete(created_row, Principal.system())
            raise UniqueViolation(TAKEN) from None
        account.password_hash = hashed
        return account

    async def _link_user(self, email: str, name: str | None, roles: list[str]) -> tuple[
            str | None, str | None]:  # fmt: skip
        """(linked row id, id of a row created here, so it can be undone)."""
        entity, email_field = self.user_entity, self.email_field
        if entity is None or email_field is None:
            return None, None
        service = self.services[entity.name]
        et = service.et
        async with self.engine.connect() as conn:
            found = (await conn.execute(
                select(et.table.c[et.pk]).where(func.lower(et.table.c[email_field]) == email)
            )).first()  # fmt: skip
            if found is not None:
                if await self.linked_to(conn, found[0]) is not None:
                    raise UniqueViolation(
                        f"the {entity.title} record with this email belongs to another account",
                        errors=[{"field": "email", "message": "is already taken"}],
                    )
                return str(found[0]), None
        values = self._new_row(entity, email_field, email, name, roles)
        try:
            record = await service.create(values, Principal.system())
        except DomainError as exc:
            raise ValidationFailed(
                f"cannot create the linked {entity.title} record: {exc.detail}",
                errors=exc.errors,
            ) from None
        return str(record[et.pk]), str(record[et.pk])

    @staticmethod
    def _new_row(
        entity: Entity, email_field: str, email: str, name: str | None, roles: list[str]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {email_field: email}
        label = name or email.split("@", 1)[0]
        display = entity.display_field.name if entity.display_field else None
        for f in entity.fields:
            if f.name in values or f.pk or f.auto_add or f.auto_update or f.type.is_virtual:
                continue
            if (
                f.type.kind in (FieldKind.STR, FieldKind.TEXT)
                and (f.name in _NAME_FIELDS or f.name == display)
                and (f.required or f.name == display)
            ):
                values[f.name] = label[: f.type.max_length or len(label)]
            elif (
                f.type.kind is FieldKind.ENUM
                and f.name == "role"
                and roles
                and (roles[0] in f.type.enum_values)
            ):
                values[f.name] = roles[0]
        return values

    async def _update(self, account_id: uuid.UUID, **values: Any) -> None:
        values["updated_at"] = datetime.now(UTC)
        async with self.writer.begin() as conn:
            result = await conn.execute(
                self.table.update().where(self.table.c.id == account_id).values(**values)
            )
            if result.rowcount == 0:
                raise NotFound("no such account")

    async def set_roles(self, account_id: uuid.UUID, roles: list[str]) -> None:
        await self._update(account_id, roles=list(roles))

    async def set_active(self, account_id: uuid.UUID, active: bool) -> None:
        await self._update(account_id, is_active=active)

    async def set_superuser(self, account_id: uuid.UUID, superuser: bool) -> None:
        await self._update(account_id, is_superuser=superuser)

    async def set_password(self, account_id: uuid.UUID, password: str) -> None:
        account = await self.get(account_id)
        if account is None:
            raise NotFound("no such account")
        self.check_password(password, account.email)
        await self._update(account_id, password_hash=await self.passwords.hash(password))

    async def set_email(self, account_id: uuid.UUID, email: str) -> None:
        """Change an account's email and its user row's together (the row's identity
        guard moves the account's along inside the same transaction)."""
        email = self.check_email(email)
        account = await self.get(account_id)
        if account is None:
            raise NotFound("no such account")
        if self.user_entity is not None and self.email_field and account.user_id is not None:
            service = self.services[self.user_entity.name]
            await service.update(account.user_id, {self.email_field: email}, Principal.system())
            return
        try:
            await self._update(account_id, email=email)
        except IntegrityError:
            raise UniqueViolation(TAKEN) from None


def principal_for(account: Account, auth_enabled: bool = True) -> Principal:
    return Principal(
        user_id=account.user_id or str(account.id),
        account_id=str(account.id),
        email=account.email,
        roles=frozenset(account.roles),
        superuser=account.is_superuser,
        authenticated=True,
        auth_enabled=auth_enabled,
    )
