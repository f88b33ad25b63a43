"""The HTTP side of identity: what a request carries (Bearer token, session cookie, CSRF
token, trusted-device cookie, client address) in, and the cookies a response sets out.
The API routes, the pages and the middleware all go through here, so a cookie has one
name, one set of flags and one meaning."""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dazzle_back.auth.accounts import Account
from dazzle_back.auth.csrf import CSRF_COOKIE, CSRF_HEADER, UNSAFE
from dazzle_back.auth.service import Auth
from dazzle_back.errors import Forbidden
from dazzle_back.services.principal import Principal

DEVICE_COOKIE = "dazzle_device"
DEVICE_SECONDS = 365 * 24 * 3600
CSRF_REFUSED = (
    "missing or invalid CSRF token: send the dazzle_csrf cookie's value in the X-CSRF-Token "
    "header (pages send it for you)"
)


class Caller:
    def __init__(self, auth: Auth, *, production: bool, trust_forwarded: bool) -> None:
        """``trust_forwarded``: FORWARDED_ALLOW_IPS is ``*``, i.e. one proxy we cannot name
        by address (Heroku's router) stands in front, and the client is the last address
        it appended to ``X-Forwarded-For``."""
        self.auth = auth
        self.production = production
        self.trust_forwarded = trust_forwarded

    # -- who --------------------------------------------------------------------------------

    async def principal(self, request: Request) -> Principal:
        """The caller, worked out once per request."""
        cached = getattr(request.state, "principal", None)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        header = request.headers.get("authorization", "")
        bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
        who = await self.auth.authenticate(bearer, request.cookies.get(self.auth.cookie_name))
        request.state.principal = who
        return who

    def client_address(self, request: Request) -> str:
        """The client's address for rate limits (see :func:`forwarded_client`)."""
        peer = request.client.host if request.client else "unknown"
        return forwarded_client(
            peer, request.headers.getlist("x-forwarded-for"), self.trust_forwarded
        )

    def secure(self, request: Request) -> bool:
        """Secure cookies in production, and whenever the request came over https."""
        return self.production or request.url.scheme == "https"

    # -- CSRF -------------------------------------------------------------------------------

    def csrf_token(self, request: Request) -> str:
        """The token this request's pages embed (and the cookie carries)."""
        state = request.scope.setdefault("state", {})
        token = state.get("csrf_token")
        if token is None:
            token = state["csrf_token"] = self.auth.csrf.expected_cookie(
                request.cookies.get(self.auth.cookie_name), request.cookies.get(CSRF_COOKIE)
            )
        return str(token)

    def check_csrf(
        self, request: Request, who: Principal, form: dict[str, Any] | None = None
    ) -> None:
        """Unsafe requests from a browser must carry the token (header, or ``csrf_token``
        in a form); requests authenticated by an API token need none."""
        if request.method not in UNSAFE or who.via == "token":
            return
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and form is not None and isinstance(form.get("csrf_token"), str):
            sent = form["csrf_token"]
        ok = self.auth.csrf.valid(
            sent, request.cookies.get(self.auth.cookie_name), request.cookies.get(CSRF_COOKIE)
        )
        if not ok:
            raise Forbidden(CSRF_REFUSED)

    def check_api_csrf(self, request: Request, who: Principal) -> None:
        """The API: only cookie-authenticated callers need the token (others carry no
        ambient credential a hostile page could use)."""
        if who.via == "cookie":
            self.check_csrf(request, who)

    # -- sessions ---------------------------------------------------------------------------

    def device(self, request: Request) -> str | None:
        return request.cookies.get(DEVICE_COOKIE)

    async def start_session(self, request: Request, response: Response, account: Account) -> None:
        """Sign in: a fresh session cookie (the old session is dropped: no fixation), the
        CSRF token bound to it, and the trusted-device cookie for later sign-ins."""
        cookie = await self.auth.start_session(account, request.cookies.get(self.auth.cookie_name))
        secure = self.secure(request)
        response.set_cookie(self.auth.cookie_name, cookie, max_age=self.auth.ttl, httponly=True,
                            samesite="lax", secure=secure, path="/")  # fmt: skip
        response.set_cookie(CSRF_COOKIE, self.auth.csrf.for_session(cookie), samesite="lax",
                            secure=secure, path="/")  # fmt: skip
        response.set_cookie(DEVICE_COOKIE, self.auth.device_cookie(account.email),
                            max_age=DEVICE_SECONDS, httponly=True, samesite="lax", secure=secure,
                            path="/")  # fmt: skip

    async def end_session(self, request: Request, response: Response) -> None:
        await self.auth.end_session(request.cookies.get(self.auth.cookie_name))
        secure = self.secure(request)
        response.delete_cookie(self.auth.cookie_name, path="/", httponly=True, samesite="lax",
                               secure=secure)  # fmt: skip
        response.set_cookie(CSRF_COOKIE, self.auth.csrf.anonymous(), samesite="lax",
                            secure=secure, path="/")  # fmt: skip


def forwarded_client(peer: str, forwarded_for: list[str], trust_forwarded: bool) -> str:
    """The client's address. uvicorn already replaced a trusted proxy's address by the
    client's (FORWARDED_ALLOW_IPS names the proxies); with ``*`` it takes the left-most
    ``X-Forwarded-For`` entry, which the client writes itself, so then we take the
    right-most, which the proxy appended."""
    if not trust_forwarded:
        return peer
    hops = [h.strip() for v in forwarded_for for h in v.split(",") if h.strip()]
    if not hops:
        return peer
    try:
        return str(ipaddress.ip_address(hops[-1].strip("[]")))
    except ValueError:
        return peer
