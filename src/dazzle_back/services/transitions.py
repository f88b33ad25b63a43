"""What stands between a record and one of its state machine's moves: the one check the
service enforces and the pages explain (a disabled button says why)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dazzle.expr.evaluate import EvalContext, EvalError, evaluate, truthy
from dazzle.expr.nodes import to_text
from dazzle.ir.entity import Transition
from dazzle_back.services.principal import Principal


@dataclass(frozen=True, slots=True)
class Blocker:
    """``kind`` is auto | requires | role | guard; ``subject`` the field, role, or the
    guard's text; ``message`` the guard's own message when it has one."""

    kind: str
    subject: str
    message: str | None = None


def blocker(
    t: Transition, record: Mapping[str, Any], who: Principal, ctx: EvalContext
) -> Blocker | None:
    """The first reason ``t`` cannot happen to ``record`` (as it would be after the move)
    for ``who``, in the order the runtime checks them; None when it can."""
    if t.auto_after is not None and not t.manual:
        return Blocker("auto", str(t.auto_after))
    for req in t.requires:
        value = record.get(req.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return Blocker("requires", req.name)
    for role in t.roles:
        if not (who.all_roles or role in who.roles):
            return Blocker("role", role)
    for guard in t.guards:
        try:
            ok = truthy(evaluate(guard.expr, record, ctx))
        except EvalError:
            ok = False
        if not ok:
            return Blocker("guard", to_text(guard.expr), guard.message)
    return None
