"""UI test fixtures: both dialects (as every runtime test) and a headless Chromium."""

from __future__ import annotations

from tests.runtime.conftest import dialect

__all__ = ["dialect"]
