"""The production command line when boot fails: every problem once, however many workers,
a non-zero exit for the platform, JSON lines only, and no tracebacks for expected failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dazzle_back.runtime.live import free_port
from dazzle_back.runtime.logging import log_config
from dazzle_back.runtime.procfile import web_args, web_line
from tests.conftest import CORPUS
from tests.runtime.conftest import fresh_database

APP = CORPUS / "v0.38" / "simple_task"
pytestmark = pytest.mark.skipif(not APP.is_dir(), reason=f"corpus not found at {CORPUS}")
GOOD_SECRET = "k3J9xQ2mV8pL5nR7tY1wZ4cB6dF0gH3jK5lM8nP2qS4uW7yA9"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAZZLE_", "REDIS_"))}
    env.pop("DATABASE_URL", None)
    return {**env, "DAZZLE_ENV": "production", "DAZZLE_PROJECT_ROOT": str(APP), **extra}


BROKEN = {"DAZZLE_SECRET_KEY": "short", "DATABASE_URL": "postgresql://postgres@127.0.0.1/x"}
PROBLEMS = ("REDIS_URL is not set", "DAZZLE_SECRET_KEY is 5 bytes", "[auth] enabled = false")


def _json_lines(text: str) -> list[dict[str, object]]:
    events = []
    for line in text.splitlines():
        if line.strip():
            events.append(json.loads(line))  # fails the test on any plain line
    return events


def _procfile_command(tmp_path: Path, workers: int) -> list[str]:
    config = tmp_path / "logging.json"
    config.write_text(json.dumps(log_config()))
    args = web_args(str(free_port()), str(workers), log_config=str(config), host="127.0.0.1")
    return [sys.executable, "-m", "uvicorn", *args]


def test_the_procfile_line_is_the_guides_plus_router_settings() -> None:
    line = web_line()
    assert line.startswith(
        "uvicorn dazzle_back.runtime.app_factory:create_app_factory --factory "
        "--host 0.0.0.0 --port $PORT --workers ${WEB_CONCURRENCY:-4}"
    )
    assert "--timeout-graceful-shutdown 25" in line and "--log-config" in line


@pytest.mark.parametrize("workers", [1, 3])
def test_procfile_line_reports_each_problem_once_and_exits_3(tmp_path: Path, workers: int) -> None:
    proc = subprocess.run(
        _procfile_command(tmp_path, workers),
        capture_output=True,
        text=True,
        timeout=90,
        env=_env(**BROKEN),
    )
    events = _json_lines(proc.stdout) + _json_lines(proc.stderr)
    failed = [str(e["problem"]) for e in events if e["event"] == "boot_failed"]
    for problem in PROBLEMS:
        assert sum(p.startswith(problem) for p in failed) == 1, failed
    assert len(failed) == len(PROBLEMS)
    assert proc.returncode == 3, (proc.returncode, events[-3:])
    assert "Traceback" not in proc.stdout + proc.stderr


def test_dazzle_serve_production_is_the_procfile_line(tmp_path: Path) -> None:
    serve = ["serve", str(APP), "--production", "--workers", "2", "--port", str(free_port())]
    proc = subprocess.run(
        [sys.executable, "-m", "dazzle", *serve],
        capture_output=True,
        text=True,
        timeout=90,
        env=_env(**BROKEN),
    )
    events = _json_lines(proc.stdout) + _json_lines(proc.stderr)
    failed = [e["problem"] for e in events if e["event"] == "boot_failed"]
    assert len(failed) == len(PROBLEMS), failed
    assert proc.returncode == 3


def test_the_guides_bare_line_still_reports_each_problem_once(tmp_path: Path) -> None:
    """Without the log config uvicorn's supervisor exits 0 when a worker cannot start (the
    README says to use the Procfile line); the problems are still printed once."""
    args = [a for a in _procfile_command(tmp_path, 3) if a != "--log-config"][:-1]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=90, env=_env(**BROKEN))
    out = proc.stdout + proc.stderr
    for problem in PROBLEMS:
        assert out.count(problem) == 1, out


def test_redis_down_at_boot_is_one_line_naming_the_host(tmp_path: Path) -> None:
    port = free_port()
    with fresh_database("postgresql", tmp_path) as url:
        proc = subprocess.run(
            _procfile_command(tmp_path, 2),
            capture_output=True,
            text=True,
            timeout=90,
            env=_env(
                DAZZLE_SECRET_KEY=GOOD_SECRET,
                DAZZLE_ALLOW_NO_AUTH="1",
                DATABASE_URL=url,
                REDIS_URL=f"redis://:hunter2secret@127.0.0.1:{port}/0",
            ),
        )
    events = _json_lines(proc.stdout) + _json_lines(proc.stderr)
    failed = [str(e["problem"]) for e in events if e["event"] == "boot_failed"]
    assert len(failed) == 1 and f"Redis at 127.0.0.1:{port} does not answer" in failed[0]
    assert "hunter2secret" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 3
