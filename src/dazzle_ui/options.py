"""Choices for ref pickers and ref filters: up to ``MAX_OPTIONS`` records of the target the
caller may read, by label. Built for every list and form page, so each worker keeps them a
few seconds per (entity, caller), and at once forgets an entity's choices when it writes
to it; another worker's write shows within ``TTL_SECONDS``."""

from __future__ import annotations

import time
from typing import Any

from dazzle_back.runtime.state import Runtime
from dazzle_back.services.listing import ListQuery
from dazzle_back.services.principal import Principal
from dazzle_ui.format import record_label

MAX_OPTIONS = 200
TTL_SECONDS = 5.0
MAX_ENTRIES = 512

Choices = tuple[list[tuple[str, str]], int]  # (value, label) sorted by label; total readable


class OptionCache:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._entries: dict[tuple[Any, ...], tuple[float, Choices]] = {}

    async def choices(self, entity: str, who: Principal) -> Choices:
        service = self.rt.services.get(entity)
        if service is None:
            return [], 0
        key = (entity, service.version, who.user_id, who.roles, who.superuser, who.auth_enabled)
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        page = await service.list_page(ListQuery(page_size=MAX_OPTIONS), who, expand=False)
        pk = service.et.pk
        opts = [(str(r[pk]), record_label(service.entity, r)) for r in page.items]
        result: Choices = (sorted(opts, key=lambda o: o[1].lower()), page.total)
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now + TTL_SECONDS, result)
        return result
