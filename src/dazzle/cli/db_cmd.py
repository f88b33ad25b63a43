"""``dazzle db plan | migrate | status``: the schema against the model, deliberately."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer

db_app = typer.Typer(
    help="Database schema: plan, migrate, status.", no_args_is_help=True, rich_markup_mode=None
)

Project = typer.Argument(Path("."), help="Project folder (holds dazzle.toml).")


def _setup(project_dir: Path) -> Any:
    from dazzle_back.db.engine import make_utility_engine
    from dazzle_back.db.schema import build_schema
    from dazzle_back.runtime.boot import BootError, boot
    from dazzle_back.runtime.settings import resolve_database_url

    try:
        booted = boot(project_dir.resolve())
    except BootError as exc:
        for line in exc.problems:
            typer.echo(f"dazzle: {line}", err=True)
        raise typer.Exit(1) from None
    url = resolve_database_url(booted.settings, booted.manifest, booted.project_dir)
    return make_utility_engine(url), build_schema(booted.spec), booted.settings


@db_app.command("plan")
def plan(project_dir: Path = Project) -> None:
    """Show the steps that would bring the database to the model, each safe or lossy."""
    from dazzle_back.db.migrate import plan_for

    engine, schema, _ = _setup(project_dir)

    async def run() -> list[Any]:
        try:
            return await plan_for(engine, schema)
        finally:
            await engine.dispose()

    steps = asyncio.run(run())
    if not steps:
        typer.echo("the database matches the model; nothing to do")
        return
    for s in steps:
        typer.echo(str(s))
    lossy = sum(1 for s in steps if s.lossy)
    typer.echo(f"{len(steps)} step(s), {lossy} lossy")
    if lossy:
        typer.echo("apply with: dazzle db migrate --allow-destructive")


@db_app.command("migrate")
def migrate(
    project_dir: Path = Project,
    allow_destructive: bool = typer.Option(
        False, "--allow-destructive", help="Also apply lossy steps (drops, narrowing...)."
    ),
) -> None:
    """Apply the plan (safe steps; lossy ones only with --allow-destructive)."""
    from dazzle_back.db.locks import MigrationLockTimeout
    from dazzle_back.db.migrate import LossyMigrationError
    from dazzle_back.db.migrate import migrate as run_migrate

    engine, schema, settings = _setup(project_dir)

    async def run() -> Any:
        try:
            return await run_migrate(
                engine,
                schema,
                allow_destructive=allow_destructive,
                lock_timeout=settings.migration_lock_timeout,
            )
        finally:
            await engine.dispose()

    try:
        result = asyncio.run(run())
    except (LossyMigrationError, MigrationLockTimeout) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    if result.up_to_date:
        typer.echo(f"up to date (schema {result.schema_hash})")
        return
    for s in result.applied:
        typer.echo(f"applied {s}")
    typer.echo(
        f"schema {result.schema_hash}: {len(result.applied)} step(s) in {result.seconds:.2f}s"
    )


@db_app.command("status")
def status(project_dir: Path = Project) -> None:
    """Show the applied migration history and whether the database matches the model."""
    from dazzle_back.db.migrate import history_for, plan_for

    engine, schema, _ = _setup(project_dir)

    async def run() -> tuple[list[Any], list[Any]]:
        try:
            return await history_for(engine), await plan_for(engine, schema)
        finally:
            await engine.dispose()

    history, pending = asyncio.run(run())
    if not history:
        typer.echo("no migrations applied yet")
    for row in history:
        steps = row["steps"]
        count = len(steps) if isinstance(steps, list) else "?"
        typer.echo(
            f"#{row['id']}  {row['applied_at']}  schema {row['schema_hash']}  "
            f"dazzle {row['framework_version']}  {count} step(s)"
        )
    typer.echo(
        f"model schema {schema.schema_hash}: "
        + ("up to date" if not pending else f"{len(pending)} pending step(s)")
    )
