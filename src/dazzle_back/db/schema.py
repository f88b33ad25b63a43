"""The AppSpec as SQLAlchemy tables: one table per entity, named after it, a column per
stored field (two for ``money``), honest types on both dialects, constraints and indexes.

Built once at boot; queries, services and migrations all read this one description.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from dazzle.expr.nodes import Literal, field_refs
from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Entity, Field, FieldKind
from dazzle_back.db.framework import add_framework_tables
from dazzle_back.db.types import GUID, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Lengths for the validated-string types (the spec gives none).
STRING_LENGTHS = {
    FieldKind.EMAIL: 320,
    FieldKind.URL: 2048,
    FieldKind.TIMEZONE: 64,
    FieldKind.SLUG: 200,
    FieldKind.FILE: 64,
}


@dataclass
class EntityTable:
    """An entity's table and how its fields map to columns."""

    entity: Entity
    table: Table
    pk: str
    columns: dict[str, Column[Any]] = field(default_factory=dict)  # field -> column
    money: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (minor, cur)
    refs: dict[str, str] = field(default_factory=dict)  # ref field -> target entity
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.entity.name


@dataclass
class SchemaModel:
    metadata: MetaData
    tables: dict[str, EntityTable]
    snapshot: dict[str, Any]
    framework: dict[str, Table] = field(default_factory=dict)

    @property
    def table_names(self) -> set[str]:
        return set(self.metadata.tables)

    @property
    def schema_hash(self) -> str:
        text = json.dumps(self.snapshot, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _column_type(f: Field, spec: AppSpec) -> TypeEngine[Any]:
    k = f.type.kind
    if k is FieldKind.UUID:
        return GUID()
    if k is FieldKind.STR:
        return String(f.type.max_length or 255)
    if k is FieldKind.TEXT:
        return Text()
    if k is FieldKind.INT:
        return BigInteger()
    if k is FieldKind.FLOAT:
        return Double()
    if k is FieldKind.DECIMAL:
        return Numeric(f.type.precision, f.type.scale, asdecimal=True)
    if k is FieldKind.BOOL:
        return Boolean(create_constraint=False)
    if k is FieldKind.DATE:
        return Date()
    if k is FieldKind.DATETIME:
        return UTCDateTime()
    if k is FieldKind.JSON:
        return JSON().with_variant(JSONB(), "postgresql")
    if k is FieldKind.ENUM:
        return String(max((len(v) for v in f.type.enum_values), default=1))
    if k in STRING_LENGTHS:
        return String(STRING_LENGTHS[k])
    if f.type.is_reference:
        target = spec.entities.get(f.type.ref_entity or "")
        target_pk = target.pk if target else None
        return _column_type(target_pk, spec) if target_pk else GUID()
    raise ValueError(f"no column type for {k}")


def _server_default(f: Field) -> Any:
    """A server default for literal defaults, so a new NOT NULL column can be added to a
    table that already has rows."""
    d = f.default
    if not isinstance(d, Literal) or d.value is None:
        return None
    v = d.value
    if isinstance(v, bool):
        return literal_column("true" if v else "false")
    if isinstance(v, str):
        return v
    return str(v)


def _on_delete(spec: AppSpec, child: Entity, f: Field) -> str:
    """From the parent's ``has_many Child cascade|restrict|nullify``; RESTRICT otherwise."""
    parent = spec.entities.get(f.type.ref_entity or "")
    if parent is not None:
        for rel in parent.fields:
            if rel.type.is_virtual and rel.type.ref_entity == child.name and rel.type.on_delete:
                mode = rel.type.on_delete
                if mode == "cascade":
                    return "CASCADE"
                if mode == "nullify" and f.nullable:
                    return "SET NULL"
                return "RESTRICT"
    return "RESTRICT"


def default_sorts(spec: AppSpec, entity: Entity) -> list[tuple[str, ...]]:
    """The default orders of the entity's list surfaces (their ``ux: sort``)."""
    out = []
    for s in spec.surfaces_for(entity.name):
        if s.mode == "list" and s.ux.sort:
            out.append(tuple(k.field for k in s.ux.sort))
    return out


def indexed_fields(spec: AppSpec, entity: Entity) -> set[str]:
    """Fields worth an index: what surfaces and workspaces sort, filter or group by, and
    the state field."""
    names: set[str] = set()
    for s in spec.surfaces_for(entity.name):
        names |= {k.field for k in s.ux.sort}
        names |= {r.name for r in s.ux.filter}
    for w in spec.workspaces.values():
        for r in w.regions:
            if r.source != entity.name:
                continue
            names |= {k.field for k in r.sort}
            if r.group_by is not None:
                names.add(r.group_by.name)
            if r.filter is not None:
                names |= {ref.path[0] for ref in field_refs(r.filter) if len(ref.path) == 1}
    if entity.state_machine is not None:
        names.add(entity.state_machine.field)
    return names


def build_schema(spec: AppSpec) -> SchemaModel:
    metadata = MetaData(naming_convention=NAMING)
    tables: dict[str, EntityTable] = {}
    snapshot: dict[str, Any] = {}
    for entity in spec.entities.values():
        tables[entity.name] = _build_table(spec, entity, metadata)
    framework = add_framework_tables(metadata)
    for name, et in tables.items():
        snapshot[name] = _snapshot(et)
    for name, table in framework.items():
        snapshot[name] = _snapshot(EntityTable(Entity(name, name), table, "id"))
    return SchemaModel(metadata, tables, snapshot, framework)


def _build_table(spec: AppSpec, entity: Entity, metadata: MetaData) -> EntityTable:
    pk_field = entity.pk
    pk_name = pk_field.name if pk_field else "id"
    cols: list[Column[Any]] = []
    et_columns: dict[str, Column[Any]] = {}
    money: dict[str, tuple[str, str]] = {}
    refs: dict[str, str] = {}
    enums: dict[str, tuple[str, ...]] = {}
    extras: list[Any] = []
    if pk_field is None:
        cols.append(Column("id", GUID(), primary_key=True))
    for f in entity.fields:
        if f.type.is_virtual:
            continue
        if f.type.kind is FieldKind.MONEY:
            minor, cur = f"{f.name}_minor", f"{f.name}_currency"
            money[f.name] = (minor, cur)
            cols.append(Column(minor, BigInteger(), nullable=not f.required))
            cols.append(
                Column(cur, String(3), nullable=False, server_default=f.type.currency or "GBP")
            )
            continue
        is_pk = f is pk_field
        args: list[Any] = []
        target = spec.entities.get(f.type.ref_entity or "") if f.type.is_reference else None
        if target is not None:
            target_pk = target.pk.name if target.pk else "id"
            args.append(
                ForeignKey(f"{target.name}.{target_pk}", ondelete=_on_delete(spec, entity, f))
            )
            refs[f.name] = target.name
        col = Column(
            f.name,
            _column_type(f, spec),
            *args,
            primary_key=is_pk,
            nullable=not (f.required or f.pk),
            server_default=_server_default(f),
        )
        cols.append(col)
        et_columns[f.name] = col
        if f.type.kind is FieldKind.ENUM:
            enums[f.name] = f.type.enum_values
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in f.type.enum_values)
            extras.append(CheckConstraint(f'"{f.name}" IN ({values})', name=f"{f.name}_enum"))
        if (f.unique or (f.pk and not is_pk)) and not is_pk:
            extras.append(UniqueConstraint(f.name))
    table = Table(entity.name, metadata, *cols, *extras)
    _add_indexes(spec, entity, table, set(refs))
    return EntityTable(entity, table, pk_name, et_columns, money, refs, enums)


def _add_indexes(spec: AppSpec, entity: Entity, table: Table, fk_fields: set[str]) -> None:
    covered: set[tuple[str, ...]] = {(c.name,) for c in table.primary_key.columns}
    for con in table.constraints:
        if isinstance(con, UniqueConstraint):
            covered.add(tuple(c.name for c in con.columns))
    for decl in entity.constraints:
        names = tuple(n for n in decl.field_names if n in table.c)
        if not names or names in covered:
            continue
        covered.add(names)
        if decl.kind == "unique":
            table.append_constraint(UniqueConstraint(*names))
        else:
            Index(None, *(table.c[n] for n in names))
    pk = entity.pk.name if entity.pk is not None else "id"
    for sort in default_sorts(spec, entity):
        # the list's ORDER BY with its tie-breaker, so any page (even page 500) is an index
        # walk; its prefixes need no index of their own
        names = (*(n for n in sort if n in table.c and n != pk), pk)
        if len(names) > 1 and names not in covered:
            covered.update(names[:i] for i in range(1, len(names) + 1))
            Index(None, *(table.c[n] for n in names))
    wanted = fk_fields | indexed_fields(spec, entity) | {f.name for f in entity.fields if f.indexed}
    for name in sorted(wanted):
        if name in table.c and (name,) not in covered:
            covered.add((name,))
            Index(None, table.c[name])


def _snapshot(et: EntityTable) -> dict[str, Any]:
    """A canonical description of the table, hashed to know whether the database matches."""
    t = et.table
    return {
        "columns": {
            c.name: [str(c.type.compile(dialect=_GENERIC)), c.nullable, c.primary_key]
            for c in t.columns
        },
        "enums": {k: list(v) for k, v in et.enums.items()},
        "indexes": sorted(sorted(c.name for c in ix.columns) for ix in t.indexes),
        "unique": sorted(
            sorted(c.name for c in con.columns)
            for con in t.constraints
            if isinstance(con, UniqueConstraint)
        ),
        "fks": sorted(
            [fk.parent.name, fk.target_fullname, fk.ondelete or ""] for fk in t.foreign_keys
        ),
    }


def _generic_dialect() -> Any:
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()  # type: ignore[no-untyped-call]


_GENERIC = _generic_dialect()
