"""The role x entity x operation table derived from the DSL (``dazzle rbac matrix``)."""

from __future__ import annotations

from dataclasses import dataclass

from dazzle.expr.nodes import to_text
from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import OPERATIONS
from dazzle_back.access.decide import EntityRules
from dazzle_back.services.principal import Principal

ANONYMOUS = "(anonymous)"
SIGNED_IN = "(signed in)"  # a signed-in user without any role


@dataclass(frozen=True)
class Cell:
    role: str
    entity: str
    operation: str
    outcome: str  # allow | deny | conditional
    condition: str | None = None


def principal_for_role(role: str) -> Principal:
    if role == ANONYMOUS:
        return Principal.anonymous()
    roles = frozenset() if role == SIGNED_IN else frozenset({role})
    return Principal(user_id="<current_user>", roles=roles, authenticated=True,
                     auth_enabled=True)  # fmt: skip


def roles_of(spec: AppSpec) -> list[str]:
    return [*spec.personas, SIGNED_IN, ANONYMOUS]


def build_matrix(spec: AppSpec, entities: list[str] | None = None) -> list[Cell]:
    cells = []
    for name, entity in spec.entities.items():
        if entities is not None and name not in entities:
            continue
        rules = EntityRules(entity)
        for role in roles_of(spec):
            who = principal_for_role(role)
            for op in OPERATIONS:
                decision = rules.decide(op, who)
                if decision.always:
                    cells.append(Cell(role, name, op, "allow"))
                elif decision.never:
                    cells.append(Cell(role, name, op, "deny"))
                else:
                    cells.append(Cell(role, name, op, "conditional", to_text(decision.condition)))
    return cells
