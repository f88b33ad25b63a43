"""Cross-site writes from browsers are refused before any route runs.

A page on another site can make a visitor's browser post a form here: that is how login
CSRF signs a victim in as the attacker, and how an app without accounts is changed from
outside. Browsers say where a request comes from (``Sec-Fetch-Site``, ``Origin``); an
unsafe request that says "another site" is refused with 403. Requests that say nothing
(curl, scripts, old browsers) pass on to the CSRF token check, and requests with an API
token carry no ambient credential and are let through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALLOWED_SITES = frozenset({b"same-origin", b"none"})
DETAIL = "cross-site request refused: this form or request comes from another site"


def _authority(netloc: str, scheme: str) -> str:
    host = netloc.lower()
    default = ":443" if scheme in ("https", "wss") else ":80"
    return host[: -len(default)] if host.endswith(default) else host


class SameOriginWrites:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in UNSAFE or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        body = orjson.dumps({"detail": DETAIL, "type": "forbidden"})
        await send({"type": "http.response.start", "status": 403, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _allowed(scope: Scope) -> bool:
        site = origin = host = None
        for key, value in scope.get("headers") or ():
            if key == b"sec-fetch-site":
                site = value
            elif key == b"origin":
                origin = value
            elif key == b"host":
                host = value
            elif key == b"authorization" and value[:7].lower() == b"bearer ":
                return True
        if site is not None:
            return site in ALLOWED_SITES
        if origin is None:
            return True
        text = origin.decode("latin-1")
        if text == "null" or host is None:
            return False
        parts = urlsplit(text)
        return _authority(parts.netloc, parts.scheme) == _authority(
            host.decode("latin-1"), parts.scheme
        )
