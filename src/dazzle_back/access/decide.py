"""An entity's access rules as one decision per operation (pure: no database).

Decision (spec/runtime.md §6): a superuser may do anything; a matching ``forbid`` denies; a
matching ``permit`` allows; otherwise deny. An entity with no rules: any signed-in user may
read and write it. Reads and lists must also pass the ``visible:`` rules and, in the newer
dialect, the caller's ``scope:`` rules. Role checks fold to constants for the caller, so what
reaches the database is a plain predicate over columns and bound values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dazzle.expr.nodes import BoolOp, Literal, Node, Unary
from dazzle.ir.entity import Entity, PermissionRule, ScopeRule
from dazzle_back.services.principal import Principal

TRUE: Node = Literal(True)
FALSE: Node = Literal(False)


def _any(nodes: Sequence[Node]) -> Node:
    if not nodes:
        return FALSE
    return nodes[0] if len(nodes) == 1 else BoolOp("or", tuple(nodes))


def _all(nodes: Sequence[Node]) -> Node:
    if not nodes:
        return TRUE
    return nodes[0] if len(nodes) == 1 else BoolOp("and", tuple(nodes))


@dataclass(frozen=True)
class Decision:
    """The outcome for one caller and operation: always, never, or per row (``condition``)."""

    condition: Node

    @property
    def never(self) -> bool:
        return self.condition == FALSE

    @property
    def always(self) -> bool:
        return self.condition == TRUE


class EntityRules:
    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self.has_rules = entity.has_access_rules

    def _rules(self, op: str, effect: str) -> list[PermissionRule]:
        rules = [r for r in self.entity.permissions if r.effect == effect and r.operation == op]
        if op == "list" and not any(r.operation == "list" for r in self.entity.permissions):
            rules = [r for r in self.entity.permissions if r.effect == effect
                     and r.operation == "read"]  # fmt: skip
        return rules

    def _applies(self, rule: PermissionRule, who: Principal) -> bool:
        return who.authenticated or not rule.require_auth

    def _permission(self, op: str, who: Principal) -> Node:
        forbids = [r.condition or TRUE for r in self._rules(op, "forbid") if self._applies(r, who)]
        permits = [r.condition or TRUE for r in self._rules(op, "permit") if self._applies(r, who)]
        has_any = bool(self._rules(op, "forbid") or self._rules(op, "permit"))
        if not has_any:
            reading = op in ("read", "list")
            if reading and (self.entity.visibility or self.entity.scopes):
                return TRUE  # reads governed by visible:/scope: alone
            if self.entity.scopes and _scopes_for(self.entity.scopes, op):
                return TRUE
            return FALSE  # default deny: the entity has rules, none for this operation
        allowed = _any(permits)
        if forbids:
            allowed = _all([Unary("not", _any(forbids)), allowed])
        return allowed

    def _visibility(self, who: Principal) -> Node:
        if not self.entity.visibility:
            return TRUE
        context = "authenticated" if who.authenticated else "anonymous"
        conds = [v.condition or TRUE for v in self.entity.visibility if v.context == context]
        return _any(conds)

    def _scope(self, op: str, who: Principal) -> Node:
        rules = _scopes_for(self.entity.scopes, op)
        if not rules:
            return TRUE
        mine = [r for r in rules if "*" in r.personas or set(r.personas) & who.roles]
        return _any([r.condition or TRUE for r in mine])

    def decide(self, op: str, who: Principal) -> Decision:
        if not who.auth_enabled or who.superuser:
            return Decision(TRUE)
        if not self.has_rules:
            return Decision(TRUE if who.authenticated else FALSE)
        parts = [self._permission(op, who)]
        if op in ("read", "list", "update", "delete"):
            parts.append(self._visibility(who) if op in ("read", "list") else TRUE)
            parts.append(self._scope(op, who))
        elif op == "create":
            parts.append(self._scope(op, who))
        condition = _simplify(_all(parts), who)
        return Decision(condition)


def _scopes_for(scopes: Sequence[ScopeRule], op: str) -> list[ScopeRule]:
    own = [s for s in scopes if s.operation == op]
    if own:
        return own
    fallback = {"list": "read", "read": "list"}.get(op)
    return [s for s in scopes if s.operation == fallback] if fallback else []


def _simplify(node: Node, who: Principal) -> Node:
    """Fold role checks and constants so 'always' and 'never' are recognisable."""
    from dazzle.expr.nodes import RoleCheck

    if isinstance(node, RoleCheck):
        return TRUE if node.role in who.roles else FALSE
    if isinstance(node, Unary) and node.op == "not":
        inner = _simplify(node.operand, who)
        if inner == TRUE:
            return FALSE
        if inner == FALSE:
            return TRUE
        return Unary("not", inner)
    if isinstance(node, BoolOp):
        parts = list(dict.fromkeys(_simplify(o, who) for o in node.operands))  # no repeats
        if node.op == "and":
            if FALSE in parts:
                return FALSE
            parts = [p for p in parts if p != TRUE]
            return _all(parts)
        if TRUE in parts:
            return TRUE
        parts = [p for p in parts if p != FALSE]
        return _any(parts)
    return node
