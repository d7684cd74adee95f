"""Tables of the ai plugin (prefix ``ai_``). They exist whether or not the plugin is enabled."""

from __future__ import annotations

import uuid

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import UUIDv7AuditBase

__all__ = ("IssueVector",)


class IssueVector(UUIDv7AuditBase):
    """What the semantic index holds for one issue: which text, embedded how, and where the vector lives.

    ``content_hash`` covers the backend, the embedding and the text, so an unchanged issue is never embedded
    again and a change of embedding or backend makes every row stale. ``checksum`` (part of the hash as a
    number) lets a search tell whether a project's cached vectors are still exact with one grouped query.
    ``vector`` holds little-endian float32 values for the embedded backend; it is empty when the vector lives
    in Pinecone (the row then records that it was written there).
    """

    __tablename__ = "ai_issue_vectors"
    __table_args__ = (
        # A search reads each project's vector count and checksum sum from this index alone.
        Index("ix_ai_issue_vectors_project_coverage", "project_id", "backend", "embedding", "checksum"),
    )

    issue_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("issues.id", ondelete="CASCADE"), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    checksum: Mapped[int] = mapped_column(Integer)
    backend: Mapped[str] = mapped_column(String(16))
    embedding: Mapped[str] = mapped_column(String(120))
    dimensions: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
