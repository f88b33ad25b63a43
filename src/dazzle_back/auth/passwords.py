"""Password hashing with argon2id, off the event loop (a hash takes ~100 ms by design), and
the policy a new password must meet."""

from __future__ import annotations

import asyncio
import re
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    def __init__(self, *, cheap: bool = False) -> None:
        # `cheap` is for the test environment only, where hundreds of accounts are made
        self._hasher = (
            PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
            if cheap
            else PasswordHasher()
        )
        self._dummy = self._hasher.hash("dazzle-dummy-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches. An account without a hash (or no account) costs
        the same time, so a response does not tell whether an email is registered."""
        target = password_hash or self._dummy

        def check() -> bool:
            try:
                return self._hasher.verify(target, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        ok = await asyncio.to_thread(check)
        return ok and password_hash is not None


MAX_PASSWORD_LENGTH = 1024
_TRAILING = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    text = (files("dazzle_back.auth") / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, min_length: int, email: str | None = None) -> str | None:
    """Why a new password is refused (a message to show), or None. Long enough, not only
    spaces, not one of the passwords attackers try first, not the email address."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"is too long (at most {MAX_PASSWORD_LENGTH} characters)"
    if not password.strip():
        return "cannot be only spaces"
    if len(password) < min_length:
        return f"must be at least {min_length} characters"
    lowered = password.strip().lower()
    common = common_passwords()
    if lowered in common or _TRAILING.sub("", lowered) in common:
        return "is one of the most common passwords; choose a less guessable one"
    if len(set(lowered)) <= 2:
        return "repeats the same characters; choose a less guessable one"
    if email and lowered in (email.lower(), email.lower().split("@", 1)[0]):
        return "is your email address; choose something else"
    return None
