"""What one worker process holds: built once at boot, shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from dazzle.ir.appspec import AppSpec
from dazzle.manifest import Manifest
from dazzle_back.db.schema import SchemaModel
from dazzle_back.kv import KV
from dazzle_back.runtime.settings import Settings
from dazzle_back.services.entity import EntityService

if TYPE_CHECKING:
    from dazzle_back.api.caller import Caller
    from dazzle_back.auth.service import Auth


@dataclass
class Runtime:
    project_dir: Path
    manifest: Manifest
    spec: AppSpec
    settings: Settings
    schema: SchemaModel
    database_url: str
    engine: AsyncEngine
    kv: KV
    services: dict[str, EntityService] = field(default_factory=dict)
    auth: Auth | None = None
    caller: Caller | None = None
