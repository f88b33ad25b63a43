"""Every page of every app (the corpus and our example) answers on SQLite and PostgreSQL:
lists sorted by each column, searched, filtered and paged; forms shown and posted empty;
records; edit forms; workspaces and each region. No 5xx anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fake import fill
from tests.conftest import EXAMPLES, corpus_apps, require_corpus
from tests.runtime.conftest import client_for, fresh_database, run_sync
from tests.ui.crawl import crawl

APPS = [*corpus_apps(), EXAMPLES / "team_tasks"]


@pytest.mark.parametrize("app", APPS, ids=[f"{a.parent.name}/{a.name}" for a in APPS])
def test_every_page_answers(app: Path, dialect: str, tmp_path: Path) -> None:
    if app.parent.name != "examples":
        require_corpus()
    with fresh_database(dialect, tmp_path) as url:
        run_sync(fill(app, url, {}, default=25))
        with client_for(app, url) as client:
            problems, visited = crawl(client)
    assert visited > 15
    assert problems == []
