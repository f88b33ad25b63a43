"""Access decisions compiled to SQL predicates for one entity table."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from dazzle.expr.nodes import Node
from dazzle_back.access.decide import EntityRules
from dazzle_back.db.compile import Compiler, SqlContext
from dazzle_back.db.schema import EntityTable, SchemaModel
from dazzle_back.services.principal import Principal


class AccessCompiler:
    """Turns decisions into SQL for one entity table."""

    def __init__(self, schema: SchemaModel, et: EntityTable) -> None:
        self.schema = schema
        self.et = et
        self.rules = EntityRules(et.entity)

    def clause(self, op: str, who: Principal) -> ColumnElement[bool] | None:
        """None when every row qualifies; a predicate otherwise (``false()`` for none)."""
        decision = self.rules.decide(op, who)
        if decision.always:
            return None
        if decision.never:
            return false()
        return condition_sql(self.schema, self.et, decision.condition, who)


def condition_sql(
    schema: SchemaModel, et: EntityTable, node: Node, who: Principal
) -> ColumnElement[bool]:
    """A DSL condition on ``et`` as SQL for this caller: ``current_user``, their roles
    folded to constants, today."""
    ctx = SqlContext.current(
        schema,
        user_id=who.user_id,
        roles=who.roles,
        all_roles=who.superuser,
        user_attrs=who.user_attrs,
    )
    return Compiler(ctx, et).condition(node)
