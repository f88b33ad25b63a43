"""Surfaces: one screen bound to an entity, with its sections, actions and ``ux:`` block."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from dazzle.expr.nodes import Node
from dazzle.ir.common import NO_LOC, AccessSpec, Loc, NameRef, SortKey

SURFACE_MODES = ("list", "view", "create", "edit", "review", "custom")
ATTENTION_LEVELS = ("critical", "warning", "notice", "info")


@dataclass(frozen=True, slots=True)
class SectionField:
    name: str
    label: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    when: Node | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    title: str | None = None
    fields: tuple[SectionField, ...] = ()
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class SurfaceAction:
    """``action save "Save": on submit -> surface product_list``."""

    name: str
    label: str | None
    trigger: str  # "submit" | "auto" | ...
    outcome: str  # "surface" | "experience" | "integration"
    target: NameRef
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class AttentionSignal:
    level: str
    when: Node
    message: str
    action: NameRef | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class PersonaVariant:
    """``for admin:`` / ``as admin:`` inside a ``ux:`` block."""

    persona: NameRef
    scope: Node | None = None
    scope_all: bool = False
    purpose: str | None = None
    show: tuple[NameRef, ...] = ()
    hide: tuple[NameRef, ...] = ()
    show_aggregate: tuple[str, ...] = ()
    action_primary: NameRef | None = None
    read_only: bool | None = None
    defaults: tuple[tuple[NameRef, Node], ...] = ()
    focus: tuple[str, ...] = ()
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class UX:
    purpose: str | None = None
    show: tuple[NameRef, ...] = ()
    sort: tuple[SortKey, ...] = ()
    filter: tuple[NameRef, ...] = ()
    search: tuple[NameRef, ...] = ()
    empty: str | None = None
    search_first: bool = False
    attention: tuple[AttentionSignal, ...] = ()
    variants: tuple[PersonaVariant, ...] = ()
    loc: Loc = dc_field(default=NO_LOC, compare=False)

    def variant_for(self, persona: str) -> PersonaVariant | None:
        for v in self.variants:
            if v.persona.name == persona:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Surface:
    name: str
    title: str
    entity: NameRef | None = None
    mode: str = "custom"
    sections: tuple[Section, ...] = ()
    actions: tuple[SurfaceAction, ...] = ()
    access: AccessSpec | None = None
    search: tuple[NameRef, ...] = ()
    priority: str | None = None
    source: str | None = None
    ux: UX = dc_field(default_factory=UX)
    module: str = ""
    loc: Loc = dc_field(default=NO_LOC, compare=False)

    @property
    def entity_name(self) -> str | None:
        return self.entity.name if self.entity else None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for s in self.sections for f in s.fields)

    @property
    def search_fields(self) -> tuple[str, ...]:
        """``ux: search`` wins over the surface-level ``search:``."""
        refs = self.ux.search or self.search
        return tuple(r.name for r in refs)
