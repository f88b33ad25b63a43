"""Command registry: one module per command under ``dazzle.cli``."""

from __future__ import annotations

import typer

from dazzle import __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dazzle {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="dazzle",
        help="Dazzle: a folder of .dsl files becomes a running web application.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ) -> None:
        """Dazzle: a folder of .dsl files becomes a running web application."""

    from dazzle.cli import (
        db_cmd,
        demo_cmd,
        init_cmd,
        inspect_cmd,
        rbac_cmd,
        serve_cmd,
        user_cmd,
        validate_cmd,
    )

    app.command("validate")(validate_cmd.validate)
    app.command("inspect")(inspect_cmd.inspect)
    app.command("init")(init_cmd.init)
    app.command("serve")(serve_cmd.serve)
    app.add_typer(db_cmd.db_app, name="db")
    app.add_typer(demo_cmd.demo_app, name="demo")
    app.add_typer(user_cmd.user_app, name="user")
    app.add_typer(rbac_cmd.rbac_app, name="rbac")
    return app
