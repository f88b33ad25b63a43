"""The one rule for text that enters the app: no NUL character and only real Unicode
characters (no lone UTF-16 surrogate), whatever the dialect.

PostgreSQL cannot store either (text and jsonb refuse U+0000; asyncpg cannot encode a
surrogate) and SQLite's driver cannot encode a surrogate, so text that passes here stores
and reads back the same way on both. Python joins a valid surrogate pair into one code
point when it decodes JSON or UTF-8, so any surrogate left in a ``str`` is unpaired.
"""

from __future__ import annotations

import re

NUL = "contains a NUL character"
NOT_UNICODE = "is not valid Unicode (it contains an unpaired surrogate)"
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why ``text`` may not be stored, as a message for the client; None when it may."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    return NUL if found.group() == "\x00" else NOT_UNICODE


def printable(text: str) -> str:
    """``text`` safe to echo in a message: NUL and surrogates as escapes (a response
    body cannot encode a surrogate)."""
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
