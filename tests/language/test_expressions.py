"""The condition and expression languages parse into typed trees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dazzle.diagnostics import DslError
from dazzle.dsl.cursor import Cursor
from dazzle.dsl.lexer import tokenize
from dazzle.expr.nodes import (
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
    Literal,
    RoleCheck,
    Unary,
    Var,
    to_text,
)
from dazzle.expr.parse import parse_condition, parse_expression


def cond(text: str):  # type: ignore[no-untyped-def]
    c = Cursor(tokenize(text, "t")[0], "t")
    node = parse_condition(c)
    assert c.at_line_end(), f"unparsed rest at {c.tok}"
    return node


def expr(text: str):  # type: ignore[no-untyped-def]
    c = Cursor(tokenize(text, "t")[0], "t")
    node = parse_expression(c)
    assert c.at_line_end(), f"unparsed rest at {c.tok}"
    return node


F = FieldRef


def test_condition_precedence_and_binds_tighter_than_or() -> None:
    assert cond("a = 1 or b = 2 and c = 3") == BoolOp(
        "or",
        (
            Compare("==", F(("a",)), Literal(1)),
            BoolOp(
                "and", (Compare("==", F(("b",)), Literal(2)), Compare("==", F(("c",)), Literal(3)))
            ),
        ),
    )


def test_condition_values() -> None:
    assert cond("status = review").right == Literal("review")  # bare word = literal
    assert cond('name = "x y"').right == Literal("x y")
    assert cond("owner = current_user").right == Var("current_user")
    assert cond("team = current_user.team_id").right == Var("current_user", ("team_id",))
    assert cond("x = null").right == Literal(None)
    assert cond("x = None").right == Literal(None)
    assert cond("flag = true").right == Literal(True)
    assert cond("score >= 2.5").right == Literal(Decimal("2.5"))
    assert cond("score > -3").right == Literal(-3)
    assert cond("due < today + 7d").right == DateAnchor("today", Duration(7, "d"), 1)
    assert cond("at > now - 24h").right == DateAnchor("now", Duration(24, "h"), -1)


def test_condition_operators() -> None:
    assert cond("s in [a, b]") == InList(F(("s",)), (Literal("a"), Literal("b")))
    assert cond("s not in [a]") == InList(F(("s",)), (Literal("a"),), True)
    assert cond("x is null") == IsNull(F(("x",)))
    assert cond("x is not null") == IsNull(F(("x",)), True)
    assert cond("x != y").op == "!="
    assert cond("x == y").op == "=="  # accepted as a superset


def test_condition_roles_paths_functions_not() -> None:
    assert cond("role(admin)") == RoleCheck("admin")
    assert cond("task.assigned_to = current_user").left == F(("task", "assigned_to"))
    assert cond("days_since(created_at) > 30").left == Call("days_since", (F(("created_at",)),))
    assert cond("not (a = 1)") == Unary("not", Compare("==", F(("a",)), Literal(1)))
    assert cond("(a = 1 or b = 1) and role(x)").op == "and"
    assert cond("is_active") == Compare("==", F(("is_active",)), Literal(True))  # newer dialect


@pytest.mark.parametrize("bad", ["a = ", "a @ b", "(a = 1", "a is soon", "role(", "= 1"])
def test_condition_errors_are_located(bad: str) -> None:
    with pytest.raises(DslError) as err:
        cond(bad)
    d = err.value.diagnostic
    assert d.line == 1 and d.col >= 1 and d.code in ("E001", "E010", "E016")


def test_expression_arithmetic_precedence() -> None:
    assert expr("a + b * 2") == Binary("+", F(("a",)), Binary("*", F(("b",)), Literal(2)))
    assert expr("(a + b) * 2").op == "*"
    assert expr("-a") == Unary("-", F(("a",)))
    assert expr("-5") == Literal(-5)
    assert expr("a % 2 == 0").op == "=="


def test_expression_logic_and_comparisons() -> None:
    e = expr("not done or due != null and n >= 1")
    assert isinstance(e, BoolOp) and e.op == "or"
    assert e.operands[0] == Unary("not", F(("done",)))
    assert expr("a = 1").op == "=="  # `=` accepted for `==`
    assert expr("x is not null") == IsNull(F(("x",)), True)
    assert expr("s in [1, 2]") == InList(F(("s",)), (Literal(1), Literal(2)))


def test_expression_durations_dates_calls_paths() -> None:
    assert expr("14 days") == Duration(14, "d")
    assert expr("today + 14 days") == DateAnchor("today", Duration(14, "d"), 1)
    assert expr("today()") == DateAnchor("today", None, 1)
    assert expr("days_until(due)") == Call("days_until", (F(("due",)),))
    assert expr("round(a / b, 2)") == Call("round", (Binary("/", F(("a",)), F(("b",))), Literal(2)))
    assert expr("self->owner->name") == F(("owner", "name"))
    assert expr("count(Line)") == Call("count", (F(("Line",)),))


def test_if_expression() -> None:
    e = expr("if a > 1: 10 elif a > 0: 5 else: 0")
    assert isinstance(e, IfExpr) and len(e.branches) == 2 and e.otherwise == Literal(0)


def test_to_text_round_trips_meaning() -> None:
    text = "(status != closed) or (resolution != null)"
    assert to_text(cond("status != closed or resolution != null")) == text
    assert to_text(cond("role(a) and x in [p, q]")) == "role(a) and x in [p, q]"
