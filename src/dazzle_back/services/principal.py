"""Who is asking: the caller's identity as rules and guards see it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    user_id: Any = None  # what `current_user` means: the linked user-entity row id
    account_id: Any = None
    email: str | None = None
    roles: frozenset[str] = frozenset()
    superuser: bool = False
    authenticated: bool = False
    auth_enabled: bool = False
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    via: str = ""  # "cookie" | "token" | "" — cookie-authenticated writes need a CSRF token

    @property
    def all_roles(self) -> bool:
        """Every ``role()`` check passes: a superuser, or an app with auth off (there are no
        users, so no rules are enforced)."""
        return self.superuser or not self.auth_enabled

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(auth_enabled=True)

    @classmethod
    def system(cls) -> Principal:
        """The caller when auth is off, and for demo loading and restore."""
        return cls(superuser=True, authenticated=True)
