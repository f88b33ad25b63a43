"""The corpus designs about signing in, sessions and pages (``AUTH_*``, ``ACL_*``,
``WS_*``) pass against the running app, on SQLite and PostgreSQL: designs with a persona
run with accounts on (one account per persona), the others as the app is configured for
its page tests (accounts off). Page steps run in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from tests.conftest import CORPUS, corpus_apps, require_corpus
from tests.runtime.conftest import make_account
from tests.runtime.designs import load_designs
from tests.ui.conftest import Site, serve
from tests.ui.session_designs import PASSWORD, SessionRunner, is_session_design, persona_email

# Designs for a workspace the published runtime adds by itself (an admin console named
# `_platform_admin`, declared nowhere in the DSL): nothing of ours to test.
NOT_DECLARED = {"WS__PLATFORM_ADMIN_NAV", "WS__PLATFORM_ADMIN_ROUTE"}

# Routes in designs that the app's DSL contradicts; the DSL wins and the design runs with
# the route the DSL gives (checked below to really differ):
# - head/simple_task's designs predate its DSL: the personas' `default_route` is now
#   "/app/workspaces/<their workspace>", not "/admin", "/team", "/my-work";
# - v0.38/contact_manager's workspace `contacts` at "/contacts" (the v0.38 page layout):
#   that path is the REST collection of Contact (spec/runtime.md §4), so the page is at
#   "/app/workspaces/contacts" (§5). Other v0.38 workspace paths ("/task-board") work.
STALE_ROUTES: dict[tuple[str, str], str] = {
    ("head/simple_task", "/admin"): "/app/workspaces/admin_dashboard",
    ("head/simple_task", "/team"): "/app/workspaces/team_overview",
    ("head/simple_task", "/my-work"): "/app/workspaces/my_work",
    ("v0.38/contact_manager", "/contacts"): "/app/workspaces/contacts",
}

APPS = [a for a in corpus_apps() if any(is_session_design(d) for d in load_designs(a))]


def with_dsl_routes(app: str, design: dict[str, Any]) -> dict[str, Any]:
    """The design with each stale route replaced by the one the DSL gives."""

    def fix(value: Any) -> Any:
        return STALE_ROUTES.get((app, value), value) if isinstance(value, str) else value

    steps = []
    for step in design["steps"]:
        data = {k: fix(v) for k, v in (step.get("data") or {}).items()}
        steps.append({**step, "target": fix(step.get("target", "")), "data": data})
    return {**design, "steps": steps}


def test_stale_routes_really_contradict_the_dsl() -> None:
    require_corpus()
    from dazzle.project import load_project

    spec = load_project(CORPUS / "head" / "simple_task").spec
    assert spec is not None
    declared = {p.default_route for p in spec.personas.values()}
    for (app, stale), route in STALE_ROUTES.items():
        if app == "head/simple_task":
            assert stale not in declared and route in declared
    other = load_project(CORPUS / "v0.38" / "contact_manager").spec
    assert other is not None and "Contact" in other.entities and "contacts" in other.workspaces


def _rel(app: Path) -> str:
    return f"{app.parent.name}/{app.name}"


@pytest.fixture(
    scope="module",
    params=[(a, d) for a in APPS for d in ("sqlite", "postgresql")],
    ids=lambda p: f"{_rel(p[0])}-{p[1]}",
)
def sites(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Site, Site]]:
    require_corpus()
    app, dialect = request.param

    def accounts(client: TestClient) -> None:
        for persona in client.app.state.runtime.spec.personas:  # type: ignore[attr-defined]
            make_account(client, persona_email(persona), PASSWORD, roles=[persona])

    with (
        serve(app, dialect, tmp_path_factory.mktemp("on"), auth=True, setup=accounts) as on,
        serve(app, dialect, tmp_path_factory.mktemp("off")) as off,
    ):
        yield app, on, off


def test_session_and_page_designs(sites: tuple[Path, Site, Site], chromium: Browser) -> None:
    app, on, off = sites
    designs = [d for d in load_designs(app) if is_session_design(d)]
    assert designs
    failures, ran = [], 0
    for design in designs:
        if design["test_id"] in NOT_DECLARED:
            assert "_platform_admin" not in on.app.state.runtime.spec.workspaces  # type: ignore[attr-defined]
            continue
        site = on if design.get("persona") or design["test_id"].startswith("AUTH_") else off
        context = chromium.new_context()
        runner = SessionRunner(site.base, context)
        try:
            problem = runner.run(with_dsl_routes(_rel(app), design))
        finally:
            runner.close()
            context.close()
        ran += 1
        if problem:
            failures.append(f"{design['test_id']}: {problem}")
    assert ran >= len(designs) - len(NOT_DECLARED)
    assert failures == [], "\n".join(failures)
