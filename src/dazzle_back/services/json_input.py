"""JSON that clients send: one strict parser and the limits a parser does not enforce.

orjson refuses what PostgreSQL's jsonb and our number fields cannot hold: ``NaN`` and
``Infinity`` literals, numbers that overflow a double (``1e999999``), unpaired surrogate
escapes (``"\\ud800"``) and bytes that are not UTF-8. It parses ``"\\u0000"`` (the text rule
catches that) and nests up to 1024 levels, which is far more than any record needs, so
:func:`document_problems` walks the result (without recursion) for both.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import orjson

from dazzle_back.services.text import printable, text_problem

MAX_DEPTH = 64  # objects and arrays inside each other; a record needs two or three
MAX_PROBLEMS = 20  # a hostile document cannot make the error response huge


class InvalidJSON(ValueError):
    """The document cannot be read; the message (for the client) says why."""


def parse_json(raw: bytes | str) -> Any:
    """The value of a JSON document, or :class:`InvalidJSON`."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = str(exc)
        # Only the wording depends on orjson's messages; every failure is an InvalidJSON.
        if "depth limit" in reason:
            raise InvalidJSON(f"is nested more than {MAX_DEPTH} levels deep") from None
        kind = "valid Unicode" if "surrogate" in reason or "UTF-8" in reason else "valid JSON"
        raise InvalidJSON(f"is not {kind}: {reason}") from None


def document_problems(value: Any, *, max_depth: int = MAX_DEPTH) -> list[tuple[str, str]]:
    """``(path, message)`` for each key or string that breaks the text rule and for each
    place nested deeper than ``max_depth``. Paths read ``tags[2].name``; "" is the top."""
    problems: list[tuple[str, str]] = []
    queue: deque[tuple[Any, str, int]] = deque([(value, "", 0)])
    while queue and len(problems) < MAX_PROBLEMS:
        item, path, depth = queue.popleft()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                problems.append((path, problem))
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= max_depth:
            where = path if len(path) <= 80 else path[:80] + "..."
            problems.append((where, f"is nested more than {max_depth} levels deep"))
            continue
        if isinstance(item, list):
            queue.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
            continue
        for key, child in item.items():
            name = printable(str(key))
            child_path = f"{path}.{name}" if path else name
            problem = text_problem(key) if isinstance(key, str) else None
            if problem is not None:
                problems.append((child_path, f"its name {problem}"))
            else:
                queue.append((child, child_path, depth + 1))
    return problems
