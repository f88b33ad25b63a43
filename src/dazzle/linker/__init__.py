"""Linking: modules -> one frozen AppSpec, with semantic checks under stable codes."""

from __future__ import annotations

from dazzle.diagnostics import Diagnostic
from dazzle.ir.appspec import AppSpec
from dazzle.ir.common import Loc, title_case
from dazzle.ir.module import ModuleFile
from dazzle.linker.archetypes import expand_archetypes
from dazzle.linker.context import LinkContext
from dazzle.linker.entities import link_entities
from dazzle.linker.modules import check_uses, check_visibility, pick_root
from dazzle.linker.namespace import merge
from dazzle.linker.people import check_people
from dazzle.linker.surfaces import check_surfaces
from dazzle.linker.workspaces import check_workspaces


def link(
    modules: list[ModuleFile], root: str | None, root_loc: Loc
) -> tuple[AppSpec | None, list[Diagnostic]]:
    """Build the AppSpec. Returns it with the diagnostics; ``None`` when nothing to build."""
    ctx = LinkContext()
    root_name = pick_root(ctx, modules, root, root_loc)
    check_uses(ctx, modules)
    merge(ctx, modules)
    expand_archetypes(ctx)
    check_visibility(ctx, modules)
    link_entities(ctx)
    check_surfaces(ctx)
    check_workspaces(ctx)
    check_people(ctx)
    app = next((m.app for m in modules if m.name == root_name and m.app), None)
    app = app or next((m.app for m in modules if m.app), None)
    name = app.name if app else (root_name or "app")
    spec = AppSpec(
        name=name,
        title=app.title if app else title_case(name),
        root_module=root_name or "",
        app=app,
        modules=tuple(dict.fromkeys(m.name for m in modules)),
        entities=ctx.entities,
        surfaces=ctx.surfaces,
        workspaces=ctx.workspaces,
        personas=ctx.personas,
        scenarios=ctx.scenarios,
        enums=ctx.enums,
        archetypes=ctx.archetypes,
        navs=ctx.navs,
    )
    return spec, ctx.diags
