"""Every secret the framework uses, derived from the one master key (``DAZZLE_SECRET_KEY``).

Each purpose gets its own key, ``HMAC-SHA256(master, "dazzle/<purpose>")``, so a value
signed for one use (a CSRF token) can never pass as another (a sign-up link). Rotating the
master key invalidates all of them at once: sessions, CSRF tokens, trusted-device cookies
and emailed links (API tokens are random and stored hashed; they survive a rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PURPOSES = ("csrf", "session", "device", "links")


class Keys:
    def __init__(self, master: bytes) -> None:
        if len(master) < 16:
            raise ValueError("the master key is too short")
        self._keys = {p: hmac.new(master, f"dazzle/{p}".encode(), "sha256").digest()
                      for p in PURPOSES}  # fmt: skip

    def mac(self, purpose: str, message: str) -> str:
        """A URL-safe MAC of ``message`` under the purpose's key (22 characters, 128 bits)."""
        digest = hmac.new(self._keys[purpose], message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()

    def verify(self, purpose: str, message: str, mac: str) -> bool:
        return hmac.compare_digest(self.mac(purpose, message), mac)

    def digest(self, purpose: str, message: str) -> str:
        """A keyed hash for storage (hex): a leaked store yields nothing usable."""
        return hmac.new(self._keys[purpose], message.encode(), hashlib.sha256).hexdigest()
