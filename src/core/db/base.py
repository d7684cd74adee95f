"""Declarative bases shared by the core and every plugin (one metadata, one migration history)."""

from __future__ import annotations

from advanced_alchemy.base import IdentityAuditBase, UUIDv7AuditBase, orm_registry
from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

from core.db.changes import install_change_triggers

__all__ = ("IdentityAuditBase", "JSONType", "UUIDv7AuditBase", "metadata")

metadata = orm_registry.metadata
# Tables made by create_all (tests, tools) announce their writes like migrated ones (see core.db.changes).
install_change_triggers(metadata)

# advanced-alchemy's JsonB breaks on SQLAlchemy 2.1 (it calls a removed helper), so we declare the variant here.
JSONType = JSON().with_variant(JSONB(), "postgresql")
