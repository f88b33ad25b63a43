"""Every secret the framework uses, derived from the one master key (``DAZZLE_SECRET_KEY``).

Each purpose gets its own key, ``HMAC-SHA256(master, "dazzle/<purpose>")``, so a value
signed for one use (a CSRF token) can never pass as another (a sign-up link). A new master
key invalidates all of them at once (sessions, CSRF tokens, trusted-device cookies and
emailed links; API tokens are random and stored hashed, and survive it) unless the previous
key is kept in ``DAZZLE_SECRET_KEY_FALLBACKS``: values are then signed with the new key and
still accepted under the old ones, until the old key is dropped from the list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PURPOSES = ("csrf", "session", "device", "links")


def _derive(master: bytes) -> dict[str, bytes]:
    if len(master) < 16:
        raise ValueError("the master key is too short")
    return {p: hmac.new(master, f"dazzle/{p}".encode(), "sha256").digest() for p in PURPOSES}


class Keys:
    def __init__(self, master: bytes, fallbacks: tuple[bytes, ...] = ()) -> None:
        self._keys = _derive(master)
        self._all = [self._keys, *(_derive(old) for old in fallbacks)]

    def mac(self, purpose: str, message: str) -> str:
        """A URL-safe MAC of ``message`` under the purpose's key (22 characters, 128 bits)."""
        digest = hmac.new(self._keys[purpose], message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()

    def macs(self, purpose: str, message: str) -> list[str]:
        """The MAC under the current key, then under each fallback key."""
        out = []
        for keys in self._all:
            digest = hmac.new(keys[purpose], message.encode(), hashlib.sha256).digest()
            out.append(base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode())
        return out

    def verify(self, purpose: str, message: str, mac: str) -> bool:
        """Signed with the current key or a fallback key."""
        return any(hmac.compare_digest(m, mac) for m in self.macs(purpose, message))

    def digest(self, purpose: str, message: str) -> str:
        """A keyed hash for storage (hex): a leaked store yields nothing usable."""
        return hmac.new(self._keys[purpose], message.encode(), hashlib.sha256).hexdigest()

    def digests(self, purpose: str, message: str) -> list[str]:
        """The stored hash under the current key, then under each fallback key (to find
        what was stored before a rotation)."""
        return [
            hmac.new(k[purpose], message.encode(), hashlib.sha256).hexdigest() for k in self._all
        ]
