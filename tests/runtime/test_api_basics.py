"""The REST contract on the example app, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import EXAMPLES, write_project
from tests.runtime.conftest import client_for

APP = EXAMPLES / "team_tasks"


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    with client_for(APP, database_url) as client:
        yield client


def make_project_rows(api: TestClient) -> dict[str, str]:
    team = api.post("/teams", json={"name": "Core"}).json()
    lead = api.post(
        "/members",
        json={"email": "lee@example.com", "name": "Lee", "role": "lead", "team": team["id"]},
    ).json()
    project = api.post(
        "/projects",
        json={"code": "CORE", "name": "Core work", "team": team["id"], "budget": "1200.50"},
    ).json()
    return {"team": team["id"], "lead": lead["id"], "project": project["id"]}


def test_create_get_list_update_delete(api: TestClient) -> None:
    ids = make_project_rows(api)
    r = api.post("/tasks", json={"title": "Write docs", "project": ids["project"]})
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["status"] == "todo" and task["priority"] == "medium"  # DSL defaults
    assert task["created_at"].endswith("Z")
    got = api.get(f"/tasks/{task['id']}").json()
    assert got["project"]["code"] == "CORE"  # ref expanded
    assert api.get(f"/tasks/{task['id']}?expand=false").json()["project"] == ids["project"]
    listed = api.get("/tasks").json()
    assert (listed["total"], listed["page"], listed["page_size"]) == (1, 1, 20)
    r = api.patch(f"/tasks/{task['id']}", json={"description": "all of it"})
    assert r.status_code == 200 and r.json()["description"] == "all of it"
    r = api.patch(f"/tasks/{task['id']}", json={"description": None})
    assert r.json()["description"] is None  # null clears a field
    r = api.delete(f"/tasks/{task['id']}")
    assert r.status_code == 200 and r.json() == {"deleted": True}
    assert api.get(f"/tasks/{task['id']}").status_code == 404


def test_validation_errors_are_typed_and_complete(api: TestClient) -> None:
    r = api.post("/tasks", json={"priority": "whenever", "estimate_hours": "abc"})
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "validation_error"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"priority", "estimate_hours"}
    r = api.post("/tasks", json={})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} >= {"title", "project"}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "kind"),
    [
        ("get", "/tasks?sort=nope", {}, 422, "validation_error"),
        ("get", "/tasks?page=0", {}, 422, "validation_error"),
        ("get", "/tasks?page=abc", {}, 422, "validation_error"),
        ("get", "/tasks?dir=sideways", {}, 422, "validation_error"),
        ("get", "/tasks?filter[nope]=1", {}, 422, "validation_error"),
        ("get", "/tasks?filter[status__like]=x", {}, 422, "validation_error"),
        ("get", "/tasks?filter[estimate_hours]=abc", {}, 422, "validation_error"),
        ("get", "/tasks/not-a-uuid", {}, 404, "not_found"),
        ("get", "/tasks/00000000-0000-0000-0000-000000000000", {}, 404, "not_found"),
        (
            "post",
            "/tasks",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
            "validation_error",
        ),
        ("post", "/tasks", {"json": [1, 2]}, 422, "validation_error"),
        (
            "post",
            "/tasks",
            {"content": b"x" * (1024 * 1024 + 10), "headers": {"content-type": "application/json"}},
            413,
            "payload_too_large",
        ),
        ("get", "/nowhere", {}, 404, "not_found"),
        ("put", "/tasks", {"json": {}}, 405, "method_not_allowed"),
    ],
)
def test_bad_requests_never_500(
    api: TestClient, method: str, path: str, kwargs: dict, status: int, kind: str
) -> None:
    r = getattr(api, method)(path, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["type"] == kind


def test_huge_page_size_is_capped(api: TestClient) -> None:
    r = api.get("/tasks?page_size=100000")
    assert r.status_code == 200 and r.json()["page_size"] == 100


def test_health_ready_openapi_docs(api: TestClient) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    ready = api.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    spec = api.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    task = spec["components"]["schemas"]["Task"]
    assert task["properties"]["status"]["enum"] == [
        "todo",
        "in_progress",
        "review",
        "done",
        "archived",
        "cancelled",
    ]
    assert "title" in spec["components"]["schemas"]["TaskCreate"]["required"]
    assert "/tasks/{id}" in spec["paths"] and "patch" in spec["paths"]["/tasks/{id}"]
    page = api.get("/docs")
    assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.split("<body>")[1]  # nothing from another origin
    assert api.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_an_entity_named_like_a_framework_route_moves_under_api(
    database_url: str, tmp_path: Path
) -> None:
    """Entity Doc would be /docs, which is the API documentation: one rule puts it at
    /api/docs, and the API, its description and `dazzle inspect` all say so."""
    root = write_project(
        tmp_path / "docs_app",
        "entity Doc:\n  id: uuid pk\n  title: str(80) required\n\n"
        "entity Note:\n  id: uuid pk\n  body: str(80)\n",
    )
    with client_for(root, database_url) as client:
        assert client.post("/api/docs", json={"title": "Guide"}).status_code == 201
        assert [d["title"] for d in client.get("/api/docs").json()["items"]] == ["Guide"]
        assert "text/html" in client.get("/docs").headers["content-type"]  # still the docs
        assert client.get("/notes").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
        assert "/api/docs" in paths and "/docs" not in paths and "/notes" in paths
    shown = subprocess.run(
        [sys.executable, "-m", "dazzle", "inspect", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "API /api/docs" in shown and "API /notes" in shown, shown
