"""What the parser returns for one file, before linking."""

from __future__ import annotations

from dataclasses import dataclass, field

from dazzle.ir.common import NameRef
from dazzle.ir.entity import Archetype, Entity
from dazzle.ir.people import App, EnumDecl, Persona, Scenario
from dazzle.ir.surface import Surface
from dazzle.ir.workspace import Nav, Workspace


@dataclass(frozen=True, slots=True)
class ModuleFile:
    name: str
    path: str
    uses: tuple[NameRef, ...] = ()
    app: App | None = None
    entities: tuple[Entity, ...] = ()
    archetypes: tuple[Archetype, ...] = ()
    enums: tuple[EnumDecl, ...] = ()
    surfaces: tuple[Surface, ...] = ()
    workspaces: tuple[Workspace, ...] = ()
    personas: tuple[Persona, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    navs: tuple[Nav, ...] = ()
    # (kind, name) of constructs that had a syntax error: the linker does not check their
    # insides, so one typo does not cascade into a dozen follow-on errors.
    incomplete: frozenset[tuple[str, str]] = field(default_factory=frozenset)
