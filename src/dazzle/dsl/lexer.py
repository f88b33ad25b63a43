"""The DSL lexer: one master regular expression plus the offside rule.

Every word is a ``NAME`` token; keywords are contextual and recognised by the parser, which
is what lets any word serve as a field or enum name. Indentation becomes ``INDENT`` /
``DEDENT`` tokens (a tab counts 4, a space 1). Problems that only matter where the parser
actually reads the text (a stray ``@``, a number like ``1.2.3``) become ``ERROR`` tokens or
raw number text, so a construct the parser skips can never make a project fail to load.
"""

from __future__ import annotations

import re

from dazzle.diagnostics import Diagnostic

NAME = "NAME"
STRING = "STRING"
NUMBER = "NUMBER"
DURATION = "DURATION"
OP = "OP"
NEWLINE = "NEWLINE"
INDENT = "INDENT"
DEDENT = "DEDENT"
EOF = "EOF"
ERROR = "ERROR"


class Token:
    """A lexeme with its 1-based position. ``value`` is the text (unescaped for strings)."""

    __slots__ = ("col", "kind", "line", "value")

    def __init__(self, kind: str, value: str, line: int, col: int) -> None:
        self.kind = kind
        self.value = value
        self.line = line
        self.col = col

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.line}:{self.col})"

    def describe(self) -> str:
        """How the token reads in an error message."""
        if self.kind == NEWLINE:
            return "end of line"
        if self.kind == EOF:
            return "end of file"
        if self.kind == INDENT:
            return "an indented block"
        if self.kind == DEDENT:
            return "end of block"
        if self.kind == STRING:
            return f'string "{self.value}"'
        return f"'{self.value}'"


_MASTER = re.compile(
    r"""
     (?P<WS>[ \t\f]+)
    |(?P<COMMENT>\#[^\n]*)
    |(?P<NL>\n[ \t]*)
    |(?P<STRING>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<DURATION>[0-9]+(?:min|h|d|w|m|y)(?!\w))
    |(?P<NUMBER>[0-9][0-9.]*)
    |(?P<NAME>[^\W\d]\w*)
    |(?P<OP><->|->|<-|==|!=|>=|<=|[:,()\[\]=><.?/\-+*%$|])
    |(?P<QUOTE>["'])
    |(?P<ERROR>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _indent_width(ws: str) -> int:
    return ws.count(" ") + 4 * ws.count("\t")


def tokenize(text: str, path: str) -> tuple[list[Token], list[Diagnostic]]:
    """Split ``text`` into tokens. Lexical errors are returned, never raised."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    tokens: list[Token] = []
    diags: list[Diagnostic] = []
    append = tokens.append
    indents = [0]
    emitted = [False]  # whether an INDENT token was emitted for each level
    line = 1
    line_start = 0
    line_has_tokens = False
    pos = 0
    end = len(text)

    # The first line may be indented too.
    first = re.match(r"[ \t]*", text)
    if first and first.end() < end and text[first.end()] not in "\n#":
        width = _indent_width(first.group())
        if width:
            indents.append(width)
            emitted.append(True)
            append(Token(INDENT, "", 1, 1))
    match = _MASTER.match
    while pos < end:
        m = match(text, pos)
        assert m is not None  # ERROR matches any character
        kind = m.lastgroup
        value = m.group()
        col = pos - line_start + 1
        pos = m.end()
        if kind == "WS" or kind == "COMMENT":
            continue
        if kind == "NL":
            if line_has_tokens:
                append(Token(NEWLINE, "", line, col))
                line_has_tokens = False
            line += 1
            line_start = m.start() + 1
            nxt = text[pos] if pos < end else ""
            if nxt in ("\n", "#", ""):
                continue  # blank or comment-only line: indentation is not significant
            width = _indent_width(value[1:])
            icol = len(value)
            if width > indents[-1]:
                indents.append(width)
                emitted.append(True)
                append(Token(INDENT, "", line, icol))
            elif width < indents[-1]:
                open_levels = list(indents)
                while width < indents[-1]:
                    indents.pop()
                    if emitted.pop():
                        append(Token(DEDENT, "", line, icol))
                if width != indents[-1]:
                    diags.append(
                        Diagnostic(
                            "E003",
                            f"inconsistent indentation: {width} spaces matches no open "
                            f"block (blocks are at {', '.join(map(str, open_levels))})",
                            path,
                            line,
                            icol,
                            "indent this line to the same depth as an enclosing block",
                        )
                    )
                    # Keep the odd level so the lines after it stay consistent, but emit no
                    # INDENT: the line continues the block it was meant to close into.
                    indents.append(width)
                    emitted.append(False)
            continue
        line_has_tokens = True
        if kind == "STRING":
            append(Token(STRING, _unescape(value[1:-1]), line, col))
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = m.start() + value.rindex("\n") + 1
        elif kind == "QUOTE":
            diags.append(
                Diagnostic(
                    "E002",
                    "unterminated string literal",
                    path,
                    line,
                    col,
                    f"close the string with a matching {value}",
                )
            )
            nl = text.find("\n", pos)
            pos = end if nl < 0 else nl
        else:
            assert kind is not None
            append(Token(kind, value, line, col))
    if line_has_tokens:
        append(Token(NEWLINE, "", line, pos - line_start + 1))
    while len(indents) > 1:
        indents.pop()
        if emitted.pop():
            append(Token(DEDENT, "", line + 1, 1))
    append(Token(EOF, "", line + 1, 1))
    return tokens, diags
