"""Shared state for every worker and dyno: Redis when ``REDIS_URL`` is set, else in-process.

The interface is the small set of operations sessions, rate limits and readiness need.
"""

from __future__ import annotations

from typing import Protocol


class KV(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None: ...

    async def delete(self, *keys: str) -> int: ...

    async def incr(self, key: str, ttl: float | None = None, amount: int = 1) -> int:
        """Add ``amount`` atomically and return the new value; ``ttl`` is set when the key
        is created (so a window starts at its first count)."""
        ...

    async def ttl(self, key: str) -> float | None: ...

    async def sadd(self, key: str, member: str, ttl: float | None = None) -> None:
        """Add to a set (kept at least ``ttl`` seconds)."""
        ...

    async def smembers(self, key: str) -> list[str]: ...

    async def srem(self, key: str, member: str) -> None: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


def make_kv(redis_url: str | None) -> KV:
    if redis_url:
        from dazzle_back.kv.redis import RedisKV

        return RedisKV(redis_url)
    from dazzle_back.kv.memory import MemoryKV

    return MemoryKV()
