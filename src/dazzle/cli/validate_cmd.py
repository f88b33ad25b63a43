"""``dazzle validate``: check a project and report every problem with its location."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import typer

from dazzle.cli.output import paint, use_color


def validate(
    project_dir: Path = typer.Argument(Path("."), help="Project folder (holds dazzle.toml)."),
    format: str = typer.Option("text", "--format", help="text or json (for editors)."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="List every skipped non-core construct too."
    ),
) -> None:
    """Parse and link a project; exit 1 when it has errors."""
    from dazzle.project import load_project

    if format not in ("text", "json"):
        typer.echo(f"error: --format must be text or json, not {format!r}", err=True)
        raise typer.Exit(2)
    result = load_project(project_dir)
    if format == "json":
        payload = {
            "ok": result.ok,
            "project": result.manifest.name if result.manifest else None,
            "errors": len(result.errors),
            "warnings": len(result.warnings),
            "diagnostics": [d.to_json() for d in result.diagnostics],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        raise typer.Exit(0 if result.ok else 1)

    color = use_color()
    skipped: Counter[str] = Counter()
    for d in result.diagnostics:
        if d.code == "W001" and not verbose:
            skipped[d.message.split("'")[1] if "'" in d.message else d.message] += 1
            continue
        head, _, rest = d.format().partition("\n")
        style = "red" if d.is_error else "yellow"
        label = f"{d.severity.value}[{d.code}]"
        typer.echo(head.replace(label, paint(label, style, color), 1))
        if rest:
            typer.echo(paint(rest, "dim", color))
    if skipped:
        parts = ", ".join(f"{name} x{n}" for name, n in skipped.most_common())
        typer.echo(
            paint(f"skipped non-core constructs: {parts} (--verbose lists them)", "dim", color)
        )
    spec = result.spec
    name = result.manifest.name if result.manifest else str(project_dir)
    n_err, n_warn = len(result.errors), len(result.warnings)
    if result.ok and spec is not None:
        counts = ", ".join(
            _count(n, word)
            for n, word in (
                (len(spec.entities), "entity"),
                (len(spec.surfaces), "surface"),
                (len(spec.workspaces), "workspace"),
                (len(spec.personas), "persona"),
            )
        )
        summary = f"{name}: ok - {counts}"
        if n_warn:
            summary += f" ({_count(n_warn, 'warning')})"
        typer.echo(paint(summary, "green", color))
        return
    summary = f"{name}: {_count(n_err, 'error')}, {_count(n_warn, 'warning')}"
    typer.echo(paint(summary, "red", color))
    raise typer.Exit(1)


def _count(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{n} {'entities' if word == 'entity' else word + 's'}"
