"""UI test fixtures: both dialects (as every runtime test), a headless Chromium (Debian's,
driven by Playwright), and apps served over real HTTP with data to look at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bench.fake import fill
from dazzle_back.runtime.app_factory import create_app
from dazzle_back.runtime.live import CHROMIUM_ARGS, chromium_path, live_server
from tests.runtime.conftest import (
    client_for,
    database_url,
    dialect,
    fresh_database,
    run_sync,
    settings_for,
)

__all__ = ["database_url", "dialect"]


@dataclass
class Site:
    """An app served over HTTP: its base URL, the app (for its runtime) and an API client."""

    base: str
    app: FastAPI
    api: httpx.Client

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def serve(
    project: Path,
    dialect: str,
    tmp: Path,
    *,
    auth: bool = False,
    counts: dict[str, int] | None = None,
    default: int = 6,
    setup: Callable[[TestClient], None] | None = None,
) -> Iterator[Site]:
    """A fresh database filled with fake rows (then ``setup`` run through an in-process
    client: accounts and such), and the app serving it over HTTP."""
    with fresh_database(dialect, tmp) as url:
        run_sync(fill(project, url, counts or {}, default=default))
        if setup is not None:
            with client_for(project, url, auth=auth) as client:
                setup(client)
        app = create_app(project, settings_for(url, db_pool_max=8), auth_enabled=auth)
        with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as api:
            yield Site(base, app, api)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Per module: Playwright's sync API keeps an event loop running in this thread while
    it is open, which other tests' ``asyncio.run`` must not meet."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    p = context.new_page()
    p.on("dialog", lambda d: d.accept())  # confirm() before deleting
    return p
