"""Rows to records: computed fields, money, and the JSON shape the API returns.

Row-local computed fields (``days_since``, arithmetic) are evaluated here in Python; child
aggregates (``count(Child)``, ``sum(Child.f)``) arrive computed by SQL in the same query.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
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


@dataclass(frozen=True, slots=True)
class RecordPlan:
    """How one entity's rows become records, worked out once per table (a page builds
    dozens of records per request)."""

    plain: tuple[str, ...]  # stored fields read as they are
    money: tuple[tuple[str, str, str, str], ...]  # (field, minor column, currency column, default)
    aggregates: tuple[tuple[str, Any], ...]  # (key, value when the row has none)
    computed: tuple[tuple[str, Any], ...]  # (field, expression)


_PLANS: dict[int, RecordPlan] = {}


def record_plan(et: EntityTable) -> RecordPlan:
    plan = _PLANS.get(id(et))
    if plan is None:
        fields = [f for f in et.entity.fields if not f.type.is_virtual]
        plan = RecordPlan(
            plain=tuple(f.name for f in fields if f.type.kind is not FieldKind.MONEY),
            money=tuple(
                (f.name, *et.money[f.name], f.type.currency or "GBP")
                for f in fields
                if f.type.kind is FieldKind.MONEY
            ),
            aggregates=tuple(
                (aggregate_key(a), 0 if a.func == "count" else None) for a in child_aggregates(et)
            ),
            computed=tuple((c.name, c.expr) for c in et.entity.computed),
        )
        _PLANS[id(et)] = plan
    return plan


def build_record(
    et: EntityTable, row: Mapping[Any, Any], ctx: EvalContext, *, computed: bool = True
) -> dict[str, Any]:
    """A Python-valued record: stored fields, money amounts, computed fields (left out for
    referenced records, which are summaries)."""
    plan = record_plan(et)
    try:  # rows come from selects of the whole table: every stored field is there
        record: dict[str, Any] = {name: row[name] for name in plan.plain}
    except KeyError:
        record = {name: row[name] for name in plan.plain if name in row}
    for name, minor_col, cur_col, default_cur in plan.money:
        minor, cur = row.get(minor_col), row.get(cur_col) or default_cur
        record[minor_col] = minor
        record[cur_col] = cur
        record[name] = money_amount(minor, cur)
    if computed and plan.computed:
        scope = dict(record)
        for key, missing in plan.aggregates:
            scope[key] = row.get(key, missing)
        for name, expr in plan.computed:
            try:
                value = evaluate(expr, scope, ctx)
            except (EvalError, TypeError, ArithmeticError):
                value = None
            record[name] = value
            scope[name] = value
    return record


def etag(et: EntityTable, record: Mapping[str, Any], ref_pks: Mapping[str, str]) -> str:
    """The version of a stored record, as an HTTP entity tag: a hash of its stored values
    (a ref counts by the id it holds, expanded or not). The same for a raw row and for the
    record built from it, so a client's ``If-Match`` can be checked against the row locked
    for the update. Equal content means equal tags: an edit that changed nothing back and
    forth loses nobody's work."""
    plan = record_plan(et)
    values: list[Any] = []
    for name in plan.plain:
        value = record.get(name)
        if isinstance(value, Mapping):  # an expanded ref
            value = value.get(ref_pks.get(name, "id"))
        values.append(value)
    for _name, minor_col, cur_col, default_cur in plan.money:
        values.append(record.get(minor_col))
        values.append(record.get(cur_col) or default_cur)
    raw = orjson.dumps(values, default=str, option=orjson.OPT_SORT_KEYS)
    return '"' + hashlib.blake2b(raw, digest_size=12).hexdigest() + '"'


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
