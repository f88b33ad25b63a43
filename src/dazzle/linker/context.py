"""Shared state of one link: the merged namespaces and the diagnostics being collected."""

from __future__ import annotations

from dataclasses import dataclass, field

from dazzle.diagnostics import Diagnostic, did_you_mean
from dazzle.ir.common import Loc
from dazzle.ir.entity import Archetype, Entity, Field
from dazzle.ir.people import EnumDecl, Persona, Scenario
from dazzle.ir.surface import Surface
from dazzle.ir.workspace import Nav, Workspace


@dataclass
class LinkContext:
    entities: dict[str, Entity] = field(default_factory=dict)
    archetypes: dict[str, Archetype] = field(default_factory=dict)
    enums: dict[str, EnumDecl] = field(default_factory=dict)
    surfaces: dict[str, Surface] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    navs: dict[str, Nav] = field(default_factory=dict)
    incomplete: set[tuple[str, str]] = field(default_factory=set)
    diags: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, loc: Loc, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, loc.path, loc.line, loc.col, hint))

    def warn(self, code: str, message: str, loc: Loc, hint: str | None = None) -> None:
        self.error(code, message, loc, hint)

    def is_complete(self, kind: str, name: str) -> bool:
        return (kind, name) not in self.incomplete

    def unknown_entity(self, name: str, loc: Loc, where: str) -> None:
        if ("entity", name) in self.incomplete and name not in self.entities:
            return  # its declaration failed to parse: that error is the one to fix
        self.error(
            "E100",
            f"unknown entity '{name}' {where}",
            loc,
            did_you_mean(name, self.entities) or "declare it with `entity Name:`",
        )

    def unknown_surface(self, name: str, loc: Loc, where: str) -> None:
        self.error(
            "E102",
            f"unknown surface '{name}' {where}",
            loc,
            did_you_mean(name, self.surfaces),
        )

    def unknown_field(self, entity: Entity, name: str, loc: Loc, where: str) -> None:
        if not self.is_complete("entity", entity.name):
            return  # the field may be on a line that failed to parse: no follow-on error
        names = [f.name for f in entity.fields] + [c.name for c in entity.computed]
        self.error(
            "E101",
            f"entity '{entity.name}' has no field '{name}' {where}",
            loc,
            did_you_mean(name, names),
        )

    def field_of(self, entity: Entity, name: str) -> Field | None:
        return entity.get_field(name)

    def has_member(self, entity: Entity, name: str) -> bool:
        return entity.get_field(name) is not None or entity.get_computed(name) is not None


def loc_of(node: object, fallback: Loc) -> Loc:
    """The location of an expression node (which keeps only line and column)."""
    line = getattr(node, "line", 0)
    col = getattr(node, "col", 0)
    if not line:
        return fallback
    return Loc(fallback.path, line, col)
