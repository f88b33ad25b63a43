"""Typed trees for the condition and expression languages.

Both languages (``spec/dsl.md`` §4.8 and §4.9) parse into these nodes; only the parsers
differ. The runtime evaluates a tree in Python (single records) and compiles it to SQL
(lists and counts), so every node is a plain frozen value with no behaviour of its own.
Positions are kept for error messages and excluded from equality.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from decimal import Decimal
from typing import TypeAlias

LiteralValue: TypeAlias = str | int | Decimal | bool | None

# Magic names of the condition language: resolved per request, never fields.
MAGIC_VARS = frozenset({"current_user", "current_team", "current_context"})

# Duration units: exact ones in seconds; months and years as the spec fixes them.
DURATION_SECONDS = {
    "min": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "m": 30 * 86400,
    "y": 365 * 86400,
}

COMPARE_OPS = frozenset({"==", "!=", "<", ">", "<=", ">="})


@dataclass(frozen=True, slots=True)
class Literal:
    value: LiteralValue
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Duration:
    """``7d``, ``24h``, ``30min``, ``2w``, ``3m`` (30-day months), ``1y``."""

    amount: int
    unit: str
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)

    @property
    def seconds(self) -> int:
        return self.amount * DURATION_SECONDS[self.unit]

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True, slots=True)
class DateAnchor:
    """``today`` or ``now``, optionally shifted: ``today + 7d``, ``now - 24h``."""

    kind: str  # "today" | "now"
    offset: Duration | None = None
    sign: int = 1
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field of the record in scope, possibly through refs: ``task.assigned_to``."""

    path: tuple[str, ...]
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)

    @property
    def name(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Var:
    """``current_user``, ``current_team``, ``current_context``, with an attribute path."""

    name: str
    path: tuple[str, ...] = ()
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ChildAggregate:
    """``count(OrderItem)`` / ``sum(OrderItem.amount)`` in a computed field, resolved by the
    linker to the child entity and the child's ref field pointing back at the parent."""

    func: str  # count | sum | avg | min | max
    entity: str
    fk_field: str
    field: str | None
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" | "not"
    operand: Node
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / %
    left: Node
    right: Node
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < > <= >=
    left: Node
    right: Node
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class InList:
    operand: Node
    items: tuple[Node, ...]
    negated: bool = False
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class IsNull:
    operand: Node
    negated: bool = False
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Node, ...]
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class RoleCheck:
    """``role(admin)``: true when the caller holds the persona ``admin``."""

    role: str
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class IfExpr:
    branches: tuple[tuple[Node, Node], ...]
    otherwise: Node
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Node, ...]
    line: int = dc_field(default=0, compare=False)
    col: int = dc_field(default=0, compare=False)


Node: TypeAlias = (
    Literal
    | Duration
    | DateAnchor
    | FieldRef
    | Var
    | Call
    | ChildAggregate
    | Unary
    | Binary
    | Compare
    | InList
    | IsNull
    | BoolOp
    | RoleCheck
    | IfExpr
    | ListExpr
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-trees of ``node``, for generic walks."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary | Compare):
        return (node.left, node.right)
    if isinstance(node, InList):
        return (node.operand, *node.items)
    if isinstance(node, IsNull):
        return (node.operand,)
    if isinstance(node, BoolOp):
        return node.operands
    if isinstance(node, IfExpr):
        out: list[Node] = []
        for cond, value in node.branches:
            out += [cond, value]
        out.append(node.otherwise)
        return tuple(out)
    if isinstance(node, ListExpr):
        return node.items
    if isinstance(node, DateAnchor) and node.offset is not None:
        return (node.offset,)
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    out = [node]
    stack = list(reversed(children(node)))
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(children(n)))
    return out


def depth(node: Node) -> int:
    """Height of the tree, computed without recursion."""
    best = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in children(n))
    return best


def field_refs(node: Node) -> list[FieldRef]:
    return [n for n in walk(node) if isinstance(n, FieldRef)]


def roles(node: Node) -> list[str]:
    return [n.role for n in walk(node) if isinstance(n, RoleCheck)]


def to_text(node: Node) -> str:
    """Render a tree back as DSL-like text (for `dazzle inspect` and the RBAC matrix)."""
    if isinstance(node, Literal):
        v = node.value
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return v if v.isidentifier() else f'"{v}"'
        return str(v)
    if isinstance(node, Duration):
        return str(node)
    if isinstance(node, DateAnchor):
        if node.offset is None:
            return node.kind
        return f"{node.kind} {'+' if node.sign > 0 else '-'} {node.offset}"
    if isinstance(node, FieldRef):
        return node.name
    if isinstance(node, Var):
        return ".".join((node.name, *node.path))
    if isinstance(node, Call):
        return f"{node.func}({', '.join(to_text(a) for a in node.args)})"
    if isinstance(node, ChildAggregate):
        target = node.entity if node.field is None else f"{node.entity}.{node.field}"
        return f"{node.func}({target})"
    if isinstance(node, Unary):
        sep = " " if node.op == "not" else ""
        return f"{node.op}{sep}{_wrap(node.operand)}"
    if isinstance(node, Binary | Compare):
        return f"{_wrap(node.left)} {node.op} {_wrap(node.right)}"
    if isinstance(node, InList):
        items = ", ".join(to_text(i) for i in node.items)
        return f"{to_text(node.operand)} {'not in' if node.negated else 'in'} [{items}]"
    if isinstance(node, IsNull):
        return f"{to_text(node.operand)} is {'not ' if node.negated else ''}null"
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(_wrap(o) for o in node.operands)
    if isinstance(node, RoleCheck):
        return f"role({node.role})"
    if isinstance(node, IfExpr):
        parts = [f"if {to_text(c)}: {to_text(v)}" for c, v in node.branches]
        return " el".join(parts) + f" else: {to_text(node.otherwise)}"
    if isinstance(node, ListExpr):
        return f"[{', '.join(to_text(i) for i in node.items)}]"
    raise TypeError(f"unknown node {node!r}")


def _wrap(node: Node) -> str:
    text = to_text(node)
    if isinstance(node, BoolOp | Binary | Compare | IfExpr):
        return f"({text})"
    return text


def map_children(node: Node, fn: Callable[[Node], Node]) -> Node:
    """A copy of ``node`` whose direct sub-trees are replaced by ``fn(child)``."""
    if isinstance(node, Call):
        return replace(node, args=tuple(fn(a) for a in node.args))
    if isinstance(node, Unary):
        return replace(node, operand=fn(node.operand))
    if isinstance(node, Binary | Compare):
        return replace(node, left=fn(node.left), right=fn(node.right))
    if isinstance(node, InList):
        return replace(node, operand=fn(node.operand), items=tuple(fn(i) for i in node.items))
    if isinstance(node, IsNull):
        return replace(node, operand=fn(node.operand))
    if isinstance(node, BoolOp):
        return replace(node, operands=tuple(fn(o) for o in node.operands))
    if isinstance(node, IfExpr):
        return replace(
            node,
            branches=tuple((fn(c), fn(v)) for c, v in node.branches),
            otherwise=fn(node.otherwise),
        )
    if isinstance(node, ListExpr):
        return replace(node, items=tuple(fn(i) for i in node.items))
    return node
