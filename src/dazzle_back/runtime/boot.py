"""Boot checks: settings, ``dazzle.toml`` and its version pin, the DSL. Every problem is
collected; :class:`BootError` carries them all, one actionable line each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dazzle.ir.appspec import AppSpec
from dazzle.manifest import Manifest
from dazzle.project import load_project
from dazzle_back.runtime.settings import Settings, check_settings, load_settings


class BootError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Booted:
    project_dir: Path
    manifest: Manifest
    spec: AppSpec
    settings: Settings


def boot(project_dir: str | Path | None = None, settings: Settings | None = None) -> Booted:
    """Load settings and the project, or raise BootError listing everything wrong."""
    settings = settings or load_settings()
    root = Path(project_dir or settings.project_root).resolve()
    result = load_project(root, cwd=root)
    problems: list[str] = []
    if result.manifest is None or result.spec is None or result.errors:
        for d in result.errors[:20]:
            hint = f" (hint: {d.hint})" if d.hint else ""
            problems.append(f"{d.path}:{d.line}:{d.col}: error[{d.code}]: {d.message}{hint}")
        if len(result.errors) > 20:
            problems.append(f"... and {len(result.errors) - 20} more: run `dazzle validate`")
        if not problems:
            problems.append(f"{root}: no project here (set DAZZLE_PROJECT_ROOT)")
    problems = check_settings(settings, result.manifest) + problems
    if problems:
        raise BootError(problems)
    assert result.manifest is not None and result.spec is not None
    return Booted(root, result.manifest, result.spec, settings)
