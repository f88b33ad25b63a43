"""Generated role x entity x operation checks for an app with access rules.

Rows are created as a superuser, some owned by the test users (the fields the rules compare
with ``current_user``), some by others. Each role's user then lists, reads, updates,
deletes and creates, and every answer is compared with what ``dazzle rbac matrix`` says,
the conditional cells evaluated row by row in Python (``dazzle.expr.evaluate``) — an
oracle independent of the SQL the server runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from dazzle.expr.evaluate import EvalContext, EvalError, evaluate, truthy
from dazzle.expr.nodes import Compare, FieldRef, RoleCheck, Var, walk
from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Entity, FieldKind
from dazzle.naming import plural
from dazzle_back.access.decide import EntityRules
from dazzle_back.access.matrix import ANONYMOUS, SIGNED_IN
from dazzle_back.services.principal import Principal


@dataclass
class User:
    role: str
    principal: Principal
    headers: dict[str, str]
    user_id: str | None


@dataclass
class Report:
    checks: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)


def path_of(entity: str) -> str:
    return "/" + plural(entity)


def owner_fields(entity: Entity) -> list[str]:
    """Fields the rules compare with current_user (single-step paths)."""
    names: dict[str, None] = {}
    nodes = [r.condition for r in entity.permissions if r.condition is not None]
    nodes += [v.condition for v in entity.visibility if v.condition is not None]
    nodes += [s.condition for s in entity.scopes if s.condition is not None]
    for cond in nodes:
        for n in walk(cond):
            if isinstance(n, Compare):
                sides = (n.left, n.right)
                if any(
                    isinstance(s, Var) and s.name == "current_user" and not s.path for s in sides
                ):
                    for s in sides:
                        if isinstance(s, FieldRef) and len(s.path) == 1:
                            names.setdefault(s.path[0])
    return [n for n in names if entity.get_field(n) is not None]


def roles_in_rules(spec: AppSpec) -> list[str]:
    found: dict[str, None] = {}
    for e in spec.entities.values():
        nodes = [r.condition for r in e.permissions if r.condition is not None]
        nodes += [v.condition for v in e.visibility if v.condition is not None]
        for cond in nodes:
            for n in walk(cond):
                if isinstance(n, RoleCheck):
                    found.setdefault(n.role)
        for s in e.scopes:
            for p in s.personas:
                if p != "*":
                    found.setdefault(p)
    roles = [r for r in found if r in spec.personas]
    others = [p for p in spec.personas if p not in found]
    return roles + others[:1]


class RowFactory:
    """Valid rows for any entity, created through the API as a superuser."""

    def __init__(self, client: TestClient, spec: AppSpec, headers: dict[str, str]) -> None:
        self.client = client
        self.spec = spec
        self.headers = headers
        self.counter = 0
        self.cache: dict[str, str] = {}

    def value(self, entity: Entity, name: str) -> Any:
        f = entity.get_field(name)
        assert f is not None
        self.counter += 1
        n = self.counter
        k = f.type.kind
        if k is FieldKind.STR:
            return f"{name[:4]}{n}"[: f.type.max_length or 10]
        if k in (FieldKind.TEXT,):
            return f"text {n}"
        if k is FieldKind.EMAIL:
            return f"u{n}-{uuid.uuid4().hex[:6]}@example.com"
        if k is FieldKind.URL:
            return f"https://example.com/{n}"
        if k is FieldKind.SLUG:
            return f"s-{n}"
        if k is FieldKind.TIMEZONE:
            return "UTC"
        if k in (FieldKind.INT, FieldKind.FLOAT):
            return 1
        if k in (FieldKind.DECIMAL, FieldKind.MONEY):
            return "1"
        if k is FieldKind.BOOL:
            return False
        if k is FieldKind.DATE:
            return date.today().isoformat()
        if k is FieldKind.DATETIME:
            return datetime.now(UTC).isoformat()
        if k is FieldKind.UUID:
            return str(uuid.uuid4())
        if k is FieldKind.JSON:
            return {"n": n}
        if k is FieldKind.ENUM:
            return f.type.enum_values[0]
        if f.type.is_reference:
            return self.ensure(f.type.ref_entity or "")
        return None

    def payload(self, entity: Entity, overrides: dict[str, Any], *, full: bool = False
                ) -> dict[str, Any]:  # fmt: skip
        """Required fields (every simple field with ``full``, for invariants that want
        optional values present), plus the overrides."""
        body: dict[str, Any] = {}
        for f in entity.fields:
            if f.pk or f.auto_add or f.auto_update or f.type.is_virtual or f.name in overrides:
                continue
            wanted = f.required and f.default is None
            if full and f.default is None and not f.type.is_reference:
                wanted = True
            if wanted:
                body[f.name] = self.value(entity, f.name)
        body.update(overrides)
        return body

    def create(self, entity: Entity, overrides: dict[str, Any]) -> dict[str, Any] | None:
        for full in (False, True):
            r = self.client.post(path_of(entity.name),
                                 json=self.payload(entity, overrides, full=full),
                                 headers=self.headers)  # fmt: skip
            if r.status_code == 201:
                return dict(r.json())
        return None

    def ensure(self, name: str, row_id: str | None = None) -> str:
        """A row of ``name`` (with that id, when given); created once."""
        key = f"{name}:{row_id or ''}"
        if key not in self.cache and row_id is not None:
            found = self.client.get(f"{path_of(name)}/{row_id}?expand=false",
                                    headers=self.headers)  # fmt: skip
            if found.status_code == 200:
                self.cache[key] = row_id
        if key not in self.cache:
            entity = self.spec.entities[name]
            overrides = {entity.pk.name: row_id} if row_id and entity.pk else {}
            record = self.create(entity, overrides)
            if record is None:
                raise LookupError(f"cannot create a {name}")
            self.cache[key] = str(record[entity.pk.name if entity.pk else "id"])
        return self.cache[key]


def python_record(entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
    """JSON values back to the Python types the evaluator compares."""
    out: dict[str, Any] = {}
    for f in entity.fields:
        v = record.get(f.name)
        if v is None:
            out[f.name] = None
        elif f.type.kind is FieldKind.DECIMAL:
            out[f.name] = Decimal(v)
        elif f.type.kind is FieldKind.DATE:
            out[f.name] = date.fromisoformat(v)
        elif f.type.kind is FieldKind.DATETIME:
            out[f.name] = datetime.fromisoformat(v.replace("Z", "+00:00"))
        else:
            out[f.name] = v
    return out


class Oracle:
    def __init__(self, client: TestClient, spec: AppSpec, su: dict[str, str]) -> None:
        self.client = client
        self.spec = spec
        self.su = su

    def _resolver(self, entity: Entity, record: dict[str, Any]) -> Any:
        def resolve(path: tuple[str, ...]) -> Any:
            current_entity, current = entity, record
            for i, part in enumerate(path):
                value = current.get(part)
                if i == len(path) - 1:
                    return value
                f = current_entity.get_field(part)
                if value is None or f is None or not f.type.ref_entity:
                    return None
                current_entity = self.spec.entities[f.type.ref_entity]
                r = self.client.get(f"{path_of(current_entity.name)}/{value}?expand=false",
                                    headers=self.su)  # fmt: skip
                current = python_record(current_entity, r.json()) if r.status_code == 200 else {}
            return None

        return resolve

    def allows(self, entity: Entity, op: str, user: User, record: dict[str, Any]) -> bool:
        decision = EntityRules(entity).decide(op, user.principal)
        if decision.always:
            return True
        if decision.never:
            return False
        who = user.principal
        ctx = EvalContext.current(user_id=who.user_id, roles=who.roles,
                                  all_roles=who.superuser, user_attrs=who.user_attrs,
                                  resolve_path=self._resolver(entity, record))  # fmt: skip
        try:
            return truthy(evaluate(decision.condition, record, ctx))
        except EvalError:
            return False


def principal_of(role: str, user_id: str | None, account_id: str | None) -> Principal:
    if role == ANONYMOUS:
        return Principal.anonymous()
    roles = frozenset() if role == SIGNED_IN else frozenset({role})
    return Principal(user_id=user_id or account_id, account_id=account_id, roles=roles,
                     authenticated=True, auth_enabled=True)  # fmt: skip
