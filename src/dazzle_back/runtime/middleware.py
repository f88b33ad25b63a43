"""Request middleware (plain ASGI, no per-request task switching): a request id and one
access-log event per request.

The request id is the caller's ``X-Request-ID`` when it looks like one (Heroku's router
sends a UUID; anything else, or nothing, gets a fresh id), echoed on the response and bound
to every log event of that request. The event carries method, path, status, duration,
response bytes and the client's address (through the trusted proxy, as rate limits see
it).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dazzle_back.api.caller import forwarded_client

log = structlog.get_logger("dazzle.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,200}")


class RequestLog:
    def __init__(
        self,
        app: ASGIApp,
        *,
        quiet_paths: frozenset[str] = frozenset(),
        trust_forwarded: bool = False,
    ) -> None:
        self.app = app
        self.quiet = quiet_paths
        self.trust_forwarded = trust_forwarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        forwarded: list[str] = []
        incoming = ""
        for name, value in scope.get("headers") or ():
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"x-forwarded-for":
                forwarded.append(value.decode("latin-1"))
        rid = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status = 500
        sent = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                hdrs: list[Any] = list(message.get("headers", []))
                hdrs.append((b"x-request-id", rid.encode("latin-1")))
                message["headers"] = hdrs
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        bound = structlog.contextvars.bind_contextvars(request_id=rid)
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            structlog.contextvars.reset_contextvars(**bound)
            path = scope.get("path", "")
            if path not in self.quiet:
                client = scope.get("client")
                peer = client[0] if client else "unknown"
                log.info(
                    "request",
                    method=scope.get("method"),
                    path=path,
                    status=status,
                    duration_ms=round((time.perf_counter() - start) * 1000, 1),
                    bytes=sent,
                    client=forwarded_client(peer, forwarded, self.trust_forwarded),
                    request_id=rid,
                )
