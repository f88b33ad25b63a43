"""``entity`` and ``archetype`` blocks (spec/dsl.md §4.1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dazzle.dsl.access import parse_access_block
from dazzle.dsl.cursor import Cursor
from dazzle.dsl.fields import looks_like_type, parse_field_or_computed
from dazzle.dsl.keys import likely_typo
from dazzle.dsl.lexer import DURATION, NAME, NEWLINE, NUMBER, OP, Token
from dazzle.expr.nodes import Duration
from dazzle.expr.parse import parse_duration_token, parse_expression
from dazzle.ir.common import Loc, NameRef, title_case
from dazzle.ir.entity import (
    Archetype,
    ComputedField,
    Constraint,
    Entity,
    Field,
    Guard,
    Invariant,
    PermissionRule,
    ScopeRule,
    Transition,
    VisibilityRule,
)

# Keys that are metadata for tools (LLM cognition, docs): parsed and ignored, no warning.
_QUIET_METADATA = ("examples", "seed", "bulk")
# Newer-dialect entity keys with behaviour we do not run: skipped with a warning.
_NEWER_ENTITY_KEYS = (
    "fitness",
    "auth_identity",
    "temporal",
    "lifecycle",
    "subtype_of",
    "signable",
    "managed_by",
    "expose",
    "was",
    "graph_edge",
    "graph_node",
    "tenant_host",
    "membership",
    "on_transition",
)
_ACCESS_BLOCKS = ("access", "permit", "forbid", "visible", "permissions", "scope")
ENTITY_KEYS = (
    "intent", "domain", "patterns", "extends", "archetype", "display_field", "audit",
    "invariant", "transitions", *_ACCESS_BLOCKS, *_QUIET_METADATA, "soft_delete",
)  # fmt: skip
_AUDIT_OPS = ("create", "read", "update", "delete", "list")
_TIME_WORDS = {
    "days": "d",
    "day": "d",
    "hours": "h",
    "hour": "h",
    "minutes": "min",
    "minute": "min",
}


@dataclass
class _EntityParts:
    fields: list[Field] = field(default_factory=list)
    computed: list[ComputedField] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    invariants: list[Invariant] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    permissions: list[PermissionRule] = field(default_factory=list)
    visibility: list[VisibilityRule] = field(default_factory=list)
    scopes: list[ScopeRule] = field(default_factory=list)
    audit: tuple[str, ...] = ()
    display_field: NameRef | None = None
    extends: tuple[NameRef, ...] = ()
    archetype_kind: str | None = None
    intent: str | None = None
    domain: str | None = None
    patterns: tuple[str, ...] = ()
    soft_delete: bool = False


def parse_entity(c: Cursor, module: str) -> Entity:
    kw = c.advance()  # entity
    name = c.expect_name("an entity name")
    title = c.optional_string()
    c.expect_block_start()
    parts = _EntityParts()
    c.items(lambda: _entity_item(c, parts))
    return Entity(
        name=name.value,
        title=title or title_case(name.value),
        fields=tuple(parts.fields),
        computed=tuple(parts.computed),
        constraints=tuple(parts.constraints),
        invariants=tuple(parts.invariants),
        transitions=tuple(parts.transitions),
        permissions=tuple(parts.permissions),
        visibility=tuple(parts.visibility),
        scopes=tuple(parts.scopes),
        audit=parts.audit,
        display_field=parts.display_field,
        extends=parts.extends,
        archetype_kind=parts.archetype_kind,
        intent=parts.intent,
        domain=parts.domain,
        patterns=parts.patterns,
        soft_delete=parts.soft_delete,
        module=module,
        loc=c.loc(kw),
    )


def parse_archetype(c: Cursor, module: str) -> Archetype:
    kw = c.advance()  # archetype
    name = c.expect_name("an archetype name")
    c.optional_string()
    c.expect_block_start()
    parts = _EntityParts()
    c.items(lambda: _entity_item(c, parts))
    return Archetype(
        name=name.value,
        fields=tuple(parts.fields),
        computed=tuple(parts.computed),
        invariants=tuple(parts.invariants),
        loc=c.loc(kw),
    )


def _entity_item(c: Cursor, parts: _EntityParts) -> None:
    t = c.tok
    if t.kind != NAME:
        raise c.error(f"expected a field or an entity key, got {t.describe()}")
    word = t.value
    nxt = c.peek()
    if word in ("unique", "index") and nxt.kind == NAME:
        parts.constraints.append(_constraint(c))
        return
    if word == "soft_delete" and nxt.kind == NEWLINE:
        c.advance()
        parts.soft_delete = True
        c.expect_newline()
        return
    if word == "publish" and nxt.kind == NAME:
        c.skip_unknown("W001", "event publishing ('publish') is not run; line skipped", t)
        return
    if not (nxt.kind == OP and nxt.value == ":"):
        raise c.error(
            f"expected 'name: type' or a key after '{word}', got {nxt.describe()}",
            nxt,
            hint="fields are written `name: type modifiers`",
        )
    block = c.peek(2).kind == NEWLINE
    always_key = word in ("invariant", "display_field", "extends")
    if looks_like_type(c, 2) and not block and not always_key:
        item = parse_field_or_computed(c)
        if isinstance(item, Field):
            parts.fields.append(item)
        else:
            parts.computed.append(item)
        return
    handler = _KEYS.get(word)
    if handler is not None:
        handler(c, parts)
        return
    if word in _ACCESS_BLOCKS and block:
        perms, vis, scopes = parse_access_block(c)
        parts.permissions += perms
        parts.visibility += vis
        parts.scopes += scopes
        return
    if word in _QUIET_METADATA:
        c.skip_item()
        return
    typo = likely_typo(word, ENTITY_KEYS) if word not in _NEWER_ENTITY_KEYS else None
    if typo is not None:
        raise c.error(f"unknown entity key '{word}'", t, hint=f"did you mean '{typo}'?")
    if word in _NEWER_ENTITY_KEYS or block:
        c.skip_unknown(
            "W002",
            f"entity key '{word}' is not supported; skipped with its block",
            t,
        )
        return
    value, after = c.peek(2), c.peek(3)
    if (
        value.kind != NAME
        or value.value in ("true", "false")
        or (after.kind == OP and after.value == ".")
    ):
        # `signing_validator: app.x.y`, `flag: true`: a key of its own, not a mistyped field
        c.skip_unknown("W002", f"entity key '{word}' is not supported; skipped with its block", t)
        return
    parse_field_or_computed(c)  # `name: notatype`: reported as an unknown field type


def _constraint(c: Cursor) -> Constraint:
    kw = c.advance()
    names = [c.expect_ref("a field name")]
    while c.accept_op(","):
        names.append(c.expect_ref("a field name"))
    c.expect_newline()
    return Constraint(kw.value, tuple(names), c.loc(kw))


def _key_value_start(c: Cursor) -> Token:
    key = c.advance()
    c.expect_op(":")
    return key


def _intent(c: Cursor, parts: _EntityParts) -> None:
    _key_value_start(c)
    parts.intent = c.expect_text("an intent")
    c.expect_newline()


def _domain(c: Cursor, parts: _EntityParts) -> None:
    _key_value_start(c)
    parts.domain = c.expect_text("a domain name")
    c.expect_newline()


def _patterns(c: Cursor, parts: _EntityParts) -> None:
    _key_value_start(c)
    parts.patterns = tuple(r.name for r in c.names_list("a pattern name"))
    c.expect_newline()


def _extends(c: Cursor, parts: _EntityParts) -> None:
    _key_value_start(c)
    parts.extends = c.names_list("an archetype name")
    c.expect_newline()


def _archetype_kind(c: Cursor, parts: _EntityParts) -> None:
    _key_value_start(c)
    parts.archetype_kind = c.expect_text("an archetype kind")
    c.expect_newline()


def _display_field(c: Cursor, parts: _EntityParts) -> None:
    _key_value_start(c)
    parts.display_field = c.expect_ref("a field name")
    c.expect_newline()


def _audit(c: Cursor, parts: _EntityParts) -> None:
    _key_value_start(c)
    t = c.tok
    if c.at_op("["):
        ops = c.names_list("an operation")
        for op in ops:
            if op.name not in _AUDIT_OPS:
                raise c.error(
                    f"unknown audit operation '{op.name}'",
                    code="E017",
                    hint=f"expected one of: {', '.join(_AUDIT_OPS)}",
                )
        parts.audit = tuple(o.name for o in ops)
    elif t.kind == NAME and t.value in ("all", "true"):
        c.advance()
        parts.audit = _AUDIT_OPS
    elif t.kind == NAME and t.value == "false":
        c.advance()
        parts.audit = ()
    else:
        raise c.error(
            "expected all, true, false or [create, update, ...] after 'audit:', "
            f"got {t.describe()}",
            code="E017",
        )
    c.expect_newline()


def _invariant(c: Cursor, parts: _EntityParts) -> None:
    key = _key_value_start(c)
    expr = parse_expression(c)
    c.expect_newline()
    message = None
    code = None
    if c.tok.kind == "INDENT":
        c.advance()
        while not c.at_block_end():
            if c.tok.kind == NEWLINE:
                c.advance()
                continue
            k = c.expect_name("message: or code:")
            c.expect_op(":")
            if k.value == "message":
                message = c.expect_string("the invariant message")
            elif k.value == "code":
                code = c.expect_text("an error code")
            else:
                raise c.unknown("invariant key", k, ("message", "code"))
            c.expect_newline()
        c.advance()  # DEDENT
    parts.invariants.append(Invariant(expr, message, code, c.loc(key)))


def _transitions(c: Cursor, parts: _EntityParts) -> None:
    c.advance()
    c.expect_block_start()
    c.items(lambda: parts.transitions.append(_transition(c)))


def _transition(c: Cursor) -> Transition:
    first = c.tok
    if c.at_op("*"):
        c.advance()
        from_state = "*"
    else:
        from_state = c.expect_name("a state name or *").value
    if not c.accept_op("->"):
        raise c.error(
            f"expected '->' in a transition, got {c.tok.describe()}",
            code="E021",
            hint="write transitions as `from_state -> to_state`",
        )
    to_state = c.expect_name("a target state").value
    g = _GuardParts()
    if c.accept_op(":"):
        if c.tok.kind == NEWLINE and c.peek().kind == "INDENT":
            c.advance()
            c.advance()
            c.items(lambda: _block_guard(c, g))
        else:
            _inline_guards(c, g)
            c.expect_newline()
    else:
        c.expect_newline()
    return Transition(
        from_state=from_state,
        to_state=to_state,
        requires=tuple(g.requires),
        roles=tuple(g.roles),
        guards=tuple(g.guards),
        manual=g.manual,
        auto_after=g.auto_after,
        loc=c.loc(first),
    )


@dataclass
class _GuardParts:
    requires: list[NameRef] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    manual: bool = False
    auto_after: Duration | None = None


def _inline_guards(c: Cursor, g: _GuardParts) -> None:
    while not c.at_line_end():
        t = c.tok
        if t.kind != NAME:
            raise c.error(
                f"unexpected {t.describe()} in a transition",
                code="E021",
                hint="guards are `requires field`, `role(name)`, `auto after 7 days`, `manual`;"
                " conditions go in a `guard:` line",
            )
        w = t.value
        if w == "requires":
            c.advance()
            g.requires.append(c.expect_ref("a field name after 'requires'"))
            while c.accept_op(","):
                g.requires.append(c.expect_ref("a field name"))
        elif w == "role":
            c.advance()
            c.expect_op("(")
            g.roles.append(c.expect_name("a persona name").value)
            c.expect_op(")")
        elif w == "manual":
            c.advance()
            g.manual = True
        elif w == "or":
            c.advance()
        elif w == "auto":
            c.advance()
            g.auto_after = _auto_after(c)
        else:
            raise c.unknown(
                "transition guard", t, ("requires", "role", "auto", "manual", "guard"), code="E021"
            )


def _auto_after(c: Cursor) -> Duration:
    if not c.accept_name("after"):
        return Duration(0, "min")
    t = c.tok
    if t.kind == DURATION:
        c.advance()
        return parse_duration_token(c, t)
    if t.kind == NUMBER and t.value.isdigit():
        c.advance()
        unit = "d"
        if c.tok.kind == NAME and c.tok.value in _TIME_WORDS:
            unit = _TIME_WORDS[c.advance().value]
        return Duration(int(t.value), unit, t.line, t.col)
    raise c.error(
        f"expected a delay such as '7 days' after 'auto after', got {t.describe()}", code="E021"
    )


def _block_guard(c: Cursor, g: _GuardParts) -> None:
    if c.at_key("guard"):
        key = c.advance()
        c.advance()
        expr = parse_expression(c)
        c.expect_newline()
        message = None
        if c.tok.kind == "INDENT":
            c.advance()
            while not c.at_block_end():
                if c.tok.kind == NEWLINE:
                    c.advance()
                    continue
                c.expect_keyword("message")
                c.expect_op(":")
                message = c.expect_string("the guard message")
                c.expect_newline()
            c.advance()
        g.guards.append(Guard(expr, message, Loc(c.path, key.line, key.col)))
        return
    _inline_guards(c, g)
    c.expect_newline()


_KEYS = {
    "intent": _intent,
    "domain": _domain,
    "patterns": _patterns,
    "extends": _extends,
    "archetype": _archetype_kind,
    "display_field": _display_field,
    "audit": _audit,
    "invariant": _invariant,
    "transitions": _transitions,
}
