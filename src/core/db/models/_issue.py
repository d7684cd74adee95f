"""Issues and what hangs off them: comments, links, attachments."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import JSONType, UUIDv7AuditBase
from core.db.models._project import IssueType, Project, WorkflowStatus
from core.db.models._user import User

__all__ = ("Attachment", "Comment", "Issue", "IssueLink")


class Issue(UUIDv7AuditBase):
    """A unit of work. ``number`` comes from the project's counter: ``KEY-number`` is never reused."""

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        Index("ix_issues_project_status", "project_id", "status_id"),
        Index("ix_issues_project_sprint", "project_id", "sprint_id"),
        Index("ix_issues_project_created", "project_id", "created_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    issue_type_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("issue_types.id", ondelete="RESTRICT"))
    status_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("workflow_statuses.id", ondelete="RESTRICT"))
    priority: Mapped[str] = mapped_column(String(2), default="P3")
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID, ForeignKey("issues.id", ondelete="SET NULL"), default=None, index=True
    )
    sprint_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID, ForeignKey("sprints.id", ondelete="SET NULL"), default=None
    )
    story_points: Mapped[decimal.Decimal | None] = mapped_column(Numeric(8, 2), default=None)
    estimated_hours: Mapped[decimal.Decimal | None] = mapped_column(Numeric(8, 2), default=None)
    actual_hours: Mapped[decimal.Decimal | None] = mapped_column(Numeric(8, 2), default=None)
    due_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Position inside a board column (lower first); fractional so a move never renumbers the column.
    rank: Mapped[float] = mapped_column(Float, default=0.0)
    resolved_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    project: Mapped[Project] = relationship(lazy="raise")
    issue_type: Mapped[IssueType] = relationship(lazy="raise")
    status: Mapped[WorkflowStatus] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[assignee_id])
    reporter: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[reporter_id])


class Comment(UUIDv7AuditBase):
    """A comment on an issue."""

    __tablename__ = "issue_comments"

    issue_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None)
    content: Mapped[str] = mapped_column(Text)
    is_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    author: Mapped[User | None] = relationship(lazy="raise")


class IssueLink(UUIDv7AuditBase):
    """A typed link from one issue to another; its reciprocal is stored too."""

    __tablename__ = "issue_links"
    __table_args__ = (UniqueConstraint("source_issue_id", "target_issue_id", "link_type"),)

    source_issue_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    target_issue_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    link_type: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Attachment(UUIDv7AuditBase):
    """A file attached to an issue. ``storage_key`` is ours; ``filename`` is only shown."""

    __tablename__ = "issue_attachments"

    issue_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
