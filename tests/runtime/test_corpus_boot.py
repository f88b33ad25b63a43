"""Every corpus app boots on SQLite and PostgreSQL, migrates, and serves every entity's
list endpoint (and its OpenAPI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dazzle.naming import plural
from tests.conftest import corpus_apps, require_corpus
from tests.runtime.conftest import as_superuser, client_for, fresh_database

APPS = corpus_apps()


def _rel(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


@pytest.mark.parametrize("app", APPS, ids=[_rel(a) for a in APPS])
def test_app_boots_and_lists(app: Path, dialect: str, tmp_path: Path) -> None:
    require_corpus()
    with fresh_database(dialect, tmp_path) as url, client_for(app, url, auth=None) as client:
        spec = client.app.state.runtime.spec
        if client.app.state.runtime.auth.enabled:
            assert client.get(f"/{plural(next(iter(spec.entities)))}").status_code == 401
            as_superuser(client)
        assert client.get("/ready").status_code == 200
        for name in spec.entities:
            r = client.get(
                f"/{plural(name)}"
                if plural(name) not in ("docs", "health")
                else f"/api/{plural(name)}"
            )
            assert r.status_code == 200, (name, r.text)
            assert isinstance(r.json()["items"], list)
        doc = client.get("/openapi.json")
        assert doc.status_code == 200
        assert len(doc.json()["components"]["schemas"]) >= len(spec.entities)
