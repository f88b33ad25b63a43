"""`dazzle serve` (reload on DSL changes, recovery from a broken edit) and `dazzle demo load`
(idempotent, refs by natural key, refusals reported with their location)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import CORPUS, EXAMPLES, require_corpus


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError as exc:
            last = exc
            time.sleep(0.25)
    raise AssertionError(f"{url}: {last}")


def _until(url: str, status: int, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    r = None
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == status:
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} never answered {status} (last: {r})")


def test_serve_reloads_on_dsl_change(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(EXAMPLES / "team_tasks", project, ignore=shutil.ignore_patterns(".dazzle"))
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dazzle", "serve", str(project), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert _get(f"{base}/health").status_code == 200
        assert httpx.get(f"{base}/stickers").status_code == 404
        dsl = project / "dsl" / "app.dsl"
        original = dsl.read_text()
        dsl.write_text(original + "\nentity Sticker:\n  id: uuid pk\n  label: str(20)\n")
        _until(f"{base}/stickers", 200)
        dsl.write_text(original + "\nentity Broken:\n")  # a broken edit: the server waits
        time.sleep(3)
        dsl.write_text(original)
        try:
            _until(f"{base}/health", 200)
            _until(f"{base}/stickers", 404)
        except AssertionError:
            proc.terminate()
            raise AssertionError(proc.communicate(timeout=30)[0]) from None
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "expected an indented block" in out, out  # the broken edit was explained


def test_demo_load_is_idempotent(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(EXAMPLES / "team_tasks", project, ignore=shutil.ignore_patterns(".dazzle"))

    def load() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dazzle", "demo", "load", "-p", str(project)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = load()
    assert first.returncode == 0, first.stderr
    assert "mid_quarter: 21 created, 0 already there, 0 failed" in first.stdout
    second = load()
    assert "0 created, 21 already there" in second.stdout


def test_demo_load_reports_records_the_dsl_refuses(tmp_path: Path) -> None:
    require_corpus()
    project = tmp_path / "st"
    shutil.copytree(CORPUS / "v0.38" / "simple_task", project)
    out = subprocess.run(
        [sys.executable, "-m", "dazzle", "demo", "load", "busy_sprint", "-p", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    # "Fix login bug" and "Database migration" are urgent with no due date: the invariant
    # `priority != "urgent" or due_date != null` refuses them; the rest load.
    assert out.stderr.count("(priority != urgent) or (due_date != null)") == 2
    assert "dsl/app.dsl:162:7" in out.stderr
    assert "busy_sprint: 10 created, 0 already there, 2 failed" in out.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "dazzle", "demo", "load", "nope", "-p", str(project)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "no scenario 'nope'" in missing.stderr


def test_serve_refuses_a_busy_port_before_saying_it_serves(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for extra in ([], ["--production"]):
            serve = ["serve", str(EXAMPLES / "team_tasks"), "--port", str(port), *extra]
            proc = subprocess.run(
                [sys.executable, "-m", "dazzle", *serve],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert proc.returncode == 1, proc
            assert f"127.0.0.1:{port} is in use" in proc.stderr
            assert "serving" not in proc.stdout + proc.stderr
