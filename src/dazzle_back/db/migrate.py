"""Migrations: compare the database with the model (Alembic's comparison machinery), label
each step safe or lossy, apply under a lock, record what was applied.

Safe steps (new table, new nullable or defaulted column, new index, a wider ``str(N)``, new
enum values) apply on boot. Lossy steps (drops, narrowing, type changes, NOT NULL without a
default on a table with rows) stop the boot, naming each step, until someone runs
``dazzle db migrate --allow-destructive``.

On PostgreSQL the steps are Alembic operations inside one transaction. SQLite cannot alter
columns, so a changed table there is rebuilt from the model and its rows copied over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import produce_migrations
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.operations import ops as alembic_ops
from sqlalchemy import Connection, MetaData, String, Table, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle import __version__
from dazzle_back.db.engine import writer
from dazzle_back.db.framework import HISTORY, PREFIX
from dazzle_back.db.locks import migration_lock
from dazzle_back.db.schema import SchemaModel


@dataclass
class Step:
    description: str
    lossy: bool
    table: str
    op: Any = field(default=None, repr=False)  # an alembic op, or ("enum", table, column)
    reason: str = ""

    @property
    def label(self) -> str:
        return "lossy" if self.lossy else "safe"

    def __str__(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"[{self.label}] {self.description}{why}"


@dataclass
class MigrationResult:
    applied: list[Step]
    schema_hash: str
    up_to_date: bool
    seconds: float = 0.0


class LossyMigrationError(Exception):
    """The model needs steps that may lose data; nothing was applied."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        lines = "\n".join(f"  {s}" for s in steps)
        super().__init__(
            f"the database needs {len(steps)} lossy migration step(s):\n{lines}\n"
            "review them with `dazzle db plan`, then apply with "
            "`dazzle db migrate --allow-destructive`"
        )


# -- history ----------------------------------------------------------------------------------


def read_history(conn: Connection) -> list[dict[str, Any]]:
    if not inspect(conn).has_table(HISTORY):
        return []
    table = history_table()
    rows = conn.execute(select(table).order_by(table.c.id)).mappings()
    return [dict(r) for r in rows]


def history_table() -> Table:
    from dazzle_back.db.framework import add_framework_tables

    return add_framework_tables(MetaData())[HISTORY]


def _last_hash(conn: Connection) -> str | None:
    if not inspect(conn).has_table(HISTORY):
        return None
    return conn.execute(
        text(f'SELECT schema_hash FROM "{HISTORY}" ORDER BY id DESC LIMIT 1')
    ).scalar()


def _known_tables(conn: Connection, schema: SchemaModel) -> set[str]:
    """Tables we may touch: the model's, and those an earlier migration created. Tables of
    other applications sharing the database are never compared, let alone dropped."""
    names = set(schema.table_names)
    for row in read_history(conn):
        names |= set(row["snapshot"] or {})
    return names


# -- planning ---------------------------------------------------------------------------------


def plan(conn: Connection, schema: SchemaModel) -> list[Step]:
    """The steps that bring the database to the model, each labelled safe or lossy."""
    known = _known_tables(conn, schema)

    def include_name(name: str | None, type_: str, parent: dict[str, str | None]) -> bool:
        if type_ == "table":
            return name in known
        return True

    mc = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
    script = produce_migrations(mc, schema.metadata)
    steps: list[Step] = []
    for op in script.upgrade_ops.ops if script.upgrade_ops else []:
        steps.extend(_classify(conn, op))
    steps.extend(_enum_steps(conn, schema))
    return steps


def _row_count(conn: Connection, table: str) -> int:
    return int(conn.execute(select(func.count()).select_from(text(f'"{table}"'))).scalar() or 0)


def _classify(conn: Connection, op: Any) -> list[Step]:
    if isinstance(op, alembic_ops.CreateTableOp):
        return [Step(f"create table {op.table_name}", False, op.table_name, op)]
    if isinstance(op, alembic_ops.DropTableOp):
        rows = _row_count(conn, op.table_name)
        # an empty table loses nothing when dropped
        return [Step(f"drop table {op.table_name}", rows > 0, op.table_name, op, f"{rows} rows")]
    if isinstance(op, alembic_ops.ModifyTableOps):
        out: list[Step] = []
        for sub in op.ops:
            out.extend(_classify_column(conn, op.table_name, sub))
        return out
    if isinstance(op, alembic_ops.CreateIndexOp):
        return [Step(f"create index {op.index_name} on {op.table_name}", False, op.table_name, op)]
    if isinstance(op, alembic_ops.DropIndexOp):
        return [Step(f"drop index {op.index_name}", False, op.table_name or "", op)]
    return [Step(f"{type(op).__name__}", False, getattr(op, "table_name", "") or "", op)]


def _classify_column(conn: Connection, table: str, op: Any) -> list[Step]:
    if isinstance(op, alembic_ops.AddColumnOp):
        col = op.column
        desc = f"add column {table}.{col.name} {col.type}"
        if col.nullable or col.server_default is not None:
            return [Step(desc, False, table, op)]
        if _row_count(conn, table) == 0:
            return [Step(desc + " NOT NULL", False, table, op, "table is empty")]
        return [Step(desc + " NOT NULL", True, table, op, "no default for existing rows")]
    if isinstance(op, alembic_ops.DropColumnOp):
        rows = _row_count(conn, table)
        return [
            Step(
                f"drop column {table}.{op.column_name}",
                rows > 0,
                table,
                op,
                f"{rows} rows" if rows else "table is empty",
            )
        ]
    if isinstance(op, alembic_ops.AlterColumnOp):
        return _classify_alter(conn, table, op)
    if isinstance(op, alembic_ops.CreateIndexOp):
        return [Step(f"create index {op.index_name} on {table}", False, table, op)]
    if isinstance(op, alembic_ops.DropIndexOp):
        return [Step(f"drop index {op.index_name} on {table}", False, table, op)]
    if isinstance(op, alembic_ops.CreateUniqueConstraintOp):
        cols = ", ".join(op.columns)
        return [Step(f"add unique ({cols}) on {table}", False, table, op)]
    if isinstance(op, alembic_ops.CreateForeignKeyOp):
        return [Step(f"add foreign key {table}.{', '.join(op.local_cols)}", False, table, op)]
    if isinstance(op, alembic_ops.DropConstraintOp):
        return [Step(f"drop constraint {op.constraint_name} on {table}", False, table, op)]
    return [Step(f"{type(op).__name__} on {table}", False, table, op)]


def _classify_alter(conn: Connection, table: str, op: alembic_ops.AlterColumnOp) -> list[Step]:
    col = op.column_name
    steps: list[Step] = []
    if op.modify_type is not None:
        old, new = op.existing_type, op.modify_type
        widening = (
            isinstance(old, String)
            and isinstance(new, String)
            and (new.length is None or (old.length is not None and new.length >= old.length))
        )
        desc = f"change type of {table}.{col} from {old} to {new}"
        steps.append(Step(desc, not widening, table, op, "" if widening else "type change"))
    if op.modify_nullable is not None:
        if op.modify_nullable:
            steps.append(Step(f"allow null in {table}.{col}", False, table, op))
        else:
            nulls = conn.execute(
                text(f'SELECT count(*) FROM "{table}" WHERE "{col}" IS NULL')
            ).scalar()
            steps.append(
                Step(
                    f"make {table}.{col} NOT NULL",
                    bool(nulls),
                    table,
                    op,
                    f"{nulls} rows hold null" if nulls else "",
                )
            )
    if not steps:
        steps.append(Step(f"alter {table}.{col}", False, table, op))
    return steps


def _enum_steps(conn: Connection, schema: SchemaModel) -> list[Step]:
    """Enum CHECK constraints, which Alembic does not compare, diffed against the snapshot
    recorded by the last migration."""
    history = read_history(conn)
    if not history:
        return []
    before = history[-1]["snapshot"] or {}
    steps: list[Step] = []
    existing = set(inspect(conn).get_table_names())
    for name, et in schema.tables.items():
        old = (before.get(name) or {}).get("enums", {})
        if name not in existing:
            continue
        for col, values in et.enums.items():
            prev = old.get(col)
            if prev is None or list(values) == list(prev):
                continue
            removed = [v for v in prev if v not in values]
            desc = f"change enum {name}.{col} to [{', '.join(values)}]"
            if not removed:
                steps.append(Step(desc, False, name, ("enum", name, col), "adds values"))
                continue
            quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in removed)
            used = conn.execute(
                text(f'SELECT count(*) FROM "{name}" WHERE "{col}" IN ({quoted})')
            ).scalar()
            reason = f"removes {', '.join(removed)}" + (f"; {used} rows use them" if used else "")
            steps.append(Step(desc, bool(used), name, ("enum", name, col), reason))
    return steps


# -- applying ---------------------------------------------------------------------------------


def _apply_postgres(conn: Connection, schema: SchemaModel, steps: list[Step]) -> None:
    operations = Operations(MigrationContext.configure(conn))
    done_modify: set[int] = set()
    new_tables = [s.op.table_name for s in steps if isinstance(s.op, alembic_ops.CreateTableOp)]
    if new_tables:  # SQLAlchemy orders them and breaks FK cycles with ALTER
        schema.metadata.create_all(
            conn, tables=[schema.metadata.tables[t] for t in new_tables], checkfirst=True
        )
    for s in steps:
        op = s.op
        if isinstance(op, alembic_ops.CreateTableOp) or id(op) in done_modify:
            continue
        if s.table in new_tables:
            continue  # created with its table, indexes and constraints
        if isinstance(op, tuple) and op[0] == "enum":
            _replace_enum_check(operations, schema, op[1], op[2])
            continue
        done_modify.add(id(op))
        operations.invoke(op)


def _replace_enum_check(operations: Operations, schema: SchemaModel, table: str, col: str) -> None:
    name = f"ck_{table}_{col}_enum"
    operations.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
    values = ", ".join("'" + v.replace("'", "''") + "'" for v in schema.tables[table].enums[col])
    operations.execute(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ("{col}" IN ({values}))'
    )


def _apply_sqlite(conn: Connection, schema: SchemaModel, steps: list[Step]) -> None:
    """New tables and indexes directly; any other change rebuilds the table from the model."""
    operations = Operations(MigrationContext.configure(conn))
    new_tables = [s.table for s in steps if isinstance(s.op, alembic_ops.CreateTableOp)]
    if new_tables:
        schema.metadata.create_all(
            conn, tables=[schema.metadata.tables[t] for t in new_tables], checkfirst=True
        )
    rebuild: list[str] = []
    for s in steps:
        op = s.op
        if isinstance(op, alembic_ops.CreateTableOp) or s.table in new_tables:
            continue
        if _sqlite_can_apply(op):
            operations.invoke(op)
        elif s.table in schema.metadata.tables and s.table not in rebuild:
            rebuild.append(s.table)
    for name in rebuild:
        _rebuild_sqlite_table(conn, schema.metadata.tables[name])


def _sqlite_can_apply(op: Any) -> bool:
    """Operations SQLite runs as they are; anything else rebuilds the table."""
    if isinstance(
        op, alembic_ops.DropTableOp | alembic_ops.CreateIndexOp | alembic_ops.DropIndexOp
    ):
        return True
    return (
        isinstance(op, alembic_ops.AddColumnOp)
        and (op.column.nullable or op.column.server_default is not None)
        and not op.column.foreign_keys
    )


def _rebuild_sqlite_table(conn: Connection, model: Table) -> None:
    """SQLite's documented way to change a table: create the new shape, copy, swap."""
    tmp_name = f"{PREFIX}new_{model.name}"
    tmp_md = MetaData()
    tmp = model.to_metadata(tmp_md, name=tmp_name)
    for ix in list(tmp.indexes):
        tmp.indexes.discard(ix)
    old_cols = {c["name"] for c in inspect(conn).get_columns(model.name)}
    common = [c.name for c in model.columns if c.name in old_cols]
    tmp.create(conn)
    cols = ", ".join(f'"{c}"' for c in common)
    conn.execute(text(f'INSERT INTO "{tmp_name}" ({cols}) SELECT {cols} FROM "{model.name}"'))
    conn.execute(text(f'DROP TABLE "{model.name}"'))
    conn.execute(text(f'ALTER TABLE "{tmp_name}" RENAME TO "{model.name}"'))
    for ix in model.indexes:
        ix.create(conn)


def _record(conn: Connection, schema: SchemaModel, steps: list[Step]) -> None:
    history = schema.framework[HISTORY]
    conn.execute(
        history.insert().values(
            applied_at=datetime.now(UTC),
            schema_hash=schema.schema_hash,
            framework_version=__version__,
            steps=[str(s) for s in steps],
            snapshot=schema.snapshot,
        )
    )


def _migrate_sync(conn: Connection, schema: SchemaModel, allow_destructive: bool) -> list[Step]:
    if _last_hash(conn) == schema.schema_hash:
        return []
    steps = plan(conn, schema)
    lossy = [s for s in steps if s.lossy]
    if lossy and not allow_destructive:
        raise LossyMigrationError(lossy)
    if conn.dialect.name == "postgresql":
        _apply_postgres(conn, schema, steps)
    else:
        _apply_sqlite(conn, schema, steps)
    _record(conn, schema, steps)
    return steps


async def migrate(
    engine: AsyncEngine,
    schema: SchemaModel,
    *,
    allow_destructive: bool = False,
    lock_timeout: float = 45.0,
) -> MigrationResult:
    """Bring the database to the model. Concurrent callers serialise on the lock (waiting
    at most ``lock_timeout`` seconds for it); the ones that follow find the hash recorded
    and return at once."""
    start = time.perf_counter()
    async with engine.connect() as conn:
        if await conn.run_sync(_last_hash) == schema.schema_hash:
            return MigrationResult([], schema.schema_hash, True, time.perf_counter() - start)
    async with migration_lock(engine, lock_timeout):
        if engine.dialect.name == "sqlite":
            steps = await _migrate_sqlite(engine, schema, allow_destructive)
        else:
            async with engine.begin() as conn:
                steps = await conn.run_sync(_migrate_sync, schema, allow_destructive)
    return MigrationResult(steps, schema.schema_hash, not steps, time.perf_counter() - start)


async def _migrate_sqlite(
    engine: AsyncEngine, schema: SchemaModel, allow_destructive: bool
) -> list[Step]:
    # Foreign keys must be off while a table is rebuilt, and the pragma cannot change
    # inside a transaction: switch it around the transaction, on the same connection.
    async with writer(engine).connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or no effect
        try:
            async with conn.begin():
                steps = await conn.run_sync(_migrate_sync, schema, allow_destructive)
                problems = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                if problems:
                    raise RuntimeError(f"foreign key check failed after migration: {problems[:5]}")
        finally:
            await raw.execute("PRAGMA foreign_keys=ON")
    return steps


async def plan_for(engine: AsyncEngine, schema: SchemaModel) -> list[Step]:
    async with engine.connect() as conn:
        return await conn.run_sync(plan, schema)


async def history_for(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return await conn.run_sync(read_history)
