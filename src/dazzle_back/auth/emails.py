"""The words of the emails accounts receive. Plain text: every client shows it, and a
link is a link."""

from __future__ import annotations

from dazzle_back.mail import Message


def confirm_signup(app: str, to: str, url: str) -> Message:
    return Message(
        to,
        f"Confirm your {app} account",
        f"Someone (we hope you) asked for a {app} account for {to}.\n\n"
        f"To finish, open this link within 24 hours:\n\n  {url}\n\n"
        "If it was not you, ignore this email: nothing happens without the link.\n",
    )


def already_registered(app: str, to: str, reset_url: str | None) -> Message:
    reset = (
        f"If you forgot your password, you can choose a new one here (valid 1 hour):\n\n"
        f"  {reset_url}\n\n"
        if reset_url
        else "If you forgot your password, ask the app's administrator to reset it.\n\n"
    )
    return Message(
        to,
        f"You already have a {app} account",
        f"Someone (we hope you) tried to sign up to {app} with {to}, which already has an "
        f"account. Sign in with it instead.\n\n{reset}"
        "If it was not you, ignore this email: your account is unchanged.\n",
    )


def invitation(app: str, to: str, url: str) -> Message:
    return Message(
        to,
        f"You are invited to {app}",
        f"You have been invited to {app} as {to}.\n\n"
        f"Choose your password with this link (valid 7 days):\n\n  {url}\n",
    )


def reset_password(app: str, to: str, url: str) -> Message:
    return Message(
        to,
        f"Reset your {app} password",
        f"Someone (we hope you) asked to reset the {app} password of {to}.\n\n"
        f"Choose a new password with this link within 1 hour:\n\n  {url}\n\n"
        "If it was not you, ignore this email: your password is unchanged.\n",
    )
