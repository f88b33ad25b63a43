"""Token navigation for the recursive-descent parser: expectations, errors and recovery.

Every construct parser works through a :class:`Cursor`. Errors are raised as
:class:`DslError` and caught at the nearest block item, which records the diagnostic and
skips that item (with its indented block), so one file reports every error it can.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from dazzle.diagnostics import Diagnostic, DslError, did_you_mean
from dazzle.dsl.lexer import (
    DEDENT,
    DURATION,
    EOF,
    ERROR,
    INDENT,
    NAME,
    NEWLINE,
    NUMBER,
    OP,
    STRING,
    Token,
)
from dazzle.ir.common import Loc, NameRef

_NUMBER_RE = re.compile(r"[0-9]+(\.[0-9]+)?\Z")


class Cursor:
    def __init__(self, tokens: list[Token], path: str) -> None:
        self.toks = tokens
        self.i = 0
        self.path = path
        self.diags: list[Diagnostic] = []
        self.error_count = 0
        self.nesting = 0  # expression nesting, bounded so deep input cannot exhaust the stack

    # -- looking -------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else self.toks[-1]

    def at_op(self, value: str) -> bool:
        t = self.toks[self.i]
        return t.kind == OP and t.value == value

    def at_name(self, value: str | None = None) -> bool:
        t = self.toks[self.i]
        return t.kind == NAME and (value is None or t.value == value)

    def at_key(self, value: str) -> bool:
        """``value:`` at the cursor."""
        t = self.toks[self.i]
        if t.kind != NAME or t.value != value:
            return False
        n = self.peek()
        return n.kind == OP and n.value == ":"

    def at_line_end(self) -> bool:
        return self.toks[self.i].kind in (NEWLINE, EOF, DEDENT)

    def at_block_end(self) -> bool:
        return self.toks[self.i].kind in (DEDENT, EOF)

    def loc(self, tok: Token | None = None) -> Loc:
        t = tok or self.toks[self.i]
        return Loc(self.path, t.line, t.col)

    # -- consuming -----------------------------------------------------------------------

    def advance(self) -> Token:
        t = self.toks[self.i]
        if t.kind != EOF:
            self.i += 1
        return t

    def accept_op(self, value: str) -> bool:
        if self.at_op(value):
            self.i += 1
            return True
        return False

    def accept_name(self, value: str) -> bool:
        if self.at_name(value):
            self.i += 1
            return True
        return False

    def expect_op(self, value: str) -> Token:
        if self.at_op(value):
            return self.advance()
        raise self.error(f"expected '{value}', got {self.tok.describe()}")

    def expect_keyword(self, value: str) -> Token:
        if self.at_name(value):
            return self.advance()
        raise self.error(f"expected '{value}', got {self.tok.describe()}")

    def expect_name(self, what: str = "a name") -> Token:
        if self.tok.kind == NAME:
            return self.advance()
        raise self.error(f"expected {what}, got {self.tok.describe()}")

    def expect_ref(self, what: str = "a name") -> NameRef:
        t = self.expect_name(what)
        return NameRef(t.value, self.loc(t))

    def expect_string(self, what: str = "a quoted string") -> str:
        if self.tok.kind == STRING:
            return self.advance().value
        raise self.error(f"expected {what}, got {self.tok.describe()}")

    def optional_string(self) -> str | None:
        if self.tok.kind == STRING:
            return self.advance().value
        return None

    def expect_text(self, what: str = "a value") -> str:
        """A string or a bare word (many keys accept either)."""
        if self.tok.kind in (STRING, NAME):
            return self.advance().value
        raise self.error(f"expected {what}, got {self.tok.describe()}")

    def expect_int(self, what: str = "a whole number") -> int:
        t = self.tok
        if t.kind == NUMBER and t.value.isdigit():
            self.advance()
            return int(t.value)
        raise self.error(f"expected {what}, got {t.describe()}")

    def number_value(self, t: Token) -> int | Decimal:
        """The value of a NUMBER token, validated here (not in the lexer) so that odd numbers
        inside skipped constructs never matter."""
        if not _NUMBER_RE.match(t.value):
            raise self.error(
                f"malformed number '{t.value}'",
                t,
                code="E004",
                hint="write numbers as 12 or 12.5",
            )
        return Decimal(t.value) if "." in t.value else int(t.value)

    def expect_bool(self) -> bool:
        t = self.tok
        if t.kind == NAME and t.value in ("true", "false"):
            self.advance()
            return t.value == "true"
        raise self.error(f"expected true or false, got {t.describe()}", code="E017")

    def expect_newline(self) -> None:
        t = self.tok
        if t.kind == NEWLINE:
            self.i += 1
            return
        if t.kind in (EOF, DEDENT):
            return
        raise self.error(f"expected end of line, got {t.describe()}")

    def expect_block_start(self) -> None:
        """``:`` NEWLINE INDENT"""
        self.expect_op(":")
        if self.tok.kind != NEWLINE:
            raise self.error(f"expected end of line after ':', got {self.tok.describe()}")
        self.i += 1
        if self.tok.kind != INDENT:
            raise self.error(
                "expected an indented block",
                code="E010",
                hint="indent the lines that belong to this block",
            )
        self.i += 1

    def expect_indent(self) -> None:
        if self.tok.kind != INDENT:
            raise self.error(
                f"expected an indented block, got {self.tok.describe()}",
                hint="indent the lines that belong to this block",
            )
        self.i += 1

    def names_list(self, what: str = "a name") -> tuple[NameRef, ...]:
        """``a, b, c`` or ``[a, b, c]`` up to end of line."""
        bracket = self.accept_op("[")
        out = [self.expect_ref(what)]
        while self.accept_op(","):
            out.append(self.expect_ref(what))
        if bracket:
            self.expect_op("]")
        return tuple(out)

    # -- errors --------------------------------------------------------------------------

    def error(
        self,
        message: str,
        tok: Token | None = None,
        *,
        code: str = "E010",
        hint: str | None = None,
    ) -> DslError:
        t = tok or self.tok
        if t.kind == ERROR:
            shown = t.value if t.value.isprintable() else repr(t.value)[1:-1]
            code, message = "E001", f"unexpected character '{shown}'"
            hint = "use != for inequality" if t.value == "!" else "remove the character"
        return DslError(Diagnostic(code, message, self.path, t.line, t.col, hint))

    def unknown(
        self, what: str, tok: Token, choices: tuple[str, ...] | list[str], code: str = "E017"
    ) -> DslError:
        hint = did_you_mean(tok.value, choices) or f"expected one of: {', '.join(choices)}"
        return self.error(f"unknown {what} '{tok.value}'", tok, code=code, hint=hint)

    def report(self, diag: Diagnostic) -> None:
        """Record an error that abandoned part of a construct (marks it incomplete)."""
        self.diags.append(diag)
        if diag.is_error:
            self.error_count += 1

    def flag(self, exc: DslError) -> None:
        """Record an error about a value that was still understood: parsing goes on and the
        construct stays complete."""
        self.diags.append(exc.diagnostic)

    def warn(self, code: str, message: str, tok: Token, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, self.path, tok.line, tok.col, hint))

    # -- skipping and recovery -----------------------------------------------------------

    def skip_item(self) -> None:
        """Skip the rest of the current line and the indented block below it, if any."""
        depth = 0
        toks = self.toks
        while True:
            t = toks[self.i]
            k = t.kind
            if k == EOF:
                return
            if k == INDENT:
                depth += 1
            elif k == DEDENT:
                if depth == 0:
                    return
                depth -= 1
                if depth == 0 and toks[self.i + 1].kind != INDENT:
                    self.i += 1
                    return
            elif k == NEWLINE and depth == 0 and toks[self.i + 1].kind != INDENT:
                self.i += 1
                return
            self.i += 1

    def recover(self, start: int) -> None:
        """After an error, skip to the end of the item that began at token ``start``."""
        depth = 0
        for t in self.toks[start : self.i]:
            if t.kind == INDENT:
                depth += 1
            elif t.kind == DEDENT:
                depth -= 1
        toks = self.toks
        if depth <= 0:
            # The error is on the item's own line (or the block just closed).
            if depth < 0:
                return
            self.skip_item()
            return
        while True:
            t = toks[self.i]
            if t.kind == EOF:
                return
            if t.kind == INDENT:
                depth += 1
            elif t.kind == DEDENT:
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return
            self.i += 1

    def items(self, parse_item: Callable[[], None]) -> None:
        """Parse block items until the block's DEDENT, recovering from errors per item."""
        toks = self.toks
        while True:
            k = toks[self.i].kind
            if k == DEDENT:
                self.i += 1
                return
            if k == EOF:
                return
            if k == NEWLINE:
                self.i += 1
                continue
            start = self.i
            if k == INDENT:
                self.report(
                    Diagnostic(
                        "E019",
                        "unexpected indented block",
                        self.path,
                        toks[self.i].line,
                        toks[self.i].col,
                        "indent block members to the same depth",
                    )
                )
                self.i += 1
                self.recover(start)
                continue
            try:
                parse_item()
            except DslError as exc:
                self.report(exc.diagnostic)
                self.recover(start)
                continue
            if self.i == start:  # a parse function that consumed nothing: never loop
                self.skip_item()

    def skip_unknown(self, code: str, message: str, tok: Token, hint: str | None = None) -> None:
        self.warn(code, message, tok, hint)
        self.skip_item()


def is_name(tok: Token) -> bool:
    return tok.kind == NAME


def is_duration(tok: Token) -> bool:
    return tok.kind == DURATION
