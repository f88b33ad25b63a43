"""Plausible rows for any Dazzle app, inserted in bulk: the data behind the UI benchmark and
the screenshots (10,000 tasks in a couple of seconds). Values follow each field's type,
length, enum values and refs; unique fields get a running number. Not a test fixture for
correctness: invariants are not checked.

    from bench.fake import fill
    await fill(project_dir, database_url, {"Task": 10_000})  # other entities: a few rows each
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from dazzle.ir.entity import Entity, Field, FieldKind
from dazzle.project import load_project

WORDS = [
    "alpha",
    "bravo",
    "budget",
    "client",
    "design",
    "draft",
    "review",
    "launch",
    "migrate",
    "onboarding",
    "plan",
    "report",
    "roadmap",
    "sprint",
    "storage",
    "support",
    "survey",
    "team",
    "ticket",
    "update",
    "website",
    "invoice",
    "audit",
    "backlog",
    "billing",
    "contract",
    "customer",
    "data",
    "deploy",
    "docs",
    "email",
    "export",
    "feature",
    "import",
]
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Tim",
    "Radia",
    "Edsger",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Berners",
]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def value_for(
    f: Field, entity: Entity, i: int, rng: random.Random, ids: dict[str, list[Any]]
) -> Any:
    """A value for field ``f`` of the ``i``-th row."""
    k = f.type.kind
    now = datetime.now(UTC)
    name = f.name.lower()
    if f.pk and k in (FieldKind.UUID, FieldKind.INT):
        return uuid.uuid4() if k is FieldKind.UUID else i + 1
    if f.type.is_reference:
        pool = ids.get(f.type.ref_entity or "", [])
        if f.unique:  # one row per target: the i-th, none once they run out
            return pool[i] if i < len(pool) else None
        if not pool or (not f.required and rng.random() < 0.1):
            return None
        return rng.choice(pool)
    if k is FieldKind.ENUM:
        return rng.choice(f.type.enum_values)
    if k is FieldKind.BOOL:
        return rng.random() < 0.7
    if k is FieldKind.INT:
        return rng.randint(0, 100)
    if k is FieldKind.FLOAT:
        return round(rng.uniform(0, 100), 2)
    if k is FieldKind.DECIMAL:
        scale = f.type.scale or 0
        digits = min(6 + scale, f.type.precision or 8)  # never wider than the column
        return Decimal(rng.randint(0, 10**digits - 1)).scaleb(-scale)
    if k is FieldKind.DATE:
        return date.today() + timedelta(days=rng.randint(-60, 60))
    if k is FieldKind.DATETIME:
        return now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
    if k is FieldKind.EMAIL:
        return f"{rng.choice(FIRST).lower()}.{i}@example.com"
    if k is FieldKind.URL:
        return f"https://example.com/{entity.name.lower()}/{i}"
    if k is FieldKind.SLUG:
        return f"{entity.name.lower()}-{i}"
    if k is FieldKind.TIMEZONE:
        return rng.choice(("UTC", "Europe/London", "America/New_York"))
    if k is FieldKind.JSON:
        return {}
    if k is FieldKind.UUID:
        return uuid.uuid4()
    if k is FieldKind.FILE:  # a stored name for required ones; optional ones stay empty
        return f"{entity.name.lower()}-{i}.pdf" if f.required else None
    if k is FieldKind.TEXT:
        return _text(rng, 12) + "."
    if k is not FieldKind.MONEY:
        if "name" in name and "company" not in name:
            text = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        elif "code" in name or "sku" in name:
            text = f"{entity.name[:3].upper()}-{i:05d}"
        elif "phone" in name:
            text = f"+44 20 7946 {i % 10000:04d}"
        else:
            text = f"{_text(rng, 3)} {i}"
        if (f.unique or f.pk) and str(i) not in text:
            text = f"{text} {i}"
        limit = f.type.max_length or 200
        return text[-limit:] if f.unique or f.pk else text[:limit]
    return None


def _row(
    et: Any, entity: Entity, i: int, rng: random.Random, ids: dict[str, list[Any]]
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for f in entity.fields:
        if f.type.is_virtual:
            continue
        if f.type.kind is FieldKind.MONEY:
            minor, cur = et.money[f.name]
            row[minor] = rng.randint(100, 5_000_000)
            row[cur] = f.type.currency or "GBP"
            continue
        row[f.name] = value_for(f, entity, i, rng, ids)
    return row


def _order(entities: dict[str, Entity]) -> list[str]:
    """Targets before the entities that ref them (cycles broken arbitrarily)."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: set[str]) -> None:
        if name in seen or name in path or name not in entities:
            return
        path.add(name)
        for f in entities[name].fields:
            if f.type.is_reference and f.required:
                visit(f.type.ref_entity or "", path)
        seen.add(name)
        done.append(name)

    for name in entities:
        visit(name, set())
    return done


async def fill(
    project_dir: Path, url: str, counts: dict[str, int], *, default: int = 20, seed: int = 7
) -> dict[str, list[Any]]:
    """Migrate ``url`` for the project, then insert rows: ``counts`` per entity, ``default``
    for the others. Returns the ids inserted per entity."""
    from dazzle_back.db.engine import make_utility_engine
    from dazzle_back.db.migrate import migrate
    from dazzle_back.db.schema import build_schema
    from dazzle_back.runtime.settings import to_async_url

    spec = load_project(project_dir).spec
    assert spec is not None, "the project does not validate"
    schema = build_schema(spec)
    engine = make_utility_engine(to_async_url(url))
    await migrate(engine, schema)
    rng = random.Random(seed)
    ids: dict[str, list[Any]] = {}
    async with engine.begin() as conn:
        for name in _order(spec.entities):
            et = schema.tables[name]
            entity = et.entity
            rows = []
            keys = [c.field_names for c in entity.constraints if c.kind == "unique"]
            taken: set[tuple[Any, ...]] = set()
            for i in range(counts.get(name, default)):
                for _attempt in range(20):  # composite unique keys: draw again on a clash
                    row = _row(et, entity, i, rng, ids)
                    clash = [tuple(row.get(n) for n in key) for key in keys]
                    if not taken.intersection(clash):
                        taken.update(clash)
                        rows.append(row)
                        break
            for start in range(0, len(rows), 2000):
                await conn.execute(et.table.insert(), rows[start : start + 2000])
            ids[name] = [r[et.pk] for r in rows]
    if engine.dialect.name == "postgresql":
        # what autovacuum does to a table after a bulk load: statistics for the planner and
        # a visibility map for index-only scans (outside a transaction, as VACUUM wants)
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()
    return ids
