"""Property: any edit of a real project loads to a model or to located errors, never to an
exception. Lines and characters of corpus files are deleted, duplicated and swapped."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dazzle.diagnostics import CODES
from dazzle.project import load_project
from tests.conftest import corpus_apps, require_corpus

INTERESTING = [*list(":,()[]=-><.\"'#\t \n"), "->", "  ", "enum", "ref", "entity", "x", "é", "@"]


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    require_corpus()
    d = Path(tempfile.mkdtemp(prefix="dazzle-mut-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _files() -> list[Path]:
    out: list[Path] = []
    for app in corpus_apps():
        out += sorted((app / "dsl").rglob("*.dsl"))
        out.append(app / "dazzle.toml")
    return out


FILES = _files()


@st.composite
def mutation(draw: st.DrawFn) -> tuple[Path, str]:
    path = draw(st.sampled_from(FILES))
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["del_line", "dup_line", "swap_lines", "del_char", "ins_char", "swap_chars"]
            )
        )
        if kind.endswith("line") or kind.endswith("lines"):
            i = draw(st.integers(0, max(len(lines) - 1, 0)))
            j = draw(st.integers(0, max(len(lines) - 1, 0)))
            if kind == "del_line" and lines:
                del lines[i]
            elif kind == "dup_line" and lines:
                lines.insert(i, lines[i])
            elif lines:
                lines[i], lines[j] = lines[j], lines[i]
        else:
            flat = "\n".join(lines)
            if not flat:
                continue
            i = draw(st.integers(0, len(flat) - 1))
            if kind == "del_char":
                flat = flat[:i] + flat[i + 1 :]
            elif kind == "ins_char":
                flat = flat[:i] + draw(st.sampled_from(INTERESTING)) + flat[i:]
            elif i + 1 < len(flat):
                flat = flat[:i] + flat[i + 1] + flat[i] + flat[i + 2 :]
            lines = flat.split("\n")
    return path, "\n".join(lines)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation())
def test_mutated_project_loads_or_reports_located_errors(
    workdir: Path, m: tuple[Path, str]
) -> None:
    source, text = m
    app = (
        source.parent
        if source.name == "dazzle.toml"
        else source.parents[len(source.relative_to(source.parents[0]).parts)]
    )
    while not (app / "dazzle.toml").is_file():
        app = app.parent
    target = workdir / app.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(app, target, ignore=shutil.ignore_patterns("tests"))
    mutated = target / source.relative_to(app)
    mutated.write_text(text, encoding="utf-8")

    result = load_project(target, cwd=target)  # must not raise

    files = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()}
    for d in result.diagnostics:
        assert d.code in CODES, d.format()
        assert d.path in files, d.format()
        assert d.line >= 1 and d.col >= 1, d.format()
        n_lines = (target / d.path).read_text(encoding="utf-8").count("\n") + 2
        assert d.line <= n_lines, d.format()
        assert d.message
    if result.errors:
        assert not result.ok
    else:
        assert result.spec is not None
