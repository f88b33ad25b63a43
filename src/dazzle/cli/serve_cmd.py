"""``dazzle serve``: the development server (reloads on DSL changes), or ``--production``,
which runs exactly what the Procfile runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

FACTORY = "dazzle_back.runtime.app_factory:create_app_factory"


def _port_free(host: str, port: int) -> bool:
    """Whether the address can be bound now (checked before saying "serving on")."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _port_busy(host: str, port: int) -> None:
    typer.echo(f"dazzle: {host}:{port} is in use: stop the other server or pass --port", err=True)
    raise typer.Exit(1)


def _exec_production(root: Path, host: str, port: int, workers: int) -> None:
    """Become the Procfile's web command (same arguments, same log config), so what runs
    here is what runs on the platform, exit code included."""
    import json
    import tempfile

    from dazzle_back.runtime.logging import log_config
    from dazzle_back.runtime.procfile import LOG_CONFIG_FILE, web_args

    config = root / LOG_CONFIG_FILE
    if not config.is_file():
        fd, name = tempfile.mkstemp(prefix="dazzle-logging-", suffix=".json")
        with os.fdopen(fd, "w") as out:
            json.dump(log_config(), out)
        config = Path(name)
    args = web_args(str(port), str(workers), log_config=str(config), host=host)
    os.chdir(root)
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "uvicorn", *args])


def serve(
    project_dir: Path = typer.Argument(Path("."), help="Project folder (holds dazzle.toml)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    production: bool = typer.Option(False, "--production", help="Run as in production."),
    reload: bool | None = typer.Option(
        None, "--reload/--no-reload", help="Restart on .dsl or dazzle.toml changes (dev default)."
    ),
) -> None:
    """Serve the app: UI and API on one port."""
    import uvicorn

    from dazzle_back.runtime.boot import BootError, boot

    root = project_dir.resolve()
    os.environ["DAZZLE_PROJECT_ROOT"] = str(root)
    if production:  # the workers report boot problems, once, as JSON events; exit code 3
        os.environ["DAZZLE_ENV"] = "production"
        if not _port_free(host, port):
            _port_busy(host, port)
        _exec_production(root, host, port, workers)
    try:  # check everything before the port is bound
        booted = boot(root)
    except BootError as exc:
        for line in exc.problems:
            typer.echo(f"dazzle: {line}", err=True)
        raise typer.Exit(1) from None
    if not _port_free(host, port):
        _port_busy(host, port)
    use_reload = (not booted.settings.production and workers == 1) if reload is None else reload
    if use_reload and workers > 1:
        typer.echo("dazzle: --reload works with one worker; drop --workers or --reload", err=True)
        raise typer.Exit(2)
    typer.echo(f"dazzle: serving {booted.spec.title} on http://{host}:{port}", err=True)
    uvicorn.run(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=use_reload,
        reload_dirs=[str(root)] if use_reload else None,
        reload_includes=["*.dsl", "dazzle.toml"] if use_reload else None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        access_log=False,
        log_level="warning" if booted.settings.production else "info",
    )
    sys.exit(0)
