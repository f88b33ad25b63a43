"""Parsers for the condition language (§4.8) and the expression language (§4.9).

Both read DSL tokens straight from the cursor (the published parser re-joined the line as
text and silently dropped what it could not parse; here every failure is a located error).

Differences that matter to authors:
- conditions use ``=`` for equality (``==`` is accepted too); a bare word on the right is a
  literal (``status = review``); ``role(x)`` tests the caller's personas.
- expressions use ``==`` (``=`` is accepted); a bare word is a field reference, which the
  linker turns into a literal when it is not a field but a value of the compared enum.
"""

from __future__ import annotations

from decimal import Decimal

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.lexer import DURATION, NAME, NUMBER, OP, STRING, Token
from dazzle.expr.nodes import (
    MAGIC_VARS,
    Binary,
    BoolOp,
    Call,
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
    depth,
    to_text,
)

_CMP = {"=": "==", "==": "==", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
_WORD_UNITS = {
    "minute": "min",
    "minutes": "min",
    "hour": "h",
    "hours": "h",
    "day": "d",
    "days": "d",
    "week": "w",
    "weeks": "w",
    "month": "m",
    "months": "m",
    "year": "y",
    "years": "y",
}
_NULLS = ("null", "None")


def parse_duration_token(c: Cursor, t: Token) -> Duration:
    text = t.value
    digits = len(text) - len(text.lstrip("0123456789"))
    return Duration(int(text[:digits]), text[digits:], t.line, t.col)


def _word_duration(c: Cursor, t: Token) -> Duration | None:
    """``14 days`` (word form) when the NUMBER ``t`` is followed by a unit word."""
    n = c.tok
    if n.kind == NAME and n.value in _WORD_UNITS and t.value.isdigit():
        c.advance()
        return Duration(int(t.value), _WORD_UNITS[n.value], t.line, t.col)
    return None


def _anchor_offset(c: Cursor, anchor: DateAnchor) -> Node:
    """``today + 7d`` folded into one DateAnchor; anything else stays as it is."""
    if c.tok.kind == OP and c.tok.value in ("+", "-"):
        n = c.peek()
        if n.kind == DURATION or (n.kind == NUMBER and c.peek(2).value in _WORD_UNITS):
            sign = 1 if c.advance().value == "+" else -1
            t = c.advance()
            dur = parse_duration_token(c, t) if t.kind == DURATION else _word_duration(c, t)
            assert dur is not None
            return DateAnchor(anchor.kind, dur, sign, anchor.line, anchor.col)
    return anchor


# -------------------------------------------------------------------------------------------
# condition language
# -------------------------------------------------------------------------------------------


MAX_DEPTH = 64  # nesting levels (parentheses, lists, not, minus); deeper is surely a mistake
MAX_TREE = 100  # height of the parsed tree: `a + b + ...` chains grow it one term at a time


def _bounded(c: Cursor, start: Token, node: Node, code: str) -> Node:
    if depth(node) > MAX_TREE:
        raise c.error(
            f"expression is more than {MAX_TREE} operations deep",
            start,
            code=code,
            hint="split it into computed fields or simpler conditions",
        )
    return node


def _enter(c: Cursor, code: str) -> None:
    """Called on each nested level while parsing (parentheses, lists, `not`, unary minus)."""
    c.nesting += 1
    if c.nesting > MAX_DEPTH:
        raise c.error(f"expression is nested more than {MAX_DEPTH} levels deep", code=code)


def parse_condition(c: Cursor) -> Node:
    """Parse ``cond`` up to (not including) the end of line or a closing parenthesis."""
    if c.at_line_end():
        raise c.error("expected a condition", code="E016")
    start, saved = c.tok, c.nesting
    try:
        return _bounded(c, start, _cond_or(c), "E016")
    finally:
        c.nesting = saved


def _cond_or(c: Cursor) -> Node:
    first = c.tok
    parts = [_cond_and(c)]
    while c.accept_name("or"):
        parts.append(_cond_and(c))
    return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts), first.line, first.col)


def _cond_and(c: Cursor) -> Node:
    first = c.tok
    parts = [_cond_not(c)]
    while c.accept_name("and"):
        parts.append(_cond_not(c))
    return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts), first.line, first.col)


def _cond_not(c: Cursor) -> Node:
    t = c.tok
    if t.kind == NAME and t.value == "not" and not _is_operator_next(c):
        c.advance()
        _enter(c, "E016")
        node = Unary("not", _cond_not(c), t.line, t.col)
        c.nesting -= 1
        return node
    return _cond_primary(c)


def _is_operator_next(c: Cursor) -> bool:
    """True when the word at the cursor is a field name followed by an operator."""
    n = c.peek()
    return n.kind == OP and n.value in _CMP


def _cond_primary(c: Cursor) -> Node:
    t = c.tok
    if c.accept_op("("):
        _enter(c, "E016")
        node = _cond_or(c)
        c.expect_op(")")
        c.nesting -= 1
        return node
    if t.kind == NAME and t.value == "role" and c.peek().kind == OP and c.peek().value == "(":
        c.advance()
        c.advance()
        role = c.expect_name("a persona name in role(...)")
        c.expect_op(")")
        return RoleCheck(role.value, t.line, t.col)
    lhs = _cond_operand(c)
    return _cond_comparison(c, lhs, t)


def _cond_operand(c: Cursor) -> Node:
    t = c.tok
    if t.kind == NAME:
        c.advance()
        if c.at_op("("):  # function call: days_since(created_at)
            c.advance()
            _enter(c, "E016")
            args: list[Node] = []
            if not c.at_op(")"):
                args.append(_cond_operand(c))
                while c.accept_op(","):
                    args.append(_cond_operand(c))
            c.expect_op(")")
            c.nesting -= 1
            return Call(t.value, tuple(args), t.line, t.col)
        path = [t.value]
        while c.at_op(".") and c.peek().kind == NAME:
            c.advance()
            path.append(c.advance().value)
        if path[0] in MAGIC_VARS:
            return Var(path[0], tuple(path[1:]), t.line, t.col)
        if len(path) == 1 and path[0] in ("today", "now"):
            return _anchor_offset(c, DateAnchor(path[0], None, 1, t.line, t.col))
        return FieldRef(tuple(path), t.line, t.col)
    return _cond_value(c)


def _cond_comparison(c: Cursor, lhs: Node, first: Token) -> Node:
    t = c.tok
    if t.kind == OP and t.value in _CMP:
        c.advance()
        return Compare(_CMP[t.value], lhs, _cond_value(c), first.line, first.col)
    if t.kind == NAME:
        if t.value == "in":
            c.advance()
            return InList(lhs, _cond_list(c), False, first.line, first.col)
        if t.value == "not" and c.peek().kind == NAME and c.peek().value == "in":
            c.advance()
            c.advance()
            return InList(lhs, _cond_list(c), True, first.line, first.col)
        if t.value == "is":
            c.advance()
            negated = c.accept_name("not")
            if c.tok.kind == NAME and c.tok.value in _NULLS:
                c.advance()
                return IsNull(lhs, negated, first.line, first.col)
            if c.tok.kind == NAME and c.tok.value in ("true", "false"):
                value = c.advance().value == "true"
                return Compare(
                    "!=" if negated else "==", lhs, Literal(value), first.line, first.col
                )
            raise c.error(f"expected null after 'is', got {c.tok.describe()}", code="E016")
    if isinstance(lhs, FieldRef) and (
        c.at_line_end() or (t.kind == NAME and t.value in ("and", "or")) or c.at_op(")")
    ):
        # newer dialect: a bare boolean field means `field = true`
        return Compare("==", lhs, Literal(True), first.line, first.col)
    raise c.error(
        f"expected a comparison operator (=, !=, <, >, <=, >=, in, is) after "
        f"'{_describe_node(lhs)}', got {t.describe()}",
        code="E016",
    )


def _describe_node(n: Node) -> str:
    return to_text(n)


def _cond_list(c: Cursor) -> tuple[Node, ...]:
    c.expect_op("[")
    items: list[Node] = []
    if not c.at_op("]"):
        items.append(_cond_value(c))
        while c.accept_op(","):
            items.append(_cond_value(c))
    c.expect_op("]")
    return tuple(items)


def _cond_value(c: Cursor) -> Node:
    t = c.tok
    if t.kind == STRING:
        c.advance()
        return Literal(t.value, t.line, t.col)
    if t.kind == NUMBER:
        c.advance()
        return Literal(c.number_value(t), t.line, t.col)
    if t.kind == OP and t.value == "-" and c.peek().kind == NUMBER:
        c.advance()
        n = c.advance()
        return Literal(-c.number_value(n), t.line, t.col)
    if t.kind == DURATION:
        c.advance()
        return parse_duration_token(c, t)
    if t.kind == OP and t.value == "[":
        return ListExpr(_cond_list(c), t.line, t.col)
    if t.kind == NAME:
        v = t.value
        c.advance()
        if v in ("true", "false"):
            return Literal(v == "true", t.line, t.col)
        if v in _NULLS:
            return Literal(None, t.line, t.col)
        if v in ("today", "now"):
            return _anchor_offset(c, DateAnchor(v, None, 1, t.line, t.col))
        path = [v]
        while c.at_op(".") and c.peek().kind == NAME:
            c.advance()
            path.append(c.advance().value)
        if path[0] in MAGIC_VARS:
            return Var(path[0], tuple(path[1:]), t.line, t.col)
        if len(path) > 1:
            return FieldRef(tuple(path), t.line, t.col)
        return Literal(v, t.line, t.col)  # bare word on the right: an enum value
    raise c.error(f"expected a value, got {t.describe()}", code="E016")


# -------------------------------------------------------------------------------------------
# expression language
# -------------------------------------------------------------------------------------------


def parse_expression(c: Cursor) -> Node:
    """Parse an expression; stops at the first token that cannot continue it."""
    if c.at_line_end():
        raise c.error("expected an expression", code="E015")
    t, saved = c.tok, c.nesting
    try:
        _enter(c, "E015")
        node = _if_expr(c) if t.kind == NAME and t.value == "if" else _or(c)
        return _bounded(c, t, node, "E015")
    finally:
        c.nesting = saved


def _if_expr(c: Cursor) -> Node:
    first = c.advance()
    branches: list[tuple[Node, Node]] = []
    cond = _or(c)
    c.expect_op(":")
    branches.append((cond, _or(c)))
    while c.accept_name("elif"):
        cond = _or(c)
        c.expect_op(":")
        branches.append((cond, _or(c)))
    c.expect_keyword("else")
    c.expect_op(":")
    return IfExpr(tuple(branches), _or(c), first.line, first.col)


def _or(c: Cursor) -> Node:
    first = c.tok
    parts = [_and(c)]
    while c.accept_name("or"):
        parts.append(_and(c))
    return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts), first.line, first.col)


def _and(c: Cursor) -> Node:
    first = c.tok
    parts = [_not(c)]
    while c.accept_name("and"):
        parts.append(_not(c))
    return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts), first.line, first.col)


def _not(c: Cursor) -> Node:
    t = c.tok
    if t.kind == NAME and t.value == "not" and not _is_operator_next(c):
        c.advance()
        _enter(c, "E015")
        node = Unary("not", _not(c), t.line, t.col)
        c.nesting -= 1
        return node
    return _cmp(c)


def _cmp(c: Cursor) -> Node:
    first = c.tok
    left = _add(c)
    t = c.tok
    if t.kind == OP and t.value in _CMP:
        c.advance()
        return Compare(_CMP[t.value], left, _add(c), first.line, first.col)
    if t.kind == NAME:
        if t.value == "in":
            c.advance()
            return InList(left, _expr_list(c), False, first.line, first.col)
        if t.value == "not" and c.peek().kind == NAME and c.peek().value == "in":
            c.advance()
            c.advance()
            return InList(left, _expr_list(c), True, first.line, first.col)
        if t.value == "is":
            c.advance()
            negated = c.accept_name("not")
            if c.tok.kind == NAME and c.tok.value in _NULLS:
                c.advance()
                return IsNull(left, negated, first.line, first.col)
            raise c.error(f"expected null after 'is', got {c.tok.describe()}", code="E015")
    return left


def _expr_list(c: Cursor) -> tuple[Node, ...]:
    c.expect_op("[")
    items: list[Node] = []
    if not c.at_op("]"):
        items.append(parse_expression(c))
        while c.accept_op(","):
            items.append(parse_expression(c))
    c.expect_op("]")
    return tuple(items)


def _add(c: Cursor) -> Node:
    first = c.tok
    left = _mul(c)
    while c.tok.kind == OP and c.tok.value in ("+", "-"):
        op = c.advance().value
        right = _mul(c)
        if isinstance(left, DateAnchor) and left.offset is None and isinstance(right, Duration):
            left = DateAnchor(left.kind, right, 1 if op == "+" else -1, left.line, left.col)
        else:
            left = Binary(op, left, right, first.line, first.col)
    return left


def _mul(c: Cursor) -> Node:
    first = c.tok
    left = _unary(c)
    while c.tok.kind == OP and c.tok.value in ("*", "/", "%"):
        op = c.advance().value
        left = Binary(op, left, _unary(c), first.line, first.col)
    return left


def _unary(c: Cursor) -> Node:
    t = c.tok
    if t.kind == OP and t.value == "-":
        c.advance()
        _enter(c, "E015")
        operand = _unary(c)
        c.nesting -= 1
        value = operand.value if isinstance(operand, Literal) else None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return Literal(-value, t.line, t.col)
        return Unary("-", operand, t.line, t.col)
    return _primary(c)


def _primary(c: Cursor) -> Node:
    t = c.tok
    k = t.kind
    if k == NUMBER:
        c.advance()
        dur = _word_duration(c, t)
        if dur is not None:
            return dur
        return Literal(c.number_value(t), t.line, t.col)
    if k == STRING:
        c.advance()
        return Literal(t.value, t.line, t.col)
    if k == DURATION:
        c.advance()
        return parse_duration_token(c, t)
    if k == OP and t.value == "(":
        c.advance()
        node = parse_expression(c)
        c.expect_op(")")
        return node
    if k == OP and t.value == "[":
        return ListExpr(_expr_list(c), t.line, t.col)
    if k == NAME:
        v = t.value
        c.advance()
        if v in ("true", "false"):
            return Literal(v == "true", t.line, t.col)
        if v in _NULLS:
            return Literal(None, t.line, t.col)
        if c.at_op("("):
            c.advance()
            args: list[Node] = []
            if not c.at_op(")"):
                args.append(parse_expression(c))
                while c.accept_op(","):
                    args.append(parse_expression(c))
            c.expect_op(")")
            if v in ("today", "now") and not args:
                return DateAnchor(v, None, 1, t.line, t.col)
            return Call(v, tuple(args), t.line, t.col)
        if v in ("today", "now"):
            return DateAnchor(v, None, 1, t.line, t.col)
        path = [v]
        while (c.at_op(".") or c.at_op("->")) and c.peek().kind == NAME:
            c.advance()
            path.append(c.advance().value)
        if path[0] == "self" and len(path) > 1:
            path = path[1:]
        if path[0] in MAGIC_VARS:
            return Var(path[0], tuple(path[1:]), t.line, t.col)
        return FieldRef(tuple(path), t.line, t.col)
    raise c.error(f"expected a value, got {t.describe()}", code="E015")
