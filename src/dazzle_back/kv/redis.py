"""Redis-backed shared state. ``rediss://`` URLs are accepted with self-signed certificates
(Heroku Redis presents one), which is what ``ssl_cert_reqs=None`` does."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import RedisError


class RedisKV:
    def __init__(self, url: str) -> None:
        extra: dict[str, object] = {}
        if url.startswith("rediss://"):
            extra["ssl_cert_reqs"] = None
        self._client = aioredis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30, **extra
        )

    async def get(self, key: str) -> bytes | None:
        value = await self._client.get(key)
        return value if value is None or isinstance(value, bytes) else str(value).encode()

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        if ttl:
            await self._client.set(key, value, px=max(1, int(ttl * 1000)))
        else:
            await self._client.set(key, value)

    async def delete(self, *keys: str) -> int:
        return int(await self._client.delete(*keys)) if keys else 0

    async def incr(self, key: str, ttl: float | None = None, amount: int = 1) -> int:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incrby(key, amount)
            if ttl:
                pipe.pexpire(key, max(1, int(ttl * 1000)), nx=True)
            result = await pipe.execute()
        return int(result[0])

    async def ttl(self, key: str) -> float | None:
        ms = await self._client.pttl(key)
        return None if ms is None or ms < 0 else ms / 1000

    async def sadd(self, key: str, member: str, ttl: float | None = None) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.sadd(key, member)
            if ttl:
                pipe.pexpire(key, max(1, int(ttl * 1000)), gt=True)
                pipe.pexpire(key, max(1, int(ttl * 1000)), nx=True)
            await pipe.execute()

    async def smembers(self, key: str) -> list[str]:
        raw = await self._client.smembers(key)
        return sorted(m.decode() if isinstance(m, bytes) else str(m) for m in raw)

    async def srem(self, key: str, member: str) -> None:
        await self._client.srem(key, member)

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._client.aclose()
