"""How block parsers treat keys they do not know.

A key of the newer dialect that we do not run, or any unknown key with no close core key,
is skipped with its indented block and a warning. An unknown key that looks like a typo of
a core key (``sectoin:``) is an error with a "did you mean" hint: silently dropping a
section would be worse than refusing to load.
"""

from __future__ import annotations

import difflib

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.lexer import Token


def skip_unknown_key(
    c: Cursor,
    tok: Token,
    where: str,
    core_keys: tuple[str, ...],
    newer_keys: tuple[str, ...] = (),
) -> None:
    word = tok.value
    if word in core_keys:
        nxt = c.peek() if c.tok is tok else c.tok
        raise c.error(f"expected ':' after '{word}', got {nxt.describe()}", nxt)
    if word not in newer_keys:
        typo = likely_typo(word, core_keys)
        if typo is not None:
            raise c.error(
                f"unknown key '{word}' in {where}", tok, code="E010", hint=f"did you mean '{typo}'?"
            )
    c.skip_unknown(
        "W002",
        f"{where} key '{word}' is not supported; skipped with its block",
        tok,
    )


def likely_typo(word: str, candidates: tuple[str, ...]) -> str | None:
    """A candidate ``word`` is almost certainly a misspelling of (a letter or two off), as
    opposed to a longer key of its own such as ``proficiency_level``."""
    for cand in difflib.get_close_matches(word, candidates, n=3, cutoff=0.75):
        if abs(len(cand) - len(word)) <= 2:
            return cand
    return None
