"""Tables the framework owns (prefixed ``_dazzle_``), created and migrated with the app's."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table

from dazzle_back.db.types import UTCDateTime

PREFIX = "_dazzle_"
HISTORY = "_dazzle_migrations"


def add_framework_tables(metadata: MetaData) -> dict[str, Table]:
    history = Table(
        HISTORY,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("applied_at", UTCDateTime(), nullable=False),
        Column("schema_hash", String(64), nullable=False),
        Column("framework_version", String(32), nullable=False),
        Column("steps", JSON, nullable=False),
        Column("snapshot", JSON, nullable=False),
    )
    return {HISTORY: history}
