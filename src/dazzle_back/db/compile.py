"""Compiling condition and expression trees to SQL.

The SQL must select exactly the rows for which :func:`dazzle.expr.evaluate.evaluate` is true
(lists filtered here and single records checked in Python must agree). SQL's three-valued
logic differs from Python's on nulls, so negation is pushed down to the comparisons and
each negated comparison says what happens to nulls explicitly; positive comparisons keep
their plain, index-friendly form.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Numeric,
    and_,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from dazzle.expr.nodes import (
    Binary,
    BoolOp,
    Call,
    ChildAggregate,
    Compare,
    DateAnchor,
    Duration,
    FieldRef,
    InList,
    IsNull,
    ListExpr,
    Literal,
    Node,
    RoleCheck,
    Unary,
    Var,
)
from dazzle.ir.entity import Field, FieldKind
from dazzle_back.db.schema import EntityTable, SchemaModel


class Unsupported(Exception):
    """The expression cannot be computed in SQL (the caller evaluates it in Python)."""


@dataclass
class SqlContext:
    schema: SchemaModel
    today: date
    now: datetime
    user_id: Any = None
    roles: frozenset[str] = frozenset()
    all_roles: bool = False
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    context_value: Any = None

    @classmethod
    def current(cls, schema: SchemaModel, **kwargs: Any) -> SqlContext:
        now = datetime.now(UTC)
        return cls(schema=schema, today=now.date(), now=now, **kwargs)


class DaysBetween(FunctionElement[int]):
    """Whole days from ``start`` to ``end`` (both dates or date-times)."""

    type = Integer()
    inherit_cache = True


@compiles(DaysBetween, "postgresql")
def _days_pg(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    a, b = compiler.process(end, **kw), compiler.process(start, **kw)
    return f"(CAST({a} AS DATE) - CAST({b} AS DATE))"


@compiles(DaysBetween)
def _days_default(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"CAST(julianday(date({compiler.process(end, **kw)})) - "
        f"julianday(date({compiler.process(start, **kw)})) AS INTEGER)"
    )


@dataclass
class _Operand:
    """A compiled operand: a SQL expression, or a Python value known at compile time."""

    sql: ColumnElement[Any] | None = None
    value: Any = None
    is_value: bool = False
    field: Field | None = None

    def expr(self, like: _Operand | None = None) -> ColumnElement[Any]:
        if not self.is_value:
            assert self.sql is not None
            return self.sql
        if self.value is None:
            return null()
        if like is not None and like.sql is not None and like.field is not None:
            return literal(_coerce_for(like.field, self.value), type_=like.sql.type)
        return literal(self.value)


def _coerce_for(f: Field, value: Any) -> Any:
    """A Python value in the column's type (ids as UUIDs, dates for datetime columns...)."""
    k = f.type.kind
    if isinstance(value, timedelta):
        return value
    if k is FieldKind.DATETIME and isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), UTC)
    if k is FieldKind.DATE and isinstance(value, datetime):
        return value.date()
    if k is FieldKind.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _NoMatch() from None
    if (k is FieldKind.UUID or f.type.is_reference) and not isinstance(value, uuid.UUID):
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise _NoMatch() from None
    if k in (FieldKind.INT, FieldKind.FLOAT, FieldKind.DECIMAL) and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            raise _NoMatch() from None
    return value


class _NoMatch(Exception):
    """A literal that can never equal the column (a non-UUID compared with an id...)."""


class Compiler:
    def __init__(self, ctx: SqlContext, et: EntityTable, table: FromClause | None = None) -> None:
        self.ctx = ctx
        self.et = et
        self.table = table if table is not None else et.table

    # -- boolean --------------------------------------------------------------------------

    def condition(self, node: Node, negate: bool = False) -> ColumnElement[bool]:
        if isinstance(node, BoolOp):
            parts = [self.condition(o, negate) for o in node.operands]
            conj = node.op == "and"
            return and_(*parts) if conj != negate else or_(*parts)
        if isinstance(node, Unary) and node.op == "not":
            return self.condition(node.operand, not negate)
        if isinstance(node, RoleCheck):
            holds = self.ctx.all_roles or node.role in self.ctx.roles
            return true() if holds != negate else false()
        if (isinstance(node, Literal) and isinstance(node.value, bool)) or (
            isinstance(node, Literal) and node.value is None
        ):
            holds = bool(node.value)
            return true() if holds != negate else false()
        if isinstance(node, Compare):
            return self._compare(node, negate)
        if isinstance(node, InList):
            return self._in_list(node, negate)
        if isinstance(node, IsNull):
            op = self.operand(node.operand)
            if op.is_value:
                holds = (op.value is None) != node.negated
                return true() if holds != negate else false()
            is_null = op.expr().is_(None)
            return is_null if node.negated == negate else op.expr().is_not(None)
        if isinstance(node, FieldRef):  # bare boolean field
            return self._compare(Compare("==", node, Literal(True)), negate)
        raise Unsupported(f"{type(node).__name__} is not a condition")

    def _compare(self, node: Compare, negate: bool) -> ColumnElement[bool]:
        left, right = self.operand(node.left), self.operand(node.right)
        op = node.op
        if left.is_value and not right.is_value:  # keep the column on the left
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        if left.is_value and right.is_value:
            from dazzle.expr.evaluate import EvalContext, evaluate

            ev = EvalContext(self.ctx.today, self.ctx.now)
            holds = bool(evaluate(Compare(op, Literal(left.value), Literal(right.value)), {}, ev))
            return true() if holds != negate else false()
        if op in ("==", "!="):
            equal = op == "=="
            if equal == negate:
                return self._not_equal(left, right)
            return self._equal(left, right)
        try:
            a, b = left.expr(right), right.expr(left)
        except _NoMatch:
            return true() if negate else false()
        if not negate:
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        flipped = {"<": a >= b, ">": a <= b, "<=": a > b, ">=": a < b}[op]
        nulls = [a.is_(None)] if right.is_value else [a.is_(None), b.is_(None)]
        return or_(flipped, *nulls)

    def _equal(self, left: _Operand, right: _Operand) -> ColumnElement[bool]:
        if right.is_value and right.value is None:
            return left.expr().is_(None)
        try:
            b = right.expr(left)
        except _NoMatch:
            return false()
        a = left.expr(right)
        return a == b if right.is_value else a.is_not_distinct_from(b)

    def _not_equal(self, left: _Operand, right: _Operand) -> ColumnElement[bool]:
        if right.is_value and right.value is None:
            return left.expr().is_not(None)
        try:
            b = right.expr(left)
        except _NoMatch:
            return true()
        a = left.expr(right)
        if right.is_value:
            return or_(a != b, a.is_(None))
        return a.is_distinct_from(b)

    def _in_list(self, node: InList, negate: bool) -> ColumnElement[bool]:
        operand = self.operand(node.operand)
        values: list[Any] = []
        for item in node.items:
            op = self.operand(item)
            if not op.is_value:
                raise Unsupported("lists of columns")
            if op.value is None:
                continue
            try:
                values.append(_coerce_for(operand.field, op.value) if operand.field else op.value)
            except _NoMatch:
                continue
        inside = not node.negated
        if inside != negate:
            return operand.expr().in_(values) if values else false()
        if not values:
            return true()
        return or_(operand.expr().not_in(values), operand.expr().is_(None))

    # -- values ---------------------------------------------------------------------------

    def operand(self, node: Node) -> _Operand:
        if isinstance(node, Literal):
            return _Operand(value=node.value, is_value=True)
        if isinstance(node, Var):
            return _Operand(value=self._var(node), is_value=True)
        if isinstance(node, DateAnchor):
            base: date | datetime = self.ctx.today if node.kind == "today" else self.ctx.now
            if node.offset is not None:
                delta = timedelta(seconds=node.offset.seconds)
                base = base + delta if node.sign > 0 else base - delta
            return _Operand(value=base, is_value=True)
        if isinstance(node, Duration):
            return _Operand(value=self.ctx.today + timedelta(seconds=node.seconds), is_value=True)
        if isinstance(node, FieldRef):
            return self._path(node.path)
        if isinstance(node, ChildAggregate):
            return _Operand(sql=self.aggregate(node))
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Binary):
            return self._binary(node)
        if isinstance(node, Unary) and node.op == "-":
            inner = self.operand(node.operand)
            if inner.is_value:
                return _Operand(value=None if inner.value is None else -inner.value, is_value=True)
            return _Operand(sql=-inner.expr())
        if isinstance(node, ListExpr):
            raise Unsupported("a list is not a value")
        return _Operand(sql=self.condition(node))

    def _var(self, node: Var) -> Any:
        if node.name == "current_user":
            if not node.path:
                return self.ctx.user_id
            value: Any = self.ctx.user_attrs
            for part in node.path:
                value = value.get(part) if isinstance(value, Mapping) else None
            return value
        if node.name == "current_context":
            return self.ctx.context_value
        return None

    def _path(self, path: tuple[str, ...]) -> _Operand:
        et, table = self.et, self.table
        head = path[0]
        if len(path) == 1:
            f = et.entity.get_field(head)
            if f is None or head not in table.c:
                raise Unsupported(f"{head} is not a stored field")
            return _Operand(sql=table.c[head], field=f)
        target_name = et.refs.get(head)
        if target_name is None:
            raise Unsupported(f"{head} is not a reference")
        target = self.ctx.schema.tables[target_name]
        alias = target.table.alias()
        inner = Compiler(self.ctx, target, alias)._path(path[1:])
        sub = (
            select(inner.expr())
            .where(alias.c[target.pk] == table.c[head])
            .correlate(table)
            .scalar_subquery()
        )
        return _Operand(sql=sub, field=inner.field)

    def aggregate(self, node: ChildAggregate) -> ColumnElement[Any]:
        child = self.ctx.schema.tables[node.entity]
        if not node.fk_field:
            return null() if node.func != "count" else literal(0)
        t = child.table.alias()
        link = t.c[node.fk_field] == self.table.c[self.et.pk]
        if node.func == "count":
            expr: ColumnElement[Any] = func.count()
        else:
            column = t.c[node.field or ""]
            expr = getattr(func, node.func)(column)
        return select(expr).where(link).correlate(self.table).scalar_subquery()

    def _call(self, node: Call) -> _Operand:
        if node.func in ("days_since", "days_until") and len(node.args) == 1:
            arg = self.operand(node.args[0])
            today = literal(self.ctx.today)
            if arg.is_value:
                raise Unsupported("days_since of a constant")
            if node.func == "days_since":
                return _Operand(sql=DaysBetween(arg.expr(), today))
            return _Operand(sql=DaysBetween(today, arg.expr()))
        if node.func in ("today", "now") and not node.args:
            return _Operand(
                value=self.ctx.today if node.func == "today" else self.ctx.now, is_value=True
            )
        if node.func in ("abs", "lower", "upper", "coalesce") and node.args:
            args = [self.operand(a).expr() for a in node.args]
            return _Operand(sql=getattr(func, node.func)(*args))
        raise Unsupported(f"function {node.func} in SQL")

    def _binary(self, node: Binary) -> _Operand:
        left, right = self.operand(node.left), self.operand(node.right)
        if left.is_value and right.is_value:
            raise Unsupported("constant arithmetic")
        a, b = left.expr(), right.expr()
        if node.op == "+":
            return _Operand(sql=a + b)
        if node.op == "-":
            return _Operand(sql=a - b)
        if node.op == "*":
            return _Operand(sql=a * b)
        if node.op == "/":
            return _Operand(sql=cast(a, Numeric) / func.nullif(cast(b, Numeric), 0))
        raise Unsupported(f"operator {node.op} in SQL")


def compile_condition(ctx: SqlContext, et: EntityTable, node: Node) -> ColumnElement[bool]:
    return Compiler(ctx, et).condition(node)
