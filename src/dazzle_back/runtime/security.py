"""Security headers on every response, and the CSRF cookie set wherever it is missing.

The Content-Security-Policy allows only our own origin (styles may be inline for the API
docs' widgets); framing is refused; HSTS is sent in production.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dazzle_back.auth.service import CSRF_COOKIE, new_csrf_token

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, production: bool, csrf_cookie: bool) -> None:
        self.app = app
        self.production = production
        self.csrf_cookie = csrf_cookie
        headers = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if production:
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        needs_csrf = self.csrf_cookie and not _has_cookie(scope, CSRF_COOKIE)
        secure = self.production or scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                hdrs = list(message.get("headers", []))
                hdrs.extend(self.headers)
                if needs_csrf:
                    token = (scope.get("state") or {}).get("csrf_token") or new_csrf_token()
                    cookie = f"{CSRF_COOKIE}={token}; Path=/; SameSite=Lax"
                    if secure:
                        cookie += "; Secure"
                    hdrs.append((b"set-cookie", cookie.encode()))
                message["headers"] = hdrs
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _has_cookie(scope: Scope, name: str) -> bool:
    for key, value in scope.get("headers") or []:
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header counts as no cookie
                return False
            return name in jar
    return False
