"""The access family of an entity: ``access:``, ``permit:``, ``forbid:``, ``visible:``,
``permissions:`` and the newer ``scope:`` blocks, all mapped to three rule kinds."""

from __future__ import annotations

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.lexer import INDENT, NAME, NEWLINE
from dazzle.expr.nodes import Literal, Node
from dazzle.expr.parse import parse_condition
from dazzle.ir.entity import OPERATIONS, PermissionRule, ScopeRule, VisibilityRule

_ACCESS_OPS = ("read", "write", "create", "delete", "list", "update")
_PERMISSIONS_OPS = ("create", "read", "update", "delete", "list")

Rules = tuple[list[PermissionRule], list[VisibilityRule], list[ScopeRule]]


def parse_access_block(c: Cursor) -> Rules:
    kw = c.advance()
    c.expect_block_start()
    perms: list[PermissionRule] = []
    vis: list[VisibilityRule] = []
    scopes: list[ScopeRule] = []
    block = kw.value
    if block == "access":
        c.items(lambda: _access_rule(c, perms, vis))
    elif block in ("permit", "forbid", "permissions"):
        effect = "forbid" if block == "forbid" else "permit"
        c.items(lambda: perms.append(_policy_rule(c, effect, block)))
    elif block == "visible":
        c.items(lambda: vis.append(_visible_rule(c)))
    else:
        c.items(lambda: scopes.append(_scope_rule(c)))
    return perms, vis, scopes


def _operation(c: Cursor, allowed: tuple[str, ...], block: str) -> str:
    t = c.expect_name("an operation")
    if t.value not in allowed:
        hint = None
        if t.value == "write" and block != "access":
            hint = "'write' only exists in access:; use create: and update:"
        raise c.error(
            f"unknown operation '{t.value}' in {block}:",
            t,
            code="E017",
            hint=hint or f"expected one of: {', '.join(allowed)}",
        )
    c.expect_op(":")
    return t.value


def _rule_value(c: Cursor) -> tuple[Node | None, bool]:
    """``authenticated`` / ``anonymous`` / ``true`` / ``false`` / ``all`` alone, or a
    condition. Returns (condition, require_auth)."""
    t = c.tok
    if t.kind == NAME and c.peek().kind == NEWLINE:
        if t.value in ("authenticated", "all", "true"):
            c.advance()
            return None, True
        if t.value == "anonymous":
            c.advance()
            return None, False
        if t.value == "false":
            c.advance()
            return Literal(False, t.line, t.col), True
    return parse_condition(c), True


def _access_rule(c: Cursor, perms: list[PermissionRule], vis: list[VisibilityRule]) -> None:
    first = c.tok
    op = _operation(c, _ACCESS_OPS, "access")
    cond, auth = _rule_value(c)
    c.expect_newline()
    loc = c.loc(first)
    if op == "read":
        vis.append(VisibilityRule("authenticated" if auth else "anonymous", cond, loc))
        perms.append(PermissionRule("read", "permit", cond, auth, "access", loc))
    elif op == "write":
        perms.append(PermissionRule("create", "permit", cond, auth, "access", loc))
        perms.append(PermissionRule("update", "permit", cond, auth, "access", loc))
    else:
        perms.append(PermissionRule(op, "permit", cond, auth, "access", loc))


def _policy_rule(c: Cursor, effect: str, block: str) -> PermissionRule:
    first = c.tok
    op = _operation(c, _PERMISSIONS_OPS, block)
    cond, auth = _rule_value(c)
    c.expect_newline()
    return PermissionRule(op, effect, cond, auth, block, c.loc(first))


def _visible_rule(c: Cursor) -> VisibilityRule:
    first = c.expect_keyword("when")
    ctx = c.expect_name("anonymous or authenticated")
    if ctx.value not in ("anonymous", "authenticated"):
        raise c.unknown("visibility context", ctx, ("anonymous", "authenticated"))
    c.expect_op(":")
    cond, _ = _rule_value(c)
    c.expect_newline()
    return VisibilityRule(ctx.value, cond, c.loc(first))


def _scope_rule(c: Cursor) -> ScopeRule:
    first = c.tok
    op = _operation(c, OPERATIONS, "scope")
    cond: Node | None
    if c.at_name("all") and c.peek().kind == NEWLINE:
        c.advance()
        cond = None
    else:
        cond = parse_condition(c)
    c.expect_newline()
    personas: tuple[str, ...] = ("*",)
    if c.tok.kind == INDENT:
        c.advance()
        while not c.at_block_end():
            if c.tok.kind == NEWLINE:
                c.advance()
                continue
            if not c.accept_name("for"):  # `for:` in the dialect between 0.38 and the newest
                c.expect_keyword("as")
            c.expect_op(":")
            if c.accept_op("*"):
                personas = ("*",)
            else:
                personas = tuple(r.name for r in c.names_list("a persona name"))
            c.expect_newline()
        c.advance()
    return ScopeRule(op, cond, personas, c.loc(first))
