"""Language speed: parse + link of the largest corpus app, `dazzle validate` end to end and
`dazzle --help` start-up. Prints medians of several runs; not a test.

    python bench/language.py [--runs N] [--app PATH]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_APP = ROOT.parent / "shared" / "corpus" / "v0.38" / "pra"
GOALS_MS = {"parse+link": 75.0, "validate": 300.0, "--help": 200.0}
PUBLISHED_MS = {"parse+link": 150.0, "validate": 900.0, "--help": 700.0}


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_parse_link(app: Path, runs: int) -> tuple[float, float]:
    """In-process: read, lex, parse and link every file (after one warm-up)."""
    from dazzle.dsl.parser import parse_module
    from dazzle.ir.common import Loc
    from dazzle.linker import link
    from dazzle.manifest import load_manifest
    from dazzle.project import discover_files, load_project

    load_project(app)  # warm-up: imports, regex compilation, file cache
    full: list[float] = []
    for _ in range(runs):
        t = time.perf_counter()
        result = load_project(app)
        full.append(time.perf_counter() - t)
        assert result.ok
    manifest, _ = load_manifest(app)
    assert manifest is not None
    texts = [(p, p.read_text()) for p in discover_files(app, manifest)]
    pure: list[float] = []
    for _ in range(runs):
        t = time.perf_counter()
        modules = [parse_module(text, str(p), p.stem)[0] for p, text in texts]
        link(modules, manifest.root, Loc("dazzle.toml", 1, 1))
        pure.append(time.perf_counter() - t)
    return _median_ms(full), _median_ms(pure)


def bench_command(args: list[str], runs: int) -> float:
    cmd = [sys.executable, "-m", "dazzle", *args]
    subprocess.run(cmd, capture_output=True, check=False)  # warm the OS file cache
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        samples.append(time.perf_counter() - t)
    return _median_ms(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--app", type=Path, default=DEFAULT_APP)
    opts = ap.parse_args()
    if not opts.app.is_dir():
        sys.exit(f"no app at {opts.app}")
    n_files = len(list((opts.app / "dsl").rglob("*.dsl")))
    full, pure = bench_parse_link(opts.app, opts.runs)
    validate = bench_command(["validate", str(opts.app)], opts.runs)
    help_ms = bench_command(["--help"], opts.runs)
    python_ms = _median_ms([_time([sys.executable, "-c", "pass"]) for _ in range(opts.runs)])
    print(f"app: {opts.app} ({n_files} files), median of {opts.runs} runs")
    print(f"{'measure':<34}{'ms':>8}{'goal':>8}{'published':>11}")
    rows = [
        ("parse+link (load_project)", full, "parse+link"),
        ("parse+link (texts in memory)", pure, None),
        ("dazzle validate, end to end", validate, "validate"),
        ("dazzle --help", help_ms, "--help"),
        ("python -c pass (interpreter floor)", python_ms, None),
    ]
    for label, value, key in rows:
        goal = f"{GOALS_MS[key]:.0f}" if key else ""
        published = f"{PUBLISHED_MS[key]:.0f}" if key else ""
        print(f"{label:<34}{value:>8.1f}{goal:>8}{published:>11}")


def _time(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
