"""Evaluating condition and expression trees in Python, for one record.

The semantics are the published ones, made exact so that the SQL compiler can match them
row for row (a list filtered in SQL and a single record checked here must agree):

- ``==`` / ``!=`` compare nulls normally (``null != "a"`` is true);
- ordered comparisons (``< > <= >=``) and ``in`` with a null are false, ``not in`` true;
- arithmetic with a null is null; ``and`` / ``or`` short-circuit; a null is false;
- ``date <op> duration`` means ``date <op> today + duration``;
- comparing a datetime with ``today`` compares with midnight UTC of today.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from dazzle.expr.nodes import (
    Binary,
    BoolOp,
    Call,
    ChildAggregate,
    Compare,
    DateAnchor,
    Duration,
    FieldRef,
    IfExpr,
    InList,
    IsNull,
    ListExpr,
    Literal,
    Node,
    RoleCheck,
    Unary,
    Var,
)


@dataclass
class EvalContext:
    """What an expression can see besides the record itself."""

    today: date
    now: datetime
    user_id: Any = None
    roles: frozenset[str] = frozenset()
    all_roles: bool = False  # auth off or superuser: every role() check passes
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    context_value: Any = None
    resolve_path: Callable[[tuple[str, ...]], Any] | None = None

    @classmethod
    def current(cls, **kwargs: Any) -> EvalContext:
        now = datetime.now(UTC)
        return cls(today=now.date(), now=now, **kwargs)


class EvalError(Exception):
    """An expression could not be computed (a type the operator does not take)."""


def evaluate(node: Node, record: Mapping[str, Any], ctx: EvalContext) -> Any:
    return _EVAL[type(node)](node, record, ctx)


def truthy(value: Any) -> bool:
    return bool(value) if value is not None else False


def _literal(n: Literal, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    return n.value


def _duration(n: Duration, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    return timedelta(seconds=n.seconds)


def _anchor(n: DateAnchor, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    base: date | datetime = ctx.today if n.kind == "today" else ctx.now
    if n.offset is None:
        return base
    delta = timedelta(seconds=n.offset.seconds)
    return base + delta if n.sign > 0 else base - delta


def _field(n: FieldRef, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    if len(n.path) == 1:
        return r.get(n.path[0])
    if ctx.resolve_path is not None:
        return ctx.resolve_path(n.path)
    value: Any = r.get(n.path[0])
    for part in n.path[1:]:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _var(n: Var, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    if n.name == "current_user":
        if not n.path:
            return ctx.user_id
        value: Any = ctx.user_attrs
        for part in n.path:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value
    if n.name == "current_context":
        return ctx.context_value
    return None


def _role(n: RoleCheck, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    return ctx.all_roles or n.role in ctx.roles


def _bool(n: BoolOp, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    if n.op == "and":
        return all(truthy(evaluate(o, r, ctx)) for o in n.operands)
    return any(truthy(evaluate(o, r, ctx)) for o in n.operands)


def _unary(n: Unary, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    value = evaluate(n.operand, r, ctx)
    if n.op == "not":
        return not truthy(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise EvalError(f"cannot negate {value!r}")
    return -value


def _is_null(n: IsNull, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    is_null = evaluate(n.operand, r, ctx) is None
    return not is_null if n.negated else is_null


def _in_list(n: InList, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    value = evaluate(n.operand, r, ctx)
    if value is None:
        return n.negated
    items = [evaluate(i, r, ctx) for i in n.items]
    found = any(_equal(value, i) for i in items)
    return not found if n.negated else found


def _list(n: ListExpr, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    return [evaluate(i, r, ctx) for i in n.items]


def _if(n: IfExpr, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    for cond, value in n.branches:
        if truthy(evaluate(cond, r, ctx)):
            return evaluate(value, r, ctx)
    return evaluate(n.otherwise, r, ctx)


def _aggregate(n: ChildAggregate, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    # computed in SQL by the query that loaded the record, under a reserved key
    return r.get(aggregate_key(n))


def aggregate_key(n: ChildAggregate) -> str:
    return f"__agg_{n.func}_{n.entity}_{n.field or ''}"


# -- comparison -------------------------------------------------------------------------------


def _normalise(a: Any, b: Any, ctx: EvalContext | None = None) -> tuple[Any, Any]:
    """Bring two values to comparable types (dates from strings, datetime vs date, ...)."""
    # a bare duration compared with a date means "today + duration" (midnight for datetimes)
    if isinstance(a, timedelta) and ctx is not None:
        a = ctx.today + a
    if isinstance(b, timedelta) and ctx is not None:
        b = ctx.today + b
    if isinstance(a, datetime) and not isinstance(b, datetime) and isinstance(b, date):
        b = datetime.combine(b, time(), UTC)
    elif isinstance(b, datetime) and not isinstance(a, datetime) and isinstance(a, date):
        a = datetime.combine(a, time(), UTC)
    if isinstance(a, date) and isinstance(b, str):
        b = _parse_temporal(b, a)
    elif isinstance(b, date) and isinstance(a, str):
        a = _parse_temporal(a, b)
    if isinstance(a, Decimal) and isinstance(b, float):
        b = Decimal(str(b))
    elif isinstance(b, Decimal) and isinstance(a, float):
        a = Decimal(str(a))
    if isinstance(a, datetime) and a.tzinfo is None:
        a = a.replace(tzinfo=UTC)
    if isinstance(b, datetime) and b.tzinfo is None:
        b = b.replace(tzinfo=UTC)
    return a, b


def _parse_temporal(text: str, like: date) -> Any:
    try:
        if isinstance(like, datetime):
            return datetime.fromisoformat(text)
        return date.fromisoformat(text)
    except ValueError:
        return text


def _equal(a: Any, b: Any, ctx: EvalContext | None = None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = _normalise(a, b, ctx)
    if type(a) is not type(b) and not (_numeric(a) and _numeric(b)):
        return str(a) == str(b)  # enum values, ids held as text, ...
    return bool(a == b)


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def _compare(n: Compare, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    left = evaluate(n.left, r, ctx)
    right = evaluate(n.right, r, ctx)
    if n.op == "==":
        return _equal(left, right, ctx)
    if n.op == "!=":
        return not _equal(left, right, ctx)
    if left is None or right is None:
        return False
    a, b = _normalise(left, right, ctx)
    try:
        if n.op == "<":
            return a < b
        if n.op == ">":
            return a > b
        if n.op == "<=":
            return a <= b
        return a >= b
    except TypeError:
        raise EvalError(f"cannot compare {left!r} {n.op} {right!r}") from None


# -- arithmetic and functions -----------------------------------------------------------------


def _binary(n: Binary, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    left = evaluate(n.left, r, ctx)
    right = evaluate(n.right, r, ctx)
    if left is None or right is None:
        return None
    if isinstance(left, date) and isinstance(right, timedelta):
        return left + right if n.op == "+" else left - right if n.op == "-" else _bad(n)
    if isinstance(left, date) and isinstance(right, date) and n.op == "-":
        a, b = _normalise(left, right)
        return (a - b).days
    if isinstance(left, str) and isinstance(right, str) and n.op == "+":
        return left + right
    if not (_numeric(left) and _numeric(right)):
        return _bad(n)
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        left, right = _to_decimal(left), _to_decimal(right)
    try:
        if n.op == "+":
            return left + right
        if n.op == "-":
            return left - right
        if n.op == "*":
            return left * right
        if n.op == "/":
            if right == 0:
                return None  # division by zero is null, not an error
            if isinstance(left, int) and isinstance(right, int):
                return Decimal(left) / Decimal(right)
            return left / right
        if right == 0:
            return None
        return left % right
    except (ArithmeticError, InvalidOperation):
        return None


def _to_decimal(v: Any) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


def _bad(n: Binary) -> Any:
    raise EvalError(f"operator {n.op} does not apply to these values")


def _as_date(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.astimezone(UTC).date() if v.tzinfo else v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return datetime.fromisoformat(v).date()
        except ValueError:
            return None
    return None


def _call(n: Call, r: Mapping[str, Any], ctx: EvalContext) -> Any:
    args = [evaluate(a, r, ctx) for a in n.args]
    f = n.func
    if f == "today":
        return ctx.today
    if f == "now":
        return ctx.now
    if f in ("days_since", "days_until"):
        d = _as_date(args[0]) if args else None
        if d is None:
            return None
        return (ctx.today - d).days if f == "days_since" else (d - ctx.today).days
    if f == "concat":
        return "".join("" if a is None else str(a) for a in args)
    if f == "coalesce":
        return next((a for a in args if a is not None), None)
    if any(a is None for a in args):
        return None
    if f == "len":
        return len(args[0])
    if f == "abs":
        return abs(args[0])
    if f == "min":
        return min(args[0]) if len(args) == 1 and isinstance(args[0], list) else min(args)
    if f == "max":
        return max(args[0]) if len(args) == 1 and isinstance(args[0], list) else max(args)
    if f == "round":
        digits = int(args[1]) if len(args) > 1 else 0
        return round(args[0], digits)
    if f == "upper":
        return str(args[0]).upper()
    if f == "lower":
        return str(args[0]).lower()
    raise EvalError(f"unknown function {f}")


_EVAL: dict[type, Callable[[Any, Mapping[str, Any], EvalContext], Any]] = {
    Literal: _literal,
    Duration: _duration,
    DateAnchor: _anchor,
    FieldRef: _field,
    Var: _var,
    RoleCheck: _role,
    BoolOp: _bool,
    Unary: _unary,
    IsNull: _is_null,
    InList: _in_list,
    ListExpr: _list,
    IfExpr: _if,
    ChildAggregate: _aggregate,
    Compare: _compare,
    Binary: _binary,
    Call: _call,
}
