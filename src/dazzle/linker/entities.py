"""Entity checks and resolution: keys, fields, defaults, refs, constraints, invariants,
computed fields, state machines and access rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from dazzle.diagnostics import did_you_mean
from dazzle.expr.nodes import (
    Binary,
    BoolOp,
    Compare,
    DateAnchor,
    Duration,
    FieldRef,
    InList,
    IsNull,
    Literal,
    Node,
    Unary,
    walk,
)
from dazzle.ir.entity import (
    NUMERIC_KINDS,
    TEMPORAL_KINDS,
    TEXTUAL_KINDS,
    ComputedField,
    Entity,
    Field,
    FieldKind,
    Guard,
    StateMachine,
    Transition,
)
from dazzle.linker.context import LinkContext, loc_of
from dazzle.linker.expressions import check_condition, resolve_expression


def link_entities(ctx: LinkContext) -> None:
    """Check and resolve every entity. An entity with a syntax error is still checked, but
    nothing that a dropped line could explain is reported (missing key, unknown fields,
    unknown states): the syntax error is the one to fix first."""
    for name, entity in list(ctx.entities.items()):
        complete = ctx.is_complete("entity", name)
        _check_members(ctx, entity, complete)
        entity = _resolve_defaults(ctx, entity)
        entity = _resolve_expressions(ctx, entity)
        _check_cycles(ctx, entity)
        entity = _infer_state_machine(ctx, entity, report=complete)
        _check_rules(ctx, entity)
        ctx.entities[name] = entity


def _check_members(ctx: LinkContext, e: Entity, complete: bool) -> None:
    if e.pk is None and complete:
        ctx.error(
            "E113",
            f"entity '{e.name}' has no primary key",
            e.loc,
            "add `id: uuid pk` as its first field",
        )
    seen: dict[str, Field | ComputedField] = {}
    members: list[Field | ComputedField] = [*e.fields, *e.computed]
    for member in members:
        first = seen.get(member.name)
        if first is not None:
            ctx.error(
                "E111",
                f"field '{member.name}' is declared twice in entity '{e.name}'",
                member.loc,
                f"first declared at {first.loc}",
            )
        else:
            seen[member.name] = member
    for f in e.fields:
        if f.pk and f.optional:
            ctx.error(
                "E114",
                f"'{f.name}' is a primary key and cannot be optional",
                f.loc,
                "drop `optional`: a primary key is always required",
            )
        target = f.type.ref_entity
        if target is not None and target not in ctx.entities:
            ctx.unknown_entity(target, f.loc, f"in field '{f.name}'")
        if f.type.via is not None and f.type.via not in ctx.entities:
            ctx.unknown_entity(f.type.via, f.loc, f"in field '{f.name}' (via)")
        if (f.auto_add or f.auto_update) and f.type.kind not in TEMPORAL_KINDS:
            ctx.warn(
                "W004",
                f"'{f.name}' is {f.type.describe()}; auto_add/auto_update only set dates and times",
                f.loc,
                "make the field a datetime",
            )
    for con in e.constraints:
        for ref in con.fields:
            if e.get_field(ref.name) is None:
                ctx.unknown_field(e, ref.name, ref.loc, f"in '{con.kind}'")
    if e.display_field is not None and not ctx.has_member(e, e.display_field.name):
        ctx.unknown_field(e, e.display_field.name, e.display_field.loc, "in display_field")


# -- defaults ---------------------------------------------------------------------------------


def _resolve_defaults(ctx: LinkContext, e: Entity) -> Entity:
    changed = False
    fields: list[Field] = []
    for f in e.fields:
        if f.default is not None:
            new = _default_for(ctx, e, f, f.default)
            if new is not f.default:
                f = replace(f, default=new)
                changed = True
        fields.append(f)
    return replace(e, fields=tuple(fields)) if changed else e


def _default_for(ctx: LinkContext, e: Entity, f: Field, d: Node) -> Node:
    kind = f.type.kind
    loc = loc_of(d, f.loc)
    if isinstance(d, FieldRef) and len(d.path) == 1:
        word = d.path[0]
        if kind is FieldKind.ENUM:
            if word in f.type.enum_values:
                return Literal(word, d.line, d.col)
            if not ctx.has_member(e, word):
                ctx.error(
                    "E117",
                    f"default '{word}' is not a value of {f.type.describe()}",
                    loc,
                    did_you_mean(word, f.type.enum_values)
                    or f"use one of: {', '.join(f.type.enum_values)}",
                )
                return d
        elif not ctx.has_member(e, word):
            if kind in TEXTUAL_KINDS:
                return Literal(word, d.line, d.col)
            ctx.error("E117", f"default '{word}' is not valid for {f.type.describe()}", loc)
            return d
    if isinstance(d, Literal):
        problem = _literal_problem(f, d.value)
        if problem:
            ctx.error("E117", f"default for '{f.name}': {problem}", loc)
        return d
    if (
        isinstance(d, DateAnchor)
        and kind is FieldKind.ENUM
        and d.offset is None
        and (d.kind in f.type.enum_values)
    ):
        return Literal(d.kind, d.line, d.col)  # `enum[today,later]=today`: the value
    if isinstance(d, DateAnchor):
        if kind not in TEMPORAL_KINDS:
            ctx.error(
                "E117",
                f"default '{d.kind}' needs a date or datetime field, '{f.name}' is "
                f"{f.type.describe()}",
                loc,
            )
        return d
    resolved = resolve_expression(ctx, e, d, f.loc, f"in the default of '{f.name}'")
    shape = _expression_shape(resolved)
    if shape is not None and not _shape_fits(shape, kind):
        ctx.error(
            "E117",
            f"default for '{f.name}' is {shape}, which a {f.type.describe()} field cannot hold",
            loc,
        )
    return resolved


def _expression_shape(node: Node) -> str | None:
    """What an expression default evidently produces, when that is knowable."""
    if isinstance(node, Duration):
        return "a duration"
    if isinstance(node, Compare | BoolOp | IsNull | InList) or (
        isinstance(node, Unary) and node.op == "not"
    ):
        return "true or false"
    if isinstance(node, Binary) and all(
        isinstance(n, Literal) and isinstance(n.value, int | Decimal)
        for n in (node.left, node.right)
    ):
        return "a number"
    return None


def _shape_fits(shape: str, kind: FieldKind) -> bool:
    if shape == "true or false":
        return kind in (FieldKind.BOOL, FieldKind.JSON)
    if shape == "a number":
        return kind in NUMERIC_KINDS or kind is FieldKind.JSON
    return False


def _literal_problem(f: Field, value: object) -> str | None:
    kind = f.type.kind
    if value is None:
        return None
    if kind is FieldKind.BOOL:
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if isinstance(value, bool):
        return None if kind is FieldKind.JSON else f"true/false is not valid for {kind.value}"
    if kind is FieldKind.INT:
        return None if isinstance(value, int) else f"expected a whole number, got {value}"
    if kind is FieldKind.DECIMAL and isinstance(value, Decimal) and f.type.scale is not None:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > f.type.scale:
            return f"{value} has more than {f.type.scale} decimal places"
    if kind is FieldKind.UUID or f.type.is_reference:
        import uuid

        try:
            uuid.UUID(str(value))
        except ValueError:
            return f"'{value}' is not an id (UUID)"
        return None
    if kind in NUMERIC_KINDS:
        return None if isinstance(value, int | Decimal) else f"expected a number, got {value!r}"
    if kind is FieldKind.ENUM:
        if value not in f.type.enum_values:
            return f"'{value}' is not one of {', '.join(f.type.enum_values)}"
        return None
    if kind is FieldKind.DATE and isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"'{value}' is not a date (YYYY-MM-DD)"
        return None
    if kind in TEXTUAL_KINDS and not isinstance(value, str):
        return f"expected a quoted string, got {value}"
    limit = f.type.max_length
    if (
        kind is FieldKind.STR
        and isinstance(value, str)
        and limit is not None
        and len(value) > limit
    ):
        return f"{len(value)} characters is longer than str({f.type.max_length})"
    return None


# -- invariants, computed fields, guards ------------------------------------------------------


def _check_cycles(ctx: LinkContext, e: Entity) -> None:
    """A computed field (or an expression default) that needs itself, directly or not."""
    deps: dict[str, set[str]] = {}
    for c in e.computed:
        deps[c.name] = {r.path[0] for r in walk(c.expr) if isinstance(r, FieldRef)}
    for f in e.fields:
        if f.default is not None and not isinstance(f.default, Literal | DateAnchor):
            deps[f.name] = {r.path[0] for r in walk(f.default) if isinstance(r, FieldRef)}
    reported: set[str] = set()
    for start in deps:
        stack, seen = [start], set()
        while stack:
            name = stack.pop()
            for dep in deps.get(name, ()):
                if dep == start and start not in reported:
                    reported.add(start)
                    member = e.get_field(start) or e.get_computed(start)
                    loc = member.loc if member is not None else e.loc
                    ctx.error(
                        "E126",
                        f"'{start}' depends on itself",
                        loc,
                        "break the cycle between these computed fields or defaults",
                    )
                elif dep not in seen:
                    seen.add(dep)
                    stack.append(dep)


def _resolve_expressions(ctx: LinkContext, e: Entity) -> Entity:
    invariants = tuple(
        replace(inv, expr=resolve_expression(ctx, e, inv.expr, inv.loc, "in an invariant"))
        for inv in e.invariants
    )
    computed = tuple(
        replace(
            c,
            expr=resolve_expression(
                ctx, e, c.expr, c.loc, f"in computed field '{c.name}'", allow_aggregates=True
            ),
        )
        for c in e.computed
    )
    transitions = tuple(_resolve_transition(ctx, e, t) for t in e.transitions)
    return replace(e, invariants=invariants, computed=computed, transitions=transitions)


def _resolve_transition(ctx: LinkContext, e: Entity, t: Transition) -> Transition:
    for req in t.requires:
        if not ctx.has_member(e, req.name):
            ctx.unknown_field(e, req.name, req.loc, "in 'requires'")
    if not t.guards:
        return t
    guards = tuple(
        Guard(resolve_expression(ctx, e, g.expr, g.loc, "in a transition guard"), g.message, g.loc)
        for g in t.guards
    )
    return replace(t, guards=guards)


# -- state machine ----------------------------------------------------------------------------


def _infer_state_machine(ctx: LinkContext, e: Entity, *, report: bool) -> Entity:
    """The first enum field holding every state the transitions name; else ``status``."""
    if not e.transitions:
        return e
    states: dict[str, None] = {}
    for t in e.transitions:
        if t.from_state != "*":
            states.setdefault(t.from_state)
        states.setdefault(t.to_state)
    enums = [f for f in e.fields if f.type.kind is FieldKind.ENUM]
    chosen = next((f for f in enums if set(states) <= set(f.type.enum_values)), None)
    if chosen is None:
        fallback = next((f for f in enums if f.name == "status"), None) or (
            max(enums, key=lambda f: len(set(states) & set(f.type.enum_values))) if enums else None
        )
        if report:
            _report_states(ctx, e, fallback)
        if fallback is None:
            return e
        chosen = fallback
    _check_duplicate_transitions(ctx, e, report)
    machine = StateMachine(chosen.name, chosen.type.enum_values, e.transitions)
    return replace(e, state_machine=machine)


def _report_states(ctx: LinkContext, e: Entity, field: Field | None) -> None:
    first = e.transitions[0]
    if field is None:
        ctx.error(
            "E118",
            f"entity '{e.name}' has transitions but no enum field holding its states",
            first.loc,
            "add a field such as `status: enum[draft,done]=draft`",
        )
        return
    values = field.type.enum_values
    for t in e.transitions:
        for state in (t.from_state, t.to_state):
            if state != "*" and state not in values:
                ctx.error(
                    "E118",
                    f"unknown state '{state}': not a value of '{field.name}' ({', '.join(values)})",
                    t.loc,
                    did_you_mean(state, values)
                    or f"add '{state}' to the enum of '{field.name}', or use one of its values",
                )


def _check_duplicate_transitions(ctx: LinkContext, e: Entity, report: bool) -> None:
    if not report:
        return
    seen: dict[tuple[str, str], Transition] = {}
    for t in e.transitions:
        key = (t.from_state, t.to_state)
        if key in seen:
            ctx.warn(
                "W008",
                f"transition {t.from_state} -> {t.to_state} is declared twice; the second "
                "is never used (the first match wins)",
                t.loc,
                f"first declared at {seen[key].loc}; merge the guards into one line",
            )
        else:
            seen[key] = t


# -- access rules -----------------------------------------------------------------------------


def _check_rules(ctx: LinkContext, e: Entity) -> None:
    for rule in e.permissions:
        if rule.condition is not None:
            check_condition(ctx, e, rule.condition, rule.loc, f"in a {rule.origin} rule")
    for vis in e.visibility:
        if vis.condition is not None:
            check_condition(ctx, e, vis.condition, vis.loc, "in a visible rule")
    for scope in e.scopes:
        if scope.condition is not None:
            check_condition(ctx, e, scope.condition, scope.loc, "in a scope rule")
