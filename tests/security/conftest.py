"""Security test fixtures: both dialects, as every runtime test."""

from __future__ import annotations

from tests.runtime.conftest import database_url, dialect

__all__ = ["database_url", "dialect"]
