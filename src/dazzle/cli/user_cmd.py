"""``dazzle user create | invite | list | set-roles | set-email | deactivate | reset-password``."""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import typer

user_app = typer.Typer(
    help="Accounts: create, invite, list, roles, email, deactivate, reset passwords.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
ProjectOpt = typer.Option(Path("."), "--project", "-p", help="Project folder.")


def _run(project_dir: Path, work: Callable[[Any], Awaitable[None]]) -> None:
    from dazzle_back.errors import DomainError
    from dazzle_back.runtime.boot import BootError
    from dazzle_back.runtime.offline import offline_runtime

    async def go() -> None:
        async with offline_runtime(project_dir.resolve()) as rt:
            await work(rt)

    try:
        asyncio.run(go())
    except BootError as exc:
        for line in exc.problems:
            typer.echo(f"dazzle: {line}", err=True)
        raise typer.Exit(1) from None
    except DomainError as exc:
        typer.echo(f"dazzle: {exc.detail}", err=True)
        raise typer.Exit(1) from None


def _check_roles(rt: Any, roles: list[str]) -> None:
    personas = rt.booted.spec.personas
    unknown = [r for r in roles if personas and r not in personas]
    if unknown:
        typer.echo(
            f"dazzle: unknown role(s) {', '.join(unknown)}; roles are persona ids: "
            f"{', '.join(personas)}",
            err=True,
        )
        raise typer.Exit(1)


def _password(given: str | None) -> tuple[str, bool]:
    """The password to set, and whether it was generated (to print it once)."""
    if given:
        return given, False
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False
    return secrets.token_urlsafe(12), True


async def _account(rt: Any, email: str) -> Any:
    account = await rt.auth.accounts.by_email(email)
    if account is None:
        typer.echo(f"dazzle: no account {email}", err=True)
        raise typer.Exit(1)
    return account


@user_app.command("create")
def create(
    email: str = typer.Argument(..., help="Sign-in email."),
    name: str | None = typer.Option(None, "--name", help="Name for the linked user record."),
    role: list[str] = typer.Option([], "--role", help="A persona id; repeat for several."),
    superuser: bool = typer.Option(False, "--superuser", help="May do anything."),
    password: str | None = typer.Option(None, "--password", help="Prompted when omitted."),
    project_dir: Path = ProjectOpt,
) -> None:
    """Create an account (and its linked user record when the app has a User entity)."""

    async def work(rt: Any) -> None:
        _check_roles(rt, role)
        secret, generated = _password(password)
        account = await rt.auth.accounts.create(email, secret, role, superuser=superuser,
                                                name=name)  # fmt: skip
        typer.echo(
            f"created {account.email} roles={','.join(account.roles) or '-'}"
            f"{' superuser' if superuser else ''} user={account.user_id or '-'}"
        )
        if generated:
            typer.echo(f"password: {secret}")

    _run(project_dir, work)


@user_app.command("invite")
def invite(
    email: str = typer.Argument(..., help="Whom to invite."),
    name: str | None = typer.Option(None, "--name", help="Name for the linked user record."),
    role: list[str] = typer.Option([], "--role", help="A persona id; repeat for several."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="The app's address for the link (default: DAZZLE_BASE_URL)."
    ),
    project_dir: Path = ProjectOpt,
) -> None:
    """Invite someone: prints a one-time link (valid 7 days) where they choose a password,
    and emails it when DAZZLE_SMTP_URL is set. Needs [auth] registration = "invite" or
    "open". A user record with that email and no account is linked to the new account."""

    async def work(rt: Any) -> None:
        _check_roles(rt, role)
        _, url = await rt.auth.signup.invite(email, role, name, base_url)
        typer.echo(f"invited {email.strip().lower()} roles={','.join(role) or '-'}")
        typer.echo(f"link: {url}")
        if not url.startswith("http"):
            typer.echo("(put the app's address in front, or pass --base-url)")

    _run(project_dir, work)


@user_app.command("set-email")
def set_email(
    email: str = typer.Argument(..., help="The account's current email."),
    new_email: str = typer.Argument(..., help="Its new email."),
    project_dir: Path = ProjectOpt,
) -> None:
    """Change an account's sign-in email, and its linked user record's with it."""

    async def work(rt: Any) -> None:
        account = await _account(rt, email)
        await rt.auth.accounts.set_email(account.id, new_email)
        await rt.auth.refresh(str(account.id))
        typer.echo(f"{account.email} is now {new_email.strip().lower()}")

    _run(project_dir, work)


@user_app.command("list")
def list_users(project_dir: Path = ProjectOpt) -> None:
    """List accounts."""

    async def work(rt: Any) -> None:
        for a in await rt.auth.accounts.all():
            flags = ("" if a.is_active else " (deactivated)") + (" superuser" if a.is_superuser
                                                                 else "")  # fmt: skip
            typer.echo(f"{a.email}  roles={','.join(a.roles) or '-'}{flags}")

    _run(project_dir, work)


@user_app.command("set-roles")
def set_roles(
    email: str = typer.Argument(...),
    roles: list[str] = typer.Argument(None, help="Persona ids (none to clear)."),
    project_dir: Path = ProjectOpt,
) -> None:
    """Replace an account's roles (its sessions are signed out, to pick them up)."""

    async def work(rt: Any) -> None:
        _check_roles(rt, roles or [])
        account = await _account(rt, email)
        await rt.auth.accounts.set_roles(account.id, roles or [])
        await rt.auth.revoke(str(account.id), tokens=False)
        typer.echo(f"{account.email} roles={','.join(roles or []) or '-'}")

    _run(project_dir, work)


@user_app.command("deactivate")
def deactivate(email: str = typer.Argument(...), project_dir: Path = ProjectOpt) -> None:
    """Deactivate an account: its sessions and tokens stop working at once."""

    async def work(rt: Any) -> None:
        account = await _account(rt, email)
        await rt.auth.accounts.set_active(account.id, False)
        await rt.auth.revoke(str(account.id))
        typer.echo(f"{account.email} deactivated")

    _run(project_dir, work)


@user_app.command("reset-password")
def reset_password(
    email: str = typer.Argument(...),
    password: str | None = typer.Option(None, "--password", help="Prompted when omitted."),
    project_dir: Path = ProjectOpt,
) -> None:
    """Set a new password; every session and API token of the account is revoked."""

    async def work(rt: Any) -> None:
        account = await _account(rt, email)
        secret, generated = _password(password)
        await rt.auth.accounts.set_password(account.id, secret)
        await rt.auth.revoke(str(account.id))
        typer.echo(f"{account.email}: password changed, sessions and API tokens revoked")
        if generated:
            typer.echo(f"password: {secret}")

    _run(project_dir, work)
