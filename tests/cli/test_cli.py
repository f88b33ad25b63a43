"""The ``dazzle`` command end to end, as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, EXAMPLES, require_corpus, write_project


def dazzle(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dazzle", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=60,
    )


def test_version_and_help() -> None:
    from dazzle import __version__

    out = dazzle("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"dazzle {__version__}"
    helped = dazzle("--help")
    assert helped.returncode == 0
    for command in ("validate", "inspect", "init"):
        assert command in helped.stdout


def test_validate_example_app() -> None:
    out = dazzle("validate", str(EXAMPLES / "team_tasks"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "team_tasks: ok" in out.stdout
    assert "warning" not in out.stdout


def test_validate_reports_errors_with_exit_1(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", "entity Task:\n  id: uuid pk\n  t: strr(10)\n")
    out = dazzle("validate", str(root), cwd=root)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0] == "dsl/app.dsl:3:6: error[E011]: unknown field type 'strr'"
    assert lines[1] == "  hint: did you mean 'str'?"
    assert "Traceback" not in out.stdout + out.stderr


def test_validate_json_for_editors(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", "entity Task:\n  title: text\n")
    out = dazzle("validate", str(root), "--format", "json", cwd=root)
    assert out.returncode == 1
    payload = json.loads(out.stdout)
    assert payload["ok"] is False and payload["errors"] == 1
    diag = payload["diagnostics"][0]
    assert (diag["code"], diag["line"], diag["col"], diag["severity"]) == ("E113", 1, 1, "error")


def test_validate_summarises_skipped_constructs() -> None:
    require_corpus()
    out = dazzle("validate", str(CORPUS / "v0.38" / "simple_task"))
    assert out.returncode == 0
    assert "skipped non-core constructs: service x7" in out.stdout
    verbose = dazzle("validate", "-v", str(CORPUS / "v0.38" / "simple_task"))
    assert verbose.stdout.count("warning[W001]") == 30


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "/nonexistent/project"],
        ["validate", "--format", "yaml", "."],
        ["inspect", "/nonexistent/project"],
        ["inspect", str(EXAMPLES / "team_tasks"), "--entity", "Nope"],
    ],
)
def test_bad_invocations_fail_cleanly(args: list[str]) -> None:
    out = dazzle(*args)
    assert out.returncode in (1, 2)
    assert "Traceback" not in out.stdout + out.stderr
    assert (out.stdout + out.stderr).strip()


def test_inspect_project_and_entity() -> None:
    out = dazzle("inspect", str(EXAMPLES / "team_tasks"))
    assert out.returncode == 0, out.stderr
    for text in (
        "Entities",
        "Surfaces",
        "Workspaces",
        "Personas",
        "API /tasks",
        "GET /app/task/{id}/edit",
        "GET /app/workspaces/",
    ):
        assert text in out.stdout
    one = dazzle("inspect", str(EXAMPLES / "team_tasks"), "--entity", "Task")
    assert one.returncode == 0
    for text in (
        "State machine on status",
        "todo -> in_progress",
        "requires assignee",
        "Access rules",
        "Invariants",
        "DELETE /tasks/{id}",
    ):
        assert text in one.stdout


def test_init_creates_a_project_that_validates(tmp_path: Path) -> None:
    out = dazzle("init", "my-app", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "my-app" / "dazzle.toml").is_file()
    checked = dazzle("validate", "my-app", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "my_app: ok - 1 entity" in checked.stdout
    again = dazzle("init", "my-app", cwd=tmp_path)
    assert again.returncode == 1 and "not empty" in again.stderr
