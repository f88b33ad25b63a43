"""Security headers on every response, and the CSRF cookie kept right.

The Content-Security-Policy allows only our own origin (styles may be inline for the API
docs' widgets); framing is refused; HSTS is sent in production. The ``dazzle_csrf`` cookie
is set only when it is missing or wrong for the browser's session, and only where a
browser needs it (pages, and requests that carry a session): plain API calls get no
cookie.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dazzle_back.auth.csrf import CSRF_COOKIE, CsrfTokens

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    def __init__(
        self, app: ASGIApp, *, production: bool, csrf: CsrfTokens, session_cookie: str
    ) -> None:
        self.app = app
        self.production = production
        self.csrf = csrf
        self.session_cookie = session_cookie
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
        cookies = _cookies(scope)
        session = cookies.get(self.session_cookie)
        have = cookies.get(CSRF_COOKIE)
        secure = self.production or scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                hdrs = list(message.get("headers", []))
                hdrs.extend(self.headers)
                if self._wants_cookie(hdrs, session is not None):
                    state = scope.get("state") or {}
                    token = state.get("csrf_token") or self.csrf.expected_cookie(session, have)
                    if token != have:
                        cookie = f"{CSRF_COOKIE}={token}; Path=/; SameSite=Lax"
                        if secure:
                            cookie += "; Secure"
                        hdrs.append((b"set-cookie", cookie.encode()))
                message["headers"] = hdrs
            await send(message)

        await self.app(scope, receive, send_wrapper)

    @staticmethod
    def _wants_cookie(headers: list[tuple[bytes, bytes]], has_session: bool) -> bool:
        """Pages and session-holding browsers need the token; a response that sets the
        cookie itself (sign-in, sign-out) is left alone."""
        html = False
        for key, value in headers:
            if key == b"set-cookie" and value.startswith(CSRF_COOKIE.encode() + b"="):
                return False
            if key == b"content-type" and value.startswith(b"text/html"):
                html = True
        return html or has_session


def _cookies(scope: Scope) -> dict[str, str]:
    for key, value in scope.get("headers") or []:
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header counts as no cookies
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}
