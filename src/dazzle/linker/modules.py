"""The module graph: the root module, ``use`` declarations, cycles and visibility.

A ``ref X``, ``uses entity X`` or action target defined in another module must be imported
with ``use`` by the file that names it (as published), so a project's structure stays
explicit.
"""

from __future__ import annotations

from dazzle.diagnostics import did_you_mean
from dazzle.ir.common import Loc
from dazzle.ir.module import ModuleFile
from dazzle.linker.context import LinkContext


def pick_root(
    ctx: LinkContext, modules: list[ModuleFile], root: str | None, root_loc: Loc
) -> str | None:
    names = {m.name for m in modules}
    if root is not None:
        if root not in names:
            ctx.error(
                "E109",
                f"root module '{root}' is not declared by any .dsl file",
                root_loc,
                did_you_mean(root, names) or "set [project] root to a module name",
            )
            return None
        return root
    for m in modules:
        if m.app is not None:
            return m.name
    return modules[0].name if modules else None


def check_uses(ctx: LinkContext, modules: list[ModuleFile]) -> None:
    names = {m.name for m in modules}
    graph: dict[str, set[str]] = {m.name: set() for m in modules}
    for m in modules:
        for use in m.uses:
            if use.name not in names:
                ctx.error(
                    "E106",
                    f"unknown module '{use.name}'",
                    use.loc,
                    did_you_mean(use.name, names),
                )
            elif use.name != m.name:
                graph[m.name].add(use.name)
    _check_cycles(ctx, modules, graph)


def _check_cycles(ctx: LinkContext, modules: list[ModuleFile], graph: dict[str, set[str]]) -> None:
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    reported: set[frozenset[str]] = set()
    use_locs = {(m.name, u.name): u.loc for m in modules for u in m.uses}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    ctx.error(
                        "E108",
                        "circular module imports: " + " -> ".join(cycle),
                        use_locs[(node, nxt)],
                        "move the shared constructs into a module both can use",
                    )
            elif state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for m in modules:
        if state.get(m.name) is None:
            visit(m.name, [])


def visible_modules(module: ModuleFile, all_modules: dict[str, list[ModuleFile]]) -> set[str]:
    return {module.name, *(u.name for u in module.uses)}


def check_visibility(ctx: LinkContext, modules: list[ModuleFile]) -> None:
    """``ref X`` / ``uses entity X`` / ``-> surface X`` across modules need a ``use``."""
    entity_home = {e.name: e.module for e in ctx.entities.values()}
    surface_home = {s.name: s.module for s in ctx.surfaces.values()}
    for m in modules:
        allowed = {m.name, *(u.name for u in m.uses)}

        def need(
            home: str | None, name: str, loc: Loc, kind: str, allowed: set[str] = allowed
        ) -> None:
            if home is not None and home not in allowed:
                ctx.error(
                    "E107",
                    f"{kind} '{name}' is declared in module '{home}', which this file does not use",
                    loc,
                    f"add `use {home}` after the module line",
                )

        for e in m.entities:
            for f in e.fields:
                target = f.type.ref_entity
                if target:
                    need(entity_home.get(target), target, f.loc, "entity")
        for s in m.surfaces:
            if s.entity is not None:
                need(entity_home.get(s.entity.name), s.entity.name, s.entity.loc, "entity")
            for a in s.actions:
                if a.outcome == "surface":
                    need(surface_home.get(a.target.name), a.target.name, a.target.loc, "surface")
