"""Merging every module's constructs into one namespace per kind (duplicates are errors)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Protocol

from dazzle.ir.common import Loc
from dazzle.ir.module import ModuleFile
from dazzle.linker.context import LinkContext


class _Named(Protocol):
    @property
    def loc(self) -> Loc: ...


def _add(ctx: LinkContext, table: dict[str, object], kind: str, name: str, item: _Named) -> None:
    first = table.get(name)
    if first is not None:
        where = getattr(first, "loc", None)
        ctx.error(
            "E110",
            f"{kind} '{name}' is declared twice",
            item.loc,
            f"first declared at {where}" if where is not None else None,
        )
        return
    table[name] = item


def merge(ctx: LinkContext, modules: Iterable[ModuleFile]) -> None:
    for m in modules:
        ctx.incomplete |= set(m.incomplete)
        for e in m.entities:
            _add(ctx, ctx.entities, "entity", e.name, e)  # type: ignore[arg-type]
        for a in m.archetypes:
            _add(ctx, ctx.archetypes, "archetype", a.name, a)  # type: ignore[arg-type]
        for en in m.enums:
            _add(ctx, ctx.enums, "enum", en.name, en)  # type: ignore[arg-type]
        for s in m.surfaces:
            _add(ctx, ctx.surfaces, "surface", s.name, s)  # type: ignore[arg-type]
        for w in m.workspaces:
            _add(ctx, ctx.workspaces, "workspace", w.name, w)  # type: ignore[arg-type]
        for p in m.personas:
            _add(ctx, ctx.personas, "persona", p.id, p)  # type: ignore[arg-type]
        for sc in m.scenarios:
            prior = ctx.scenarios.get(sc.name)
            if sc.name == "default" and prior is not None and prior.name == "default":
                # top-level `demo:` blocks of several files all feed the default scenario
                ctx.scenarios[sc.name] = replace(prior, demo=(*prior.demo, *sc.demo))
                continue
            _add(ctx, ctx.scenarios, "scenario", sc.name, sc)  # type: ignore[arg-type]
        for n in m.navs:
            _add(ctx, ctx.navs, "nav", n.name, n)  # type: ignore[arg-type]
