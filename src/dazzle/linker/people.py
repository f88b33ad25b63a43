"""Checks of personas, navs and scenarios (including every demo record)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from dazzle.diagnostics import did_you_mean
from dazzle.ir.entity import NUMERIC_KINDS, Entity, Field, FieldKind
from dazzle.ir.people import DemoFixture
from dazzle.linker.context import LinkContext
from dazzle.linker.workspaces import check_nav_target


def check_people(ctx: LinkContext) -> None:
    for p in ctx.personas.values():
        if p.default_workspace is not None and p.default_workspace.name not in ctx.workspaces:
            # The published runtime ignores this too; sign-in falls back to the first
            # workspace the persona may open, so warn rather than refuse the project.
            ctx.warn(
                "W005",
                f"persona '{p.id}' default_workspace '{p.default_workspace.name}' is not a "
                "workspace; ignored",
                p.default_workspace.loc,
                did_you_mean(p.default_workspace.name, ctx.workspaces),
            )
        if p.nav is not None and p.nav.name not in ctx.navs:
            ctx.error(
                "E104",
                f"unknown nav '{p.nav.name}' in persona '{p.id}'",
                p.nav.loc,
                did_you_mean(p.nav.name, ctx.navs),
            )
    for nav in ctx.navs.values():
        for group in nav.groups:
            for item in group.items:
                from dazzle.ir.common import NameRef

                check_nav_target(ctx, item.name, NameRef(item.name, item.loc))
    for sc in ctx.scenarios.values():
        for entry in sc.persona_entries:
            if ctx.personas and entry.persona.name not in ctx.personas:
                ctx.error(
                    "E103",
                    f"unknown persona '{entry.persona.name}' in scenario '{sc.name}'",
                    entry.persona.loc,
                    did_you_mean(entry.persona.name, ctx.personas),
                )
        for fixture in sc.demo:
            _check_fixture(ctx, fixture)


def _check_fixture(ctx: LinkContext, fixture: DemoFixture) -> None:
    entity = ctx.entities.get(fixture.entity.name)
    if entity is None:
        ctx.unknown_entity(fixture.entity.name, fixture.entity.loc, "in demo data")
        return
    for record in fixture.records:
        locs = record.value_locs or tuple(record.loc for _ in record.values)
        for (name, value), loc in zip(record.values, locs, strict=False):
            f = entity.get_field(name)
            if f is None:
                if entity.get_computed(name) is not None:
                    ctx.error("E121", f"'{name}' is computed and cannot be set in demo data", loc)
                else:
                    ctx.unknown_field(entity, name, loc, "in demo data")
                continue
            problem = _demo_problem(entity, f, value)
            if problem:
                ctx.error("E121", f"demo value for '{name}': {problem}", loc)


def _demo_problem(entity: Entity, f: Field, value: object) -> str | None:
    kind = f.type.kind
    if value is None:
        return None
    if kind is FieldKind.ENUM and value not in f.type.enum_values:
        hint = did_you_mean(str(value), f.type.enum_values)
        return f"'{value}' is not one of {', '.join(f.type.enum_values)}" + (
            f" ({hint})" if hint else ""
        )
    if kind is FieldKind.BOOL and not isinstance(value, bool):
        return f"expected true or false, got {value!r}"
    if kind is FieldKind.INT and (not isinstance(value, int) or isinstance(value, bool)):
        return f"expected a whole number, got {value!r}"
    if kind in NUMERIC_KINDS and not isinstance(value, int | Decimal):
        return f"expected a number, got {value!r}"
    if kind is FieldKind.DATE and isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"'{value}' is not a date (YYYY-MM-DD)"
    if kind is FieldKind.DATETIME and isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return f"'{value}' is not a date-time (YYYY-MM-DDTHH:MM)"
    limit = f.type.max_length
    if (
        kind is FieldKind.STR
        and isinstance(value, str)
        and limit is not None
        and len(value) > limit
    ):
        return f"{len(value)} characters is longer than str({f.type.max_length})"
    return None
