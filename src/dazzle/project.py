"""Loading a project folder: ``dazzle.toml``, every ``.dsl`` file, parse, link.

This is the one entry point the CLI, the server and the tests use to get an AppSpec.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dazzle.diagnostics import HINT_BUDGET, Diagnostic, sort_key
from dazzle.dsl.parser import parse_module
from dazzle.ir.appspec import AppSpec
from dazzle.ir.common import Loc
from dazzle.ir.module import ModuleFile
from dazzle.linker import link
from dazzle.manifest import MANIFEST_NAME, Manifest, load_manifest


@dataclass
class LoadResult:
    manifest: Manifest | None
    spec: AppSpec | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors


def display_path(path: Path, base: Path) -> str:
    """Paths in messages are relative to where the user stands, when that is shorter."""
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def discover_files(project_dir: Path, manifest: Manifest) -> list[Path]:
    files: list[Path] = []
    for entry in manifest.module_paths:
        folder = (project_dir / entry).resolve()
        if folder.is_file() and folder.suffix == ".dsl":
            files.append(folder)
        elif folder.is_dir():
            files.extend(sorted(folder.rglob("*.dsl")))
    return list(dict.fromkeys(files))


def load_project(project_dir: str | Path, *, cwd: str | Path | None = None) -> LoadResult:
    """Load, parse and link a project. Never raises for problems in the project's files."""
    root = Path(project_dir)
    base = Path(cwd) if cwd is not None else Path.cwd()
    HINT_BUDGET.set(200)
    manifest, diags = load_manifest(root)
    diags = [_relocate(d, base) for d in diags]
    if manifest is None:
        return LoadResult(None, None, diags)
    files = discover_files(root, manifest)
    manifest_shown = display_path(root / MANIFEST_NAME, base)
    if not files:
        paths = ", ".join(manifest.module_paths)
        diags.append(
            Diagnostic(
                "E124",
                f"no .dsl files found under {paths}",
                manifest_shown,
                1,
                1,
                "put your .dsl files in ./dsl or set [modules] paths",
            )
        )
        return LoadResult(manifest, None, diags)
    modules: list[ModuleFile] = []
    shown_files = []
    for path in files:
        shown = display_path(path, base)
        shown_files.append(shown)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            diags.append(Diagnostic("E001", f"file is not UTF-8 text ({exc.reason})", shown, 1, 1))
            continue
        except OSError as exc:
            diags.append(Diagnostic("E125", f"cannot read file: {exc.strerror}", shown, 1, 1))
            continue
        try:
            module, file_diags = parse_module(text, shown, path.stem)
        except RecursionError:  # last resort: the parser bounds nesting itself
            diags.append(Diagnostic("E015", "file is nested too deeply to read", shown, 1, 1))
            continue
        modules.append(module)
        diags.extend(file_diags)
    root_loc = _root_loc(manifest_shown, root / MANIFEST_NAME)
    spec, link_diags = link(modules, manifest.root, root_loc)
    diags.extend(link_diags)
    diags.sort(key=sort_key)
    return LoadResult(manifest, spec, _dedupe(diags), shown_files)


def _root_loc(shown: str, path: Path) -> Loc:
    try:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip().startswith("root"):
                return Loc(shown, i, line.index("root") + 1)
    except OSError:
        pass
    return Loc(shown, 1, 1)


def _relocate(d: Diagnostic, base: Path) -> Diagnostic:
    from dataclasses import replace

    return replace(d, path=display_path(Path(d.path), base))


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, int, int, str]] = set()
    out = []
    for d in diags:
        key = (d.code, d.path, d.line, d.col, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
