"""For every corpus app with access rules: each role tries each operation on rows owned by
different users, on PostgreSQL, and gets what `dazzle rbac matrix` (and, for conditional
cells, the rule evaluated on the row in Python) says."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dazzle.expr.nodes import Literal
from dazzle.ir.entity import Entity
from dazzle.project import load_project
from dazzle_back.access.decide import EntityRules
from dazzle_back.access.matrix import ANONYMOUS, SIGNED_IN, build_matrix
from dazzle_back.services.principal import Principal
from tests.conftest import corpus_apps, require_corpus
from tests.runtime.conftest import bearer_for, client_for, fresh_database, make_account
from tests.runtime.rbac import (
    Oracle,
    Report,
    RowFactory,
    User,
    owner_fields,
    path_of,
    principal_of,
    python_record,
    roles_in_rules,
)


def _apps() -> list[Path]:
    out = []
    for app in corpus_apps():
        spec = load_project(app).spec
        if spec is not None and any(e.has_access_rules for e in spec.entities.values()):
            out.append(app)
    return out


APPS = _apps()


def _expected_status(rules: EntityRules, op: str, user: User, visible: bool, allowed: bool
                     ) -> int:  # fmt: skip
    denied = 401 if not user.principal.authenticated else 403
    if rules.decide(op, user.principal).never:
        return denied
    if op in ("update", "delete"):
        if rules.decide("read", user.principal).never:
            return denied
        if not visible:
            return 404
    return 200 if allowed else denied


def _denied_read(rules: EntityRules, user: User) -> int | None:
    if rules.decide("read", user.principal).never:
        return 401 if not user.principal.authenticated else 403
    return None


def _with_defaults(entity: Entity, payload: dict[str, Any]) -> dict[str, Any]:
    out = dict(payload)
    for f in entity.fields:
        if f.name not in out and isinstance(f.default, Literal):
            out[f.name] = f.default.value
    return out


def check_entity(client: TestClient, entity: Entity, users: list[User], factory: RowFactory,
                 oracle: Oracle, su: dict[str, str], report: Report) -> None:  # fmt: skip
    rules = EntityRules(entity)
    owners = owner_fields(entity)
    people = [u for u in users if u.user_id is not None]
    pk = entity.pk.name if entity.pk else "id"

    def owned_by(user_id: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in owners:
            f = entity.get_field(name)
            assert f is not None
            if user_id is not None and f.type.ref_entity:
                factory.ensure(f.type.ref_entity, user_id)
            values[name] = user_id
        return values

    someone_else = str(uuid.uuid4())  # owns a row none of the test users owns
    try:
        rows = []
        for owner in [*(u.user_id for u in people), someone_else]:
            record = factory.create(entity, owned_by(owner))
            if record is None:
                raise LookupError(f"cannot create a {entity.name} owned by {owner}")
            rows.append(record)
    except LookupError as exc:
        report.skipped[entity.name] = str(exc)
        return
    stored = {}
    for r in rows:
        got = client.get(f"{path_of(entity.name)}/{r[pk]}?expand=false", headers=su).json()
        stored[str(r[pk])] = python_record(entity, got)
    base = path_of(entity.name)

    def mismatch(what: str, expected: Any, actual: Any) -> None:
        report.checks += 1
        if expected != actual:
            report.mismatches.append(f"{entity.name} {what}: expected {expected}, got {actual}")

    for user in users:
        who = f"{user.role}"
        readable = {rid for rid, rec in stored.items() if oracle.allows(entity, "list", user, rec)}
        r = client.get(f"{base}?page_size=100", headers=user.headers)
        if rules.decide("list", user.principal).never:
            mismatch(
                f"list as {who}", 401 if not user.principal.authenticated else 403, r.status_code
            )
        else:
            got = {str(i[pk]) for i in r.json().get("items", [])} & set(stored)
            mismatch(f"list as {who}", sorted(readable), sorted(got))
        for rid, rec in stored.items():
            visible = oracle.allows(entity, "read", user, rec)
            expected = _denied_read(rules, user) or (200 if visible else 404)
            mismatch(
                f"get {rid[:8]} as {who}",
                expected,
                client.get(f"{base}/{rid}", headers=user.headers).status_code,
            )
            allowed = oracle.allows(entity, "update", user, rec)
            expected = _expected_status(rules, "update", user, visible, allowed)
            actual = client.patch(f"{base}/{rid}", json={}, headers=user.headers).status_code
            mismatch(f"update {rid[:8]} as {who}", expected, actual)
        owned = {k: v for k, v in owned_by(user.user_id).items() if k != pk}  # ids are unique
        payload = factory.payload(entity, owned, full=True)
        allowed = oracle.allows(
            entity, "create", user, python_record(entity, _with_defaults(entity, payload))
        )
        expected = _expected_status(rules, "create", user, True, allowed)
        if not rules.decide("create", user.principal).never and not _refs_readable(
            client, entity, payload, user, oracle, su
        ):
            expected = 422  # a ref to a record they may not read: as if it did not exist
        actual = client.post(base, json=payload, headers=user.headers).status_code
        mismatch(f"create as {who}", 201 if expected == 200 else expected, actual)
        victim = factory.create(entity, owned_by(user.user_id))
        if victim is not None:
            rid = str(victim[pk])
            rec = python_record(entity, client.get(f"{base}/{rid}?expand=false",
                                                   headers=su).json())  # fmt: skip
            visible = oracle.allows(entity, "read", user, rec)
            allowed = oracle.allows(entity, "delete", user, rec)
            expected = _expected_status(rules, "delete", user, visible, allowed)
            actual = client.delete(f"{base}/{rid}", headers=user.headers).status_code
            mismatch(f"delete {rid[:8]} as {who}", expected, actual)


def _refs_readable(client: TestClient, entity: Entity, payload: dict[str, Any], user: User,
                   oracle: Oracle, su: dict[str, str]) -> bool:  # fmt: skip
    """Whether the user may read every record the payload's refs point at."""
    for f in entity.fields:
        value = payload.get(f.name)
        if not f.type.ref_entity or value is None or f.type.ref_entity not in oracle.spec.entities:
            continue
        target = oracle.spec.entities[f.type.ref_entity]
        if _denied_read(EntityRules(target), user) is not None:
            return False
        got = client.get(f"{path_of(target.name)}/{value}?expand=false", headers=su)
        if got.status_code != 200:
            return False
        if not oracle.allows(target, "read", user, python_record(target, got.json())):
            return False
    return True


@pytest.mark.parametrize("app", APPS, ids=[f"{a.parent.name}/{a.name}" for a in APPS])
def test_rbac_matrix_holds(app: Path, tmp_path: Path) -> None:
    require_corpus()
    with fresh_database("postgresql", tmp_path) as url, client_for(app, url, auth=True) as client:
        spec = client.app.state.runtime.spec
        root = make_account(client, "root@example.com", superuser=True)
        su = bearer_for(client, root)
        users = []
        for role in [*roles_in_rules(spec), SIGNED_IN]:
            email = re.sub(r"\W", "", role.strip("()").replace(" ", "-")) + "@example.com"
            acct = make_account(client, email, roles=[] if role == SIGNED_IN else [role])
            users.append(
                User(
                    role,
                    principal_of(role, acct.user_id, str(acct.id)),
                    bearer_for(client, acct),
                    acct.user_id or str(acct.id),
                )
            )
        users.append(User(ANONYMOUS, Principal.anonymous(), {}, None))
        factory = RowFactory(client, spec, su)
        oracle = Oracle(client, spec, su)
        report = Report()
        for entity in spec.entities.values():
            if entity.has_access_rules:
                check_entity(client, entity, users, factory, oracle, su, report)
        print(f"\n{app.parent.name}/{app.name}: {report.checks} checks; skipped {report.skipped}")
        assert report.mismatches == []
        checked = [e for e in spec.entities.values() if e.has_access_rules
                   and e.name not in report.skipped]  # fmt: skip
        assert len(checked) >= max(
            1, len([e for e in spec.entities.values() if e.has_access_rules]) - 2
        ), report.skipped
        assert report.checks >= 20 * len(checked)
        # the matrix the CLI prints is the same decision the server applied
        cells = build_matrix(spec, [e.name for e in checked])
        assert {c.outcome for c in cells} <= {"allow", "deny", "conditional"}
