"""Access control: rules compiled to SQL predicates (lists) and record checks (writes).

With ``[auth] enabled = false`` every operation is allowed (as published): the policy below
is what the services consult, so turning rules on changes no service code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import ColumnElement

from dazzle_back.services.principal import Principal


class AccessPolicy(Protocol):
    def list_filter(self, operation: str, principal: Principal) -> ColumnElement[bool] | None:
        """A SQL predicate limiting rows, or None for all rows."""
        ...

    def allows(self, operation: str, record: Mapping[str, Any], principal: Principal) -> bool: ...


class AllowAll:
    def list_filter(self, operation: str, principal: Principal) -> ColumnElement[bool] | None:
        return None

    def allows(self, operation: str, record: Mapping[str, Any], principal: Principal) -> bool:
        return True
