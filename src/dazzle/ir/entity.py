"""Entities: fields, computed fields, constraints, invariants, state machines, access rules."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import StrEnum

from dazzle.expr.nodes import Duration, Node
from dazzle.ir.common import NO_LOC, Loc, NameRef


class FieldKind(StrEnum):
    STR = "str"
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    UUID = "uuid"
    EMAIL = "email"
    JSON = "json"
    URL = "url"
    TIMEZONE = "timezone"
    SLUG = "slug"
    ENUM = "enum"
    REF = "ref"
    MONEY = "money"
    FILE = "file"
    HAS_MANY = "has_many"
    HAS_ONE = "has_one"
    EMBEDS = "embeds"
    BELONGS_TO = "belongs_to"


# Relations that own no column: the reverse side of a child's `ref`.
VIRTUAL_KINDS = frozenset({FieldKind.HAS_MANY, FieldKind.HAS_ONE, FieldKind.EMBEDS})
NUMERIC_KINDS = frozenset({FieldKind.INT, FieldKind.FLOAT, FieldKind.DECIMAL, FieldKind.MONEY})
TEMPORAL_KINDS = frozenset({FieldKind.DATE, FieldKind.DATETIME})
TEXTUAL_KINDS = frozenset(
    {
        FieldKind.STR,
        FieldKind.TEXT,
        FieldKind.EMAIL,
        FieldKind.URL,
        FieldKind.TIMEZONE,
        FieldKind.SLUG,
        FieldKind.ENUM,
    }
)


@dataclass(frozen=True, slots=True)
class FieldType:
    kind: FieldKind
    max_length: int | None = None  # str(N)
    precision: int | None = None  # decimal(p, s)
    scale: int | None = None
    enum_values: tuple[str, ...] = ()
    ref_entity: str | None = None  # ref / has_many / has_one / embeds / belongs_to target
    currency: str | None = None  # money(CUR)
    max_bytes: int | None = None  # file(200MB)
    via: str | None = None  # has_many X via Junction
    on_delete: str | None = None  # cascade | restrict | nullify
    readonly: bool = False

    @property
    def is_virtual(self) -> bool:
        return self.kind in VIRTUAL_KINDS

    @property
    def is_reference(self) -> bool:
        """A column holding another entity's id (``ref`` and ``belongs_to``)."""
        return self.kind in (FieldKind.REF, FieldKind.BELONGS_TO)

    def describe(self) -> str:
        k = self.kind
        if k is FieldKind.STR:
            return f"str({self.max_length})"
        if k is FieldKind.DECIMAL:
            return f"decimal({self.precision},{self.scale})"
        if k is FieldKind.ENUM:
            return f"enum[{','.join(self.enum_values)}]"
        if k is FieldKind.MONEY:
            return f"money({self.currency})"
        if k is FieldKind.FILE and self.max_bytes:
            return f"file({self.max_bytes // (1024 * 1024)}MB)"
        if self.ref_entity:
            via = f" via {self.via}" if self.via else ""
            return f"{k.value} {self.ref_entity}{via}"
        return k.value


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    required: bool = False
    optional: bool = False  # written explicitly; kept to detect `required optional`
    pk: bool = False
    unique: bool = False
    unique_nullable: bool = False
    auto_add: bool = False
    auto_update: bool = False
    sensitive: bool = False
    searchable: bool = False
    indexed: bool = False
    default: Node | None = None
    pii: str | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)

    @property
    def nullable(self) -> bool:
        return not (self.required or self.pk)


@dataclass(frozen=True, slots=True)
class ComputedField:
    name: str
    expr: Node
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Constraint:
    kind: str  # "unique" | "index"
    fields: tuple[NameRef, ...]
    loc: Loc = dc_field(default=NO_LOC, compare=False)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True, slots=True)
class Invariant:
    expr: Node
    message: str | None = None
    code: str | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Guard:
    expr: Node
    message: str | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Transition:
    from_state: str  # a state name or "*"
    to_state: str
    requires: tuple[NameRef, ...] = ()
    roles: tuple[str, ...] = ()
    guards: tuple[Guard, ...] = ()
    manual: bool = False
    auto_after: Duration | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)

    @property
    def is_auto(self) -> bool:
        return self.auto_after is not None

    def allows_from(self, state: str | None) -> bool:
        return self.from_state == "*" or self.from_state == state


@dataclass(frozen=True, slots=True)
class StateMachine:
    """The transitions of an entity bound to the enum field they move (inferred)."""

    field: str
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]

    def targets_from(self, state: str | None) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for t in self.transitions:
            if t.allows_from(state):
                seen.setdefault(t.to_state)
        return tuple(seen)


OPERATIONS = ("create", "read", "update", "delete", "list")


@dataclass(frozen=True, slots=True)
class PermissionRule:
    """One permit or forbid rule for one operation. ``condition=None`` means no condition;
    ``require_auth`` is False only for ``anonymous`` rules."""

    operation: str
    effect: str  # "permit" | "forbid"
    condition: Node | None = None
    require_auth: bool = True
    origin: str = "permit"  # the block it came from: access|permit|forbid|permissions
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class VisibilityRule:
    """``visible: when anonymous|authenticated: cond`` (and the read half of ``access:``)."""

    context: str  # "anonymous" | "authenticated"
    condition: Node | None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """Newer-dialect row filter: ``scope: list: cond`` with ``as: role, ...`` (``*`` = all)."""

    operation: str
    condition: Node | None  # None = all rows
    personas: tuple[str, ...] = ("*",)
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    title: str
    fields: tuple[Field, ...] = ()
    computed: tuple[ComputedField, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    transitions: tuple[Transition, ...] = ()
    permissions: tuple[PermissionRule, ...] = ()
    visibility: tuple[VisibilityRule, ...] = ()
    scopes: tuple[ScopeRule, ...] = ()
    audit: tuple[str, ...] = ()
    display_field: NameRef | None = None
    extends: tuple[NameRef, ...] = ()
    archetype_kind: str | None = None
    intent: str | None = None
    domain: str | None = None
    patterns: tuple[str, ...] = ()
    soft_delete: bool = False
    state_machine: StateMachine | None = None
    module: str = ""
    loc: Loc = dc_field(default=NO_LOC, compare=False)
    _index: dict[str, Field | ComputedField] | None = dc_field(
        default=None, init=False, repr=False, compare=False
    )

    def _members(self) -> dict[str, Field | ComputedField]:
        index = self._index
        if index is None:
            index = {}
            for c in self.computed:
                index.setdefault(c.name, c)
            for f in reversed(self.fields):  # the first declaration wins
                index[f.name] = f
            object.__setattr__(self, "_index", index)
        return index

    def get_field(self, name: str) -> Field | None:
        member = self._members().get(name)
        return member if isinstance(member, Field) else None

    def get_computed(self, name: str) -> ComputedField | None:
        member = self._members().get(name)
        return member if isinstance(member, ComputedField) else None

    @property
    def pk(self) -> Field | None:
        for f in self.fields:
            if f.pk:
                return f
        return None

    @property
    def stored_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.type.is_virtual)

    @property
    def has_access_rules(self) -> bool:
        return bool(self.permissions or self.visibility or self.scopes)


@dataclass(frozen=True, slots=True)
class Archetype:
    name: str
    fields: tuple[Field, ...] = ()
    computed: tuple[ComputedField, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    loc: Loc = dc_field(default=NO_LOC, compare=False)
