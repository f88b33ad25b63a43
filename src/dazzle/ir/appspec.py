"""The AppSpec: the whole linked, immutable model the runtime executes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dazzle.ir.entity import Archetype, Entity
from dazzle.ir.people import App, EnumDecl, Persona, Scenario
from dazzle.ir.surface import Surface
from dazzle.ir.workspace import Nav, Workspace


@dataclass(frozen=True, slots=True)
class AppSpec:
    name: str
    title: str
    root_module: str
    app: App | None = None
    modules: tuple[str, ...] = ()
    entities: Mapping[str, Entity] = field(default_factory=dict)
    surfaces: Mapping[str, Surface] = field(default_factory=dict)
    workspaces: Mapping[str, Workspace] = field(default_factory=dict)
    personas: Mapping[str, Persona] = field(default_factory=dict)
    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    enums: Mapping[str, EnumDecl] = field(default_factory=dict)
    archetypes: Mapping[str, Archetype] = field(default_factory=dict)
    navs: Mapping[str, Nav] = field(default_factory=dict)

    def surfaces_for(self, entity: str) -> tuple[Surface, ...]:
        return tuple(s for s in self.surfaces.values() if s.entity_name == entity)

    def surface_for(self, entity: str, mode: str) -> Surface | None:
        for s in self.surfaces.values():
            if s.entity_name == entity and s.mode == mode:
                return s
        return None
