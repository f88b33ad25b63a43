"""In-process shared state for development and single-process use."""

from __future__ import annotations

import builtins
import time


class MemoryKV:
    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._sets: dict[str, tuple[builtins.set[str], float | None]] = {}

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] is not None and item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    async def get(self, key: str) -> bytes | None:
        item = self._live(key)
        return item[0] if item else None

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        raw = value.encode() if isinstance(value, str) else value
        self._data[key] = (raw, time.monotonic() + ttl if ttl else None)

    async def delete(self, *keys: str) -> int:
        found = sum(1 for k in keys if self._data.pop(k, None) is not None)
        return found + sum(1 for k in keys if self._sets.pop(k, None) is not None)

    async def incr(self, key: str, ttl: float | None = None, amount: int = 1) -> int:
        item = self._live(key)
        if item is None:
            self._data[key] = (str(amount).encode(), time.monotonic() + ttl if ttl else None)
            return amount
        value = int(item[0]) + amount
        self._data[key] = (str(value).encode(), item[1])
        return value

    async def ttl(self, key: str) -> float | None:
        item = self._live(key)
        if item is None or item[1] is None:
            return None
        return max(0.0, item[1] - time.monotonic())

    async def sadd(self, key: str, member: str, ttl: float | None = None) -> None:
        members = self._sets_get(key)
        members.add(member)
        expiry = time.monotonic() + ttl if ttl else None
        self._sets[key] = (members, expiry)

    async def smembers(self, key: str) -> list[str]:
        return sorted(self._sets_get(key))

    async def srem(self, key: str, member: str) -> None:
        self._sets_get(key).discard(member)

    def _sets_get(self, key: str) -> builtins.set[str]:
        item = self._sets.get(key)
        if item is None or (item[1] is not None and item[1] <= time.monotonic()):
            self._sets.pop(key, None)
            return set()
        return item[0]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()
        self._sets.clear()
