"""Personas, scenarios with demo data, standalone enums and the app declaration."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from dazzle.expr.nodes import LiteralValue
from dazzle.ir.common import NO_LOC, Loc, NameRef


@dataclass(frozen=True, slots=True)
class Persona:
    id: str
    label: str
    description: str | None = None
    goals: tuple[str, ...] = ()
    proficiency: str | None = None
    default_workspace: NameRef | None = None
    default_route: str | None = None
    nav: NameRef | None = None
    module: str = ""
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class DemoRecord:
    values: tuple[tuple[str, LiteralValue], ...]
    loc: Loc = dc_field(default=NO_LOC, compare=False)
    value_locs: tuple[Loc, ...] = dc_field(default=(), compare=False)

    def as_dict(self) -> dict[str, LiteralValue]:
        return dict(self.values)


@dataclass(frozen=True, slots=True)
class DemoFixture:
    entity: NameRef
    records: tuple[DemoRecord, ...] = ()
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class PersonaEntry:
    persona: NameRef
    start_route: str | None = None
    seed_script: str | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    description: str | None = None
    seed_script: str | None = None
    persona_entries: tuple[PersonaEntry, ...] = ()
    demo: tuple[DemoFixture, ...] = ()
    module: str = ""
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class EnumValue:
    name: str
    label: str | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class EnumDecl:
    name: str
    title: str
    values: tuple[EnumValue, ...] = ()
    module: str = ""
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class App:
    name: str
    title: str
    description: str | None = None
    multi_tenant: bool = False
    audit_trail: bool = False
    security_profile: str | None = None
    features: tuple[tuple[str, str], ...] = ()
    loc: Loc = dc_field(default=NO_LOC, compare=False)
