"""Small values shared by every part of the model."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a declaration starts: file, 1-based line and column."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


NO_LOC = Loc("<builtin>", 0, 0)


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class AccessSpec:
    """Page-level gate of a surface or workspace: ``public``, ``authenticated`` or
    ``persona(a, b)``."""

    kind: str  # "public" | "authenticated" | "persona"
    personas: tuple[str, ...] = ()
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class NameRef:
    """A name used somewhere, with its position, so the linker can report it precisely."""

    name: str
    loc: Loc = dc_field(default=NO_LOC, compare=False)


def title_case(name: str) -> str:
    """``in_progress`` -> ``In Progress``: the fallback label of every named thing."""
    return " ".join(part[:1].upper() + part[1:] for part in name.split("_") if part)
