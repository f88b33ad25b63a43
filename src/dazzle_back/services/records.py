"""Rows to records: computed fields, money, and the JSON shape the API returns.

Row-local computed fields (``days_since``, arithmetic) are evaluated here in Python; child
aggregates (``count(Child)``, ``sum(Child.f)``) arrive computed by SQL in the same query.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from dazzle.expr.evaluate import EvalContext, EvalError, aggregate_key, evaluate
from dazzle.expr.nodes import ChildAggregate, walk
from dazzle.ir.entity import FieldKind
from dazzle_back.db.compile import Compiler, SqlContext
from dazzle_back.db.schema import EntityTable, SchemaModel
from dazzle_back.services.coerce import money_amount


def child_aggregates(et: EntityTable) -> list[ChildAggregate]:
    seen: dict[str, ChildAggregate] = {}
    for c in et.entity.computed:
        for n in walk(c.expr):
            if isinstance(n, ChildAggregate):
                seen.setdefault(aggregate_key(n), n)
    return list(seen.values())


def record_select(schema: SchemaModel, et: EntityTable) -> Select[Any]:
    """All columns of the entity plus one labelled sub-select per child aggregate. Built once
    per entity at boot; requests add their WHERE, ORDER BY and LIMIT to it."""
    cols: list[ColumnElement[Any]] = list(et.table.c)
    aggs = child_aggregates(et)
    if aggs:
        compiler = Compiler(SqlContext.current(schema), et)
        cols += [compiler.aggregate(a).label(aggregate_key(a)) for a in aggs]
    return select(*cols)


def to_json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return str(value)


def build_record(
    et: EntityTable, row: Mapping[Any, Any], ctx: EvalContext, *, computed: bool = True
) -> dict[str, Any]:
    """A Python-valued record: stored fields, money amounts, computed fields (left out for
    referenced records, which are summaries)."""
    record: dict[str, Any] = {}
    for f in et.entity.fields:
        if f.type.is_virtual:
            continue
        if f.type.kind is FieldKind.MONEY:
            minor_col, cur_col = et.money[f.name]
            minor, cur = row.get(minor_col), row.get(cur_col) or f.type.currency or "GBP"
            record[minor_col] = minor
            record[cur_col] = cur
            record[f.name] = money_amount(minor, cur)
        elif f.name in row:
            record[f.name] = row[f.name]
    if computed and et.entity.computed:
        scope = dict(record)
        for a in child_aggregates(et):
            key = aggregate_key(a)
            scope[key] = row.get(key, 0 if a.func == "count" else None)
        for c in et.entity.computed:
            try:
                value = evaluate(c.expr, scope, ctx)
            except (EvalError, TypeError, ArithmeticError):
                value = None
            record[c.name] = value
            scope[c.name] = value
    return record


def record_json(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_json(v) for k, v in record.items()}


def ref_ids(et: EntityTable, records: Sequence[Mapping[str, Any]]) -> dict[str, set[Any]]:
    """For each ref field, the target ids the records point at."""
    out: dict[str, set[Any]] = {}
    for name in et.refs:
        ids = {r.get(name) for r in records} - {None}
        if ids:
            out[name] = ids
    return out
