"""Numbers over an entity's rows for dashboards: ``count/sum/avg/min/max`` with a ``where``,
and counts per value of a field. Always in SQL and always within what the caller may list,
so a KPI tile never counts rows its reader could not open."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from dazzle.expr.nodes import Node
from dazzle.ir.entity import FieldKind
from dazzle_back.access.rules import condition_sql
from dazzle_back.errors import ValidationFailed
from dazzle_back.services.coerce import money_amount
from dazzle_back.services.entity import EntityService
from dazzle_back.services.principal import Principal

FUNCS: dict[str, Callable[..., ColumnElement[Any]]] = {
    "count": func.count,
    "sum": func.sum,
    "avg": func.avg,
    "min": func.min,
    "max": func.max,
}


def condition(service: EntityService, node: Node, who: Principal) -> ColumnElement[bool]:
    """A DSL condition on this entity as SQL, evaluated for the caller."""
    return condition_sql(service.schema, service.et, node, who)


def listable(
    service: EntityService, who: Principal, *extra: ColumnElement[bool] | None
) -> ColumnElement[bool] | None:
    """The caller's list rule and any extra conditions, joined (None: every row)."""
    clauses = [c for c in (service.access.clause("list", who), *extra) if c is not None]
    return and_(*clauses) if clauses else None


async def aggregate(
    service: EntityService,
    fn: str,
    field: str | None,
    who: Principal,
    where: ColumnElement[bool] | None = None,
) -> Any:
    """One number: ``count`` of rows or ``fn`` of a field's values (money in its currency)."""
    if fn not in FUNCS:
        raise ValidationFailed(f"unknown aggregate {fn!r}")
    t = service.et.table
    f = service.entity.get_field(field) if field else None
    money = f is not None and f.type.kind is FieldKind.MONEY
    if fn == "count" and (field is None or f is None):
        target: Any = func.count()
    elif f is not None and (money or f.name in t.c):
        col = t.c[service.et.money[f.name][0]] if money else t.c[f.name]
        target = FUNCS[fn](col)
    else:
        return None  # not a stored column (a computed field): nothing to add up in SQL
    stmt = select(target).select_from(t)
    clause = listable(service, who, where)
    if clause is not None:
        stmt = stmt.where(clause)
    async with service.engine.connect() as conn:
        value = (await conn.execute(stmt)).scalar()
    if money and value is not None and f is not None:
        return money_amount(int(Decimal(value)), f.type.currency or "GBP")
    if fn == "avg" and value is not None:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


async def group_counts(
    service: EntityService,
    field: str,
    who: Principal,
    where: ColumnElement[bool] | None = None,
) -> dict[Any, int]:
    """Rows per value of ``field`` (missing values under None)."""
    t = service.et.table
    col = t.c[field]
    stmt = select(col, func.count()).select_from(t).group_by(col)
    clause = listable(service, who, where)
    if clause is not None:
        stmt = stmt.where(clause)
    async with service.engine.connect() as conn:
        return {row[0]: int(row[1]) for row in await conn.execute(stmt)}
