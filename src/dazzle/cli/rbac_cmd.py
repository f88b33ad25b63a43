"""``dazzle rbac matrix``: who may do what, derived from the DSL alone."""

from __future__ import annotations

import json
from pathlib import Path

import typer

rbac_app = typer.Typer(
    help="Role-based access, as the DSL defines it.", no_args_is_help=True, rich_markup_mode=None
)


@rbac_app.command("matrix")
def matrix(
    project_dir: Path = typer.Argument(Path("."), help="Project folder."),
    entity: list[str] = typer.Option([], "--entity", "-e", help="Only these entities."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Print role x entity x operation: allow, deny, or the condition rows must meet."""
    from dazzle.project import load_project
    from dazzle_back.access.matrix import build_matrix

    result = load_project(project_dir)
    if result.spec is None or result.errors:
        for d in result.errors:
            typer.echo(d.format(), err=True)
        raise typer.Exit(1)
    spec = result.spec
    if result.manifest is not None and not result.manifest.auth.enabled:
        typer.echo("note: [auth] enabled = false: these rules are not enforced", err=True)
    cells = build_matrix(spec, entity or None)
    if format == "json":
        typer.echo(json.dumps([c.__dict__ for c in cells], indent=2))
        return
    current = None
    for c in cells:
        if c.entity != current:
            current = c.entity
            typer.echo(f"\n{c.entity}")
        text = c.outcome if c.condition is None else f"if {c.condition}"
        typer.echo(f"  {c.role:<20} {c.operation:<7} {text}")
