"""Redis-backed shared state. ``rediss://`` URLs are accepted with self-signed certificates
(Heroku Redis presents one), which is what ``ssl_cert_reqs=None`` does.

Faults are bounded: every socket operation times out after ``SOCKET_TIMEOUT`` seconds (a
frozen Redis never hangs a request), a command that fails on a dead connection (Redis was
restarted) is sent once more on a fresh one, and whatever still fails is raised as
:class:`SharedStateUnavailable`, which the HTTP layer answers with 503 and ``Retry-After``.
redis-py's default policy (ten retries with backoff, each waiting for its own timeout)
would hold a request for up to a minute when Redis is frozen.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dazzle_back.errors import SharedStateUnavailable

SOCKET_TIMEOUT = 2.0  # seconds for a connect, a send or a reply; Redis answers in well under 1 ms
HEALTH_CHECK_SECONDS = 30  # an idle pooled connection is pinged before it is used again
# down, restarting, loading its data, frozen, or a replica after a failover
FAULTS = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError)
C = TypeVar("C", bound=type)


def _faults_unavailable(cls: C) -> C:
    """Every public coroutine method but ``ping`` and ``close`` raises
    :class:`SharedStateUnavailable` when Redis cannot answer."""

    def guard(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return await method(*args, **kwargs)
            except FAULTS as exc:
                raise SharedStateUnavailable(f"Redis did not answer {name}") from exc

        return call

    for name, member in list(vars(cls).items()):
        public = not name.startswith("_") and name not in ("ping", "close")
        if public and inspect.iscoroutinefunction(member):
            setattr(cls, name, guard(name, member))
    return cls


@_faults_unavailable
class RedisKV:
    def __init__(self, url: str) -> None:
        extra: dict[str, object] = {}
        if url.startswith("rediss://"):
            extra["ssl_cert_reqs"] = None
        self._client = aioredis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=HEALTH_CHECK_SECONDS,
            # once more, at once, on a fresh connection, for a connection error only: a
            # timeout means Redis is frozen or overloaded, and waiting twice helps nobody
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            **extra,
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


def where(url: str) -> str:
    """``host:port`` of a Redis URL, for messages (never the password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


async def unreachable(url: str) -> str | None:
    """Why Redis at ``url`` cannot be used, in one line, or None when it answers."""
    kv = RedisKV(url)
    try:
        await kv._client.ping()
    except (RedisError, OSError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        return f"Redis at {where(url)} does not answer ({reason}): check REDIS_URL"
    finally:
        await kv.close()
    return None
