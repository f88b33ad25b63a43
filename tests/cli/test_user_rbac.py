"""`dazzle user ...` and `dazzle rbac matrix` as an operator runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPUS, require_corpus


def dazzle(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dazzle", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_user_commands(tmp_path: Path) -> None:
    require_corpus()
    project = tmp_path / "st"
    shutil.copytree(CORPUS / "v0.38" / "simple_task", project)
    p = ["-p", str(project)]
    made = dazzle(
        "user", "create", "Carol@Example.com", "--role", "member", "--name", "Carol Developer", *p
    )
    assert made.returncode == 0, made.stderr
    assert "created carol@example.com roles=member" in made.stdout
    assert "password: " in made.stdout  # not a terminal: generated and shown once
    assert dazzle("user", "create", "carol@example.com", *p).returncode == 1  # taken
    bad = dazzle("user", "create", "x@example.com", "--role", "wizard", *p)
    assert bad.returncode == 1 and "roles are persona ids: admin, manager, member" in bad.stderr
    assert dazzle("user", "set-roles", "carol@example.com", "manager", *p).returncode == 0
    listed = dazzle("user", "list", *p).stdout
    assert "carol@example.com  roles=manager" in listed
    assert (
        dazzle(
            "user", "reset-password", "carol@example.com", "--password", "a new long secret", *p
        ).returncode
        == 0
    )
    assert (
        dazzle("user", "reset-password", "carol@example.com", "--password", "short", *p).returncode
        == 1
    )
    assert dazzle("user", "deactivate", "carol@example.com", *p).returncode == 0
    assert "(deactivated)" in dazzle("user", "list", *p).stdout
    assert dazzle("user", "deactivate", "nobody@example.com", *p).returncode == 1


def test_rbac_matrix() -> None:
    require_corpus()
    app = str(CORPUS / "v0.38" / "simple_task")
    text = dazzle("rbac", "matrix", app, "-e", "Task")
    assert text.returncode == 0
    assert (
        "member               list    if (assigned_to == current_user) or (created_by == "
        "current_user)" in text.stdout
    )
    assert "admin                delete  deny" in text.stdout
    assert "[auth] enabled = false" in text.stderr
    cells = json.loads(dazzle("rbac", "matrix", app, "--format", "json").stdout)
    assert {
        "role": "(anonymous)",
        "entity": "Task",
        "operation": "read",
        "outcome": "deny",
        "condition": None,
    } in cells
