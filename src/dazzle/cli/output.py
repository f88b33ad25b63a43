"""Terminal output helpers: colour only on a terminal and never with NO_COLOR."""

from __future__ import annotations

import os
import sys

_CODES = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2", "cyan": "36"}


def use_color(stream: object = sys.stdout) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str, enabled: bool) -> str:
    if not enabled:
        return text
    return f"\033[{_CODES[style]}m{text}\033[0m"
