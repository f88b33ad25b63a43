"""``extends: A, B``: archetype fields, computed fields and invariants are prepended to the
entity (the entity's own field wins on a name clash)."""

from __future__ import annotations

from dataclasses import replace

from dazzle.diagnostics import did_you_mean
from dazzle.ir.entity import ComputedField, Entity, Field, Invariant
from dazzle.linker.context import LinkContext


def expand_archetypes(ctx: LinkContext) -> None:
    for name, entity in list(ctx.entities.items()):
        if entity.extends:
            ctx.entities[name] = _expand(ctx, entity)


def _expand(ctx: LinkContext, entity: Entity) -> Entity:
    own = {f.name for f in entity.fields} | {c.name for c in entity.computed}
    fields: list[Field] = []
    computed: list[ComputedField] = []
    invariants: list[Invariant] = []
    for ref in entity.extends:
        arch = ctx.archetypes.get(ref.name)
        if arch is None:
            ctx.error(
                "E105",
                f"unknown archetype '{ref.name}' in extends",
                ref.loc,
                did_you_mean(ref.name, ctx.archetypes) or "declare it with `archetype Name:`",
            )
            continue
        for f in arch.fields:
            if f.name not in own:
                own.add(f.name)
                fields.append(f)
        for c in arch.computed:
            if c.name not in own:
                own.add(c.name)
                computed.append(c)
        invariants.extend(arch.invariants)
    return replace(
        entity,
        fields=(*fields, *entity.fields),
        computed=(*computed, *entity.computed),
        invariants=(*invariants, *entity.invariants),
    )
