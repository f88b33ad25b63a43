"""Password hashing with argon2id, off the event loop (a hash takes ~100 ms by design)."""

from __future__ import annotations

import asyncio

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
