"""A real HTTP server for an app inside this process, on a free port: what browser tests,
the screenshot command and demos drive (like Django's live server)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(app: FastAPI, *, startup_timeout: float = 30.0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 from a background thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"live-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chromium_path() -> str:
    """Debian's Chromium for Playwright (``DAZZLE_CHROMIUM`` overrides); a clear error when
    it is missing, since Playwright's own browser download is not available everywhere."""
    import os
    import shutil

    found = (
        os.environ.get("DAZZLE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        raise RuntimeError(
            "Chromium is not installed: apt-get install chromium "
            "(or set DAZZLE_CHROMIUM to its path)"
        )
    return found


CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
