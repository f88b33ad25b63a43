"""Workspace checks: region sources, filters, sorts, groupings, aggregates and links."""

from __future__ import annotations

from dataclasses import replace

from dazzle.ir.common import NameRef
from dazzle.ir.entity import Entity
from dazzle.ir.workspace import Aggregate, Region, Workspace
from dazzle.linker.context import LinkContext
from dazzle.linker.expressions import check_condition
from dazzle.linker.surfaces import check_ux_links


def check_workspaces(ctx: LinkContext) -> None:
    for name, w in list(ctx.workspaces.items()):
        if not ctx.is_complete("workspace", name):
            continue
        seen: dict[str, Region] = {}
        for region in w.regions:
            first = seen.setdefault(region.name, region)
            if first is not region:
                ctx.error(
                    "E110",
                    f"region '{region.name}' is declared twice in workspace '{w.name}'",
                    region.loc,
                    f"first declared at {first.loc}; give it another name",
                )
            _check_region(ctx, region)
        regions = tuple(_normalise_sources(ctx, r) for r in w.regions)
        if regions != w.regions:
            ctx.workspaces[name] = replace(w, regions=regions)
        check_ux_links(ctx, w.ux)
        _check_context_selector(ctx, w)
        for group in w.nav_groups:
            for item in group.items:
                check_nav_target(ctx, item.name, NameRef(item.name, item.loc))


def _normalise_sources(ctx: LinkContext, r: Region) -> Region:
    """A surface named as a source stands for its entity."""
    sources = []
    for ref in r.sources:
        surface = ctx.surfaces.get(ref.name)
        if ref.name not in ctx.entities and surface is not None and surface.entity is not None:
            ref = NameRef(surface.entity.name, ref.loc)
        sources.append(ref)
    new = tuple(sources)
    return r if new == r.sources else replace(r, sources=new)


def check_nav_target(ctx: LinkContext, name: str, ref: NameRef) -> None:
    if name in ctx.workspaces or name in ctx.surfaces or name in ctx.entities:
        return
    from dazzle.diagnostics import did_you_mean

    ctx.error(
        "E104",
        f"navigation item '{name}' is not a workspace, surface or entity",
        ref.loc,
        did_you_mean(name, [*ctx.workspaces, *ctx.surfaces]),
    )


def _entity(ctx: LinkContext, ref: NameRef, where: str) -> Entity | None:
    e = ctx.entities.get(ref.name)
    if e is None:
        surface = ctx.surfaces.get(ref.name)  # newer dialect: a surface as a region source
        if surface is not None and surface.entity is not None:
            return ctx.entities.get(surface.entity.name)
        ctx.unknown_entity(ref.name, ref.loc, where)
    return e


def _check_region(ctx: LinkContext, r: Region) -> None:
    sources = [e for e in (_entity(ctx, s, f"in region '{r.name}'") for s in r.sources) if e]
    source = sources[0] if len(r.sources) == 1 and sources else None
    if r.action is not None and r.action.name not in ctx.surfaces:
        ctx.unknown_surface(r.action.name, r.action.loc, f"in region '{r.name}' action:")
    for src, cond in r.filter_map:
        e = ctx.entities.get(src.name)
        if e is None:
            ctx.unknown_entity(src.name, src.loc, "in filter_map")
        else:
            check_condition(ctx, e, cond, src.loc, "in filter_map")
    for agg in r.aggregates:
        _check_aggregate(ctx, r, agg, source)
    if source is None:
        return
    if r.filter is not None:
        check_condition(ctx, source, r.filter, r.loc, f"in region '{r.name}' filter")
    for key in r.sort:
        if not ctx.has_member(source, key.field):
            ctx.unknown_field(source, key.field, key.loc, f"in region '{r.name}' sort")
    for ref, what in ((r.group_by, "group_by"), (r.date_field, "date_field")):
        if ref is not None and not ctx.has_member(source, ref.name):
            ctx.unknown_field(source, ref.name, ref.loc, f"in region '{r.name}' {what}")


def _check_aggregate(ctx: LinkContext, r: Region, agg: Aggregate, source: Entity | None) -> None:
    target = source
    if agg.entity is not None:
        target = _entity(ctx, agg.entity, f"in aggregate '{agg.name}'")
        if target is None:
            return
    if target is None:
        if not r.sources:
            ctx.error(
                "E020",
                f"aggregate '{agg.name}' names no entity and region '{r.name}' has no source",
                agg.loc,
                f"write {agg.func}(Entity.field)",
            )
        return
    if agg.field is not None and not ctx.has_member(target, agg.field.name):
        ctx.unknown_field(target, agg.field.name, agg.field.loc, f"in aggregate '{agg.name}'")
    if agg.where is not None:
        check_condition(ctx, target, agg.where, agg.loc, f"in aggregate '{agg.name}'")


def _check_context_selector(ctx: LinkContext, w: Workspace) -> None:
    sel = w.context_selector
    if sel is None or sel.entity is None:
        return
    e = _entity(ctx, sel.entity, "in context_selector")
    if e is None:
        return
    for ref in (sel.display_field, sel.scope_field):
        if ref is not None and not ctx.has_member(e, ref.name):
            ctx.unknown_field(e, ref.name, ref.loc, "in context_selector")
    if sel.filter is not None:
        check_condition(ctx, e, sel.filter, sel.loc, "in context_selector filter")
