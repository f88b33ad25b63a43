"""Database integrity errors, translated to the contract's typed errors.

The service checks what it can before writing, but the database is the final word (two
requests racing for one unique email): its errors are read here, on both dialects.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from dazzle_back.db.schema import EntityTable
from dazzle_back.errors import (
    DomainError,
    ReferenceViolation,
    RestrictedDelete,
    UniqueViolation,
    ValidationFailed,
)

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_SQLITE_NOT_NULL = re.compile(r"NOT NULL constraint failed: \S+\.(\w+)")


def _pg_error(exc: IntegrityError) -> tuple[str | None, str | None]:
    orig = exc.orig
    cause = getattr(orig, "__cause__", None) or orig
    state = getattr(cause, "sqlstate", None) or getattr(orig, "sqlstate", None)
    constraint = getattr(cause, "constraint_name", None)
    return state, constraint


def _fields_from_constraint(et: EntityTable, name: str | None) -> list[str]:
    if not name:
        return []
    prefix = f"uq_{et.table.name}_"
    if name.startswith(prefix):
        rest = name[len(prefix) :]
        fields = [c.name for c in et.table.c if c.name in rest]
        return fields or [rest]
    return []


def translate(et: EntityTable, exc: IntegrityError) -> DomainError:
    title = et.entity.title
    message = str(exc.orig)
    state, constraint = _pg_error(exc)
    unique = state == "23505" or "UNIQUE constraint failed" in message
    if unique:
        fields = _fields_from_constraint(et, constraint)
        m = _SQLITE_UNIQUE.search(message)
        if m:
            fields = [part.split(".")[-1] for part in m.group(1).split(", ")]
        names = ", ".join(fields) or "a unique field"
        return UniqueViolation(
            f"another {title} already has this {names}",
            errors=[{"field": f, "message": "is already taken"} for f in fields],
        )
    if state == "23503" or "FOREIGN KEY constraint failed" in message:
        if "delete" in str(exc.statement or "").lower():
            return RestrictedDelete(f"this {title} is still referenced by other records")
        return ReferenceViolation(f"a reference of this {title} points to a missing record")
    if state == "23502" or "NOT NULL constraint failed" in message:
        m = _SQLITE_NOT_NULL.search(message)
        column = (
            m.group(1) if m else getattr(getattr(exc.orig, "__cause__", None), "column_name", None)
        )
        return ValidationFailed.fields([{"field": column or "?", "message": "is required"}])
    if state == "23514" or "CHECK constraint failed" in message:
        return ValidationFailed.fields([{"field": "", "message": "a value is not allowed"}])
    return ValidationFailed.fields([{"field": "", "message": "the record breaks a constraint"}])
