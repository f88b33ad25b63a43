"""A real HTTP server for an app inside this process, on a free port: what browser tests,
the screenshot command and demos drive (like Django's live server)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FACTORY = "dazzle_back.runtime.app_factory:create_app_factory"


def factory_command(port: int, workers: int = 1, *extra: str) -> list[str]:
    """The production command line (uvicorn calling the app factory) on a given port."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        FACTORY,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        *extra,
    ]


def wait_ready(url: str, timeout: float = 60.0, proc: subprocess.Popen[Any] | None = None) -> None:
    """Until ``url`` answers 200; an error if it does not within ``timeout`` seconds or the
    server process ends first."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.2)


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
