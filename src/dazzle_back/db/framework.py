"""Tables the framework owns (prefixed ``_dazzle_``), created and migrated with the app's,
under the same lock."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from dazzle_back.db.types import GUID, UTCDateTime

PREFIX = "_dazzle_"
HISTORY = "_dazzle_migrations"
ACCOUNTS = "_dazzle_accounts"
SESSIONS = "_dazzle_sessions"
TOKENS = "_dazzle_tokens"
LINKS = "_dazzle_links"


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
    accounts = Table(
        ACCOUNTS,
        metadata,
        Column("id", GUID(), primary_key=True),
        Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
        Column("password_hash", String(255), nullable=True),
        Column("roles", JSON, nullable=False),
        Column("is_active", Boolean(create_constraint=False), nullable=False),
        Column("is_superuser", Boolean(create_constraint=False), nullable=False),
        Column("user_id", String(64), nullable=True),  # the linked user-entity row
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    )
    sessions = Table(
        SESSIONS,
        metadata,
        Column("id", String(128), primary_key=True),  # sha256 of the cookie value
        Column(
            "account_id", GUID(), ForeignKey(f"{ACCOUNTS}.id", ondelete="CASCADE"), nullable=False
        ),
        Column("data", JSON, nullable=False),
        Column("expires_at", UTCDateTime(), nullable=False),
    )
    Index(None, sessions.c.account_id)
    tokens = Table(
        TOKENS,
        metadata,
        Column("id", GUID(), primary_key=True),
        Column(
            "account_id", GUID(), ForeignKey(f"{ACCOUNTS}.id", ondelete="CASCADE"), nullable=False
        ),
        Column("name", String(100), nullable=False),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("prefix", String(16), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("last_used_at", UTCDateTime(), nullable=True),
        Column("expires_at", UTCDateTime(), nullable=True),
    )
    Index(None, tokens.c.account_id)
    # a user-entity row belongs to at most one account
    Index(None, accounts.c.user_id, unique=True)
    links = Table(
        LINKS,
        metadata,
        Column("id", String(64), primary_key=True),  # keyed hash of the emailed token
        Column("purpose", String(20), nullable=False),
        Column("email", String(320), nullable=False),
        Column("data", JSON, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("expires_at", UTCDateTime(), nullable=False),
        Column("used_at", UTCDateTime(), nullable=True),
    )
    Index(None, links.c.email)
    return {HISTORY: history, ACCOUNTS: accounts, SESSIONS: sessions, TOKENS: tokens,
            LINKS: links}  # fmt: skip
