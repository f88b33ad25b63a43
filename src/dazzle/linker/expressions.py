"""Checking conditions and resolving expressions against the entity they run on.

- Field paths (``task.assigned_to``) must name fields, through ``ref`` fields for the dots.
- In expressions a bare word that is not a field but a value of the enum it is compared
  with is a literal (``status != fixed``), fixing the published runtime, which read it as a
  missing field and so made the invariant always true.
- ``count(Child)`` / ``sum(Child.f)`` in a computed field become :class:`ChildAggregate`
  with the child's ``ref`` back to the parent.
"""

from __future__ import annotations

from dazzle.diagnostics import did_you_mean
from dazzle.expr.nodes import (
    Call,
    ChildAggregate,
    Compare,
    FieldRef,
    InList,
    Literal,
    Node,
    map_children,
    walk,
)
from dazzle.ir.common import Loc
from dazzle.ir.entity import ComputedField, Entity, Field, FieldKind
from dazzle.linker.context import LinkContext, loc_of

FUNCTIONS = frozenset(
    {
        "today",
        "now",
        "days_until",
        "days_since",
        "concat",
        "len",
        "abs",
        "min",
        "max",
        "round",
        "coalesce",
        "upper",
        "lower",
    }
)
AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})


def resolve_path(
    ctx: LinkContext, entity: Entity, path: tuple[str, ...]
) -> tuple[Field | ComputedField | None, Entity, str | None]:
    """Follow ``a.b.c`` from ``entity``. Returns (member, owning entity, failing name)."""
    current = entity
    for i, name in enumerate(path):
        member: Field | ComputedField | None = current.get_field(name) or current.get_computed(name)
        if member is None:
            return None, current, name
        if i == len(path) - 1:
            return member, current, None
        if not isinstance(member, Field) or member.type.ref_entity is None:
            return None, current, path[i + 1]
        target = ctx.entities.get(member.type.ref_entity)
        if target is None:  # reported as an unknown entity where the ref is declared
            return member, current, None
        current = target
    return None, current, None


def check_condition(
    ctx: LinkContext, entity: Entity, node: Node, fallback: Loc, where: str
) -> None:
    """Every field a condition names must exist on ``entity`` (through refs); a literal
    that can never equal the field it is compared with is worth a warning."""
    for n in walk(node):
        if isinstance(n, FieldRef):
            _check_ref(ctx, entity, n, fallback, where)
        elif isinstance(n, Call) and n.func not in FUNCTIONS:
            _unknown_function(ctx, n, fallback)
        elif isinstance(n, Compare):
            _check_literal(ctx, entity, n.left, n.right, fallback)
            _check_literal(ctx, entity, n.right, n.left, fallback)
        elif isinstance(n, InList):
            for item in n.items:
                _check_literal(ctx, entity, n.operand, item, fallback)


def _check_literal(
    ctx: LinkContext, entity: Entity, field_side: Node, value: Node, fallback: Loc
) -> None:
    if not isinstance(field_side, FieldRef) or not isinstance(value, Literal):
        return
    if not isinstance(value.value, str):
        return
    member, owner, failing = resolve_path(ctx, entity, field_side.path)
    if failing is not None or not isinstance(member, Field):
        return
    kind = member.type.kind
    if kind is FieldKind.ENUM and value.value not in member.type.enum_values:
        hint = did_you_mean(value.value, member.type.enum_values)
        ctx.warn(
            "W007",
            f"'{value.value}' is not a value of {owner.name}.{member.name} "
            f"({', '.join(member.type.enum_values)}): this comparison never matches",
            loc_of(value, fallback),
            hint,
        )
    elif kind in (FieldKind.INT, FieldKind.FLOAT, FieldKind.DECIMAL, FieldKind.BOOL):
        ctx.warn(
            "W007",
            f"{owner.name}.{member.name} is {kind.value}, compared with the word "
            f"'{value.value}': this comparison never matches",
            loc_of(value, fallback),
        )


def _check_ref(ctx: LinkContext, entity: Entity, ref: FieldRef, fallback: Loc, where: str) -> bool:
    member, owner, failing = resolve_path(ctx, entity, ref.path)
    if failing is not None:
        ctx.unknown_field(owner, failing, loc_of(ref, fallback), where)
        return False
    return member is not None


def _unknown_function(ctx: LinkContext, call: Call, fallback: Loc) -> None:
    ctx.error(
        "E119",
        f"unknown function '{call.func}'",
        loc_of(call, fallback),
        did_you_mean(call.func, sorted(FUNCTIONS | AGGREGATES)),
    )


def _enum_field(ctx: LinkContext, entity: Entity, node: Node) -> Field | None:
    if not isinstance(node, FieldRef):
        return None
    member, _, failing = resolve_path(ctx, entity, node.path)
    if failing is None and isinstance(member, Field) and member.type.kind is FieldKind.ENUM:
        return member
    return None


def _bare_word(entity: Entity, node: Node) -> str | None:
    """A single-word FieldRef that is not a member of the entity."""
    if isinstance(node, FieldRef) and len(node.path) == 1:
        name = node.path[0]
        if entity.get_field(name) is None and entity.get_computed(name) is None:
            return name
    return None


def _as_enum_literal(ctx: LinkContext, entity: Entity, other: Node, node: Node) -> Node:
    word = _bare_word(entity, node)
    enum = _enum_field(ctx, entity, other)
    if word is not None and enum is not None and word in enum.type.enum_values:
        assert isinstance(node, FieldRef)
        return Literal(word, node.line, node.col)
    return node


def resolve_expression(
    ctx: LinkContext,
    entity: Entity,
    node: Node,
    fallback: Loc,
    where: str,
    *,
    allow_aggregates: bool = False,
) -> Node:
    """Resolve enum literals and child aggregates; report unknown fields and functions."""

    def fix(n: Node) -> Node:
        if isinstance(n, Compare):
            left = _as_enum_literal(ctx, entity, n.right, n.left)
            right = _as_enum_literal(ctx, entity, n.left, n.right)
            n = Compare(n.op, left, right, n.line, n.col)
        elif isinstance(n, InList):
            items = tuple(_as_enum_literal(ctx, entity, n.operand, i) for i in n.items)
            n = InList(n.operand, items, n.negated, n.line, n.col)
        elif isinstance(n, Call):
            agg = _child_aggregate(ctx, entity, n, fallback, allow_aggregates)
            if agg is not None:
                return agg
            if n.func not in FUNCTIONS:
                _unknown_function(ctx, n, fallback)
                return n
        elif isinstance(n, FieldRef):
            _check_ref(ctx, entity, n, fallback, where)
            return n
        return map_children(n, fix)

    return fix(node)


def _own_scalar_field(ctx: LinkContext, entity: Entity, arg: Node) -> Field | None:
    """``sum(amount)``: a plain field of the entity itself (not a child entity)."""
    if not isinstance(arg, FieldRef) or len(arg.path) != 1 or arg.path[0] in ctx.entities:
        return None
    f = entity.get_field(arg.path[0])
    return f if f is not None and f.type.kind is not FieldKind.HAS_MANY else None


def _child_aggregate(
    ctx: LinkContext, entity: Entity, call: Call, fallback: Loc, allowed: bool
) -> Node | None:
    if call.func not in AGGREGATES or len(call.args) != 1:
        return None
    own = _own_scalar_field(ctx, entity, call.args[0])
    if call.func in ("count", "sum", "avg") and own is not None:
        ctx.error(
            "E120",
            f"{call.func}({own.name}) aggregates child records, not a field of '{entity.name}'",
            loc_of(call, fallback),
            f"write {call.func}(Child.field) over an entity that refs {entity.name}",
        )
        return call
    arg = call.args[0]
    if not isinstance(arg, FieldRef) or len(arg.path) > 2:
        return None
    head = arg.path[0]
    child = ctx.entities.get(head)
    if child is None:
        rel = entity.get_field(head)
        if rel is not None and rel.type.kind is FieldKind.HAS_MANY and rel.type.ref_entity:
            child = ctx.entities.get(rel.type.ref_entity)
    if child is None:
        if call.func in ("min", "max"):
            return None  # min(x): the scalar function over one value
        if call.func == "count" or len(arg.path) == 2:
            ctx.unknown_entity(head, loc_of(arg, fallback), f"in {call.func}(...)")
            return call
        return None
    loc = loc_of(call, fallback)
    if not allowed:
        ctx.error("E122", f"{call.func}({head}) is only allowed in computed fields", loc)
        return call
    fk = next(
        (f for f in child.fields if f.type.is_reference and f.type.ref_entity == entity.name),
        None,
    )
    if fk is None:
        declared = any(
            f.type.kind is FieldKind.HAS_MANY and f.type.ref_entity == child.name
            for f in entity.fields
        )
        hint = f"add `{entity.name.lower()}: ref {entity.name}` to {child.name}"
        if not declared:
            ctx.error(
                "E120",
                f"{call.func}({arg.name}): entity '{child.name}' has no ref to '{entity.name}'",
                loc,
                hint,
            )
            return call
        # `has_many Child` declares the relation but nothing stores it: the published
        # runtime loads such projects, so the aggregate is kept and is always empty.
        ctx.warn(
            "W006",
            f"{call.func}({arg.name}) is always empty: '{entity.name}' declares has_many "
            f"{child.name}, but '{child.name}' has no ref to '{entity.name}'",
            loc,
            hint,
        )
        return ChildAggregate(
            call.func,
            child.name,
            "",
            arg.path[1] if len(arg.path) == 2 else None,
            call.line,
            call.col,
        )
    field_name = arg.path[1] if len(arg.path) == 2 else None
    if call.func != "count" and field_name is None:
        ctx.error("E120", f"{call.func}({head}) needs a field: {call.func}({head}.field)", loc)
        return call
    if field_name is not None and child.get_field(field_name) is None:
        ctx.unknown_field(child, field_name, loc_of(arg, fallback), f"in {call.func}(...)")
        return call
    return ChildAggregate(call.func, child.name, fk.name, field_name, call.line, call.col)
