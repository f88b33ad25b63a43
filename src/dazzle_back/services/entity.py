"""The service of one entity: the only way records are read and written.

A write applies, in order: input validation, defaults, ``auto_add``/``auto_update``,
reference checks, state-machine guards, invariants, the access decision, then one
transaction. The API, the UI, demo loading and restore all call these methods.

An update or delete reads the stored row *locked* (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite's write transactions hold the database's write lock from ``BEGIN
IMMEDIATE``), so every check sees the row as it will be changed: two conflicting moves
cannot both pass their guards, and two edits that are each fine cannot combine into a row
that breaks an invariant. A caller may also name the version it last saw (``If-Match``);
a different stored version is refused with 412 instead of overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dazzle.diagnostics import did_you_mean
from dazzle.expr.evaluate import EvalContext, EvalError, evaluate, truthy
from dazzle.expr.nodes import DateAnchor, Literal, Var, to_text
from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Field, FieldKind
from dazzle_back.access import AccessCompiler
from dazzle_back.db.engine import writer
from dazzle_back.db.schema import EntityTable, SchemaModel
from dazzle_back.errors import (
    Forbidden,
    InvariantViolation,
    NotFound,
    PreconditionFailed,
    ReferenceViolation,
    RestrictedDelete,
    TransitionError,
    Unauthenticated,
    UniqueViolation,
    ValidationFailed,
)
from dazzle_back.services import integrity
from dazzle_back.services.coerce import Invalid, coerce_value, parse_money, server_owned
from dazzle_back.services.guards import AfterCommit, WriteGuard
from dazzle_back.services.listing import ListQuery, filter_clauses, search_fields
from dazzle_back.services.principal import Principal
from dazzle_back.services.records import build_record, etag, record_select, ref_ids
from dazzle_back.services.transitions import blocker


@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


class EntityService:
    def __init__(
        self,
        spec: AppSpec,
        schema: SchemaModel,
        engine: AsyncEngine,
        et: EntityTable,
    ) -> None:
        self.spec = spec
        self.schema = schema
        self.engine = engine
        self.et = et
        self.entity = et.entity
        self.writer = writer(engine)
        self.full_select = record_select(schema, et)
        self.access = AccessCompiler(schema, et)
        self.search_in = search_fields(spec, et.entity)
        self.default_sort = _default_sort(spec, et)
        # bumped by every write through this worker's service: caches of derived data
        # (the UI's ref pickers) key on it
        self.version = 0
        self._unfiltered: dict[tuple[tuple[str, bool], ...], tuple[Select[Any], Select[Any]]] = {}
        self._by_ids: dict[str, Select[Any]] = {}
        self._target_access: dict[str, AccessCompiler] = {}
        # fields the service always fills: required, ids, automatic timestamps
        self.never_null = frozenset(
            f.name for f in self.entity.fields if f.required or f.pk or f.auto_add or f.auto_update
        )
        self.ref_pks = {name: schema.tables[t].pk for name, t in et.refs.items()}
        self.guards: list[WriteGuard] = []
        self._lock_rows = engine.dialect.name == "postgresql"
        self._referrers = [
            (other, col.name)
            for other in schema.tables.values()
            for col in other.table.c
            for fk in col.foreign_keys
            if fk.column.table is et.table and (fk.ondelete or "RESTRICT") == "RESTRICT"
        ]

    # -- helpers ------------------------------------------------------------------------

    def add_guard(self, guard: WriteGuard) -> None:
        self.guards.append(guard)

    def etag(self, record: Mapping[str, Any]) -> str:
        """The record's version (an HTTP entity tag, quoted)."""
        return etag(self.et, record, self.ref_pks)

    @property
    def pk_field(self) -> Field | None:
        return self.entity.pk

    def parse_id(self, raw: Any) -> Any:
        f = self.pk_field
        if f is None:
            try:
                return uuid.UUID(str(raw))
            except ValueError:
                raise NotFound(f"no {self.entity.title} with id {raw!r}") from None
        try:
            return coerce_value(f, raw)
        except Invalid:
            raise NotFound(f"no {self.entity.title} with id {raw!r}") from None

    def flatten(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record with each expanded ref back to the referenced id (under the target's
        own key name), as conditions and forms see a record."""
        flat = dict(record)
        for name, target_name in self.et.refs.items():
            value = flat.get(name)
            if isinstance(value, Mapping):
                flat[name] = value.get(self.schema.tables[target_name].pk)
        return flat

    def eval_context(self, principal: Principal) -> EvalContext:
        return EvalContext.current(
            user_id=principal.user_id,
            roles=principal.roles,
            all_roles=principal.all_roles,
            user_attrs=principal.user_attrs,
        )

    async def _fetch(
        self,
        conn: AsyncConnection,
        pk: Any,
        ctx: EvalContext,
        only: ColumnElement[bool] | None = None,
    ) -> dict[str, Any]:
        stmt = self.full_select.where(self.et.table.c[self.et.pk] == pk)
        if only is not None:
            stmt = stmt.where(only)
        row = (await conn.execute(stmt)).mappings().first()
        if row is None:
            raise NotFound(f"no {self.entity.title} with id {pk}")
        return build_record(self.et, row, ctx)

    def _visible(self, principal: Principal) -> ColumnElement[bool] | None:
        """Rows the caller may read; an anonymous caller who may read none must sign in."""
        clause = self.access.clause("read", principal)
        if clause is not None and self.access.rules.decide("read", principal).never:
            self._deny(principal, f"you may not read {self.entity.title} records")
        return clause

    def _deny(self, principal: Principal, message: str) -> None:
        if principal.auth_enabled and not principal.authenticated:
            raise Unauthenticated("sign in to continue")
        raise Forbidden(message)

    async def _allowed(self, conn: AsyncConnection, op: str, pk: Any, principal: Principal) -> bool:
        clause = self.access.clause(op, principal)
        if clause is None:
            return True
        t = self.et.table
        stmt = select(t.c[self.et.pk]).where(t.c[self.et.pk] == pk, clause)
        return (await conn.execute(stmt)).first() is not None

    # -- reads --------------------------------------------------------------------------

    async def get(
        self, raw_id: Any, principal: Principal, *, expand: bool = True
    ) -> dict[str, Any]:
        pk = self.parse_id(raw_id)
        ctx = self.eval_context(principal)
        async with self.engine.connect() as conn:
            record = await self._fetch(conn, pk, ctx, self._visible(principal))
            if expand:
                await self._expand(conn, [record], ctx, principal)
        return record

    async def list_page(
        self,
        q: ListQuery,
        principal: Principal,
        *,
        expand: bool = True,
        extra: ColumnElement[bool] | None = None,
        search_in: tuple[str, ...] | None = None,
    ) -> Page:
        """A page of records the caller may read. ``extra`` narrows further (a persona's
        scope on a list surface); ``search_in`` overrides the searched fields."""
        ctx = self.eval_context(principal)
        clauses = filter_clauses(self.et, q, search_in or self.search_in)
        if extra is not None:
            clauses.append(extra)
        scope = self.access.clause("list", principal)
        if scope is not None:
            if self.access.rules.decide("list", principal).never:
                self._deny(principal, f"you may not list {self.entity.title} records")
            clauses.append(scope)
        where = and_(*clauses) if clauses else None
        stmt, count_stmt = self._page_statements(tuple(q.sort), where)
        window = {"_dz_limit": q.page_size, "_dz_offset": q.offset}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt, window)).mappings().all()
            if rows:
                total = int(rows[0][TOTAL_COLUMN])
            else:
                total = int((await conn.execute(count_stmt)).scalar() or 0)
            records = [build_record(self.et, r, ctx) for r in rows]
            if expand:
                await self._expand(conn, records, ctx, principal)
        return Page(records, total, q.page, q.page_size)

    def _page_statements(
        self, sort: tuple[tuple[str, bool], ...], where: ColumnElement[bool] | None
    ) -> tuple[Select[Any], Select[Any]]:
        """The page query (with its total riding along as an uncorrelated subquery, which
        both databases compute once: page and count in one round trip) and the count on
        its own (for a page past the end). Unfiltered lists, the common case, reuse the
        statements built for their order."""
        if where is None and sort in self._unfiltered:
            return self._unfiltered[sort]
        t = self.et.table
        count_stmt = select(func.count()).select_from(t)
        stmt: Select[Any] = self.full_select
        if where is not None:
            count_stmt = count_stmt.where(where)
            stmt = stmt.where(where)
        order = []
        for name, desc in sort:
            col = t.c[self.et.money[name][0]] if name in self.et.money else t.c[name]
            order.extend(order_terms(col, desc, self.engine.dialect.name, name in self.never_null))
        # the tie-breaker runs the same way as the first key: one index walk serves both
        pk_col = t.c[self.et.pk]
        order.append(pk_col.desc() if sort and sort[0][1] else pk_col.asc())
        stmt = (
            stmt.add_columns(count_stmt.scalar_subquery().label(TOTAL_COLUMN))
            .order_by(*order)
            .limit(bindparam("_dz_limit"))
            .offset(bindparam("_dz_offset"))
        )
        if where is None and len(self._unfiltered) < 64:
            self._unfiltered[sort] = (stmt, count_stmt)
        return stmt, count_stmt

    async def _expand(
        self,
        conn: AsyncConnection,
        records: list[dict[str, Any]],
        ctx: EvalContext,
        principal: Principal,
    ) -> None:
        """Replace ref ids by the referenced records the caller may read: one query per
        referenced entity (``assigned_to`` and ``created_by`` both naming User share one),
        whatever the number of records. A ref to a record the caller may not read stays
        a bare id, so no page or payload shows what it says."""
        by_target: dict[str, tuple[list[str], set[Any]]] = {}
        for name, ids in ref_ids(self.et, records).items():
            names, wanted = by_target.setdefault(self.et.refs[name], ([], set()))
            names.append(name)
            wanted.update(ids)
        for target_name, (names, wanted) in by_target.items():
            target = self.schema.tables[target_name]
            access = self._target(target_name)
            if access.rules.decide("read", principal).never:
                continue
            stmt = self._by_ids.get(target_name)
            if stmt is None:
                by_id: BindParameter[Any] = bindparam("_dz_ids", expanding=True)
                stmt = self._by_ids[target_name] = select(target.table).where(
                    target.table.c[target.pk].in_(by_id)
                )
            readable = access.clause("read", principal)
            if readable is not None:
                stmt = stmt.where(readable)
            found = {
                row[target.pk]: build_record(target, row, ctx, computed=False)
                for row in (await conn.execute(stmt, {"_dz_ids": list(wanted)})).mappings()
            }
            for r in records:
                for name in names:
                    value = r.get(name)
                    if value is not None and value in found:
                        r[name] = found[value]

    # -- writes -------------------------------------------------------------------------

    def _coerce(self, payload: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        e = self.entity
        money_inputs: dict[str, dict[str, Any]] = {}
        for key, raw in payload.items():
            if key in self.et.money or any(key in cols for cols in self.et.money.values()):
                money_inputs.setdefault(key, {})["raw"] = raw
                continue
            f = e.get_field(key)
            if f is None:
                if e.get_computed(key) is not None:
                    continue  # computed: read-only, ignored when a record is sent back
                choices = [x.name for x in e.fields if not server_owned(e, x)]
                hint = did_you_mean(key, choices)
                errors.append(
                    {"field": key, "message": "unknown field" + (f" ({hint})" if hint else "")}
                )
                continue
            if server_owned(e, f):
                continue
            if f.pk and not creating:
                continue  # ids never change; a record sent back keeps its own
            if isinstance(raw, str) and raw == "" and f.type.kind is not FieldKind.JSON:
                raw = None
            try:
                values[key] = coerce_value(f, raw)
            except Invalid as exc:
                errors.append({"field": key, "message": str(exc)})
        self._coerce_money(money_inputs, values, errors)
        if errors:
            raise ValidationFailed.fields(errors)
        return values

    def _coerce_money(
        self,
        inputs: dict[str, dict[str, Any]],
        values: dict[str, Any],
        errors: list[dict[str, Any]],
    ) -> None:
        for name, (minor_col, cur_col) in self.et.money.items():
            f = self.entity.get_field(name)
            assert f is not None
            default_cur = f.type.currency or "GBP"
            try:
                if name in inputs:
                    raw = inputs[name]["raw"]
                    if raw is None or raw == "":
                        values[minor_col] = None
                    else:
                        minor, cur = parse_money(raw, default_cur)
                        values[minor_col], values[cur_col] = minor, cur
                if minor_col in inputs:
                    raw = inputs[minor_col]["raw"]
                    values[minor_col] = (
                        None
                        if raw in (None, "")
                        else coerce_value(Field(minor_col, _INT_TYPE), raw)
                    )
                if cur_col in inputs:
                    cur = str(inputs[cur_col]["raw"] or default_cur).upper()
                    if len(cur) != 3 or not cur.isalpha():
                        raise Invalid("expected a 3-letter currency code")
                    values[cur_col] = cur
            except Invalid as exc:
                errors.append({"field": name, "message": str(exc)})

    def _defaults(self, values: dict[str, Any], principal: Principal, ctx: EvalContext) -> None:
        now = ctx.now
        for f in self.entity.fields:
            if f.type.is_virtual:
                continue
            if f.auto_add or f.auto_update:
                values[f.name] = now.date() if f.type.kind is FieldKind.DATE else now
                continue
            if f.type.kind is FieldKind.MONEY:
                minor_col, cur_col = self.et.money[f.name]
                if values.get(minor_col) is None and f.default is not None:
                    amount = default_value(f.default, values, ctx)
                    if amount is not None:
                        values[minor_col], values[cur_col] = parse_money(
                            amount, values.get(cur_col) or f.type.currency or "GBP"
                        )
                values.setdefault(cur_col, f.type.currency or "GBP")
                continue
            if values.get(f.name) is None and f.default is not None and f.name not in values:
                d = f.default
                value = principal.user_id if isinstance(d, Var) else default_value(d, values, ctx)
                if value is not None:
                    try:
                        values[f.name] = coerce_value(f, value)
                    except Invalid:
                        values[f.name] = value
        pk = self.pk_field
        if pk is not None and values.get(pk.name) is None and pk.type.kind is FieldKind.UUID:
            values[pk.name] = uuid.uuid4()

    def _required(self, values: Mapping[str, Any]) -> None:
        errors = []
        for f in self.entity.fields:
            if not (f.required or f.pk) or f.type.is_virtual:
                continue
            key = self.et.money[f.name][0] if f.type.kind is FieldKind.MONEY else f.name
            if values.get(key) is None:
                errors.append({"field": f.name, "message": "is required"})
        if errors:
            raise ValidationFailed.fields(errors)

    async def _check_refs(
        self, conn: AsyncConnection, values: Mapping[str, Any], principal: Principal
    ) -> None:
        """Every ref must name a record the caller may read: one they may not read is
        refused exactly like one that does not exist, so refs are no way to probe."""
        errors = []
        for name, target_name in self.et.refs.items():
            value = values.get(name)
            if value is None:
                continue
            target = self.schema.tables[target_name]
            pk_field = target.entity.pk
            try:
                key = coerce_value(pk_field, value) if pk_field else value
            except Invalid:
                errors.append({"field": name, "message": f"'{value}' is not a valid id"})
                continue
            stmt = select(target.table.c[target.pk]).where(target.table.c[target.pk] == key)
            readable = self._target(target_name).clause("read", principal)
            if readable is not None:
                stmt = stmt.where(readable)
            found = (await conn.execute(stmt)).first()
            if found is None:
                errors.append(
                    {"field": name, "message": f"no {target.entity.title} with id {value}"}
                )
        if errors:
            detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            raise ReferenceViolation(detail, errors=errors)

    def _target(self, target_name: str) -> AccessCompiler:
        access = self._target_access.get(target_name)
        if access is None:
            target = self.schema.tables[target_name]
            access = self._target_access[target_name] = AccessCompiler(self.schema, target)
        return access

    def _check_transition(
        self,
        old: Mapping[str, Any],
        merged: Mapping[str, Any],
        principal: Principal,
        ctx: EvalContext,
    ) -> None:
        sm = self.entity.state_machine
        if sm is None:
            return
        before, after = old.get(sm.field), merged.get(sm.field)
        if after == before or before is None:
            return
        transition = next(
            (t for t in sm.transitions if t.allows_from(before) and t.to_state == after), None
        )
        if transition is None:
            allowed = ", ".join(sm.targets_from(before)) or "none"
            raise TransitionError(
                f"{self.entity.title} cannot go from {before} to {after}; allowed from "
                f"{before}: {allowed}",
                extra={
                    "from_state": before,
                    "to_state": after,
                    "allowed": list(sm.targets_from(before)),
                },
            )
        problem = blocker(transition, merged, principal, ctx)
        if problem is None:
            return
        move = f"{before} -> {after}"
        extra: dict[str, Any] = {"from_state": before, "to_state": after}
        if problem.kind == "auto":
            detail = f"{move} happens automatically after {problem.subject}"
        elif problem.kind == "requires":
            detail, extra["requires"] = f"{move} requires {problem.subject}", problem.subject
        elif problem.kind == "role":
            detail, extra["role"] = f"{move} requires the role {problem.subject}", problem.subject
        else:
            detail = problem.message or f"{move} needs {problem.subject}"
        raise TransitionError(detail, extra=extra)

    def _check_invariants(self, record: Mapping[str, Any], ctx: EvalContext) -> None:
        for inv in self.entity.invariants:
            try:
                ok = truthy(evaluate(inv.expr, record, ctx))
            except EvalError:
                ok = False
            if not ok:
                raise InvariantViolation(
                    inv.message or f"{self.entity.title} must satisfy: {to_text(inv.expr)}",
                    extra={"code": inv.code} if inv.code else None,
                )

    def _record_view(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Values keyed by field name (money as its amount), as expressions see a record."""
        view = dict(values)
        for name, (minor_col, cur_col) in self.et.money.items():
            from dazzle_back.services.coerce import money_amount

            view[name] = money_amount(values.get(minor_col), values.get(cur_col) or "GBP")
        return view

    async def create(self, payload: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
        # a caller who may never create one learns nothing about the payload's problems
        if self.access.rules.decide("create", principal).never:
            self._deny(principal, f"you may not create a {self.entity.title}")
        ctx = self.eval_context(principal)
        values = self._coerce(payload, creating=True)
        self._defaults(values, principal, ctx)
        self._required(values)
        view = self._record_view(values)
        self._check_invariants(view, ctx)
        pk = values.get(self.et.pk)
        later: list[AfterCommit] = []
        try:
            async with self.writer.begin() as conn:
                for guard in self.guards:
                    later.append(await guard.before_create(conn, values, principal))
                await self._check_refs(conn, values, principal)
                await conn.execute(self.et.table.insert().values(**_columns(self.et, values)))
                # the rule is checked against the submitted record as stored, in SQL, inside
                # the transaction: a refusal rolls the insert back
                if not await self._allowed(conn, "create", pk, principal):
                    self._deny(principal, f"you may not create this {self.entity.title}")
                record = await self._fetch(conn, pk, ctx)
                await self._expand(conn, [record], ctx, principal)
        except IntegrityError as exc:
            raise integrity.translate(self.et, exc) from None
        self.version += 1
        await _run(later)
        return record

    async def update(
        self,
        raw_id: Any,
        payload: Mapping[str, Any],
        principal: Principal,
        *,
        if_match: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        """Change a record. ``if_match``: the versions (entity tags) the caller accepts to
        change; any other stored version is refused with 412 (``*`` accepts any)."""
        pk = self.parse_id(raw_id)
        if self.access.rules.decide("update", principal).never:
            self._deny(principal, f"you may not change {self.entity.title} records")
        ctx = self.eval_context(principal)
        values = self._coerce(payload, creating=False)
        later: list[AfterCommit] = []
        try:
            async with self.writer.begin() as conn:
                old = await self._load_for_write(conn, pk, principal, "update", if_match)
                for guard in self.guards:
                    later.append(await guard.before_update(conn, old, values, principal))
                old_view = self._record_view(old)
                for f in self.entity.fields:
                    if f.auto_update:
                        values[f.name] = (
                            ctx.now.date() if f.type.kind is FieldKind.DATE else (ctx.now)
                        )
                merged = {**old, **values}
                self._required(merged)
                merged_view = self._record_view(merged)
                self._check_transition(old_view, merged_view, principal, ctx)
                self._check_invariants(merged_view, ctx)
                changed_refs = {
                    k: v for k, v in values.items() if k in self.et.refs and v != old.get(k)
                }
                await self._check_refs(conn, changed_refs, principal)
                if values:
                    await conn.execute(
                        self.et.table.update()
                        .where(self.et.table.c[self.et.pk] == pk)
                        .values(**_columns(self.et, values))
                    )
                record = await self._fetch(conn, pk, ctx)
                await self._expand(conn, [record], ctx, principal)
        except IntegrityError as exc:
            raise integrity.translate(self.et, exc) from None
        self.version += 1
        await _run(later)
        return record

    async def delete(
        self, raw_id: Any, principal: Principal, *, if_match: tuple[str, ...] | None = None
    ) -> None:
        pk = self.parse_id(raw_id)
        if self.access.rules.decide("delete", principal).never:
            self._deny(principal, f"you may not delete {self.entity.title} records")
        later: list[AfterCommit] = []
        try:
            async with self.writer.begin() as conn:
                old = await self._load_for_write(conn, pk, principal, "delete", if_match)
                for guard in self.guards:
                    later.append(await guard.before_delete(conn, old, principal))
                await self._check_referrers(conn, pk)
                await conn.execute(self.et.table.delete().where(self.et.table.c[self.et.pk] == pk))
        except IntegrityError as exc:
            raise integrity.translate(self.et, exc) from None
        self.version += 1
        await _run(later)

    async def _load_for_write(
        self,
        conn: AsyncConnection,
        pk: Any,
        principal: Principal,
        op: str,
        if_match: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        """The stored row, locked until the transaction ends: not readable -> 404, readable
        but not permitted -> 403, not the version the caller named -> 412."""
        t = self.et.table
        stmt = select(t).where(t.c[self.et.pk] == pk)
        visible = self._visible(principal)
        if visible is not None:
            stmt = stmt.where(visible)
        if self._lock_rows:
            stmt = stmt.with_for_update(of=t)
        row = (await conn.execute(stmt)).mappings().first()
        if row is None:
            raise NotFound(f"no {self.entity.title} with id {pk}")
        if not await self._allowed(conn, op, pk, principal):
            verb = "change" if op == "update" else "delete"
            self._deny(principal, f"you may not {verb} this {self.entity.title}")
        old = dict(row)
        if if_match is not None and "*" not in if_match:
            current = self.etag(old)
            if current not in if_match:
                raise PreconditionFailed(
                    f"this {self.entity.title} was changed by someone else since you read it",
                    extra={"etag": current},
                )
        return old

    async def _check_referrers(self, conn: AsyncConnection, pk: Any) -> None:
        users = []
        for other, col in self._referrers:
            n = (
                await conn.execute(
                    select(func.count()).select_from(other.table).where(other.table.c[col] == pk)
                )
            ).scalar()
            if n:
                users.append(f"{n} {other.entity.title} ({col})")
        if users:
            raise RestrictedDelete(
                f"this {self.entity.title} is still referenced by " + ", ".join(users),
                extra={"referenced_by": users},
            )


async def _run(actions: list[AfterCommit]) -> None:
    for action in actions:
        if action is not None:
            await action()


_INT_TYPE = __import__("dazzle.ir.entity", fromlist=["FieldType"]).FieldType(FieldKind.INT)


TOTAL_COLUMN = "_dazzle_total"


def order_terms(col: Any, desc: bool, dialect: str, never_null: bool = False) -> list[Any]:
    """Nulls sort as the largest value on both dialects: PostgreSQL does that natively (so
    its indexes serve the ORDER BY); SQLite is told so explicitly, unless the column never
    holds a null (then the plain ORDER BY, which its index serves)."""
    if dialect == "postgresql" or never_null:
        return [col.desc() if desc else col.asc()]
    return [col.is_(None).desc() if desc else col.is_(None).asc(), col.desc() if desc else col]


def default_value(d: Any, values: Mapping[str, Any], ctx: EvalContext) -> Any:
    """A field's ``default:`` for a new record (None when it cannot be evaluated yet)."""
    if isinstance(d, Literal):
        return d.value
    if isinstance(d, DateAnchor):
        return evaluate(d, values, ctx)
    try:
        return evaluate(d, values, ctx)
    except EvalError:
        return None


def _columns(et: EntityTable, values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in et.table.c}


def _default_sort(spec: AppSpec, et: EntityTable) -> list[tuple[str, bool]]:
    list_surface = spec.surface_for(et.name, "list")
    if list_surface is not None and list_surface.ux.sort:
        return [(k.field, k.descending) for k in list_surface.ux.sort]
    return []


__all__ = ["UTC", "EntityService", "Page", "UniqueViolation", "datetime"]
