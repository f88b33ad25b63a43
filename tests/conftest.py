"""Shared fixtures: the corpus location and a builder for throw-away projects."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from dazzle.project import LoadResult, load_project

ROOT = Path(__file__).resolve().parent.parent
# ../shared next to the project root; DAZZLE_SHARED points elsewhere (e.g. a CI clone).
SHARED = Path(os.environ.get("DAZZLE_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
EXAMPLES = ROOT / "examples"

DEFAULT_TOML = """\
[project]
name = "t"
root = "app"
"""


def corpus_apps() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.glob("*/*") if (p / "dazzle.toml").is_file())


def require_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(
            f"corpus not found at {CORPUS}: ../shared is absent (set DAZZLE_SHARED to its path)"
        )


def write_project(root: Path, dsl: str | dict[str, str], toml: str | None = DEFAULT_TOML) -> Path:
    """A project folder with ``dazzle.toml`` and the given DSL files (dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    if toml is not None:
        (root / "dazzle.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    files = {"app.dsl": dsl} if isinstance(dsl, str) else dsl
    for name, text in files.items():
        path = root / "dsl" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``project(dsl, toml=...)`` -> LoadResult of a fresh project in tmp_path."""

    def build(dsl: str | dict[str, str], toml: str | None = DEFAULT_TOML) -> LoadResult:
        root = write_project(tmp_path / "proj", dsl, toml)
        return load_project(root, cwd=root)

    return build


CORPUS_MISSING = f"corpus not found at {CORPUS}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under CI the corpus must be there: a run that skipped it would pass vacuously."""
    if os.environ.get("CI", "").lower() == "true" and not CORPUS.is_dir():
        raise pytest.UsageError(
            f"CI=true but the {CORPUS_MISSING}: check out ../shared next to the project "
            "or set DAZZLE_SHARED to its path"
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Put skipped corpus tests on the run's summary line, which ``-q`` still prints."""
    if CORPUS.is_dir():
        return
    skipped = terminalreporter.stats.get("skipped", [])
    corpus = [r for r in skipped if "corpus" in str(getattr(r, "longrepr", ""))]
    if corpus:
        terminalreporter.stats["skipped for lack of the corpus (set DAZZLE_SHARED)"] = corpus
