"""Surface checks: the entity, section fields, ux fields, attention signals, persona
variants and action targets."""

from __future__ import annotations

from dataclasses import replace

from dazzle.ir.common import NameRef
from dazzle.ir.entity import Entity
from dazzle.ir.surface import UX, Section, Surface
from dazzle.linker.context import LinkContext
from dazzle.linker.expressions import check_condition, resolve_expression

_NEEDS_ENTITY = ("list", "view", "create", "edit", "review")


def check_surfaces(ctx: LinkContext) -> None:
    for name, s in list(ctx.surfaces.items()):
        if not ctx.is_complete("surface", name):
            continue
        _check_duplicate_sections(ctx, s)
        entity = _surface_entity(ctx, s)
        for action in s.actions:
            if action.outcome == "surface" and action.target.name not in ctx.surfaces:
                ctx.unknown_surface(action.target.name, action.target.loc, "in action outcome")
        if entity is None:
            check_ux_links(ctx, s.ux)
            continue
        sections = []
        for section in s.sections:
            fields = []
            for f in section.fields:
                if not ctx.has_member(entity, f.name):
                    ctx.unknown_field(entity, f.name, f.loc, f"in section '{section.name}'")
                elif f.when is not None:
                    when = resolve_expression(ctx, entity, f.when, f.loc, "in a field 'when:'")
                    f = replace(f, when=when)
                fields.append(f)
            sections.append(replace(section, fields=tuple(fields)))
        ctx.surfaces[name] = replace(s, sections=tuple(sections))
        _fields(ctx, entity, s.search, "in search:")
        check_ux(ctx, entity, s.ux)


def _check_duplicate_sections(ctx: LinkContext, s: Surface) -> None:
    seen: dict[str, Section] = {}
    for section in s.sections:
        first = seen.get(section.name)
        if first is not None:
            ctx.error(
                "E110",
                f"section '{section.name}' is declared twice in surface '{s.name}'",
                section.loc,
                f"first declared at {first.loc}; give it another name",
            )
        seen.setdefault(section.name, section)


def _surface_entity(ctx: LinkContext, s: Surface) -> Entity | None:
    if s.entity is None:
        if s.mode in _NEEDS_ENTITY:
            ctx.error(
                "E018",
                f"surface '{s.name}' has mode {s.mode} but no entity",
                s.loc,
                "add `uses entity Name`",
            )
        return None
    entity = ctx.entities.get(s.entity.name)
    if entity is None:
        ctx.unknown_entity(s.entity.name, s.entity.loc, f"in surface '{s.name}'")
    return entity


def _fields(ctx: LinkContext, entity: Entity, refs: tuple[NameRef, ...], where: str) -> None:
    for ref in refs:
        if not ctx.has_member(entity, ref.name):
            ctx.unknown_field(entity, ref.name, ref.loc, where)


def check_ux(ctx: LinkContext, entity: Entity, ux: UX) -> None:
    """A surface's ux block: every name is a field of the surface's entity."""
    _fields(ctx, entity, ux.show, "in ux show:")
    _fields(ctx, entity, ux.filter, "in ux filter:")
    _fields(ctx, entity, ux.search, "in ux search:")
    for key in ux.sort:
        if not ctx.has_member(entity, key.field):
            ctx.unknown_field(entity, key.field, key.loc, "in ux sort:")
    for signal in ux.attention:
        check_condition(ctx, entity, signal.when, signal.loc, "in an attention condition")
    for v in ux.variants:
        if v.scope is not None:
            check_condition(ctx, entity, v.scope, v.loc, f"in the scope for '{v.persona.name}'")
        _fields(ctx, entity, v.show, "in a persona variant's show:")
        _fields(ctx, entity, v.hide, "in a persona variant's hide:")
        for ref, _value in v.defaults:
            if not ctx.has_member(entity, ref.name):
                ctx.unknown_field(entity, ref.name, ref.loc, "in a persona variant's defaults:")
    check_ux_links(ctx, ux)


def check_ux_links(ctx: LinkContext, ux: UX) -> None:
    """Surface names used by a ux block (attention actions, primary actions)."""
    for signal in ux.attention:
        if signal.action is not None and signal.action.name not in ctx.surfaces:
            ctx.unknown_surface(signal.action.name, signal.action.loc, "in attention action:")
    for v in ux.variants:
        if v.action_primary is not None and v.action_primary.name not in ctx.surfaces:
            ctx.unknown_surface(v.action_primary.name, v.action_primary.loc, "in action_primary:")
