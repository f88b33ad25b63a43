"""CSRF tokens bound to what the browser holds, signed with the CSRF key.

- Signed in with a session cookie: the token is a MAC of that cookie's value. A page on
  another site cannot read it, and a cookie planted in the browser (a sibling subdomain
  can set cookies) does not help, since the token cannot be computed without the key.
- Not signed in (sign-in and sign-up forms, apps without accounts): the token is
  ``nonce.MAC(nonce)`` and must also equal the ``dazzle_csrf`` cookie (double submit).

The ``dazzle_csrf`` cookie carries the token to scripts (HTMX sends it as ``X-CSRF-Token``);
it is readable by JavaScript on purpose and is not itself a credential.
"""

from __future__ import annotations

import hmac
import secrets

from dazzle_back.auth.keys import Keys

CSRF_COOKIE = "dazzle_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfTokens:
    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def for_session(self, session_cookie: str) -> str:
        return "s." + self.keys.mac("csrf", "session:" + session_cookie)

    def anonymous(self) -> str:
        nonce = secrets.token_urlsafe(12)
        return f"a.{nonce}.{self.keys.mac('csrf', 'anon:' + nonce)}"

    def is_anonymous_token(self, token: str) -> bool:
        parts = token.split(".")
        return (
            len(parts) == 3
            and parts[0] == "a"
            and self.keys.verify("csrf", "anon:" + parts[1], parts[2])
        )

    def expected_cookie(self, session_cookie: str | None, csrf_cookie: str | None) -> str:
        """The token this browser should hold: the session's, or its current anonymous
        token when that is genuine, or a new anonymous one."""
        if session_cookie:
            return self.for_session(session_cookie)
        if csrf_cookie and self.is_anonymous_token(csrf_cookie):
            return csrf_cookie
        return self.anonymous()

    def valid(self, sent: str | None, session_cookie: str | None, csrf_cookie: str | None) -> bool:
        """Is ``sent`` the right token for a request carrying these cookies?"""
        if not sent or len(sent) > 200:
            return False
        if session_cookie:
            expected = ["s." + m for m in self.keys.macs("csrf", "session:" + session_cookie)]
            return any(hmac.compare_digest(sent, e) for e in expected)
        return (
            csrf_cookie is not None
            and hmac.compare_digest(sent, csrf_cookie)
            and self.is_anonymous_token(sent)
        )
