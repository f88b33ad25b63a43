"""Located diagnostics with stable codes, shared by the lexer, parser, linker and manifest.

Every problem Dazzle reports about a project is a :class:`Diagnostic`: a stable code
(``E…`` errors, ``W…`` warnings), a message, a location and an optional hint. Codes never
change meaning once published, so editors and CI scripts can match on them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# code -> one-line title. The catalogue is the contract: tests assert that every code
# used anywhere is listed here, and `dazzle validate --explain` (later) prints it.
CODES: dict[str, str] = {
    # lexical
    "E001": "unexpected character",
    "E002": "unterminated string literal",
    "E003": "inconsistent indentation",
    "E004": "malformed number",
    # syntax
    "E010": "unexpected token",
    "E011": "unknown field type",
    "E012": "invalid field type parameters",
    "E013": "unknown field modifier",
    "E014": "invalid default value",
    "E015": "invalid expression",
    "E016": "invalid condition",
    "E017": "invalid value for a key",
    "E018": "missing required key",
    "E019": "unexpected indented block",
    "E020": "invalid aggregate",
    "E021": "invalid transition",
    # linking and semantics
    "E100": "unknown entity",
    "E101": "unknown field",
    "E102": "unknown surface",
    "E103": "unknown persona",
    "E104": "unknown workspace",
    "E105": "unknown archetype",
    "E106": "unknown module",
    "E107": "entity not visible from this module",
    "E108": "circular module imports",
    "E109": "root module not found",
    "E110": "duplicate definition",
    "E111": "duplicate field",
    "E112": "duplicate enum value",
    "E113": "missing primary key",
    "E114": "conflicting field modifiers",
    "E115": "invalid string length",
    "E116": "decimal scale exceeds precision",
    "E117": "default not valid for the field",
    "E118": "unknown state in transition",
    "E119": "unknown function",
    "E120": "aggregate over an entity that does not reference this one",
    "E121": "invalid demo record",
    "E122": "field cannot be used here",
    "E124": "no project files",
    "E125": "file cannot be read",
    "E126": "a computed field or default depends on itself",
    # dazzle.toml
    "E200": "dazzle.toml not found",
    "E201": "dazzle.toml is not valid TOML",
    "E202": "wrong type for a dazzle.toml key",
    "E203": "invalid framework version pin",
    "E204": "invalid value in dazzle.toml",
    # warnings
    "W001": "non-core construct skipped",
    "W002": "unknown key skipped",
    "W003": "unknown display mode",
    "W004": "auto timestamp on a field that is not a date or datetime",
    "W005": "reference to a missing workspace ignored",
    "W006": "aggregate over an unrelated entity is always empty",
    "W007": "comparison that never matches",
    "W008": "duplicate transition",
    "W200": "unknown dazzle.toml key",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    path: str
    line: int
    col: int
    hint: str | None = None

    @property
    def severity(self) -> Severity:
        return Severity.ERROR if self.code.startswith("E") else Severity.WARNING

    @property
    def is_error(self) -> bool:
        return self.code.startswith("E")

    def format(self) -> str:
        """``path:line:col: error[E0xx]: message`` plus an indented hint line."""
        where = f"{self.path}:{self.line}:{self.col}"
        head = f"{where}: {self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            return f"{head}\n  hint: {self.hint}"
        return head

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "hint": self.hint,
        }


class DslError(Exception):
    """Raised inside the parser to abandon the current construct; carries one diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


# Hints cost a fuzzy match over every candidate; a project with thousands of errors gets
# hints on the first ones only, so reporting stays linear.
HINT_BUDGET: ContextVar[int] = ContextVar("dazzle_hint_budget", default=200)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    budget = HINT_BUDGET.get()
    if budget <= 0:
        return None
    HINT_BUDGET.set(budget - 1)
    pool = list(candidates)
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            matches = [lowered[name.lower()]]
    return f"did you mean '{matches[0]}'?" if matches else None


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.path, d.line, d.col, d.code)
