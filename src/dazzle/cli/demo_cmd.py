"""``dazzle demo load [SCENARIO]``: seed a scenario's demo records through the services."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

demo_app = typer.Typer(
    help="Demo data from scenarios.", no_args_is_help=True, rich_markup_mode=None
)


@demo_app.command("load")
def load(
    scenario: str | None = typer.Argument(
        None, help="Scenario name (default: the first with demo data)."
    ),
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
) -> None:
    """Create the scenario's demo records (idempotent: existing records are kept)."""
    from dazzle_back.demo import DemoError, load_scenario
    from dazzle_back.runtime.boot import BootError

    try:
        report = asyncio.run(load_scenario(project_dir.resolve(), scenario))
    except BootError as exc:
        for line in exc.problems:
            typer.echo(f"dazzle: {line}", err=True)
        raise typer.Exit(1) from None
    except DemoError as exc:
        typer.echo(f"dazzle: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in report.problems:
        typer.echo(line, err=True)
    typer.echo(
        f"{report.scenario}: {report.created} created, {report.existing} already there, "
        f"{len(report.problems)} failed"
    )
    if report.problems:
        raise typer.Exit(1)
