"""Loading a scenario's ``demo:`` records through the services.

Refs in demo data name their target by a natural key (an email, a name, a code...) or by
id. Loading is idempotent: a record whose natural key already exists is left alone. A record
the DSL refuses (an invariant, a missing required field) is reported with its location and
the others still load.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Entity, FieldKind
from dazzle.ir.people import DemoRecord, Scenario
from dazzle_back.db.engine import make_utility_engine
from dazzle_back.db.migrate import migrate
from dazzle_back.db.schema import SchemaModel, build_schema
from dazzle_back.errors import DomainError
from dazzle_back.runtime.boot import boot
from dazzle_back.runtime.settings import resolve_database_url
from dazzle_back.services.entity import EntityService
from dazzle_back.services.principal import Principal

NATURAL_KEYS = ("email", "username", "code", "slug", "sku", "name", "title", "label", "key")


class DemoError(Exception):
    pass


@dataclass
class DemoReport:
    scenario: str
    created: int = 0
    existing: int = 0
    problems: list[str] = field(default_factory=list)


def pick_scenario(spec: AppSpec, name: str | None) -> Scenario:
    if name is not None:
        sc = spec.scenarios.get(name)
        if sc is None:
            known = ", ".join(spec.scenarios) or "none"
            raise DemoError(f"no scenario '{name}' (scenarios: {known})")
        return sc
    for sc in spec.scenarios.values():
        if sc.demo:
            return sc
    raise DemoError("no scenario has demo data")


def natural_keys(entity: Entity) -> list[str]:
    """Fields that identify a record for people: unique text fields, the display field, and
    the usual suspects (email, name, title, code...)."""
    keys: list[str] = []
    if entity.display_field is not None:
        keys.append(entity.display_field.name)
    for f in entity.fields:
        if f.unique and f.type.kind in (FieldKind.STR, FieldKind.EMAIL, FieldKind.SLUG):
            keys.append(f.name)
    for name in NATURAL_KEYS:
        named = entity.get_field(name)
        if named is not None and named.type.kind in (
            FieldKind.STR,
            FieldKind.EMAIL,
            FieldKind.TEXT,
            FieldKind.SLUG,
        ):
            keys.append(name)
    return list(dict.fromkeys(keys))


class DemoLoader:
    def __init__(self, spec: AppSpec, schema: SchemaModel, services: dict[str, EntityService]):
        self.spec = spec
        self.schema = schema
        self.services = services
        self.principal = Principal.system()

    async def _find(self, entity: Entity, values: dict[str, Any], keys: list[str]) -> Any:
        et = self.schema.tables[entity.name]
        engine = self.services[entity.name].engine
        for key in keys:
            value = values.get(key)
            if value is None or key not in et.table.c:
                continue
            stmt = select(et.table.c[et.pk]).where(et.table.c[key] == value).limit(2)
            async with engine.connect() as conn:
                rows = (await conn.execute(stmt)).all()
            if len(rows) == 1:
                return rows[0][0]
        return None

    async def _exists(self, entity: Entity, values: dict[str, Any]) -> bool:
        """By a natural key when the record has one, else by all the values it gives."""
        keys = [k for k in natural_keys(entity) if k in values]
        if keys:
            return await self._find(entity, values, keys) is not None
        et = self.schema.tables[entity.name]
        service = self.services[entity.name]
        try:
            coerced = service._coerce(values, creating=True)
        except DomainError:
            return False
        clauses = [
            et.table.c[k] == v
            for k, v in coerced.items()
            if k in et.table.c and v is not None and not isinstance(v, dict | list)
        ]
        if not clauses:
            return False
        async with service.engine.connect() as conn:
            row = (await conn.execute(select(et.table.c[et.pk]).where(*clauses).limit(1))).first()
        return row is not None

    async def resolve_ref(self, target: Entity, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                pass
        for key in natural_keys(target):
            found = await self._find(target, {key: value}, [key])
            if found is not None:
                return found
        return None

    async def load_record(self, entity: Entity, record: DemoRecord, report: DemoReport) -> None:
        values = dict(record.values)
        where = f"{record.loc}: {entity.name}"
        for name, target_name in self.schema.tables[entity.name].refs.items():
            if values.get(name) is None:
                continue
            ref = await self.resolve_ref(self.spec.entities[target_name], values[name])
            if ref is None:
                report.problems.append(
                    f"{where}: {name}: no {target_name} matches {values[name]!r}"
                )
                return
            values[name] = str(ref)
        if await self._exists(entity, values):
            report.existing += 1
            return
        try:
            await self.services[entity.name].create(values, self.principal)
            report.created += 1
        except DomainError as exc:
            report.problems.append(f"{where}: {exc.detail}")


async def load_scenario(project_dir: Path, name: str | None) -> DemoReport:
    booted = boot(project_dir)
    sc = pick_scenario(booted.spec, name)
    url = resolve_database_url(booted.settings, booted.manifest, booted.project_dir)
    schema = build_schema(booted.spec)
    engine = make_utility_engine(url)
    try:
        await migrate(engine, schema)
        services = {
            n: EntityService(booted.spec, schema, engine, et) for n, et in schema.tables.items()
        }
        loader = DemoLoader(booted.spec, schema, services)
        report = DemoReport(sc.name)
        for fixture in sc.demo:
            entity = booted.spec.entities[fixture.entity.name]
            for record in fixture.records:
                await loader.load_record(entity, record, report)
        return report
    finally:
        await engine.dispose()
