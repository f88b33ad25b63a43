"""The data layer on both dialects: honest column types, constraints and indexes; lists in
a fixed number of queries; computed fields; the write path's rules."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, inspect

from tests.conftest import EXAMPLES
from tests.runtime.conftest import client_for

APP = EXAMPLES / "team_tasks"


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    with client_for(APP, database_url) as client:
        yield client


def seed(api: TestClient, tasks: int = 3) -> dict[str, str]:
    team = api.post("/teams", json={"name": "Core"}).json()["id"]
    lead = api.post(
        "/members", json={"email": "lee@example.com", "name": "Lee", "role": "lead", "team": team}
    ).json()["id"]
    dev = api.post(
        "/members", json={"email": "dev@example.com", "name": "Dev", "team": team}
    ).json()["id"]
    project = api.post(
        "/projects", json={"code": "CORE", "name": "Core", "team": team, "budget": "1200.50"}
    ).json()["id"]
    for i in range(tasks):
        r = api.post(
            "/tasks",
            json={
                "title": f"Task {i}",
                "project": project,
                "assignee": dev,
                "reporter": lead,
                "estimate_hours": "2.5",
            },
        )
        assert r.status_code == 201, r.text
    return {"team": team, "lead": lead, "dev": dev, "project": project}


def _inspect(api: TestClient, fn):  # type: ignore[no-untyped-def]
    engine = api.app.state.runtime.engine

    async def go():  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: fn(inspect(c)))

    return api.portal.call(go)


def test_column_types_are_honest(api: TestClient, dialect: str) -> None:
    cols = _inspect(api, lambda i: {c["name"]: c for c in i.get_columns("Task")})
    types = {k: str(v["type"]).upper() for k, v in cols.items()}
    assert types["title"].startswith("VARCHAR(200)")
    assert types["estimate_hours"].startswith("NUMERIC(6, 2)")
    assert "TEXT" in types["description"]
    assert not cols["title"]["nullable"] and cols["description"]["nullable"]
    if dialect == "postgresql":
        assert types["id"] == "UUID"
        assert "TIMESTAMP" in types["created_at"] and cols["created_at"]["type"].timezone
        assert types["due_date"] == "DATE"
    money = _inspect(api, lambda i: {c["name"]: str(c["type"]) for c in i.get_columns("Project")})
    assert "BIGINT" in money["budget_minor"].upper() and money["budget_currency"] == "VARCHAR(3)"


def test_constraints_and_indexes(api: TestClient, dialect: str) -> None:
    fks = _inspect(api, lambda i: i.get_foreign_keys("Task"))
    assert {(fk["constrained_columns"][0], fk["referred_table"]) for fk in fks} == {
        ("assignee", "Member"),
        ("reporter", "Member"),
        ("project", "Project"),
    }
    indexes = _inspect(api, lambda i: [tuple(ix["column_names"]) for ix in i.get_indexes("Task")])
    for cols in [("status", "priority"), ("assignee",), ("reporter",), ("due_date",)]:
        assert cols in indexes, indexes
    uniques = _inspect(
        api, lambda i: [tuple(u["column_names"]) for u in i.get_unique_constraints("Task")]
    )
    assert ("project", "title") in uniques
    checks = _inspect(api, lambda i: [c["sqltext"] for c in i.get_check_constraints("Task")])
    assert any("todo" in str(c) and "cancelled" in str(c) for c in checks)


def test_list_of_refs_is_a_fixed_number_of_queries(api: TestClient) -> None:
    seed(api, tasks=20)
    engine = api.app.state.runtime.engine.sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        r = api.get("/tasks?page_size=20")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    body = r.json()
    assert len(body["items"]) == 20
    assert body["items"][0]["assignee"]["email"] == "dev@example.com"
    assert body["items"][0]["project"]["code"] == "CORE"
    # the page with its count, then one per referenced entity (Member for assignee and
    # reporter, Project), whatever the number of rows
    assert len(statements) == 3, statements


def test_computed_fields(api: TestClient) -> None:
    ids = seed(api, tasks=3)
    project = api.get(f"/projects/{ids['project']}").json()
    assert project["open_work"] == 3
    assert Decimal(project["planned_hours"]) == Decimal("7.50")
    task = api.get("/tasks").json()["items"][0]
    assert task["age_days"] == 0
    assert project["budget"] == "1200.50" and project["budget_minor"] == 120050
    assert project["budget_currency"] == "EUR"


def test_filters_sort_search_paging(api: TestClient) -> None:
    ids = seed(api, tasks=25)
    assert api.get("/tasks?page=2&page_size=10").json()["total"] == 25
    page3 = api.get("/tasks?page=3&page_size=10").json()
    assert len(page3["items"]) == 5
    titles = [t["title"] for t in api.get("/tasks?sort=title&dir=desc&page_size=3").json()["items"]]
    assert titles == ["Task 9", "Task 8", "Task 7"]
    assert api.get("/tasks?search=task 1").json()["total"] == 11  # 1, 10..19
    assert api.get("/tasks?filter[status]=todo").json()["total"] == 25
    assert api.get("/tasks?filter[status__ne]=todo").json()["total"] == 0
    assert api.get("/tasks?filter[status__in]=done,review").json()["total"] == 0
    assert api.get(f"/tasks?filter[assignee]={ids['dev']}").json()["total"] == 25
    assert api.get("/tasks?filter[due_date__isnull]=true").json()["total"] == 25
    assert api.get("/tasks?filter[estimate_hours__gte]=2.5").json()["total"] == 25
    assert api.get("/tasks?filter[title__startswith]=Task 2").json()["total"] == 6
    assert api.get("/tasks?search=100%25").json()["total"] == 0  # % is literal


def test_state_machine_guards(api: TestClient) -> None:
    ids = seed(api, tasks=1)
    task = api.get("/tasks").json()["items"][0]
    tid = task["id"]
    r = api.patch(f"/tasks/{tid}", json={"status": "done"})
    assert r.status_code == 422 and r.json()["type"] == "transition_error"
    assert r.json()["allowed"] == ["in_progress", "cancelled"]
    assert api.patch(f"/tasks/{tid}", json={"status": "in_progress"}).status_code == 200
    r = api.patch(f"/tasks/{tid}", json={"assignee": None})
    assert r.status_code == 422 and r.json()["type"] == "invariant_violation"
    assert api.patch(f"/tasks/{tid}", json={"status": "review"}).status_code == 200
    assert api.patch(f"/tasks/{tid}", json={"status": "done"}).status_code == 200  # auth off
    r = api.patch(f"/tasks/{tid}", json={"status": "archived"})
    assert r.status_code == 200  # auto after 14 days *or manual*
    other = api.post("/tasks", json={"title": "Fresh", "project": ids["project"]}).json()
    r = api.patch(f"/tasks/{other['id']}", json={"status": "in_progress"})
    assert r.status_code == 422 and "requires assignee" in r.json()["detail"]
    created = api.post(
        "/tasks", json={"title": "Born done", "project": ids["project"], "status": "done"}
    )
    assert created.status_code == 201  # creation may set any initial state


def test_invariants_with_message_and_code(api: TestClient) -> None:
    ids = seed(api, tasks=0)
    r = api.post("/tasks", json={"title": "Hot", "project": ids["project"], "priority": "urgent"})
    assert r.status_code == 422
    assert r.json() == {
        "detail": "Urgent tasks need a due date",
        "type": "invariant_violation",
        "code": "TASK_URGENT_WITHOUT_DUE_DATE",
    }


def test_references_unique_and_restricted_delete(api: TestClient) -> None:
    ids = seed(api, tasks=1)
    r = api.post("/tasks", json={"title": "X", "project": "6d1f1d9e-3a4c-4c6b-9b76-0f6a8b0a1c11"})
    assert r.status_code == 422 and r.json()["type"] == "reference_error"
    r = api.post(
        "/members", json={"email": "lee@example.com", "name": "Again", "team": ids["team"]}
    )
    assert r.status_code == 409 and r.json()["type"] == "unique_violation"
    assert r.json()["errors"][0]["field"] == "email"
    r = api.delete(f"/projects/{ids['project']}")
    assert r.status_code == 409 and r.json()["type"] == "reference_error"
    assert "Task" in r.json()["detail"]


def test_form_bodies_and_money(api: TestClient) -> None:
    team = api.post("/teams", data={"name": "Forms"}).json()
    assert team["name"] == "Forms"
    r = api.post(
        "/projects",
        data={"code": "F1", "name": "Form project", "team": team["id"], "budget": "99.999"},
    )
    assert r.status_code == 422 and "decimal places" in r.json()["errors"][0]["message"]
    r = api.post(
        "/projects",
        data={
            "code": "F1",
            "name": "Form project",
            "team": team["id"],
            "budget_minor": "1999",
            "budget_currency": "usd",
        },
    )
    assert r.status_code == 201 and r.json()["budget"] == "19.99"
    assert r.json()["budget_currency"] == "USD"


def test_unknown_fields_are_rejected_with_a_hint(api: TestClient) -> None:
    r = api.post("/teams", json={"name": "A", "descripton": "typo"})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "descripton", "message": "unknown field (did you mean 'description'?)"}
    ]
