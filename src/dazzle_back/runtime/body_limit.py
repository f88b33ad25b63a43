"""One limit on the size of every request body, whatever the route or content type, and on
how long a body may stall.

Plain ASGI, in front of all parsing: a ``Content-Length`` above the limit is answered 413
without reading a byte; a body without one (chunked) is counted as it arrives and answered
413 the moment it passes the limit. Either way the connection is closed after the answer,
so the client stops sending and nothing reads, buffers or spools the rest. A route that
needs more (a future file upload) gets it from ``path_limits``, the longest matching path
prefix winning.

A body that stops arriving (a slow-loris client sending a byte now and then, or nothing)
is cut off after ``idle_seconds`` without a new chunk: 408, connection closed, so a
handful of clients cannot hold every worker's connections open. uvicorn has no such
timeout of its own; headers that never finish are the proxy's to cut (Heroku's router
does), see the README.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dazzle_back.errors import PayloadTooLarge, RequestTimeout

STATE_KEY = "body_limit"  # the limit of this request, for readers such as the form parser


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        path_limits: Mapping[str, int] | None = None,
        idle_seconds: float = 30.0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        # longest prefix first, so "/files/avatars" can differ from "/files"
        self.path_limits = sorted((path_limits or {}).items(), key=lambda kv: -len(kv[0]))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.path_limits:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        scope.setdefault("state", {})[STATE_KEY] = limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        received = 0
        answered = False  # we sent the 413 or 408: the app's own answer is dropped
        started = False
        complete = False  # the whole body is in; later reads only wait for a disconnect

        async def limited_receive() -> Message:
            nonlocal received, answered, complete
            if complete:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_seconds)
            except TimeoutError:
                if not started and not answered:
                    answered = True
                    await _refuse(send, RequestTimeout.status, RequestTimeout.type, STALLED)
                raise RequestTimeout(STALLED) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > limit:
                    if not started and not answered:
                        answered = True
                        await _too_large(send, limit)
                    raise PayloadTooLarge(_detail(limit))
            else:
                complete = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not answered:
                raise  # not ours: the error handlers and the server deal with it


def _content_length(scope: Scope) -> int | None:
    """The declared size; any run of 19+ digits counts as too large (int() refuses
    4,300-digit strings and nothing real needs exabytes)."""
    for key, value in scope.get("headers") or []:
        if key == b"content-length":
            text = value.strip()
            if not text.isdigit():  # bytes.isdigit: ASCII digits only
                return None
            return int(text) if len(text) < 19 else sys.maxsize
    return None


def _detail(limit: int) -> str:
    size = f"{limit // 1024} KiB" if limit % (1024 * 1024) else f"{limit // (1024 * 1024)} MiB"
    return f"the request body is larger than {size}, the most this server accepts"


STALLED = "the request body stopped arriving; send it again"


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, PayloadTooLarge.status, PayloadTooLarge.type, _detail(limit))


async def _refuse(send: Send, status: int, kind: str, detail: str) -> None:
    body = orjson.dumps({"detail": detail, "type": kind})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),  # the server stops reading the rest
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
