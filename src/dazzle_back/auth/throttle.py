"""Login throttling per account and per client address, shared by every worker through
the shared store: too many failures answer 429 with ``Retry-After``."""

from __future__ import annotations

from dazzle_back.errors import RateLimited
from dazzle_back.kv import KV

WINDOW_SECONDS = 15 * 60
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 30


class LoginThrottle:
    def __init__(self, kv: KV) -> None:
        self.kv = kv

    async def check(self, email: str, address: str) -> None:
        for key, limit in ((f"dazzle:login:acct:{email}", MAX_PER_ACCOUNT),
                           (f"dazzle:login:addr:{address}", MAX_PER_ADDRESS)):  # fmt: skip
            raw = await self.kv.get(key)
            if raw is not None and int(raw) >= limit:
                wait = await self.kv.ttl(key) or WINDOW_SECONDS
                raise RateLimited(
                    "too many failed sign-in attempts; try again later",
                    headers={"Retry-After": str(max(1, int(wait)))},
                )

    async def failed(self, email: str, address: str) -> None:
        await self.kv.incr(f"dazzle:login:acct:{email}", ttl=WINDOW_SECONDS)
        await self.kv.incr(f"dazzle:login:addr:{address}", ttl=WINDOW_SECONDS)

    async def succeeded(self, email: str) -> None:
        await self.kv.delete(f"dazzle:login:acct:{email}")
